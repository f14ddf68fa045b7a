/*  sq_hanzi: read traditional Chinese characters as simplified ones.

    Complaints arrive in traditional characters too (visitors from Hong Kong and Taiwan,
    phones set to 繁體, text pasted from elsewhere), while the city's rules, training data
    and gazetteer are written in simplified characters.  Classification therefore reads a
    complaint through sq_hanzi_simplify first: every character of a table of about 1,300
    common traditional forms is replaced by its simplified form (過期麵包 → 过期面包).
    The table maps one character to one character, so it leaves alone the few traditional
    characters whose simplified form depends on the word (著, 藉, 瞭 ...).  Every character
    of the table and its replacement take three bytes in UTF-8, so the text keeps its
    length.  Pure functions: safe from any thread.
*/
#ifndef SQ_HANZI_H
#define SQ_HANZI_H

#include <stddef.h>
#include <stdint.h>

//  text with the table's traditional characters written in simplified form, as a new
//  string the caller frees; other bytes (also invalid UTF-8) are copied as they are.
//  text may be NULL (gives "").  Never NULL: aborts when memory runs out (sq_alloc).
char *sq_hanzi_simplify(const char *text);

//  The simplified form of one code point, or the code point itself when the table has
//  no traditional form of it.
uint32_t sq_hanzi_simplified(uint32_t code);

//  How many characters of text the table would change.
size_t sq_hanzi_traditional_count(const char *text);

#endif
