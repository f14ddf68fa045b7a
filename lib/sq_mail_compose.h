/*  sq_mail_compose: the hub's outbound mail to a citizen, built with GMime 3.

    The acknowledgement with the work-order number and each reply of the department go to
    the citizen as one plain-text UTF-8 message, ready for SMTP (CRLF line ends, 7-bit:
    the subject and names as encoded-words where they need it, the body base64 or
    quoted-printable, whichever is shorter).  The Message-ID is the caller's, made with
    sq_mail_ack_id / sq_mail_reply_id, and In-Reply-To and References thread it to the
    citizen's own message and the hub's earlier mail, so the citizen's client shows one
    conversation, and the citizen's answer comes back with the number (sq_mail_thread).
*/
#ifndef SQ_MAIL_COMPOSE_H
#define SQ_MAIL_COMPOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *from_name;       //  UTF-8, e.g. "12345市民热线"; NULL or "" for none
    const char *from_address;    //  required
    const char *to_name;         //  UTF-8; NULL or "" for none
    const char *to_address;      //  required
    const char *subject;         //  UTF-8, required
    const char *work_order;      //  a work-order number: put first in the subject as
                                 //  "[NUMBER] " unless the subject holds it; NULL for none
    int64_t date;                //  seconds since the epoch; 0 for now
    const char *message_id;      //  required, without angle brackets
    const char *in_reply_to;     //  the Message-ID answered, without brackets; NULL
    const char *const *references;   //  earlier Message-IDs, oldest first, NULL-terminated;
                                     //  NULL for none (in_reply_to is added at the end
                                     //  when not among them)
    bool auto_submitted;         //  "Auto-Submitted: auto-replied" (RFC 3834), so that
                                 //  autoresponders do not answer the acknowledgement
    const char *body;            //  UTF-8 text, LF or CRLF line ends, required
} sq_mail_outgoing_t;

//  The message as bytes (NUL-terminated; *length set when length is not NULL), for the
//  caller to free, or NULL with a log line when a required field is missing, a text is
//  not UTF-8, a header field holds a line break or an address or Message-ID is not one.
char *sq_mail_compose(const sq_mail_outgoing_t *out, size_t *length);

#endif
