/*  sq_yaml: a YAML file as a small read-only tree, and helpers that walk it with errors
    that name file, line and key path.

    The loaders of config/departments.yaml, matrix.yaml, classify_rules.yaml and the like
    read their file with sq_yaml_load, then check it with the helpers below.  Every node
    is a mapping (keys kept in file order), a list (sequence) or a single value (scalar,
    always kept as text), and remembers the line it starts on and where it sits in the
    document, so that one call can write
        config/matrix.yaml:42: rules[3].lead: unknown department "jyjj"
    The key path joins mapping keys with "." and list positions as "[n]", counted from 0.

    Refused while loading, each with "file:line: message": YAML syntax errors, anchors
    (&a) and aliases (*a), tags (!foo) other than !!str, keys that are not plain values,
    duplicate keys in one mapping, nesting deeper than SQ_YAML_DEPTH_MAX, files larger
    than SQ_YAML_BYTES_MAX, more than SQ_YAML_NODES_MAX nodes, and more than one document.

    Errors go the one way sq_config_load reports them: a one-line message written into
    the caller's buffer (char *error, size_t error_size); functions return 0 or -1.
    Nodes and their text belong to the document and live until sq_yaml_destroy.
*/
#ifndef SQ_YAML_H
#define SQ_YAML_H

#include <stdbool.h>
#include <stddef.h>

#define SQ_YAML_BYTES_MAX (16 * 1024 * 1024)
#define SQ_YAML_DEPTH_MAX 32
#define SQ_YAML_NODES_MAX (256 * 1024)

typedef struct _sq_yaml_t sq_yaml_t;
typedef struct _sq_yaml_node_t sq_yaml_node_t;

typedef enum {
    SQ_YAML_SCALAR,     //  a single value, as text
    SQ_YAML_LIST,       //  a sequence
    SQ_YAML_MAPPING,    //  keys (single values, unique) to nodes, in file order
} sq_yaml_kind_t;

//  Load and check the YAML file at path.  Returns a new document (the caller's, free
//  with sq_yaml_destroy) or NULL with "path:line: message" in error.
sq_yaml_t *sq_yaml_load(const char *path, char *error, size_t error_size);

//  The same for text already in memory; name stands for the file in messages (copied).
sq_yaml_t *sq_yaml_parse(const char *name, const char *text, size_t length, char *error,
                         size_t error_size);

//  Free the document and all its nodes; safe on NULL and twice.
void sq_yaml_destroy(sq_yaml_t **self_p);

//  The file name given to load or parse.  Borrowed.
const char *sq_yaml_file(const sq_yaml_t *self);

//  The top node; never NULL: an empty document is a null single value on line 1.
const sq_yaml_node_t *sq_yaml_root(const sq_yaml_t *self);

//  ---------------------------------------------------------------------------------
//  Reading nodes.  All pointers are borrowed from the document.

sq_yaml_kind_t sq_yaml_kind(const sq_yaml_node_t *node);

//  The line (from 1) the node starts on.
size_t sq_yaml_line(const sq_yaml_node_t *node);

//  A single value's text, or NULL for lists and mappings.  A null value ("", "~", "null"
//  written without quotes) has the text "".
const char *sq_yaml_text(const sq_yaml_node_t *node);

//  True for a single value written as nothing, "~" or "null" (without quotes).
bool sq_yaml_is_null(const sq_yaml_node_t *node);

//  Items in a list or pairs in a mapping; 0 for a single value.
size_t sq_yaml_size(const sq_yaml_node_t *node);

//  The index-th item of a list, or the index-th value of a mapping; NULL when out of range.
const sq_yaml_node_t *sq_yaml_item(const sq_yaml_node_t *node, size_t index);

//  The index-th key of a mapping, as a single-value node (for its line); NULL otherwise.
const sq_yaml_node_t *sq_yaml_key(const sq_yaml_node_t *node, size_t index);

//  The value under key in a mapping, or NULL when the node is not a mapping or has no
//  such key.
const sq_yaml_node_t *sq_yaml_get(const sq_yaml_node_t *mapping, const char *key);

//  Write the node's key path ("rules[3].when.category"; "" for the root) into buffer.
//  Returns buffer.
char *sq_yaml_path(const sq_yaml_node_t *node, char *buffer, size_t size);

//  ---------------------------------------------------------------------------------
//  Checking, with errors.  Each writes "file:line: path: message" into error and
//  returns -1 on failure, 0 on success.  A key whose value is null counts as missing.

//  Write "file:line: path: message" about node into error; returns -1.  When key is not
//  NULL the path is the node's path followed by ".key" (for a key that is missing from
//  the mapping node).
int sq_yaml_fail(const sq_yaml_node_t *node, const char *key, char *error, size_t error_size,
                 const char *format, ...) __attribute__((format(printf, 5, 6)));

//  Check the node is of the given kind ("must be a mapping", "must be a list", "must be
//  a single value").
int sq_yaml_expect(const sq_yaml_node_t *node, sq_yaml_kind_t kind, char *error,
                   size_t error_size);

//  Check that every key of the mapping is one of known (a NULL-terminated list).  The
//  message names the first unknown key, on its own line, and lists the known ones.
int sq_yaml_only_keys(const sq_yaml_node_t *mapping, const char *const *known, char *error,
                      size_t error_size);

//  The value under key, which must be of the given kind.  Sets *child to it, or to NULL
//  when the key is missing and not required.
int sq_yaml_child(const sq_yaml_node_t *mapping, const char *key, sq_yaml_kind_t kind,
                  bool required, const sq_yaml_node_t **child, char *error, size_t error_size);

//  The text under key, a non-empty single value.  Sets *value (borrowed) or, when the key
//  is missing and not required, leaves it unchanged.
int sq_yaml_string(const sq_yaml_node_t *mapping, const char *key, bool required,
                   const char **value, char *error, size_t error_size);

//  The whole number under key, from min to max.  Sets *value or, when the key is missing
//  and not required, leaves it unchanged.
int sq_yaml_int(const sq_yaml_node_t *mapping, const char *key, bool required, int min, int max,
                int *value, char *error, size_t error_size);

//  The list of non-empty single values under key.  A missing or null key is an empty
//  list (an error when required); when one_or_list is true a single value stands for a
//  list of one.  Sets *items to a new array of *count single-value nodes (the array is the
//  caller's to free, the nodes are borrowed; NULL when empty): read them with
//  sq_yaml_text, and name them in messages with sq_yaml_fail.
int sq_yaml_strings(const sq_yaml_node_t *mapping, const char *key, bool required,
                    bool one_or_list, const sq_yaml_node_t ***items, size_t *count, char *error,
                    size_t error_size);

#endif
