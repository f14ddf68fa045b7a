/*  sender: the WeChat adapter's outbound side.  Through lib/sq_outbox_client, what is owed
    on WeChat (the acknowledgement after a spooled message, the departments' replies) is sent
    as customer-service text messages (POST {api_base}/cgi-bin/message/custom/send)
    with an access token from {api_base}/cgi-bin/token, kept until shortly before it expires
    and fetched again when the platform says it is no longer valid, and reports each message
    done or failed with the platform's errcode and errmsg (suqiu.outbox retries with backoff).
*/
#ifndef WECHAT_SENDER_H
#define WECHAT_SENDER_H

#include "sq_config.h"
#include "sq_submit.h"

typedef struct _wechat_sender_t wechat_sender_t;

//  Start the thread.  config and submit are borrowed and must outlive the sender.  NULL
//  (logged) when libcurl cannot be set up.
wechat_sender_t *wechat_sender_new(const sq_config_t *config, sq_submit_t *submit);

//  Stop the thread (a message being sent is finished first) and free; safe on NULL and twice.
void wechat_sender_destroy(wechat_sender_t **self_p);

#endif
