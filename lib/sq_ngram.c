/*  sq_ngram: normalised characters and hashed n-grams of untrusted text (see sq_ngram.h). */
#include "sq_ngram.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_INVALID 0xFFFFFFFFu

static int s_fail(char *error, size_t error_size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int s_fail(char *error, size_t error_size, const char *format, ...)
{
    if (error && error_size) {
        va_list args;
        va_start(args, format);
        vsnprintf(error, error_size, format, args);
        va_end(args);
    }
    return -1;
}

int sq_ngram_options_check(const sq_ngram_options_t *o, char *error, size_t error_size)
{
    if (o->ngram_min < 1 || o->ngram_min > SQ_NGRAM_LENGTH_MAX)
        return s_fail(error, error_size, "ngram_min must be 1 to %d", SQ_NGRAM_LENGTH_MAX);
    if (o->ngram_max < o->ngram_min || o->ngram_max > SQ_NGRAM_LENGTH_MAX)
        return s_fail(error, error_size, "ngram_max must be ngram_min to %d", SQ_NGRAM_LENGTH_MAX);
    if (o->hash_bits < 12 || o->hash_bits > 24)
        return s_fail(error, error_size, "hash_bits must be 12 to 24");
    if (!(o->title_weight >= 0 && o->title_weight <= 16))
        return s_fail(error, error_size, "title_weight must be 0 to 16");
    if (o->max_chars < 1 || o->max_chars > SQ_NGRAM_CHARS_MAX)
        return s_fail(error, error_size, "max_chars must be 1 to %d", SQ_NGRAM_CHARS_MAX);
    if (memchr(o->stop_chars, 0, sizeof o->stop_chars) == NULL)
        return s_fail(error, error_size, "stop_chars is not terminated");
    return 0;
}

//  Decode the code point at text; returns the bytes it takes (at least 1) and sets *code to
//  S_INVALID for a malformed, overlong, surrogate or out-of-range sequence.  Never reads past
//  the terminating NUL, as no continuation byte is 0.
static size_t s_utf8_decode(const unsigned char *text, uint32_t *code)
{
    unsigned char lead = text[0];
    *code = S_INVALID;
    if (lead < 0x80) {
        *code = lead;
        return 1;
    }
    size_t length;
    uint32_t value, minimum;
    if (lead >= 0xC2 && lead <= 0xDF)
        length = 2, value = lead & 0x1F, minimum = 0x80;
    else if (lead >= 0xE0 && lead <= 0xEF)
        length = 3, value = lead & 0x0F, minimum = 0x800;
    else if (lead >= 0xF0 && lead <= 0xF4)
        length = 4, value = lead & 0x07, minimum = 0x10000;
    else
        return 1;
    for (size_t i = 1; i < length; i++) {
        if ((text[i] & 0xC0) != 0x80)
            return 1;
        value = (value << 6) | (text[i] & 0x3F);
    }
    if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
        return 1;
    *code = value;
    return length;
}

static bool s_is_space(uint32_t c)
{
    return c <= 0x20 || (c >= 0x7F && c <= 0xA0) || c == 0x1680 || (c >= 0x2000 && c <= 0x200F)
           || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x2060
           || c == 0x3000 || c == 0xFEFF;
}

//  Punctuation and symbols: ASCII and Latin-1 signs, general punctuation, currency, arrows,
//  maths, boxes, shapes, dingbats, CJK punctuation (not 々 〆 〇), compatibility and small
//  forms, half-width CJK punctuation, full-width signs, private use, emoji.
static bool s_is_punctuation(uint32_t c)
{
    if (c < 0x80)
        return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60)
               || (c >= 0x7B && c <= 0x7E);
    return (c >= 0xA1 && c <= 0xBF) || c == 0xD7 || c == 0xF7 || (c >= 0x2010 && c <= 0x205E)
           || (c >= 0x20A0 && c <= 0x20CF) || (c >= 0x2190 && c <= 0x23FF)
           || (c >= 0x2460 && c <= 0x27BF) || (c >= 0x2900 && c <= 0x2BFF)
           || (c >= 0x3001 && c <= 0x3004) || (c >= 0x3008 && c <= 0x3020) || c == 0x3030
           || c == 0x303D || (c >= 0xE000 && c <= 0xF8FF) || (c >= 0xFE10 && c <= 0xFE1F)
           || (c >= 0xFE30 && c <= 0xFE6F) || (c >= 0xFF5F && c <= 0xFF65)
           || (c >= 0xFFE0 && c <= 0xFFEE) || (c >= 0x1F000 && c <= 0x1FAFF);
}

//  The stop characters of options, decoded; returns how many (at most max).
static size_t s_stop_codes(const sq_ngram_options_t *options, uint32_t *codes, size_t max)
{
    size_t count = 0;
    const unsigned char *at = (const unsigned char *) options->stop_chars;
    while (*at && count < max) {
        uint32_t code;
        at += s_utf8_decode(at, &code);
        if (code != S_INVALID)
            codes[count++] = code;
    }
    return count;
}

//  Room for the characters of text: its bytes, at most max_chars.
static size_t s_code_room(const sq_ngram_options_t *options, const char *text)
{
    return text ? strnlen(text, (size_t) options->max_chars) : 0;
}

//  Decode and normalise text into codes (room for min (strlen, max_chars)); returns the count.
static size_t s_normalize(const sq_ngram_options_t *options, const char *text, uint32_t *codes)
{
    uint32_t stop[SQ_NGRAM_STOP_MAX];
    size_t stop_count = s_stop_codes(options, stop, SQ_NGRAM_STOP_MAX);
    size_t count = 0;
    const unsigned char *at = (const unsigned char *) (text ? text : "");
    while (*at && count < (size_t) options->max_chars) {
        uint32_t c;
        at += s_utf8_decode(at, &c);
        if (c == S_INVALID || s_is_space(c))
            continue;
        if (c >= 0xFF01 && c <= 0xFF5E)
            c -= 0xFEE0;   //  full-width ASCII
        if (c >= 'A' && c <= 'Z')
            c += 'a' - 'A';
        if (options->drop_punctuation && s_is_punctuation(c))
            continue;
        if (options->fold_digits && c >= '0' && c <= '9')
            c = '0';
        bool stopped = false;
        for (size_t i = 0; i < stop_count && !stopped; i++)
            stopped = stop[i] == c;
        if (!stopped)
            codes[count++] = c;
    }
    return count;
}

char *sq_ngram_normalize(const sq_ngram_options_t *options, const char *text)
{
    uint32_t *codes = malloc((s_code_room(options, text) + 1) * sizeof *codes);
    if (!codes)
        return NULL;
    size_t count = s_normalize(options, text, codes);
    char *result = malloc(count * 4 + 1);
    if (result) {
        char *out = result;
        for (size_t i = 0; i < count; i++) {
            uint32_t c = codes[i];
            if (c < 0x80)
                *out++ = (char) c;
            else if (c < 0x800) {
                *out++ = (char) (0xC0 | (c >> 6));
                *out++ = (char) (0x80 | (c & 0x3F));
            }
            else if (c < 0x10000) {
                *out++ = (char) (0xE0 | (c >> 12));
                *out++ = (char) (0x80 | ((c >> 6) & 0x3F));
                *out++ = (char) (0x80 | (c & 0x3F));
            }
            else {
                *out++ = (char) (0xF0 | (c >> 18));
                *out++ = (char) (0x80 | ((c >> 12) & 0x3F));
                *out++ = (char) (0x80 | ((c >> 6) & 0x3F));
                *out++ = (char) (0x80 | (c & 0x3F));
            }
        }
        *out = 0;
    }
    free(codes);
    return result;
}

//  FNV-1a over code points, then murmur3's finaliser so that the low bits are well mixed.
static uint32_t s_bucket(uint32_t hash, int length, uint32_t mask)
{
    hash ^= (uint32_t) length * 0x9E3779B9u;
    hash ^= hash >> 16;
    hash *= 0x85EBCA6Bu;
    hash ^= hash >> 13;
    hash *= 0xC2B2AE35u;
    hash ^= hash >> 16;
    return hash & mask;
}

//  Call add (bucket, weight) for every n-gram of codes.
#define S_FOR_EACH_NGRAM(options, codes, count, BODY)                                            \
    do {                                                                                         \
        uint32_t mask_ = ((uint32_t) 1 << (options)->hash_bits) - 1;                             \
        for (size_t i_ = 0; i_ < (count); i_++) {                                                \
            uint32_t hash_ = 0x811C9DC5u;                                                        \
            for (int n_ = 1; n_ <= (options)->ngram_max && i_ + n_ <= (count); n_++) {           \
                hash_ = (hash_ ^ (codes)[i_ + n_ - 1]) * 0x01000193u;                            \
                if (n_ >= (options)->ngram_min) {                                                \
                    uint32_t bucket = s_bucket(hash_, n_, mask_);                                \
                    BODY;                                                                        \
                }                                                                                \
            }                                                                                    \
        }                                                                                        \
    } while (0)

size_t sq_ngram_buckets(const sq_ngram_options_t *options, const char *text, uint32_t *buckets,
                        size_t max)
{
    uint32_t *codes = malloc((s_code_room(options, text) + 1) * sizeof *codes);
    if (!codes)
        return 0;
    size_t count = s_normalize(options, text, codes);
    size_t total = 0;
    S_FOR_EACH_NGRAM(options, codes, count, {
        if (total < max)
            buckets[total] = bucket;
        total++;
    });
    free(codes);
    return total;
}

//  Open addressing table of bucket -> weighted count, for one document.
typedef struct {
    uint32_t key;      //  bucket + 1; 0 is empty
    float count;
} s_slot_t;

static void s_table_add(s_slot_t *table, size_t mask, uint32_t bucket, float weight)
{
    size_t at = (bucket * 0x9E3779B1u) & mask;
    while (table[at].key && table[at].key != bucket + 1)
        at = (at + 1) & mask;
    table[at].key = bucket + 1;
    table[at].count += weight;
}

sq_ngram_feature_t *sq_ngram_document(const sq_ngram_options_t *options, const char *title,
                                      const char *body, size_t *feature_count)
{
    //  a byte makes at most one character
    size_t title_max = s_code_room(options, title), body_max = s_code_room(options, body);
    uint32_t *codes = malloc((title_max + body_max + 1) * sizeof *codes);
    if (!codes)
        return NULL;
    uint32_t *body_codes = codes + title_max;
    size_t title_count = title ? s_normalize(options, title, codes) : 0;
    size_t body_count = s_normalize(options, body, body_codes);
    size_t orders = (size_t) (options->ngram_max - options->ngram_min + 1);
    size_t capacity = 16;
    while (capacity < 2 * orders * (title_count + body_count))
        capacity *= 2;
    s_slot_t *table = calloc(capacity, sizeof *table);
    sq_ngram_feature_t *features = NULL;
    if (table) {
        size_t mask = capacity - 1;
        float weight = (float) options->title_weight;
        if (weight > 0)
            S_FOR_EACH_NGRAM(options, codes, title_count, s_table_add(table, mask, bucket, weight));
        S_FOR_EACH_NGRAM(options, body_codes, body_count, s_table_add(table, mask, bucket, 1));
        size_t count = 0;
        for (size_t i = 0; i < capacity; i++)
            count += table[i].key != 0;
        features = malloc((count ? count : 1) * sizeof *features);
        if (features) {
            count = 0;
            for (size_t i = 0; i < capacity; i++)
                if (table[i].key) {
                    features[count].bucket = table[i].key - 1;
                    features[count++].value = log1pf(table[i].count);
                }
            *feature_count = count;
        }
    }
    free(table);
    free(codes);
    return features;
}
