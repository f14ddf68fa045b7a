/*  sq_wechat: the WeChat Official Account callback protocol (公众号 消息推送), without network.

    The platform calls the account's server:
      - GET ?signature&timestamp&nonce&echostr to verify it: signature is SHA-1, lower-case
        hex, over token, timestamp and nonce sorted and concatenated; the answer is echostr.
      - POST ?signature&timestamp&nonce with an XML message.  In safe mode (encrypt_type=aes)
        the body is <xml><ToUserName/><Encrypt/></xml>, msg_signature is SHA-1 over the sorted
        token, timestamp, nonce and Encrypt, and Encrypt is base64 of AES-256-CBC (the key is
        base64(EncodingAESKey + "="), the IV its first 16 bytes) over
            random(16) + length(4, big-endian) + xml + appid + PKCS#7 padding to 32 bytes.
        The compatible mode sends the plaintext fields and Encrypt side by side.
      - The answer within 5 seconds is a passive reply: XML, encrypted the same way and
        signed in safe mode.
    This module checks the signatures and the replay window, decrypts and encrypts, parses
    a message and builds the replies; the adapter (adapters/wechat) does the HTTP.

    Everything that arrives is hostile until proved otherwise.  sq_wechat_parse accepts at
    most SQ_WECHAT_XML_MAX bytes of UTF-8, refuses any DOCTYPE (so no DTD, no entity is ever
    declared, let alone expanded, and nothing is fetched), any element deeper than
    SQ_WECHAT_DEPTH_MAX, a root other than <xml>, a field given twice and a field longer
    than its limit; elements it does not know are skipped.  Errors go to the caller's buffer
    (char *error, size_t error_size) as one sentence for the log; nothing here logs.

    libxml2 must have been initialised (xmlInitParser) before threads call sq_wechat_parse;
    a process's main does it once.
*/
#ifndef SQ_WECHAT_H
#define SQ_WECHAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SQ_WECHAT_XML_MAX (64 * 1024)   //  the platform's messages are a few KiB at most
#define SQ_WECHAT_DEPTH_MAX 8            //  <xml> is 1; event details nest to 4
#define SQ_WECHAT_WRONG_APPID (-2)       //  sq_wechat_decrypt: a message for another account

//  ---------------------------------------------------------------------------------------
//  Signatures and the replay window (sq_wechat_crypto.c)

//  The signature of a GET verification or a POST: 40 lower-case hex digits into out.
void sq_wechat_signature(const char *token, const char *timestamp, const char *nonce,
                         char out[41]);

//  True when signature (from the query) is sq_wechat_signature of the others, compared in
//  constant time.  Any argument NULL (a parameter missing from the query) gives false.
bool sq_wechat_signature_ok(const char *token, const char *timestamp, const char *nonce,
                            const char *signature);

//  The msg_signature of safe mode (and the MsgSignature of an encrypted reply): SHA-1 over
//  the sorted token, timestamp, nonce and encrypt (the base64 text), into out.
void sq_wechat_msg_signature(const char *token, const char *timestamp, const char *nonce,
                             const char *encrypt, char out[41]);

//  True when msg_signature is sq_wechat_msg_signature of the others (constant time); any
//  argument NULL gives false.
bool sq_wechat_msg_signature_ok(const char *token, const char *timestamp, const char *nonce,
                                const char *encrypt, const char *msg_signature);

//  True when timestamp is 1 to 18 decimal digits (nothing else, no sign, no spaces) and
//  within window_seconds of now (either way: the platform's clock may be ahead), so that a
//  captured request cannot be replayed later.  NULL gives false.
bool sq_wechat_timestamp_fresh(const char *timestamp, int64_t now, int window_seconds);

//  ---------------------------------------------------------------------------------------
//  Safe mode's AES envelope (sq_wechat_crypto.c)

typedef struct _sq_wechat_crypto_t sq_wechat_crypto_t;

//  The account's keys: encoding_aes_key is the 43-character EncodingAESKey of the account's
//  settings (A-Z a-z 0-9 + /), appid the account's AppID (1 to 64 printable ASCII characters
//  without spaces); both copied.  Returns the object (the caller's: sq_wechat_crypto_destroy)
//  or NULL with the reason in error.
sq_wechat_crypto_t *sq_wechat_crypto_new(const char *encoding_aes_key, const char *appid,
                                         char *error, size_t error_size);

//  Destroy the object (its key is wiped) and set *self_p to NULL; safe when already NULL.
void sq_wechat_crypto_destroy(sq_wechat_crypto_t **self_p);

//  Decrypt encrypt (the base64 text of an <Encrypt> element).  Returns 0 and sets *xml_p to
//  the XML inside (the caller frees it; NUL-terminated, *length_p its length in bytes when
//  length_p is not NULL); SQ_WECHAT_WRONG_APPID when it decrypts but names another appid
//  (error "wrong appid ..."); -1 when malformed: not base64, not whole AES blocks, bad
//  padding, a length past the end.  On failure *xml_p is NULL and error says why; no input
//  makes it read outside what it decoded.
int sq_wechat_decrypt(const sq_wechat_crypto_t *self, const char *encrypt, char **xml_p,
                      size_t *length_p, char *error, size_t error_size);

//  The base64 Encrypt of xml[0 .. length) with 16 random bytes (RAND_bytes) in front.
//  Returns a new string (the caller frees it), or NULL when there is no randomness or the
//  XML is larger than SQ_WECHAT_XML_MAX.
char *sq_wechat_encrypt(const sq_wechat_crypto_t *self, const char *xml, size_t length);

//  The same with the 16 bytes given: the same input gives the same output, which is what
//  a test vector needs.  A reply to the platform uses sq_wechat_encrypt.
char *sq_wechat_encrypt_with_prefix(const sq_wechat_crypto_t *self,
                                    const unsigned char prefix[16], const char *xml,
                                    size_t length);

//  ---------------------------------------------------------------------------------------
//  Messages (sq_wechat_xml.c)

//  A message as the platform pushes it: each field a NUL-terminated UTF-8 copy owned by the
//  message, NULL when the document does not have it.  Which are there depends on MsgType:
//      every message   ToUserName (the account), FromUserName (the citizen's openid),
//                      CreateTime (seconds), MsgType
//      text            Content, MsgId
//      image           PicUrl, MediaId, MsgId
//      voice           MediaId, Format, MsgId
//      location        Location_X, Location_Y (latitude, longitude), Scale, Label, MsgId
//      event           Event (subscribe, unsubscribe, CLICK, ...), EventKey
//      safe mode       ToUserName and Encrypt alone; compatible mode Encrypt beside the rest
typedef struct {
    char *to_user_name;
    char *from_user_name;
    char *create_time;
    char *msg_type;
    char *content;
    char *msg_id;
    char *pic_url;
    char *media_id;
    char *format;
    char *location_x;
    char *location_y;
    char *scale;
    char *label;
    char *event;
    char *event_key;
    char *encrypt;
} sq_wechat_message_t;

//  Parse xml[0 .. length), untrusted bytes, into *message (whose old contents are not
//  freed: pass a zeroed one).  Refused, beyond the hostile forms above: CreateTime or MsgId
//  that are not decimal digits, a field that holds elements, and a document that is neither
//  an envelope (Encrypt) nor a message (ToUserName, FromUserName, CreateTime and MsgType).
//  Field text is taken as it is (CDATA or escaped text, not trimmed).  Returns 0, or -1 with
//  error filled and *message left empty.
int sq_wechat_parse(const char *xml, size_t length, sq_wechat_message_t *message,
                    char *error, size_t error_size);

//  Free the fields of message and set them to NULL (safe twice; the struct is the caller's).
void sq_wechat_message_free(sq_wechat_message_t *message);

//  The key that makes the platform's retries (up to three, with the same content) one
//  message: MsgId when there is one, else FromUserName "-" CreateTime (events), written
//  into out.  It is also the envelope's external_id, so it must be 1-128 of A-Z a-z 0-9
//  . _ : - (openids are).  Returns 0, or -1 when the fields are missing, have other
//  characters or do not fit in out_size.
int sq_wechat_dedupe_key(const sq_wechat_message_t *message, char *out, size_t out_size);

//  ---------------------------------------------------------------------------------------
//  Passive replies (sq_wechat_xml.c)

//  A passive text reply: to_user is the citizen's openid (the message's FromUserName),
//  from_user the account (its ToUserName), every text in CDATA, a "]]>" inside split across
//  two sections so that it survives.  Returns a new string (the caller frees it), or NULL
//  when a text is not UTF-8 or holds a character that XML cannot carry (controls other than
//  tab, newline and carriage return).
char *sq_wechat_reply_text(const char *to_user, const char *from_user, int64_t create_time,
                           const char *content);

//  The safe-mode form of a reply: plain_xml (a reply such as sq_wechat_reply_text gives)
//  encrypted with crypto and signed with token, timestamp (decimal digits) and nonce:
//      <xml><Encrypt>..</Encrypt><MsgSignature>..</MsgSignature><TimeStamp>..</TimeStamp>
//      <Nonce>..</Nonce></xml>
//  Returns a new string (the caller frees it), or NULL when timestamp is not digits, nonce
//  cannot be carried (as above), or the encryption fails.
char *sq_wechat_reply_encrypted(const sq_wechat_crypto_t *crypto, const char *token,
                                const char *timestamp, const char *nonce,
                                const char *plain_xml);

#endif
