/*  sq_mail_compose: outbound mail built with GMime 3 (see sq_mail_compose.h). */
#include "sq_mail_compose.h"

#include <string.h>

#include <gmime/gmime.h>

#include "sq_alloc.h"
#include "sq_log.h"
#include "sq_mail.h"
#include "sq_utf8.h"

//  A header value the caller gave: UTF-8 without line breaks or other controls.
static bool s_header_ok(const char *value)
{
    if (!value || !sq_utf8_valid(value, strlen(value)))
        return false;
    for (const char *c = value; *c; c++)
        if ((unsigned char) *c < 0x20 || *c == 0x7f)
            return false;
    return true;
}

//  An address or a Message-ID: local@domain in printable ASCII, no spaces or brackets.
static bool s_id_ok(const char *value)
{
    if (!value || !*value || strlen(value) > 255)
        return false;
    const char *at = strchr(value, '@');
    if (!at || at == value || !at[1] || strchr(at + 1, '@'))
        return false;
    for (const char *c = value; *c; c++)
        if ((unsigned char) *c <= 0x20 || (unsigned char) *c >= 0x7f || strchr("<>()[],;:\\\"", *c))
            return false;
    return true;
}

static const char *s_problem(const sq_mail_outgoing_t *out)
{
    if (!s_id_ok(out->from_address))
        return "from_address is not an address";
    if (!s_id_ok(out->to_address))
        return "to_address is not an address";
    if (!s_id_ok(out->message_id))
        return "message_id is not a Message-ID (local@domain, without angle brackets)";
    if (out->in_reply_to && !s_id_ok(out->in_reply_to))
        return "in_reply_to is not a Message-ID";
    for (const char *const *id = out->references; id && *id; id++)
        if (!s_id_ok(*id))
            return "a reference is not a Message-ID";
    if (!out->subject || !*out->subject || !s_header_ok(out->subject))
        return "subject is missing, not UTF-8 or holds a line break";
    if ((out->from_name && !s_header_ok(out->from_name))
        || (out->to_name && !s_header_ok(out->to_name)))
        return "a name is not UTF-8 or holds a line break";
    if (out->work_order && !s_header_ok(out->work_order))
        return "work_order holds a line break";
    if (!out->body || !sq_utf8_valid(out->body, strlen(out->body)))
        return "body is missing or not UTF-8";
    return NULL;
}

static char *s_subject(const sq_mail_outgoing_t *out)
{
    if (!out->work_order || !*out->work_order || strstr(out->subject, out->work_order))
        return sq_strdup(out->subject);
    size_t length = strlen(out->work_order) + strlen(out->subject) + 4;
    char *subject = sq_alloc(length);
    snprintf(subject, length, "[%s] %s", out->work_order, out->subject);
    return subject;
}

//  The subject as the raw header value GMime writes: its ASCII words before the first
//  other character as they are (the "[NUMBER]" stays readable in the raw mail), the rest as
//  UTF-8 base64 encoded-words of at most 75 characters (RFC 2047 section 2) on folded
//  lines.  GMime 3.2 would write one word as long as the longest run without spaces, which
//  Chinese text is.  Returns NULL for an ASCII subject (GMime writes it), else g_free it.
static char *s_encoded_subject(const char *subject)
{
    const char *first = subject;
    while (*first && (unsigned char) *first < 0x80)
        first++;
    if (!*first)
        return NULL;
    GString *raw = g_string_new(" ");
    const char *chunk = subject;
    for (const char *c = subject; c < first; c++)
        if (*c == ' ')
            chunk = c + 1;
    if (chunk > subject)   //  "[NUMBER]", the space before the words becomes the fold
        g_string_append_len(raw, subject, chunk - 1 - subject);
    while (*chunk) {
        //  45 bytes make 60 base64 characters: "=?UTF-8?B?" + 60 + "?=" is 72.
        const char *end = chunk;
        while (*end) {
            const char *next = end + 1;
            while ((*next & 0xC0) == 0x80)
                next++;
            if (next - chunk > 45)
                break;
            end = next;
        }
        gchar *encoded = g_base64_encode((const guchar *) chunk, (gsize) (end - chunk));
        g_string_append_printf(raw, "%s=?UTF-8?B?%s?=", raw->len > 1 ? "\n " : "", encoded);
        g_free(encoded);
        chunk = end;
    }
    g_string_append_c(raw, '\n');
    return g_string_free(raw, FALSE);
}

//  "<a> <b> ... <in_reply_to>": the references, then the message answered.
static char *s_references(const sq_mail_outgoing_t *out)
{
    GString *text = g_string_new(NULL);
    bool answered_listed = false;
    for (const char *const *id = out->references; id && *id; id++) {
        g_string_append_printf(text, "%s<%s>", text->len ? " " : "", *id);
        answered_listed |= out->in_reply_to && strcmp(*id, out->in_reply_to) == 0;
    }
    if (out->in_reply_to && !answered_listed)
        g_string_append_printf(text, "%s<%s>", text->len ? " " : "", out->in_reply_to);
    char *result = sq_strdup(text->str);
    g_string_free(text, TRUE);
    return result;
}

//  The body as a text/plain part in UTF-8, its lines ended with CRLF (text's canonical form).
static GMimePart *s_body_part(const char *body)
{
    GString *canonical = g_string_sized_new(strlen(body) + 64);
    for (const char *c = body; *c; c++) {
        if (*c == '\r')
            continue;
        if (*c == '\n')
            g_string_append_c(canonical, '\r');
        g_string_append_c(canonical, *c);
    }
    if (canonical->len && canonical->str[canonical->len - 1] != '\n')
        g_string_append(canonical, "\r\n");
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(canonical->str, canonical->len);
    g_string_free(canonical, TRUE);
    GMimeDataWrapper *content =
        g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);
    g_object_unref(stream);
    GMimePart *part = g_mime_part_new_with_type("text", "plain");
    g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset", "utf-8");
    g_mime_part_set_content(part, content);
    g_object_unref(content);
    g_mime_part_set_content_encoding(
        part, g_mime_part_get_best_content_encoding(part, GMIME_ENCODING_CONSTRAINT_7BIT));
    return part;
}

char *sq_mail_compose(const sq_mail_outgoing_t *out, size_t *length)
{
    const char *problem = s_problem(out);
    if (problem) {
        sq_warn("mail compose: refused: %s", problem);
        return NULL;
    }
    sq_mail_init();
    GMimeMessage *message = g_mime_message_new(TRUE);
    GMimeObject *object = GMIME_OBJECT(message);
    g_mime_message_add_mailbox(message, GMIME_ADDRESS_TYPE_FROM,
                               out->from_name ? out->from_name : "", out->from_address);
    g_mime_message_add_mailbox(message, GMIME_ADDRESS_TYPE_TO, out->to_name ? out->to_name : "",
                               out->to_address);
    char *subject = s_subject(out);
    g_mime_message_set_subject(message, subject, "utf-8");
    char *raw_subject = s_encoded_subject(subject);
    if (raw_subject)
        g_mime_header_set_raw_value(
            g_mime_header_list_get_header(g_mime_object_get_header_list(object), "Subject"),
            raw_subject);
    g_free(raw_subject);
    free(subject);
    GDateTime *date = out->date ? g_date_time_new_from_unix_local(out->date)
                                : g_date_time_new_now_local();
    g_mime_message_set_date(message, date);
    g_date_time_unref(date);
    g_mime_message_set_message_id(message, out->message_id);
    if (out->in_reply_to) {
        char *answered = g_strdup_printf("<%s>", out->in_reply_to);
        g_mime_object_set_header(object, "In-Reply-To", answered, NULL);
        g_free(answered);
    }
    char *references = s_references(out);
    if (*references)
        g_mime_object_set_header(object, "References", references, NULL);
    free(references);
    if (out->auto_submitted)
        g_mime_object_set_header(object, "Auto-Submitted", "auto-replied", NULL);
    GMimePart *body = s_body_part(out->body);
    g_mime_message_set_mime_part(message, GMIME_OBJECT(body));
    g_object_unref(body);

    GMimeFormatOptions *format = g_mime_format_options_new();
    g_mime_format_options_set_newline_format(format, GMIME_NEWLINE_FORMAT_DOS);
    char *text = g_mime_object_to_string(object, format);
    g_mime_format_options_free(format);
    g_object_unref(message);
    char *result = sq_strdup(text ? text : "");
    g_free(text);
    if (length)
        *length = strlen(result);
    return result;
}
