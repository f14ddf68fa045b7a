/*  sq_regex_leads: the words a regex's every match contains (see sq_regex_leads.h). */
#include "sq_regex_leads.h"

#include <stdlib.h>
#include <string.h>

#include "sq_alloc.h"

#define S_META ".[]()|*+?{}^$\\"
#define S_QUANTIFIERS "?*+{"

//  Append word[0 .. length) to the list (count words so far, room for more).
static void s_add(char ***list, size_t *count, const char *word, size_t length)
{
    *list = (char **) sq_realloc(*list, (*count + 2) * sizeof **list);
    char *copy = (char *) sq_alloc(length + 1);
    memcpy(copy, word, length);
    (*list)[(*count)++] = copy;
    (*list)[*count] = NULL;
}

//  True when text[0 .. length) holds no meta character and is not empty.
static bool s_plain(const char *text, size_t length)
{
    if (length == 0)
        return false;
    for (size_t i = 0; i < length; i++)
        if (strchr(S_META, text[i]))
            return false;
    return true;
}

//  The leads of one branch, branch[0 .. length), added to the list; false when none can be
//  said of it.
static bool s_branch(const char *branch, size_t length, char ***list, size_t *count)
{
    if (length == 0)
        return false;
    if (branch[0] != '(') {
        size_t prefix = 0;
        while (prefix < length && !strchr(S_META, branch[prefix]))
            prefix++;
        //  "ab?" makes the b optional (in the C locale, the last byte): say nothing
        if (prefix == 0 || (prefix < length && strchr(S_QUANTIFIERS, branch[prefix])))
            return false;
        s_add(list, count, branch, prefix);
        return true;
    }
    size_t close = 1;
    while (close < length && branch[close] != ')') {
        if (branch[close] == '(' || branch[close] == '[' || branch[close] == '\\')
            return false;   //  nested or bracketed: not plain words
        close++;
    }
    if (close == length || (close + 1 < length && strchr(S_QUANTIFIERS, branch[close + 1])))
        return false;
    const char *word = branch + 1, *end = branch + close;
    while (word <= end) {
        const char *bar = memchr(word, '|', (size_t) (end - word));
        const char *stop = bar ? bar : end;
        if (!s_plain(word, (size_t) (stop - word)))
            return false;
        s_add(list, count, word, (size_t) (stop - word));
        word = stop + 1;
    }
    return true;
}

char **sq_regex_leads(const char *pattern)
{
    if (!pattern)
        return NULL;
    char **list = NULL;
    size_t count = 0;
    size_t length = strlen(pattern), start = 0;
    int depth = 0;
    bool bracket = false, ok = true;
    for (size_t i = 0; i <= length && ok; i++) {
        char c = pattern[i];
        if (i < length && c == '\\') {
            i++;   //  the escaped character is no structure
            continue;
        }
        if (bracket) {
            bracket = c != ']';
            continue;
        }
        if (c == '[')
            bracket = true;
        else if (c == '(')
            depth++;
        else if (c == ')')
            depth--;
        else if ((c == '|' && depth == 0) || i == length) {
            ok = s_branch(pattern + start, i - start, &list, &count);
            start = i + 1;
        }
    }
    if (!ok || depth != 0 || bracket) {
        sq_regex_leads_free(list);
        return NULL;
    }
    return list;
}

bool sq_regex_leads_found(char *const *leads, const char *text)
{
    for (char *const *lead = leads; lead && *lead; lead++)
        if (strstr(text, *lead))
            return true;
    return false;
}

void sq_regex_leads_free(char **leads)
{
    for (char **lead = leads; lead && *lead; lead++)
        free(*lead);
    free(leads);
}
