/*  sq_simhash: a 64-bit SimHash of a text's character shingles, for near-duplicate reports.

    Two reports of the same incident in different words share most of their character
    shingles (runs of `shingle` characters), so their SimHashes differ in few bits; unrelated
    texts differ in about half of the 64.  Give it normalised text (sq_textclass_normalize),
    so that spacing and punctuation do not count.  For short Chinese reports, shingles of 2
    characters separate best: a reworded report of one incident differed in 9 bits, an
    unrelated one in 27 (tests/test_simhash.c).
*/
#ifndef SQ_SIMHASH_H
#define SQ_SIMHASH_H

#include <stdint.h>

//  The SimHash of UTF-8 text over shingles of `shingle` characters (1..8).  Invalid UTF-8
//  bytes count as one character each.  A text shorter than one shingle is one shingle.
uint64_t sq_simhash(const char *text, int shingle);

//  How many bits two SimHashes differ in (0..64).
int sq_simhash_distance(uint64_t a, uint64_t b);

#endif
