/*  sq_repeat: the terms and similarity of repeat reports (see sq_repeat.h). */
#include "sq_repeat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sq_alloc.h"
#include "sq_ngram.h"
#include "sq_simhash.h"

//  The set phrases of the channels' forms: they say nothing about the incident.  Written
//  as sq_ngram_normalize leaves them (no punctuation, lower case).
static const char *const s_set_phrases[] = {
    "来电人反映", "来电人诉求", "来电人咨询", "来电人建议", "来电人表扬", "来电人要求保密",
    "来电人",     "市民来电",   "尊敬的领导", "此致敬礼",   "微信留言",   "您好",
    "谢谢",       "乐清市",     NULL,
};

typedef struct {
    uint32_t term;
    double weight;
} s_weighted_t;

double sq_repeat_weight(const sq_textclass_t *model, uint32_t term)
{
    double idf = sq_textclass_idf(model, term);
    return idf > 0 ? idf : 1;
}

static int s_by_weight(const void *a, const void *b)
{
    const s_weighted_t *left = a, *right = b;
    if (left->weight != right->weight)
        return left->weight > right->weight ? -1 : 1;
    return left->term < right->term ? -1 : left->term > right->term;
}

static int s_by_term(const void *a, const void *b)
{
    uint32_t left = *(const uint32_t *) a, right = *(const uint32_t *) b;
    return left < right ? -1 : left > right;
}

//  Cut every set phrase out of text (normalised), in place: each becomes a newline, which
//  ends the piece of text before it so that no bigram spans the cut.
static void s_cut_set_phrases(char *text)
{
    for (const char *const *phrase = s_set_phrases; *phrase; phrase++) {
        size_t length = strlen(*phrase);
        for (char *at = strstr(text, *phrase); at; at = strstr(at, *phrase)) {
            *at = '\n';
            memmove(at + 1, at + length, strlen(at + length) + 1);
        }
    }
}

//  Add the distinct bigram buckets of each newline-separated piece of text to found.
static void s_add_bigrams(const sq_ngram_options_t *bigrams, char *text, s_weighted_t **found,
                          size_t *count, size_t *room)
{
    char *saveptr = NULL;
    for (char *piece = strtok_r(text, "\n", &saveptr); piece;
         piece = strtok_r(NULL, "\n", &saveptr)) {
        size_t total = sq_ngram_buckets(bigrams, piece, NULL, 0);
        uint32_t *buckets = sq_alloc((total ? total : 1) * sizeof *buckets);
        sq_ngram_buckets(bigrams, piece, buckets, total);
        for (size_t i = 0; i < total; i++) {
            if (*count == *room) {
                *room = *room ? *room * 2 : 64;
                s_weighted_t *grown = realloc(*found, *room * sizeof *grown);
                if (!grown)
                    abort();   //  as sq_alloc does: nothing sensible to do
                *found = grown;
            }
            (*found)[(*count)++] = (s_weighted_t){buckets[i], 0};
        }
        free(buckets);
    }
}

void sq_repeat_terms(const sq_textclass_t *model, const char *title, const char *content,
                     sq_repeat_terms_t *terms)
{
    memset(terms, 0, sizeof *terms);
    sq_ngram_options_t bigrams = sq_textclass_options(model)->features;
    bigrams.ngram_min = bigrams.ngram_max = 2;
    s_weighted_t *found = NULL;
    size_t count = 0, room = 0;
    const char *fields[] = {title, content};
    for (int f = 0; f < 2; f++) {
        if (!fields[f])
            continue;
        char *normal = sq_ngram_normalize(&bigrams, fields[f]);
        if (!normal)
            abort();
        s_cut_set_phrases(normal);
        s_add_bigrams(&bigrams, normal, &found, &count, &room);
        free(normal);
    }
    if (count == 0)
        return;   //  no bigrams: no terms (found is still NULL)
    //  distinct terms, weighed, the heaviest kept
    qsort(found, count, sizeof *found, s_by_term);   //  term is the first member
    size_t distinct = 0;
    for (size_t i = 0; i < count; i++)
        if (distinct == 0 || found[distinct - 1].term != found[i].term)
            found[distinct++] = found[i];
    for (size_t i = 0; i < distinct; i++)
        found[i].weight = sq_repeat_weight(model, found[i].term);
    qsort(found, distinct, sizeof *found, s_by_weight);
    terms->count = distinct < SQ_REPEAT_TERMS_MAX ? distinct : SQ_REPEAT_TERMS_MAX;
    for (size_t i = 0; i < terms->count; i++)
        terms->terms[i] = found[i].term;
    qsort(terms->terms, terms->count, sizeof terms->terms[0], s_by_term);
    free(found);
}

double sq_repeat_similarity(const sq_textclass_t *model, const sq_repeat_terms_t *a,
                            const sq_repeat_terms_t *b)
{
    double shared = 0, weight_a = 0, weight_b = 0;
    for (size_t i = 0; i < a->count; i++)
        weight_a += sq_repeat_weight(model, a->terms[i]);
    for (size_t j = 0; j < b->count; j++)
        weight_b += sq_repeat_weight(model, b->terms[j]);
    for (size_t i = 0, j = 0; i < a->count && j < b->count;) {
        if (a->terms[i] == b->terms[j]) {
            shared += sq_repeat_weight(model, a->terms[i]);
            i++, j++;
        }
        else if (a->terms[i] < b->terms[j])
            i++;
        else
            j++;
    }
    double smaller = weight_a < weight_b ? weight_a : weight_b;
    if (smaller <= 0)
        return 0;
    //  a few words are not enough to say two reports are one incident
    size_t fewer = a->count < b->count ? a->count : b->count;
    double sure = fewer < SQ_REPEAT_TERMS_ENOUGH ? (double) fewer / SQ_REPEAT_TERMS_ENOUGH : 1;
    return shared / smaller * sure;
}

char *sq_repeat_format(const sq_repeat_terms_t *terms, char *buffer, size_t size)
{
    size_t used = (size_t) snprintf(buffer, size, "{");
    for (size_t i = 0; i < terms->count && used < size; i++)
        used += (size_t) snprintf(buffer + used, size - used, "%s%u", i ? "," : "",
                                  terms->terms[i]);
    if (used < size)
        snprintf(buffer + used, size - used, "}");
    return buffer;
}

int sq_repeat_parse(const char *text, sq_repeat_terms_t *terms)
{
    memset(terms, 0, sizeof *terms);
    if (!text || text[0] != '{')
        return -1;
    const char *at = text + 1;
    while (*at && *at != '}') {
        char *end = NULL;
        errno = 0;
        unsigned long value = strtoul(at, &end, 10);
        if (errno || end == at || value > UINT32_MAX || (*end != ',' && *end != '}'))
            return -1;
        if (terms->count < SQ_REPEAT_TERMS_MAX)
            terms->terms[terms->count++] = (uint32_t) value;
        at = *end == ',' ? end + 1 : end;
    }
    if (*at != '}' || at[1])
        return -1;
    if (terms->count)
        qsort(terms->terms, terms->count, sizeof terms->terms[0], s_by_term);
    return 0;
}

static bool s_same(const char *a, const char *b)
{
    return a && b ? strcmp(a, b) == 0 : a == b;
}

bool sq_repeat_is_candidate(const sq_repeat_report_t *report, const sq_repeat_report_t *earlier)
{
    if (report->id == earlier->id)
        return false;
    if (report->phone && earlier->phone && strcmp(report->phone, earlier->phone) == 0)
        return true;
    return report->category && s_same(report->category, earlier->category)
           && (!report->region || !earlier->region || strcmp(report->region, earlier->region) == 0);
}

sq_repeat_mode_t sq_repeat_weigh(const sq_textclass_t *model, const sq_repeat_thresholds_t *thresholds,
                                 const sq_repeat_report_t *report,
                                 const sq_repeat_report_t *candidate, sq_repeat_verdict_t *verdict)
{
    bool same_place = (report->region && s_same(report->region, candidate->region))
                      || (report->phone && s_same(report->phone, candidate->phone));
    double similarity = model ? sq_repeat_similarity(model, &report->terms, &candidate->terms) : 0;
    //  near-identical text from the same place or phone: the SimHash says so at once
    bool identical = same_place && thresholds->max_distance > 0
                     && sq_simhash_distance(report->simhash, candidate->simhash)
                            <= thresholds->max_distance;
    if (identical)
        similarity = 1;
    bool sure = identical
                || (same_place && s_same(report->category, candidate->category)
                    && s_same(report->setting, candidate->setting)
                    && similarity >= thresholds->merge);
    sq_repeat_mode_t mode = sure                               ? SQ_REPEAT_MERGE
                            : similarity >= thresholds->suggest ? SQ_REPEAT_SUGGEST
                                                                : SQ_REPEAT_NONE;
    if (mode == SQ_REPEAT_NONE)
        return mode;
    bool better = !verdict->master || mode > verdict->mode
                  || (mode == verdict->mode && similarity > verdict->similarity);
    if (better)
        *verdict = (sq_repeat_verdict_t){candidate, mode, similarity};
    return mode;
}
