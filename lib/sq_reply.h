/*  sq_reply: the answer of a suqiu service, the same for every service: two frames, a
    status like HTTP's ("200", "201", "400", "404", "503") and a JSON object; errors are
    {"error": message[, "field": name]}.  Adapters pass status and JSON on to their callers.
*/
#ifndef SQ_REPLY_H
#define SQ_REPLY_H

#include <czmq.h>
#include <jansson.h>

//  A reply of status and object (consumed: the reply owns it).  Returns the frames (the
//  caller's).
zmsg_t *sq_reply_new(const char *status, json_t *object);

//  An error reply {"error": message} with, when field is not NULL or "", "field": field.
zmsg_t *sq_reply_error(const char *status, const char *field, const char *message);

#endif
