/* SPDX-License-Identifier: MIT */
/*
 * http — the HTTP layer on libmicrohttpd: a router with path parameters,
 * a middleware chain (request id and access log built in; auth and rate
 * limiting plugged in by security/), request body limits, problem+json
 * errors (RFC 9457), JSON responses, and the operational endpoints
 * (/healthz, /readyz, /metrics, /openapi.json, /docs).
 *
 * Handlers are thin: parse and validate, call one service, render.
 *
 *     static int keys_list(http_req_t *req) {
 *         json_t *body = ...;
 *         return http_send_json(req, 200, body);   // steals body
 *     }
 *     static const http_route_t routes[] = {
 *         {"GET", "/v1/keys", keys_list, HTTP_SCOPE_ADMIN},
 *     };
 *     http_router_t *r = http_router_new();
 *     http_router_add_all(r, routes, 1);
 */
#ifndef SALIENT_HTTP_H
#define SALIENT_HTTP_H

#include "core/core.h"

typedef struct http_req http_req_t;
typedef struct http_router http_router_t;
typedef struct http_server http_server_t;

/* A handler sends exactly one response (http_send_*) and returns 0. */
typedef int (*http_handler_fn)(http_req_t *req);

/* Scopes a route needs; HTTP_OPEN routes skip authentication. Values are
 * the same bits as the key scopes of security/. */
enum {
    HTTP_OPEN = 0,
    HTTP_SCOPE_READ = 1u << 0,
    HTTP_SCOPE_WRITE = 1u << 1,
    HTTP_SCOPE_ADMIN = 1u << 2,
};

/* Route flags. HTTP_ROUTE_UPLOAD: a multipart/form-data body is parsed
 * while it arrives, file parts streamed to temporary files under the
 * server's upload_dir (never held in memory), plain fields kept (each up
 * to 64 KiB); see http_req_form(). Other bodies are buffered as usual. */
enum { HTTP_ROUTE_UPLOAD = 1u << 0 };

typedef struct {
    const char *method;  /* "GET", "POST", ... */
    const char *pattern; /* "/v1/keys/{id}" */
    http_handler_fn fn;
    unsigned scope; /* HTTP_OPEN or one HTTP_SCOPE_* */
    unsigned flags; /* HTTP_ROUTE_* */
} http_route_t;

/* ---- router ------------------------------------------------------------ */

#define HTTP_MAX_PARAMS 8

typedef struct {
    size_t n;
    const char *name[HTTP_MAX_PARAMS];
    char value[HTTP_MAX_PARAMS][128];
} http_params_t;

/* Returns a new, empty router; free with http_router_free(). */
http_router_t *http_router_new(void);
void http_router_free(http_router_t *r);
/* Adds routes (borrowed: the array must outlive the router). Returns
 * SAL_EEXIST for a duplicate method+pattern, SAL_EINVAL for a bad pattern. */
int http_router_add_all(http_router_t *r, const http_route_t *routes, size_t n);
/* Finds the route for method+path. Returns 0 with *out and params set;
 * SAL_ENOTFOUND when no pattern matches the path (404); SAL_EPERM when the
 * path matches but not the method (405), with the allowed methods written
 * comma-separated to allow. */
int http_router_match(const http_router_t *r, const char *method, const char *path,
                      const http_route_t **out, http_params_t *params, char *allow,
                      size_t allow_cap);
/* Lists every route, in the order added. */
size_t http_router_routes(const http_router_t *r, const http_route_t ***out);

/* ---- requests ---------------------------------------------------------- */

/* Who made the request, set by the auth middleware. */
typedef struct {
    char tenant_id[SAL_ID_CAP];
    char key_id[SAL_ID_CAP];
    char key_prefix[SAL_ID_CAP];
    unsigned scopes;
} http_auth_t;

const char *http_req_method(const http_req_t *req);
const char *http_req_path(const http_req_t *req);
const http_route_t *http_req_route(const http_req_t *req);
const char *http_req_param(const http_req_t *req, const char *name);
const char *http_req_query(http_req_t *req, const char *name);
const char *http_req_header(http_req_t *req, const char *name);
const char *http_req_body(const http_req_t *req, size_t *len);
const char *http_req_id(const http_req_t *req);
sal_app_t *http_req_app(const http_req_t *req);
sal_arena_t *http_req_arena(http_req_t *req);
/* NULL until the auth middleware has accepted a key. */
const http_auth_t *http_req_auth(const http_req_t *req);
void http_req_set_auth(http_req_t *req, const http_auth_t *auth);

/* Parses the body as a JSON object (see sal_json_parse_object); on failure
 * sends the 400/415 problem itself and returns SAL_EINVAL. */
int http_req_json(http_req_t *req, json_t **out);

/* ---- uploads (multipart/form-data on HTTP_ROUTE_UPLOAD routes) -------- */

/* One part of a multipart/form-data body. For a plain field, value holds
 * its bytes (NUL-terminated, len bytes; not necessarily UTF-8). For a file
 * part (one with a filename), path names the temporary file holding its
 * bytes, size its length and sha256 its SHA-256 in hex, computed while it
 * streamed in; the file is deleted when the request completes unless
 * http_part_take() moved it. All strings live in the request's arena. */
typedef struct {
    const char *name;         /* the form field name */
    const char *filename;     /* NULL for plain fields; as the client sent it */
    const char *content_type; /* the part's Content-Type, NULL when absent */
    const char *value;        /* plain fields */
    size_t len;
    const char *path; /* file parts */
    uint64_t size;
    char sha256[65];
} http_part_t;

/* The parts of the request's multipart body, in order. Returns 0;
 * SAL_ENOTFOUND (nothing sent) when the body is not multipart/form-data;
 * SAL_EINVAL when it was malformed or over a part limit, after sending the
 * 400 problem itself. */
int http_req_form(http_req_t *req, const http_part_t **parts, size_t *n);
/* The first part named name, or NULL. */
const http_part_t *http_form_get(const http_part_t *parts, size_t n, const char *name);
/* Moves a file part's temporary file to dest (same file system: rename),
 * so it outlives the request. SAL_EIO when it cannot. */
int http_part_take(http_req_t *req, const http_part_t *part, const char *dest);

/* Parses ?limit= (1..100, default 20) and ?cursor=; on a bad value sends
 * a 400 and returns SAL_EINVAL. cursor_out gets the decoded cursor ("" when
 * absent). */
int http_req_page(http_req_t *req, int *limit_out, char *cursor_out, size_t cursor_cap);
/* Encodes a list cursor for next_cursor; opaque to clients. */
void http_cursor_encode(const char *last_id, char *out, size_t cap);
/* Sends a 200 list page {"items": items, "next_cursor": …}: the cursor
 * of last_id when there are more items after this page (last_id NULL: this
 * is the last page). Steals items. */
int http_send_page(http_req_t *req, json_t *items, const char *last_id);

/* ---- responses --------------------------------------------------------- */

/* Adds a response header (copied). */
void http_header_add(http_req_t *req, const char *name, const char *value);
/* Sends body (copied) with the given status and content type. */
int http_send(http_req_t *req, int status, const char *content_type, const void *body, size_t len);
/* Sends a JSON value (stolen; NULL sends no body, as for 204). */
int http_send_json(http_req_t *req, int status, json_t *body);
/* Builds an RFC 9457 problem object. errors (stolen, may be NULL) is the
 * array of field errors for validation problems. Returns a new object. */
json_t *http_problem_new(int status, const char *detail, const char *instance,
                         const char *request_id, json_t *errors);
/* Sends a problem+json response; errors is stolen, may be NULL. */
int http_problem_send(http_req_t *req, int status, const char *detail, json_t *errors);
/* The stable "type" URI and "title" for a status code. */
const char *http_problem_type(int status);
const char *http_status_title(int status);

/* ---- middleware and server -------------------------------------------- */

/* A middleware returns 0 to pass the request on, or sends a response
 * itself and returns 1. It runs after routing, so http_req_route() is set. */
typedef int (*http_middleware_fn)(http_req_t *req, void *ud);

typedef struct {
    const char *host;
    int port; /* 0: any free port */
    unsigned threads;
    unsigned conn_timeout_s;
    size_t max_body_bytes;
    const char *upload_dir; /* temporary files of uploads (created if missing) */
} http_server_opts_t;

/* Starts listening. router and app are borrowed and must outlive the
 * server. Middlewares run in the order added, before the handler. */
int http_server_start(const http_server_opts_t *opts, http_router_t *router, sal_app_t *app,
                      http_server_t **out);
void http_server_use(http_server_t *s, http_middleware_fn fn, void *ud);
/* The port actually bound (useful with port 0). */
int http_server_port(const http_server_t *s);
/* Stops accepting, lets in-flight requests finish, frees the server. */
void http_server_stop(http_server_t *s);

/* True when s is an acceptable caller-supplied X-Request-ID
 * (1..128 chars of [A-Za-z0-9._-]). */
bool http_request_id_valid(const char *s);

/* The operational routes (/healthz, /readyz, /metrics, /openapi.json,
 * /docs); static, for http_router_add_all. */
extern const http_route_t http_ops_routes[];
extern const size_t http_ops_routes_n;

/* The embedded OpenAPI document (NUL-terminated JSON). */
extern const char http_openapi_json[];
extern const size_t http_openapi_json_len;

#endif
