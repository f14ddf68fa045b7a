/*  sq_template: {{escaped}} {{{raw}}} {{> include}} in HTML files (see sq_template.h). */
#include "sq_template.h"

#include <czmq.h>
#include <dirent.h>

#include "sq_alloc.h"
#include "sq_log.h"

#define S_FILE_MAX (256 * 1024)
#define S_NAME_MAX 64

struct _sq_template_t {
    zhashx_t *pages;   //  file name -> its text (owned)
};

static void s_text_free(void **item)
{
    free(*item);
    *item = NULL;
}

//  Check that every {{ is closed on the same tag; 0 or -1.
static int s_check(const char *text)
{
    for (const char *at = strstr(text, "{{"); at; at = strstr(at, "{{")) {
        const char *end = strstr(at, "}}");
        const char *newline = strchr(at, '\n');
        if (!end || (newline && newline < end) || end - at > S_NAME_MAX + 6)
            return -1;
        at = end + 2;
    }
    return 0;
}

sq_template_t *sq_template_load(const char *folder, char *error, size_t error_size)
{
    DIR *dir = opendir(folder);
    if (!dir) {
        snprintf(error, error_size, "cannot read the pages folder %s: %s", folder, strerror(errno));
        return NULL;
    }
    sq_template_t *self = (sq_template_t *) sq_alloc(sizeof *self);
    self->pages = zhashx_new();
    zhashx_set_destructor(self->pages, s_text_free);
    struct dirent *entry;
    int rc = 0;
    while (rc == 0 && (entry = readdir(dir))) {
        size_t length = strlen(entry->d_name);
        if (length < 6 || strcmp(entry->d_name + length - 5, ".html"))
            continue;
        char *path = zsys_sprintf("%s/%s", folder, entry->d_name);
        FILE *file = fopen(path, "rb");
        char *text = (char *) sq_alloc(S_FILE_MAX + 1);
        size_t got = file ? fread(text, 1, S_FILE_MAX + 1, file) : 0;
        if (!file || got > S_FILE_MAX) {
            snprintf(error, error_size, "%s: %s", path, !file ? strerror(errno) : "larger than 256 KB");
            rc = -1;
        }
        else {
            text[got] = 0;
            if (s_check(text)) {
                snprintf(error, error_size, "%s: a {{ that is not closed by }} on its line", path);
                rc = -1;
            }
            else {
                zhashx_insert(self->pages, entry->d_name, text);
                text = NULL;
            }
        }
        if (file)
            fclose(file);
        free(text);
        zstr_free(&path);
    }
    closedir(dir);
    if (rc)
        sq_template_destroy(&self);
    return self;
}

void sq_template_destroy(sq_template_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhashx_destroy(&(*self_p)->pages);
    free(*self_p);
    *self_p = NULL;
}

char *sq_html_escape(const char *text)
{
    size_t length = 0;
    for (const char *c = text; *c; c++)
        length += *c == '&' ? 5 : *c == '<' || *c == '>' ? 4 : *c == '"' || *c == '\'' ? 6 : 1;
    char *out = (char *) sq_alloc(length + 1), *at = out;
    for (const char *c = text; *c; c++) {
        const char *entity = *c == '&'    ? "&amp;"
                             : *c == '<'  ? "&lt;"
                             : *c == '>'  ? "&gt;"
                             : *c == '"'  ? "&quot;"
                             : *c == '\'' ? "&#39;"
                                          : NULL;
        if (entity)
            at = stpcpy(at, entity);
        else
            *at++ = *c;
    }
    *at = 0;
    return out;
}

//  The value of name in values as text (the caller's), or NULL when absent.
static char *s_value(json_t *values, const char *name)
{
    json_t *value = json_object_get(values, name);
    if (json_is_string(value))
        return sq_strdup(json_string_value(value));
    if (json_is_integer(value))
        return zsys_sprintf("%lld", (long long) json_integer_value(value));
    if (json_is_real(value))
        return zsys_sprintf("%g", json_real_value(value));
    return NULL;
}

//  Append the rendering of text to out (a growing buffer); depth limits includes.
static int s_render(sq_template_t *self, const char *page, const char *text, json_t *values,
                    char **out, size_t *used, size_t *room, int depth)
{
    const char *at = text;
    while (*at) {
        const char *open = strstr(at, "{{");
        size_t plain = open ? (size_t) (open - at) : strlen(at);
        while (*used + plain + 1 > *room)
            *out = (char *) sq_realloc(*out, *room *= 2);
        memcpy(*out + *used, at, plain);
        *used += plain;
        (*out)[*used] = 0;
        if (!open)
            break;
        bool raw = open[2] == '{';
        bool include = open[2] == '>';
        const char *start = open + (raw ? 3 : 2) + (include ? 1 : 0);
        while (*start == ' ')
            start++;
        const char *end = strstr(start, raw ? "}}}" : "}}");
        if (!end)
            return -1;
        char name[S_NAME_MAX + 1];
        size_t length = (size_t) (end - start);
        while (length > 0 && start[length - 1] == ' ')
            length--;
        snprintf(name, sizeof name, "%.*s", (int) length, start);
        char *piece = NULL;
        if (include) {
            const char *included = depth < 2 ? (const char *) zhashx_lookup(self->pages, name) : NULL;
            if (!included) {
                sq_error("page %s: cannot include %s", page, name);
                return -1;
            }
            if (s_render(self, name, included, values, out, used, room, depth + 1))
                return -1;
        }
        else {
            char *value = s_value(values, name);
            if (!value) {
                sq_error("page %s: no value for {{%s}}", page, name);
                return -1;
            }
            piece = raw ? value : sq_html_escape(value);
            if (!raw)
                free(value);
            size_t size = strlen(piece);
            while (*used + size + 1 > *room)
                *out = (char *) sq_realloc(*out, *room *= 2);
            memcpy(*out + *used, piece, size + 1);
            *used += size;
            free(piece);
        }
        at = end + (raw ? 3 : 2);
    }
    return 0;
}

char *sq_template_render(sq_template_t *self, const char *name, json_t *values)
{
    const char *text = (const char *) zhashx_lookup(self->pages, name);
    if (!text) {
        sq_error("no page %s", name);
        return NULL;
    }
    size_t room = strlen(text) + 1024, used = 0;
    char *out = (char *) sq_alloc(room);
    if (s_render(self, name, text, values, &out, &used, &room, 0)) {
        free(out);
        return NULL;
    }
    return out;
}
