/*  sq_wechat_xml: the WeChat callback's messages parsed with libxml2, and its passive
    replies written (see sq_wechat.h).

    The parser gets no chance to do anything dangerous: the bytes are checked for size and
    UTF-8 before it sees them, it is told to ignore any encoding declaration and never to
    use the network, it does not substitute entities or load DTDs, and its SAX handler for
    a DOCTYPE stops it before the internal subset is read.  A document without a DOCTYPE
    can declare no entity, so a billion laughs or an external entity cannot even start.
*/
#include "sq_wechat.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sq_alloc.h"
#include "sq_utf8.h"

static void s_fail(char *error, size_t error_size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void s_fail(char *error, size_t error_size, const char *format, ...)
{
    if (!error || error_size == 0)
        return;
    va_list args;
    va_start(args, format);
    vsnprintf(error, error_size, format, args);
    va_end(args);
}

//  The fields a message may have, where they go, and their longest text in bytes.
static const struct {
    const char *name;
    size_t offset;
    size_t max;
    bool digits;   //  decimal digits only
} s_fields[] = {
    {"ToUserName", offsetof(sq_wechat_message_t, to_user_name), 64, false},
    {"FromUserName", offsetof(sq_wechat_message_t, from_user_name), 64, false},
    {"CreateTime", offsetof(sq_wechat_message_t, create_time), 18, true},
    {"MsgType", offsetof(sq_wechat_message_t, msg_type), 32, false},
    {"Content", offsetof(sq_wechat_message_t, content), 16 * 1024, false},
    {"MsgId", offsetof(sq_wechat_message_t, msg_id), 20, true},
    {"PicUrl", offsetof(sq_wechat_message_t, pic_url), 2048, false},
    {"MediaId", offsetof(sq_wechat_message_t, media_id), 256, false},
    {"Format", offsetof(sq_wechat_message_t, format), 32, false},
    {"Location_X", offsetof(sq_wechat_message_t, location_x), 32, false},
    {"Location_Y", offsetof(sq_wechat_message_t, location_y), 32, false},
    {"Scale", offsetof(sq_wechat_message_t, scale), 16, false},
    {"Label", offsetof(sq_wechat_message_t, label), 1024, false},
    {"Event", offsetof(sq_wechat_message_t, event), 64, false},
    {"EventKey", offsetof(sq_wechat_message_t, event_key), 1024, false},
    {"Encrypt", offsetof(sq_wechat_message_t, encrypt), SQ_WECHAT_XML_MAX, false},
};
#define S_FIELDS (sizeof s_fields / sizeof s_fields[0])

static char **s_slot(sq_wechat_message_t *message, size_t field)
{
    return (char **) ((char *) message + s_fields[field].offset);
}

//  ---------------------------------------------------------------------------------------
//  Parsing

//  The SAX handler for <!DOCTYPE ...> (and an external subset): stop before anything of
//  it is read.
static void s_refuse_doctype(void *context, const xmlChar *name, const xmlChar *external_id,
                             const xmlChar *system_id)
{
    (void) name, (void) external_id, (void) system_id;
    xmlParserCtxtPtr parser = context;
    *(bool *) parser->_private = true;
    xmlStopParser(parser);
}

//  The tree of xml[0 .. length), or NULL with error filled.
static xmlDocPtr s_read(const char *xml, size_t length, char *error, size_t error_size)
{
    xmlParserCtxtPtr parser = xmlCreateMemoryParserCtxt(xml, (int) length);
    if (!parser) {
        s_fail(error, error_size, "libxml2 cannot make a parser");
        return NULL;
    }
    bool doctype = false;
    parser->_private = &doctype;
    parser->sax->internalSubset = s_refuse_doctype;
    parser->sax->externalSubset = s_refuse_doctype;
    xmlCtxtUseOptions(parser, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING
                                  | XML_PARSE_IGNORE_ENC);
    xmlParseDocument(parser);
    xmlDocPtr doc = parser->myDoc;
    parser->myDoc = NULL;
    if (doctype)
        s_fail(error, error_size, "a DOCTYPE is not accepted (no DTD, no entities)");
    else if (!parser->wellFormed || !doc) {
        const xmlError *last = xmlCtxtGetLastError(parser);
        const char *message = last && last->message ? last->message : "not well-formed\n";
        int line = last ? last->line : 0;
        s_fail(error, error_size, "not well-formed XML (line %d): %.*s", line,
               (int) strcspn(message, "\n"), message);
    }
    if (doctype || !parser->wellFormed) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    xmlFreeParserCtxt(parser);
    return doc;
}

//  0 when no element of the tree under root (depth 1) is deeper than SQ_WECHAT_DEPTH_MAX
//  and none is an entity reference; -1 with error filled.  Walks without recursion.
static int s_check_tree(xmlNodePtr root, char *error, size_t error_size)
{
    xmlNodePtr node = root;
    int depth = 1;
    while (node) {
        if (node->type == XML_ENTITY_REF_NODE || node->type == XML_ENTITY_NODE) {
            s_fail(error, error_size, "an entity reference is not accepted");
            return -1;
        }
        if (node->type == XML_ELEMENT_NODE && depth > SQ_WECHAT_DEPTH_MAX) {
            s_fail(error, error_size, "elements nest deeper than %d", SQ_WECHAT_DEPTH_MAX);
            return -1;
        }
        if (node->children && node->type == XML_ELEMENT_NODE) {
            node = node->children;
            depth++;
            continue;
        }
        while (node != root && !node->next) {
            node = node->parent;
            depth--;
        }
        node = node == root ? NULL : node->next;
    }
    return 0;
}

//  The text of element (its text and CDATA children), a new string, or NULL with error
//  filled when it holds elements or is longer than max.
static char *s_field_text(xmlNodePtr element, const char *name, size_t max, char *error,
                          size_t error_size)
{
    size_t length = 0;
    for (xmlNodePtr child = element->children; child; child = child->next) {
        if (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE)
            length += child->content ? strlen((const char *) child->content) : 0;
        else if (child->type != XML_COMMENT_NODE && child->type != XML_PI_NODE) {
            s_fail(error, error_size, "%s must hold text, not elements", name);
            return NULL;
        }
    }
    if (length > max) {
        s_fail(error, error_size, "%s is %zu bytes, longer than the %zu accepted", name, length,
               max);
        return NULL;
    }
    char *text = sq_alloc(length + 1);
    size_t at = 0;
    for (xmlNodePtr child = element->children; child; child = child->next)
        if ((child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE)
            && child->content) {
            size_t size = strlen((const char *) child->content);
            memcpy(text + at, child->content, size);
            at += size;
        }
    text[at] = 0;
    return text;
}

//  Fill message from the children of root.  Returns 0, or -1 with error filled.
static int s_take_fields(xmlNodePtr root, sq_wechat_message_t *message, char *error,
                         size_t error_size)
{
    for (xmlNodePtr child = root->children; child; child = child->next) {
        if (child->type != XML_ELEMENT_NODE || child->ns)
            continue;
        size_t field = 0;
        while (field < S_FIELDS && strcmp((const char *) child->name, s_fields[field].name))
            field++;
        if (field == S_FIELDS)
            continue;   //  a field suqiu does not use
        const char *name = s_fields[field].name;
        if (*s_slot(message, field)) {
            s_fail(error, error_size, "%s is given twice", name);
            return -1;
        }
        char *text = s_field_text(child, name, s_fields[field].max, error, error_size);
        if (!text)
            return -1;
        *s_slot(message, field) = text;
        if (s_fields[field].digits && (!*text || text[strspn(text, "0123456789")])) {
            s_fail(error, error_size, "%s must be decimal digits", name);
            return -1;
        }
    }
    if (!message->encrypt && (!message->to_user_name || !message->from_user_name
                              || !message->create_time || !message->msg_type)) {
        s_fail(error, error_size, "neither an encrypted envelope (Encrypt) nor a message "
               "(ToUserName, FromUserName, CreateTime and MsgType)");
        return -1;
    }
    return 0;
}

int sq_wechat_parse(const char *xml, size_t length, sq_wechat_message_t *message,
                    char *error, size_t error_size)
{
    memset(message, 0, sizeof *message);
    if (!xml || length == 0) {
        s_fail(error, error_size, "the document is empty");
        return -1;
    }
    if (length > SQ_WECHAT_XML_MAX) {
        s_fail(error, error_size, "the document is %zu bytes, more than the %d accepted", length,
               SQ_WECHAT_XML_MAX);
        return -1;
    }
    size_t bad = sq_utf8_bad_offset(xml, length);
    if (bad < length) {
        s_fail(error, error_size, "the document is not valid UTF-8 (byte %zu)", bad);
        return -1;
    }
    xmlDocPtr doc = s_read(xml, length, error, error_size);
    if (!doc)
        return -1;
    int rc = -1;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (doc->intSubset || doc->extSubset)
        s_fail(error, error_size, "a DOCTYPE is not accepted (no DTD, no entities)");
    else if (!root || root->ns || strcmp((const char *) root->name, "xml") != 0)
        s_fail(error, error_size, "the root element must be <xml>");
    else if (s_check_tree(root, error, error_size) == 0)
        rc = s_take_fields(root, message, error, error_size);
    xmlFreeDoc(doc);
    if (rc != 0)
        sq_wechat_message_free(message);
    return rc;
}

void sq_wechat_message_free(sq_wechat_message_t *message)
{
    if (!message)
        return;
    for (size_t field = 0; field < S_FIELDS; field++) {
        free(*s_slot(message, field));
        *s_slot(message, field) = NULL;
    }
}

int sq_wechat_dedupe_key(const sq_wechat_message_t *message, char *out, size_t out_size)
{
    static const char allowed[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                  "0123456789._:-";
    int written;
    if (message->msg_id && *message->msg_id)
        written = snprintf(out, out_size, "%s", message->msg_id);
    else if (message->from_user_name && *message->from_user_name && message->create_time
             && *message->create_time)
        written = snprintf(out, out_size, "%s-%s", message->from_user_name,
                           message->create_time);
    else
        return -1;
    if (written < 0 || (size_t) written >= out_size || written > 128
        || out[strspn(out, allowed)]) {
        if (out_size)
            *out = 0;
        return -1;
    }
    return 0;
}

//  ---------------------------------------------------------------------------------------
//  Writing replies

typedef struct {
    char *data;
    size_t length;
    size_t size;
} s_buffer_t;

static void s_put(s_buffer_t *buffer, const char *bytes, size_t count)
{
    if (buffer->length + count + 1 > buffer->size) {
        size_t size = buffer->size ? buffer->size : 256;
        while (size < buffer->length + count + 1)
            size *= 2;
        buffer->data = sq_realloc(buffer->data, size);
        buffer->size = size;
    }
    memcpy(buffer->data + buffer->length, bytes, count);
    buffer->length += count;
    buffer->data[buffer->length] = 0;
}

static void s_puts(s_buffer_t *buffer, const char *text)
{
    s_put(buffer, text, strlen(text));
}

//  text in a CDATA section; each "]]>" inside ends one section after "]]" and starts the
//  next with ">", the only way to carry it.
static void s_put_cdata(s_buffer_t *buffer, const char *text)
{
    s_puts(buffer, "<![CDATA[");
    const char *end;
    while ((end = strstr(text, "]]>"))) {
        s_put(buffer, text, (size_t) (end - text) + 2);
        s_puts(buffer, "]]><![CDATA[");
        text = end + 2;
    }
    s_puts(buffer, text);
    s_puts(buffer, "]]>");
}

//  True when text can be carried in XML 1.0: UTF-8, no controls but tab, newline and
//  carriage return, no U+FFFE or U+FFFF.
static bool s_carried(const char *text)
{
    if (!text || !sq_utf8_valid(text, strlen(text)))
        return false;
    for (const unsigned char *at = (const unsigned char *) text; *at; at++) {
        if (*at < 0x20 && *at != '\t' && *at != '\n' && *at != '\r')
            return false;
        if (at[0] == 0xEF && at[1] == 0xBF && (at[2] == 0xBE || at[2] == 0xBF))
            return false;
    }
    return true;
}

static void s_put_field(s_buffer_t *buffer, const char *name, const char *text)
{
    s_puts(buffer, "<");
    s_puts(buffer, name);
    s_puts(buffer, ">");
    s_put_cdata(buffer, text);
    s_puts(buffer, "</");
    s_puts(buffer, name);
    s_puts(buffer, ">");
}

char *sq_wechat_reply_text(const char *to_user, const char *from_user, int64_t create_time,
                           const char *content)
{
    if (!s_carried(to_user) || !s_carried(from_user) || !s_carried(content))
        return NULL;
    char time_text[32];
    snprintf(time_text, sizeof time_text, "%lld", (long long) create_time);
    s_buffer_t buffer = {NULL, 0, 0};
    s_puts(&buffer, "<xml>");
    s_put_field(&buffer, "ToUserName", to_user);
    s_put_field(&buffer, "FromUserName", from_user);
    s_puts(&buffer, "<CreateTime>");
    s_puts(&buffer, time_text);
    s_puts(&buffer, "</CreateTime>");
    s_put_field(&buffer, "MsgType", "text");
    s_put_field(&buffer, "Content", content);
    s_puts(&buffer, "</xml>");
    return buffer.data;
}

char *sq_wechat_reply_encrypted(const sq_wechat_crypto_t *crypto, const char *token,
                                const char *timestamp, const char *nonce,
                                const char *plain_xml)
{
    if (!token || !plain_xml || !timestamp || !*timestamp || strlen(timestamp) > 18
        || timestamp[strspn(timestamp, "0123456789")] || !s_carried(nonce))
        return NULL;
    char *encrypt = sq_wechat_encrypt(crypto, plain_xml, strlen(plain_xml));
    if (!encrypt)
        return NULL;
    char signature[41];
    sq_wechat_msg_signature(token, timestamp, nonce, encrypt, signature);
    s_buffer_t buffer = {NULL, 0, 0};
    s_puts(&buffer, "<xml>");
    s_put_field(&buffer, "Encrypt", encrypt);
    s_put_field(&buffer, "MsgSignature", signature);
    s_puts(&buffer, "<TimeStamp>");
    s_puts(&buffer, timestamp);
    s_puts(&buffer, "</TimeStamp>");
    s_put_field(&buffer, "Nonce", nonce);
    s_puts(&buffer, "</xml>");
    free(encrypt);
    return buffer.data;
}
