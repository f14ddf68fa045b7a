/*  sq_matrix: the routing matrix, config/matrix.yaml: which department leads a complaint
    and which cooperate, and why.

    Each rule says when it applies (any of category, type, region, channel, setting: one
    value or a list, "*" or a missing key for any), who leads (a department id, or "@region": the
    local government of the complaint's region), who cooperates (co), its priority and its
    basis (the sentence of the seed document it follows).  Loading checks every id against
    the catalogue; a mistake stops loading with file, line and key path, e.g.
        config/matrix.yaml:42: rules[3].lead: unknown department "jyjj"

    Precedence among the rules that match a complaint: higher priority first; on a tie the
    rule with more constraining keys in `when` ("*" does not count); then file order.
    The first rule in that order decides, except that these are passed over for the next:
    a rule whose lead is one of the excluded departments (one that returned the complaint);
    a rule that leads "@region" when the region is unknown; and a rule that asks for a type
    or setting the classifier is unsure of (the query says which), so that a complaint whose
    category is sure goes by the category's default rule rather than to triage.  Excluded
    departments, and the lead itself, are left out of co.  The complaint goes to triage (the
    caller's business) when no rule matches or every matching rule is passed over.

    The matrix borrows the catalogue, which must outlive it; it is read-only after
    loading (safe to share between threads).
*/
#ifndef SQ_MATRIX_H
#define SQ_MATRIX_H

#include <stddef.h>

#include "sq_catalog.h"

#define SQ_MATRIX_REGION_LEAD "@region"
#define SQ_ROUTE_CO_MAX 16          //  most cooperating departments in one rule
#define SQ_ROUTE_REASON_MAX 1024

typedef struct _sq_matrix_t sq_matrix_t;

//  Labels of a query the classifier is unsure of: rules that ask for them are passed over.
#define SQ_ROUTE_UNSURE_TYPE 1u
#define SQ_ROUTE_UNSURE_SETTING 2u

//  What is known of the complaint.
typedef struct {
    const char *category;   //  category id; NULL when not known
    sq_type_t type;         //  SQ_TYPE_NONE when not known
    const char *region;     //  region id; NULL when not known
    const char *channel;    //  channel name (hotline12345 ...); NULL when not known
    const char *setting;    //  setting id (school ...); NULL when none was found
    unsigned unsure;        //  SQ_ROUTE_UNSURE_* bits; 0 when every label is sure
} sq_route_query_t;

//  The answer.  Strings are borrowed from the catalogue and the matrix.
typedef struct {
    const char *lead;                   //  department id; NULL: to triage
    const char *co[SQ_ROUTE_CO_MAX];    //  cooperating department ids
    size_t co_count;
    const char *rule;                   //  the deciding rule's id; NULL when none
    char reason[SQ_ROUTE_REASON_MAX];   //  why, in one line, for the explanation
} sq_route_decision_t;

//  Load the matrix at path, checked against the catalogue (borrowed; it must outlive the
//  matrix).  Returns a new matrix (the caller's, free with sq_matrix_destroy) or NULL with
//  "file:line: key path: message" in error.
sq_matrix_t *sq_matrix_load(const char *path, const sq_catalog_t *catalog, char *error,
                            size_t error_size);

//  Free the matrix; safe on NULL and twice.
void sq_matrix_destroy(sq_matrix_t **self_p);

//  The number of rules.
size_t sq_matrix_rule_count(const sq_matrix_t *self);

//  Decide who leads.  excluded_departments (excluded_count ids, may be NULL when 0) are the
//  departments that returned the complaint.  Fills decision in every case; returns 0 when
//  a lead was found, -1 when the complaint goes to triage (decision->lead NULL and the
//  reason says why: "no rule matched ...", "... leads @region but the region is unknown",
//  "every matching rule's lead returned the complaint ...").  Rules passed over are named
//  in the reason.
int sq_matrix_route(const sq_matrix_t *self, const sq_route_query_t *query,
                    const char *const *excluded_departments, size_t excluded_count,
                    sq_route_decision_t *decision);

//  The lead of the category's default rule: the first rule in precedence whose only
//  condition is that category (a department id or "@region"; borrowed), or NULL.
const char *sq_matrix_category_lead(const sq_matrix_t *self, const char *category);

#endif
