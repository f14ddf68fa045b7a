/*  sq_repeat: is a new complaint another report of an incident already reported (并单)?

    Repeat reports of one incident come through other channels in other words: a hotline
    operator's transcript and a WeChat message of a neighbour share the place, the business
    and the things that went wrong, not their sentences.  A complaint's terms are the
    character bigrams of its title and content (read as sq_textclass_normalize reads them,
    without the channels' set phrases such as 来电人反映, 尊敬的领导 or 微信留言), hashed as the
    category model hashes them, and weighted by the model's idf: a bigram that few training
    documents have (a street, a dish, 冻鸡爪) weighs much, a common one (问题, 处理) little,
    and one no training document has, mostly the seam between two words, weighs 1.  The
    SQ_REPEAT_TERMS_MAX heaviest are kept, sorted, to be stored with the complaint.

    The similarity of two complaints is the weight of the terms they share over the weight
    of the terms of the shorter one (0 to 1), so that a short message that retells part of
    a long transcript still scores high; but when the shorter one has fewer than
    SQ_REPEAT_TERMS_ENOUGH terms ("停水了啥时候来水" has 7), the similarity is scaled down in
    proportion, since a few words cannot tell one incident from another.

    Which earlier reports are candidates (sq_repeat_is_candidate: the same phone, or the same
    category where the regions agree or one is unknown; the time window is the caller's) and
    what one candidate means (sq_repeat_weigh: merge when nearly identical from the same place
    or phone, or alike enough with the same place, category and setting; suggest when alike
    enough to show the desk) are decided here, so that the candidates PostgreSQL holds and
    those decided earlier in the same batch (workers/classify.c) are judged alike.  Pure
    functions of their arguments: safe from any thread.
*/
#ifndef SQ_REPEAT_H
#define SQ_REPEAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sq_textclass.h"

#define SQ_REPEAT_TERMS_MAX 64
#define SQ_REPEAT_TERMS_ENOUGH 12   //  terms below which similarity is scaled down

//  A complaint's terms: distinct bucket numbers in ascending order.
typedef struct {
    uint32_t terms[SQ_REPEAT_TERMS_MAX];
    size_t count;
} sq_repeat_terms_t;

//  The terms of a complaint (title may be NULL), with model's features and idf.
void sq_repeat_terms(const sq_textclass_t *model, const char *title, const char *content,
                     sq_repeat_terms_t *terms);

//  The weight of one term under model: its idf, or 1 when no training document had it.
double sq_repeat_weight(const sq_textclass_t *model, uint32_t term);

//  The similarity of two complaints' terms, 0 to 1 (0 when either has none).
double sq_repeat_similarity(const sq_textclass_t *model, const sq_repeat_terms_t *a,
                            const sq_repeat_terms_t *b);

//  One report as a repeat report is judged: what is known of it (NULL when unknown).
//  Everything is borrowed.
typedef struct {
    int64_t id;
    const char *number;
    const char *region, *phone, *category, *setting;
    uint64_t simhash;
    sq_repeat_terms_t terms;
} sq_repeat_report_t;

//  How alike is alike: terms this alike with the same place, category and setting are
//  merged; this alike, suggested; a SimHash within max_distance bits from the same place or
//  phone is nearly identical (0: never).
typedef struct {
    double merge, suggest;
    int max_distance;
} sq_repeat_thresholds_t;

typedef enum { SQ_REPEAT_NONE = 0, SQ_REPEAT_SUGGEST, SQ_REPEAT_MERGE } sq_repeat_mode_t;

//  The best candidate so far: merge beats suggest, then the more alike; the first wins ties.
typedef struct {
    const sq_repeat_report_t *master;   //  borrowed; NULL while there is none
    sq_repeat_mode_t mode;
    double similarity;
} sq_repeat_verdict_t;

//  True when report may repeat earlier (not itself), as complaint_repeat_candidates (sql/020)
//  chooses them: the same phone, or the same category with the same region or one of the two
//  unknown.  The window in time and "not merged itself" are the caller's.
bool sq_repeat_is_candidate(const sq_repeat_report_t *report, const sq_repeat_report_t *earlier);

//  Judge candidate against report with model (may be NULL: terms are then not compared) and
//  keep it in verdict (initialised to zeros by the caller) when it is the best yet.
//  Returns candidate's mode.
sq_repeat_mode_t sq_repeat_weigh(const sq_textclass_t *model, const sq_repeat_thresholds_t *thresholds,
                                 const sq_repeat_report_t *report,
                                 const sq_repeat_report_t *candidate, sq_repeat_verdict_t *verdict);

//  The terms as a PostgreSQL array literal, "{3,17,...}" ("{}" when none), into buffer
//  (SQ_REPEAT_TEXT_MAX bytes are always enough).  Returns buffer.
#define SQ_REPEAT_TEXT_MAX (SQ_REPEAT_TERMS_MAX * 11 + 3)
char *sq_repeat_format(const sq_repeat_terms_t *terms, char *buffer, size_t size);

//  Read terms back from an array literal as sq_repeat_format writes it (extra terms are
//  dropped; they are sorted again).  Returns 0, or -1 when text is not such a literal.
int sq_repeat_parse(const char *text, sq_repeat_terms_t *terms);

#endif
