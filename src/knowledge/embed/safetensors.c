/* SPDX-License-Identifier: MIT */
/*
 * The safetensors loader: maps a .safetensors file read-only and validates
 * its header before anything looks at the data. The format is an 8-byte
 * little-endian header length, a JSON object naming every tensor with its
 * dtype, shape and [begin, end) byte offsets into the data area that
 * follows, and the data. Every number in the header is checked against the
 * file (length prefix, offsets, shape × dtype size with overflow checks,
 * overlaps), so a corrupt or hostile file gives SAL_EINVAL with a message
 * and never an out-of-bounds read. The tensors are kept sorted by name for
 * embed_st_find; names are copied out of the JSON and live as long as the
 * mapping.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "knowledge/embed/embed_int.h"

/* The header is JSON that jansson parses into a tree; 100 MB of it is far
 * beyond any real model and bounds the memory a hostile file can cost. */
#define ST_HEADER_MAX ((uint64_t)100 * 1024 * 1024)

struct embed_st {
    void *map; /* the whole file, PROT_READ */
    size_t map_len;
    embed_tensor_t *tensors; /* sorted by name */
    size_t n;
    char *names; /* every tensor name, NUL-separated; owned */
};

static const struct {
    const char *name;
    embed_dtype_t dtype;
    size_t size;
} dtypes[] = {
    {"F32", EMBED_F32, 4},   {"F16", EMBED_F16, 2},         {"BF16", EMBED_BF16, 2},
    {"F64", EMBED_F64, 8},   {"I64", EMBED_I64, 8},         {"I32", EMBED_I32, 4},
    {"I16", EMBED_I16, 2},   {"I8", EMBED_I8, 1},           {"U8", EMBED_U8, 1},
    {"BOOL", EMBED_BOOL, 1}, {"U16", EMBED_U16, 2},         {"U32", EMBED_U32, 4},
    {"U64", EMBED_U64, 8},   {"F8_E4M3", EMBED_F8_E4M3, 1}, {"F8_E5M2", EMBED_F8_E5M2, 1},
};

static int cmp_by_name(const void *a, const void *b) {
    return strcmp(((const embed_tensor_t *)a)->name, ((const embed_tensor_t *)b)->name);
}

/* Sorts tensor indices by begin offset for the overlap check. */
typedef struct {
    uint64_t begin, end;
    const char *name;
} span_t;

static int cmp_span(const void *a, const void *b) {
    const span_t *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* Reads a JSON integer that must be within [0, max]. */
static bool json_u64(const json_t *v, uint64_t max, uint64_t *out) {
    if (!json_is_integer(v)) return false;
    json_int_t i = json_integer_value(v);
    if (i < 0 || (uint64_t)i > max) return false;
    *out = (uint64_t)i;
    return true;
}

/* Validates one tensor entry and fills t (name not yet set) and its span.
 * data_len is the size of the data area. */
static int parse_tensor(const char *path, const char *name, const json_t *v, uint64_t data_len,
                        const unsigned char *data, embed_tensor_t *t, span_t *span, char *err,
                        size_t errcap) {
    if (!json_is_object(v)) {
        sal_errf(err, errcap, "%s: tensor \"%s\" is not a JSON object", path, name);
        return SAL_EINVAL;
    }
    const json_t *jd = json_object_get(v, "dtype");
    const json_t *js = json_object_get(v, "shape");
    const json_t *jo = json_object_get(v, "data_offsets");
    if (!json_is_string(jd) || !json_is_array(js) || !json_is_array(jo)) {
        sal_errf(err, errcap,
                 "%s: tensor \"%s\" needs dtype (string), shape and data_offsets "
                 "(arrays)",
                 path, name);
        return SAL_EINVAL;
    }
    size_t esize = 0;
    const char *ds = json_string_value(jd);
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++) {
        if (strcmp(ds, dtypes[i].name) == 0) {
            t->dtype = dtypes[i].dtype;
            esize = dtypes[i].size;
            break;
        }
    }
    if (esize == 0) {
        sal_errf(err, errcap, "%s: tensor \"%s\" has unknown dtype \"%.32s\"", path, name, ds);
        return SAL_EINVAL;
    }
    size_t ndim = json_array_size(js);
    if (ndim < 1 || ndim > EMBED_MAX_DIMS) {
        sal_errf(err, errcap, "%s: tensor \"%s\" has %zu dimensions (1..%d supported)", path, name,
                 ndim, EMBED_MAX_DIMS);
        return SAL_EINVAL;
    }
    /* The element count times the element size must fit the data area, so
     * every intermediate product is checked against it. */
    uint64_t count = 1;
    for (size_t d = 0; d < ndim; d++) {
        uint64_t dim;
        if (!json_u64(json_array_get(js, d), INT64_MAX, &dim)) {
            sal_errf(err, errcap, "%s: tensor \"%s\" has a bad dimension %zu", path, name, d);
            return SAL_EINVAL;
        }
        t->shape[d] = (int64_t)dim;
        if (dim != 0 && count > data_len / dim) {
            sal_errf(err, errcap, "%s: tensor \"%s\" shape is larger than the file", path, name);
            return SAL_EINVAL;
        }
        count *= dim;
    }
    for (size_t d = ndim; d < EMBED_MAX_DIMS; d++) t->shape[d] = 0;
    t->ndim = (int)ndim;
    if (count > data_len / esize) {
        sal_errf(err, errcap, "%s: tensor \"%s\" shape is larger than the file", path, name);
        return SAL_EINVAL;
    }
    uint64_t begin, end;
    if (json_array_size(jo) != 2 || !json_u64(json_array_get(jo, 0), data_len, &begin) ||
        !json_u64(json_array_get(jo, 1), data_len, &end) || begin > end) {
        sal_errf(err, errcap,
                 "%s: tensor \"%s\" data_offsets are not [begin, end] within the %llu-byte data "
                 "area",
                 path, name, (unsigned long long)data_len);
        return SAL_EINVAL;
    }
    if (end - begin != count * esize) {
        sal_errf(err, errcap, "%s: tensor \"%s\" is %llu bytes but its shape and dtype need %llu",
                 path, name, (unsigned long long)(end - begin),
                 (unsigned long long)(count * esize));
        return SAL_EINVAL;
    }
    t->data = data + begin;
    t->nbytes = (size_t)(end - begin);
    span->begin = begin;
    span->end = end;
    return 0;
}

int embed_st_open(const char *path, embed_st_t **out, char *err, size_t errcap) {
    int rc = SAL_EINVAL, fd = -1;
    embed_st_t *st = NULL;
    json_t *root = NULL;
    span_t *spans = NULL;
    if (out == NULL || path == NULL) return SAL_EINVAL;
    *out = NULL;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = errno == ENOENT ? SAL_ENOTFOUND : SAL_EIO;
        sal_errf(err, errcap, "%s: %s", path, strerror(errno));
        goto fail;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        sal_errf(err, errcap, "%s: not a regular file", path);
        goto fail;
    }
    if (sb.st_size < 8) {
        sal_errf(err, errcap, "%s: %lld bytes is too short for a safetensors file", path,
                 (long long)sb.st_size);
        goto fail;
    }
    st = xcalloc(1, sizeof *st);
    st->map_len = (size_t)sb.st_size;
    st->map = mmap(NULL, st->map_len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (st->map == MAP_FAILED) {
        st->map = NULL;
        rc = SAL_EIO;
        sal_errf(err, errcap, "%s: mmap: %s", path, strerror(errno));
        goto fail;
    }
    close(fd);
    fd = -1;

    const unsigned char *base = st->map;
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = (hlen << 8) | base[i];
    if (hlen > ST_HEADER_MAX) {
        sal_errf(err, errcap, "%s: header length %llu is over the 100 MB limit", path,
                 (unsigned long long)hlen);
        goto fail;
    }
    if (hlen > st->map_len - 8) {
        sal_errf(err, errcap, "%s: header length %llu runs past the end of the file (%zu bytes)",
                 path, (unsigned long long)hlen, st->map_len);
        goto fail;
    }
    json_error_t jerr;
    root = json_loadb((const char *)base + 8, (size_t)hlen, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        sal_errf(err, errcap, "%s: header is not valid JSON: %s", path, jerr.text);
        goto fail;
    }
    if (!json_is_object(root)) {
        sal_errf(err, errcap, "%s: header is not a JSON object", path);
        goto fail;
    }
    const unsigned char *data = base + 8 + hlen;
    uint64_t data_len = st->map_len - 8 - hlen;

    size_t cap = json_object_size(root), names_len = 0;
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val) names_len += strlen(key) + 1;
    st->tensors = xcalloc(cap ? cap : 1, sizeof *st->tensors);
    spans = xcalloc(cap ? cap : 1, sizeof *spans);
    st->names = xmalloc(names_len ? names_len : 1);
    size_t names_used = 0;
    json_object_foreach(root, key, val) {
        if (strcmp(key, "__metadata__") == 0) {
            if (!json_is_object(val)) {
                sal_errf(err, errcap, "%s: __metadata__ is not a JSON object", path);
                goto fail;
            }
            continue;
        }
        if (key[0] == '\0') {
            sal_errf(err, errcap, "%s: a tensor has an empty name", path);
            goto fail;
        }
        embed_tensor_t *t = &st->tensors[st->n];
        rc = parse_tensor(path, key, val, data_len, data, t, &spans[st->n], err, errcap);
        if (rc < 0) goto fail;
        rc = SAL_EINVAL;
        size_t kl = strlen(key) + 1;
        memcpy(st->names + names_used, key, kl);
        t->name = st->names + names_used;
        spans[st->n].name = t->name;
        names_used += kl;
        st->n++;
    }

    qsort(spans, st->n, sizeof *spans, cmp_span);
    for (size_t i = 1; i < st->n; i++) {
        if (spans[i].begin < spans[i - 1].end) {
            sal_errf(err, errcap, "%s: tensors \"%s\" and \"%s\" overlap", path, spans[i - 1].name,
                     spans[i].name);
            goto fail;
        }
    }
    qsort(st->tensors, st->n, sizeof *st->tensors, cmp_by_name);
    free(spans);
    json_decref(root);
    *out = st;
    return 0;

fail:
    if (fd >= 0) close(fd);
    free(spans);
    json_decref(root);
    embed_st_close(st);
    return rc;
}

void embed_st_close(embed_st_t *st) {
    if (st == NULL) return;
    if (st->map != NULL) munmap(st->map, st->map_len);
    free(st->tensors);
    free(st->names);
    free(st);
}

int embed_st_find(const embed_st_t *st, const char *name, embed_tensor_t *out) {
    if (st == NULL || name == NULL) return SAL_EINVAL;
    embed_tensor_t key = {.name = name};
    const embed_tensor_t *t = bsearch(&key, st->tensors, st->n, sizeof *st->tensors, cmp_by_name);
    if (t == NULL) return SAL_ENOTFOUND;
    if (out != NULL) *out = *t;
    return 0;
}

size_t embed_st_count(const embed_st_t *st) { return st ? st->n : 0; }

int embed_st_at(const embed_st_t *st, size_t i, embed_tensor_t *out) {
    if (st == NULL || i >= st->n) return SAL_EINVAL;
    if (out != NULL) *out = st->tensors[i];
    return 0;
}

void embed_st_bytes(const embed_st_t *st, const void **data, size_t *len) {
    *data = st ? st->map : NULL;
    *len = st ? st->map_len : 0;
}

void embed_st_release(const embed_st_t *st, const void *p, size_t len) {
    if (st == NULL || st->map == NULL) return;
    const uintptr_t base = (uintptr_t)st->map, end = base + st->map_len;
    uintptr_t a = (uintptr_t)p, b = a + len;
    if (a < base || b > end) return; /* not in the mapping (a converted copy) */
    const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    a = (a + page - 1) / page * page; /* whole pages inside [p, p + len) only */
    b = b / page * page;
    if (b > a) madvise((void *)a, b - a, MADV_DONTNEED);
}
