/*  sq_simhash: SimHash over character shingles (see sq_simhash.h). */
#include "sq_simhash.h"

#include <stdbool.h>
#include <string.h>

#define S_FNV_OFFSET 0xcbf29ce484222325ULL
#define S_FNV_PRIME 0x100000001b3ULL

//  Length in bytes of the UTF-8 character starting at text (1 for a stray byte).
static size_t s_char_length(const unsigned char *text)
{
    size_t length = *text < 0x80 ? 1 : *text >= 0xF0 ? 4 : *text >= 0xE0 ? 3 : *text >= 0xC0 ? 2 : 1;
    for (size_t i = 1; i < length; i++)
        if ((text[i] & 0xC0) != 0x80)
            return 1;
    return length;
}

//  FNV-1a over bytes, then a final mix so that nearby shingles spread over all 64 bits.
static uint64_t s_hash(const unsigned char *bytes, size_t length)
{
    uint64_t hash = S_FNV_OFFSET;
    for (size_t i = 0; i < length; i++) {
        hash ^= bytes[i];
        hash *= S_FNV_PRIME;
    }
    hash ^= hash >> 33;
    hash *= 0xff51afd7ed558ccdULL;
    hash ^= hash >> 33;
    return hash;
}

uint64_t sq_simhash(const char *text, int shingle)
{
    if (shingle < 1)
        shingle = 1;
    if (shingle > 8)
        shingle = 8;
    const unsigned char *bytes = (const unsigned char *) text;
    size_t total = strlen(text);
    int votes[64] = {0};
    size_t start = 0;
    bool any = false;
    while (start < total) {
        //  The shingle starting at start: `shingle` characters, or what is left.
        size_t end = start;
        int count = 0;
        while (end < total && count < shingle) {
            end += s_char_length(bytes + end);
            count++;
        }
        if (count < shingle && any)
            break;   //  the tail is inside the last full shingle already
        uint64_t hash = s_hash(bytes + start, end - start);
        for (int bit = 0; bit < 64; bit++)
            votes[bit] += (hash >> bit) & 1 ? 1 : -1;
        any = true;
        start += s_char_length(bytes + start);
    }
    uint64_t result = 0;
    for (int bit = 0; bit < 64; bit++)
        if (votes[bit] > 0)
            result |= 1ULL << bit;
    return result;
}

int sq_simhash_distance(uint64_t a, uint64_t b)
{
    return __builtin_popcountll(a ^ b);
}
