/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the streaming multipart/form-data parser (src/http/multipart.c).
 * The first three bytes of the input choose the boundary, the chunking
 * and the limits; the rest is the body. The body is fed once whole and
 * once in chunks (each chunk copied into its own allocation, so ASan sees
 * any read outside what was fed), and the two runs must give the same
 * events (begin with name/filename/content type, data coalesced, end),
 * the same result and the same message; a mismatch aborts. Every callback
 * is checked too: begin/data/end properly nested, non-empty names, data
 * never empty, every byte of it read (so an out-of-bounds pointer trips
 * ASan), plain fields within their limit, no more data than body.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_int.h"

static const char *const BOUNDARIES[] = {"b", "aab", "----WebKitFormBoundary7MA4YWxk", "x y", "--"};
#define NB (sizeof BOUNDARIES / sizeof BOUNDARIES[0])

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_multipart: %s failed\n", #cond);                                 \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

typedef struct {
    sal_buf_t log;
    size_t data_at; /* offset of the open data record's length, 0 when none */
    bool in_part, is_file;
    size_t field_bytes, total, max_field, body_len;
    unsigned sum; /* touches every data byte */
} rec_t;

static void log_str(rec_t *r, const char *s) {
    if (!s) {
        sal_buf_append(&r->log, "\x01", 1);
        return;
    }
    CHECK(strlen(s) < 65536);
    sal_buf_append(&r->log, "\x02", 1);
    sal_buf_append(&r->log, s, strlen(s) + 1);
}

static int on_begin(void *ud, const http_mp_part_t *part) {
    rec_t *r = ud;
    CHECK(!r->in_part);
    CHECK(part->name && part->name[0]);
    r->in_part = true;
    r->is_file = part->filename != NULL;
    r->field_bytes = 0;
    r->data_at = 0;
    sal_buf_append(&r->log, "B", 1);
    log_str(r, part->name);
    log_str(r, part->filename);
    log_str(r, part->content_type);
    return 0;
}

static int on_data(void *ud, const char *data, size_t len) {
    rec_t *r = ud;
    CHECK(r->in_part);
    CHECK(data != NULL && len > 0);
    for (size_t i = 0; i < len; i++) r->sum += (unsigned char)data[i];
    r->total += len;
    CHECK(r->total <= r->body_len);
    if (!r->is_file) {
        r->field_bytes += len;
        CHECK(r->field_bytes <= r->max_field);
    }
    if (!r->data_at) { /* a new data record: 'D', 8-byte length, bytes */
        sal_buf_append(&r->log, "D", 1);
        r->data_at = r->log.len;
        uint64_t zero = 0;
        sal_buf_append(&r->log, &zero, sizeof zero);
    }
    uint64_t n;
    memcpy(&n, r->log.data + r->data_at, sizeof n);
    n += len;
    memcpy(r->log.data + r->data_at, &n, sizeof n);
    sal_buf_append(&r->log, data, len);
    return 0;
}

static int on_end(void *ud) {
    rec_t *r = ud;
    CHECK(r->in_part);
    r->in_part = false;
    r->data_at = 0;
    sal_buf_append(&r->log, "E", 1);
    return 0;
}

static const http_mp_callbacks_t CB = {on_begin, on_data, on_end};

/* chunk_max 0: whole. Returns the result; the message goes to msg. */
static int run(const char *boundary, const http_mp_limits_t *lim, const uint8_t *body, size_t len,
               unsigned chunk_max, unsigned seed, rec_t *r, char *msg, size_t msgcap) {
    memset(r, 0, sizeof *r);
    sal_buf_init(&r->log, 0);
    r->max_field = lim->max_field_bytes ? lim->max_field_bytes : 64 * 1024;
    r->body_len = len;
    http_mp_t *p = http_mp_new(boundary, lim, &CB, r);
    CHECK(p != NULL);
    int rc = 0;
    for (size_t off = 0; off < len && rc == 0;) {
        size_t n = len - off;
        if (chunk_max) {
            seed = seed * 1103515245u + 12345u;
            size_t k = 1 + (seed >> 16) % chunk_max;
            if (k < n) n = k;
        }
        char *chunk = xmalloc(n ? n : 1);
        memcpy(chunk, body + off, n);
        rc = http_mp_feed(p, chunk, n);
        free(chunk);
        off += n;
    }
    int frc = http_mp_finish(p);
    if (rc) CHECK(frc == rc);
    CHECK(frc == 0 || frc == SAL_EINVAL || frc == SAL_ELIMIT);
    CHECK((frc == 0) == (http_mp_error(p)[0] == '\0'));
    if (frc == 0) CHECK(!r->in_part);
    int st = http_mp_error_status(p);
    CHECK(frc == 0 ? st == 0 : (st == 400 || st == 413));
    snprintf(msg, msgcap, "%d %s", st, http_mp_error(p));
    http_mp_free(p);
    return frc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 3) return 0;
    const char *boundary = BOUNDARIES[data[0] % NB];
    unsigned chunk_max = 1 + data[1] % 64, seed = data[1];
    http_mp_limits_t lim = {0};
    if (data[2] & 1) { /* small limits, reached often */
        lim.max_parts = 1 + (data[2] >> 1 & 3);
        lim.max_header_bytes = 24 + 8 * (size_t)(data[2] >> 3 & 7);
        lim.max_field_bytes = 1 + (size_t)(data[2] >> 6) * 5;
    }
    const uint8_t *body = data + 3;
    size_t len = size - 3;

    rec_t whole, chunked;
    char msg1[160], msg2[160];
    int rc1 = run(boundary, &lim, body, len, 0, 0, &whole, msg1, sizeof msg1);
    int rc2 = run(boundary, &lim, body, len, chunk_max, seed, &chunked, msg2, sizeof msg2);
    if (rc1 != rc2 || strcmp(msg1, msg2) != 0 || whole.log.len != chunked.log.len ||
        (whole.log.len && memcmp(whole.log.data, chunked.log.data, whole.log.len) != 0)) {
        fprintf(stderr,
                "fuzz_multipart: whole and chunked feeding differ (boundary \"%s\", chunks <= %u): "
                "%d \"%s\" (%zu log bytes) vs %d \"%s\" (%zu)\n",
                boundary, chunk_max, rc1, msg1, whole.log.len, rc2, msg2, chunked.log.len);
        abort();
    }
    CHECK(whole.sum == chunked.sum);
    sal_buf_free(&whole.log);
    sal_buf_free(&chunked.log);

    /* http_mp_boundary on the same bytes as a Content-Type value */
    char ct[256], out[HTTP_MP_BOUNDARY_MAX + 1];
    size_t cl = len < sizeof ct - 1 ? len : sizeof ct - 1;
    memcpy(ct, body, cl);
    ct[cl] = '\0';
    int brc = http_mp_boundary(ct, out, sizeof out);
    CHECK(brc == 0 || brc == SAL_EINVAL || brc == SAL_ENOTFOUND);
    if (brc == 0) {
        CHECK(strlen(out) >= 1 && strlen(out) <= HTTP_MP_BOUNDARY_MAX);
        http_mp_t *p = http_mp_new(out, NULL, NULL, NULL);
        CHECK(p != NULL);
        http_mp_free(p);
    }
    return 0;
}
