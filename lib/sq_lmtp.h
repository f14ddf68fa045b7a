/*  sq_lmtp: the server side of LMTP (RFC 2033) as a state machine over bytes, no sockets.

    An MTA (Postfix, Exim) delivers a mailbox such as 12345@city.example to the e-mail
    adapter over LMTP.  The adapter owns the connection: it sends sq_lmtp_greeting, feeds
    every byte it reads to sq_lmtp_feed, and writes back what that returns.  The session
    does the protocol:
        LHLO host         250-hostname, 250-PIPELINING, 250-ENHANCEDSTATUSCODES,
                          250-8BITMIME, 250 SIZE n  (HELO and EHLO are refused: LMTP)
        MAIL FROM:<a> [SIZE=n] [BODY=7BIT|8BITMIME]   552 when SIZE is over the limit
        RCPT TO:<a>       250 for an accepted address (no case), 550 for others, 452 past
                          recipients_max
        DATA              354, then the message up to a line ".", dot-unstuffed; past
                          message_max_bytes the rest is read and thrown away
        RSET NOOP VRFY QUIT    250 250 252 221
    and answers 503 to a command out of order, 500 to one it does not know and to a line
    over line_max bytes, 501 to bad arguments.  Commands may be pipelined: several in one
    read give their replies together, in order.

    At the end of DATA the session calls deliver once with the sender, the accepted
    recipients and the message (CRLF line ends as sent), and answers ONE reply per
    accepted recipient, as RFC 2033 requires: whatever deliver set for each (250 only
    after the message is committed or spooled; 451 when the hub could not take it now, so
    the MTA retries; 550/552/554 to refuse it).  A message over the size limit is not
    given to deliver: every recipient gets 552.

    deliver may answer at once (synchronous: return SQ_LMTP_DONE with replies set) or
    later (return SQ_LMTP_PENDING, then call sq_lmtp_complete with the replies when the
    hub has answered): while pending, the session keeps what the client pipelines after
    the message and answers it after the replies.
*/
#ifndef SQ_LMTP_H
#define SQ_LMTP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    size_t message_max_bytes;   //  the message after dot-unstuffing (default 25 MiB);
                                //  advertised as SIZE
    size_t line_max;            //  a command line without CRLF (default 512)
    int recipients_max;         //  per transaction (default 100)
} sq_lmtp_limits_t;

//  The reply for one recipient: an SMTP code (250, 451, 452, 550, 552, 554) and a text
//  after it (one line, without CRLF; "" for the default text of the code, with its
//  enhanced status code).
typedef struct {
    int code;
    char text[200];
} sq_lmtp_reply_t;

typedef enum {
    SQ_LMTP_DONE = 0,      //  replies[] is set
    SQ_LMTP_PENDING = 1,   //  the answer follows with sq_lmtp_complete
} sq_lmtp_deliver_result_t;

//  Called at the end of DATA.  from is the reverse path ("" for a bounce), recipients the
//  accepted addresses (count of them, as the client wrote them), bytes the message.  All
//  borrowed for the call (for SQ_LMTP_PENDING: copy what is needed).  Set replies[i] for
//  each recipient (they start as 451) and return SQ_LMTP_DONE, or return SQ_LMTP_PENDING.
typedef sq_lmtp_deliver_result_t (*sq_lmtp_deliver_fn)(void *arg, const char *from,
                                                        const char *const *recipients,
                                                        size_t count, const char *bytes,
                                                        size_t length, sq_lmtp_reply_t *replies);

typedef struct _sq_lmtp_t sq_lmtp_t;

//  The default limits, written into limits.
void sq_lmtp_limits_default(sq_lmtp_limits_t *limits);

//  A new session for one connection.  hostname is named in the greeting and LHLO;
//  accepted is the NULL-terminated list of addresses mail is taken for (copied); limits
//  NULL for the defaults.  deliver(arg, ...) is called at the end of each DATA.  Returns
//  the session (the caller destroys it) or NULL when an argument is missing.
sq_lmtp_t *sq_lmtp_session_new(const char *hostname, const char *const *accepted,
                               const sq_lmtp_limits_t *limits, sq_lmtp_deliver_fn deliver,
                               void *arg);

//  Destroy a session; safe on NULL and twice.
void sq_lmtp_session_destroy(sq_lmtp_t **self_p);

//  The greeting to send first, "220 hostname LMTP ready\r\n".  Borrowed.
const char *sq_lmtp_greeting(sq_lmtp_t *self);

//  Feed bytes read from the connection: any part of the stream (a line, several, or part
//  of one; CRLF or LF line ends).  Returns the reply text to send for the lines completed
//  (CRLF-terminated lines, several when pipelined, "" for none), borrowed until the next
//  call on the session; *reply_length is set when not NULL.
const char *sq_lmtp_feed(sq_lmtp_t *self, const char *bytes, size_t length, size_t *reply_length);

//  The answer to a delivery that was SQ_LMTP_PENDING: replies[] as deliver would have set
//  them (count of the recipients).  Returns the reply text as sq_lmtp_feed does, with the
//  replies to what was pipelined meanwhile; "" when nothing is pending.
const char *sq_lmtp_complete(sq_lmtp_t *self, const sq_lmtp_reply_t *replies,
                             size_t *reply_length);

//  True while a delivery waits for sq_lmtp_complete.
bool sq_lmtp_pending(const sq_lmtp_t *self);

//  True after QUIT was answered: the adapter sends the reply, then closes.
bool sq_lmtp_closed(const sq_lmtp_t *self);

#endif
