/*  sq_utf8: UTF-8 checks for untrusted text (see sq_utf8.h). */
#include "sq_utf8.h"

#include <stdint.h>
#include <string.h>

#include "sq_alloc.h"

size_t sq_utf8_bad_offset(const char *bytes, size_t length)
{
    const unsigned char *text = (const unsigned char *) bytes;
    size_t at = 0;
    while (at < length) {
        unsigned char lead = text[at];
        size_t size;
        uint32_t minimum, value;
        if (lead == 0)
            return at;
        if (lead < 0x80) {
            at++;
            continue;
        }
        if (lead >= 0xC2 && lead <= 0xDF)
            size = 2, value = lead & 0x1F, minimum = 0x80;
        else if (lead >= 0xE0 && lead <= 0xEF)
            size = 3, value = lead & 0x0F, minimum = 0x800;
        else if (lead >= 0xF0 && lead <= 0xF4)
            size = 4, value = lead & 0x07, minimum = 0x10000;
        else
            return at;
        if (size > length - at)
            return at;
        for (size_t i = 1; i < size; i++) {
            if ((text[at + i] & 0xC0) != 0x80)
                return at;
            value = (value << 6) | (text[at + i] & 0x3F);
        }
        if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
            return at;
        at += size;
    }
    return length;
}

bool sq_utf8_valid(const char *bytes, size_t length)
{
    return sq_utf8_bad_offset(bytes, length) == length;
}

size_t sq_utf8_length(const char *text)
{
    size_t count = 0;
    for (const unsigned char *byte = (const unsigned char *) text; *byte; byte++)
        if ((*byte & 0xC0) != 0x80)
            count++;
    return count;
}

char *sq_utf8_prefix(const char *text, size_t chars)
{
    size_t at = 0;
    for (size_t seen = 0; text[at] && seen < chars; seen++) {
        at++;
        while ((text[at] & 0xC0) == 0x80)
            at++;
    }
    char *prefix = (char *) sq_alloc(at + 1);
    memcpy(prefix, text, at);
    return prefix;
}

char *sq_utf8_first_line(const char *text, size_t chars)
{
    char *line = sq_utf8_prefix(text, chars);
    for (char *c = line; *c; c++)
        if (*c == '\n' || *c == '\r' || *c == '\t')
            *c = ' ';
    return line;
}
