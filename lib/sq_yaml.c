/*  sq_yaml: YAML files as small read-only trees, built from libyaml events (see sq_yaml.h). */
#include "sq_yaml.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "sq_alloc.h"

#define S_STR_TAG "tag:yaml.org,2002:str"

struct _sq_yaml_node_t {
    sq_yaml_kind_t kind;
    size_t line;                   //  from 1
    const sq_yaml_t *document;
    const sq_yaml_node_t *parent;  //  NULL for the root
    size_t index;                  //  position in the parent list or mapping
    char *text;                    //  single values: the text ("" for null)
    bool null;                     //  single values written as nothing, ~ or null
    sq_yaml_node_t **keys;         //  mappings: keys (single values); key_count of them
    sq_yaml_node_t **items;        //  list items, or mapping values; size of them
    size_t key_count, key_capacity, size, capacity;
};

struct _sq_yaml_t {
    char *file;
    sq_yaml_node_t *root;
    size_t node_count;
};

//  The state while building one document from events.
typedef struct {
    sq_yaml_t *document;
    yaml_parser_t parser;
    const char *text;   //  the input, for the line of a reader error
    size_t length;
    sq_yaml_node_t *stack[SQ_YAML_DEPTH_MAX];
    size_t depth;
    int documents;
    char *error;
    size_t error_size;
} s_builder_t;

static void s_node_destroy(sq_yaml_node_t *node)
{
    if (!node)
        return;
    for (size_t i = 0; i < node->key_count; i++)
        s_node_destroy(node->keys[i]);
    for (size_t i = 0; i < node->size; i++)
        s_node_destroy(node->items[i]);
    free(node->keys);
    free(node->items);
    free(node->text);
    free(node);
}

void sq_yaml_destroy(sq_yaml_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sq_yaml_t *self = *self_p;
    s_node_destroy(self->root);
    free(self->file);
    free(self);
    *self_p = NULL;
}

static int s_fail(s_builder_t *builder, size_t line, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int s_fail(s_builder_t *builder, size_t line, const char *format, ...)
{
    char message[512];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    snprintf(builder->error, builder->error_size, "%s:%zu: %s", builder->document->file, line,
             message);
    return -1;
}

static int s_syntax_error(s_builder_t *builder)
{
    yaml_parser_t *parser = &builder->parser;
    size_t line = parser->problem_mark.line + 1;
    if (parser->error == YAML_READER_ERROR) {
        //  The reader reports a byte offset, not a mark.
        line = 1;
        for (size_t i = 0; i < parser->problem_offset && i < builder->length; i++)
            line += builder->text[i] == '\n';
    }
    const char *problem = parser->problem ? parser->problem : "unreadable";
    if (parser->context)
        return s_fail(builder, line, "YAML syntax: %s (%s)", problem, parser->context);
    return s_fail(builder, line, "YAML syntax: %s", problem);
}

static void s_append(sq_yaml_node_t ***array, size_t count, size_t *capacity,
                     sq_yaml_node_t *node)
{
    if (count == *capacity) {
        *capacity = *capacity ? *capacity * 2 : 4;
        sq_yaml_node_t **grown = realloc(*array, *capacity * sizeof *grown);
        if (!grown)
            abort();
        *array = grown;
    }
    (*array)[count] = node;
}

//  Attach a new node under the open collection, or as the root.  The node is owned by the
//  tree from here on, so that a later error frees it with the document.
static int s_attach(s_builder_t *builder, sq_yaml_node_t *node)
{
    if (builder->depth == 0) {
        builder->document->root = node;
        return 0;
    }
    sq_yaml_node_t *parent = builder->stack[builder->depth - 1];
    node->parent = parent;
    if (parent->kind == SQ_YAML_LIST) {
        node->index = parent->size;
        s_append(&parent->items, parent->size++, &parent->capacity, node);
        return 0;
    }
    if (parent->key_count == parent->size) {
        node->index = parent->key_count;
        s_append(&parent->keys, parent->key_count++, &parent->key_capacity, node);
        if (node->kind != SQ_YAML_SCALAR)
            return s_fail(builder, node->line, "keys must be single values");
        return 0;
    }
    node->index = parent->size;
    s_append(&parent->items, parent->size++, &parent->capacity, node);
    return 0;
}

static int s_compare_keys(const void *a, const void *b)
{
    const sq_yaml_node_t *left = *(const sq_yaml_node_t *const *) a;
    const sq_yaml_node_t *right = *(const sq_yaml_node_t *const *) b;
    int order = strcmp(left->text, right->text);
    if (order)
        return order;
    return left->index < right->index ? -1 : left->index > right->index;
}

//  A key given twice: names the repeat that comes first in the file.
static int s_check_duplicates(s_builder_t *builder, const sq_yaml_node_t *mapping)
{
    if (mapping->key_count < 2)
        return 0;
    sq_yaml_node_t **sorted = sq_alloc(mapping->key_count * sizeof *sorted);
    memcpy(sorted, mapping->keys, mapping->key_count * sizeof *sorted);
    qsort(sorted, mapping->key_count, sizeof *sorted, s_compare_keys);
    const sq_yaml_node_t *repeat = NULL;
    for (size_t i = 1; i < mapping->key_count; i++)
        if (strcmp(sorted[i - 1]->text, sorted[i]->text) == 0
            && (!repeat || sorted[i]->index < repeat->index))
            repeat = sorted[i];
    free(sorted);
    if (!repeat)
        return 0;
    size_t first_line = repeat->line;
    for (size_t i = 0; i < repeat->index; i++)
        if (strcmp(mapping->keys[i]->text, repeat->text) == 0) {
            first_line = mapping->keys[i]->line;
            break;
        }
    char path[512];
    return s_fail(builder, repeat->line, "%s: given twice (first on line %zu)",
                  sq_yaml_path(repeat, path, sizeof path), first_line);
}

//  Anchors, aliases and tags other than !!str are refused: the files are plain data.
static int s_check_properties(s_builder_t *builder, size_t line, const yaml_char_t *anchor,
                              const yaml_char_t *tag, bool scalar)
{
    if (anchor)
        return s_fail(builder, line, "anchors (&%s) are not supported", (const char *) anchor);
    if (tag && !(scalar && strcmp((const char *) tag, S_STR_TAG) == 0))
        return s_fail(builder, line, "tags (%s) are not supported", (const char *) tag);
    return 0;
}

static sq_yaml_node_t *s_node_new(s_builder_t *builder, sq_yaml_kind_t kind, size_t line)
{
    if (builder->document->node_count >= SQ_YAML_NODES_MAX) {
        s_fail(builder, line, "more than %d values in one file", SQ_YAML_NODES_MAX);
        return NULL;
    }
    builder->document->node_count++;
    sq_yaml_node_t *node = sq_alloc(sizeof *node);
    node->kind = kind;
    node->line = line;
    node->document = builder->document;
    return node;
}

static int s_on_scalar(s_builder_t *builder, yaml_event_t *event, size_t line)
{
    if (s_check_properties(builder, line, event->data.scalar.anchor, event->data.scalar.tag,
                           true))
        return -1;
    sq_yaml_node_t *node = s_node_new(builder, SQ_YAML_SCALAR, line);
    if (!node)
        return -1;
    const char *text = (const char *) event->data.scalar.value;
    if (strlen(text) != event->data.scalar.length) {
        s_node_destroy(node);
        return s_fail(builder, line, "values must not contain NUL characters");
    }
    node->text = sq_strdup(text);
    node->null = !event->data.scalar.tag && event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE
                 && (!*text || strcmp(text, "~") == 0 || strcmp(text, "null") == 0
                     || strcmp(text, "Null") == 0 || strcmp(text, "NULL") == 0);
    return s_attach(builder, node);
}

static int s_on_collection_start(s_builder_t *builder, yaml_event_t *event, size_t line)
{
    bool mapping = event->type == YAML_MAPPING_START_EVENT;
    const yaml_char_t *anchor
        = mapping ? event->data.mapping_start.anchor : event->data.sequence_start.anchor;
    const yaml_char_t *tag
        = mapping ? event->data.mapping_start.tag : event->data.sequence_start.tag;
    if (s_check_properties(builder, line, anchor, tag, false))
        return -1;
    if (builder->depth == SQ_YAML_DEPTH_MAX)
        return s_fail(builder, line, "nested deeper than %d levels", SQ_YAML_DEPTH_MAX);
    sq_yaml_node_t *node = s_node_new(builder, mapping ? SQ_YAML_MAPPING : SQ_YAML_LIST, line);
    if (!node)
        return -1;
    if (s_attach(builder, node))
        return -1;
    builder->stack[builder->depth++] = node;
    return 0;
}

static int s_on_event(s_builder_t *builder, yaml_event_t *event)
{
    size_t line = event->start_mark.line + 1;
    switch (event->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++builder->documents > 1)
            return s_fail(builder, line, "only one document per file");
        return 0;
    case YAML_ALIAS_EVENT:
        return s_fail(builder, line, "aliases (*%s) are not supported",
                      (const char *) event->data.alias.anchor);
    case YAML_SCALAR_EVENT:
        return s_on_scalar(builder, event, line);
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        return s_on_collection_start(builder, event, line);
    case YAML_MAPPING_END_EVENT:
        if (s_check_duplicates(builder, builder->stack[builder->depth - 1]))
            return -1;
        builder->depth--;
        return 0;
    case YAML_SEQUENCE_END_EVENT:
        builder->depth--;
        return 0;
    default:
        return 0;   //  stream start and end, document end
    }
}

static int s_build(s_builder_t *builder)
{
    while (true) {
        yaml_event_t event;
        if (!yaml_parser_parse(&builder->parser, &event))
            return s_syntax_error(builder);
        int rc = s_on_event(builder, &event);
        bool end = event.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&event);
        if (rc)
            return -1;
        if (end)
            return 0;
    }
}

sq_yaml_t *sq_yaml_parse(const char *name, const char *text, size_t length, char *error,
                         size_t error_size)
{
    sq_yaml_t *self = sq_alloc(sizeof *self);
    self->file = sq_strdup(name);
    if (length > SQ_YAML_BYTES_MAX) {
        snprintf(error, error_size, "%s:1: larger than %d bytes", name, SQ_YAML_BYTES_MAX);
        sq_yaml_destroy(&self);
        return NULL;
    }
    s_builder_t builder = {.document = self,
                           .text = text,
                           .length = length,
                           .error = error,
                           .error_size = error_size};
    if (!yaml_parser_initialize(&builder.parser))
        abort();
    yaml_parser_set_input_string(&builder.parser, (const unsigned char *) text, length);
    int rc = s_build(&builder);
    yaml_parser_delete(&builder.parser);
    if (rc) {
        sq_yaml_destroy(&self);
        return NULL;
    }
    if (!self->root) {
        self->root = sq_alloc(sizeof *self->root);
        self->root->kind = SQ_YAML_SCALAR;
        self->root->line = 1;
        self->root->document = self;
        self->root->text = sq_strdup("");
        self->root->null = true;
    }
    return self;
}

sq_yaml_t *sq_yaml_load(const char *path, char *error, size_t error_size)
{
    FILE *file = fopen(path, "rb");
    if (!file) {
        snprintf(error, error_size, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    //  Read one byte past the limit to tell a file at the limit from a larger one.
    size_t capacity = 64 * 1024, length = 0;
    char *text = sq_alloc(capacity);
    while (true) {
        if (length == capacity) {
            if (capacity > SQ_YAML_BYTES_MAX)
                break;
            capacity *= 2;
            char *grown = realloc(text, capacity);
            if (!grown)
                abort();
            text = grown;
        }
        size_t got = fread(text + length, 1, capacity - length, file);
        length += got;
        if (got == 0)
            break;
    }
    int read_error = ferror(file);
    fclose(file);
    sq_yaml_t *self = NULL;
    if (read_error)
        snprintf(error, error_size, "%s: cannot read", path);
    else
        self = sq_yaml_parse(path, text, length, error, error_size);
    free(text);
    return self;
}

const char *sq_yaml_file(const sq_yaml_t *self)
{
    return self->file;
}

const sq_yaml_node_t *sq_yaml_root(const sq_yaml_t *self)
{
    return self->root;
}

sq_yaml_kind_t sq_yaml_kind(const sq_yaml_node_t *node)
{
    return node->kind;
}

size_t sq_yaml_line(const sq_yaml_node_t *node)
{
    return node->line;
}

const char *sq_yaml_text(const sq_yaml_node_t *node)
{
    return node->kind == SQ_YAML_SCALAR ? node->text : NULL;
}

bool sq_yaml_is_null(const sq_yaml_node_t *node)
{
    return node->kind == SQ_YAML_SCALAR && node->null;
}

size_t sq_yaml_size(const sq_yaml_node_t *node)
{
    return node->kind == SQ_YAML_SCALAR ? 0 : node->size;
}

const sq_yaml_node_t *sq_yaml_item(const sq_yaml_node_t *node, size_t index)
{
    if (node->kind == SQ_YAML_SCALAR || index >= node->size)
        return NULL;
    return node->items[index];
}

const sq_yaml_node_t *sq_yaml_key(const sq_yaml_node_t *node, size_t index)
{
    if (node->kind != SQ_YAML_MAPPING || index >= node->size)
        return NULL;
    return node->keys[index];
}

const sq_yaml_node_t *sq_yaml_get(const sq_yaml_node_t *mapping, const char *key)
{
    if (!mapping || mapping->kind != SQ_YAML_MAPPING)
        return NULL;
    for (size_t i = 0; i < mapping->size; i++)
        if (strcmp(mapping->keys[i]->text, key) == 0)
            return mapping->items[i];
    return NULL;
}

char *sq_yaml_path(const sq_yaml_node_t *node, char *buffer, size_t size)
{
    //  The chain from the root down; keys share their value's path.
    const sq_yaml_node_t *chain[SQ_YAML_DEPTH_MAX + 2];
    size_t count = 0;
    for (const sq_yaml_node_t *step = node; step->parent && count < SQ_YAML_DEPTH_MAX + 2;
         step = step->parent)
        chain[count++] = step;
    size_t used = 0;
    if (size)
        buffer[0] = '\0';
    while (count-- > 0 && used < size) {
        const sq_yaml_node_t *step = chain[count];
        int written;
        if (step->parent->kind == SQ_YAML_LIST)
            written = snprintf(buffer + used, size - used, "[%zu]", step->index);
        else
            written = snprintf(buffer + used, size - used, "%s%s", used ? "." : "",
                               step->parent->keys[step->index]->text);
        if (written < 0)
            break;
        used += (size_t) written;
    }
    return buffer;
}

static int s_vfail(const sq_yaml_node_t *node, const char *key, char *error, size_t error_size,
                   const char *format, va_list args)
{
    char path[512], message[512];
    sq_yaml_path(node, path, sizeof path);
    if (key)
        snprintf(path + strlen(path), sizeof path - strlen(path), "%s%s", *path ? "." : "", key);
    vsnprintf(message, sizeof message, format, args);
    if (*path)
        snprintf(error, error_size, "%s:%zu: %s: %s", node->document->file, node->line, path,
                 message);
    else
        snprintf(error, error_size, "%s:%zu: %s", node->document->file, node->line, message);
    return -1;
}

int sq_yaml_fail(const sq_yaml_node_t *node, const char *key, char *error, size_t error_size,
                 const char *format, ...)
{
    va_list args;
    va_start(args, format);
    s_vfail(node, key, error, error_size, format, args);
    va_end(args);
    return -1;
}

static const char *s_kind_name(sq_yaml_kind_t kind)
{
    return kind == SQ_YAML_MAPPING ? "a mapping" : kind == SQ_YAML_LIST ? "a list"
                                                                         : "a single value";
}

int sq_yaml_expect(const sq_yaml_node_t *node, sq_yaml_kind_t kind, char *error,
                   size_t error_size)
{
    if (node->kind == kind)
        return 0;
    return sq_yaml_fail(node, NULL, error, error_size, "must be %s, not %s", s_kind_name(kind),
                        s_kind_name(node->kind));
}

int sq_yaml_only_keys(const sq_yaml_node_t *mapping, const char *const *known, char *error,
                      size_t error_size)
{
    if (sq_yaml_expect(mapping, SQ_YAML_MAPPING, error, error_size))
        return -1;
    for (size_t i = 0; i < mapping->size; i++) {
        const char *key = mapping->keys[i]->text;
        bool found = false;
        for (const char *const *name = known; *name && !found; name++)
            found = strcmp(*name, key) == 0;
        if (found)
            continue;
        char list[256] = "";
        for (const char *const *name = known; *name; name++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                     name == known ? "" : ", ", *name);
        return sq_yaml_fail(mapping->keys[i], NULL, error, error_size,
                            "unknown key (known: %s)", list);
    }
    return 0;
}

int sq_yaml_child(const sq_yaml_node_t *mapping, const char *key, sq_yaml_kind_t kind,
                  bool required, const sq_yaml_node_t **child, char *error, size_t error_size)
{
    if (sq_yaml_expect(mapping, SQ_YAML_MAPPING, error, error_size))
        return -1;
    const sq_yaml_node_t *value = sq_yaml_get(mapping, key);
    if (!value || sq_yaml_is_null(value)) {
        *child = NULL;
        if (required)
            return sq_yaml_fail(value ? value : mapping, value ? NULL : key, error, error_size,
                                "required, but %s", value ? "empty" : "missing");
        return 0;
    }
    if (sq_yaml_expect(value, kind, error, error_size))
        return -1;
    *child = value;
    return 0;
}

int sq_yaml_string(const sq_yaml_node_t *mapping, const char *key, bool required,
                   const char **value, char *error, size_t error_size)
{
    const sq_yaml_node_t *child;
    if (sq_yaml_child(mapping, key, SQ_YAML_SCALAR, required, &child, error, error_size))
        return -1;
    if (!child)
        return 0;
    if (!*child->text)
        return sq_yaml_fail(child, NULL, error, error_size, "must not be empty");
    *value = child->text;
    return 0;
}

int sq_yaml_int(const sq_yaml_node_t *mapping, const char *key, bool required, int min, int max,
                int *value, char *error, size_t error_size)
{
    const sq_yaml_node_t *child;
    if (sq_yaml_child(mapping, key, SQ_YAML_SCALAR, required, &child, error, error_size))
        return -1;
    if (!child)
        return 0;
    char *end = NULL;
    errno = 0;
    long number = strtol(child->text, &end, 10);
    if (errno || end == child->text || *end || child->text[0] == ' ' || number < min
        || number > max)
        return sq_yaml_fail(child, NULL, error, error_size,
                            "must be a whole number from %d to %d, got \"%s\"", min, max,
                            child->text);
    *value = (int) number;
    return 0;
}

int sq_yaml_strings(const sq_yaml_node_t *mapping, const char *key, bool required,
                    bool one_or_list, const sq_yaml_node_t ***items, size_t *count, char *error,
                    size_t error_size)
{
    *items = NULL;
    *count = 0;
    if (sq_yaml_expect(mapping, SQ_YAML_MAPPING, error, error_size))
        return -1;
    const sq_yaml_node_t *value = sq_yaml_get(mapping, key);
    if (!value || sq_yaml_is_null(value)) {
        if (required)
            return sq_yaml_fail(value ? value : mapping, value ? NULL : key, error, error_size,
                                "required, but %s", value ? "empty" : "missing");
        return 0;
    }
    if (value->kind == SQ_YAML_SCALAR && one_or_list) {
        if (!*value->text)
            return sq_yaml_fail(value, NULL, error, error_size, "must not be empty");
        *items = sq_alloc(sizeof **items);
        (*items)[0] = value;
        *count = 1;
        return 0;
    }
    if (value->kind != SQ_YAML_LIST)
        return sq_yaml_fail(value, NULL, error, error_size, "must be a list%s, not %s",
                            one_or_list ? " or a single value" : "", s_kind_name(value->kind));
    if (required && value->size == 0)
        return sq_yaml_fail(value, NULL, error, error_size, "required, but empty");
    for (size_t i = 0; i < value->size; i++) {
        const sq_yaml_node_t *item = value->items[i];
        if (sq_yaml_expect(item, SQ_YAML_SCALAR, error, error_size))
            return -1;
        if (!*item->text)
            return sq_yaml_fail(item, NULL, error, error_size, "must not be empty");
    }
    if (value->size) {
        *items = sq_alloc(value->size * sizeof **items);
        memcpy(*items, value->items, value->size * sizeof **items);
        *count = value->size;
    }
    return 0;
}
