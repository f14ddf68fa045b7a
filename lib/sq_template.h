/*  sq_template: HTML pages from template files, with everything a visitor sent escaped.

    A template is a UTF-8 file in which {{name}} is replaced by the value of name, HTML-escaped
    (& < > " ' become entities), and {{{name}}} by the value as it is, for fragments the program
    built and escaped itself (a list of <option>s).  {{> file}} includes another template of the
    same folder, once deep (a layout's header and footer).  A name without a value is an error at
    rendering (logged, the page is not sent), never an empty hole.  Templates are read when the
    set is loaded, so a missing or malformed file stops the program at start.
*/
#ifndef SQ_TEMPLATE_H
#define SQ_TEMPLATE_H

#include <jansson.h>
#include <stddef.h>

typedef struct _sq_template_t sq_template_t;

//  Load every *.html file of folder.  NULL with error filled (naming the file) when the folder
//  or a file cannot be read or a file holds an unclosed {{.
sq_template_t *sq_template_load(const char *folder, char *error, size_t error_size);

//  Free; safe on NULL and twice.
void sq_template_destroy(sq_template_t **self_p);

//  Render the page name ("form.html") with values (a JSON object of strings or numbers;
//  borrowed).  Returns the page (the caller's), or NULL (logged) when there is no such page or a
//  name it uses has no value.
char *sq_template_render(sq_template_t *self, const char *name, json_t *values);

//  text with & < > " ' as HTML entities.  The caller frees it.
char *sq_html_escape(const char *text);

#endif
