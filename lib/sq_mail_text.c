/*  sq_mail_text: mail bodies to UTF-8 text (see sq_mail_text.h). */
#include "sq_mail_text.h"

#include <errno.h>
#include <iconv.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "sq_alloc.h"
#include "sq_utf8.h"

//  A growing string; data is always NUL-terminated.
typedef struct {
    char *data;
    size_t length;
    size_t capacity;
} s_text_t;

static void s_text_reserve(s_text_t *text, size_t more)
{
    if (text->length + more + 1 <= text->capacity)
        return;
    size_t capacity = text->capacity ? text->capacity : 256;
    while (capacity < text->length + more + 1)
        capacity *= 2;
    text->data = sq_realloc(text->data, capacity);
    text->capacity = capacity;
}

static void s_text_add(s_text_t *text, const char *bytes, size_t length)
{
    s_text_reserve(text, length);
    memcpy(text->data + text->length, bytes, length);
    text->length += length;
    text->data[text->length] = '\0';
}

static void s_text_add_char(s_text_t *text, char c)
{
    s_text_add(text, &c, 1);
}

//  The labels of the GB family (GB2312 ⊂ GBK ⊂ GB18030) and of Big5, as mail clients write them.
static const char *s_gb_labels[] = {"gb2312", "gbk", "gb18030", "cp936", "ms936", "windows-936",
                                    "x-gbk", "euc-cn", "x-euc-cn", "gb_2312-80", "gb2312-80",
                                    "csgb2312", "chinese", "iso-ir-58", "x-gb2312", "gb-2312"};
static const char *s_big5_labels[] = {"big5", "big-5", "big5-hkscs", "big5hkscs", "cn-big5",
                                      "x-x-big5", "x-big5", "csbig5", "cp950", "ms950",
                                      "windows-950"};

static bool s_label_in(const char *label, const char **labels, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (strcasecmp(label, labels[i]) == 0)
            return true;
    return false;
}

const char *sq_mail_text_charset(const char *label)
{
    if (!label || !*label || strcasecmp(label, "us-ascii") == 0 || strcasecmp(label, "ascii") == 0)
        return NULL;
    if (strcasecmp(label, "utf-8") == 0 || strcasecmp(label, "utf8") == 0)
        return "UTF-8";
    if (s_label_in(label, s_gb_labels, sizeof s_gb_labels / sizeof s_gb_labels[0]))
        return "GB18030";
    if (s_label_in(label, s_big5_labels, sizeof s_big5_labels / sizeof s_big5_labels[0]))
        return "BIG5-HKSCS";
    return label;
}

char *sq_mail_text_clean(char *text)
{
    char *write = text;
    for (const char *read = text; *read; read++) {
        unsigned char c = (unsigned char) *read;
        if (c == '\r') {
            *write++ = '\n';
            if (read[1] == '\n')
                read++;
        } else if (c == '\n' || c == '\t' || c >= 0x80 || (c >= 0x20 && c != 0x7f))
            *write++ = (char) c;
        else
            *write++ = ' ';
    }
    *write = '\0';
    return text;
}

//  A copy of bytes without its NUL bytes (and without a byte-order mark), cleaned, when it
//  is UTF-8; else NULL.
static char *s_utf8_copy(const char *bytes, size_t length)
{
    if (length >= 3 && memcmp(bytes, "\xEF\xBB\xBF", 3) == 0) {
        bytes += 3;
        length -= 3;
    }
    char *copy = sq_alloc(length + 1);
    size_t used = 0;
    for (size_t i = 0; i < length; i++)
        if (bytes[i] != '\0')
            copy[used++] = bytes[i];
    copy[used] = '\0';
    if (!sq_utf8_valid(copy, used)) {
        free(copy);
        return NULL;
    }
    return sq_mail_text_clean(copy);
}

//  bytes converted strictly from charset to UTF-8 by iconv, then as s_utf8_copy.  NULL when
//  a byte is not valid in charset; *unknown is set when iconv does not know charset.
static char *s_iconv(const char *charset, const char *bytes, size_t length, bool *unknown)
{
    iconv_t cd = iconv_open("UTF-8", charset);
    *unknown = cd == (iconv_t) -1;
    if (*unknown)
        return NULL;
    size_t capacity = length * 2 + 16;
    char *out = sq_alloc(capacity);
    char *in = (char *) bytes;
    size_t in_left = length, used = 0;
    bool ok = true;
    for (;;) {
        char *write = out + used;
        size_t out_left = capacity - used - 1;
        //  Once all input is converted (in == NULL), one more call writes the shift state.
        size_t done = in ? iconv(cd, &in, &in_left, &write, &out_left)
                         : iconv(cd, NULL, NULL, &write, &out_left);
        used = (size_t) (write - out);
        if (done == (size_t) -1 && errno == E2BIG) {
            capacity *= 2;
            out = sq_realloc(out, capacity);
            continue;
        }
        if (done == (size_t) -1) {
            ok = false;   //  EILSEQ, or EINVAL: a sequence cut off at the end
            break;
        }
        if (!in)
            break;
        in = NULL;
    }
    iconv_close(cd);
    char *text = ok ? s_utf8_copy(out, used) : NULL;
    free(out);
    return text;
}

char *sq_mail_text_decode(const char *bytes, size_t length, const char *label, const char **used)
{
    const char *charset = sq_mail_text_charset(label);
    char *text = NULL;
    bool unknown = false;
    if (charset && strcmp(charset, "UTF-8") == 0)
        text = s_utf8_copy(bytes, length);
    else if (charset)
        text = s_iconv(charset, bytes, length, &unknown);
    if (charset && !unknown) {
        if (used)
            *used = text ? charset : NULL;
        return text;
    }
    //  No label, us-ascii, or one iconv does not know: guess.
    charset = "UTF-8";
    text = s_utf8_copy(bytes, length);
    if (!text) {
        charset = "GB18030";
        text = s_iconv(charset, bytes, length, &unknown);
    }
    if (used)
        *used = text ? charset : NULL;
    return text;
}

//  --------------------------------------------------------------------------------------
//  HTML to text

static const char *s_dropped_tags[] = {"script", "style", "head", "noscript", "template",
                                       "iframe", "object", "svg"};
static const char *s_block_tags[] = {
    "p",       "div",    "li",     "tr",     "table", "ul",     "ol",   "blockquote", "pre",
    "hr",      "h1",     "h2",     "h3",     "h4",    "h5",     "h6",   "section",    "article",
    "header",  "footer", "nav",    "dl",     "dt",    "dd",     "address", "form",    "fieldset",
    "figure",  "figcaption", "main", "aside", "center", "caption", "tbody", "thead", "body"};
static const char *s_paragraph_tags[] = {"p",  "h1", "h2",    "h3", "h4",        "h5",
                                         "h6", "ul", "ol",    "table", "blockquote", "pre"};

static bool s_tag_in(const xmlNode *node, const char **tags, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (strcasecmp((const char *) node->name, tags[i]) == 0)
            return true;
    return false;
}

#define S_TAG_IN(node, tags) s_tag_in(node, tags, sizeof tags / sizeof tags[0])

static void s_trim_trailing_spaces(s_text_t *text)
{
    while (text->length > 0 && text->data[text->length - 1] == ' ')
        text->data[--text->length] = '\0';
}

//  End the current line, once (an empty text or a line already ended stays as it is).
static void s_end_line(s_text_t *text)
{
    s_trim_trailing_spaces(text);
    if (text->length > 0 && text->data[text->length - 1] != '\n')
        s_text_add_char(text, '\n');
}

//  End the line and leave one empty line after it.
static void s_end_paragraph(s_text_t *text)
{
    s_end_line(text);
    if (text->length > 1 && text->data[text->length - 2] != '\n')
        s_text_add_char(text, '\n');
}

//  Text of a text node; whitespace (NBSP too) collapses to one space unless inside pre.
static void s_add_html_text(s_text_t *text, const char *content, bool preformatted)
{
    for (const char *c = content; *c; c++) {
        bool nbsp = (unsigned char) c[0] == 0xC2 && (unsigned char) c[1] == 0xA0;
        bool space = nbsp || *c == ' ' || *c == '\t' || *c == '\n' || *c == '\r' || *c == '\f';
        if (nbsp)
            c++;
        if (preformatted)
            s_text_add_char(text, nbsp ? ' ' : *c);
        else if (!space)
            s_text_add_char(text, *c);
        else if (text->length > 0 && text->data[text->length - 1] != ' '
                 && text->data[text->length - 1] != '\n')
            s_text_add_char(text, ' ');
    }
}

//  Entering node: its text, or what its tag starts.  Returns whether to visit its children.
static bool s_enter(s_text_t *text, const xmlNode *node, int *preformatted)
{
    if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
        if (node->content)
            s_add_html_text(text, (const char *) node->content, *preformatted > 0);
        return false;
    }
    if (node->type != XML_ELEMENT_NODE || S_TAG_IN(node, s_dropped_tags))
        return false;
    if (strcasecmp((const char *) node->name, "br") == 0) {
        s_trim_trailing_spaces(text);
        s_text_add_char(text, '\n');
    } else if (S_TAG_IN(node, s_block_tags))
        s_end_line(text);
    if (strcasecmp((const char *) node->name, "li") == 0)
        s_text_add(text, "- ", 2);
    if (strcasecmp((const char *) node->name, "pre") == 0)
        (*preformatted)++;
    return true;
}

//  Leaving an element that was entered: what its tag ends.
static void s_leave(s_text_t *text, const xmlNode *node, int *preformatted)
{
    if (node->type != XML_ELEMENT_NODE || S_TAG_IN(node, s_dropped_tags))
        return;
    if (strcasecmp((const char *) node->name, "pre") == 0)
        (*preformatted)--;
    if (S_TAG_IN(node, s_paragraph_tags))
        s_end_paragraph(text);
    else if (S_TAG_IN(node, s_block_tags))
        s_end_line(text);
    else if (strcasecmp((const char *) node->name, "td") == 0
             || strcasecmp((const char *) node->name, "th") == 0)
        s_text_add_char(text, ' ');
}

//  The text with spaces at line ends removed, at most two newlines in a row, and no
//  whitespace at its start or end.
static char *s_tidy(s_text_t *text)
{
    char *out = sq_alloc(text->length + 1);
    size_t used = 0;
    int newlines = 0;
    for (size_t i = 0; i < text->length; i++) {
        char c = text->data[i];
        if (c == '\n') {
            while (used > 0 && (out[used - 1] == ' ' || out[used - 1] == '\t'))
                used--;
            if (used > 0 && ++newlines <= 2)
                out[used++] = '\n';
        } else if ((c == ' ' || c == '\t') && (used == 0 || out[used - 1] == '\n')
                   && newlines > 0) {
            continue;   //  indentation from the markup's own layout
        } else {
            newlines = 0;
            out[used++] = c;
        }
    }
    while (used > 0 && (out[used - 1] == '\n' || out[used - 1] == ' '))
        used--;
    out[used] = '\0';
    return sq_mail_text_clean(out);
}

char *sq_mail_text_from_html(const char *html, size_t length)
{
    if (length > INT_MAX)
        length = INT_MAX;
    htmlDocPtr doc = htmlReadMemory(html, (int) length, NULL, "UTF-8",
                                    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING
                                        | HTML_PARSE_NONET | HTML_PARSE_IGNORE_ENC);
    s_text_t text = {NULL, 0, 0};
    s_text_reserve(&text, length / 2);
    int preformatted = 0;
    //  Walked without recursion: a hostile mail may nest elements thousands deep.
    xmlNode *node = doc ? doc->children : NULL;
    while (node) {
        if (s_enter(&text, node, &preformatted) && node->children) {
            node = node->children;
            continue;
        }
        s_leave(&text, node, &preformatted);
        while (node && !node->next) {
            node = node->parent;
            if (!node || node == (xmlNode *) doc)
                node = NULL;
            else
                s_leave(&text, node, &preformatted);
        }
        if (node)
            node = node->next;
    }
    if (doc)
        xmlFreeDoc(doc);
    char *result = s_tidy(&text);
    free(text.data);
    return result;
}
