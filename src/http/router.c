/* SPDX-License-Identifier: MIT */
/*
 * The router: routes are "/literal/{param}/literal" patterns; a path
 * matches when every segment matches (a parameter takes one non-empty
 * segment). Matching is a linear scan — a service has tens of routes, and
 * a scan over pre-split segments beats a trie at that size.
 */
#include "http/http.h"

#include <string.h>

#define MAX_SEGMENTS 16

typedef struct {
    const http_route_t *route;
    size_t nseg;
    const char *seg[MAX_SEGMENTS]; /* literal text, or NULL for a parameter */
    size_t seglen[MAX_SEGMENTS];
    char param[MAX_SEGMENTS][32];
} compiled_t;

struct http_router {
    compiled_t *routes;
    const http_route_t **list;
    size_t n, cap;
};

http_router_t *http_router_new(void) { return xcalloc(1, sizeof(http_router_t)); }

void http_router_free(http_router_t *r) {
    if (!r) return;
    free(r->routes);
    free(r->list);
    free(r);
}

static int compile(const http_route_t *route, compiled_t *c) {
    const char *p = route->pattern;
    if (!p || p[0] != '/' || !route->method || !route->fn) return SAL_EINVAL;
    memset(c, 0, sizeof *c);
    c->route = route;
    size_t nparams = 0;
    if (strcmp(p, "/") == 0) return 0;
    p++;
    for (;;) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 0 || c->nseg == MAX_SEGMENTS) return SAL_EINVAL;
        if (p[0] == '{') {
            if (len < 3 || p[len - 1] != '}' || len - 2 >= sizeof c->param[0] ||
                memchr(p + 1, '{', len - 2) || memchr(p + 1, '}', len - 2) ||
                ++nparams > HTTP_MAX_PARAMS)
                return SAL_EINVAL;
            memcpy(c->param[c->nseg], p + 1, len - 2);
            c->param[c->nseg][len - 2] = '\0';
            c->seg[c->nseg] = NULL;
            /* A repeated name would make http_req_param() ambiguous. */
            for (size_t i = 0; i < c->nseg; i++)
                if (!c->seg[i] && strcmp(c->param[i], c->param[c->nseg]) == 0) return SAL_EINVAL;
        } else {
            if (memchr(p, '{', len) || memchr(p, '}', len)) return SAL_EINVAL;
            c->seg[c->nseg] = p;
            c->seglen[c->nseg] = len;
        }
        c->nseg++;
        if (!end) break;
        p = end + 1;
    }
    return 0;
}

int http_router_add_all(http_router_t *r, const http_route_t *routes, size_t n) {
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < r->n; j++)
            if (strcmp(r->list[j]->method, routes[i].method) == 0 &&
                strcmp(r->list[j]->pattern, routes[i].pattern) == 0)
                return SAL_EEXIST;
        compiled_t c;
        int rc = compile(&routes[i], &c);
        if (rc < 0) return rc;
        if (r->n == r->cap) {
            r->cap = r->cap ? r->cap * 2 : 16;
            r->routes = xrealloc(r->routes, r->cap * sizeof *r->routes);
            r->list = xrealloc(r->list, r->cap * sizeof *r->list);
        }
        r->routes[r->n] = c;
        r->list[r->n] = &routes[i];
        r->n++;
    }
    return 0;
}

/* Splits path into segments; false when it has too many or is not
 * absolute. "/" has zero segments. */
static bool split(const char *path, const char **seg, size_t *seglen, size_t *nseg) {
    *nseg = 0;
    if (path[0] != '/') return false;
    if (path[1] == '\0') return true;
    const char *p = path + 1;
    for (;;) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (*nseg == MAX_SEGMENTS) return false;
        seg[*nseg] = p;
        seglen[*nseg] = len;
        (*nseg)++;
        if (!end) return true;
        p = end + 1;
    }
}

static bool matches(const compiled_t *c, const char *const *seg, const size_t *seglen,
                    size_t nseg) {
    if (c->nseg != nseg) return false;
    for (size_t i = 0; i < nseg; i++) {
        if (c->seg[i]) {
            if (c->seglen[i] != seglen[i] || memcmp(c->seg[i], seg[i], seglen[i]) != 0)
                return false;
        } else if (seglen[i] == 0 || seglen[i] >= sizeof((http_params_t *)0)->value[0]) {
            return false; /* an empty or oversized parameter never matches */
        }
    }
    return true;
}

static bool more_specific(const compiled_t *a, const compiled_t *b) {
    for (size_t i = 0; i < a->nseg; i++)
        if ((a->seg[i] != NULL) != (b->seg[i] != NULL)) return a->seg[i] != NULL;
    return false;
}

int http_router_match(const http_router_t *r, const char *method, const char *path,
                      const http_route_t **out, http_params_t *params, char *allow,
                      size_t allow_cap) {
    const char *seg[MAX_SEGMENTS];
    size_t seglen[MAX_SEGMENTS], nseg;
    if (allow_cap) allow[0] = '\0';
    if (!split(path, seg, seglen, &nseg)) return SAL_ENOTFOUND;

    /* The most specific route wins: a literal segment beats a parameter,
     * comparing from the left ("/v1/keys/stats" over "/v1/keys/{id}"). */
    const compiled_t *best = NULL;
    bool path_found = false;
    size_t alen = 0;
    for (size_t i = 0; i < r->n; i++) {
        const compiled_t *c = &r->routes[i];
        if (!matches(c, seg, seglen, nseg)) continue;
        path_found = true;
        if (strcmp(c->route->method, method) == 0) {
            if (!best || more_specific(c, best)) best = c;
            continue;
        }
        /* Collect Allow, without repeats (two patterns may share a method). */
        const char *m = c->route->method;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(r->routes[j].route->method, m) == 0 &&
                   matches(&r->routes[j], seg, seglen, nseg);
        if (!seen && alen + strlen(m) + 3 < allow_cap)
            alen += (size_t)snprintf(allow + alen, allow_cap - alen, "%s%s", alen ? ", " : "", m);
    }
    if (best) {
        params->n = 0;
        for (size_t s = 0; s < nseg; s++) {
            if (best->seg[s]) continue;
            params->name[params->n] = best->param[s];
            memcpy(params->value[params->n], seg[s], seglen[s]);
            params->value[params->n][seglen[s]] = '\0';
            params->n++;
        }
        *out = best->route;
        if (allow_cap) allow[0] = '\0';
        return 0;
    }
    return path_found ? SAL_EPERM : SAL_ENOTFOUND;
}

size_t http_router_routes(const http_router_t *r, const http_route_t ***out) {
    *out = r->list;
    return r->n;
}
