/* SPDX-License-Identifier: MIT */
/*
 * The open operational endpoints: liveness, readiness, metrics, the
 * OpenAPI document and its readable page.
 */
#include "http/http_int.h"
#include "store/store.h"

#include <string.h>

extern const char http_docs_html[];
extern const size_t http_docs_html_len;

static int healthz(http_req_t *req) {
    return http_send_json(req, 200,
                          json_pack("{s:s,s:s}", "status", "ok", "version", SALIENT_VERSION));
}

/* Ready when the store answers with a current schema and the embedding
 * model is loaded. The queue adds its check here when it lands. */
static int readyz(http_req_t *req) {
    sal_app_t *app = http_req_app(req);
    json_t *checks = json_object();
    bool ready = true;
    int version = 0;
    if (!app->store || store_ping(app->store) < 0) {
        json_object_set_new(checks, "store", json_string("unreachable"));
        ready = false;
    } else if (store_schema_version(app->store, &version) < 0 ||
               version != store_schema_latest(app->store)) {
        json_object_set_new(checks, "store", json_string("schema not migrated"));
        ready = false;
    } else {
        json_object_set_new(checks, "store", json_string("ok"));
    }
    json_object_set_new(checks, "queue", json_string(app->queue ? "ok" : "not running"));
    ready = ready && app->queue;
    if (app->model) {
        json_object_set_new(checks, "model", json_string("ok"));
    } else {
        json_object_set_new(checks, "model",
                            json_string(app->model_error[0] ? app->model_error : "not loaded"));
        ready = false;
    }
    if (!ready) http_header_add(req, "Retry-After", "5");
    return http_send_json(
        req, ready ? 200 : 503,
        json_pack("{s:s,s:o}", "status", ready ? "ready" : "not_ready", "checks", checks));
}

static int metrics(http_req_t *req) {
    sal_buf_t b;
    sal_buf_init(&b, 0);
    sal_metrics_render(&b);
    int rc = http_send(req, 200, "text/plain; version=0.0.4; charset=utf-8", b.data, b.len);
    sal_buf_free(&b);
    return rc;
}

static int openapi(http_req_t *req) {
    return http_send(req, 200, "application/json; charset=utf-8", http_openapi_json,
                     http_openapi_json_len);
}

static int docs(http_req_t *req) {
    http_header_add(req, "Content-Security-Policy",
                    "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                    "script-src 'self' 'unsafe-inline'");
    return http_send(req, 200, "text/html; charset=utf-8", http_docs_html, http_docs_html_len);
}

const http_route_t http_ops_routes[] = {
    {"GET", "/healthz", healthz, HTTP_OPEN}, {"GET", "/readyz", readyz, HTTP_OPEN},
    {"GET", "/metrics", metrics, HTTP_OPEN}, {"GET", "/openapi.json", openapi, HTTP_OPEN},
    {"GET", "/docs", docs, HTTP_OPEN},
};
const size_t http_ops_routes_n = sizeof http_ops_routes / sizeof http_ops_routes[0];
