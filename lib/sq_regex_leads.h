/*  sq_regex_leads: the literal words one of which every match of an extended regular
    expression must contain, so that a text without any of them need not be given to
    regexec at all (the rules' regexes are run over every complaint; most texts hold none of
    their leading words).

    Read from the pattern's branches (split at the top-level "|"): a branch must start with
    a group of plain alternatives, "(学校|小学|中学)" not followed by ? * + or {, or with a
    plain prefix "医院" not followed by one; every branch's words are the pattern's leads.
    When any branch starts otherwise (".", a bracket, an anchor, an escape, a nested group, an
    optional first group), nothing can be said and the answer is none.
*/
#ifndef SQ_REGEX_LEADS_H
#define SQ_REGEX_LEADS_H

#include <stdbool.h>
#include <stddef.h>

//  The leads of pattern: a NULL-terminated array of new strings (free with
//  sq_regex_leads_free), or NULL when none can be said.
char **sq_regex_leads(const char *pattern);

//  True when text contains one of leads (an array from sq_regex_leads).
bool sq_regex_leads_found(char *const *leads, const char *text);

//  Free leads; safe on NULL.
void sq_regex_leads_free(char **leads);

#endif
