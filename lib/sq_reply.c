/*  sq_reply: status + JSON replies of suqiu services (see sq_reply.h). */
#include "sq_reply.h"

zmsg_t *sq_reply_new(const char *status, json_t *object)
{
    char *text = json_dumps(object, JSON_COMPACT);
    json_decref(object);
    zmsg_t *reply = zmsg_new();
    zmsg_addstr(reply, status);
    zmsg_addstr(reply, text ? text : "{}");
    free(text);
    return reply;
}

zmsg_t *sq_reply_error(const char *status, const char *field, const char *message)
{
    json_t *object = json_pack("{s:s}", "error", message);
    if (field && *field)
        json_object_set_new(object, "field", json_string(field));
    return sq_reply_new(status, object);
}
