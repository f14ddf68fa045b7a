/*  sq_rules: classification rules, config/classify_rules.yaml, that force or veto a label
    the classifier would give, or weigh the evidence for one.

    Each rule has a target (category | type | urgency | setting), an action (force | veto |
    cue), a label (a category id of the catalogue, a type 投诉/举报/咨询/求助/建议/表扬, an
    urgency 紧急/一般 (English names are accepted and kept as the Chinese label), or a
    setting id of the catalogue), and words to look for in the title and content: `any`,
    substrings of which one is enough, and/or `regex`, a POSIX extended regular
    expression; the rule applies when any substring or the regex matches.  A cue has a
    `weight` (-20 to 20): evidence for its label (against it when negative) that the
    classifier adds to the label's log-odds, so that cues of what the procedure asks (who
    was harmed, what remedy is sought) and the model's word statistics are weighed
    together.  The text searched is the title, a newline, then the content.
    The regex works on bytes unless the process has set a UTF-8 locale: "." is one byte,
    and a bracket expression cannot hold Chinese characters.  Loading stops at the first
    mistake, with file, line, key path and rule, e.g.
        config/classify_rules.yaml:9: rules[1].regex: bad regular expression in rule
        urgent-poisoning: Unmatched ( or \(

    Applying the rules of one target to a complaint walks them in precedence order (higher
    priority first, then file order) and gives:
      - every vetoed label, each once, with the first rule that vetoed it;
      - the forced label, from the first matching force rule whose label was not vetoed by
        a rule before it.  So a veto of higher priority stops a force ("消防演练" stops
        "起火" → 紧急), and a force of higher priority stands even when a later veto of
        the same label matches (the label is then both forced and in the vetoed set);
      - every matching cue whose label no rule before it vetoed, in precedence order, at
        most SQ_RULES_CUE_MAX.
    The rules are read-only after loading (safe to share between threads).
*/
#ifndef SQ_RULES_H
#define SQ_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "sq_catalog.h"

#define SQ_RULES_VETO_MAX 32   //  most distinct labels vetoed for one target
#define SQ_RULES_CUE_MAX 48    //  most cues one verdict holds

typedef struct _sq_rules_t sq_rules_t;

typedef enum {
    SQ_RULES_CATEGORY,
    SQ_RULES_TYPE,
    SQ_RULES_URGENCY,
    SQ_RULES_SETTING,
    SQ_RULES_TARGET_COUNT
} sq_rules_target_t;

//  One label and the rule that said so; both borrowed from the rules.
typedef struct {
    const char *label;   //  NULL when none
    const char *rule;
} sq_rules_hit_t;

//  A cue that matched: its label, rule and weight; the strings are borrowed from the rules.
typedef struct {
    const char *label;
    const char *rule;
    double weight;
} sq_rules_cue_t;

typedef struct {
    sq_rules_hit_t forced;                      //  forced.label NULL when nothing forced
    sq_rules_hit_t vetoed[SQ_RULES_VETO_MAX];   //  veto_count of them, in precedence order
    size_t veto_count;
    sq_rules_cue_t cues[SQ_RULES_CUE_MAX];      //  cue_count of them, in precedence order
    size_t cue_count;
} sq_rules_verdict_t;

//  Load the rules at path; category labels are checked against the catalogue (only while
//  loading).  Returns new rules (the caller's, free with sq_rules_destroy) or NULL with
//  "file:line: key path: message" in error.
sq_rules_t *sq_rules_load(const char *path, const sq_catalog_t *catalog, char *error,
                          size_t error_size);

//  Free the rules; safe on NULL and twice.
void sq_rules_destroy(sq_rules_t **self_p);

//  The number of rules.
size_t sq_rules_count(const sq_rules_t *self);

//  Apply the rules of one target to a complaint's title and content (either may be NULL).
//  Fills verdict; returns 0.
int sq_rules_apply(const sq_rules_t *self, sq_rules_target_t target, const char *title,
                   const char *content, sq_rules_verdict_t *verdict);

//  The rule that vetoed label in the verdict, or NULL when it was not vetoed.
const char *sq_rules_vetoed(const sq_rules_verdict_t *verdict, const char *label);

//  The sum of the weights of the cues for label in the verdict (0 when none matched).
double sq_rules_evidence(const sq_rules_verdict_t *verdict, const char *label);

//  "category", "type", "urgency", "setting".  Static.
const char *sq_rules_target_name(sq_rules_target_t target);

#endif
