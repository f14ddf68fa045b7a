/*  sq_credit: GB 32100-2015 codes (see sq_credit.h). */
#include "sq_credit.h"

#include <ctype.h>
#include <string.h>

static const char s_set[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
#define S_MODULUS 31

//  The value of c in the set, or -1.
static int s_value(char c)
{
    const char *at = c ? strchr(s_set, c) : NULL;
    return at ? (int) (at - s_set) : -1;
}

char sq_credit_check_char(const char *code)
{
    int sum = 0, weight = 1;
    for (int i = 0; i < SQ_CREDIT_CODE_LENGTH - 1; i++) {
        int value = s_value(code[i]);
        if (value < 0)
            return 0;
        sum += value * weight;
        weight = weight * 3 % S_MODULUS;
    }
    return s_set[(S_MODULUS - sum % S_MODULUS) % S_MODULUS];
}

const char *sq_credit_code_problem(const char *code)
{
    if (strlen(code) != SQ_CREDIT_CODE_LENGTH)
        return "must be 18 characters (统一社会信用代码, GB 32100-2015)";
    for (int i = 0; i < SQ_CREDIT_CODE_LENGTH; i++) {
        if (islower((unsigned char) code[i]))
            return "must be written in capital letters";
        if (s_value(code[i]) < 0)
            return "may hold only digits and the capital letters but I, O, S, V and Z";
        if (i >= 2 && i < 8 && !isdigit((unsigned char) code[i]))
            return "characters 3 to 8 must be digits (the administrative division)";
    }
    if (sq_credit_check_char(code) != code[SQ_CREDIT_CODE_LENGTH - 1])
        return "the check character (the 18th) does not match the other 17 (GB 32100-2015)";
    return NULL;
}
