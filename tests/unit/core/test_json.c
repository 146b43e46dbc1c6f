/* SPDX-License-Identifier: MIT */
/*
 * Tests for request-body JSON: sal_json_parse_object accepts exactly one
 * well-formed UTF-8 JSON object and nothing else, and sal_json_validate
 * reports every problem of an object against a field table once, by field
 * name, with string lengths counted in characters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/core.h"

/* ---- sal_json_parse_object --------------------------------------------- */

static void parse_rejects(const char *buf, size_t len, const char *what) {
    json_t *obj = (json_t *)0x1;
    char err[128];
    memset(err, 0, sizeof err);
    int rc = sal_json_parse_object(buf, len, &obj, err, sizeof err);
    if (rc != SAL_EINVAL) fail_msg("%s: expected SAL_EINVAL, got %d", what, rc);
    if (err[0] == '\0') fail_msg("%s: no reason in err", what);
    assert_non_null(memchr(err, '\0', sizeof err));
    /* A failed parse hands nothing back (NULL or untouched, never an
     * object the caller would leak). */
    assert_true(obj == NULL || obj == (json_t *)0x1);
}

#define REJECTS(lit, what) parse_rejects((lit), sizeof(lit) - 1, (what))

static json_t *parse_ok(const char *buf, size_t len) {
    json_t *obj = NULL;
    char err[128] = "";
    int rc = sal_json_parse_object(buf, len, &obj, err, sizeof err);
    if (rc != 0) fail_msg("parse of \"%.*s\" failed (%d): %s", (int)len, buf, rc, err);
    assert_non_null(obj);
    assert_true(json_is_object(obj));
    return obj;
}

static void test_parse_accepts_object(void **state) {
    (void)state;
    static const char body[] = "  {\"name\": \"Zo\\u00e9\", \"n\": 3, "
                               "\"nested\": {\"a\": [1, 2]}} \r\n";
    json_t *obj = parse_ok(body, sizeof body - 1);
    assert_int_equal(json_object_size(obj), 3);
    assert_string_equal(json_string_value(json_object_get(obj, "name")), "Zo\xc3\xa9");
    assert_int_equal(json_integer_value(json_object_get(obj, "n")), 3);
    json_decref(obj);

    obj = parse_ok("{}", 2);
    assert_int_equal(json_object_size(obj), 0);
    json_decref(obj);
}

static void test_parse_uses_len_not_nul(void **state) {
    (void)state;
    /* The buffer is not NUL-terminated at len: only len bytes count. */
    static const char buf[] = "{\"a\":1}GARBAGE";
    json_t *obj = parse_ok(buf, 7);
    assert_int_equal(json_integer_value(json_object_get(obj, "a")), 1);
    json_decref(obj);
}

static void test_parse_accepts_raw_utf8(void **state) {
    (void)state;
    static const char body[] = "{\"city\": \"M\xc3\xbcnchen \xe2\x82\xac "
                               "\xf0\x9f\x98\x80\"}";
    json_t *obj = parse_ok(body, sizeof body - 1);
    assert_string_equal(json_string_value(json_object_get(obj, "city")),
                        "M\xc3\xbcnchen \xe2\x82\xac \xf0\x9f\x98\x80");
    json_decref(obj);
}

static void test_parse_rejects_invalid_json(void **state) {
    (void)state;
    REJECTS("{", "unterminated object");
    REJECTS("{\"a\":}", "missing value");
    REJECTS("{\"a\" 1}", "missing colon");
    REJECTS("{'a': 1}", "single quotes");
    REJECTS("{\"a\": 1,}", "trailing comma");
    REJECTS("{\"a\": tru}", "bad literal");
}

static void test_parse_rejects_non_objects(void **state) {
    (void)state;
    REJECTS("[]", "array");
    REJECTS("[{\"a\":1}]", "array of object");
    REJECTS("\"text\"", "string");
    REJECTS("42", "number");
    REJECTS("null", "null");
    REJECTS("true", "bool");
}

static void test_parse_rejects_duplicate_keys(void **state) {
    (void)state;
    REJECTS("{\"a\": 1, \"a\": 2}", "duplicate key");
    REJECTS("{\"a\": {\"b\": 1, \"b\": 1}}", "nested duplicate key");
}

static void test_parse_rejects_invalid_utf8(void **state) {
    (void)state;
    REJECTS("{\"a\": \"\xff\"}", "0xff byte");
    REJECTS("{\"a\": \"\xc3\"}", "truncated sequence");
    REJECTS("{\"a\": \"\xc0\xaf\"}", "overlong");
    REJECTS("{\"a\": \"\xed\xa0\x80\"}", "surrogate");
    REJECTS("{\"\xfe\": 1}", "bad key");
}

static void test_parse_rejects_trailing_garbage(void **state) {
    (void)state;
    REJECTS("{} x", "text after");
    REJECTS("{}{}", "two objects");
    REJECTS("{\"a\":1}]", "stray bracket");
    parse_rejects("{}\0", 3, "NUL after object");
}

static void test_parse_rejects_empty(void **state) {
    (void)state;
    parse_rejects("", 0, "empty body");
    REJECTS("   \n", "whitespace only");
}

/* ---- sal_json_validate ------------------------------------------------- */

static const char *const modes[] = {"hybrid", "vector", "lexical", NULL};
static const char *const formats[] = {"markdown", "html", "text", NULL};

static const sal_field_t fields[] = {
    {"name", SAL_JT_STRING, true, 1, 5, NULL},
    {"top_k", SAL_JT_INT, false, 1, 100, NULL},
    {"score", SAL_JT_NUMBER, false, 0, 1, NULL},
    {"used", SAL_JT_BOOL, false, 0, 0, NULL},
    {"tags", SAL_JT_STRING_ARRAY, false, 0, 3, NULL},
    {"mode", SAL_JT_STRING, false, 0, 0, modes},
    {"formats", SAL_JT_STRING_ARRAY, false, 0, 0, formats},
    {"attributes", SAL_JT_OBJECT, false, 0, 0, NULL},
    {"notes", SAL_JT_STRING, false, 0, 0, NULL},
};
#define NFIELDS (sizeof fields / sizeof fields[0])

static json_t *load(const char *text) {
    json_error_t e;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &e);
    if (j == NULL) fail_msg("test JSON does not parse: %s: %s", text, e.text);
    return j;
}

/* A field error names `name`, or an item of it ("formats[1]"). */
static bool field_is(const char *field, const char *name) {
    size_t n = strlen(name);
    return strncmp(field, name, n) == 0 && (field[n] == '\0' || field[n] == '[' || field[n] == '.');
}

/* Validates text and checks that the errors name exactly the fields in
 * want (NULL-terminated), each once, each with a non-empty message. */
static void expect_errors(const char *text, bool reject_unknown, const char *const *want) {
    json_t *obj = load(text);
    json_t *errs = sal_json_validate(obj, fields, NFIELDS, reject_unknown);
    assert_non_null(errs);
    assert_true(json_is_array(errs));
    char *dump = json_dumps(errs, JSON_COMPACT);

    size_t nwant = 0;
    while (want[nwant] != NULL) nwant++;
    if (json_array_size(errs) != nwant) fail_msg("%s: want %zu errors, got %s", text, nwant, dump);

    for (size_t i = 0; i < json_array_size(errs); i++) {
        json_t *e = json_array_get(errs, i);
        assert_true(json_is_object(e));
        const char *f = json_string_value(json_object_get(e, "field"));
        const char *m = json_string_value(json_object_get(e, "message"));
        if (f == NULL || m == NULL || m[0] == '\0')
            fail_msg("%s: malformed error in %s", text, dump);
        size_t hits = 0;
        for (size_t k = 0; k < nwant; k++)
            if (field_is(f, want[k])) hits++;
        if (hits != 1) fail_msg("%s: unexpected error field \"%s\" in %s", text, f, dump);
    }
    for (size_t k = 0; k < nwant; k++) {
        size_t seen = 0;
        for (size_t i = 0; i < json_array_size(errs); i++) {
            const char *f = json_string_value(json_object_get(json_array_get(errs, i), "field"));
            if (field_is(f, want[k])) seen++;
        }
        if (seen != 1) fail_msg("%s: field %s reported %zu times in %s", text, want[k], seen, dump);
    }
    free(dump);
    json_decref(errs);
    json_decref(obj);
}

#define NONE    ((const char *const[]){NULL})
#define ONLY(f) ((const char *const[]){(f), NULL})

static void test_validate_valid_object(void **state) {
    (void)state;
    expect_errors("{\"name\": \"Ann\"}", true, NONE);
    expect_errors("{\"name\": \"Ann\", \"top_k\": 100, \"score\": 0.5, "
                  "\"used\": false, \"tags\": [\"a\", \"b\", \"c\"], "
                  "\"mode\": \"vector\", \"formats\": [\"html\", \"text\"], "
                  "\"attributes\": {\"k\": 1}, \"notes\": \"\"}",
                  true, NONE);
    /* Bounds are inclusive; a NUMBER accepts integers. */
    expect_errors("{\"name\": \"A\", \"top_k\": 1, \"score\": 1}", true, NONE);
    expect_errors("{\"name\": \"A\", \"score\": 0}", true, NONE);
    expect_errors("{\"name\": \"A\", \"tags\": [], \"formats\": []}", true, NONE);
}

static void test_validate_missing_required(void **state) {
    (void)state;
    expect_errors("{}", false, ONLY("name"));
    expect_errors("{\"top_k\": 3}", true, ONLY("name"));
}

static void test_validate_wrong_types(void **state) {
    (void)state;
    expect_errors("{\"name\": 5}", true, ONLY("name"));
    expect_errors("{\"name\": [\"a\"]}", true, ONLY("name"));
    expect_errors("{\"name\": \"A\", \"top_k\": \"5\"}", true, ONLY("top_k"));
    expect_errors("{\"name\": \"A\", \"top_k\": 1.5}", true, ONLY("top_k"));
    expect_errors("{\"name\": \"A\", \"top_k\": true}", true, ONLY("top_k"));
    expect_errors("{\"name\": \"A\", \"score\": \"0.5\"}", true, ONLY("score"));
    expect_errors("{\"name\": \"A\", \"used\": \"true\"}", true, ONLY("used"));
    expect_errors("{\"name\": \"A\", \"used\": 1}", true, ONLY("used"));
    expect_errors("{\"name\": \"A\", \"tags\": \"a,b\"}", true, ONLY("tags"));
    expect_errors("{\"name\": \"A\", \"tags\": [\"a\", 2]}", true, ONLY("tags"));
    expect_errors("{\"name\": \"A\", \"attributes\": []}", true, ONLY("attributes"));
    expect_errors("{\"name\": \"A\", \"attributes\": \"x\"}", true, ONLY("attributes"));
}

static void test_validate_string_length_in_characters(void **state) {
    (void)state;
    expect_errors("{\"name\": \"\"}", true, ONLY("name"));
    expect_errors("{\"name\": \"abcdef\"}", true, ONLY("name"));
    expect_errors("{\"name\": \"abcde\"}", true, NONE);
    /* "é" is one character (two bytes): five of them fit in max 5. */
    expect_errors("{\"name\": \"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}", true, NONE);
    expect_errors("{\"name\": \"\xc3\xa9\"}", true, NONE);
    expect_errors("{\"name\": \"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}", true,
                  ONLY("name"));
    /* Four-byte characters count once too. */
    expect_errors("{\"name\": \"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
                  "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\"}",
                  true, NONE);
}

static void test_validate_number_range(void **state) {
    (void)state;
    expect_errors("{\"name\": \"A\", \"top_k\": 0}", true, ONLY("top_k"));
    expect_errors("{\"name\": \"A\", \"top_k\": 101}", true, ONLY("top_k"));
    expect_errors("{\"name\": \"A\", \"top_k\": -7}", true, ONLY("top_k"));
    expect_errors("{\"name\": \"A\", \"score\": -0.01}", true, ONLY("score"));
    expect_errors("{\"name\": \"A\", \"score\": 1.5}", true, ONLY("score"));
}

static void test_validate_enum(void **state) {
    (void)state;
    expect_errors("{\"name\": \"A\", \"mode\": \"fuzzy\"}", true, ONLY("mode"));
    expect_errors("{\"name\": \"A\", \"mode\": \"Hybrid\"}", true, ONLY("mode"));
    expect_errors("{\"name\": \"A\", \"mode\": \"\"}", true, ONLY("mode"));
    expect_errors("{\"name\": \"A\", \"formats\": [\"html\", \"pdf\"]}", true, ONLY("formats"));
}

static void test_validate_array_item_count(void **state) {
    (void)state;
    expect_errors("{\"name\": \"A\", \"tags\": [\"a\", \"b\", \"c\", \"d\"]}", true, ONLY("tags"));
}

static void test_validate_unknown_fields(void **state) {
    (void)state;
    expect_errors("{\"name\": \"A\", \"bogus\": 1}", true, ONLY("bogus"));
    expect_errors("{\"name\": \"A\", \"bogus\": 1}", false, NONE);
}

static void test_validate_collects_all_errors(void **state) {
    (void)state;
    expect_errors("{\"top_k\": 0, \"mode\": \"x\", \"used\": \"no\", "
                  "\"extra\": null}",
                  true, (const char *const[]){"name", "top_k", "mode", "used", "extra", NULL});
}

static void test_validate_returns_new_array_each_time(void **state) {
    (void)state;
    json_t *obj = load("{\"name\": \"A\"}");
    json_t *a = sal_json_validate(obj, fields, NFIELDS, true);
    json_t *b = sal_json_validate(obj, fields, NFIELDS, true);
    assert_non_null(a);
    assert_non_null(b);
    assert_ptr_not_equal(a, b);
    assert_int_equal(json_array_size(a), 0);
    /* obj is borrowed: still ours, still intact. */
    assert_int_equal(obj->refcount, 1);
    json_decref(a);
    json_decref(b);
    json_decref(obj);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_accepts_object),
        cmocka_unit_test(test_parse_uses_len_not_nul),
        cmocka_unit_test(test_parse_accepts_raw_utf8),
        cmocka_unit_test(test_parse_rejects_invalid_json),
        cmocka_unit_test(test_parse_rejects_non_objects),
        cmocka_unit_test(test_parse_rejects_duplicate_keys),
        cmocka_unit_test(test_parse_rejects_invalid_utf8),
        cmocka_unit_test(test_parse_rejects_trailing_garbage),
        cmocka_unit_test(test_parse_rejects_empty),
        cmocka_unit_test(test_validate_valid_object),
        cmocka_unit_test(test_validate_missing_required),
        cmocka_unit_test(test_validate_wrong_types),
        cmocka_unit_test(test_validate_string_length_in_characters),
        cmocka_unit_test(test_validate_number_range),
        cmocka_unit_test(test_validate_enum),
        cmocka_unit_test(test_validate_array_item_count),
        cmocka_unit_test(test_validate_unknown_fields),
        cmocka_unit_test(test_validate_collects_all_errors),
        cmocka_unit_test(test_validate_returns_new_array_each_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
