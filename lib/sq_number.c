/*  sq_number: check the form of work-order numbers (see sq_number.h). */
#include "sq_number.h"

#include <ctype.h>
#include <string.h>

#include "sq_date.h"

static const struct {
    const char *channel;
    const char *prefix;
} s_prefixes[] = {
    {"hotline12345", "12345"}, {"hotline12315", "12315"}, {"web", "WEB"},
    {"wechat", "WX"},          {"email", "EM"},
};

const char *sq_number_prefix(const char *channel)
{
    for (size_t i = 0; i < sizeof s_prefixes / sizeof s_prefixes[0]; i++)
        if (channel && strcmp(channel, s_prefixes[i].channel) == 0)
            return s_prefixes[i].prefix;
    return NULL;
}

static bool s_all_digits(const char *text, size_t length)
{
    for (size_t i = 0; i < length; i++)
        if (!isdigit((unsigned char) text[i]))
            return false;
    return true;
}

bool sq_number_valid(const char *text)
{
    if (!text)
        return false;
    const char *dash = strchr(text, '-');
    if (!dash)
        return false;
    size_t prefix_length = (size_t) (dash - text);
    bool prefix_known = false;
    for (size_t i = 0; i < sizeof s_prefixes / sizeof s_prefixes[0]; i++)
        prefix_known |= strlen(s_prefixes[i].prefix) == prefix_length
                        && strncmp(text, s_prefixes[i].prefix, prefix_length) == 0;
    if (!prefix_known)
        return false;
    const char *date = dash + 1;
    if (strlen(date) < 8 + 1 + 6 || !s_all_digits(date, 8) || date[8] != '-')
        return false;
    const char *sequence = date + 9;
    size_t sequence_length = strlen(sequence);
    if (sequence_length < 6 || sequence_length > 10 || !s_all_digits(sequence, sequence_length))
        return false;
    int year = (date[0] - '0') * 1000 + (date[1] - '0') * 100 + (date[2] - '0') * 10 + date[3] - '0';
    int month = (date[4] - '0') * 10 + date[5] - '0';
    int day = (date[6] - '0') * 10 + date[7] - '0';
    return year >= 2000 && sq_date_valid(year, month, day);
}
