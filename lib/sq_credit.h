/*  sq_credit: the unified social credit code (统一社会信用代码) of a business or other
    organisation, as GB 32100-2015 defines it, for the respondent of a 12315 complaint.

    Eighteen characters from the code's set (digits and the capital letters but I, O, S, V
    and Z): the registering authority and the kind of organisation (two characters of the
    set), the administrative division of the registering authority (six digits, GB/T 2260),
    the organisation's own code (nine characters, GB 11714) and a check character.  The
    check character is the one whose value is (31 - sum(value(c_i) * 3^i mod 31)) mod 31
    over the first seventeen, i from 0; the values are the positions in the set
    0123456789ABCDEFGHJKLMNPQRTUWXY.  A few codes issued by pilot regions before the
    standard fail the check; the code is optional, so an operator can leave such a one out.
*/
#ifndef SQ_CREDIT_H
#define SQ_CREDIT_H

#define SQ_CREDIT_CODE_LENGTH 18

//  NULL when code is a well-formed code with the right check character, else why not, as
//  a static text for a 400 answer.
const char *sq_credit_code_problem(const char *code);

//  The check character of the first seventeen characters of code, or 0 when one of them is
//  not in the code's set.
char sq_credit_check_char(const char *code);

#endif
