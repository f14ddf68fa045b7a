/*  test_wechat: the WeChat callback protocol: signatures, the replay window, safe mode's AES
    envelope, messages parsed from hostile XML, and passive replies.

    The vectors below come from two places outside this code:
      - OFFICIAL_*: the vector published with Tencent's sample code (WXBizMsgCryptTest.java):
        the development EncodingAESKey, appid wxb11529c136998cb6, random prefix
        "aaaabbbbccccdddd", plaintext "我是中文abcd123".
      - the others: printed by `/usr/bin/python3 tests/e2e/wechat_crypto.py vectors`, an
        independent implementation written from the protocol with python3-cryptography, with
        the fixed random prefix "0123456789abcdef" (VECTOR_RANDOM there).  The malformed
        ones are plaintexts encrypted as they are (encrypt_raw), without the layout.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sq_wechat.h"
#include "suites.h"

#define TOKEN "devtoken"
#define APPID "wxdev0000000000001"
#define AES_KEY "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

#define OFFICIAL_APPID "wxb11529c136998cb6"
#define OFFICIAL_ENCRYPT                                                                          \
    "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="

#define VECTOR_TIMESTAMP "1714112445"
#define VECTOR_NONCE "415670741"
#define VECTOR_SIGNATURE "ea37787eb1cecbcabb38df271d1f7cb7d85b368c"
#define VECTOR_XML                                                                                 \
    "<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>"                                  \
    "<FromUserName><![CDATA[oUpF8uMuAJO_M2pxb1Q9zNjWeS6o]]></FromUserName>"                      \
    "<CreateTime>1714112445</CreateTime><MsgType><![CDATA[text]]></MsgType>"                     \
    "<Content><![CDATA[路灯坏了 ]]]]><![CDATA[> <&>]]></Content>"                                \
    "<MsgId>7365218921853288449</MsgId></xml>"
#define VECTOR_ENCRYPT                                                                             \
    "Q3stYC6hdFzMh9T8HCvyDDStDLheLvKXOGr2Wijxo3UxlmTeIDFk+q/qytqHCZOQHhSsitp/k0k48M63ThZRPxAv"   \
    "1qdXzXazRs5ILbs6+8F5vBvfBtPEX5Fc5UKQlpwb+BmQJbaFsePmQV4TJk//28wIw6FjikzTLgz3nBHnG3TKarxW"   \
    "iV3jpebK9FwACdKVLXOQshso2r2zP6kaDxwOv0M1yIdkvs9Efc/JIRzA6ugr4uxQr0zfbwqQMckzeMkCXiIhQKGC"   \
    "B8afQx+9dVytN+q17CEx4HHw47lGb/BYcHGtdMwD9UlfzuI0spuj4ix5WnzxpUVXd+/PxnGysVwLn6YRa1CvqdT+"   \
    "dCiHwbL06+PwVNklMHI2xFZkGnCD9558RlFQQDemRBMVv3iEwXnegakjHptoHxg5gP2arEYmGI2c3ZyeRFzfo6oE"   \
    "QNckEHYaoR8b+20ZBQqpaeXVG6C2mA=="
#define VECTOR_MSG_SIGNATURE "f3d58f3ac1799a9d079a8b11398fce2d414e0c0f"
//  "<xml></xml>" for appid wxother000000000002
#define OTHER_APPID_ENCRYPT                                                                        \
    "Q3stYC6hdFzMh9T8HCvyDG39WLsd2pq528g626MMlcQA2Fg5uOB3oczBwyH+yf88EzzaV9Z5Nuunctj+uAnmzQ=="

static sq_wechat_crypto_t *s_crypto(const char *appid)
{
    char error[256] = "";
    sq_wechat_crypto_t *crypto = sq_wechat_crypto_new(AES_KEY, appid, error, sizeof error);
    ck_assert_msg(crypto != NULL, "%s", error);
    return crypto;
}

//  Decrypt encrypt with the development keys and expect rc and an error holding message.
static void s_expect_decrypt_error(const char *encrypt, int rc, const char *message)
{
    sq_wechat_crypto_t *crypto = s_crypto(APPID);
    char *xml = (char *) "untouched";
    char error[256] = "";
    ck_assert_int_eq(sq_wechat_decrypt(crypto, encrypt, &xml, NULL, error, sizeof error), rc);
    ck_assert_ptr_null(xml);
    ck_assert_msg(strstr(error, message) != NULL, "error \"%s\" lacks \"%s\" for %s", error,
                  message, encrypt);
    sq_wechat_crypto_destroy(&crypto);
}

//  Parse xml and expect it refused with an error holding message.
static void s_expect_refused(const char *xml, size_t length, const char *message)
{
    sq_wechat_message_t parsed;
    char error[256] = "";
    ck_assert_int_eq(sq_wechat_parse(xml, length, &parsed, error, sizeof error), -1);
    ck_assert_ptr_null(parsed.to_user_name);
    ck_assert_ptr_null(parsed.content);
    ck_assert_msg(strstr(error, message) != NULL, "error \"%s\" lacks \"%s\" for %.200s", error,
                  message, xml);
}

static void s_parse_ok(const char *xml, sq_wechat_message_t *parsed)
{
    char error[256] = "";
    int rc = sq_wechat_parse(xml, strlen(xml), parsed, error, sizeof error);
    ck_assert_msg(rc == 0, "refused (%s): %s", error, xml);
}

//  ---------------------------------------------------------------------------------------
//  Signatures and timestamps

START_TEST(signatures_are_sha1_of_the_sorted_strings)
{
    char out[41];
    //  "a" "b" "c" sorted and joined is "abc", whose SHA-1 is FIPS 180's first example.
    sq_wechat_signature("b", "c", "a", out);
    ck_assert_str_eq(out, "a9993e364706816aba3e25717850c26c9cd0d89d");
    sq_wechat_signature(TOKEN, VECTOR_TIMESTAMP, VECTOR_NONCE, out);
    ck_assert_str_eq(out, VECTOR_SIGNATURE);
    ck_assert(sq_wechat_signature_ok(TOKEN, VECTOR_TIMESTAMP, VECTOR_NONCE, VECTOR_SIGNATURE));
    sq_wechat_msg_signature(TOKEN, VECTOR_TIMESTAMP, VECTOR_NONCE, VECTOR_ENCRYPT, out);
    ck_assert_str_eq(out, VECTOR_MSG_SIGNATURE);
    ck_assert(sq_wechat_msg_signature_ok(TOKEN, VECTOR_TIMESTAMP, VECTOR_NONCE, VECTOR_ENCRYPT,
                                         VECTOR_MSG_SIGNATURE));
}
END_TEST

START_TEST(forged_signatures_are_refused)
{
    ck_assert(!sq_wechat_signature_ok("othertoken", VECTOR_TIMESTAMP, VECTOR_NONCE,
                                      VECTOR_SIGNATURE));
    ck_assert(!sq_wechat_signature_ok(TOKEN, "1714112446", VECTOR_NONCE, VECTOR_SIGNATURE));
    ck_assert(!sq_wechat_signature_ok(TOKEN, VECTOR_TIMESTAMP, VECTOR_NONCE,
                                      "EA37787EB1CECBCABB38DF271D1F7CB7D85B368C"));
    ck_assert(!sq_wechat_signature_ok(TOKEN, VECTOR_TIMESTAMP, VECTOR_NONCE,
                                      "ea37787eb1cecbcabb38df271d1f7cb7d85b368"));
    ck_assert(!sq_wechat_signature_ok(TOKEN, VECTOR_TIMESTAMP, VECTOR_NONCE, ""));
    ck_assert(!sq_wechat_signature_ok(TOKEN, VECTOR_TIMESTAMP, NULL, VECTOR_SIGNATURE));
    ck_assert(!sq_wechat_signature_ok(TOKEN, VECTOR_TIMESTAMP, VECTOR_NONCE, NULL));
    //  A body changed in transit no longer matches its msg_signature.
    ck_assert(!sq_wechat_msg_signature_ok(TOKEN, VECTOR_TIMESTAMP, VECTOR_NONCE,
                                          OTHER_APPID_ENCRYPT, VECTOR_MSG_SIGNATURE));
    ck_assert(!sq_wechat_msg_signature_ok(TOKEN, VECTOR_TIMESTAMP, VECTOR_NONCE, NULL,
                                          VECTOR_MSG_SIGNATURE));
}
END_TEST

START_TEST(timestamps_outside_the_window_are_stale)
{
    ck_assert(sq_wechat_timestamp_fresh("1000", 1000, 300));
    ck_assert(sq_wechat_timestamp_fresh("700", 1000, 300));
    ck_assert(sq_wechat_timestamp_fresh("1300", 1000, 300));   //  the platform's clock ahead
    ck_assert(!sq_wechat_timestamp_fresh("699", 1000, 300));
    ck_assert(!sq_wechat_timestamp_fresh("1301", 1000, 300));
    ck_assert(sq_wechat_timestamp_fresh("0001000", 1000, 0));
    const char *malformed[] = {"", "+1000", "-1000", " 1000", "1000 ", "10a0", "1e3",
                               "1000000000000000000", "99999999999999999999999", NULL};
    for (int i = 0; malformed[i]; i++)
        ck_assert_msg(!sq_wechat_timestamp_fresh(malformed[i], 1000, 1 << 30), "%s",
                      malformed[i]);
    ck_assert(!sq_wechat_timestamp_fresh(NULL, 1000, 300));
    ck_assert(!sq_wechat_timestamp_fresh("1000", 1000, -1));
}
END_TEST

//  ---------------------------------------------------------------------------------------
//  The AES envelope

START_TEST(the_key_must_be_43_characters_of_base64)
{
    char error[256];
    const char *bad[] = {"", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEF",
                         "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG=",
                         "abcdefghijklmnopqrstuvwxyz0123456789ABCDEF!",
                         "abcdefghijklmnopqrstuvwxyz0123456789ABCDEF=", NULL};
    for (int i = 0; bad[i]; i++) {
        *error = 0;
        ck_assert_ptr_null(sq_wechat_crypto_new(bad[i], APPID, error, sizeof error));
        ck_assert_msg(strstr(error, "EncodingAESKey must be 43 characters"), "%s", error);
    }
    ck_assert_ptr_null(sq_wechat_crypto_new(NULL, APPID, error, sizeof error));
    ck_assert_ptr_null(sq_wechat_crypto_new(AES_KEY, "", error, sizeof error));
    ck_assert(strstr(error, "appid must be") != NULL);
    ck_assert_ptr_null(sq_wechat_crypto_new(AES_KEY, "wx dev", error, sizeof error));
    ck_assert_ptr_null(sq_wechat_crypto_new(AES_KEY, NULL, error, sizeof error));
    sq_wechat_crypto_t *crypto = s_crypto(APPID);
    sq_wechat_crypto_destroy(&crypto);
    ck_assert_ptr_null(crypto);
    sq_wechat_crypto_destroy(&crypto);   //  safe twice
}
END_TEST

START_TEST(the_official_vector_decrypts)
{
    sq_wechat_crypto_t *crypto = s_crypto(OFFICIAL_APPID);
    char *xml = NULL;
    size_t length = 0;
    char error[256] = "";
    ck_assert_int_eq(sq_wechat_decrypt(crypto, OFFICIAL_ENCRYPT, &xml, &length, error,
                                       sizeof error), 0);
    ck_assert_str_eq(xml, "我是中文abcd123");
    ck_assert_uint_eq(length, strlen("我是中文abcd123"));
    free(xml);
    //  and encrypting with its prefix gives the same bytes
    char *again = sq_wechat_encrypt_with_prefix(crypto, (const unsigned char *) "aaaabbbbccccdddd",
                                                "我是中文abcd123", strlen("我是中文abcd123"));
    ck_assert_str_eq(again, OFFICIAL_ENCRYPT);
    free(again);
    sq_wechat_crypto_destroy(&crypto);
}
END_TEST

START_TEST(the_independent_implementation_agrees)
{
    sq_wechat_crypto_t *crypto = s_crypto(APPID);
    char *xml = NULL;
    size_t length = 0;
    char error[256] = "";
    ck_assert_int_eq(sq_wechat_decrypt(crypto, VECTOR_ENCRYPT, &xml, &length, error,
                                       sizeof error), 0);
    ck_assert_str_eq(xml, VECTOR_XML);
    ck_assert_uint_eq(length, strlen(VECTOR_XML));
    free(xml);
    char *encrypted = sq_wechat_encrypt_with_prefix(
        crypto, (const unsigned char *) "0123456789abcdef", VECTOR_XML, strlen(VECTOR_XML));
    ck_assert_str_eq(encrypted, VECTOR_ENCRYPT);
    free(encrypted);
    sq_wechat_crypto_destroy(&crypto);
}
END_TEST

START_TEST(encrypt_then_decrypt_gives_the_xml_back)
{
    sq_wechat_crypto_t *crypto = s_crypto(APPID);
    char plain[200];
    //  every length around the 32-byte padding block, so that every pad size 1..32 occurs
    for (size_t size = 0; size < sizeof plain; size++) {
        memset(plain, 'x', size);
        plain[size] = 0;
        char *encrypted = sq_wechat_encrypt(crypto, plain, size);
        ck_assert_ptr_nonnull(encrypted);
        char *xml = NULL;
        size_t length = 99;
        char error[256] = "";
        ck_assert_int_eq(sq_wechat_decrypt(crypto, encrypted, &xml, &length, error,
                                           sizeof error), 0);
        ck_assert_uint_eq(length, size);
        ck_assert_str_eq(xml, plain);
        free(xml);
        free(encrypted);
    }
    //  16 random bytes in front: the same XML never encrypts the same way twice
    char *one = sq_wechat_encrypt(crypto, "<xml/>", 6);
    char *two = sq_wechat_encrypt(crypto, "<xml/>", 6);
    ck_assert_str_ne(one, two);
    free(one);
    free(two);
    char *huge = calloc(SQ_WECHAT_XML_MAX + 2, 1);
    ck_assert_ptr_null(sq_wechat_encrypt(crypto, huge, SQ_WECHAT_XML_MAX + 1));
    free(huge);
    sq_wechat_crypto_destroy(&crypto);
}
END_TEST

START_TEST(another_accounts_message_is_the_wrong_appid)
{
    s_expect_decrypt_error(OTHER_APPID_ENCRYPT, SQ_WECHAT_WRONG_APPID, "wrong appid");
    s_expect_decrypt_error(OFFICIAL_ENCRYPT, SQ_WECHAT_WRONG_APPID, "wrong appid");
    //  and our message for an account configured with a longer or shorter appid
    sq_wechat_crypto_t *crypto = s_crypto(APPID "1");
    char *xml = NULL;
    char error[256];
    ck_assert_int_eq(sq_wechat_decrypt(crypto, VECTOR_ENCRYPT, &xml, NULL, error, sizeof error),
                     SQ_WECHAT_WRONG_APPID);
    sq_wechat_crypto_destroy(&crypto);
    crypto = s_crypto("wxdev000000000000");
    ck_assert_int_eq(sq_wechat_decrypt(crypto, VECTOR_ENCRYPT, &xml, NULL, error, sizeof error),
                     SQ_WECHAT_WRONG_APPID);
    ck_assert_ptr_null(xml);
    sq_wechat_crypto_destroy(&crypto);
}
END_TEST

START_TEST(bad_padding_and_lengths_are_refused)
{
    //  "<xml></xml>" for APPID, padded wrongly
    s_expect_decrypt_error("Q3stYC6hdFzMh9T8HCvyDG39WLsd2pq528g626MMlcR1ozWkoX2vBQ7OopFJIU+9vYE7"
                           "HgENNADOsOFz9uCg7A==", -1, "bad PKCS#7 padding");   //  pad 0
    s_expect_decrypt_error("Q3stYC6hdFzMh9T8HCvyDG39WLsd2pq528g626MMlcR1ozWkoX2vBQ7OopFJIU+9YS4K"
                           "uaMxKaZCPh1INY4Z2Q==", -1, "bad PKCS#7 padding");   //  pad 33
    s_expect_decrypt_error("Q3stYC6hdFzMh9T8HCvyDG39WLsd2pq528g626MMlcR1ozWkoX2vBQ7OopFJIU+96FvF"
                           "6Tqnp8+XOboopGHuZA==", -1, "bad PKCS#7 padding");   //  a 3 in the 9s
    //  a length field of 1000, and of 2^32-1, in a message of 29 bytes after the head
    s_expect_decrypt_error("Q3stYC6hdFzMh9T8HCvyDMJCdMGo2ktpWQ+pZTe+XEzRbcvYLDo5UbNhmfqMQsEVJsTO"
                           "yh5OlrLpY4jZbVJCqg==", -1, "length field (1000) runs past the end");
    s_expect_decrypt_error("Q3stYC6hdFzMh9T8HCvyDLTrUYbHtPhpx+mDq6OjKYclSl81cM4dsZccbLxmOcAA5hd1"
                           "zM4KCHLaw2W4bYjvSA==", -1, "runs past the end");
    //  nothing but padding; 12 bytes and padding: no room for the 20-byte head
    s_expect_decrypt_error("mvbabGlr1RK2fbfudn9WPJz7jnmem7if9W0uDrMjeE0=", -1, "fewer than the 20");
    s_expect_decrypt_error("sA4EvKTJuo/xfyTU3SnfPdb/0w6/DudBmWkt+0RgQOw=", -1, "fewer than the 20");
}
END_TEST

START_TEST(truncated_and_garbage_base64_is_refused)
{
    s_expect_decrypt_error("", -1, "missing or empty");
    s_expect_decrypt_error(NULL, -1, "missing or empty");
    s_expect_decrypt_error("!!!!", -1, "not valid base64");
    s_expect_decrypt_error("abc", -1, "not valid base64");
    s_expect_decrypt_error("A=AA", -1, "not valid base64");
    s_expect_decrypt_error("AAAA\nAAA", -1, "not valid base64");
    s_expect_decrypt_error("====", -1, "not valid base64");
    s_expect_decrypt_error("AAAA", -1, "not a whole number of 16-byte AES blocks");
    //  the vector cut short: by 4 characters (not whole blocks), to 64 (whole blocks whose
    //  plaintext ends in the middle of the XML: its last byte is no padding)
    char cut[sizeof VECTOR_ENCRYPT];
    size_t length = strlen(VECTOR_ENCRYPT);
    memcpy(cut, VECTOR_ENCRYPT, length - 4);
    cut[length - 4] = 0;
    s_expect_decrypt_error(cut, -1, "not a whole number");
    memcpy(cut, VECTOR_ENCRYPT, 64);
    cut[64] = 0;
    s_expect_decrypt_error(cut, -1, "");
    //  one character changed in the last block: the padding no longer checks
    memcpy(cut, VECTOR_ENCRYPT, length + 1);
    cut[length - 5] = cut[length - 5] == 'A' ? 'B' : 'A';
    s_expect_decrypt_error(cut, -1, "");
    char *huge = malloc(2 * SQ_WECHAT_XML_MAX + 5);
    memset(huge, 'A', 2 * SQ_WECHAT_XML_MAX + 4);
    huge[2 * SQ_WECHAT_XML_MAX + 4] = 0;
    s_expect_decrypt_error(huge, -1, "more than a message can be");
    free(huge);
}
END_TEST

//  ---------------------------------------------------------------------------------------
//  Parsing messages

START_TEST(a_text_message)
{
    sq_wechat_message_t message;
    s_parse_ok(VECTOR_XML, &message);
    ck_assert_str_eq(message.to_user_name, "gh_0123456789ab");
    ck_assert_str_eq(message.from_user_name, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o");
    ck_assert_str_eq(message.create_time, "1714112445");
    ck_assert_str_eq(message.msg_type, "text");
    ck_assert_str_eq(message.content, "路灯坏了 ]]> <&>");
    ck_assert_str_eq(message.msg_id, "7365218921853288449");
    ck_assert_ptr_null(message.pic_url);
    ck_assert_ptr_null(message.encrypt);
    char key[129];
    ck_assert_int_eq(sq_wechat_dedupe_key(&message, key, sizeof key), 0);
    ck_assert_str_eq(key, "7365218921853288449");
    sq_wechat_message_free(&message);
    ck_assert_ptr_null(message.content);
    sq_wechat_message_free(&message);   //  safe twice
    //  escaped text rather than CDATA, a declaration, blanks and comments between fields
    s_parse_ok("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- pushed -->\n<xml>\n"
               "  <ToUserName>gh_1</ToUserName>\n  <FromUserName>o1</FromUserName>\n"
               "  <CreateTime>1</CreateTime><!-- note --><MsgType>text</MsgType>\n"
               "  <Content>a &lt;b&gt; &amp; &#x8DEF;灯</Content>\n</xml>\n", &message);
    ck_assert_str_eq(message.content, "a <b> & 路灯");
    ck_assert_ptr_null(message.msg_id);
    sq_wechat_message_free(&message);
}
END_TEST

START_TEST(an_image_a_location_and_an_event)
{
    sq_wechat_message_t message;
    s_parse_ok("<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]>"
               "</FromUserName><CreateTime>1714112445</CreateTime><MsgType><![CDATA[image]]>"
               "</MsgType><PicUrl><![CDATA[http://mmbiz.qpic.cn/x/0]]></PicUrl><MediaId>"
               "<![CDATA[media_id_1]]></MediaId><MsgId>1234567890123456</MsgId></xml>",
               &message);
    ck_assert_str_eq(message.msg_type, "image");
    ck_assert_str_eq(message.pic_url, "http://mmbiz.qpic.cn/x/0");
    ck_assert_str_eq(message.media_id, "media_id_1");
    sq_wechat_message_free(&message);

    s_parse_ok("<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]>"
               "</FromUserName><CreateTime>1714112446</CreateTime><MsgType><![CDATA[location]]>"
               "</MsgType><Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y>"
               "<Scale>20</Scale><Label><![CDATA[广州市天河区天河路]]></Label>"
               "<MsgId>1234567890123457</MsgId></xml>", &message);
    ck_assert_str_eq(message.location_x, "23.134521");
    ck_assert_str_eq(message.location_y, "113.358803");
    ck_assert_str_eq(message.scale, "20");
    ck_assert_str_eq(message.label, "广州市天河区天河路");
    sq_wechat_message_free(&message);

    s_parse_ok("<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA["
               "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o]]></FromUserName><CreateTime>1714112447"
               "</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]>"
               "</Event><EventKey><![CDATA[]]></EventKey></xml>", &message);
    ck_assert_str_eq(message.event, "subscribe");
    ck_assert_str_eq(message.event_key, "");
    ck_assert_ptr_null(message.msg_id);
    char key[129];
    ck_assert_int_eq(sq_wechat_dedupe_key(&message, key, sizeof key), 0);
    ck_assert_str_eq(key, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o-1714112447");
    ck_assert_int_eq(sq_wechat_dedupe_key(&message, key, 20), -1);   //  does not fit
    free(message.from_user_name);
    message.from_user_name = strdup("o 1");
    ck_assert_int_eq(sq_wechat_dedupe_key(&message, key, sizeof key), -1);
    sq_wechat_message_free(&message);
    ck_assert_int_eq(sq_wechat_dedupe_key(&message, key, sizeof key), -1);
}
END_TEST

START_TEST(the_safe_mode_envelope_and_the_compatible_mode)
{
    sq_wechat_message_t message;
    s_parse_ok("<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><Encrypt><![CDATA["
               VECTOR_ENCRYPT "]]></Encrypt></xml>", &message);
    ck_assert_str_eq(message.to_user_name, "gh_0123456789ab");
    ck_assert_str_eq(message.encrypt, VECTOR_ENCRYPT);
    ck_assert_ptr_null(message.msg_type);
    //  what the envelope holds is a message in its own right
    sq_wechat_crypto_t *crypto = s_crypto(APPID);
    char *xml = NULL;
    size_t length = 0;
    char error[256];
    ck_assert_int_eq(sq_wechat_decrypt(crypto, message.encrypt, &xml, &length, error,
                                       sizeof error), 0);
    sq_wechat_message_t inner;
    ck_assert_int_eq(sq_wechat_parse(xml, length, &inner, error, sizeof error), 0);
    ck_assert_str_eq(inner.content, "路灯坏了 ]]> <&>");
    sq_wechat_message_free(&inner);
    free(xml);
    sq_wechat_crypto_destroy(&crypto);
    sq_wechat_message_free(&message);

    s_parse_ok("<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]>"
               "</FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType>"
               "<Content><![CDATA[hi]]></Content><MsgId>5</MsgId><Encrypt><![CDATA[AAAA]]>"
               "</Encrypt></xml>", &message);
    ck_assert_str_eq(message.content, "hi");
    ck_assert_str_eq(message.encrypt, "AAAA");
    sq_wechat_message_free(&message);
}
END_TEST

START_TEST(unknown_elements_are_skipped)
{
    sq_wechat_message_t message;
    s_parse_ok("<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName>"
               "<CreateTime>1</CreateTime><MsgType>event</MsgType><Event>scancode_push</Event>"
               "<ScanCodeInfo><ScanType>qrcode</ScanType><ScanResult>1</ScanResult>"
               "<Content>not the message's</Content></ScanCodeInfo>"
               "<MenuId a=\"1\">7</MenuId></xml>", &message);
    ck_assert_str_eq(message.event, "scancode_push");
    ck_assert_ptr_null(message.content);   //  only the children of <xml> are fields
    sq_wechat_message_free(&message);
}
END_TEST

START_TEST(entities_and_dtds_are_refused)
{
    const char *bomb =
        "<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY a \"aaaaaaaaaa\">"
        "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
        "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\"><!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">"
        "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\"><!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">"
        "<!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\"><!ENTITY i \"&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;\">]>"
        "<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>"
        "<MsgType>text</MsgType><Content>&i;</Content></xml>";
    s_expect_refused(bomb, strlen(bomb), "DOCTYPE is not accepted");
    const char *external =
        "<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY secret SYSTEM \"file:///etc/passwd\">]>"
        "<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>"
        "<MsgType>text</MsgType><Content>&secret;</Content></xml>";
    s_expect_refused(external, strlen(external), "DOCTYPE is not accepted");
    const char *parameter =
        "<!DOCTYPE xml [<!ENTITY % remote SYSTEM \"http://127.0.0.1:1/evil.dtd\"> %remote;]>"
        "<xml><Encrypt>AAAA</Encrypt></xml>";
    s_expect_refused(parameter, strlen(parameter), "DOCTYPE is not accepted");
    const char *external_dtd = "<!DOCTYPE xml SYSTEM \"http://127.0.0.1:1/x.dtd\">"
                               "<xml><Encrypt>AAAA</Encrypt></xml>";
    s_expect_refused(external_dtd, strlen(external_dtd), "DOCTYPE is not accepted");
    const char *plain_doctype = "<!DOCTYPE xml><xml><Encrypt>AAAA</Encrypt></xml>";
    s_expect_refused(plain_doctype, strlen(plain_doctype), "DOCTYPE is not accepted");
    //  an entity that nothing declared
    const char *undeclared = "<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName>"
                             "<CreateTime>1</CreateTime><MsgType>text</MsgType>"
                             "<Content>&secret;</Content></xml>";
    s_expect_refused(undeclared, strlen(undeclared), "not well-formed");
}
END_TEST

START_TEST(truncated_and_malformed_xml_is_refused)
{
    size_t length = strlen(VECTOR_XML);
    for (size_t cut = 1; cut < length; cut += 7)
        s_expect_refused(VECTOR_XML, cut, "");
    s_expect_refused(VECTOR_XML, length - 1, "not well-formed");
    s_expect_refused("", 0, "empty");
    s_expect_refused("not xml at all", 14, "not well-formed");
    s_expect_refused("<xml><Encrypt>AAAA</Encrypt></xml><xml/>", 40, "not well-formed");
    const char *root = "<message><Encrypt>AAAA</Encrypt></message>";
    s_expect_refused(root, strlen(root), "root element must be <xml>");
    const char *spaced = "<x:xml xmlns:x=\"urn:x\"><Encrypt>AAAA</Encrypt></x:xml>";
    s_expect_refused(spaced, strlen(spaced), "root element must be <xml>");
    const char *twice = "<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName>"
                        "<CreateTime>1</CreateTime><MsgType>text</MsgType>"
                        "<Content>one</Content><Content>two</Content></xml>";
    s_expect_refused(twice, strlen(twice), "Content is given twice");
    const char *nested = "<xml><ToUserName>gh</ToUserName><FromUserName>o<b>x</b></FromUserName>"
                         "<CreateTime>1</CreateTime><MsgType>text</MsgType></xml>";
    s_expect_refused(nested, strlen(nested), "FromUserName must hold text");
    const char *time = "<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName>"
                       "<CreateTime>1 </CreateTime><MsgType>text</MsgType></xml>";
    s_expect_refused(time, strlen(time), "CreateTime must be decimal digits");
    const char *id = "<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName>"
                     "<CreateTime>1</CreateTime><MsgType>text</MsgType><MsgId>-5</MsgId></xml>";
    s_expect_refused(id, strlen(id), "MsgId must be decimal digits");
    const char *partial = "<xml><ToUserName>gh</ToUserName><MsgType>text</MsgType></xml>";
    s_expect_refused(partial, strlen(partial), "neither an encrypted envelope");
    s_expect_refused("<xml/>", 6, "neither an encrypted envelope");
}
END_TEST

START_TEST(huge_and_deep_documents_are_refused)
{
    //  a document past the limit, whatever it holds
    size_t size = SQ_WECHAT_XML_MAX + 1;
    char *huge = malloc(size + 1);
    memset(huge, ' ', size);
    memcpy(huge, "<xml><Encrypt>AAAA</Encrypt>", 28);
    memcpy(huge + size - 6, "</xml>", 6);
    huge[size] = 0;
    s_expect_refused(huge, size, "more than the 65536 accepted");
    //  one byte less is fine
    memcpy(huge + size - 7, "</xml>", 7);
    sq_wechat_message_t message;
    char error[256];
    ck_assert_int_eq(sq_wechat_parse(huge, size - 1, &message, error, sizeof error), 0);
    sq_wechat_message_free(&message);
    //  a field past its own limit
    char *content = malloc(20000 + 200);
    strcpy(content, "<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName>"
                    "<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>");
    size_t at = strlen(content);
    memset(content + at, 'x', 20000);
    strcpy(content + at + 20000, "</Content></xml>");
    s_expect_refused(content, strlen(content), "Content is 20000 bytes, longer than the 16384");
    free(content);
    //  nesting: 8 levels are fine, 9 are not, thousands stop libxml2 itself
    const char *eight = "<xml><Encrypt>AAAA</Encrypt><a><b><c><d><e><f><g/></f></e></d></c></b>"
                        "</a></xml>";
    s_parse_ok(eight, &message);
    sq_wechat_message_free(&message);
    const char *nine = "<xml><Encrypt>AAAA</Encrypt><a><b><c><d><e><f><g><h/></g></f></e></d>"
                       "</c></b></a></xml>";
    s_expect_refused(nine, strlen(nine), "deeper than 8");
    size_t levels = 5000;
    char *deep = malloc(levels * 7 + 64), *end = deep;
    end = stpcpy(end, "<xml>");
    for (size_t i = 0; i < levels; i++)
        end = stpcpy(end, "<a>");
    for (size_t i = 0; i < levels; i++)
        end = stpcpy(end, "</a>");
    stpcpy(end, "</xml>");
    s_expect_refused(deep, strlen(deep), "");
    free(deep);
    free(huge);
}
END_TEST

START_TEST(invalid_utf8_is_refused)
{
    const char *latin1 = "<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName>"
                         "<CreateTime>1</CreateTime><MsgType>text</MsgType>"
                         "<Content>caf\xe9</Content></xml>";
    s_expect_refused(latin1, strlen(latin1), "not valid UTF-8 (byte 123)");
    const char *overlong = "<xml><Encrypt>\xc0\xaf</Encrypt></xml>";
    s_expect_refused(overlong, strlen(overlong), "not valid UTF-8");
    const char *surrogate = "<xml><Encrypt>\xed\xa0\x80</Encrypt></xml>";
    s_expect_refused(surrogate, strlen(surrogate), "not valid UTF-8");
    const char with_nul[] = "<xml><Encrypt>AA\0AA</Encrypt></xml>";
    s_expect_refused(with_nul, sizeof with_nul - 1, "not valid UTF-8 (byte 16)");
    //  a declared encoding is ignored: the bytes are UTF-8 whatever the declaration says
    sq_wechat_message_t message;
    s_parse_ok("<?xml version=\"1.0\" encoding=\"GBK\"?><xml><ToUserName>gh</ToUserName>"
               "<FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType>"
               "<Content>路灯</Content></xml>", &message);
    ck_assert_str_eq(message.content, "路灯");
    sq_wechat_message_free(&message);
}
END_TEST

//  ---------------------------------------------------------------------------------------
//  Replies

START_TEST(a_text_reply_keeps_what_cdata_cannot_hold)
{
    char *reply = sq_wechat_reply_text("o1", "gh_1", 1714112445, "受理编号 SQ-1");
    ck_assert_str_eq(reply, "<xml><ToUserName><![CDATA[o1]]></ToUserName><FromUserName>"
                            "<![CDATA[gh_1]]></FromUserName><CreateTime>1714112445</CreateTime>"
                            "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[受理编号 SQ-1]]>"
                            "</Content></xml>");
    free(reply);
    const char *awkward = "a]]>b ]]]]> ]]><![CDATA[ <&> ]]";
    reply = sq_wechat_reply_text("o1", "gh_1", 1, awkward);
    ck_assert_ptr_nonnull(strstr(reply, "<Content><![CDATA[a]]]]><![CDATA[>b "));
    sq_wechat_message_t message;
    s_parse_ok(reply, &message);   //  read back as the platform would
    ck_assert_str_eq(message.content, awkward);
    ck_assert_str_eq(message.to_user_name, "o1");
    ck_assert_str_eq(message.msg_type, "text");
    sq_wechat_message_free(&message);
    free(reply);
    ck_assert_ptr_null(sq_wechat_reply_text("o1", "gh_1", 1, "caf\xe9"));
    ck_assert_ptr_null(sq_wechat_reply_text("o1", "gh_1", 1, "bell\a"));
    ck_assert_ptr_null(sq_wechat_reply_text("o1", "gh_1", 1, "\xef\xbf\xbe"));
    ck_assert_ptr_null(sq_wechat_reply_text(NULL, "gh_1", 1, "x"));
    reply = sq_wechat_reply_text("o1", "gh_1", 1, "line\nline\ttab\r");
    ck_assert_ptr_nonnull(reply);
    free(reply);
}
END_TEST

//  The text of <name><![CDATA[...]]></name> or <name>...</name> in xml, a new string.
static char *s_element(const char *xml, const char *name)
{
    char open[64], close[64];
    snprintf(open, sizeof open, "<%s>", name);
    snprintf(close, sizeof close, "</%s>", name);
    const char *start = strstr(xml, open);
    ck_assert_ptr_nonnull(start);
    start += strlen(open);
    const char *end = strstr(start, close);
    ck_assert_ptr_nonnull(end);
    if (strncmp(start, "<![CDATA[", 9) == 0)
        start += 9, end -= 3;
    return strndup(start, (size_t) (end - start));
}

START_TEST(an_encrypted_reply_is_signed_and_decrypts)
{
    sq_wechat_crypto_t *crypto = s_crypto(APPID);
    char *plain = sq_wechat_reply_text("o1", "gh_1", 1714112445, "已受理 ]]> 编号 SQ-1");
    char *reply = sq_wechat_reply_encrypted(crypto, TOKEN, "1714112446", "nonce-1", plain);
    ck_assert_ptr_nonnull(reply);
    ck_assert_int_eq(strncmp(reply, "<xml><Encrypt><![CDATA[", 23), 0);
    char *encrypt = s_element(reply, "Encrypt");
    char *signature = s_element(reply, "MsgSignature");
    char *timestamp = s_element(reply, "TimeStamp");
    char *nonce = s_element(reply, "Nonce");
    ck_assert_str_eq(timestamp, "1714112446");
    ck_assert_str_eq(nonce, "nonce-1");
    ck_assert(sq_wechat_msg_signature_ok(TOKEN, timestamp, nonce, encrypt, signature));
    char *xml = NULL;
    char error[256];
    ck_assert_int_eq(sq_wechat_decrypt(crypto, encrypt, &xml, NULL, error, sizeof error), 0);
    ck_assert_str_eq(xml, plain);
    //  the reply is itself a document the parser takes (an envelope)
    sq_wechat_message_t message;
    s_parse_ok(reply, &message);
    ck_assert_str_eq(message.encrypt, encrypt);
    sq_wechat_message_free(&message);
    free(xml);
    free(encrypt);
    free(signature);
    free(timestamp);
    free(nonce);
    free(reply);
    ck_assert_ptr_null(sq_wechat_reply_encrypted(crypto, TOKEN, "17141a", "n", plain));
    ck_assert_ptr_null(sq_wechat_reply_encrypted(crypto, TOKEN, "", "n", plain));
    ck_assert_ptr_null(sq_wechat_reply_encrypted(crypto, TOKEN, "1", "n\x01", plain));
    ck_assert_ptr_null(sq_wechat_reply_encrypted(crypto, TOKEN, "1", NULL, plain));
    free(plain);
    sq_wechat_crypto_destroy(&crypto);
}
END_TEST

Suite *test_wechat_suite(void)
{
    Suite *suite = suite_create("wechat");
    TCase *signatures = tcase_create("signatures");
    tcase_add_test(signatures, signatures_are_sha1_of_the_sorted_strings);
    tcase_add_test(signatures, forged_signatures_are_refused);
    tcase_add_test(signatures, timestamps_outside_the_window_are_stale);
    suite_add_tcase(suite, signatures);
    TCase *crypto = tcase_create("crypto");
    tcase_add_test(crypto, the_key_must_be_43_characters_of_base64);
    tcase_add_test(crypto, the_official_vector_decrypts);
    tcase_add_test(crypto, the_independent_implementation_agrees);
    tcase_add_test(crypto, encrypt_then_decrypt_gives_the_xml_back);
    tcase_add_test(crypto, another_accounts_message_is_the_wrong_appid);
    tcase_add_test(crypto, bad_padding_and_lengths_are_refused);
    tcase_add_test(crypto, truncated_and_garbage_base64_is_refused);
    suite_add_tcase(suite, crypto);
    TCase *xml = tcase_create("xml");
    tcase_add_test(xml, a_text_message);
    tcase_add_test(xml, an_image_a_location_and_an_event);
    tcase_add_test(xml, the_safe_mode_envelope_and_the_compatible_mode);
    tcase_add_test(xml, unknown_elements_are_skipped);
    tcase_add_test(xml, entities_and_dtds_are_refused);
    tcase_add_test(xml, truncated_and_malformed_xml_is_refused);
    tcase_add_test(xml, huge_and_deep_documents_are_refused);
    tcase_add_test(xml, invalid_utf8_is_refused);
    suite_add_tcase(suite, xml);
    TCase *replies = tcase_create("replies");
    tcase_add_test(replies, a_text_reply_keeps_what_cdata_cannot_hold);
    tcase_add_test(replies, an_encrypted_reply_is_signed_and_decrypts);
    suite_add_tcase(suite, replies);
    return suite;
}
