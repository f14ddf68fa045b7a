/*  sq_mail_thread: work-order numbers in a mail's threading headers and subject (see sq_mail_thread.h). */
#include "sq_mail_thread.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sq_number.h"

#define S_NUMBER_MAX 40

static bool s_number_char(char c)
{
    return isalnum((unsigned char) c) || c == '-';
}

static bool s_copy_number(const char *start, size_t length, char *number, size_t size)
{
    char candidate[S_NUMBER_MAX];
    if (length == 0 || length >= sizeof candidate)
        return false;
    memcpy(candidate, start, length);
    candidate[length] = '\0';
    if (!sq_number_valid(candidate) || length >= size)
        return false;
    memcpy(number, candidate, length + 1);
    return true;
}

bool sq_mail_thread_text_number(const char *text, char *number, size_t size)
{
    for (const char *c = text ? text : ""; *c;) {
        if (!s_number_char(*c)) {
            c++;
            continue;
        }
        const char *end = c;
        while (s_number_char(*end))
            end++;
        if (s_copy_number(c, (size_t) (end - c), number, size))
            return true;
        c = end;
    }
    return false;
}

bool sq_mail_thread_id_number(const char *message_id, const char *ack_domain, char *number,
                              size_t size)
{
    if (!message_id || !ack_domain || !*ack_domain)
        return false;
    const char *at = strrchr(message_id, '@');
    if (!at || strcasecmp(at + 1, ack_domain) != 0)
        return false;
    const char *start = NULL, *end = at;
    if (strncmp(message_id, "ack.", 4) == 0)
        start = message_id + 4;
    else if (strncmp(message_id, "reply.", 6) == 0) {
        start = message_id + 6;
        //  reply.NUMBER.N: N is digits after the last dot
        const char *dot = end;
        while (dot > start && dot[-1] != '.')
            dot--;
        if (dot <= start || dot == end)
            return false;
        for (const char *d = dot; d < end; d++)
            if (!isdigit((unsigned char) *d))
                return false;
        end = dot - 1;
    }
    return start && s_copy_number(start, (size_t) (end - start), number, size);
}

bool sq_mail_work_order(const sq_mail_t *mail, const char *ack_domain, char *number, size_t size)
{
    if (sq_mail_thread_id_number(sq_mail_in_reply_to(mail), ack_domain, number, size))
        return true;
    for (size_t i = sq_mail_references_count(mail); i > 0; i--)
        if (sq_mail_thread_id_number(sq_mail_reference(mail, i - 1), ack_domain, number, size))
            return true;
    return sq_mail_thread_text_number(sq_mail_subject(mail), number, size);
}

static int s_fits(int written, size_t size)
{
    return written > 0 && (size_t) written < size ? 0 : -1;
}

int sq_mail_ack_id(const char *number, const char *ack_domain, char *id, size_t size)
{
    if (!sq_number_valid(number) || !ack_domain || !*ack_domain)
        return -1;
    return s_fits(snprintf(id, size, "ack.%s@%s", number, ack_domain), size);
}

int sq_mail_reply_id(const char *number, int reply_index, const char *ack_domain, char *id,
                     size_t size)
{
    if (!sq_number_valid(number) || reply_index < 1 || !ack_domain || !*ack_domain)
        return -1;
    return s_fits(snprintf(id, size, "reply.%s.%d@%s", number, reply_index, ack_domain), size);
}
