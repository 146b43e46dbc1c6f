/* SPDX-License-Identifier: MIT */
/*
 * Tests for the streaming multipart/form-data parser (src/http/multipart.c).
 * A table of bodies, valid and broken, each with the parts (name,
 * filename, content type, data) or the error code and message it must
 * give; every body is fed whole, byte by byte, split in two at every
 * position, and in random chunk sizes, and every feeding must give the
 * same events. Then the default limits on generated bodies (32 parts,
 * 8 KiB of part headers, 64 KiB per plain field, exactly at and one past
 * each), a megabyte of random binary data in random chunks, and the
 * boundary parameter of Content-Type (http_mp_boundary).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/http_int.h"

/* ---- recording events ------------------------------------------------------ */

#define MAX_REC_PARTS 64

typedef struct {
    char *name, *filename, *ct; /* filename/ct NULL when absent */
    sal_buf_t data;
    bool ended;
} rec_part_t;

typedef struct {
    rec_part_t parts[MAX_REC_PARTS];
    size_t n;
    bool in_part;
    int rc;
    char msg[128];
    int status;
} rec_t;

static int rec_begin(void *ud, const http_mp_part_t *part) {
    rec_t *r = ud;
    assert_false(r->in_part);
    assert_true(r->n < MAX_REC_PARTS);
    assert_non_null(part->name);
    assert_true(part->name[0] != '\0');
    rec_part_t *p = &r->parts[r->n++];
    p->name = xstrdup(part->name);
    p->filename = part->filename ? xstrdup(part->filename) : NULL;
    p->ct = part->content_type ? xstrdup(part->content_type) : NULL;
    sal_buf_init(&p->data, 0);
    p->ended = false;
    r->in_part = true;
    return 0;
}

static int rec_data(void *ud, const char *data, size_t len) {
    rec_t *r = ud;
    assert_true(r->in_part);
    assert_true(len > 0);
    assert_int_equal(sal_buf_append(&r->parts[r->n - 1].data, data, len), 0);
    return 0;
}

static int rec_end(void *ud) {
    rec_t *r = ud;
    assert_true(r->in_part);
    r->parts[r->n - 1].ended = true;
    r->in_part = false;
    return 0;
}

static const http_mp_callbacks_t REC_CB = {rec_begin, rec_data, rec_end};

static void rec_free(rec_t *r) {
    for (size_t i = 0; i < r->n; i++) {
        free(r->parts[i].name);
        free(r->parts[i].filename);
        free(r->parts[i].ct);
        sal_buf_free(&r->parts[i].data);
    }
    memset(r, 0, sizeof *r);
}

/* Everything a feeding produced, as one byte string, for comparison. */
static void rec_serialize(const rec_t *r, sal_buf_t *out) {
    sal_buf_init(out, 0);
    sal_buf_printf(out, "rc=%d status=%d msg=%s n=%zu\n", r->rc, r->status, r->msg, r->n);
    for (size_t i = 0; i < r->n; i++) {
        const rec_part_t *p = &r->parts[i];
        sal_buf_printf(out, "[%s|%s|%s|%d|%zu:", p->name, p->filename ? p->filename : "(null)",
                       p->ct ? p->ct : "(null)", p->ended, p->data.len);
        sal_buf_append(out, p->data.data ? p->data.data : "", p->data.len);
        sal_buf_puts(out, "]\n");
    }
}

/* Chunking patterns: 0 whole, 1 byte by byte, 2 split in two at `arg`,
 * 3 random sizes 1..arg from a fixed seed. */
enum { FEED_WHOLE, FEED_BYTES, FEED_SPLIT, FEED_RANDOM };

static void run(const char *boundary, const http_mp_limits_t *lim, const char *body, size_t len,
                int mode, size_t arg, rec_t *r) {
    memset(r, 0, sizeof *r);
    http_mp_t *p = http_mp_new(boundary, lim, &REC_CB, r);
    assert_non_null(p);
    int rc = 0;
    size_t off = 0;
    unsigned seed = (unsigned)arg * 2654435761u + 1;
    while (off < len && rc == 0) {
        size_t n = len - off;
        if (mode == FEED_BYTES) n = 1;
        if (mode == FEED_SPLIT && off < arg) n = arg - off;
        if (mode == FEED_RANDOM) {
            seed = seed * 1103515245u + 12345u;
            n = 1 + (seed >> 8) % (arg ? arg : 1);
            if (n > len - off) n = len - off;
        }
        /* Each chunk lives in its own allocation, so ASan sees any read
         * past the end of what was fed. */
        char *chunk = xmalloc(n);
        memcpy(chunk, body + off, n);
        rc = http_mp_feed(p, chunk, n);
        free(chunk);
        off += n;
    }
    int frc = http_mp_finish(p);
    if (rc != 0) assert_int_equal(frc, rc);
    r->rc = frc;
    r->status = http_mp_error_status(p);
    sal_strlcpy(r->msg, http_mp_error(p), sizeof r->msg);
    /* after an error the parser stays stopped */
    if (frc != 0) assert_int_equal(http_mp_feed(p, "x", 1), frc);
    http_mp_free(p);
}

/* Feeds body every way and checks all feedings agree with the whole one;
 * leaves the whole feeding's events in *out. */
static void run_all(const char *boundary, const http_mp_limits_t *lim, const char *body, size_t len,
                    rec_t *out) {
    run(boundary, lim, body, len, FEED_WHOLE, 0, out);
    sal_buf_t want;
    rec_serialize(out, &want);
    size_t nsplit = len <= 600 ? len : 0;
    size_t total = 1 + 1 + nsplit + 8;
    for (size_t k = 0; k < total; k++) {
        rec_t r;
        if (k == 0)
            run(boundary, lim, body, len, FEED_WHOLE, 0, &r);
        else if (k == 1)
            run(boundary, lim, body, len, FEED_BYTES, 0, &r);
        else if (k < 2 + nsplit)
            run(boundary, lim, body, len, FEED_SPLIT, k - 2, &r);
        else
            run(boundary, lim, body, len, FEED_RANDOM, (size_t)(1u << (k - 2 - nsplit)), &r);
        sal_buf_t got;
        rec_serialize(&r, &got);
        if (got.len != want.len || memcmp(got.data, want.data, got.len) != 0)
            fail_msg("feeding %zu differs:\n--- whole\n%s\n--- this\n%s", k, want.data, got.data);
        sal_buf_free(&got);
        rec_free(&r);
    }
    sal_buf_free(&want);
}

/* ---- the table ------------------------------------------------------------- */

typedef struct {
    const char *name, *filename, *ct;
    const char *data;
    size_t len;
} want_part_t;

typedef struct {
    const char *label;
    const char *boundary;
    const char *body;
    size_t body_len;
    http_mp_limits_t lim;
    int rc;
    const char *msg; /* exact, for errors */
    size_t nparts;
    want_part_t parts[4];
} mp_case_t;

/* A literal body, NULs and all. */
#define BODY(s) .body = (s), .body_len = sizeof(s) - 1
#define DATA(s) .data = (s), .len = sizeof(s) - 1
#define CD      "Content-Disposition: form-data; "

static const mp_case_t CASES[] = {
    {"one field", "b", BODY("--b\r\n" CD "name=\"a\"\r\n\r\nhello\r\n--b--\r\n"), .nparts = 1,
     .parts = {{"a", NULL, NULL, DATA("hello")}}},
    {"fields and a file", "XyZ123",
     BODY("--XyZ123\r\n" CD "name=\"title\"\r\n\r\nQ3 pricing\r\n"
          "--XyZ123\r\n" CD "name=\"tags\"\r\n\r\nsales,emea\r\n"
          "--XyZ123\r\n" CD "name=\"file\"; filename=\"rates.txt\"\r\n"
          "Content-Type: text/plain\r\n\r\nline one\nline two\n\r\n--XyZ123--\r\n"),
     .nparts = 3,
     .parts = {{"title", NULL, NULL, DATA("Q3 pricing")},
               {"tags", NULL, NULL, DATA("sales,emea")},
               {"file", "rates.txt", "text/plain", DATA("line one\nline two\n")}}},
    {"preamble and epilogue ignored", "b",
     BODY("This is the preamble.\r\n--b is not here\r\n--bb nor here\r\n"
          "--b\r\n" CD "name=\"a\"\r\n\r\nx\r\n--b--\r\nepilogue\r\n--b\r\n" CD
          "name=\"z\"\r\n\r\nignored\r\n--b--\r\n"),
     .nparts = 1, .parts = {{"a", NULL, NULL, DATA("x")}}},
    {"boundary-like text in data", "boundary",
     BODY("--boundary\r\n" CD "name=\"f\"; filename=\"a.bin\"\r\n\r\n"
          "--boundary\r\n--boundar\r\n-\r\n--boundarx\r\n--\r\n\r\n\r\n--boundary--\r\n"),
     .nparts = 1,
     .parts = {{"f", "a.bin", NULL,
                DATA("--boundary\r\n--boundar\r\n-\r\n--boundarx\r\n--\r\n\r\n")}}},
    {"CR and LF runs in a file", "b",
     BODY("--b\r\n" CD
          "name=\"f\"; filename=\"crlf\"\r\n\r\n\r\r\n\n\r\n\r\r\r\n-\r\n-\r\r\n--b--"),
     .nparts = 1, .parts = {{"f", "crlf", NULL, DATA("\r\r\n\n\r\n\r\r\r\n-\r\n-\r")}}},
    {"self-overlapping boundary", "aab",
     BODY("--aab\r\n" CD "name=\"x\"\r\n\r\n\r\n--aa\r\n--aa\r\n--aab\r\n" CD
          "name=\"y\"\r\n\r\n-\r\n--aab--"),
     .nparts = 2,
     .parts = {{"x", NULL, NULL, DATA("\r\n--aa\r\n--aa")}, {"y", NULL, NULL, DATA("-")}}},
    {"binary file with NULs", "b",
     BODY("--b\r\n" CD "name=\"bin\"; filename=\"z.dat\"\r\nContent-Type: application/octet-stream"
          "\r\n\r\n\0\x01\xff\0\r\0\n\0--b\0\r\n--b--\r\n"),
     .nparts = 1,
     .parts = {{"bin", "z.dat", "application/octet-stream", DATA("\0\x01\xff\0\r\0\n\0--b\0")}}},
    {"empty file", "b", BODY("--b\r\n" CD "name=\"f\"; filename=\"e.txt\"\r\n\r\n\r\n--b--\r\n"),
     .nparts = 1, .parts = {{"f", "e.txt", NULL, DATA("")}}},
    {"empty field and empty filename", "b",
     BODY("--b\r\n" CD "name=\"a\"\r\n\r\n\r\n--b\r\n" CD
          "name=\"f\"; filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n--b--"),
     .nparts = 2,
     .parts = {{"a", NULL, NULL, DATA("")}, {"f", "", "application/octet-stream", DATA("")}}},
    {"quoted-string escapes", "b",
     BODY("--b\r\n" CD "name=\"a\\\"b\\\\c\"; filename=\"my \\\"q\\\" ;file.txt\"\r\n\r\n"
          "v\r\n--b--"),
     .nparts = 1, .parts = {{"a\"b\\c", "my \"q\" ;file.txt", NULL, DATA("v")}}},
    {"RFC 5987 filename*", "b",
     BODY("--b\r\n" CD "name=\"doc\"; filename*=UTF-8''%E2%82%AC%20rates.pdf\r\n\r\n%PDF\r\n--b--"),
     .nparts = 1, .parts = {{"doc", "\xe2\x82\xac rates.pdf", NULL, DATA("%PDF")}}},
    {"filename* wins over filename, either order", "b",
     BODY("--b\r\n" CD "name=\"a\"; filename=\"plain.txt\"; filename*=utf-8'en'%C3%A9t%C3%A9.txt"
          "\r\n\r\n1\r\n--b\r\n" CD
          "name=\"b\"; filename*=UTF-8''%C3%A9.txt; filename=\"e.txt\"\r\n\r\n2\r\n--b--"),
     .nparts = 2,
     .parts = {{"a", "\xc3\xa9t\xc3\xa9.txt", NULL, DATA("1")},
               {"b", "\xc3\xa9.txt", NULL, DATA("2")}}},
    {"header and parameter names are case-insensitive", "b",
     BODY("--b\r\ncontent-DISPOSITION: Form-Data; NAME=\"n\"; FileName=\"F.txt\"\r\n"
          "CONTENT-type: text/csv\r\n\r\nx,y\r\n--b--"),
     .nparts = 1, .parts = {{"n", "F.txt", "text/csv", DATA("x,y")}}},
    {"unquoted values, odd spacing, other headers ignored", "b",
     BODY("--b\r\nContent-Disposition:form-data ;name=field1 ; filename = a.txt;\r\n"
          "Content-Transfer-Encoding: binary\r\nX-Other: 1\r\n"
          "Content-Type:   text/plain; charset=utf-8   \r\n\r\nok\r\n--b--"),
     .nparts = 1, .parts = {{"field1", "a.txt", "text/plain; charset=utf-8", DATA("ok")}}},
    {"padding after boundaries", "b",
     BODY("--b  \t\r\n" CD "name=\"a\"\r\n\r\n1\r\n--b \r\n" CD "name=\"c\"\r\n\r\n2\r\n--b--  x"),
     .nparts = 2, .parts = {{"a", NULL, NULL, DATA("1")}, {"c", NULL, NULL, DATA("2")}}},
    {"boundary with every allowed special char", "'()+_,-./:=? x",
     BODY("--'()+_,-./:=? x\r\n" CD "name=\"a\"\r\n\r\nv\r\n--'()+_,-./:=? x--"), .nparts = 1,
     .parts = {{"a", NULL, NULL, DATA("v")}}},
    {"delimiter-like lines in the preamble", "b",
     BODY("--bb\r\n--b-\r\n--b \t x\r\n--b\r\r\n--b\r\n" CD "name=\"a\"\r\n\r\nv\r\n--b--"),
     .nparts = 1, .parts = {{"a", NULL, NULL, DATA("v")}}},
    {"no parts at all", "b", BODY("--b--\r\n"), .nparts = 0},
    {"a file part is not capped like a field", "b",
     BODY("--b\r\n" CD "name=\"f\"; filename=\"f\"\r\n\r\nhello world\r\n--b--"),
     .lim = {.max_field_bytes = 4}, .nparts = 1, .parts = {{"f", "f", NULL, DATA("hello world")}}},
    {"a field exactly at its limit", "b", BODY("--b\r\n" CD "name=\"a\"\r\n\r\nhell\r\n--b--"),
     .lim = {.max_field_bytes = 4}, .nparts = 1, .parts = {{"a", NULL, NULL, DATA("hell")}}},

    /* ---- errors ---- */
    {"missing closing boundary", "b", BODY("--b\r\n" CD "name=\"a\"\r\n\r\nhello\r\n"),
     .rc = SAL_EINVAL, .msg = "multipart body: missing closing boundary"},
    {"body ends inside part headers", "b", BODY("--b\r\n" CD "name=\"a\""), .rc = SAL_EINVAL,
     .msg = "multipart body: missing closing boundary"},
    {"no delimiter at all", "b", BODY("just some text\r\n--c\r\n"), .rc = SAL_EINVAL,
     .msg = "multipart body: no boundary delimiter found"},
    {"empty body", "b", .body = "", .body_len = 0, .rc = SAL_EINVAL,
     .msg = "multipart body: no boundary delimiter found"},
    {"missing name", "b", BODY("--b\r\n" CD "filename=\"a.txt\"\r\n\r\nx\r\n--b--"),
     .rc = SAL_EINVAL, .msg = "multipart body: part without a name"},
    {"empty name", "b", BODY("--b\r\n" CD "name=\"\"\r\n\r\nx\r\n--b--"), .rc = SAL_EINVAL,
     .msg = "multipart body: part without a name"},
    {"no Content-Disposition", "b", BODY("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--"),
     .rc = SAL_EINVAL, .msg = "multipart body: part without Content-Disposition"},
    {"no headers at all", "b", BODY("--b\r\n\r\nx\r\n--b--"), .rc = SAL_EINVAL,
     .msg = "multipart body: part without Content-Disposition"},
    {"not form-data", "b",
     BODY("--b\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--b--"), .rc = SAL_EINVAL,
     .msg = "multipart body: part is not form-data"},
    {"bare LF in part headers", "b", BODY("--b\r\n" CD "name=\"a\"\n\nx\r\n--b--"),
     .rc = SAL_EINVAL, .msg = "multipart body: part header line not ended by CRLF"},
    {"LF-only boundary line", "b", BODY("--b\n" CD "name=\"a\"\r\n\r\nx\r\n--b--"),
     .rc = SAL_EINVAL, .msg = "multipart body: malformed boundary line"},
    {"delimiter followed by text", "b", BODY("--b\r\n" CD "name=\"a\"\r\n\r\nx\r\n--bX\r\n--b--"),
     .rc = SAL_EINVAL, .msg = "multipart body: malformed boundary line"},
    {"single dash after delimiter", "b", BODY("--b\r\n" CD "name=\"a\"\r\n\r\nx\r\n--b-\r\n"),
     .rc = SAL_EINVAL, .msg = "multipart body: malformed boundary line"},
    {"header line without colon", "b", BODY("--b\r\n" CD "name=\"a\"\r\nbogus\r\n\r\nx\r\n--b--"),
     .rc = SAL_EINVAL, .msg = "multipart body: malformed part header"},
    {"NUL in part headers", "b", BODY("--b\r\n" CD "name=\"a\0b\"\r\n\r\nx\r\n--b--"),
     .rc = SAL_EINVAL, .msg = "multipart body: malformed part header"},
    {"folded header", "b", BODY("--b\r\n" CD "\r\n name=\"a\"\r\n\r\nx\r\n--b--"), .rc = SAL_EINVAL,
     .msg = "multipart body: folded part header"},
    {"unterminated quoted string", "b", BODY("--b\r\n" CD "name=\"a\r\n\r\nx\r\n--b--"),
     .rc = SAL_EINVAL, .msg = "multipart body: malformed Content-Disposition"},
    {"duplicate name parameter", "b", BODY("--b\r\n" CD "name=\"a\"; name=\"b\"\r\n\r\nx\r\n--b--"),
     .rc = SAL_EINVAL, .msg = "multipart body: duplicate Content-Disposition parameter"},
    {"duplicate Content-Disposition", "b",
     BODY("--b\r\n" CD "name=\"a\"\r\n" CD "name=\"b\"\r\n\r\nx\r\n--b--"), .rc = SAL_EINVAL,
     .msg = "multipart body: duplicate Content-Disposition"},
    {"filename* in another charset", "b",
     BODY("--b\r\n" CD "name=\"a\"; filename*=ISO-8859-1''%E9.txt\r\n\r\nx\r\n--b--"),
     .rc = SAL_EINVAL, .msg = "multipart body: filename* must be UTF-8"},
    {"filename* with a bad escape", "b",
     BODY("--b\r\n" CD "name=\"a\"; filename*=UTF-8''%G1.txt\r\n\r\nx\r\n--b--"), .rc = SAL_EINVAL,
     .msg = "multipart body: malformed filename*"},
    {"filename* decoding to invalid UTF-8", "b",
     BODY("--b\r\n" CD "name=\"a\"; filename*=UTF-8''%FF.txt\r\n\r\nx\r\n--b--"), .rc = SAL_EINVAL,
     .msg = "multipart body: malformed filename*"},
    {"filename* decoding to NUL", "b",
     BODY("--b\r\n" CD "name=\"a\"; filename*=UTF-8''a%00b\r\n\r\nx\r\n--b--"), .rc = SAL_EINVAL,
     .msg = "multipart body: malformed filename*"},
    {"part headers over the limit", "b",
     BODY("--b\r\n" CD
          "name=\"a\"; filename=\"a-rather-long-file-name-here.txt\"\r\n\r\nx\r\n--b--"),
     .lim = {.max_header_bytes = 48}, .rc = SAL_ELIMIT,
     .msg = "multipart body: part headers too large"},
    {"too many parts", "b",
     BODY("--b\r\n" CD "name=\"a\"\r\n\r\n1\r\n--b\r\n" CD "name=\"b\"\r\n\r\n2\r\n--b\r\n" CD
          "name=\"c\"\r\n\r\n3\r\n--b--"),
     .lim = {.max_parts = 2}, .rc = SAL_ELIMIT, .msg = "multipart body: too many parts",
     .nparts = 2, .parts = {{"a", NULL, NULL, DATA("1")}, {"b", NULL, NULL, DATA("2")}}},
    {"a field over its limit", "b", BODY("--b\r\n" CD "name=\"a\"\r\n\r\nhello\r\n--b--"),
     .lim = {.max_field_bytes = 4}, .rc = SAL_ELIMIT,
     .msg = "multipart body: field value too large", .nparts = 1,
     .parts = {{"a", NULL, NULL, DATA("hell")}}},
};
#define NCASES (sizeof CASES / sizeof CASES[0])

static void check_case(const mp_case_t *c) {
    rec_t r;
    run_all(c->boundary, &c->lim, c->body, c->body_len, &r);
    if (r.rc != c->rc)
        fail_msg("%s: rc %d (%s), want %d (%s)", c->label, r.rc, r.msg, c->rc,
                 c->msg ? c->msg : "");
    if (c->rc != 0) {
        if (strcmp(r.msg, c->msg) != 0) fail_msg("%s: message \"%s\"", c->label, r.msg);
        int want_status = strcmp(c->msg, "multipart body: field value too large") == 0 ? 413 : 400;
        assert_int_equal(r.status, want_status);
    } else {
        assert_string_equal(r.msg, "");
        assert_int_equal(r.status, 0);
    }
    /* parts the error left complete, or all of them */
    if (c->rc == 0 || c->nparts) {
        if (c->rc == 0 && r.n != c->nparts)
            fail_msg("%s: %zu parts, want %zu", c->label, r.n, c->nparts);
        for (size_t i = 0; i < c->nparts; i++) {
            const want_part_t *w = &c->parts[i];
            const rec_part_t *p = &r.parts[i];
            assert_true(i < r.n);
            if (strcmp(p->name, w->name) != 0)
                fail_msg("%s: part %zu name %s", c->label, i, p->name);
            if (w->filename == NULL)
                assert_null(p->filename);
            else if (!p->filename || strcmp(p->filename, w->filename) != 0)
                fail_msg("%s: part %zu filename %s", c->label, i, p->filename);
            if (w->ct == NULL)
                assert_null(p->ct);
            else
                assert_string_equal(p->ct, w->ct);
            if (p->data.len != w->len || memcmp(p->data.data ? p->data.data : "", w->data, w->len))
                fail_msg("%s: part %zu data (%zu bytes) differs", c->label, i, p->data.len);
            /* ended, unless the field limit cut the last one short */
            bool cut = c->rc == SAL_ELIMIT && i + 1 == r.n &&
                       strcmp(c->msg, "multipart body: field value too large") == 0;
            assert_int_equal(p->ended, !cut);
        }
    }
    if (c->rc == 0) assert_false(r.in_part);
    rec_free(&r);
}

static void test_cases(void **state) {
    (void)state;
    assert_true(NCASES >= 25);
    for (size_t i = 0; i < NCASES; i++) check_case(&CASES[i]);
}

/* ---- the default limits on generated bodies ---------------------------- */

static void gen_parts(sal_buf_t *b, size_t nparts) {
    sal_buf_init(b, 0);
    for (size_t i = 0; i < nparts; i++)
        sal_buf_printf(b, "--b\r\n" CD "name=\"p%zu\"\r\n\r\n%zu\r\n", i, i);
    sal_buf_puts(b, "--b--\r\n");
}

static void test_default_max_parts(void **state) {
    (void)state;
    sal_buf_t b;
    rec_t r;
    gen_parts(&b, 32);
    run_all("b", NULL, b.data, b.len, &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.n, 32);
    assert_string_equal(r.parts[31].name, "p31");
    rec_free(&r);
    sal_buf_free(&b);
    gen_parts(&b, 33);
    run_all("b", NULL, b.data, b.len, &r);
    assert_int_equal(r.rc, SAL_ELIMIT);
    assert_string_equal(r.msg, "multipart body: too many parts");
    assert_int_equal(r.status, 400);
    assert_int_equal(r.n, 32);
    rec_free(&r);
    sal_buf_free(&b);
}

/* A part whose header block (with its final empty line) is total bytes. */
static void gen_header(sal_buf_t *b, size_t total) {
    static const char head[] = CD "name=\"a\"\r\nX-Pad: ";
    size_t pad = total - (sizeof head - 1) - 4; /* CRLF + empty line */
    sal_buf_init(b, 0);
    sal_buf_puts(b, "--b\r\n");
    sal_buf_puts(b, head);
    for (size_t i = 0; i < pad; i++) sal_buf_append(b, "p", 1);
    sal_buf_puts(b, "\r\n\r\nv\r\n--b--");
}

static void test_default_header_limit(void **state) {
    (void)state;
    sal_buf_t b;
    rec_t r;
    gen_header(&b, 8192);
    run("b", NULL, b.data, b.len, FEED_BYTES, 0, &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.n, 1);
    rec_free(&r);
    run("b", NULL, b.data, b.len, FEED_RANDOM, 300, &r);
    assert_int_equal(r.rc, 0);
    rec_free(&r);
    sal_buf_free(&b);
    gen_header(&b, 8193);
    run("b", NULL, b.data, b.len, FEED_WHOLE, 0, &r);
    assert_int_equal(r.rc, SAL_ELIMIT);
    assert_string_equal(r.msg, "multipart body: part headers too large");
    assert_int_equal(r.n, 0);
    rec_free(&r);
    run("b", NULL, b.data, b.len, FEED_BYTES, 0, &r);
    assert_int_equal(r.rc, SAL_ELIMIT);
    rec_free(&r);
    sal_buf_free(&b);
}

static void gen_field(sal_buf_t *b, size_t n) {
    sal_buf_init(b, 0);
    sal_buf_puts(b, "--b\r\n" CD "name=\"big\"\r\n\r\n");
    for (size_t i = 0; i < n; i++) sal_buf_append(b, i % 64 == 63 ? "\r" : "v", 1);
    sal_buf_puts(b, "\r\n--b--\r\n");
}

static void test_default_field_limit(void **state) {
    (void)state;
    sal_buf_t b;
    rec_t r;
    gen_field(&b, 65536);
    for (int mode = FEED_WHOLE; mode <= FEED_RANDOM; mode++) {
        run("b", NULL, b.data, b.len, mode, mode == FEED_SPLIT ? 40000 : 997, &r);
        assert_int_equal(r.rc, 0);
        assert_int_equal(r.parts[0].data.len, 65536);
        rec_free(&r);
    }
    sal_buf_free(&b);
    gen_field(&b, 65537);
    for (int mode = FEED_WHOLE; mode <= FEED_RANDOM; mode++) {
        run("b", NULL, b.data, b.len, mode, mode == FEED_SPLIT ? 65540 : 997, &r);
        assert_int_equal(r.rc, SAL_ELIMIT);
        assert_int_equal(r.status, 413);
        assert_string_equal(r.msg, "multipart body: field value too large");
        /* exactly the limit was handed on, however it was cut */
        assert_int_equal(r.parts[0].data.len, 65536);
        assert_false(r.parts[0].ended);
        rec_free(&r);
    }
    sal_buf_free(&b);
}

/* A megabyte of pseudo-random bytes (with CRs, LFs and dashes made
 * common) in one file part, in random chunks up to 64 KiB and up to 7. */
static void test_large_binary_file(void **state) {
    (void)state;
    const size_t n = 1 << 20;
    static const char head[] = "--Zq9\r\n" CD "name=\"f\"; filename=\"r.bin\"\r\n\r\n";
    static const char tail[] = "\r\n--Zq9--\r\n";
    char *body = xmalloc(sizeof head - 1 + n + sizeof tail - 1);
    memcpy(body, head, sizeof head - 1);
    uint32_t x = 12345;
    char *d = body + sizeof head - 1;
    for (size_t i = 0; i < n; i++) {
        x = x * 1664525u + 1013904223u;
        unsigned v = x >> 24;
        d[i] = v < 40 ? '\r' : v < 80 ? '\n' : v < 120 ? '-' : v < 130 ? 'Z' : (char)v;
    }
    size_t len = sizeof head - 1 + n;
    memcpy(body + len, tail, sizeof tail - 1);
    len += sizeof tail - 1;
    size_t sizes[] = {0, 7, 65536};
    for (size_t k = 0; k < 3; k++) {
        rec_t r;
        run("Zq9", NULL, body, len, k == 0 ? FEED_WHOLE : FEED_RANDOM, sizes[k], &r);
        assert_int_equal(r.rc, 0);
        assert_int_equal(r.n, 1);
        assert_int_equal(r.parts[0].data.len, n);
        assert_memory_equal(r.parts[0].data.data, d, n);
        rec_free(&r);
    }
    free(body);
}

/* A callback's error stops the parser with its code. */
static int refuse_data(void *ud, const char *data, size_t len) {
    (void)ud;
    (void)data;
    (void)len;
    return SAL_EIO;
}

static void test_callback_stops_parser(void **state) {
    (void)state;
    static const char body[] = "--b\r\n" CD "name=\"a\"\r\n\r\nhello\r\n--b--";
    http_mp_callbacks_t cb = {NULL, refuse_data, NULL};
    http_mp_t *p = http_mp_new("b", NULL, &cb, NULL);
    assert_non_null(p);
    assert_int_equal(http_mp_feed(p, body, sizeof body - 1), SAL_EIO);
    assert_int_equal(http_mp_finish(p), SAL_EIO);
    assert_string_equal(http_mp_error(p), "multipart body: rejected");
    assert_int_equal(http_mp_error_status(p), 0);
    http_mp_free(p);
}

/* ---- the boundary parameter -------------------------------------------- */

static void test_boundary_param(void **state) {
    (void)state;
    char out[HTTP_MP_BOUNDARY_MAX + 1];
    static const struct {
        const char *ct;
        int rc;
        const char *want;
    } B[] = {
        {"multipart/form-data; boundary=abc", 0, "abc"},
        {"multipart/form-data;boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW", 0,
         "----WebKitFormBoundary7MA4YWxkTrZu0gW"},
        {"Multipart/Form-Data; BOUNDARY=x", 0, "x"},
        {"multipart/form-data; charset=utf-8; boundary=\"a b:c?\"", 0, "a b:c?"},
        {"  multipart/form-data ; boundary = q=1 ", 0, "q=1"},
        {"multipart/form-data; boundary=\"\\a\\b\"", 0, "ab"},
        {"multipart/form-data; "
         "boundary=1234567890123456789012345678901234567890123456789012345678901234567890",
         0, "1234567890123456789012345678901234567890123456789012345678901234567890"},
        {"multipart/form-data; "
         "boundary=12345678901234567890123456789012345678901234567890123456789012345678901",
         SAL_EINVAL, ""},
        {"multipart/form-data", SAL_EINVAL, ""},
        {"multipart/form-data; charset=utf-8", SAL_EINVAL, ""},
        {"multipart/form-data; boundary=\"\"", SAL_EINVAL, ""},
        {"multipart/form-data; boundary=", SAL_EINVAL, ""},
        {"multipart/form-data; boundary=\"a@b\"", SAL_EINVAL, ""},
        {"multipart/form-data; boundary=\"ab \"", SAL_EINVAL, ""},
        {"multipart/form-data; boundary=\"ab", SAL_EINVAL, ""},
        {"multipart/form-data; boundary=a; boundary=b", SAL_EINVAL, ""},
        {"multipart/form-data; boundary", SAL_EINVAL, ""},
        {"application/json", SAL_ENOTFOUND, ""},
        {"multipart/mixed; boundary=x", SAL_ENOTFOUND, ""},
        {"multipart/form-datax; boundary=x", SAL_ENOTFOUND, ""},
        {"", SAL_ENOTFOUND, ""},
    };
    for (size_t i = 0; i < sizeof B / sizeof B[0]; i++) {
        int rc = http_mp_boundary(B[i].ct, out, sizeof out);
        if (rc != B[i].rc) fail_msg("%s: rc %d want %d", B[i].ct, rc, B[i].rc);
        if (rc == 0) assert_string_equal(out, B[i].want);
    }
    assert_int_equal(http_mp_boundary(NULL, out, sizeof out), SAL_ENOTFOUND);
    /* too small an output buffer is refused, not overrun */
    char small[3];
    assert_int_equal(http_mp_boundary("multipart/form-data; boundary=abcd", small, sizeof small),
                     SAL_EINVAL);
    assert_null(http_mp_new("", NULL, NULL, NULL));
    assert_null(http_mp_new(NULL, NULL, NULL, NULL));
    assert_null(http_mp_new("a@b", NULL, NULL, NULL));
    assert_null(http_mp_new("trailing ", NULL, NULL, NULL));
    http_mp_t *p = http_mp_new("ok", NULL, NULL, NULL); /* no callbacks at all is fine */
    assert_non_null(p);
    static const char body[] = "--ok\r\n" CD "name=\"a\"\r\n\r\nv\r\n--ok--";
    assert_int_equal(http_mp_feed(p, body, sizeof body - 1), 0);
    assert_int_equal(http_mp_finish(p), 0);
    assert_int_equal(http_mp_parts(p), 1);
    http_mp_free(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_default_max_parts),
        cmocka_unit_test(test_default_header_limit),
        cmocka_unit_test(test_default_field_limit),
        cmocka_unit_test(test_large_binary_file),
        cmocka_unit_test(test_callback_stops_parser),
        cmocka_unit_test(test_boundary_param),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
