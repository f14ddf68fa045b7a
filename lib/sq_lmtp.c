/*  sq_lmtp: the LMTP server protocol as a state machine (see sq_lmtp.h). */
#include "sq_lmtp.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sq_alloc.h"

//  A data line is collected up to this many bytes to see whether it is "." or starts with
//  one; a longer line is passed on in pieces.
#define S_DATA_CHUNK 1024
//  What a client may pipeline while a delivery is pending; more is dropped.
#define S_PENDING_MAX (64 * 1024)
//  Bad commands before the session ends with 421.
#define S_ERRORS_MAX 20
#define S_ADDRESS_MAX 256

typedef enum {
    S_START,     //  before LHLO
    S_READY,     //  after LHLO, no transaction
    S_MAIL,      //  after MAIL FROM
    S_RCPT,      //  after at least one accepted RCPT TO
    S_DATA,      //  reading the message
    S_PENDING,   //  the message is with deliver, its answer awaited
    S_CLOSED,    //  after QUIT
} s_state_t;

typedef struct {
    char *data;
    size_t length;
    size_t capacity;
} s_buffer_t;

struct _sq_lmtp_t {
    char *hostname;
    char **accepted;
    size_t accepted_count;
    sq_lmtp_limits_t limits;
    sq_lmtp_deliver_fn deliver;
    void *arg;
    char *greeting;
    s_state_t state;
    int errors;
    //  The transaction
    char *from;
    char **recipients;
    size_t recipients_count;
    size_t pending_count;   //  recipients of the delivery that is pending
    //  The line being read
    s_buffer_t line;
    bool line_too_long;
    //  The message being read
    s_buffer_t message;
    size_t message_size;   //  counted on when too big to keep
    bool message_too_big;
    bool data_mid_line;    //  a long data line was passed on in pieces
    s_buffer_t pending;    //  input that arrived while a delivery was pending
    s_buffer_t out;        //  the replies to send
};

static void s_buffer_add(s_buffer_t *buffer, const char *bytes, size_t length)
{
    if (buffer->length + length + 1 > buffer->capacity) {
        size_t capacity = buffer->capacity ? buffer->capacity : 256;
        while (capacity < buffer->length + length + 1)
            capacity *= 2;
        buffer->data = sq_realloc(buffer->data, capacity);
        buffer->capacity = capacity;
    }
    memcpy(buffer->data + buffer->length, bytes, length);
    buffer->length += length;
    buffer->data[buffer->length] = '\0';
}

static void s_buffer_free(s_buffer_t *buffer)
{
    free(buffer->data);
    memset(buffer, 0, sizeof *buffer);
}

__attribute__((format(printf, 2, 3))) static void s_say(sq_lmtp_t *self, const char *format, ...)
{
    char line[512];
    va_list args;
    va_start(args, format);
    int length = vsnprintf(line, sizeof line - 2, format, args);
    va_end(args);
    if (length < 0)
        return;
    if ((size_t) length > sizeof line - 3)
        length = (int) sizeof line - 3;
    memcpy(line + length, "\r\n", 3);
    s_buffer_add(&self->out, line, (size_t) length + 2);
}

void sq_lmtp_limits_default(sq_lmtp_limits_t *limits)
{
    limits->message_max_bytes = 25 * 1024 * 1024;
    limits->line_max = 512;
    limits->recipients_max = 100;
}

sq_lmtp_t *sq_lmtp_session_new(const char *hostname, const char *const *accepted,
                               const sq_lmtp_limits_t *limits, sq_lmtp_deliver_fn deliver,
                               void *arg)
{
    if (!hostname || !*hostname || !accepted || !deliver)
        return NULL;
    sq_lmtp_t *self = sq_alloc(sizeof *self);
    self->hostname = sq_strdup(hostname);
    while (accepted[self->accepted_count])
        self->accepted_count++;
    self->accepted = sq_alloc((self->accepted_count + 1) * sizeof *self->accepted);
    for (size_t i = 0; i < self->accepted_count; i++)
        self->accepted[i] = sq_strdup(accepted[i]);
    if (limits)
        self->limits = *limits;
    else
        sq_lmtp_limits_default(&self->limits);
    self->deliver = deliver;
    self->arg = arg;
    size_t length = strlen(hostname) + 32;
    self->greeting = sq_alloc(length);
    snprintf(self->greeting, length, "220 %s LMTP ready\r\n", hostname);
    return self;
}

static void s_reset_transaction(sq_lmtp_t *self)
{
    free(self->from);
    self->from = NULL;
    for (size_t i = 0; i < self->recipients_count; i++)
        free(self->recipients[i]);
    free(self->recipients);
    self->recipients = NULL;
    self->recipients_count = 0;
    s_buffer_free(&self->message);
    self->message_size = 0;
    self->message_too_big = false;
    self->data_mid_line = false;
}

void sq_lmtp_session_destroy(sq_lmtp_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sq_lmtp_t *self = *self_p;
    s_reset_transaction(self);
    for (size_t i = 0; i < self->accepted_count; i++)
        free(self->accepted[i]);
    free(self->accepted);
    free(self->hostname);
    free(self->greeting);
    s_buffer_free(&self->line);
    s_buffer_free(&self->pending);
    s_buffer_free(&self->out);
    free(self);
    *self_p = NULL;
}

const char *sq_lmtp_greeting(sq_lmtp_t *self)
{
    return self->greeting;
}

bool sq_lmtp_pending(const sq_lmtp_t *self)
{
    return self->state == S_PENDING;
}

bool sq_lmtp_closed(const sq_lmtp_t *self)
{
    return self->state == S_CLOSED;
}

//  --------------------------------------------------------------------------------------
//  Commands

//  A bad command: the reply, and the session ends when there have been too many.
__attribute__((format(printf, 2, 3))) static void s_error(sq_lmtp_t *self, const char *format, ...)
{
    char line[300];
    va_list args;
    va_start(args, format);
    vsnprintf(line, sizeof line, format, args);
    va_end(args);
    s_say(self, "%s", line);
    if (++self->errors >= S_ERRORS_MAX) {
        s_say(self, "421 4.7.0 %s Too many errors, closing connection", self->hostname);
        self->state = S_CLOSED;
    }
}

//  After "FROM:" or "TO:": <path> [params].  Copies the address (without brackets) into
//  address and returns the parameters after it, or NULL when it is not a path.
static const char *s_path(const char *text, char *address)
{
    while (*text == ' ')
        text++;
    if (*text != '<')
        return NULL;
    const char *end = strchr(text + 1, '>');
    if (!end || (size_t) (end - text - 1) >= S_ADDRESS_MAX)
        return NULL;
    const char *start = text + 1;
    //  A source route (@a,@b:user@host) is ignored, as RFC 5321 allows.
    if (*start == '@') {
        const char *colon = memchr(start, ':', (size_t) (end - start));
        if (colon)
            start = colon + 1;
    }
    for (const char *c = start; c < end; c++)
        if ((unsigned char) *c <= 0x20 || (unsigned char) *c >= 0x7f || *c == '<')
            return NULL;
    memcpy(address, start, (size_t) (end - start));
    address[end - start] = '\0';
    end++;
    if (*end && *end != ' ')
        return NULL;
    return end;
}

static void s_mail(sq_lmtp_t *self, const char *arguments)
{
    if (self->state == S_START) {
        s_error(self, "503 5.5.1 Send LHLO first");
        return;
    }
    if (self->state != S_READY) {
        s_error(self, "503 5.5.1 Nested MAIL command");
        return;
    }
    char address[S_ADDRESS_MAX];
    const char *parameters = strncasecmp(arguments, "FROM:", 5) == 0 ? s_path(arguments + 5, address)
                                                                      : NULL;
    if (!parameters) {
        s_error(self, "501 5.5.2 Syntax: MAIL FROM:<address>");
        return;
    }
    //  SIZE=n and BODY=7BIT|8BITMIME; anything else is not known.
    for (const char *p = parameters; *p;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        size_t length = strcspn(p, " ");
        if (strncasecmp(p, "SIZE=", 5) == 0 && length > 5) {
            uintmax_t size = 0;
            for (size_t i = 5; i < length; i++) {
                if (!isdigit((unsigned char) p[i])) {
                    s_error(self, "501 5.5.4 Bad SIZE parameter");
                    return;
                }
                size = size > UINTMAX_MAX / 10 ? UINTMAX_MAX : size * 10 + (uintmax_t) (p[i] - '0');
            }
            if (size > self->limits.message_max_bytes) {
                s_say(self, "552 5.3.4 Message size exceeds fixed limit of %zu bytes",
                      self->limits.message_max_bytes);
                return;
            }
        } else if (!(length == 9 && strncasecmp(p, "BODY=7BIT", 9) == 0)
                   && !(length == 13 && strncasecmp(p, "BODY=8BITMIME", 13) == 0)) {
            s_error(self, "555 5.5.4 Unsupported parameter %.*s", (int) (length > 40 ? 40 : length), p);
            return;
        }
        p += length;
    }
    self->from = sq_strdup(address);
    self->state = S_MAIL;
    s_say(self, "250 2.1.0 Sender OK");
}

static bool s_accepted(const sq_lmtp_t *self, const char *address)
{
    for (size_t i = 0; i < self->accepted_count; i++)
        if (strcasecmp(self->accepted[i], address) == 0)
            return true;
    return false;
}

static void s_rcpt(sq_lmtp_t *self, const char *arguments)
{
    if (self->state != S_MAIL && self->state != S_RCPT) {
        s_error(self, "503 5.5.1 Send MAIL first");
        return;
    }
    char address[S_ADDRESS_MAX];
    const char *parameters = strncasecmp(arguments, "TO:", 3) == 0 ? s_path(arguments + 3, address)
                                                                    : NULL;
    if (!parameters || !*address) {
        s_error(self, "501 5.5.2 Syntax: RCPT TO:<address>");
        return;
    }
    while (*parameters == ' ')
        parameters++;
    if (*parameters) {
        s_error(self, "555 5.5.4 Unsupported RCPT parameter");
        return;
    }
    if (self->recipients_count >= (size_t) self->limits.recipients_max) {
        s_say(self, "452 4.5.3 Too many recipients");
        return;
    }
    if (!s_accepted(self, address)) {
        s_say(self, "550 5.1.1 <%s> Mailbox unavailable", address);
        return;
    }
    self->recipients =
        sq_realloc(self->recipients, (self->recipients_count + 1) * sizeof *self->recipients);
    self->recipients[self->recipients_count++] = sq_strdup(address);
    self->state = S_RCPT;
    s_say(self, "250 2.1.5 <%s> Recipient OK", address);
}

static void s_data(sq_lmtp_t *self, const char *arguments)
{
    if (*arguments) {
        s_error(self, "501 5.5.4 DATA takes no arguments");
        return;
    }
    if (self->state == S_MAIL) {
        s_error(self, "503 5.5.1 No valid recipients");
        return;
    }
    if (self->state != S_RCPT) {
        s_error(self, "503 5.5.1 Send MAIL and RCPT first");
        return;
    }
    self->state = S_DATA;
    s_buffer_free(&self->message);
    self->message_size = 0;
    self->message_too_big = false;
    self->data_mid_line = false;
    s_say(self, "354 Start mail input; end with <CRLF>.<CRLF>");
}

static void s_lhlo(sq_lmtp_t *self, const char *arguments)
{
    if (!*arguments) {
        s_error(self, "501 5.5.4 Syntax: LHLO hostname");
        return;
    }
    s_reset_transaction(self);
    self->state = S_READY;
    s_say(self, "250-%s", self->hostname);
    s_say(self, "250-PIPELINING");
    s_say(self, "250-ENHANCEDSTATUSCODES");
    s_say(self, "250-8BITMIME");
    s_say(self, "250 SIZE %zu", self->limits.message_max_bytes);
}

static void s_command(sq_lmtp_t *self, char *line)
{
    for (const char *c = line; *c; c++)
        if ((unsigned char) *c < 0x20 || (unsigned char) *c >= 0x7f) {
            s_error(self, "500 5.5.2 Syntax error");
            return;
        }
    size_t verb_length = strcspn(line, " ");
    const char *arguments = line + verb_length;
    while (*arguments == ' ')
        arguments++;
    line[verb_length] = '\0';
    if (strcasecmp(line, "LHLO") == 0)
        s_lhlo(self, arguments);
    else if (strcasecmp(line, "MAIL") == 0)
        s_mail(self, arguments);
    else if (strcasecmp(line, "RCPT") == 0)
        s_rcpt(self, arguments);
    else if (strcasecmp(line, "DATA") == 0)
        s_data(self, arguments);
    else if (strcasecmp(line, "RSET") == 0) {
        s_reset_transaction(self);
        if (self->state != S_START)
            self->state = S_READY;
        s_say(self, "250 2.0.0 OK");
    } else if (strcasecmp(line, "NOOP") == 0)
        s_say(self, "250 2.0.0 OK");
    else if (strcasecmp(line, "VRFY") == 0)
        s_say(self, "252 2.5.0 Cannot VRFY user, but will accept message for delivery");
    else if (strcasecmp(line, "QUIT") == 0) {
        s_say(self, "221 2.0.0 %s closing connection", self->hostname);
        self->state = S_CLOSED;
    } else if (strcasecmp(line, "HELO") == 0 || strcasecmp(line, "EHLO") == 0)
        s_error(self, "500 5.5.1 This is LMTP: send LHLO");
    else
        s_error(self, "500 5.5.1 Command unrecognized");
}

//  --------------------------------------------------------------------------------------
//  Data and delivery

static void s_message_add(sq_lmtp_t *self, const char *bytes, size_t length)
{
    self->message_size += length;
    if (self->message_too_big)
        return;
    if (self->message_size > self->limits.message_max_bytes) {
        self->message_too_big = true;   //  read on to the end, keep nothing
        s_buffer_free(&self->message);
        return;
    }
    s_buffer_add(&self->message, bytes, length);
}

//  The default text of a reply code, with its enhanced status code.
static const char *s_default_text(int code)
{
    switch (code) {
    case 250:
        return "2.0.0 Delivered";
    case 451:
        return "4.3.0 Temporary failure, try again later";
    case 452:
        return "4.3.1 Insufficient system storage";
    case 550:
        return "5.1.1 Mailbox unavailable";
    case 552:
        return "5.3.4 Message too big";
    case 554:
        return "5.6.0 Message refused";
    default:
        return code < 400 ? "2.0.0 OK" : code < 500 ? "4.0.0 Try again later" : "5.0.0 Refused";
    }
}

//  One reply per recipient, in the order of RCPT TO.
static void s_say_replies(sq_lmtp_t *self, const sq_lmtp_reply_t *replies, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        int code = replies[i].code;
        if (code < 200 || code > 599 || (code >= 300 && code < 400))
            code = 451;   //  a code deliver may not give: the MTA tries again
        char text[sizeof replies[i].text];
        snprintf(text, sizeof text, "%s", code == replies[i].code ? replies[i].text : "");
        for (char *c = text; *c; c++)
            if ((unsigned char) *c < 0x20 || *c == 0x7f)
                *c = ' ';
        s_say(self, "%d %s", code, *text ? text : s_default_text(code));
    }
}

static void s_end_of_data(sq_lmtp_t *self)
{
    size_t count = self->recipients_count;
    sq_lmtp_reply_t *replies = sq_alloc(count * sizeof *replies);
    for (size_t i = 0; i < count; i++)
        replies[i].code = self->message_too_big ? 552 : 451;
    sq_lmtp_deliver_result_t result = SQ_LMTP_DONE;
    if (!self->message_too_big) {
        const char *bytes = self->message.data ? self->message.data : "";
        result = self->deliver(self->arg, self->from, (const char *const *) self->recipients,
                               count, bytes, self->message.length, replies);
    }
    s_reset_transaction(self);
    if (result == SQ_LMTP_PENDING) {
        self->state = S_PENDING;
        self->pending_count = count;
    } else {
        s_say_replies(self, replies, count);
        self->state = S_READY;
    }
    free(replies);
}

//  A data line complete (ends_line) or a piece of a long one.  line holds no LF.
static void s_data_line(sq_lmtp_t *self, const char *line, size_t length, bool ends_line)
{
    size_t content = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
    if (ends_line && !self->data_mid_line && content == 1 && line[0] == '.') {
        s_end_of_data(self);
        return;
    }
    if (!self->data_mid_line && length > 0 && line[0] == '.') {
        line++;   //  dot-stuffing undone
        length--;
    }
    s_message_add(self, line, length);
    if (ends_line)
        s_message_add(self, "\n", 1);
    self->data_mid_line = !ends_line;
}

//  --------------------------------------------------------------------------------------
//  Input

//  A segment of input up to (not including) a LF, and whether the LF followed.
static void s_segment(sq_lmtp_t *self, const char *bytes, size_t length, bool ends_line)
{
    if (self->state == S_DATA) {
        s_buffer_add(&self->line, bytes, length);
        if (ends_line || self->line.length > S_DATA_CHUNK) {
            s_data_line(self, self->line.data, self->line.length, ends_line);
            self->line.length = 0;
        }
        return;
    }
    if (!self->line_too_long && self->line.length + length > self->limits.line_max + 1)
        self->line_too_long = true;   //  + 1 for the CR
    if (!self->line_too_long)
        s_buffer_add(&self->line, bytes, length);
    if (!ends_line)
        return;
    if (self->line_too_long)
        s_error(self, "500 5.5.2 Line too long");
    else {
        s_buffer_add(&self->line, "", 0);
        char *line = self->line.data;
        if (self->line.length > 0 && line[self->line.length - 1] == '\r')
            line[--self->line.length] = '\0';
        s_command(self, line);
    }
    self->line.length = 0;
    self->line_too_long = false;
}

static void s_feed(sq_lmtp_t *self, const char *bytes, size_t length)
{
    size_t at = 0;
    while (at < length) {
        if (self->state == S_CLOSED)
            return;
        if (self->state == S_PENDING) {
            size_t room = S_PENDING_MAX - self->pending.length;
            s_buffer_add(&self->pending, bytes + at, length - at < room ? length - at : room);
            return;
        }
        const char *newline = memchr(bytes + at, '\n', length - at);
        size_t end = newline ? (size_t) (newline - bytes) : length;
        s_segment(self, bytes + at, end - at, newline != NULL);
        at = newline ? end + 1 : end;
    }
}

const char *sq_lmtp_feed(sq_lmtp_t *self, const char *bytes, size_t length, size_t *reply_length)
{
    self->out.length = 0;
    s_buffer_add(&self->out, "", 0);
    s_feed(self, bytes, length);
    if (reply_length)
        *reply_length = self->out.length;
    return self->out.data;
}

const char *sq_lmtp_complete(sq_lmtp_t *self, const sq_lmtp_reply_t *replies,
                             size_t *reply_length)
{
    self->out.length = 0;
    s_buffer_add(&self->out, "", 0);
    if (self->state == S_PENDING) {
        s_say_replies(self, replies, self->pending_count);
        self->pending_count = 0;
        self->state = S_READY;
        s_buffer_t pipelined = self->pending;
        memset(&self->pending, 0, sizeof self->pending);
        s_feed(self, pipelined.data, pipelined.length);
        s_buffer_free(&pipelined);
    }
    if (reply_length)
        *reply_length = self->out.length;
    return self->out.data;
}
