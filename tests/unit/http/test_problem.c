/* SPDX-License-Identifier: MIT */
/*
 * Tests for RFC 9457 problem details: the fields http_problem_new builds
 * ("errors" only when given), the stable type URI and title of every
 * status API.md uses, and which caller-supplied X-Request-ID values are
 * kept (1..128 chars of [A-Za-z0-9._-]).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/http.h"

static const char *str(const json_t *o, const char *key) {
    return json_string_value(json_object_get(o, key));
}

static void test_problem_fields(void **state) {
    (void)state;
    json_t *p = http_problem_new(404, "no such key", "/v1/keys/key_1", "req-1", NULL);
    assert_non_null(p);
    assert_true(json_is_object(p));
    assert_string_equal(str(p, "type"), http_problem_type(404));
    assert_string_equal(str(p, "title"), "Not Found");
    assert_true(json_is_integer(json_object_get(p, "status")));
    assert_int_equal(json_integer_value(json_object_get(p, "status")), 404);
    assert_string_equal(str(p, "detail"), "no such key");
    assert_string_equal(str(p, "instance"), "/v1/keys/key_1");
    assert_string_equal(str(p, "request_id"), "req-1");
    assert_null(json_object_get(p, "errors"));
    json_decref(p);
}

static void test_problem_with_errors(void **state) {
    (void)state;
    json_t *errors = json_pack("[{s:s, s:s}]", "field", "top_k", "message", "must be 1..100");
    assert_non_null(errors);
    json_t *keep = json_incref(errors); /* to check it was stolen, not copied */
    json_t *p = http_problem_new(400, "invalid fields", "/v1/knowledge/search", "r2", errors);
    assert_non_null(p);
    assert_int_equal(json_integer_value(json_object_get(p, "status")), 400);
    assert_string_equal(str(p, "title"), "Bad Request");
    json_t *got = json_object_get(p, "errors");
    assert_true(json_is_array(got));
    assert_int_equal(json_array_size(got), 1);
    assert_string_equal(str(json_array_get(got, 0), "field"), "top_k");
    assert_string_equal(str(json_array_get(got, 0), "message"), "must be 1..100");
    json_decref(p);
    /* p held the only other reference: ours is the last one now. */
    assert_int_equal(keep->refcount, 1);
    json_decref(keep);
}

static void test_problem_type_and_title(void **state) {
    (void)state;
    static const struct {
        int status;
        const char *title;
        const char *alt; /* RFC 9110's newer name, where it changed */
    } cases[] = {
        {400, "Bad Request", NULL},
        {401, "Unauthorized", NULL},
        {403, "Forbidden", NULL},
        {404, "Not Found", NULL},
        {405, "Method Not Allowed", NULL},
        {409, "Conflict", NULL},
        {412, "Precondition Failed", NULL},
        {413, "Content Too Large", "Payload Too Large"},
        {415, "Unsupported Media Type", NULL},
        {422, "Unprocessable Content", "Unprocessable Entity"},
        {429, "Too Many Requests", NULL},
        {500, "Internal Server Error", NULL},
        {503, "Service Unavailable", NULL},
    };
    size_t n = sizeof cases / sizeof cases[0];
    for (size_t i = 0; i < n; i++) {
        const char *title = http_status_title(cases[i].status);
        assert_non_null(title);
        if (strcmp(title, cases[i].title) != 0 &&
            (cases[i].alt == NULL || strcmp(title, cases[i].alt) != 0))
            fail_msg("title of %d is \"%s\", want \"%s\"", cases[i].status, title, cases[i].title);

        const char *type = http_problem_type(cases[i].status);
        assert_non_null(type);
        if (strlen(type) < 8 || strcmp(type, "about:blank") == 0)
            fail_msg("type of %d is \"%s\", want a stable URI of its own", cases[i].status, type);
        /* Stable: the same string every time. */
        assert_string_equal(type, http_problem_type(cases[i].status));
        /* Distinct: clients branch on it. */
        for (size_t k = 0; k < i; k++)
            if (strcmp(type, http_problem_type(cases[k].status)) == 0)
                fail_msg("%d and %d share the type %s", cases[i].status, cases[k].status, type);

        json_t *p = http_problem_new(cases[i].status, "d", "/i", "r", NULL);
        assert_string_equal(str(p, "type"), type);
        assert_string_equal(str(p, "title"), title);
        assert_int_equal(json_integer_value(json_object_get(p, "status")), cases[i].status);
        json_decref(p);
    }
    /* Unknown codes still get something printable. */
    assert_non_null(http_status_title(418));
    assert_non_null(http_problem_type(418));
}

static void test_request_id_valid(void **state) {
    (void)state;
    char id[200];

    assert_false(http_request_id_valid(""));
    assert_true(http_request_id_valid("a"));
    assert_true(http_request_id_valid("0"));
    assert_true(http_request_id_valid("req-01JD.Q8_z9"));
    assert_true(http_request_id_valid("..."));

    memset(id, 'a', 128);
    id[128] = '\0';
    assert_true(http_request_id_valid(id));
    id[127] = '_';
    assert_true(http_request_id_valid(id));
    memset(id, 'a', 129);
    id[129] = '\0';
    assert_false(http_request_id_valid(id));
    memset(id, 'b', 199);
    id[199] = '\0';
    assert_false(http_request_id_valid(id));

    static const char *const bad[] = {
        "has space", "a/b",  "a:b", "a+b",         "a\tb", "ab\n", "ab\r",
        "<script>",  "a\"b", "a;b", "caf\xc3\xa9", "%41",  "a,b",  "a=b",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (http_request_id_valid(bad[i])) fail_msg("\"%s\" accepted as a request id", bad[i]);
}

/* An absent header arrives as NULL; the predicate answers rather than
 * crashing. */
static void test_request_id_valid_null(void **state) {
    (void)state;
    assert_false(http_request_id_valid(NULL));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_problem_fields),         cmocka_unit_test(test_problem_with_errors),
        cmocka_unit_test(test_problem_type_and_title), cmocka_unit_test(test_request_id_valid),
        cmocka_unit_test(test_request_id_valid_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
