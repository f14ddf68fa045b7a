/*  sq_alloc: allocations that abort when memory runs out (see sq_alloc.h). */
#include "sq_alloc.h"

#include <stdlib.h>
#include <string.h>

void *sq_alloc(size_t size)
{
    void *memory = calloc(1, size ? size : 1);
    if (!memory)
        abort();
    return memory;
}

void *sq_realloc(void *memory, size_t size)
{
    void *resized = realloc(memory, size ? size : 1);
    if (!resized)
        abort();
    return resized;
}

char *sq_strdup(const char *text)
{
    char *copy = strdup(text);
    if (!copy)
        abort();
    return copy;
}
