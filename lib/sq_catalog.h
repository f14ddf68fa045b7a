/*  sq_catalog: the departments, regions and categories of the city, and the fixed
    complaint types and urgencies.

    sq_catalog_load reads three files from the config folder, each a list under one key
    (each file's header comment says its format):
        departments.yaml   departments: [{id, name, kind, aliases}]
                           kind: department | township | street | hotline
        regions.yaml       regions: [{id, name, kind, government, aliases}]
                           kind: street | township; government: the id of a department of
                           kind township or street
        categories.yaml    categories: [{id, name, group, description}], and optionally
                           settings: [{id, name, description}], the places where a matter
                           happens that change who leads it (a school, a care home ...):
                           classification rules find them, routing rules may ask for them
    Department and region ids are 1-64 of [a-z0-9_]; category ids are words of [a-z0-9_]
    joined by single dots ("food.school_canteen").  Ids are unique in their file; names
    and aliases are unique among the departments and among the regions, so that a lookup
    by name has one answer.  Any mistake stops loading with a message naming file, line
    and key path, e.g.
        config/regions.yaml:12: regions[3].government: "scjgj" is a department, not a
        township or street

    The catalogue is read-only after loading; the records it hands out are borrowed and
    live as long as it does.  The six types (投诉 举报 咨询 求助 建议 表扬) and two urgencies
    (紧急 一般) are fixed here, each with a Chinese label and an English name.
*/
#ifndef SQ_CATALOG_H
#define SQ_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

typedef struct _sq_catalog_t sq_catalog_t;

typedef enum {
    SQ_DEPARTMENT_DEPARTMENT,   //  a functional department (市市场监管局)
    SQ_DEPARTMENT_TOWNSHIP,     //  a township government (镇政府)
    SQ_DEPARTMENT_STREET,       //  a street office (街道办事处)
    SQ_DEPARTMENT_HOTLINE,      //  the hotline centre itself (triage)
} sq_department_kind_t;

typedef enum {
    SQ_REGION_STREET,
    SQ_REGION_TOWNSHIP,
} sq_region_kind_t;

//  Records are read-only; every pointer is borrowed from the catalogue.
typedef struct {
    const char *id;
    const char *name;
    sq_department_kind_t kind;
    const char *const *aliases;
    size_t alias_count;
} sq_department_t;

typedef struct {
    const char *id;
    const char *name;
    sq_region_kind_t kind;
    const sq_department_t *government;   //  its local government
    const char *const *aliases;
    size_t alias_count;
} sq_region_t;

typedef struct {
    const char *id;            //  "food.school_canteen"
    const char *name;          //  学校食堂食品安全
    const char *group;         //  食品安全
    const char *description;   //  "" when not given
} sq_category_t;

//  A setting: where a matter happens, when that decides who leads (seed 002 gives incidents
//  in schools to 市教育局, in care homes to 市民政局 ...).
typedef struct {
    const char *id;            //  "school"
    const char *name;          //  学校(含幼儿园)
    const char *description;   //  "" when not given
} sq_setting_t;

//  The complaint types, fixed by the seed documents.  SQ_TYPE_NONE (0) means "not known".
typedef enum {
    SQ_TYPE_NONE = 0,
    SQ_TYPE_COMPLAINT,    //  投诉
    SQ_TYPE_REPORT,       //  举报
    SQ_TYPE_ENQUIRY,      //  咨询
    SQ_TYPE_HELP,         //  求助
    SQ_TYPE_SUGGESTION,   //  建议
    SQ_TYPE_PRAISE,       //  表扬
    SQ_TYPE_COUNT
} sq_type_t;

//  SQ_URGENCY_NONE (0) means "not known".
typedef enum {
    SQ_URGENCY_NONE = 0,
    SQ_URGENCY_URGENT,    //  紧急
    SQ_URGENCY_NORMAL,    //  一般
    SQ_URGENCY_COUNT
} sq_urgency_t;

//  Load departments.yaml, regions.yaml and categories.yaml from config_dir.  Returns a new
//  catalogue (the caller's, free with sq_catalog_destroy) or NULL with a one-line message
//  naming file, line and key path in error.
sq_catalog_t *sq_catalog_load(const char *config_dir, char *error, size_t error_size);

//  Free the catalogue; safe on NULL and twice.  Every record from it becomes invalid.
void sq_catalog_destroy(sq_catalog_t **self_p);

//  Counts and records in file order; index must be below the count.
size_t sq_catalog_department_count(const sq_catalog_t *self);
const sq_department_t *sq_catalog_department_at(const sq_catalog_t *self, size_t index);
size_t sq_catalog_region_count(const sq_catalog_t *self);
const sq_region_t *sq_catalog_region_at(const sq_catalog_t *self, size_t index);
size_t sq_catalog_category_count(const sq_catalog_t *self);
const sq_category_t *sq_catalog_category_at(const sq_catalog_t *self, size_t index);

//  The settings of categories.yaml, in file order (none when the file has no `settings`).
size_t sq_catalog_setting_count(const sq_catalog_t *self);
const sq_setting_t *sq_catalog_setting_at(const sq_catalog_t *self, size_t index);

//  Lookups by id; NULL when there is none.
const sq_department_t *sq_catalog_department(const sq_catalog_t *self, const char *id);
const sq_region_t *sq_catalog_region(const sq_catalog_t *self, const char *id);
const sq_category_t *sq_catalog_category(const sq_catalog_t *self, const char *id);
const sq_setting_t *sq_catalog_setting(const sq_catalog_t *self, const char *id);

//  Lookups by exact name or alias (categories: by name); NULL when there is none.
const sq_department_t *sq_catalog_department_named(const sq_catalog_t *self, const char *name);
const sq_region_t *sq_catalog_region_named(const sq_catalog_t *self, const char *name);
const sq_category_t *sq_catalog_category_named(const sq_catalog_t *self, const char *name);

//  "department", "township", "street", "hotline".
const char *sq_department_kind_name(sq_department_kind_t kind);

//  "street", "township".
const char *sq_region_kind_name(sq_region_kind_t kind);

//  Parse a type from its Chinese label (投诉) or English name (complaint).  Returns 0 and
//  sets *type, or -1.
int sq_type_parse(const char *text, sq_type_t *type);

//  The Chinese label (投诉) and the English name (complaint); "" for SQ_TYPE_NONE.  Static.
const char *sq_type_label(sq_type_t type);
const char *sq_type_name(sq_type_t type);

//  Parse an urgency from 紧急/一般 or urgent/normal.  Returns 0 and sets *urgency, or -1.
int sq_urgency_parse(const char *text, sq_urgency_t *urgency);

//  The Chinese label (紧急) and the English name (urgent); "" for SQ_URGENCY_NONE.  Static.
const char *sq_urgency_label(sq_urgency_t urgency);
const char *sq_urgency_name(sq_urgency_t urgency);

#endif
