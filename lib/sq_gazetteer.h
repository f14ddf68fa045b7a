/*  sq_gazetteer: find the region (township or street) a complaint is about.

    The places to look, in order:
      1. the work order's region field, when it is a region's id, name or alias, or else
         contains one;
      2. the address;
      3. the title;
      4. the content.
    In each text the leftmost name or alias wins, and of those starting at the same place
    the longest ("城东街道" over "城东").  The answer says which field it came from and which
    words matched, for the routing explanation.

    A gazetteer is built once from a catalogue's regions; it borrows the catalogue, which
    must outlive it, and is read-only afterwards (safe to share between threads).
    A lookup walks the text once, trying only the names that start with the character
    at hand, so it stays cheap with hundreds of aliases.
*/
#ifndef SQ_GAZETTEER_H
#define SQ_GAZETTEER_H

#include "sq_catalog.h"

typedef struct _sq_gazetteer_t sq_gazetteer_t;

typedef enum {
    SQ_GAZETTEER_NONE = 0,   //  not found
    SQ_GAZETTEER_REGION,     //  the work order's region field
    SQ_GAZETTEER_ADDRESS,
    SQ_GAZETTEER_TITLE,
    SQ_GAZETTEER_CONTENT,
} sq_gazetteer_source_t;

typedef struct {
    const sq_region_t *region;      //  NULL when not found
    sq_gazetteer_source_t source;
    const char *matched;            //  the id, name or alias that matched (borrowed); NULL
} sq_gazetteer_match_t;

//  Build the gazetteer of the catalogue's regions.  Returns a new gazetteer (the
//  caller's, free with sq_gazetteer_destroy); never NULL.
sq_gazetteer_t *sq_gazetteer_new(const sq_catalog_t *catalog);

//  Free the gazetteer; safe on NULL and twice.
void sq_gazetteer_destroy(sq_gazetteer_t **self_p);

//  Locate a complaint.  Any of the four texts may be NULL.  Returns 0 with match filled,
//  or -1 when no region is named anywhere (match->region NULL, source NONE).
int sq_gazetteer_locate(const sq_gazetteer_t *self, const char *region_field,
                        const char *address, const char *title, const char *content,
                        sq_gazetteer_match_t *match);

//  Find the leftmost-longest region name or alias in one text.  Returns the region or
//  NULL; sets *matched (borrowed) when not NULL.
const sq_region_t *sq_gazetteer_find(const sq_gazetteer_t *self, const char *text,
                                     const char **matched);

//  "region", "address", "title", "content"; "" for NONE.  Static.
const char *sq_gazetteer_source_name(sq_gazetteer_source_t source);

#endif
