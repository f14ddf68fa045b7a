/*  sender: the e-mail adapter's outbound side.  Through lib/sq_outbox_client, what is owed
    by e-mail (the acknowledgement with the work-order number, then each reply of the
    department) is composed (lib/sq_mail_compose: UTF-8, the number in the subject,
    Message-IDs ack.NUMBER@ / reply.NUMBER.N@ email.ack_domain, In-Reply-To and References
    to the citizen's own message, so the citizen's client shows one conversation) and
    handed to the relay at email.smtp_url by SMTP (libcurl).  A relay that refuses or cannot
    be reached makes the delivery failed for now, with the relay's answer; suqiu.outbox
    tries it again with backoff.
*/
#ifndef EMAIL_SENDER_H
#define EMAIL_SENDER_H

#include "sq_config.h"
#include "sq_submit.h"

typedef struct _email_sender_t email_sender_t;

//  Start sending.  config and submit are borrowed and must outlive the sender.  NULL
//  (logged) when libcurl or the thread cannot start.
email_sender_t *email_sender_new(const sq_config_t *config, sq_submit_t *submit);

//  Stop (a mail being sent is finished first) and free; safe on NULL and twice.
void email_sender_destroy(email_sender_t **self_p);

#endif
