/*  email: the e-mail channel (suqiu-email): complaints by mail, the answers back by mail.

    suqiu-email [-c FILE]                  an LMTP server (RFC 2033) on email.lmtp_address:
                                           email.lmtp_port for the city's MTA, one reply per
                                           accepted recipient (lmtp_server.h)
    suqiu-email [-c FILE] ingest PATH...   each file (one message, .eml) or Maildir (its
                                           new/ and cur/ messages) taken as if delivered;
                                           prints what became of each (no spool: a file
                                           not taken now is taken when it runs again)
    Each message goes the one way of take.h: a new complaint, a follow-up of the one whose
    number it carries, or kept raw when it cannot be decoded; 250 only once committed or
    spooled.  The acknowledgement with the number and the departments' replies go out by
    SMTP to email.smtp_url (sender.h).
*/
#ifndef EMAIL_H
#define EMAIL_H

#include "sq_config.h"

typedef struct _email_t email_t;

//  Open the spool, start the sender and, with listen, the LMTP server.  config is borrowed
//  for the object's life.  NULL (logged) when any of that fails.
email_t *email_new(const sq_config_t *config, bool listen);

//  Take the messages of path (a file, or a Maildir), printing one line for each to stdout.
//  Returns how many could not be taken for now (451: run it again later) or were refused.
int email_ingest(email_t *self, const char *path);

//  Stop and free; safe on NULL and twice.
void email_destroy(email_t **self_p);

#endif
