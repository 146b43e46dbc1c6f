/* SPDX-License-Identifier: MIT */
/*
 * Request-body JSON on jansson: strict parsing of one object, and a
 * table-driven validator that collects every field error at once so a
 * client can fix them all in one go.
 */
#include "core/core.h"

#include <math.h>
#include <string.h>

int sal_json_parse_object(const char *buf, size_t len, json_t **out, char *err, size_t errcap) {
    *out = NULL;
    if (len == 0) {
        snprintf(err, errcap, "the request body is empty; a JSON object is required");
        return SAL_EINVAL;
    }
    if (!sal_utf8_valid(buf, len)) {
        snprintf(err, errcap, "the request body is not valid UTF-8");
        return SAL_EINVAL;
    }
    json_error_t je;
    json_t *v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!v) {
        /* jansson's text names the problem and position; it holds no
         * internals, only facts about the client's own bytes. */
        snprintf(err, errcap, "malformed JSON at line %d, column %d: %s", je.line, je.column,
                 je.text);
        return SAL_EINVAL;
    }
    if (!json_is_object(v)) {
        json_decref(v);
        snprintf(err, errcap, "the request body must be a JSON object");
        return SAL_EINVAL;
    }
    *out = v;
    return 0;
}

static size_t utf8_chars(const char *s) {
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80) n++;
    return n;
}

static void add_error(json_t *errors, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add_error(json_t *errors, const char *field, const char *fmt, ...) {
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_array_append_new(errors, json_pack("{s:s,s:s}", "field", field, "message", msg));
}

static bool in_enum(const char *s, const char *const *values) {
    for (; *values; values++)
        if (strcmp(s, *values) == 0) return true;
    return false;
}

static void enum_list(const char *const *values, char *out, size_t cap) {
    size_t o = 0;
    out[0] = '\0';
    for (const char *const *v = values; *v && o < cap; v++)
        o += (size_t)snprintf(out + o, cap - o, "%s%s", v == values ? "" : ", ", *v);
}

static bool bounded(const sal_field_t *f) { return f->min != 0 || f->max != 0; }

static void check_string(json_t *errors, const sal_field_t *f, const json_t *v, const char *name) {
    const char *s = json_string_value(v);
    size_t n = utf8_chars(s);
    if (bounded(f) && (n < (size_t)f->min || n > (size_t)f->max)) {
        if (f->min == f->max)
            add_error(errors, name, "must be exactly %.0f characters", f->min);
        else
            add_error(errors, name, "must be %.0f to %.0f characters", f->min, f->max);
        return;
    }
    if (f->enum_values && !in_enum(s, f->enum_values)) {
        char list[256];
        enum_list(f->enum_values, list, sizeof list);
        add_error(errors, name, "must be one of: %s", list);
    }
}

static void check_field(json_t *errors, const sal_field_t *f, const json_t *v) {
    const char *name = f->name;
    switch (f->type) {
    case SAL_JT_STRING:
        if (!json_is_string(v)) {
            add_error(errors, name, "must be a string");
            return;
        }
        check_string(errors, f, v, name);
        return;
    case SAL_JT_INT:
    case SAL_JT_NUMBER: {
        bool is_int = json_is_integer(v);
        if (f->type == SAL_JT_INT ? !is_int : !json_is_number(v)) {
            add_error(errors, name,
                      f->type == SAL_JT_INT ? "must be an integer" : "must be a number");
            return;
        }
        double d = json_number_value(v);
        if (bounded(f) && (!isfinite(d) || d < f->min || d > f->max))
            add_error(errors, name, "must be %g..%g", f->min, f->max);
        return;
    }
    case SAL_JT_BOOL:
        if (!json_is_boolean(v)) add_error(errors, name, "must be true or false");
        return;
    case SAL_JT_OBJECT:
        if (!json_is_object(v)) add_error(errors, name, "must be an object");
        return;
    case SAL_JT_STRING_ARRAY: {
        if (!json_is_array(v)) {
            add_error(errors, name, "must be an array of strings");
            return;
        }
        size_t n = json_array_size(v);
        if (bounded(f) && (n < (size_t)f->min || n > (size_t)f->max)) {
            add_error(errors, name, "must have %.0f to %.0f items", f->min, f->max);
            return;
        }
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item) {
            /* Errors name the field; the message says which item. */
            if (!json_is_string(item)) {
                add_error(errors, name, "item %zu must be a string", i);
                return;
            }
            if (f->enum_values && !in_enum(json_string_value(item), f->enum_values)) {
                char list[256];
                enum_list(f->enum_values, list, sizeof list);
                add_error(errors, name, "item %zu must be one of: %s", i, list);
                return;
            }
            for (size_t j = 0; j < i; j++)
                if (json_equal(json_array_get(v, j), item)) {
                    add_error(errors, name, "item %zu repeats item %zu", i, j);
                    return;
                }
        }
        return;
    }
    }
}

json_t *sal_json_validate(const json_t *obj, const sal_field_t *fields, size_t n,
                          bool reject_unknown) {
    json_t *errors = json_array();
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_object_get(obj, fields[i].name);
        if (!v) {
            if (fields[i].required) add_error(errors, fields[i].name, "is required");
            continue;
        }
        if (json_is_null(v) && !fields[i].required) continue;
        check_field(errors, &fields[i], v);
    }
    if (reject_unknown) {
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)obj, key, v) {
            bool known = false;
            for (size_t i = 0; i < n && !known; i++) known = strcmp(key, fields[i].name) == 0;
            if (!known) add_error(errors, key, "is not a known field");
        }
    }
    return errors;
}
