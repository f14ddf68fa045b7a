/*  sq_mail_header: e-mail header values decoded (see sq_mail_header.h). */
#include "sq_mail_header.h"

#include <ctype.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sq_alloc.h"
#include "sq_mail_text.h"
#include "sq_utf8.h"

char *sq_mail_header_one_line(char *text)
{
    size_t length = strlen(text);
    for (size_t at = sq_utf8_bad_offset(text, length); at < length;
         at += 1 + sq_utf8_bad_offset(text + at + 1, length - at - 1))
        text[at] = '?';
    char *write = text;
    for (const char *read = text; *read; read++) {
        char c = (unsigned char) *read < 0x20 || *read == 0x7f ? ' ' : *read;
        if (c == ' ' && (write == text || write[-1] == ' '))
            continue;
        *write++ = c;
    }
    while (write > text && write[-1] == ' ')
        write--;
    *write = '\0';
    return text;
}

static bool s_charset_known(const char *charset)
{
    iconv_t cd = iconv_open("UTF-8", charset);
    if (cd == (iconv_t) -1)
        return false;
    iconv_close(cd);
    return true;
}

//  The same charset under another name iconv knows: GMime 3.2 joins the bytes of adjacent
//  encoded-words of one charset before converting them, and loses the second when the
//  first ends in base64 padding ("=?gb18030?B?wre1xru1wcs=?= =?gb18030?B?...?=", as s-nail
//  writes); two names keep them apart.
static void s_append_other_name(GString *out, const char *charset)
{
    if (strcmp(charset, "BIG5-HKSCS") == 0)
        g_string_append(out, "BIG5HKSCS");
    else {
        g_string_append(out, charset);
        g_string_append(out, "//");
    }
}

//  raw with the charset label of each encoded-word replaced as sq_mail_text reads labels
//  (gb2312 -> GB18030, ...) and a label iconv does not know replaced by unknown_as.
//  *unknown counts those.  Returns a new string (g_free).
static char *s_relabel(const char *raw, const char *unknown_as, int *unknown)
{
    GString *out = g_string_sized_new(strlen(raw) + 16);
    *unknown = 0;
    char previous[48] = "";   //  charset of the previous word when it ended in padding
    bool previous_other = false;
    const char *c = raw;
    while (*c) {
        const char *start = strstr(c, "=?");
        if (!start) {
            g_string_append(out, c);
            break;
        }
        g_string_append_len(out, c, start - c);
        //  =?charset[*language]?B|Q?text?=
        const char *label = start + 2, *end = label;
        while (*end && (isalnum((unsigned char) *end) || strchr("!#$%&'+^_`{|}~-.", *end)))
            end++;
        const char *language = end;
        if (*language == '*')
            while (*language && *language != '?')
                language++;
        size_t label_length = (size_t) (end - label);
        const char *text_end = NULL;
        if (label_length > 0 && label_length < 40 && language[0] == '?' && language[1]
            && strchr("BbQq", language[1]) && language[2] == '?')
            text_end = strstr(language + 3, "?=");
        if (!text_end) {
            g_string_append(out, "=?");
            c = start + 2;
            continue;
        }
        char name[40];
        memcpy(name, label, label_length);
        name[label_length] = '\0';
        const char *charset = sq_mail_text_charset(name);
        if (!charset)
            charset = "UTF-8";
        else if (charset == name && !s_charset_known(name)) {
            charset = unknown_as;
            (*unknown)++;
        }
        bool other = strcmp(previous, charset) == 0 && !previous_other
                     && strcmp(charset, "UTF-8") != 0;
        g_string_append(out, "=?");
        if (other)
            s_append_other_name(out, charset);
        else
            g_string_append(out, charset);
        g_string_append_len(out, language, text_end + 2 - language);
        bool padded = (language[1] == 'B' || language[1] == 'b') && text_end[-1] == '=';
        snprintf(previous, sizeof previous, "%s", padded ? charset : "");
        previous_other = other;
        c = text_end + 2;
    }
    return g_string_free(out, FALSE);
}

static int s_count_questions(const char *text)
{
    int count = 0;
    for (; text && *text; text++)
        count += *text == '?';
    return count;
}

char *sq_mail_header_decode_text(GMimeParserOptions *options, const char *raw)
{
    int unknown = 0;
    char *relabelled = s_relabel(raw, "UTF-8", &unknown);
    char *text = g_mime_utils_header_decode_text(options, relabelled);
    g_free(relabelled);
    if (unknown) {
        //  A label iconv does not know: as UTF-8, or as GB18030 when that fits better.
        relabelled = s_relabel(raw, "GB18030", &unknown);
        char *other = g_mime_utils_header_decode_text(options, relabelled);
        g_free(relabelled);
        if (s_count_questions(other) < s_count_questions(text)) {
            g_free(text);
            text = other;
        } else
            g_free(other);
    }
    char *result = sq_strdup(text ? text : "");
    g_free(text);
    return sq_mail_header_one_line(result);
}

//  The first mailbox of an address list (the first member of a group).
static InternetAddressMailbox *s_first_mailbox(InternetAddressList *list)
{
    int count = list ? internet_address_list_length(list) : 0;
    for (int i = 0; i < count; i++) {
        InternetAddress *address = internet_address_list_get_address(list, i);
        if (INTERNET_ADDRESS_IS_MAILBOX(address))
            return INTERNET_ADDRESS_MAILBOX(address);
        if (INTERNET_ADDRESS_IS_GROUP(address)) {
            InternetAddressMailbox *member =
                s_first_mailbox(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(address)));
            if (member)
                return member;
        }
    }
    return NULL;
}

int sq_mail_header_decode_mailbox(GMimeParserOptions *options, const char *raw, char **name,
                                  char **address)
{
    const char *choices[] = {"UTF-8", "GB18030"};
    char *best_name = NULL, *best_address = NULL;
    for (int i = 0; i < 2; i++) {
        int unknown = 0;
        char *relabelled = s_relabel(raw, choices[i], &unknown);
        InternetAddressList *list = internet_address_list_parse(options, relabelled);
        g_free(relabelled);
        InternetAddressMailbox *mailbox = s_first_mailbox(list);
        const char *address = mailbox ? internet_address_mailbox_get_addr(mailbox) : NULL;
        const char *name = mailbox ? internet_address_get_name(INTERNET_ADDRESS(mailbox)) : NULL;
        if (address && *address
            && (!best_address || s_count_questions(name) < s_count_questions(best_name))) {
            free(best_name);
            free(best_address);
            best_name = sq_mail_header_one_line(sq_strdup(name ? name : ""));
            best_address = sq_mail_header_one_line(sq_strdup(address));
        }
        if (list)
            g_object_unref(list);
        if (!unknown)
            break;
    }
    *name = best_name;
    *address = best_address;
    return best_address ? 0 : -1;
}

char **sq_mail_header_message_ids(GMimeParserOptions *options, const char *raw, size_t *count)
{
    *count = 0;
    GMimeReferences *references = raw ? g_mime_references_parse(options, raw) : NULL;
    int length = references ? g_mime_references_length(references) : 0;
    char **ids = sq_alloc((size_t) (length + 1) * sizeof *ids);
    for (int i = 0; i < length; i++) {
        const char *id = g_mime_references_get_message_id(references, i);
        if (id && *id && sq_utf8_valid(id, strlen(id)))
            ids[(*count)++] = sq_mail_header_one_line(sq_strdup(id));
    }
    if (references)
        g_mime_references_free(references);
    return ids;
}
