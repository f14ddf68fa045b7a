"""The WeChat Official Account callback crypto (公众号 消息加解密), written from the protocol's
description, independent of suqiu's C code: the end-to-end tests build, sign and encrypt the
platform's messages with it and check suqiu's replies with it.  Debian's python3-cryptography
(run with /usr/bin/python3); nothing else outside the standard library.

    signature = sign(token, timestamp, nonce)                 # GET and plaintext POSTs
    body = encrypt(AES_KEY, APPID, build_text_message(...))   # safe mode
    envelope, query = encrypted_post(TOKEN, AES_KEY, APPID, xml, timestamp, nonce)
    xml = decrypt(AES_KEY, APPID, body)                       # checks the appid

The protocol: the AES key is base64(EncodingAESKey + "="), 32 bytes; AES-256-CBC with the
first 16 bytes of the key as IV; the plaintext is 16 random bytes, the XML's length as 4
bytes big-endian, the XML, the appid, then PKCS#7 padding to a multiple of 32 bytes.  The
signatures are SHA-1 in lower-case hex over the sorted, concatenated strings: token,
timestamp and nonce, and for msg_signature also the base64 Encrypt.

`/usr/bin/python3 tests/e2e/wechat_crypto.py` runs the self-test; with `vectors` it prints the
fixed vectors that tests/test_wechat.c embeds.
"""
import base64
import hashlib
import os
import struct
import sys
import xml.etree.ElementTree as ElementTree

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

# The development defaults (config/ and issue 12).
TOKEN = "devtoken"
APPID = "wxdev0000000000001"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

BLOCK = 32   # the protocol pads to 32 bytes, not AES's 16


class WeChatError(ValueError):
    """A message that does not decrypt, or decrypts for another appid."""


def _sha1_sorted(*parts):
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def sign(token, timestamp, nonce):
    """The `signature` query parameter: SHA-1 over the sorted token, timestamp, nonce."""
    return _sha1_sorted(token, str(timestamp), nonce)


def msg_signature(token, timestamp, nonce, encrypt):
    """The safe-mode `msg_signature` (and a reply's MsgSignature): also over Encrypt."""
    return _sha1_sorted(token, str(timestamp), nonce, encrypt)


def aes_key(aes_key43):
    """The 32-byte AES key of a 43-character EncodingAESKey."""
    if len(aes_key43) != 43:
        raise WeChatError("EncodingAESKey must have 43 characters")
    key = base64.b64decode(aes_key43 + "=")
    if len(key) != 32:
        raise WeChatError("EncodingAESKey does not decode to 32 bytes")
    return key


def _cipher(key):
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def encrypt(aes_key43, appid, xml, random16=None):
    """The base64 Encrypt of xml (str or bytes) for appid; random16 fixes the 16-byte prefix
    (for reproducible vectors), else it is random."""
    key = aes_key(aes_key43)
    if random16 is None:
        random16 = os.urandom(16)
    if len(random16) != 16:
        raise WeChatError("the random prefix must have 16 bytes")
    if isinstance(xml, str):
        xml = xml.encode("utf-8")
    plain = random16 + struct.pack(">I", len(xml)) + xml + appid.encode("utf-8")
    pad = BLOCK - len(plain) % BLOCK
    plain += bytes([pad]) * pad
    encryptor = _cipher(key).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode("ascii")


def encrypt_raw(aes_key43, plain):
    """The base64 of plain (bytes, a multiple of 16) encrypted as it is, without the layout
    or the padding: how the malformed vectors of the tests are made."""
    key = aes_key(aes_key43)
    encryptor = _cipher(key).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode("ascii")


def decrypt_bytes(aes_key43, appid, b64):
    """The XML bytes inside a base64 Encrypt, checking padding, length and appid."""
    key = aes_key(aes_key43)
    try:
        cipher_text = base64.b64decode(b64, validate=True)
    except ValueError as error:
        raise WeChatError("Encrypt is not base64: %s" % error)
    if not cipher_text or len(cipher_text) % 16:
        raise WeChatError("Encrypt is not a whole number of AES blocks")
    decryptor = _cipher(key).decryptor()
    plain = decryptor.update(cipher_text) + decryptor.finalize()
    pad = plain[-1]
    if pad < 1 or pad > BLOCK or pad > len(plain) or plain[-pad:] != bytes([pad]) * pad:
        raise WeChatError("bad padding")
    plain = plain[:-pad]
    if len(plain) < 20:
        raise WeChatError("too short")
    (length,) = struct.unpack(">I", plain[16:20])
    if length > len(plain) - 20:
        raise WeChatError("the length runs past the end")
    xml, their_appid = plain[20:20 + length], plain[20 + length:]
    if their_appid != appid.encode("utf-8"):
        raise WeChatError("wrong appid")
    return xml


def decrypt(aes_key43, appid, b64):
    """The XML (str) inside a base64 Encrypt; WeChatError when it is not for appid."""
    return decrypt_bytes(aes_key43, appid, b64).decode("utf-8")


def _cdata(text):
    return "<![CDATA[" + str(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def build_message(fields):
    """An <xml> document of (name, value) pairs: numbers bare, text in CDATA, as the platform
    writes them."""
    parts = []
    for name, value in fields:
        body = str(value) if isinstance(value, int) else _cdata(value)
        parts.append("<%s>%s</%s>" % (name, body, name))
    return "<xml>" + "".join(parts) + "</xml>"


def build_text_message(to_user, from_user, create_time, content, msg_id):
    """A citizen's text message as the platform pushes it."""
    return build_message([("ToUserName", to_user), ("FromUserName", from_user),
                          ("CreateTime", int(create_time)), ("MsgType", "text"),
                          ("Content", content), ("MsgId", int(msg_id))])


def build_image_message(to_user, from_user, create_time, pic_url, media_id, msg_id):
    return build_message([("ToUserName", to_user), ("FromUserName", from_user),
                          ("CreateTime", int(create_time)), ("MsgType", "image"),
                          ("PicUrl", pic_url), ("MediaId", media_id), ("MsgId", int(msg_id))])


def build_location_message(to_user, from_user, create_time, x, y, scale, label, msg_id):
    return build_message([("ToUserName", to_user), ("FromUserName", from_user),
                          ("CreateTime", int(create_time)), ("MsgType", "location"),
                          ("Location_X", x), ("Location_Y", y), ("Scale", int(scale)),
                          ("Label", label), ("MsgId", int(msg_id))])


def build_event(to_user, from_user, create_time, event, event_key=None):
    fields = [("ToUserName", to_user), ("FromUserName", from_user),
              ("CreateTime", int(create_time)), ("MsgType", "event"), ("Event", event)]
    if event_key is not None:
        fields.append(("EventKey", event_key))
    return build_message(fields)


def encrypted_post(token, aes_key43, appid, xml, timestamp, nonce, random16=None,
                   compatible=False):
    """The body and query parameters of a safe-mode POST (compatible=True: the compatible
    mode's body, the plaintext fields beside Encrypt)."""
    encrypted = encrypt(aes_key43, appid, xml, random16)
    to_user = ElementTree.fromstring(xml).findtext("ToUserName") or ""
    if compatible:
        body = xml[:-len("</xml>")] + "<Encrypt>" + _cdata(encrypted) + "</Encrypt></xml>"
    else:
        body = build_message([("ToUserName", to_user), ("Encrypt", encrypted)])
    query = {"signature": sign(token, timestamp, nonce), "timestamp": str(timestamp),
             "nonce": nonce, "encrypt_type": "aes",
             "msg_signature": msg_signature(token, timestamp, nonce, encrypted)}
    return body, query


def open_encrypted_reply(token, aes_key43, appid, reply_xml):
    """Check an encrypted passive reply as the platform would (its MsgSignature over token,
    TimeStamp, Nonce and Encrypt) and return the reply's plaintext XML."""
    root = ElementTree.fromstring(reply_xml)
    if root.tag != "xml":
        raise WeChatError("the reply's root is not <xml>")
    encrypted = root.findtext("Encrypt")
    signature = root.findtext("MsgSignature")
    timestamp = root.findtext("TimeStamp")
    nonce = root.findtext("Nonce")
    if None in (encrypted, signature, timestamp, nonce):
        raise WeChatError("the reply lacks Encrypt, MsgSignature, TimeStamp or Nonce")
    if msg_signature(token, timestamp, nonce, encrypted) != signature:
        raise WeChatError("the reply's MsgSignature is wrong")
    return decrypt(aes_key43, appid, encrypted)


# The fixed vectors of tests/test_wechat.c: the random prefix is fixed so that they are
# reproducible; the C test decrypts them and compares its own encryption with them.
VECTOR_RANDOM = b"0123456789abcdef"
VECTOR_TIMESTAMP = "1714112445"
VECTOR_NONCE = "415670741"
VECTOR_XML = build_text_message("gh_0123456789ab", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
                                1714112445, "路灯坏了 ]]> <&>", 7365218921853288449)


OFFICIAL_ENCRYPT = ("jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGM"
                    "hkP72vVOfg==")


def vectors():
    encrypted = encrypt(AES_KEY, APPID, VECTOR_XML, VECTOR_RANDOM)
    lines = [
        "signature(%s, %s, %s) = %s" % (TOKEN, VECTOR_TIMESTAMP, VECTOR_NONCE,
                                        sign(TOKEN, VECTOR_TIMESTAMP, VECTOR_NONCE)),
        "xml = %s" % VECTOR_XML,
        "encrypt = %s" % encrypted,
        "msg_signature = %s" % msg_signature(TOKEN, VECTOR_TIMESTAMP, VECTOR_NONCE, encrypted),
        "other appid (wxother000000000002) encrypt = %s"
        % encrypt(AES_KEY, "wxother000000000002", "<xml></xml>", VECTOR_RANDOM),
    ]
    # Malformed plaintexts, each encrypted as it is: what the C decrypt must refuse.
    head = VECTOR_RANDOM + struct.pack(">I", 11) + b"<xml></xml>" + APPID.encode()   # 49 bytes
    malformed = [
        ("pad byte 0", head + bytes(15)),
        ("pad byte 33", head + bytes([33]) * 15),
        ("pad bytes disagree", head + bytes([9]) * 6 + bytes([3]) + bytes([9]) * 8),
        ("length past the end", VECTOR_RANDOM + struct.pack(">I", 1000) + b"<xml></xml>"
         + APPID.encode() + bytes([15]) * 15),
        ("length 2^32-1", VECTOR_RANDOM + b"\xff\xff\xff\xff" + b"<xml></xml>"
         + APPID.encode() + bytes([15]) * 15),
        ("no head (all padding)", bytes([32]) * 32),
        ("head cut (12 bytes and padding)", VECTOR_RANDOM[:12] + bytes([20]) * 20),
    ]
    for name, plain in malformed:
        lines.append("%s = %s" % (name, encrypt_raw(AES_KEY, plain)))
    return "\n".join(lines)


def _self_test():
    # The key of the development defaults decodes to 32 bytes, its IV is its head.
    assert len(aes_key(AES_KEY)) == 32
    # The vector published with Tencent's sample code (WXBizMsgCryptTest.java: appid
    # wxb11529c136998cb6, random prefix "aaaabbbbccccdddd", the same EncodingAESKey).
    assert encrypt(AES_KEY, "wxb11529c136998cb6", "我是中文abcd123", b"aaaabbbbccccdddd") == \
        OFFICIAL_ENCRYPT
    assert decrypt(AES_KEY, "wxb11529c136998cb6", OFFICIAL_ENCRYPT) == "我是中文abcd123"
    # A signature is over the sorted strings, so the order of the arguments does not matter.
    assert sign("b", "a", "c") == hashlib.sha1(b"abc").hexdigest()
    assert msg_signature("d", "b", "c", "a") == hashlib.sha1(b"abcd").hexdigest()
    # Round trips, with random and fixed prefixes, of every size around the 32-byte block.
    for size in range(0, 100):
        xml = "<xml>" + "x" * size + "</xml>"
        assert decrypt(AES_KEY, APPID, encrypt(AES_KEY, APPID, xml)) == xml
    fixed = encrypt(AES_KEY, APPID, VECTOR_XML, VECTOR_RANDOM)
    assert fixed == encrypt(AES_KEY, APPID, VECTOR_XML, VECTOR_RANDOM)
    assert decrypt(AES_KEY, APPID, fixed) == VECTOR_XML
    # Another account's message is refused.
    try:
        decrypt(AES_KEY, "wxother000000000002", fixed)
        raise AssertionError("decrypted for the wrong appid")
    except WeChatError as error:
        assert "wrong appid" in str(error)
    # A truncated message does not decrypt (its padding or length is wrong).
    for bad in (fixed[:-4], fixed[:8], "!!!!", ""):
        try:
            decrypt(AES_KEY, APPID, bad)
            raise AssertionError("decrypted %r" % bad)
        except WeChatError:
            pass
    # The message builders write what the platform writes; "]]>" in a text survives.
    root = ElementTree.fromstring(VECTOR_XML)
    assert root.findtext("Content") == "路灯坏了 ]]> <&>"
    assert root.findtext("MsgType") == "text"
    body, query = encrypted_post(TOKEN, AES_KEY, APPID, VECTOR_XML, VECTOR_TIMESTAMP,
                                 VECTOR_NONCE)
    envelope = ElementTree.fromstring(body)
    assert envelope.findtext("ToUserName") == "gh_0123456789ab"
    assert decrypt(AES_KEY, APPID, envelope.findtext("Encrypt")) == VECTOR_XML
    assert query["msg_signature"] == msg_signature(TOKEN, VECTOR_TIMESTAMP, VECTOR_NONCE,
                                                   envelope.findtext("Encrypt"))
    compatible, _ = encrypted_post(TOKEN, AES_KEY, APPID, VECTOR_XML, VECTOR_TIMESTAMP,
                                   VECTOR_NONCE, compatible=True)
    both = ElementTree.fromstring(compatible)
    assert both.findtext("Content") == "路灯坏了 ]]> <&>"
    assert decrypt(AES_KEY, APPID, both.findtext("Encrypt")) == VECTOR_XML
    # An encrypted reply as suqiu writes one opens.
    inner = build_message([("ToUserName", "o1"), ("FromUserName", "gh"), ("CreateTime", 1),
                           ("MsgType", "text"), ("Content", "ok")])
    encrypted = encrypt(AES_KEY, APPID, inner)
    reply = ("<xml><Encrypt>%s</Encrypt><MsgSignature>%s</MsgSignature>"
             "<TimeStamp>1</TimeStamp><Nonce>%s</Nonce></xml>"
             % (_cdata(encrypted), _cdata(msg_signature(TOKEN, "1", "n", encrypted)),
                _cdata("n")))
    assert open_encrypted_reply(TOKEN, AES_KEY, APPID, reply) == inner
    print("wechat_crypto: self-test passed")


if __name__ == "__main__":
    if sys.argv[1:] == ["vectors"]:
        print(vectors())
    else:
        _self_test()
