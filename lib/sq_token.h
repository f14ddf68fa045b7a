/*  sq_token: random identifiers and signed tokens, over OpenSSL.

    Random ids mint keys nobody can guess (an Open311 request's token, a form's cookie); a
    signature (HMAC-SHA256, hex) ties a value to the server's secret, so a form token cannot be
    made without it (CSRF).  Comparisons take the same time whatever the text.
*/
#ifndef SQ_TOKEN_H
#define SQ_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

//  bytes random bytes (1 to 64) as 2*bytes lower-case hex digits into out (room for 2*bytes+1).
//  Returns 0, or -1 when the system has no randomness to give.
int sq_token_random_hex(char *out, size_t bytes);

//  HMAC-SHA256 of message under key (key_length bytes), as 64 hex digits into out (room for 65).
void sq_token_sign(const unsigned char *key, size_t key_length, const char *message, char *out);

//  SHA-256 of text, as 64 hex digits into out (room for 65): how a session's cookie is kept.
void sq_token_sha256(const char *text, char *out);

//  True when a and b are the same text, in time that depends only on their lengths.
bool sq_token_equal(const char *a, const char *b);

#endif
