/* SPDX-License-Identifier: MIT */
/*
 * Checked allocation for internal bookkeeping, the per-request arena, the
 * capped growable buffer, and the error-code names.
 */
#include "core/core.h"

#include <stdlib.h>
#include <string.h>

const char *sal_strerror(int code) {
    switch (code) {
    case SAL_OK: return "ok";
    case SAL_ENOMEM: return "size limit reached";
    case SAL_EINVAL: return "invalid input";
    case SAL_ENOTFOUND: return "not found";
    case SAL_EEXIST: return "already exists";
    case SAL_EIO: return "input/output error";
    case SAL_ESTORE: return "database error";
    case SAL_ECONFLICT: return "conflict";
    case SAL_EPERM: return "not permitted";
    case SAL_ELIMIT: return "limit exceeded";
    case SAL_EUNAVAIL: return "unavailable";
    default: return "unknown error";
    }
}

static void oom(size_t n) {
    fprintf(stderr, "salient: out of memory allocating %zu bytes\n", n);
    abort();
}

void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) oom(n);
    return p;
}

void *xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) oom(n * size);
    return p;
}

void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) oom(n);
    return q;
}

char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }

char *xstrndup(const char *s, size_t n) {
    n = strnlen(s, n);
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

size_t sal_strlcpy(char *dst, const char *src, size_t cap) {
    size_t n = strlen(src);
    if (cap) {
        size_t c = n < cap - 1 ? n : cap - 1;
        memcpy(dst, src, c);
        dst[c] = '\0';
    }
    return n;
}

/* ---- arena ------------------------------------------------------------- */

/* Blocks are chained; a request rarely needs more than the first. */
typedef struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    max_align_t data[];
} arena_block_t;

struct sal_arena {
    arena_block_t *head;
};

#define ARENA_BLOCK_BYTES 8192

static arena_block_t *block_new(size_t cap) {
    arena_block_t *b = xmalloc(sizeof *b + cap);
    b->next = NULL;
    b->used = 0;
    b->cap = cap;
    return b;
}

sal_arena_t *sal_arena_new(void) {
    sal_arena_t *a = xmalloc(sizeof *a);
    a->head = block_new(ARENA_BLOCK_BYTES);
    return a;
}

void *sal_arena_alloc(sal_arena_t *a, size_t n) {
    size_t align = sizeof(max_align_t);
    n = (n + align - 1) / align * align;
    arena_block_t *b = a->head;
    if (b->cap - b->used < n) {
        b = block_new(n > ARENA_BLOCK_BYTES ? n : ARENA_BLOCK_BYTES);
        b->next = a->head;
        a->head = b;
    }
    void *p = (char *)b->data + b->used;
    b->used += n;
    return p;
}

char *sal_arena_strndup(sal_arena_t *a, const char *s, size_t n) {
    n = strnlen(s, n);
    char *p = sal_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *sal_arena_strdup(sal_arena_t *a, const char *s) { return sal_arena_strndup(a, s, strlen(s)); }

char *sal_arena_printf(sal_arena_t *a, const char *fmt, ...) {
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = sal_arena_alloc(a, (size_t)(n < 0 ? 0 : n) + 1);
    vsnprintf(p, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

void sal_arena_free(sal_arena_t *a) {
    if (!a) return;
    arena_block_t *b = a->head;
    while (b) {
        arena_block_t *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}

/* ---- capped buffer ----------------------------------------------------- */

void sal_buf_init(sal_buf_t *b, size_t max) {
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

static int buf_reserve(sal_buf_t *b, size_t extra) {
    if (b->max && (extra > b->max || b->len > b->max - extra)) return SAL_ENOMEM;
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
    return 0;
}

int sal_buf_append(sal_buf_t *b, const void *p, size_t n) {
    if (buf_reserve(b, n) < 0) return SAL_ENOMEM;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int sal_buf_puts(sal_buf_t *b, const char *s) { return sal_buf_append(b, s, strlen(s)); }

int sal_buf_printf(sal_buf_t *b, const char *fmt, ...) {
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || buf_reserve(b, (size_t)n) < 0) {
        va_end(ap2);
        return n < 0 ? SAL_EINVAL : SAL_ENOMEM;
    }
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    b->len += (size_t)n;
    return 0;
}

void sal_buf_reset(sal_buf_t *b) {
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}

void sal_buf_free(sal_buf_t *b) {
    if (!b) return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
