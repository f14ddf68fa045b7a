/*  sq_wechat_crypto: the signatures, the replay window and safe mode's AES envelope of the
    WeChat callback protocol, over OpenSSL EVP (see sq_wechat.h).

    Base64 is done here rather than with EVP_DecodeBlock, which skips blanks and cannot say
    how much padding it removed: Encrypt must be plain base64 with its padding.  The bits
    after the last whole byte are ignored, as every platform SDK does: EncodingAESKeys are
    43 characters whose last one carries two bits more than the key needs.
*/
#include "sq_wechat.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sq_alloc.h"
#include "sq_token.h"

#define S_KEY_CHARS 43     //  an EncodingAESKey
#define S_KEY_BYTES 32     //  AES-256
#define S_IV_BYTES 16
#define S_PREFIX_BYTES 16  //  the random bytes in front of the length
#define S_HEAD_BYTES 20    //  prefix + 4-byte length
#define S_PAD_BLOCK 32     //  the protocol's PKCS#7 block, twice AES's
#define S_APPID_MAX 64

struct _sq_wechat_crypto_t {
    unsigned char key[S_KEY_BYTES];   //  its first S_IV_BYTES are the IV
    char appid[S_APPID_MAX + 1];
    size_t appid_length;
};

static void s_fail(char *error, size_t error_size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void s_fail(char *error, size_t error_size, const char *format, ...)
{
    if (!error || error_size == 0)
        return;
    va_list args;
    va_start(args, format);
    vsnprintf(error, error_size, format, args);
    va_end(args);
}

//  ---------------------------------------------------------------------------------------
//  Signatures

static void s_hex(const unsigned char *bytes, size_t count, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < count; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * count] = 0;
}

//  SHA-1 of the count strings sorted by their bytes and concatenated, as hex into out.
static void s_sha1_sorted(const char **parts, size_t count, char out[41])
{
    for (size_t i = 1; i < count; i++)
        for (size_t j = i; j > 0 && strcmp(parts[j - 1], parts[j]) > 0; j--) {
            const char *swap = parts[j];
            parts[j] = parts[j - 1];
            parts[j - 1] = swap;
        }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    int ok = context && EVP_DigestInit_ex(context, EVP_sha1(), NULL) == 1;
    for (size_t i = 0; ok && i < count; i++)
        ok = EVP_DigestUpdate(context, parts[i], strlen(parts[i])) == 1;
    ok = ok && EVP_DigestFinal_ex(context, digest, &length) == 1 && length == 20;
    EVP_MD_CTX_free(context);
    if (ok)
        s_hex(digest, 20, out);
    else
        memset(out, 0, 41);   //  matches no signature: the library could not hash
}

void sq_wechat_signature(const char *token, const char *timestamp, const char *nonce,
                         char out[41])
{
    const char *parts[] = {token, timestamp, nonce};
    s_sha1_sorted(parts, 3, out);
}

bool sq_wechat_signature_ok(const char *token, const char *timestamp, const char *nonce,
                            const char *signature)
{
    if (!token || !timestamp || !nonce || !signature)
        return false;
    char expected[41];
    sq_wechat_signature(token, timestamp, nonce, expected);
    return *expected && sq_token_equal(expected, signature);
}

void sq_wechat_msg_signature(const char *token, const char *timestamp, const char *nonce,
                             const char *encrypt, char out[41])
{
    const char *parts[] = {token, timestamp, nonce, encrypt};
    s_sha1_sorted(parts, 4, out);
}

bool sq_wechat_msg_signature_ok(const char *token, const char *timestamp, const char *nonce,
                                const char *encrypt, const char *msg_signature)
{
    if (!token || !timestamp || !nonce || !encrypt || !msg_signature)
        return false;
    char expected[41];
    sq_wechat_msg_signature(token, timestamp, nonce, encrypt, expected);
    return *expected && sq_token_equal(expected, msg_signature);
}

bool sq_wechat_timestamp_fresh(const char *timestamp, int64_t now, int window_seconds)
{
    if (!timestamp || window_seconds < 0 || now < 0)   //  no clock reads before 1970
        return false;
    size_t digits = strspn(timestamp, "0123456789");
    if (digits == 0 || digits > 18 || timestamp[digits])
        return false;
    int64_t value = 0;
    for (size_t i = 0; i < digits; i++)
        value = value * 10 + (timestamp[i] - '0');
    int64_t difference = value > now ? value - now : now - value;   //  both are >= 0
    return difference <= window_seconds;
}

//  ---------------------------------------------------------------------------------------
//  Base64 (RFC 4648, standard alphabet, padded)

static const char s_base64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int s_base64_value(char c)
{
    const char *at = c ? strchr(s_base64, c) : NULL;
    return at ? (int) (at - s_base64) : -1;
}

//  Decode text[0 .. length) into out (room for length / 4 * 3).  Returns the number of
//  bytes, or -1 unless it is whole quartets of the alphabet with at most two "=" at the end.
static long s_base64_decode(const char *text, size_t length, unsigned char *out)
{
    if (length % 4)
        return -1;
    size_t pad = 0;
    while (pad < 2 && pad < length && text[length - 1 - pad] == '=')
        pad++;
    size_t bytes = 0;
    unsigned int bits = 0, count = 0;
    for (size_t i = 0; i < length - pad; i++) {
        int value = s_base64_value(text[i]);
        if (value < 0)
            return -1;
        bits = (bits << 6) | (unsigned int) value;
        count += 6;
        if (count >= 8) {
            count -= 8;
            out[bytes++] = (unsigned char) (bits >> count);
            bits &= (1u << count) - 1;
        }
    }
    return (long) bytes;
}

//  The base64 of bytes[0 .. length), a new string.
static char *s_base64_encode(const unsigned char *bytes, size_t length)
{
    char *text = sq_alloc((length + 2) / 3 * 4 + 1);
    char *out = text;
    for (size_t i = 0; i < length; i += 3) {
        unsigned long group = (unsigned long) bytes[i] << 16;
        if (i + 1 < length)
            group |= (unsigned long) bytes[i + 1] << 8;
        if (i + 2 < length)
            group |= bytes[i + 2];
        *out++ = s_base64[(group >> 18) & 63];
        *out++ = s_base64[(group >> 12) & 63];
        *out++ = i + 1 < length ? s_base64[(group >> 6) & 63] : '=';
        *out++ = i + 2 < length ? s_base64[group & 63] : '=';
    }
    *out = 0;
    return text;
}

//  ---------------------------------------------------------------------------------------
//  The crypto object

sq_wechat_crypto_t *sq_wechat_crypto_new(const char *encoding_aes_key, const char *appid,
                                         char *error, size_t error_size)
{
    if (!encoding_aes_key || strlen(encoding_aes_key) != S_KEY_CHARS
        || strspn(encoding_aes_key, s_base64) != S_KEY_CHARS) {
        s_fail(error, error_size,
               "EncodingAESKey must be %d characters of A-Z a-z 0-9 + / (the account's "
               "settings show it), not %zu characters", S_KEY_CHARS,
               encoding_aes_key ? strlen(encoding_aes_key) : 0);
        return NULL;
    }
    size_t appid_length = appid ? strlen(appid) : 0;
    bool printable = appid_length > 0 && appid_length <= S_APPID_MAX;
    for (size_t i = 0; printable && i < appid_length; i++)
        printable = appid[i] > ' ' && appid[i] < 0x7F;
    if (!printable) {
        s_fail(error, error_size, "appid must be 1 to %d printable ASCII characters without "
               "spaces (wx followed by 16 characters)", S_APPID_MAX);
        return NULL;
    }
    char padded[S_KEY_CHARS + 2];
    memcpy(padded, encoding_aes_key, S_KEY_CHARS);
    memcpy(padded + S_KEY_CHARS, "=", 2);
    unsigned char key[S_KEY_BYTES + 1];   //  44 characters hold at most 33 bytes
    long bytes = s_base64_decode(padded, S_KEY_CHARS + 1, key);
    if (bytes != S_KEY_BYTES) {
        OPENSSL_cleanse(key, sizeof key);
        s_fail(error, error_size, "EncodingAESKey does not decode to a 32-byte key");
        return NULL;
    }
    sq_wechat_crypto_t *self = sq_alloc(sizeof *self);
    memcpy(self->key, key, S_KEY_BYTES);
    OPENSSL_cleanse(key, sizeof key);
    memcpy(self->appid, appid, appid_length + 1);
    self->appid_length = appid_length;
    return self;
}

void sq_wechat_crypto_destroy(sq_wechat_crypto_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    OPENSSL_cleanse((*self_p)->key, sizeof (*self_p)->key);
    free(*self_p);
    *self_p = NULL;
}

//  AES-256-CBC without padding of in[0 .. length) (a multiple of 16) into out (as long).
//  Returns 0, or -1 when OpenSSL fails.
static int s_aes(const sq_wechat_crypto_t *self, int encrypting, const unsigned char *in,
                 size_t length, unsigned char *out)
{
    EVP_CIPHER_CTX *context = EVP_CIPHER_CTX_new();
    int done = 0, last = 0;
    int ok = context
             && EVP_CipherInit_ex(context, EVP_aes_256_cbc(), NULL, self->key, self->key,
                                  encrypting) == 1
             && EVP_CIPHER_CTX_set_padding(context, 0) == 1
             && EVP_CipherUpdate(context, out, &done, in, (int) length) == 1
             && EVP_CipherFinal_ex(context, out + done, &last) == 1
             && (size_t) done + (size_t) last == length;
    EVP_CIPHER_CTX_free(context);
    return ok ? 0 : -1;
}

//  ---------------------------------------------------------------------------------------
//  Decrypting

//  The XML inside plain[0 .. length), the decrypted bytes; see sq_wechat_decrypt.
static int s_unwrap(const sq_wechat_crypto_t *self, const unsigned char *plain, size_t length,
                    char **xml_p, size_t *length_p, char *error, size_t error_size)
{
    size_t pad = plain[length - 1];
    bool padded = pad >= 1 && pad <= S_PAD_BLOCK && pad <= length;
    for (size_t i = 1; padded && i <= pad; i++)
        padded = plain[length - i] == pad;
    if (!padded) {
        s_fail(error, error_size, "Encrypt has bad PKCS#7 padding (wrong key, or damaged)");
        return -1;
    }
    size_t body = length - pad;
    if (body < S_HEAD_BYTES) {
        s_fail(error, error_size, "Encrypt holds %zu bytes, fewer than the 20 of its head",
               body);
        return -1;
    }
    const unsigned char *head = plain + S_PREFIX_BYTES;
    size_t xml_length = (size_t) head[0] << 24 | (size_t) head[1] << 16
                        | (size_t) head[2] << 8 | (size_t) head[3];
    if (xml_length > body - S_HEAD_BYTES) {
        s_fail(error, error_size, "Encrypt's length field (%zu) runs past the end of its %zu "
               "bytes", xml_length, body - S_HEAD_BYTES);
        return -1;
    }
    const unsigned char *appid = plain + S_HEAD_BYTES + xml_length;
    size_t appid_length = body - S_HEAD_BYTES - xml_length;
    if (appid_length != self->appid_length || memcmp(appid, self->appid, appid_length) != 0) {
        s_fail(error, error_size, "wrong appid: the message is for another account");
        return SQ_WECHAT_WRONG_APPID;
    }
    char *xml = sq_alloc(xml_length + 1);
    memcpy(xml, plain + S_HEAD_BYTES, xml_length);
    *xml_p = xml;
    if (length_p)
        *length_p = xml_length;
    return 0;
}

int sq_wechat_decrypt(const sq_wechat_crypto_t *self, const char *encrypt, char **xml_p,
                      size_t *length_p, char *error, size_t error_size)
{
    *xml_p = NULL;
    if (length_p)
        *length_p = 0;
    size_t text_length = encrypt ? strlen(encrypt) : 0;
    if (text_length == 0) {
        s_fail(error, error_size, "Encrypt is missing or empty");
        return -1;
    }
    if (text_length > 2 * SQ_WECHAT_XML_MAX) {
        s_fail(error, error_size, "Encrypt is %zu characters, more than a message can be",
               text_length);
        return -1;
    }
    unsigned char *cipher = sq_alloc(text_length / 4 * 3 + 1);
    long decoded = s_base64_decode(encrypt, text_length, cipher);
    if (decoded < 0 || decoded == 0 || decoded % 16) {
        if (decoded < 0)
            s_fail(error, error_size, "Encrypt is not valid base64");
        else
            s_fail(error, error_size, "Encrypt is %ld bytes, not a whole number of 16-byte AES "
                   "blocks", decoded);
        free(cipher);
        return -1;
    }
    size_t length = (size_t) decoded;
    unsigned char *plain = sq_alloc(length);
    int rc = -1;
    if (s_aes(self, 0, cipher, length, plain) != 0)
        s_fail(error, error_size, "AES decryption failed in OpenSSL");
    else
        rc = s_unwrap(self, plain, length, xml_p, length_p, error, error_size);
    OPENSSL_cleanse(plain, length);
    free(plain);
    free(cipher);
    return rc;
}

//  ---------------------------------------------------------------------------------------
//  Encrypting

char *sq_wechat_encrypt_with_prefix(const sq_wechat_crypto_t *self,
                                    const unsigned char prefix[16], const char *xml,
                                    size_t length)
{
    if (length > SQ_WECHAT_XML_MAX)
        return NULL;
    size_t body = S_HEAD_BYTES + length + self->appid_length;
    size_t pad = S_PAD_BLOCK - body % S_PAD_BLOCK;   //  1 .. 32: a whole block when it fits
    size_t total = body + pad;
    unsigned char *plain = sq_alloc(total);
    memcpy(plain, prefix, S_PREFIX_BYTES);
    plain[16] = (unsigned char) (length >> 24);
    plain[17] = (unsigned char) (length >> 16);
    plain[18] = (unsigned char) (length >> 8);
    plain[19] = (unsigned char) length;
    memcpy(plain + S_HEAD_BYTES, xml, length);
    memcpy(plain + S_HEAD_BYTES + length, self->appid, self->appid_length);
    memset(plain + body, (int) pad, pad);
    unsigned char *cipher = sq_alloc(total);
    char *text = NULL;
    if (s_aes(self, 1, plain, total, cipher) == 0)
        text = s_base64_encode(cipher, total);
    OPENSSL_cleanse(plain, total);
    free(plain);
    free(cipher);
    return text;
}

char *sq_wechat_encrypt(const sq_wechat_crypto_t *self, const char *xml, size_t length)
{
    unsigned char prefix[S_PREFIX_BYTES];
    if (RAND_bytes(prefix, sizeof prefix) != 1)
        return NULL;
    return sq_wechat_encrypt_with_prefix(self, prefix, xml, length);
}
