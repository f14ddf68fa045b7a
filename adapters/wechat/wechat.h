/*  wechat: the WeChat Official Account's message callback (suqiu-wechat), the server side of
    the platform's 消息推送 protocol (lib/sq_wechat.h), on wechat.address:wechat.port.

    GET  {path}?signature&timestamp&nonce&echostr   the platform's check: echostr back when
                                                    the signature is the account's token's
    POST {path}?signature&timestamp&nonce[&encrypt_type=aes&msg_signature]
         a message, in plaintext, compatible or safe mode; answered with a passive reply (XML,
         encrypted and signed in safe mode) within the platform's 5 seconds:
           text, image, location  a new complaint (external id: MsgId), or added to the one
                                  the sender opened in the last wechat.follow_minutes; the
                                  reply gives the work-order number, or, when the hub could
                                  not commit in time, a receipt from the spool (the number
                                  follows by customer-service message)
           a work-order number    its state and the department's reply, when there is one
           subscribe              how to complain
         The platform retries a message up to three times: the MsgId (for events
         FromUserName + CreateTime) makes them one.
    Refused with a log line and nothing stored: a bad signature or msg_signature, a wrong
    appid, a timestamp outside wechat.replay_window_s (401); XML that is truncated, hostile
    (DOCTYPE, entities) or too large (400, 413).
    A thread (sender.c) sends what suqiu.outbox says is owed on WeChat (the number after a
    spooled message, the departments' replies) with message/custom/send.
*/
#ifndef WECHAT_H
#define WECHAT_H

#include "sq_config.h"

typedef struct _wechat_t wechat_t;

//  Check the account's keys, open the spool, start the sender and listen.  config is
//  borrowed for the object's life.  NULL (logged) when any of that fails.
wechat_t *wechat_new(const sq_config_t *config);

//  Stop and free; safe on NULL and twice.
void wechat_destroy(wechat_t **self_p);

#endif
