/*  sq_alloc: memory that the library cannot do without.  When the machine is out of
    memory there is nothing sensible to do, so these abort rather than return NULL, and
    their callers need not check.
*/
#ifndef SQ_ALLOC_H
#define SQ_ALLOC_H

#include <stddef.h>

//  size bytes, zeroed (at least one byte, so size 0 is fine).  The caller frees it.
void *sq_alloc(size_t size);

//  memory resized to size bytes (memory may be NULL); what is added is not zeroed.
void *sq_realloc(void *memory, size_t size);

//  A copy of text.  The caller frees it.
char *sq_strdup(const char *text);

#endif
