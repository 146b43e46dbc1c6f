/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes http_router_match with a dozen realistic patterns. Input: the
 * method, a newline, then the path. Checks the answer, not just survival:
 * a match is for the asked method and re-expands (pattern with the
 * captured values substituted) to exactly the path; captured values are
 * non-empty, terminated and hold no '/'; a 405 lists methods that are not
 * the asked one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

static int h(http_req_t *req) {
    (void)req;
    return 0;
}

static const http_route_t routes[] = {
    {"GET", "/healthz", h, HTTP_OPEN},
    {"GET", "/readyz", h, HTTP_OPEN},
    {"GET", "/v1/keys", h, HTTP_SCOPE_ADMIN},
    {"POST", "/v1/keys", h, HTTP_SCOPE_ADMIN},
    {"DELETE", "/v1/keys/{id}", h, HTTP_SCOPE_ADMIN},
    {"GET", "/v1/customers/{id}", h, HTTP_SCOPE_READ},
    {"PATCH", "/v1/customers/{id}", h, HTTP_SCOPE_WRITE},
    {"DELETE", "/v1/customers/{id}", h, HTTP_SCOPE_WRITE},
    {"GET", "/v1/customers/{id}/interactions", h, HTTP_SCOPE_READ},
    {"POST", "/v1/customers/{id}/interactions", h, HTTP_SCOPE_WRITE},
    {"GET", "/v1/knowledge/sources/{id}/chunks", h, HTTP_SCOPE_READ},
    {"POST", "/v1/knowledge/sources/{id}/reindex", h, HTTP_SCOPE_WRITE},
    {"POST", "/v1/recommendations/{id}/feedback", h, HTTP_SCOPE_WRITE},
    {"GET", "/v1/a/{x}/b/{y}/c/{z}", h, HTTP_SCOPE_READ},
};
#define NROUTES (sizeof routes / sizeof routes[0])

static http_router_t *router;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    router = http_router_new();
    if (http_router_add_all(router, routes, NROUTES) != 0) abort();
    return 0;
}

/* Substitutes params into r->pattern, in order; NULL if it does not fit. */
static char *expand(const http_route_t *r, const http_params_t *p) {
    size_t cap = strlen(r->pattern) + HTTP_MAX_PARAMS * 128 + 1, n = 0, k = 0;
    char *out = malloc(cap);
    if (out == NULL) abort();
    for (const char *s = r->pattern; *s != '\0';) {
        if (*s == '{') {
            const char *end = strchr(s, '}');
            if (end == NULL || k >= p->n) abort();
            size_t nl = (size_t)(end - s - 1);
            if (strlen(p->name[k]) != nl || memcmp(p->name[k], s + 1, nl) != 0) abort();
            size_t vl = strlen(p->value[k]);
            memcpy(out + n, p->value[k], vl);
            n += vl;
            k++;
            s = end + 1;
        } else {
            out[n++] = *s++;
        }
    }
    if (k != p->n) abort();
    out[n] = '\0';
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *nl = memchr(data, '\n', size);
    if (nl == NULL) return 0;
    size_t mlen = (size_t)(nl - data);
    char *method = malloc(mlen + 1);
    char *path = malloc(size - mlen);
    if (method == NULL || path == NULL) abort();
    memcpy(method, data, mlen);
    method[mlen] = '\0';
    memcpy(path, nl + 1, size - mlen - 1);
    path[size - mlen - 1] = '\0';

    const http_route_t *out = NULL;
    http_params_t params;
    char allow[64];
    memset(&params, 0, sizeof params);
    int rc = http_router_match(router, method, path, &out, &params, allow, sizeof allow);
    if (rc == 0) {
        if (out < routes || out >= routes + NROUTES) abort();
        if (strcmp(out->method, method) != 0 || params.n > HTTP_MAX_PARAMS) abort();
        for (size_t i = 0; i < params.n; i++) {
            const char *v = params.value[i];
            if (memchr(v, '\0', sizeof params.value[i]) == NULL || v[0] == '\0' ||
                strchr(v, '/') != NULL)
                abort();
        }
        char *again = expand(out, &params);
        if (strcmp(again, path) != 0) abort();
        free(again);
    } else if (rc == SAL_EPERM) {
        if (memchr(allow, '\0', sizeof allow) == NULL || allow[0] == '\0') abort();
        /* The asked method is not among the allowed ones. */
        char copy[64];
        memcpy(copy, allow, sizeof copy);
        char *save = NULL;
        for (char *t = strtok_r(copy, ", ", &save); t != NULL; t = strtok_r(NULL, ", ", &save))
            if (strcmp(t, method) == 0) abort();
    } else if (rc != SAL_ENOTFOUND) {
        abort();
    }
    free(method);
    free(path);
    return 0;
}
