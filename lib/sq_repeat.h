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
    proportion, since a few words cannot tell one incident from another.  What counts as a candidate (same region and
    category, the time window) and the thresholds for merging and for suggesting are the
    caller's (workers/classify.c).  Pure functions of their arguments: safe from any thread.
*/
#ifndef SQ_REPEAT_H
#define SQ_REPEAT_H

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

//  The terms as a PostgreSQL array literal, "{3,17,...}" ("{}" when none), into buffer
//  (SQ_REPEAT_TEXT_MAX bytes are always enough).  Returns buffer.
#define SQ_REPEAT_TEXT_MAX (SQ_REPEAT_TERMS_MAX * 11 + 3)
char *sq_repeat_format(const sq_repeat_terms_t *terms, char *buffer, size_t size);

//  Read terms back from an array literal as sq_repeat_format writes it (extra terms are
//  dropped; they are sorted again).  Returns 0, or -1 when text is not such a literal.
int sq_repeat_parse(const char *text, sq_repeat_terms_t *terms);

#endif
