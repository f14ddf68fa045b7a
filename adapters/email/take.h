/*  take: one e-mail into the hub, the one path for LMTP and `suqiu-email ingest`.

    The raw message is parsed (lib/sq_mail.h) and becomes
      - a follow-up of the complaint whose number it carries (In-Reply-To or References
        naming the hub's acknowledgement or reply, or the number in the subject), with its
        attachments, through suqiu.outbox;
      - else a new complaint (external id: the Message-ID without angle brackets), the
        sender's address as where the answers go (extra.reply_to), its attachments kept
        apart; a body longer than limits.content_max_chars is cut there and kept whole as
        an attachment;
      - a mail that cannot be decoded is kept as a complaint that says so, with the raw
        message as its attachment, for a person to read (never half a row).
    Mail that a machine sent (Auto-Submitted, bulk) is accepted and dropped, so that two
    autoresponders do not answer each other.  The answer is the SMTP reply the MTA gets:
    250 only once the hub has committed the mail or the spool holds it, 451 when neither
    could (the MTA tries again), 5xx for a mail refused for good (too large, a MIME bomb,
    unreadable).
*/
#ifndef EMAIL_TAKE_H
#define EMAIL_TAKE_H

#include <stddef.h>

#include "sq_config.h"
#include "sq_submit.h"

typedef struct {
    int code;            //  250, 451, 552, 554
    char text[200];      //  the reply's text after the code, with its enhanced status code
    char number[64];     //  the work order it became or joined, "" when none
} email_take_result_t;

//  Take the message bytes[0 .. length) (borrowed).  config and submit are borrowed.
void email_take(const sq_config_t *config, sq_submit_t *submit, const char *bytes, size_t length,
                email_take_result_t *result);

#endif
