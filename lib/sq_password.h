/*  sq_password: staff passwords, hashed with argon2id (libsodium's crypto_pwhash_str).

    A hash is the self-describing string libsodium writes ($argon2id$v=19$m=...,t=...,p=1$...),
    kept in staff_user.password_hash; checking a password takes as long whatever the outcome.
    The cost is libsodium's "interactive" level: about a tenth of a second and 64 MB, enough
    against guessing from a stolen table while a login stays quick.
*/
#ifndef SQ_PASSWORD_H
#define SQ_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#define SQ_PASSWORD_HASH_MAX 128   //  room for a hash, its NUL included
#define SQ_PASSWORD_MIN 8          //  characters a new password must have at least

//  Hash password into out (room for SQ_PASSWORD_HASH_MAX).  0, or -1 when libsodium cannot
//  (out of memory) or the password is shorter than SQ_PASSWORD_MIN or longer than 256 bytes.
int sq_password_hash(const char *password, char *out);

//  True when password matches hash.
bool sq_password_check(const char *hash, const char *password);

#endif
