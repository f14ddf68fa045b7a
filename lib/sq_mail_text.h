/*  sq_mail_text: the text of an e-mail body as UTF-8 that suqiu can keep.

    Two jobs, both on bytes that a MIME parser (GMime, in sq_mail) has already taken out of
    their transfer encoding: converting a body from the charset its Content-Type names to
    UTF-8, and reducing an HTML body to plain text.

    Charsets.  Chinese mail is often labelled with a smaller charset than the one it was
    written in: a body labelled gb2312 holds GBK characters (朱镕基's 镕), and GBK mail holds
    GB18030 ones.  So every label of that family (gb2312, gbk, cp936, x-gbk, euc-cn, ...) is
    decoded as GB18030, their superset, and every Big5 label as Big5-HKSCS.  A label is
    trusted: bytes that are not valid in it make the text undecodable (NULL), a body
    labelled utf-8 with invalid bytes included.  Only a body with no label, us-ascii or a
    label iconv does not know is guessed: UTF-8 when it is valid UTF-8, else GB18030 when
    it is valid GB18030, else undecodable.

    Every text returned is valid UTF-8 (sq_utf8_valid) with LF line ends and no control
    characters but newline and tab (NUL is dropped, the others become a space), so that it
    passes sq_envelope_check as content.
*/
#ifndef SQ_MAIL_TEXT_H
#define SQ_MAIL_TEXT_H

#include <stddef.h>

//  The iconv name suqiu decodes a charset label with ("GB18030" for gb2312, "BIG5-HKSCS"
//  for big5, "UTF-8" for utf8 ...), the label itself for other charsets, or NULL for no
//  label, us-ascii or an empty one (then the text is guessed, see above).  Static or
//  borrowed from label.
const char *sq_mail_text_charset(const char *label);

//  bytes[0 .. length) in the charset labelled by label (may be NULL) as UTF-8.  Returns a
//  new string (the caller frees it) or NULL when the bytes are not text in that charset.
//  When used is not NULL, *used is set to the charset that decoded it (static, or borrowed
//  from label), e.g. "GB18030", or NULL on failure.
char *sq_mail_text_decode(const char *bytes, size_t length, const char *label,
                          const char **used);

//  The readable text of an HTML document already in UTF-8 (libxml2's HTML parser, which
//  recovers from broken markup): block elements (p, div, br, li, tr, headings ...) end
//  lines, script, style, head and the like are dropped, entities are decoded, runs of
//  spaces are one space except inside pre, and there are at most two newlines in a row.
//  Elements nested deeper than libxml2's limit (256) end the document: the text before
//  them is kept.  Returns a new string (the caller frees it), never NULL.
char *sq_mail_text_from_html(const char *html, size_t length);

//  text cleaned as above (CRLF and CR to LF, NUL dropped, other controls to a space),
//  in place; returns text.  For text that is already UTF-8.
char *sq_mail_text_clean(char *text);

#endif
