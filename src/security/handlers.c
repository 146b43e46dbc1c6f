/* SPDX-License-Identifier: MIT */
/*
 * HTTP glue of security/: the auth, rate-limit and scope middlewares and
 * the /v1/keys handlers. Thin: parse, call the key service, render.
 */
#include "security/security.h"

#include <math.h>
#include <sodium.h>
#include <strings.h>
#include <string.h>

/* Refresh last_used_at at most this often, so auth stays read-only on the
 * hot path. */
#define TOUCH_EVERY_MS 60000

static int unauthorized(http_req_t *req, const char *detail) {
    http_header_add(req, "WWW-Authenticate", "Bearer realm=\"salient\"");
    http_problem_send(req, 401, detail, NULL);
    return 1;
}

int sec_mw_auth(http_req_t *req, void *ud) {
    if (http_req_route(req)->scope == HTTP_OPEN) return 0;
    const char *h = http_req_header(req, "Authorization");
    const char *key = NULL;
    if (h) {
        if (strncasecmp(h, "Bearer ", 7) != 0)
            return unauthorized(req, "use Authorization: Bearer <api key>");
        key = h + 7;
        while (*key == ' ') key++;
    } else {
        key = http_req_header(req, "X-API-Key");
    }
    if (!key || !*key) return unauthorized(req, "an API key is required");

    sal_app_t *app = http_req_app(req);
    store_key_t k;
    int rc = sec_key_authenticate(app->store, key, &k);
    if (rc == SAL_ENOTFOUND) return unauthorized(req, "the API key is invalid or revoked");
    if (rc < 0) {
        http_header_add(req, "Retry-After", "1");
        http_problem_send(req, 503, "the key store is unavailable; try again", NULL);
        return 1;
    }
    http_auth_t auth;
    memset(&auth, 0, sizeof auth);
    sal_strlcpy(auth.tenant_id, k.tenant_id, sizeof auth.tenant_id);
    sal_strlcpy(auth.key_id, k.id, sizeof auth.key_id);
    sal_strlcpy(auth.key_prefix, k.prefix, sizeof auth.key_prefix);
    auth.scopes = k.scopes;
    http_req_set_auth(req, &auth);
    int64_t now = sal_now_ms();
    if (now - k.last_used_ms > TOUCH_EVERY_MS) store_key_touch(app->store, k.id, now);
    return 0;
}

int sec_mw_ratelimit(http_req_t *req, void *ud) {
    const http_auth_t *auth = http_req_auth(req);
    if (!auth) return 0;
    sec_limit_info_t info;
    int rc = sec_limiter_take(ud, auth->key_id, sal_mono_ms() / 1000.0, &info);
    char v[32];
    snprintf(v, sizeof v, "%.0f", info.limit);
    http_header_add(req, "RateLimit-Limit", v);
    snprintf(v, sizeof v, "%.0f", info.remaining);
    http_header_add(req, "RateLimit-Remaining", v);
    snprintf(v, sizeof v, "%.0f", ceil(info.reset_s));
    http_header_add(req, "RateLimit-Reset", v);
    if (rc == 0) return 0;
    double retry = ceil(info.retry_after_s);
    snprintf(v, sizeof v, "%.0f", retry < 1 ? 1 : retry);
    http_header_add(req, "Retry-After", v);
    http_problem_send(req, 429, "rate limit exceeded for this API key; retry later", NULL);
    return 1;
}

int sec_mw_scope(http_req_t *req, void *ud) {
    unsigned need = http_req_route(req)->scope;
    const http_auth_t *auth = http_req_auth(req);
    if (need == HTTP_OPEN || (auth && (auth->scopes & need))) return 0;
    const char *name = need == HTTP_SCOPE_ADMIN   ? "admin"
                       : need == HTTP_SCOPE_WRITE ? "write"
                                                  : "read";
    char detail[96];
    snprintf(detail, sizeof detail, "this API key lacks the %s scope", name);
    http_problem_send(req, 403, detail, NULL);
    return 1;
}

/* ---- /v1/keys ----------------------------------------------------------- */

static const char *const SCOPE_NAMES[] = {"read", "write", "admin", NULL};
static const sal_field_t KEY_CREATE_FIELDS[] = {
    {"name", SAL_JT_STRING, true, 1, 100, NULL},
    {"scopes", SAL_JT_STRING_ARRAY, true, 1, 3, SCOPE_NAMES},
};

static int keys_create(http_req_t *req) {
    json_t *body;
    if (http_req_json(req, &body) < 0) return 0;
    json_t *errors = sal_json_validate(body, KEY_CREATE_FIELDS, 2, true);
    if (json_array_size(errors)) {
        json_decref(body);
        return http_problem_send(req, 400, "the request body has invalid fields", errors);
    }
    json_decref(errors);
    unsigned scopes;
    char err[128];
    if (sec_scopes_from_json(json_object_get(body, "scopes"), &scopes, err, sizeof err) < 0) {
        json_decref(body);
        return http_problem_send(req, 400, "the request body has invalid fields",
                                 json_pack("[{s:s,s:s}]", "field", "scopes", "message", err));
    }
    const http_auth_t *auth = http_req_auth(req);
    store_key_t k;
    char secret[SEC_KEY_CAP];
    int rc = sec_key_create(http_req_app(req)->store, auth->tenant_id,
                            json_string_value(json_object_get(body, "name")), scopes, auth->key_id,
                            http_req_id(req), &k, secret);
    json_decref(body);
    if (rc < 0) return http_problem_send(req, 500, NULL, NULL);
    json_t *out = sec_key_json(&k);
    json_object_set_new(out, "key", json_string(secret));
    sodium_memzero(secret, sizeof secret);
    char loc[96];
    snprintf(loc, sizeof loc, "/v1/keys/%s", k.id);
    http_header_add(req, "Location", loc);
    return http_send_json(req, 201, out);
}

static int keys_list(http_req_t *req) {
    int limit;
    char cursor[64];
    if (http_req_page(req, &limit, cursor, sizeof cursor) < 0) return 0;
    store_key_t keys[101];
    size_t n;
    int rc = store_key_list(http_req_app(req)->store, http_req_auth(req)->tenant_id, cursor, keys,
                            (size_t)limit + 1, &n);
    if (rc < 0) return http_problem_send(req, 500, NULL, NULL);
    json_t *items = json_array();
    size_t shown = n > (size_t)limit ? (size_t)limit : n;
    for (size_t i = 0; i < shown; i++) json_array_append_new(items, sec_key_json(&keys[i]));
    return http_send_page(req, items, n > (size_t)limit ? keys[shown - 1].id : NULL);
}

static int keys_delete(http_req_t *req) {
    const char *id = http_req_param(req, "id");
    const http_auth_t *auth = http_req_auth(req);
    int rc = sal_id_valid(id, "key") ? sec_key_revoke(http_req_app(req)->store, auth->tenant_id, id,
                                                      auth->key_id, http_req_id(req))
                                     : SAL_ENOTFOUND;
    if (rc == SAL_ENOTFOUND) return http_problem_send(req, 404, "no such API key", NULL);
    if (rc < 0) return http_problem_send(req, 500, NULL, NULL);
    return http_send_json(req, 204, NULL);
}

const http_route_t sec_routes[] = {
    {"POST", "/v1/keys", keys_create, HTTP_SCOPE_ADMIN},
    {"GET", "/v1/keys", keys_list, HTTP_SCOPE_ADMIN},
    {"DELETE", "/v1/keys/{id}", keys_delete, HTTP_SCOPE_ADMIN},
};
const size_t sec_routes_n = sizeof sec_routes / sizeof sec_routes[0];
