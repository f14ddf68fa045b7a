/*  sq_utf8: UTF-8 checks for untrusted text.

    Valid means what RFC 3629 says: shortest forms only, no surrogates, nothing past
    U+10FFFF; a NUL byte is refused too, since every string suqiu keeps is a C string.
*/
#ifndef SQ_UTF8_H
#define SQ_UTF8_H

#include <stdbool.h>
#include <stddef.h>

//  The offset of the first byte of bytes[0 .. length) that is not part of valid UTF-8 (or is
//  NUL), or length when all of it is valid.
size_t sq_utf8_bad_offset(const char *bytes, size_t length);

//  True when bytes[0 .. length) is valid UTF-8 without NUL.
bool sq_utf8_valid(const char *bytes, size_t length);

//  Characters (code points) in a valid UTF-8 string.
size_t sq_utf8_length(const char *text);

//  The first chars characters of a valid UTF-8 string, cut at a character's start: a new
//  string, the caller's.
char *sq_utf8_prefix(const char *text, size_t chars);

//  The same on one line (newlines and tabs made spaces), as a title is written.
char *sq_utf8_first_line(const char *text, size_t chars);

#endif
