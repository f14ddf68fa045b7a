/*  sq_gazetteer: region names and aliases found in a complaint's fields (see sq_gazetteer.h).

    The names and aliases sit in one array sorted by their first character and then
    longest first.  Walking a text, at each character a binary search finds the names
    that start with it, and the first of them that matches is the longest.  Chinese
    characters share a few lead bytes, so the whole character is the key, not its first
    byte.
*/
#include "sq_gazetteer.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint32_t first;   //  the bytes of its first character, packed
    const char *text;
    size_t length;
    const sq_region_t *region;
} s_term_t;

struct _sq_gazetteer_t {
    const sq_catalog_t *catalog;
    s_term_t *terms;
    size_t term_count;
};

//  The first UTF-8 character of text (1-4 bytes, fewer when the text ends) as one number.
static uint32_t s_first_char(const char *text)
{
    const unsigned char *byte = (const unsigned char *) text;
    size_t length = byte[0] < 0xC0 ? 1 : byte[0] < 0xE0 ? 2 : byte[0] < 0xF0 ? 3 : 4;
    uint32_t code = 0;
    for (size_t i = 0; i < length && byte[i]; i++)
        code = code << 8 | byte[i];
    return code;
}

static s_term_t s_term(const char *text, const sq_region_t *region)
{
    return (s_term_t){s_first_char(text), text, strlen(text), region};
}

static int s_compare_terms(const void *a, const void *b)
{
    const s_term_t *left = a, *right = b;
    if (left->first != right->first)
        return left->first < right->first ? -1 : 1;
    if (left->length != right->length)
        return left->length > right->length ? -1 : 1;
    return strcmp(left->text, right->text);
}

sq_gazetteer_t *sq_gazetteer_new(const sq_catalog_t *catalog)
{
    sq_gazetteer_t *self = calloc(1, sizeof *self);
    if (!self)
        abort();   //  out of memory: nothing sensible to do
    self->catalog = catalog;
    size_t count = 0;
    for (size_t i = 0; i < sq_catalog_region_count(catalog); i++)
        count += 1 + sq_catalog_region_at(catalog, i)->alias_count;
    self->terms = calloc(count ? count : 1, sizeof *self->terms);
    if (!self->terms)
        abort();
    for (size_t i = 0; i < sq_catalog_region_count(catalog); i++) {
        const sq_region_t *region = sq_catalog_region_at(catalog, i);
        self->terms[self->term_count++] = s_term(region->name, region);
        for (size_t a = 0; a < region->alias_count; a++)
            self->terms[self->term_count++] = s_term(region->aliases[a], region);
    }
    qsort(self->terms, self->term_count, sizeof *self->terms, s_compare_terms);
    return self;
}

void sq_gazetteer_destroy(sq_gazetteer_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->terms);
    free(*self_p);
    *self_p = NULL;
}

const sq_region_t *sq_gazetteer_find(const sq_gazetteer_t *self, const char *text,
                                     const char **matched)
{
    if (!text)
        return NULL;
    size_t length = strlen(text);
    for (size_t at = 0; at < length; at++) {
        if (((unsigned char) text[at] & 0xC0) == 0x80)
            continue;   //  inside a UTF-8 character: names start on a character
        uint32_t first = s_first_char(text + at);
        size_t low = 0, high = self->term_count;
        while (low < high) {
            size_t middle = low + (high - low) / 2;
            if (self->terms[middle].first < first)
                low = middle + 1;
            else
                high = middle;
        }
        for (size_t t = low; t < self->term_count && self->terms[t].first == first; t++) {
            const s_term_t *term = &self->terms[t];
            if (term->length <= length - at && memcmp(text + at, term->text, term->length) == 0) {
                if (matched)
                    *matched = term->text;
                return term->region;
            }
        }
    }
    return NULL;
}

//  The region field is usually exactly a region: its id, name or alias.
static const sq_region_t *s_exact(const sq_gazetteer_t *self, const char *field,
                                  const char **matched)
{
    const sq_region_t *region = sq_catalog_region(self->catalog, field);
    if (region) {
        *matched = region->id;
        return region;
    }
    region = sq_catalog_region_named(self->catalog, field);
    if (!region)
        return NULL;
    *matched = strcmp(region->name, field) == 0 ? region->name : NULL;
    for (size_t i = 0; !*matched && i < region->alias_count; i++)
        if (strcmp(region->aliases[i], field) == 0)
            *matched = region->aliases[i];
    return region;
}

int sq_gazetteer_locate(const sq_gazetteer_t *self, const char *region_field,
                        const char *address, const char *title, const char *content,
                        sq_gazetteer_match_t *match)
{
    *match = (sq_gazetteer_match_t){NULL, SQ_GAZETTEER_NONE, NULL};
    if (region_field && *region_field)
        match->region = s_exact(self, region_field, &match->matched);
    const char *texts[] = {region_field, address, title, content};
    const sq_gazetteer_source_t sources[] = {SQ_GAZETTEER_REGION, SQ_GAZETTEER_ADDRESS,
                                             SQ_GAZETTEER_TITLE, SQ_GAZETTEER_CONTENT};
    if (match->region) {
        match->source = SQ_GAZETTEER_REGION;
        return 0;
    }
    for (size_t i = 0; i < 4; i++) {
        match->region = sq_gazetteer_find(self, texts[i], &match->matched);
        if (match->region) {
            match->source = sources[i];
            return 0;
        }
    }
    match->matched = NULL;
    return -1;
}

const char *sq_gazetteer_source_name(sq_gazetteer_source_t source)
{
    switch (source) {
    case SQ_GAZETTEER_REGION:
        return "region";
    case SQ_GAZETTEER_ADDRESS:
        return "address";
    case SQ_GAZETTEER_TITLE:
        return "title";
    case SQ_GAZETTEER_CONTENT:
        return "content";
    default:
        return "";
    }
}
