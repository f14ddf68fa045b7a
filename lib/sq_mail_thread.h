/*  sq_mail_thread: which complaint an e-mail belongs to, and the Message-IDs of the hub's own mail.

    The hub's mail to a citizen carries Message-IDs that name the work order:
        ack.NUMBER@ACK_DOMAIN          the acknowledgement (受理回执) with the number
        reply.NUMBER.N@ACK_DOMAIN      the N-th reply of the department (N from 1)
    and the number in its subject ("[12345-20261204-000123] ...").  A citizen's reply
    carries them back in In-Reply-To and References, or at least in "Re: [NUMBER] ...".
    sq_mail_work_order finds the number; the adapter then adds the mail to that complaint
    instead of making a new one.
*/
#ifndef SQ_MAIL_THREAD_H
#define SQ_MAIL_THREAD_H

#include <stdbool.h>
#include <stddef.h>

#include "sq_mail.h"

//  The work-order number a mail answers, written into number (size bytes, 32 are enough).
//  Looked for, in this order: In-Reply-To, then References from the newest back, when they
//  are one of the hub's Message-IDs above at ack_domain (compared without case; NULL: no
//  Message-ID is trusted); then the subject, where a number (sq_number_valid) stands alone
//  (not inside a longer run of letters, digits and dashes).  Returns true when found.
bool sq_mail_work_order(const sq_mail_t *mail, const char *ack_domain, char *number, size_t size);

//  The number in one Message-ID (without angle brackets) of the hub's forms above, or
//  false.  For mail that is not parsed, e.g. a bounce's headers.
bool sq_mail_thread_id_number(const char *message_id, const char *ack_domain, char *number,
                              size_t size);

//  The first number in text standing alone, or false.
bool sq_mail_thread_text_number(const char *text, char *number, size_t size);

//  The Message-ID (without angle brackets) of the acknowledgement of number, and of its
//  reply_index-th reply (from 1).  Return 0, or -1 when number is not a work-order
//  number, the domain is empty or the result does not fit in size.
int sq_mail_ack_id(const char *number, const char *ack_domain, char *id, size_t size);
int sq_mail_reply_id(const char *number, int reply_index, const char *ack_domain, char *id,
                     size_t size);

#endif
