/*  sq_mail: one e-mail message, parsed with GMime 3, as the fields a complaint needs.

    The e-mail adapter (LMTP, or files with `suqiu-email ingest`) hands the raw bytes of a
    message to sq_mail_parse and gets back the Message-ID (its idempotency key), the sender,
    the subject, the threading headers, the body as UTF-8 text and the attachments.
    Everything in a parsed mail is UTF-8, owned by the sq_mail_t and freed by
    sq_mail_destroy; the accessors return borrowed strings.

    Headers (sq_mail_header).  Encoded-words (=?gb2312?B?...?=) are decoded, also the
    RFC-breaking ones that Outlook and Foxmail put inside quotes ("=?gb2312?B?...?=" <a@b>);
    the charset label of an encoded-word is read as sq_mail_text reads a body's (gb2312 as
    GB18030, big5 as Big5-HKSCS), and a label iconv does not know is tried as UTF-8 and as
    GB18030.  Raw 8-bit headers are tried as UTF-8, then GB18030.  Header text is decoded
    leniently: a byte that fits no charset becomes '?' rather than losing the mail.  Header
    values are one line, without control characters.

    Body.  In multipart/alternative, text/plain is preferred, else text/html reduced to
    text (sq_mail_text_from_html); the text parts of a multipart/mixed that are not
    attachments are joined with an empty line between them.  Bodies are decoded strictly
    (sq_mail_text_decode): one that is not text in its charset makes the mail
    SQ_MAIL_UNDECODABLE.  Then the parsed headers are still given (the mail is returned,
    without body and attachments), and the adapter keeps the raw message for a person to
    read, keyed by its Message-ID: it never makes half a complaint of it.

    Attachments.  Every part with a file name or "Content-Disposition: attachment", and
    every part that is not text/plain or text/html, is an attachment (a forwarded
    message/rfc822 included, as its bytes).  An attachment larger than
    limits->attachment_max_bytes is listed with too_large set, its size and checksum, and
    no bytes: the complaint can say what was not kept.

    Limits (sq_mail_limits_t) keep a hostile message from costing more than a bounded
    amount of memory and time: the whole message's size is checked before parsing, the
    MIME depth, part count and header sizes while walking it.  Each has its own status, so
    the adapter can refuse with a 5xx and a log line naming the limit.

    Nothing is logged here: the status and its error text go to the caller, which logs
    them once with the connection's or the file's context.

    Without a Message-ID, a message gets the stable key "sha256-" + the hex SHA-256 of its
    normalised content: the raw top-level From, To, Date and Subject values (unfolded,
    whitespace collapsed) and the raw bytes after the header block with CR removed and
    trailing whitespace ignored, so one message read from a file (LF) and delivered over
    LMTP (CRLF), or through two relays that added different Received lines, has one key.
*/
#ifndef SQ_MAIL_H
#define SQ_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    SQ_MAIL_OK = 0,
    SQ_MAIL_TOO_LARGE,         //  the message is over message_max_bytes
    SQ_MAIL_BOMB,              //  MIME nesting over depth_max or more than parts_max parts
    SQ_MAIL_HEADER_TOO_LONG,   //  a header line over header_line_max or a header block
                               //  over header_block_max bytes
    SQ_MAIL_UNDECODABLE,       //  a body that is not text in its charset (the mail is
                               //  still returned, without body, see above)
    SQ_MAIL_MALFORMED,         //  not a message GMime can read, or no From address
} sq_mail_status_t;

typedef struct {
    size_t message_max_bytes;      //  the whole raw message (default 25 MiB)
    size_t attachment_max_bytes;   //  one attachment, decoded (default 10 MiB)
    int depth_max;                 //  MIME nesting: the top-level part is depth 1 (default 20)
    int parts_max;                 //  MIME parts counted over the whole tree (default 500)
    size_t header_line_max;        //  one physical header line, in bytes (default 10,000)
    size_t header_block_max;       //  all header lines of one part (default 256 KiB)
} sq_mail_limits_t;

typedef struct {
    const char *filename;       //  UTF-8; RFC 2231 and encoded-word names decoded;
                                //  "attachment-N" when the part has none
    const char *content_type;   //  e.g. "image/jpeg", lower case
    size_t size;                //  decoded bytes
    char sha256[65];            //  hex of the decoded bytes
    bool too_large;             //  over attachment_max_bytes: bytes is NULL
    const char *bytes;          //  the decoded bytes (size of them), or NULL
} sq_mail_attachment_t;

typedef struct _sq_mail_t sq_mail_t;

//  The default limits, written into limits.
void sq_mail_limits_default(sq_mail_limits_t *limits);

//  GMime's one-time set-up, done by the first parse or compose; thread-safe.  A program
//  may call it at start-up so that the first message is not slower.
void sq_mail_init(void);

//  Parse the raw message bytes[0 .. length) (LF or CRLF line ends) under limits (NULL:
//  the defaults).  On SQ_MAIL_OK, and on SQ_MAIL_UNDECODABLE, *mail is a new mail for the
//  caller to destroy; on any other status *mail is NULL.  When the status is not
//  SQ_MAIL_OK, error (when not NULL) holds a sentence naming what was wrong and the limit.
sq_mail_status_t sq_mail_parse(const char *bytes, size_t length, const sq_mail_limits_t *limits,
                               sq_mail_t **mail, char *error, size_t error_size);

//  Destroy a mail and everything it owns; safe on NULL and twice.
void sq_mail_destroy(sq_mail_t **self_p);

//  The status's name: "ok", "too_large", "bomb", "header_too_long", "undecodable",
//  "malformed".  Static.
const char *sq_mail_status_name(sq_mail_status_t status);

//  The LMTP/SMTP reply a server gives for a mail refused with status, e.g. "552 5.3.4
//  Message too big", or NULL for SQ_MAIL_OK and SQ_MAIL_UNDECODABLE (which are accepted:
//  the latter is kept raw for a person).  Static, without CRLF.
const char *sq_mail_status_reply(sq_mail_status_t status);

//  The Message-ID without angle brackets, or the content key "sha256-<hex>" (see above).
const char *sq_mail_message_id(const sq_mail_t *self);

//  True when the message had no Message-ID and sq_mail_message_id is the content key.
bool sq_mail_message_id_generated(const sq_mail_t *self);

//  The subject, decoded, "" when absent.
const char *sq_mail_subject(const sq_mail_t *self);

//  The From display name, decoded, "" when absent; the From address (never NULL or "").
const char *sq_mail_from_name(const sq_mail_t *self);
const char *sq_mail_from_address(const sq_mail_t *self);

//  The Date header as ISO-8601 with its zone ("2026-12-04T09:30:00+08:00") and as seconds
//  since the epoch, or NULL and 0 when absent or unreadable.
const char *sq_mail_date(const sq_mail_t *self);
int64_t sq_mail_date_epoch(const sq_mail_t *self);

//  In-Reply-To without angle brackets, or NULL.
const char *sq_mail_in_reply_to(const sq_mail_t *self);

//  The Message-IDs of References, without angle brackets, oldest first.
size_t sq_mail_references_count(const sq_mail_t *self);
const char *sq_mail_reference(const sq_mail_t *self, size_t index);

//  True when the mail says a machine sent it: Auto-Submitted other than "no" (RFC 3834),
//  Precedence bulk, junk, list or auto_reply, or X-Autoreply / X-Autorespond.  The adapter
//  does not acknowledge such mail, so that two autoresponders do not answer each other.
bool sq_mail_auto_submitted(const sq_mail_t *self);

//  The body as UTF-8 text (see above): "" when the mail has no text, NULL only when it is
//  SQ_MAIL_UNDECODABLE.  body_is_html is true when the text came from text/html.
const char *sq_mail_body(const sq_mail_t *self);
bool sq_mail_body_is_html(const sq_mail_t *self);

//  The charset the body was decoded from ("UTF-8", "GB18030", "BIG5-HKSCS", ...) of its
//  first text part, or NULL when it has none.  Static or owned by the mail.
const char *sq_mail_body_charset(const sq_mail_t *self);

//  The attachments, in the order of the message.  Borrowed.
size_t sq_mail_attachment_count(const sq_mail_t *self);
const sq_mail_attachment_t *sq_mail_attachment(const sq_mail_t *self, size_t index);

#endif
