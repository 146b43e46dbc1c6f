/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes request-body JSON: sal_json_parse_object on raw bytes, then
 * sal_json_validate against the field tables of two real requests (search
 * and generate). Beyond "no crash, no leak", it checks that a body the
 * parser accepts is valid UTF-8 and one object, and that every validation
 * error is a {"field","message"} pair of strings.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

static const char *const modes[] = {"hybrid", "vector", "lexical", NULL};
static const char *const channels[] = {"email", "call", "meeting", "chat", NULL};
static const char *const formats[] = {"markdown", "html", "text", NULL};
static const char *const providers[] = {"local", "openai", NULL};
static const char *const stages[] = {"lead",        "qualified",  "discovery",   "proposal",
                                     "negotiation", "closed_won", "closed_lost", NULL};

static const sal_field_t search_fields[] = {
    {"query", SAL_JT_STRING, true, 1, 2000, NULL},
    {"top_k", SAL_JT_INT, false, 1, 100, NULL},
    {"mode", SAL_JT_STRING, false, 0, 0, modes},
    {"filters", SAL_JT_OBJECT, false, 0, 0, NULL},
};

static const sal_field_t generate_fields[] = {
    {"customer_id", SAL_JT_STRING, true, 1, 64, NULL},
    {"objective", SAL_JT_STRING, true, 1, 1000, NULL},
    {"stage", SAL_JT_STRING, false, 0, 0, stages},
    {"channel", SAL_JT_STRING, false, 0, 0, channels},
    {"product", SAL_JT_STRING, false, 0, 200, NULL},
    {"tone", SAL_JT_STRING, false, 0, 100, NULL},
    {"formats", SAL_JT_STRING_ARRAY, false, 1, 3, formats},
    {"provider", SAL_JT_STRING, false, 0, 0, providers},
    {"max_sources", SAL_JT_INT, false, 1, 20, NULL},
    {"no_cache", SAL_JT_BOOL, false, 0, 0, NULL},
    {"temperature", SAL_JT_NUMBER, false, 0, 2, NULL},
    {"tags", SAL_JT_STRING_ARRAY, false, 0, 50, NULL},
};

static void check_errors(json_t *errs) {
    if (!json_is_array(errs)) abort();
    size_t i;
    json_t *e;
    json_array_foreach(errs, i, e) {
        if (!json_is_object(e) || !json_is_string(json_object_get(e, "field")) ||
            !json_is_string(json_object_get(e, "message")))
            abort();
    }
    json_decref(errs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    json_t *obj = NULL;
    char err[128];
    memset(err, 'x', sizeof err);
    int rc = sal_json_parse_object((const char *)data, size, &obj, err, sizeof err);
    if (rc != 0) {
        if (rc != SAL_EINVAL || memchr(err, '\0', sizeof err) == NULL) abort();
        return 0;
    }
    if (!json_is_object(obj) || !sal_utf8_valid((const char *)data, size)) abort();
    check_errors(sal_json_validate(obj, search_fields,
                                   sizeof search_fields / sizeof search_fields[0], true));
    check_errors(sal_json_validate(obj, generate_fields,
                                   sizeof generate_fields / sizeof generate_fields[0], false));
    json_decref(obj);
    return 0;
}
