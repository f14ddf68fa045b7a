/*  sq_ngram: the features a complaint's text gives the classifier (sq_textclass).

    Text is untrusted bytes: it is decoded from UTF-8 with every invalid, overlong or
    surrogate sequence skipped, and at most max_chars characters of each field are read.
    Normalisation: whitespace and control characters are dropped (Chinese has no spaces,
    and the training data has none), full-width ASCII becomes half-width, ASCII letters
    lower case; optionally punctuation and symbols are dropped, digits folded to "0", and
    a set of stop characters dropped.  Character n-grams of lengths ngram_min..ngram_max
    are hashed (FNV-1a over code points, murmur3's finaliser) into 2^hash_bits buckets.
    Title and body give n-grams separately (none spans the two); a title n-gram counts
    title_weight times.  Pure functions: safe from any thread.
*/
#ifndef SQ_NGRAM_H
#define SQ_NGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SQ_NGRAM_LENGTH_MAX 5        //  longest n-gram
#define SQ_NGRAM_CHARS_MAX 1000000   //  most characters read from one field
#define SQ_NGRAM_STOP_MAX 64         //  bytes of stop characters

typedef struct {
    int ngram_min;                   //  1..SQ_NGRAM_LENGTH_MAX
    int ngram_max;                   //  ngram_min..SQ_NGRAM_LENGTH_MAX
    int hash_bits;                   //  12..24: 2^hash_bits buckets
    double title_weight;             //  0..16: how much one title n-gram counts
    bool drop_punctuation;           //  drop punctuation and symbols
    bool fold_digits;                //  every digit 0-9 becomes "0"
    int max_chars;                   //  characters read from each of title and body
    char stop_chars[SQ_NGRAM_STOP_MAX + 1];   //  UTF-8 characters dropped
} sq_ngram_options_t;

//  One distinct bucket of a document and log (1 + its weighted count).
typedef struct {
    uint32_t bucket;
    float value;
} sq_ngram_feature_t;

//  Check every option's range.  Returns 0, or -1 with a message in error.
int sq_ngram_options_check(const sq_ngram_options_t *options, char *error, size_t error_size);

//  The normalised form of text (the characters n-grams are made of), as a new UTF-8 string the
//  caller frees; NULL only when out of memory.  text may be NULL (gives "").
char *sq_ngram_normalize(const sq_ngram_options_t *options, const char *text);

//  The bucket of every n-gram of text, in text order (for each position, the n-grams starting
//  there, shortest first).  Writes at most max buckets and returns how many n-grams the text
//  has.  The same text and options always give the same buckets, on every machine.
size_t sq_ngram_buckets(const sq_ngram_options_t *options, const char *text, uint32_t *buckets,
                        size_t max);

//  The distinct buckets of a document (title may be NULL) in no particular order, as a new
//  array the caller frees, with their count in *feature_count; NULL when out of memory.
sq_ngram_feature_t *sq_ngram_document(const sq_ngram_options_t *options, const char *title,
                                      const char *body, size_t *feature_count);

#endif
