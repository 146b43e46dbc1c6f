/* SPDX-License-Identifier: MIT */
/*
 * Keeps the served OpenAPI document true to the router: the set of
 * (METHOD, path) operations under "paths" in the embedded
 * http_openapi_json must equal exactly the routes the server registers
 * (http_ops_routes + sec_routes + queue_routes). OpenAPI path templates use the same
 * "{id}" syntax as router patterns, so they compare as strings. Also
 * checks the document is OpenAPI 3.1 and that no route is registered
 * twice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ctype.h>

#include "http/http.h"
#include "queue/queue.h"
#include "security/security.h"

#define MAX_OPS 256

typedef struct {
    char method[16];
    char path[256];
} op_t;

typedef struct {
    op_t op[MAX_OPS];
    size_t n;
} opset_t;

static void opset_add(opset_t *s, const char *method, const char *path) {
    if (s->n == MAX_OPS) fail_msg("more than %d operations", MAX_OPS);
    op_t *o = &s->op[s->n++];
    size_t i;
    for (i = 0; method[i] != '\0' && i + 1 < sizeof o->method; i++)
        o->method[i] = (char)toupper((unsigned char)method[i]);
    o->method[i] = '\0';
    sal_strlcpy(o->path, path, sizeof o->path);
}

static bool opset_has(const opset_t *s, const op_t *o) {
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->op[i].method, o->method) == 0 && strcmp(s->op[i].path, o->path) == 0)
            return true;
    return false;
}

static void routes_add(opset_t *s, const http_route_t *routes, size_t n) {
    for (size_t i = 0; i < n; i++) opset_add(s, routes[i].method, routes[i].pattern);
}

static json_t *load_document(void) {
    assert_int_equal(strlen(http_openapi_json), http_openapi_json_len);
    json_error_t e;
    json_t *doc = json_loadb(http_openapi_json, http_openapi_json_len, JSON_REJECT_DUPLICATES, &e);
    if (doc == NULL) fail_msg("openapi.json does not parse: line %d: %s", e.line, e.text);
    return doc;
}

static void test_document_is_openapi_31(void **state) {
    (void)state;
    json_t *doc = load_document();
    const char *v = json_string_value(json_object_get(doc, "openapi"));
    assert_non_null(v);
    assert_memory_equal(v, "3.1.", 4);
    json_t *info = json_object_get(doc, "info");
    assert_true(json_is_object(info));
    assert_non_null(json_string_value(json_object_get(info, "title")));
    assert_string_equal(json_string_value(json_object_get(info, "version")), SALIENT_VERSION);
    assert_true(json_is_object(json_object_get(doc, "paths")));
    json_decref(doc);
}

static void test_paths_equal_routes(void **state) {
    (void)state;
    static const char *const methods[] = {"get",     "put",  "post",  "delete",
                                          "options", "head", "patch", "trace"};
    static opset_t doc_ops, router_ops;
    memset(&doc_ops, 0, sizeof doc_ops);
    memset(&router_ops, 0, sizeof router_ops);

    json_t *doc = load_document();
    json_t *paths = json_object_get(doc, "paths");
    assert_true(json_is_object(paths));
    const char *path;
    json_t *item;
    json_object_foreach(paths, path, item) {
        assert_true(json_is_object(item));
        for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
            if (json_object_get(item, methods[i]) != NULL) opset_add(&doc_ops, methods[i], path);
    }

    routes_add(&router_ops, http_ops_routes, http_ops_routes_n);
    routes_add(&router_ops, sec_routes, sec_routes_n);
    routes_add(&router_ops, queue_routes, queue_routes_n);

    size_t problems = 0;
    for (size_t i = 0; i < router_ops.n; i++)
        if (!opset_has(&doc_ops, &router_ops.op[i])) {
            print_error("route %s %s is missing from openapi.json\n", router_ops.op[i].method,
                        router_ops.op[i].path);
            problems++;
        }
    for (size_t i = 0; i < doc_ops.n; i++)
        if (!opset_has(&router_ops, &doc_ops.op[i])) {
            print_error("openapi.json documents %s %s, which no route serves\n",
                        doc_ops.op[i].method, doc_ops.op[i].path);
            problems++;
        }
    json_decref(doc);
    if (problems != 0) fail_msg("%zu differences between openapi.json and the router", problems);
    assert_true(router_ops.n > 0);
}

static void test_routes_unique_and_registrable(void **state) {
    (void)state;
    /* The server adds both tables to one router: that must succeed, which
     * also proves there are no duplicates and no bad patterns. */
    http_router_t *r = http_router_new();
    assert_int_equal(http_router_add_all(r, http_ops_routes, http_ops_routes_n), 0);
    assert_int_equal(http_router_add_all(r, sec_routes, sec_routes_n), 0);
    assert_int_equal(http_router_add_all(r, queue_routes, queue_routes_n), 0);
    const http_route_t **list = NULL;
    assert_int_equal(http_router_routes(r, &list),
                     http_ops_routes_n + sec_routes_n + queue_routes_n);
    http_router_free(r);
}

static void test_route_scopes(void **state) {
    (void)state;
    /* The operational endpoints are open (API.md); every /v1/keys route
     * needs admin; GET /v1/jobs/{id} needs read. */
    for (size_t i = 0; i < http_ops_routes_n; i++)
        if (http_ops_routes[i].scope != HTTP_OPEN)
            fail_msg("%s %s should be open", http_ops_routes[i].method, http_ops_routes[i].pattern);
    for (size_t i = 0; i < sec_routes_n; i++)
        if (sec_routes[i].scope != HTTP_SCOPE_ADMIN)
            fail_msg("%s %s should need admin", sec_routes[i].method, sec_routes[i].pattern);
    for (size_t i = 0; i < queue_routes_n; i++)
        if (queue_routes[i].scope != HTTP_SCOPE_READ)
            fail_msg("%s %s should need read", queue_routes[i].method, queue_routes[i].pattern);

    static const op_t want_ops[] = {
        {"GET", "/healthz"},      {"GET", "/readyz"},
        {"GET", "/metrics"},      {"GET", "/openapi.json"},
        {"GET", "/docs"},         {"POST", "/v1/keys"},
        {"GET", "/v1/keys"},      {"DELETE", "/v1/keys/{id}"},
        {"GET", "/v1/jobs/{id}"},
    };
    static opset_t all;
    memset(&all, 0, sizeof all);
    routes_add(&all, http_ops_routes, http_ops_routes_n);
    routes_add(&all, sec_routes, sec_routes_n);
    routes_add(&all, queue_routes, queue_routes_n);
    for (size_t i = 0; i < sizeof want_ops / sizeof want_ops[0]; i++)
        if (!opset_has(&all, &want_ops[i]))
            fail_msg("API.md's %s %s is not routed", want_ops[i].method, want_ops[i].path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_document_is_openapi_31),
        cmocka_unit_test(test_paths_equal_routes),
        cmocka_unit_test(test_routes_unique_and_registrable),
        cmocka_unit_test(test_route_scopes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
