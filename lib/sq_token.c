/*  sq_token: RAND_bytes, HMAC-SHA256 and a constant-time compare (see sq_token.h). */
#include "sq_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <string.h>

static void s_hex(const unsigned char *bytes, size_t count, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < count; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * count] = 0;
}

int sq_token_random_hex(char *out, size_t bytes)
{
    unsigned char random[64];
    if (bytes < 1 || bytes > sizeof random || RAND_bytes(random, (int) bytes) != 1)
        return -1;
    s_hex(random, bytes, out);
    return 0;
}

void sq_token_sign(const unsigned char *key, size_t key_length, const char *message, char *out)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), key, (int) key_length, (const unsigned char *) message, strlen(message),
         digest, &length);
    s_hex(digest, length, out);
}

void sq_token_sha256(const char *text, char *out)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(text, strlen(text), digest, &length, EVP_sha256(), NULL);
    s_hex(digest, length, out);
}

bool sq_token_equal(const char *a, const char *b)
{
    size_t length = strlen(a);
    return length == strlen(b) && CRYPTO_memcmp(a, b, length) == 0;
}
