/*  sq_mail_header: header values of an e-mail decoded as suqiu reads them (for sq_mail).

    GMime 3 decodes encoded-words (=?charset?B|Q?...?=), also inside quotes in loose mode.
    Before it does, each word's charset label is replaced by the one sq_mail_text decodes
    with (gb2312 and the rest of the GB family as GB18030, Big5 as Big5-HKSCS), so that GBK
    characters under a gb2312 label are not lost; a label iconv does not know is tried as
    UTF-8 and as GB18030, and the reading with fewer '?' (bytes that fit no charset) wins.
    Raw 8-bit text is tried as UTF-8, then GB18030 (the parser options' fallback charsets).
    Every value returned is UTF-8 on one line; strings are the caller's to free (free).
*/
#ifndef SQ_MAIL_HEADER_H
#define SQ_MAIL_HEADER_H

#include <stddef.h>

#include <gmime/gmime.h>

//  An unstructured value (Subject, ...) decoded.  Never NULL.
char *sq_mail_header_decode_text(GMimeParserOptions *options, const char *raw);

//  The first mailbox of an address list (From, ...; the first member of a group): its
//  display name ("" for none) and address.  Returns 0, or -1 with both NULL when the value
//  holds no mailbox.
int sq_mail_header_decode_mailbox(GMimeParserOptions *options, const char *raw, char **name,
                                  char **address);

//  The Message-IDs of a References or In-Reply-To value (raw may be NULL), without angle
//  brackets, in order: a new array of *count strings (caller frees each and the array).
char **sq_mail_header_message_ids(GMimeParserOptions *options, const char *raw, size_t *count);

//  text made one line, in place: controls become spaces, runs of spaces one, none at the
//  ends, bytes that are not UTF-8 '?'.  Returns text.
char *sq_mail_header_one_line(char *text);

#endif
