/*  sq_password: argon2id through libsodium (see sq_password.h). */
#include "sq_password.h"

#include <sodium.h>
#include <string.h>

#define S_PASSWORD_MAX 256

int sq_password_hash(const char *password, char *out)
{
    size_t length = strlen(password);
    if (length < SQ_PASSWORD_MIN || length > S_PASSWORD_MAX || sodium_init() < 0)
        return -1;
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(hash, password, length, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13))
        return -1;
    if (strlen(hash) >= SQ_PASSWORD_HASH_MAX)
        return -1;
    strcpy(out, hash);
    return 0;
}

bool sq_password_check(const char *hash, const char *password)
{
    size_t length = strlen(password);
    if (length > S_PASSWORD_MAX || sodium_init() < 0)
        return false;
    return crypto_pwhash_str_verify(hash, password, length) == 0;
}
