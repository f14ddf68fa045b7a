/*  sq_mail: parse one e-mail message with GMime 3 (see sq_mail.h). */
#include "sq_mail.h"

#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>
#include <openssl/evp.h>

#include "sq_alloc.h"
#include "sq_mail_header.h"
#include "sq_mail_text.h"
#include "sq_utf8.h"

struct _sq_mail_t {
    char *message_id;
    bool message_id_generated;
    char *subject;
    char *from_name;
    char *from_address;
    char *date;
    int64_t date_epoch;
    char *in_reply_to;
    bool auto_submitted;
    char **references;
    size_t references_count;
    char *body;
    bool body_is_html;
    const char *body_charset;   //  static, or points into body_charset_label
    char *body_charset_label;
    sq_mail_attachment_t *attachments;
    size_t attachments_count;
};

void sq_mail_limits_default(sq_mail_limits_t *limits)
{
    limits->message_max_bytes = 25 * 1024 * 1024;
    limits->attachment_max_bytes = 10 * 1024 * 1024;
    limits->depth_max = 20;
    limits->parts_max = 500;
    limits->header_line_max = 10000;
    limits->header_block_max = 256 * 1024;
}

static pthread_once_t s_init_once = PTHREAD_ONCE_INIT;

static void s_init(void)
{
    g_mime_init();
}

void sq_mail_init(void)
{
    pthread_once(&s_init_once, s_init);
}

const char *sq_mail_status_name(sq_mail_status_t status)
{
    switch (status) {
    case SQ_MAIL_OK:
        return "ok";
    case SQ_MAIL_TOO_LARGE:
        return "too_large";
    case SQ_MAIL_BOMB:
        return "bomb";
    case SQ_MAIL_HEADER_TOO_LONG:
        return "header_too_long";
    case SQ_MAIL_UNDECODABLE:
        return "undecodable";
    case SQ_MAIL_MALFORMED:
        return "malformed";
    }
    return "unknown";
}

const char *sq_mail_status_reply(sq_mail_status_t status)
{
    switch (status) {
    case SQ_MAIL_TOO_LARGE:
        return "552 5.3.4 Message too big";
    case SQ_MAIL_BOMB:
        return "554 5.6.0 MIME structure too deep or too many parts";
    case SQ_MAIL_HEADER_TOO_LONG:
        return "554 5.6.0 Header too long";
    case SQ_MAIL_MALFORMED:
        return "554 5.6.0 Malformed message";
    default:
        return NULL;
    }
}

//  --------------------------------------------------------------------------------------
//  Walking the MIME tree

typedef enum {
    S_BODY,     //  text parts make the body, other parts are attachments
    S_ATTACH,   //  a branch of an alternative not chosen: attachments only
    S_COUNT,    //  inside a forwarded message kept whole: only counted and checked
} s_mode_t;

typedef struct {
    sq_mail_t *mail;
    const sq_mail_limits_t *limits;
    sq_mail_status_t status;
    bool undecodable;
    int parts;
    char *error;
    size_t error_size;
    size_t body_length;
    size_t attachments_capacity;
} s_walk_t;

__attribute__((format(printf, 3, 4))) static sq_mail_status_t
s_fail(s_walk_t *walk, sq_mail_status_t status, const char *format, ...)
{
    if (walk->status != SQ_MAIL_OK)
        return walk->status;
    walk->status = status;
    if (walk->error && walk->error_size) {
        va_list args;
        va_start(args, format);
        vsnprintf(walk->error, walk->error_size, format, args);
        va_end(args);
    }
    return status;
}

//  The header lines of object within header_line_max and header_block_max.
static void s_check_headers(s_walk_t *walk, GMimeObject *object)
{
    GMimeHeaderList *list = g_mime_object_get_header_list(object);
    int count = list ? g_mime_header_list_get_count(list) : 0;
    size_t block = 0;
    for (int i = 0; i < count && walk->status == SQ_MAIL_OK; i++) {
        GMimeHeader *header = g_mime_header_list_get_header_at(list, i);
        const char *name = g_mime_header_get_raw_name(header);
        const char *raw = g_mime_header_get_raw_value(header);
        size_t line = strlen(name ? name : "") + 1;
        for (const char *c = raw ? raw : ""; *c; c++) {
            block++;
            if (*c == '\n')
                line = 0;
            else if (++line > walk->limits->header_line_max)
                s_fail(walk, SQ_MAIL_HEADER_TOO_LONG, "header %s has a line over %zu bytes",
                       name, walk->limits->header_line_max);
        }
        block += strlen(name ? name : "") + 1;
        if (block > walk->limits->header_block_max)
            s_fail(walk, SQ_MAIL_HEADER_TOO_LONG, "a header block is over %zu bytes",
                   walk->limits->header_block_max);
    }
}

//  The decoded content of a leaf part (transfer encoding undone), in a memory stream the
//  caller unrefs.
static GMimeStream *s_part_content(GMimePart *part)
{
    GMimeStream *stream = g_mime_stream_mem_new();
    GMimeDataWrapper *content = g_mime_part_get_content(part);
    if (content)
        g_mime_data_wrapper_write_to_stream(content, stream);
    return stream;
}

static GByteArray *s_stream_bytes(GMimeStream *stream)
{
    return g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
}

static bool s_is_text(GMimeObject *object, const char *subtype)
{
    return g_mime_content_type_is_type(g_mime_object_get_content_type(object), "text", subtype);
}

//  A text/plain or text/html part that is part of the body, not a file.
static bool s_is_body_text(GMimePart *part)
{
    GMimeObject *object = GMIME_OBJECT(part);
    if (!s_is_text(object, "plain") && !s_is_text(object, "html"))
        return false;
    if (g_mime_part_get_filename(part))
        return false;
    const char *disposition = g_mime_object_get_disposition(object);
    return !disposition || strcasecmp(disposition, "attachment") != 0;
}

static void s_add_body_text(s_walk_t *walk, GMimePart *part)
{
    GMimeObject *object = GMIME_OBJECT(part);
    GMimeStream *stream = s_part_content(part);
    GByteArray *bytes = s_stream_bytes(stream);
    const char *label = g_mime_object_get_content_type_parameter(object, "charset");
    const char *used = NULL;
    char *text = sq_mail_text_decode((const char *) bytes->data, bytes->len, label, &used);
    g_object_unref(stream);
    if (!text) {
        walk->undecodable = true;
        if (walk->error && walk->error_size && !*walk->error)
            snprintf(walk->error, walk->error_size, "a body part is not text in its charset %s",
                     label ? label : "(none)");
        return;
    }
    bool html = s_is_text(object, "html");
    if (html) {
        char *plain = sq_mail_text_from_html(text, strlen(text));
        free(text);
        text = plain;
    }
    sq_mail_t *mail = walk->mail;
    if (!mail->body_charset) {
        mail->body_charset_label = sq_strdup(used);
        mail->body_charset = mail->body_charset_label;
    }
    mail->body_is_html |= html;
    size_t length = strlen(text);
    if (length == 0) {
        free(text);
        return;
    }
    size_t separator = walk->body_length ? 2 : 0;
    mail->body = sq_realloc(mail->body, walk->body_length + separator + length + 1);
    memcpy(mail->body + walk->body_length, "\n\n", separator);
    memcpy(mail->body + walk->body_length + separator, text, length + 1);
    walk->body_length += separator + length;
    free(text);
}

static void s_sha256_hex(const void *bytes, size_t length, char hex[65])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_length = 0;
    EVP_Digest(bytes, length, digest, &digest_length, EVP_sha256(), NULL);
    for (unsigned int i = 0; i < digest_length && i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    hex[64] = '\0';
}

//  A file name fit to show and to store: UTF-8, one line, without directories.
static char *s_safe_filename(const char *name, size_t index)
{
    if (name) {
        const char *base = name;
        for (const char *c = name; *c; c++)
            if (*c == '/' || *c == '\\')
                base = c + 1;
        if (*base && strcmp(base, ".") != 0 && strcmp(base, "..") != 0
            && sq_utf8_valid(base, strlen(base))) {
            char *copy = sq_strdup(base);
            for (char *c = copy; *c; c++)
                if ((unsigned char) *c < 0x20 || *c == 0x7f)
                    *c = '_';
            return copy;
        }
    }
    char fallback[32];
    snprintf(fallback, sizeof fallback, "attachment-%zu", index + 1);
    return sq_strdup(fallback);
}

static void s_add_attachment(s_walk_t *walk, GMimeObject *object, const char *filename,
                             GByteArray *bytes)
{
    sq_mail_t *mail = walk->mail;
    if (mail->attachments_count == walk->attachments_capacity) {
        walk->attachments_capacity = walk->attachments_capacity ? walk->attachments_capacity * 2 : 4;
        mail->attachments = sq_realloc(mail->attachments,
                                       walk->attachments_capacity * sizeof *mail->attachments);
    }
    sq_mail_attachment_t *attachment = &mail->attachments[mail->attachments_count];
    memset(attachment, 0, sizeof *attachment);
    attachment->filename = s_safe_filename(filename, mail->attachments_count);
    char *type = g_mime_content_type_get_mime_type(g_mime_object_get_content_type(object));
    char *lower = sq_strdup(type ? type : "application/octet-stream");
    g_free(type);
    for (char *c = lower; *c; c++)
        *c = (char) tolower((unsigned char) *c);
    attachment->content_type = lower;
    attachment->size = bytes->len;
    s_sha256_hex(bytes->data, bytes->len, attachment->sha256);
    attachment->too_large = bytes->len > walk->limits->attachment_max_bytes;
    if (!attachment->too_large) {
        char *copy = sq_alloc(bytes->len + 1);
        if (bytes->len)
            memcpy(copy, bytes->data, bytes->len);
        attachment->bytes = copy;
    }
    mail->attachments_count++;
}

static void s_walk(s_walk_t *walk, GMimeObject *object, int depth, s_mode_t mode);

//  The child of a multipart/alternative that gives the body: text/plain, else text/html,
//  else the first multipart (an HTML part with its images in multipart/related); -1 for
//  none of those.
static int s_alternative_choice(GMimeMultipart *multipart)
{
    int count = g_mime_multipart_get_count(multipart);
    int html = -1, nested = -1;
    for (int i = 0; i < count; i++) {
        GMimeObject *child = g_mime_multipart_get_part(multipart, i);
        if (GMIME_IS_PART(child) && s_is_body_text(GMIME_PART(child))) {
            if (s_is_text(child, "plain"))
                return i;
            if (html < 0)
                html = i;
        } else if (GMIME_IS_MULTIPART(child) && nested < 0)
            nested = i;
    }
    return html >= 0 ? html : nested;
}

static void s_walk_multipart(s_walk_t *walk, GMimeMultipart *multipart, int depth, s_mode_t mode)
{
    GMimeContentType *type = g_mime_object_get_content_type(GMIME_OBJECT(multipart));
    int chosen = -1;
    if (mode == S_BODY && g_mime_content_type_is_type(type, "multipart", "alternative"))
        chosen = s_alternative_choice(multipart);
    int count = g_mime_multipart_get_count(multipart);
    for (int i = 0; i < count && walk->status == SQ_MAIL_OK; i++) {
        s_mode_t child_mode = mode == S_BODY && chosen >= 0 && i != chosen ? S_ATTACH : mode;
        s_walk(walk, g_mime_multipart_get_part(multipart, i), depth + 1, child_mode);
    }
}

//  A forwarded message: kept whole as one attachment; its parts are counted and checked.
static void s_walk_message_part(s_walk_t *walk, GMimeMessagePart *part, int depth, s_mode_t mode)
{
    GMimeMessage *inner = g_mime_message_part_get_message(part);
    if (!inner)
        return;
    s_check_headers(walk, GMIME_OBJECT(inner));
    GMimeObject *body = g_mime_message_get_mime_part(inner);
    if (body && walk->status == SQ_MAIL_OK)
        s_walk(walk, body, depth + 1, S_COUNT);
    if (mode == S_COUNT || walk->status != SQ_MAIL_OK)
        return;
    GMimeStream *stream = g_mime_stream_mem_new();
    g_mime_object_write_to_stream(GMIME_OBJECT(inner), NULL, stream);
    const char *filename =
        g_mime_object_get_content_disposition_parameter(GMIME_OBJECT(part), "filename");
    char fallback[40];
    snprintf(fallback, sizeof fallback, "message-%zu.eml", walk->mail->attachments_count + 1);
    s_add_attachment(walk, GMIME_OBJECT(part), filename ? filename : fallback,
                     s_stream_bytes(stream));
    g_object_unref(stream);
}

static void s_walk(s_walk_t *walk, GMimeObject *object, int depth, s_mode_t mode)
{
    if (depth > walk->limits->depth_max) {
        s_fail(walk, SQ_MAIL_BOMB, "MIME parts are nested deeper than %d levels",
               walk->limits->depth_max);
        return;
    }
    if (++walk->parts > walk->limits->parts_max) {
        s_fail(walk, SQ_MAIL_BOMB, "the message has more than %d MIME parts",
               walk->limits->parts_max);
        return;
    }
    s_check_headers(walk, object);
    if (walk->status != SQ_MAIL_OK)
        return;
    if (GMIME_IS_MULTIPART(object))
        s_walk_multipart(walk, GMIME_MULTIPART(object), depth, mode);
    else if (GMIME_IS_MESSAGE_PART(object))
        s_walk_message_part(walk, GMIME_MESSAGE_PART(object), depth, mode);
    else if (GMIME_IS_PART(object)) {
        GMimePart *part = GMIME_PART(object);
        if (s_is_body_text(part)) {
            if (mode == S_BODY)
                s_add_body_text(walk, part);
        } else if (mode != S_COUNT) {
            GMimeStream *stream = s_part_content(part);
            s_add_attachment(walk, object, g_mime_part_get_filename(part), s_stream_bytes(stream));
            g_object_unref(stream);
        }
    }
}

//  --------------------------------------------------------------------------------------
//  Headers

static const char *s_raw_header(GMimeObject *object, const char *name)
{
    GMimeHeaderList *list = g_mime_object_get_header_list(object);
    GMimeHeader *header = list ? g_mime_header_list_get_header(list, name) : NULL;
    return header ? g_mime_header_get_raw_value(header) : NULL;
}

static void s_read_date(sq_mail_t *mail, GMimeMessage *message)
{
    GDateTime *date = g_mime_message_get_date(message);
    if (!date)
        return;
    char *text = g_date_time_format(date, "%Y-%m-%dT%H:%M:%S%:z");
    mail->date = text ? sq_strdup(text) : NULL;
    mail->date_epoch = mail->date ? g_date_time_to_unix(date) : 0;
    g_free(text);
}

//  Add a header value to the content key: unfolded, whitespace collapsed.
static void s_key_add_header(EVP_MD_CTX *context, const char *name, const char *raw)
{
    EVP_DigestUpdate(context, name, strlen(name));
    bool space = false, started = false;
    for (const char *c = raw ? raw : ""; *c; c++) {
        bool blank = *c == ' ' || *c == '\t' || *c == '\r' || *c == '\n';
        if (!blank && space && started)
            EVP_DigestUpdate(context, " ", 1);
        if (!blank)
            EVP_DigestUpdate(context, c, 1);
        started |= !blank;
        space = blank;
    }
    EVP_DigestUpdate(context, "\n", 1);
}

//  The content key of a message without Message-ID (see sq_mail.h).
static char *s_content_key(GMimeMessage *message, const char *bytes, size_t length)
{
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    EVP_DigestInit_ex(context, EVP_sha256(), NULL);
    const char *names[] = {"From", "To", "Date", "Subject"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        s_key_add_header(context, names[i], s_raw_header(GMIME_OBJECT(message), names[i]));
    //  The body: after the first empty line; CRs dropped, trailing whitespace ignored.
    size_t start = length;
    for (size_t i = 0; i + 1 < length; i++)
        if (bytes[i] == '\n' && (bytes[i + 1] == '\n' || (bytes[i + 1] == '\r' && i + 2 < length
                                                          && bytes[i + 2] == '\n'))) {
            start = i + (bytes[i + 1] == '\n' ? 2 : 3);
            break;
        }
    size_t end = length;
    while (end > start && isspace((unsigned char) bytes[end - 1]))
        end--;
    EVP_DigestUpdate(context, "\n", 1);
    for (size_t i = start; i < end;) {
        size_t run = i;
        while (run < end && bytes[run] != '\r')
            run++;
        EVP_DigestUpdate(context, bytes + i, run - i);
        i = run < end ? run + 1 : run;
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_length = 0;
    EVP_DigestFinal_ex(context, digest, &digest_length);
    EVP_MD_CTX_free(context);
    char *key = sq_alloc(7 + 64 + 1);
    memcpy(key, "sha256-", 7);
    for (unsigned int i = 0; i < digest_length && i < 32; i++)
        snprintf(key + 7 + 2 * i, 3, "%02x", digest[i]);
    return key;
}

//  A raw header value without its surrounding whitespace equals one of words (no case).
static bool s_value_is(const char *raw, const char **words, size_t count)
{
    if (!raw)
        return false;
    while (*raw == ' ' || *raw == '\t')
        raw++;
    size_t length = strcspn(raw, " \t\r\n;");
    for (size_t i = 0; i < count; i++)
        if (strlen(words[i]) == length && strncasecmp(raw, words[i], length) == 0)
            return true;
    return false;
}

static bool s_auto_submitted(GMimeObject *object)
{
    const char *no[] = {"no"};
    const char *bulk[] = {"bulk", "junk", "list", "auto_reply"};
    const char *automatic = s_raw_header(object, "Auto-Submitted");
    return (automatic && !s_value_is(automatic, no, 1))
           || s_value_is(s_raw_header(object, "Precedence"), bulk, 4)
           || s_raw_header(object, "X-Autoreply") || s_raw_header(object, "X-Autorespond");
}

static void s_read_headers(sq_mail_t *mail, GMimeMessage *message, GMimeParserOptions *options,
                           const char *bytes, size_t length)
{
    GMimeObject *object = GMIME_OBJECT(message);
    const char *id = g_mime_message_get_message_id(message);
    if (id && *id && sq_utf8_valid(id, strlen(id)))
        mail->message_id = sq_mail_header_one_line(sq_strdup(id));
    if (!mail->message_id || !*mail->message_id) {
        free(mail->message_id);
        mail->message_id = s_content_key(message, bytes, length);
        mail->message_id_generated = true;
    }
    const char *subject = s_raw_header(object, "Subject");
    mail->subject = subject ? sq_mail_header_decode_text(options, subject) : sq_strdup("");
    const char *from = s_raw_header(object, "From");
    if (from)
        sq_mail_header_decode_mailbox(options, from, &mail->from_name, &mail->from_address);
    s_read_date(mail, message);
    mail->auto_submitted = s_auto_submitted(object);
    size_t count = 0;
    char **ids = sq_mail_header_message_ids(options, s_raw_header(object, "In-Reply-To"), &count);
    mail->in_reply_to = count ? ids[0] : NULL;
    for (size_t i = 1; i < count; i++)
        free(ids[i]);
    free(ids);
    mail->references =
        sq_mail_header_message_ids(options, s_raw_header(object, "References"), &mail->references_count);
}

//  --------------------------------------------------------------------------------------

static void s_on_parser_warning(gint64 offset, GMimeParserWarning warning, const gchar *item,
                                gpointer user_data)
{
    (void) offset;
    (void) item;
    if (warning == GMIME_CRIT_NESTING_OVERFLOW)
        *(bool *) user_data = true;
}

static GMimeParserOptions *s_parser_options(bool *nesting_overflow)
{
    GMimeParserOptions *options = g_mime_parser_options_new();
    g_mime_parser_options_set_rfc2047_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_address_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_parameter_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE);
    const char *fallback[] = {"UTF-8", "GB18030", NULL};
    g_mime_parser_options_set_fallback_charsets(options, fallback);
    g_mime_parser_options_set_warning_callback(options, s_on_parser_warning, nesting_overflow);
    return options;
}

static void s_set_error(char *error, size_t size, const char *format, size_t value)
{
    if (error && size)
        snprintf(error, size, format, value);
}

sq_mail_status_t sq_mail_parse(const char *bytes, size_t length, const sq_mail_limits_t *limits,
                               sq_mail_t **mail_p, char *error, size_t error_size)
{
    sq_mail_limits_t defaults;
    if (!limits) {
        sq_mail_limits_default(&defaults);
        limits = &defaults;
    }
    *mail_p = NULL;
    if (error && error_size)
        error[0] = '\0';
    if (length > limits->message_max_bytes) {
        s_set_error(error, error_size, "the message is over %zu bytes", limits->message_max_bytes);
        return SQ_MAIL_TOO_LARGE;
    }
    sq_mail_init();
    bool nesting_overflow = false;
    GMimeParserOptions *options = s_parser_options(&nesting_overflow);
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(bytes, length);
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);
    GMimeMessage *message = g_mime_parser_construct_message(parser, options);
    g_object_unref(parser);
    g_object_unref(stream);

    sq_mail_t *mail = sq_alloc(sizeof *mail);
    s_walk_t walk = {mail, limits, SQ_MAIL_OK, false, 0, error, error_size, 0, 0};
    GMimeObject *top = message ? g_mime_message_get_mime_part(message) : NULL;
    if (!message)
        s_fail(&walk, SQ_MAIL_MALFORMED, "not an e-mail message");
    else if (nesting_overflow)
        s_fail(&walk, SQ_MAIL_BOMB, "MIME parts are nested deeper than %d levels",
               limits->depth_max);
    if (walk.status == SQ_MAIL_OK)
        s_check_headers(&walk, GMIME_OBJECT(message));
    if (walk.status == SQ_MAIL_OK && top)
        s_walk(&walk, top, 1, S_BODY);
    if (walk.status == SQ_MAIL_OK) {
        s_read_headers(mail, message, options, bytes, length);
        if (!mail->from_address)
            s_fail(&walk, SQ_MAIL_MALFORMED, "the message has no From address");
    }
    if (message)
        g_object_unref(message);
    g_mime_parser_options_free(options);
    if (walk.status == SQ_MAIL_OK && walk.undecodable) {
        //  Kept for its headers only: the adapter stores the raw message for a person.
        walk.status = SQ_MAIL_UNDECODABLE;
        free(mail->body);
        mail->body = NULL;
        for (size_t i = 0; i < mail->attachments_count; i++) {
            free((char *) mail->attachments[i].filename);
            free((char *) mail->attachments[i].content_type);
            free((char *) mail->attachments[i].bytes);
        }
        mail->attachments_count = 0;
    } else if (walk.status == SQ_MAIL_OK && !mail->body)
        mail->body = sq_strdup("");
    if (walk.status == SQ_MAIL_OK || walk.status == SQ_MAIL_UNDECODABLE)
        *mail_p = mail;
    else
        sq_mail_destroy(&mail);
    return walk.status;
}

void sq_mail_destroy(sq_mail_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sq_mail_t *self = *self_p;
    free(self->message_id);
    free(self->subject);
    free(self->from_name);
    free(self->from_address);
    free(self->date);
    free(self->in_reply_to);
    for (size_t i = 0; i < self->references_count; i++)
        free(self->references[i]);
    free(self->references);
    free(self->body);
    free(self->body_charset_label);
    for (size_t i = 0; i < self->attachments_count; i++) {
        free((char *) self->attachments[i].filename);
        free((char *) self->attachments[i].content_type);
        free((char *) self->attachments[i].bytes);
    }
    free(self->attachments);
    free(self);
    *self_p = NULL;
}

const char *sq_mail_message_id(const sq_mail_t *self)
{
    return self->message_id;
}

bool sq_mail_message_id_generated(const sq_mail_t *self)
{
    return self->message_id_generated;
}

const char *sq_mail_subject(const sq_mail_t *self)
{
    return self->subject;
}

const char *sq_mail_from_name(const sq_mail_t *self)
{
    return self->from_name ? self->from_name : "";
}

const char *sq_mail_from_address(const sq_mail_t *self)
{
    return self->from_address;
}

const char *sq_mail_date(const sq_mail_t *self)
{
    return self->date;
}

int64_t sq_mail_date_epoch(const sq_mail_t *self)
{
    return self->date_epoch;
}

const char *sq_mail_in_reply_to(const sq_mail_t *self)
{
    return self->in_reply_to;
}

size_t sq_mail_references_count(const sq_mail_t *self)
{
    return self->references_count;
}

const char *sq_mail_reference(const sq_mail_t *self, size_t index)
{
    return index < self->references_count ? self->references[index] : NULL;
}

bool sq_mail_auto_submitted(const sq_mail_t *self)
{
    return self->auto_submitted;
}

const char *sq_mail_body(const sq_mail_t *self)
{
    return self->body;
}

bool sq_mail_body_is_html(const sq_mail_t *self)
{
    return self->body_is_html;
}

const char *sq_mail_body_charset(const sq_mail_t *self)
{
    return self->body_charset;
}

size_t sq_mail_attachment_count(const sq_mail_t *self)
{
    return self->attachments_count;
}

const sq_mail_attachment_t *sq_mail_attachment(const sq_mail_t *self, size_t index)
{
    return index < self->attachments_count ? &self->attachments[index] : NULL;
}
