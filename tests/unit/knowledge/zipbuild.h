/* SPDX-License-Identifier: MIT */
/*
 * Builds small zip packages in memory with libzip, for the OOXML tests and
 * the fuzz_ooxml target: hostile shapes too large to commit (10,001
 * entries) and documents whose XML a test spells out. Plain C, no test
 * framework, so fuzz/ can include it as well.
 */
#ifndef SALIENT_TEST_ZIPBUILD_H
#define SALIENT_TEST_ZIPBUILD_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

typedef struct {
    const char *name;
    const void *data;
    size_t len; /* 0: strlen(data) */
} zb_entry_t;

/* Writes the n entries (stored, or deflated when deflate) to a new
 * malloc'd buffer *out of *out_len bytes. Returns 0, or -1 on failure. */
static inline int zb_build(const zb_entry_t *e, size_t n, bool deflate, char **out,
                           size_t *out_len) {
    *out = NULL;
    *out_len = 0;
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_error_fini(&ze);
    if (!src) return -1;
    zip_source_keep(src);
    zip_t *za = zip_open_from_source(src, ZIP_TRUNCATE, NULL);
    if (!za) {
        zip_source_free(src);
        zip_source_free(src);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        size_t len = e[i].len ? e[i].len : strlen((const char *)e[i].data);
        zip_source_t *fs = zip_source_buffer(za, e[i].data, len, 0);
        zip_int64_t idx = fs ? zip_file_add(za, e[i].name, fs, ZIP_FL_ENC_UTF_8) : -1;
        if (idx < 0) {
            if (fs) zip_source_free(fs);
            zip_discard(za);
            zip_source_free(src);
            return -1;
        }
        zip_set_file_compression(za, (zip_uint64_t)idx, deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0);
        zip_file_set_mtime(za, (zip_uint64_t)idx, 1704067200, 0);
    }
    if (zip_close(za) < 0) {
        zip_discard(za);
        zip_source_free(src);
        return -1;
    }
    int rc = -1;
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_source_stat(src, &st) == 0 && (st.valid & ZIP_STAT_SIZE) && zip_source_open(src) == 0) {
        char *buf = malloc(st.size ? st.size : 1);
        if (buf && zip_source_read(src, buf, st.size) == (zip_int64_t)st.size) {
            *out = buf;
            *out_len = st.size;
            rc = 0;
        } else {
            free(buf);
        }
        zip_source_close(src);
    }
    zip_source_free(src);
    return rc;
}

#endif
