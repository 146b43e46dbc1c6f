/* SPDX-License-Identifier: MIT */
/*
 * Tests for the router: static routes, {param} capture, static segments
 * winning over parameters, 404 versus 405 with the Allow list, no match
 * for a trailing slash or an empty segment, percent-encoded segments kept
 * literal, parameters longer than http_params_t holds not overflowing it,
 * SAL_EEXIST for duplicates, SAL_EINVAL for bad patterns, and the route
 * listing in insertion order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/http.h"

static int h(http_req_t *req) {
    (void)req;
    return 0;
}

/* The {id} route comes before its static sibling on purpose: the static
 * segment must still win. */
static const http_route_t routes[] = {
    {"GET", "/healthz", h, HTTP_OPEN},                                /* 0 */
    {"GET", "/v1/keys", h, HTTP_SCOPE_ADMIN},                         /* 1 */
    {"POST", "/v1/keys", h, HTTP_SCOPE_ADMIN},                        /* 2 */
    {"DELETE", "/v1/keys/{id}", h, HTTP_SCOPE_ADMIN},                 /* 3 */
    {"GET", "/v1/customers/{id}", h, HTTP_SCOPE_READ},                /* 4 */
    {"PATCH", "/v1/customers/{id}", h, HTTP_SCOPE_WRITE},             /* 5 */
    {"DELETE", "/v1/customers/{id}", h, HTTP_SCOPE_WRITE},            /* 6 */
    {"GET", "/v1/customers/analytics", h, HTTP_SCOPE_READ},           /* 7 */
    {"GET", "/v1/customers/{id}/interactions", h, HTTP_SCOPE_READ},   /* 8 */
    {"POST", "/v1/customers/{id}/interactions", h, HTTP_SCOPE_WRITE}, /* 9 */
    {"GET", "/v1/knowledge/sources/{id}/chunks", h, HTTP_SCOPE_READ}, /* 10 */
    {"POST", "/v1/knowledge/search", h, HTTP_SCOPE_READ},             /* 11 */
    {"GET", "/v1/a/{x}/b/{y}", h, HTTP_SCOPE_READ},                   /* 12 */
};
#define NROUTES (sizeof routes / sizeof routes[0])

static int setup(void **state) {
    http_router_t *r = http_router_new();
    if (r == NULL) return -1;
    if (http_router_add_all(r, routes, NROUTES) != 0) {
        http_router_free(r);
        return -1;
    }
    *state = r;
    return 0;
}

static int teardown(void **state) {
    http_router_free(*state);
    return 0;
}

typedef struct {
    int rc;
    const http_route_t *route;
    http_params_t params;
    char allow[128];
} match_t;

static void do_match(const http_router_t *r, const char *method, const char *path, match_t *m) {
    memset(m, 0, sizeof *m);
    m->rc = http_router_match(r, method, path, &m->route, &m->params, m->allow, sizeof m->allow);
}

/* Asserts method+path routes to routes[want]. */
static void expect_route(const http_router_t *r, const char *method, const char *path, size_t want,
                         match_t *m) {
    do_match(r, method, path, m);
    if (m->rc != 0) fail_msg("%s %s: rc %d, want routes[%zu]", method, path, m->rc, want);
    if (m->route != &routes[want])
        fail_msg("%s %s matched %s %s, want %s %s", method, path, m->route ? m->route->method : "?",
                 m->route ? m->route->pattern : "?", routes[want].method, routes[want].pattern);
}

static void expect_rc(const http_router_t *r, const char *method, const char *path, int want) {
    match_t m;
    do_match(r, method, path, &m);
    if (m.rc != want) fail_msg("%s %s: rc %d, want %d", method, path, m.rc, want);
}

/* Splits an Allow value on commas (spaces ignored) and compares it, as a
 * set, with want (NULL-terminated). */
static void expect_allow(const char *allow, const char *const *want) {
    char copy[128];
    sal_strlcpy(copy, allow, sizeof copy);
    size_t got = 0, nwant = 0;
    while (want[nwant] != NULL) nwant++;
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ') tok++;
        size_t n = strlen(tok);
        while (n > 0 && tok[n - 1] == ' ') tok[--n] = '\0';
        bool ok = false;
        for (size_t i = 0; i < nwant; i++) ok = ok || strcmp(tok, want[i]) == 0;
        if (!ok) fail_msg("Allow \"%s\" has unexpected method \"%s\"", allow, tok);
        got++;
    }
    if (got != nwant) fail_msg("Allow \"%s\": %zu methods, want %zu", allow, got, nwant);
}

static void test_static_routes(void **state) {
    http_router_t *r = *state;
    match_t m;
    expect_route(r, "GET", "/healthz", 0, &m);
    assert_int_equal(m.params.n, 0);
    expect_route(r, "GET", "/v1/keys", 1, &m);
    expect_route(r, "POST", "/v1/keys", 2, &m);
    expect_route(r, "POST", "/v1/knowledge/search", 11, &m);
    assert_int_equal(m.params.n, 0);
}

static void test_param_capture(void **state) {
    http_router_t *r = *state;
    match_t m;
    expect_route(r, "DELETE", "/v1/keys/key_01JDQ8Z5YF8N6X6J4V0R3K2M1P", 3, &m);
    assert_int_equal(m.params.n, 1);
    assert_string_equal(m.params.name[0], "id");
    assert_string_equal(m.params.value[0], "key_01JDQ8Z5YF8N6X6J4V0R3K2M1P");

    expect_route(r, "GET", "/v1/customers/cus_1/interactions", 8, &m);
    assert_int_equal(m.params.n, 1);
    assert_string_equal(m.params.value[0], "cus_1");
    expect_route(r, "POST", "/v1/customers/cus_2/interactions", 9, &m);
    assert_string_equal(m.params.value[0], "cus_2");
    expect_route(r, "GET", "/v1/knowledge/sources/src_9/chunks", 10, &m);
    assert_string_equal(m.params.value[0], "src_9");

    expect_route(r, "GET", "/v1/a/one/b/two", 12, &m);
    assert_int_equal(m.params.n, 2);
    assert_string_equal(m.params.name[0], "x");
    assert_string_equal(m.params.value[0], "one");
    assert_string_equal(m.params.name[1], "y");
    assert_string_equal(m.params.value[1], "two");
}

static void test_static_segment_beats_param(void **state) {
    http_router_t *r = *state;
    match_t m;
    expect_route(r, "GET", "/v1/customers/analytics", 7, &m);
    assert_int_equal(m.params.n, 0);
    expect_route(r, "GET", "/v1/customers/analytic", 4, &m);
    assert_string_equal(m.params.value[0], "analytic");
    expect_route(r, "GET", "/v1/customers/analyticsx", 4, &m);
}

static void test_not_found(void **state) {
    http_router_t *r = *state;
    expect_rc(r, "GET", "/nope", SAL_ENOTFOUND);
    expect_rc(r, "GET", "/", SAL_ENOTFOUND);
    expect_rc(r, "GET", "", SAL_ENOTFOUND);
    expect_rc(r, "GET", "/v1", SAL_ENOTFOUND);
    expect_rc(r, "GET", "/v1/customers/cus_1/interactions/extra", SAL_ENOTFOUND);
    expect_rc(r, "GET", "/v1/a/one/b", SAL_ENOTFOUND);
    expect_rc(r, "GET", "/healthzz", SAL_ENOTFOUND);
    expect_rc(r, "GET", "/HEALTHZ", SAL_ENOTFOUND);
    expect_rc(r, "GET", "healthz", SAL_ENOTFOUND);
}

static void test_method_not_allowed_lists_allow(void **state) {
    http_router_t *r = *state;
    match_t m;
    do_match(r, "PUT", "/v1/keys", &m);
    assert_int_equal(m.rc, SAL_EPERM);
    expect_allow(m.allow, (const char *const[]){"GET", "POST", NULL});

    do_match(r, "POST", "/healthz", &m);
    assert_int_equal(m.rc, SAL_EPERM);
    expect_allow(m.allow, (const char *const[]){"GET", NULL});

    do_match(r, "POST", "/v1/customers/cus_1", &m);
    assert_int_equal(m.rc, SAL_EPERM);
    expect_allow(m.allow, (const char *const[]){"GET", "PATCH", "DELETE", NULL});

    do_match(r, "GET", "/v1/keys/key_1", &m);
    assert_int_equal(m.rc, SAL_EPERM);
    expect_allow(m.allow, (const char *const[]){"DELETE", NULL});

    do_match(r, "DELETE", "/v1/knowledge/search", &m);
    assert_int_equal(m.rc, SAL_EPERM);
    expect_allow(m.allow, (const char *const[]){"POST", NULL});
}

static void test_allow_fits_small_buffer(void **state) {
    http_router_t *r = *state;
    const http_route_t *out = NULL;
    http_params_t params;
    char allow[8];
    memset(allow, 'Z', sizeof allow);
    int rc = http_router_match(r, "PUT", "/v1/customers/cus_1", &out, &params, allow, 4);
    assert_int_equal(rc, SAL_EPERM);
    assert_non_null(memchr(allow, '\0', 4));
    assert_int_equal(allow[4], 'Z');
}

static void test_trailing_slash_does_not_match(void **state) {
    http_router_t *r = *state;
    expect_rc(r, "GET", "/healthz/", SAL_ENOTFOUND);
    expect_rc(r, "GET", "/v1/keys/", SAL_ENOTFOUND); /* not an empty {id} */
    expect_rc(r, "DELETE", "/v1/keys/", SAL_ENOTFOUND);
    expect_rc(r, "GET", "/v1/customers/cus_1/", SAL_ENOTFOUND);
    expect_rc(r, "GET", "/v1/customers//interactions", SAL_ENOTFOUND);
    expect_rc(r, "GET", "//healthz", SAL_ENOTFOUND);
    expect_rc(r, "GET", "/v1//keys", SAL_ENOTFOUND);
}

static void test_percent_encoding_stays_literal(void **state) {
    http_router_t *r = *state;
    match_t m;
    expect_route(r, "GET", "/v1/customers/cus%2F1", 4, &m);
    assert_string_equal(m.params.value[0], "cus%2F1");
    expect_route(r, "GET", "/v1/customers/a%20b/interactions", 8, &m);
    assert_string_equal(m.params.value[0], "a%20b");
    /* An encoded literal segment is a different segment. */
    expect_rc(r, "GET", "/v1/k%65ys", SAL_ENOTFOUND);
    expect_rc(r, "GET", "/v1%2Fkeys", SAL_ENOTFOUND);
    expect_rc(r, "GET", "/v1/customers%2Fanalytics", SAL_ENOTFOUND);
    /* ".." is not resolved either. */
    expect_rc(r, "GET", "/v1/keys/../keys", SAL_ENOTFOUND);
}

static void test_long_param_does_not_overflow(void **state) {
    http_router_t *r = *state;
    char path[512] = "/v1/a/";
    size_t off = strlen(path);
    memset(path + off, 'x', 300);
    off += 300;
    memcpy(path + off, "/b/yy", 6);

    match_t m;
    memset(&m, 0, sizeof m);
    memset(m.params.value, 'S', sizeof m.params.value);
    m.rc = http_router_match(r, "GET", path, &m.route, &m.params, m.allow, sizeof m.allow);
    /* Either refused as no route, or matched with a terminated value;
     * never written past value[i]'s 128 bytes. */
    if (m.rc == 0) {
        assert_ptr_equal(m.route, &routes[12]);
        assert_int_equal(m.params.n, 2);
        assert_non_null(memchr(m.params.value[0], '\0', 128));
        assert_string_equal(m.params.value[1], "yy");
        for (size_t i = 2; i < HTTP_MAX_PARAMS; i++)
            for (size_t k = 0; k < 128; k++) assert_int_equal(m.params.value[i][k], 'S');
    } else {
        assert_int_equal(m.rc, SAL_ENOTFOUND);
    }
    /* Exactly 127 chars fit. */
    char path2[256] = "/v1/keys/";
    off = strlen(path2);
    memset(path2 + off, 'k', 127);
    path2[off + 127] = '\0';
    expect_route(r, "DELETE", path2, 3, &m);
    assert_int_equal(strlen(m.params.value[0]), 127);
}

static void test_routes_listed_in_order(void **state) {
    http_router_t *r = *state;
    const http_route_t **list = NULL;
    size_t n = http_router_routes(r, &list);
    assert_int_equal(n, NROUTES);
    assert_non_null(list);
    for (size_t i = 0; i < n; i++) assert_ptr_equal(list[i], &routes[i]);
}

static void test_empty_router(void **state) {
    (void)state;
    http_router_t *r = http_router_new();
    expect_rc(r, "GET", "/healthz", SAL_ENOTFOUND);
    const http_route_t **list = NULL;
    assert_int_equal(http_router_routes(r, &list), 0);
    http_router_free(r);
    http_router_free(NULL);
}

static void test_duplicate_route(void **state) {
    (void)state;
    static const http_route_t dup[] = {
        {"GET", "/v1/keys", h, HTTP_SCOPE_ADMIN},
        {"GET", "/v1/keys", h, HTTP_SCOPE_ADMIN},
    };
    http_router_t *r = http_router_new();
    assert_int_equal(http_router_add_all(r, dup, 2), SAL_EEXIST);
    http_router_free(r);

    /* Across two calls, and with a param route. */
    static const http_route_t a[] = {{"DELETE", "/v1/keys/{id}", h, 0}};
    r = http_router_new();
    assert_int_equal(http_router_add_all(r, a, 1), 0);
    assert_int_equal(http_router_add_all(r, a, 1), SAL_EEXIST);
    /* Same pattern, another method: fine. */
    static const http_route_t b[] = {{"GET", "/v1/keys/{id}", h, 0}};
    assert_int_equal(http_router_add_all(r, b, 1), 0);
    http_router_free(r);
}

static void expect_bad_pattern(const char *pattern) {
    http_route_t one[1] = {{"GET", pattern, h, 0}};
    http_router_t *r = http_router_new();
    int rc = http_router_add_all(r, one, 1);
    http_router_free(r);
    if (rc != SAL_EINVAL) fail_msg("pattern \"%s\": rc %d, want SAL_EINVAL", pattern, rc);
}

static void test_bad_patterns(void **state) {
    (void)state;
    expect_bad_pattern("");
    expect_bad_pattern("v1/keys");
    expect_bad_pattern("/v1/{");
    expect_bad_pattern("/v1/{}");
    expect_bad_pattern("/v1/{id");
    expect_bad_pattern("/v1/id}");
    expect_bad_pattern("/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}"); /* 9 > 8 */
}

/* "/v1/{id}/x/{id}" would make http_req_param("id") ambiguous. */
static void test_duplicate_param_name(void **state) {
    (void)state;
    expect_bad_pattern("/v1/{id}/x/{id}");
}

static void test_max_params(void **state) {
    (void)state;
    static const http_route_t eight[] = {{"GET", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}", h, 0}};
    http_router_t *r = http_router_new();
    assert_int_equal(http_router_add_all(r, eight, 1), 0);
    match_t m;
    do_match(r, "GET", "/1/2/3/4/5/6/7/8", &m);
    assert_int_equal(m.rc, 0);
    assert_ptr_equal(m.route, &eight[0]);
    assert_int_equal(m.params.n, 8);
    assert_string_equal(m.params.name[7], "h");
    assert_string_equal(m.params.value[7], "8");
    http_router_free(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_static_routes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_param_capture, setup, teardown),
        cmocka_unit_test_setup_teardown(test_static_segment_beats_param, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_method_not_allowed_lists_allow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_allow_fits_small_buffer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trailing_slash_does_not_match, setup, teardown),
        cmocka_unit_test_setup_teardown(test_percent_encoding_stays_literal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_param_does_not_overflow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_routes_listed_in_order, setup, teardown),
        cmocka_unit_test(test_empty_router),
        cmocka_unit_test(test_duplicate_route),
        cmocka_unit_test(test_bad_patterns),
        cmocka_unit_test(test_duplicate_param_name),
        cmocka_unit_test(test_max_params),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
