/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the extractor tests: reading a fixture from
 * tests/data/extract/ under $SALIENT_SOURCE_DIR, extracting it, comparing
 * a document with an expected list of blocks (printing both on a
 * mismatch), and checking that every block is valid UTF-8 without NUL.
 * Include after <cmocka.h> and testutil.h.
 */
#ifndef SALIENT_KX_TESTUTIL_H
#define SALIENT_KX_TESTUTIL_H

#include "knowledge/extract/extract.h"

typedef struct {
    kx_block_kind_t kind;
    int level;
    int page;
    const char *text;
} kx_want_t;

static inline const char *kx_kind_name(kx_block_kind_t k) {
    static const char *const names[] = {"HEADING",   "PARAGRAPH", "LIST_ITEM",
                                        "TABLE_ROW", "NOTE",      "CODE"};
    return k <= KX_BLOCK_CODE ? names[k] : "?";
}

/* The whole fixture file; *len gets its size. Free with free(). */
static inline char *kx_fixture(const char *name, size_t *len) {
    const char *root = getenv("SALIENT_SOURCE_DIR");
    if (root == NULL || root[0] == '\0') fail_msg("SALIENT_SOURCE_DIR is not set (run via ctest)");
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/tests/data/extract/%s", root, name);
    assert_true(n > 0 && (size_t)n < sizeof path);
    FILE *f = fopen(path, "rb");
    if (f == NULL) fail_msg("cannot open %s", path);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long sz = ftell(f);
    assert_true(sz >= 0);
    rewind(f);
    char *buf = malloc((size_t)sz + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)sz, f), (size_t)sz);
    fclose(f);
    buf[sz] = '\0';
    *len = (size_t)sz;
    return buf;
}

/* Every block valid UTF-8, no NUL, len matching the string. */
static inline void kx_check_blocks(const kx_doc_t *doc) {
    for (size_t i = 0; i < doc->n; i++) {
        const kx_block_t *b = &doc->blocks[i];
        assert_non_null(b->text);
        assert_int_equal(strlen(b->text), b->len);
        assert_true(b->len > 0);
        if (!sal_utf8_valid(b->text, b->len)) fail_msg("block %zu is not valid UTF-8", i);
    }
    if (doc->title) assert_true(sal_utf8_valid(doc->title, strlen(doc->title)));
}

static inline void kx_print_doc(const kx_doc_t *doc) {
    for (size_t i = 0; i < doc->n; i++)
        print_error("  {KX_BLOCK_%s, %d, %d, \"%s\"},\n", kx_kind_name(doc->blocks[i].kind),
                    doc->blocks[i].level, doc->blocks[i].page, doc->blocks[i].text);
}

/* Asserts doc has exactly the blocks in want[0..n). */
static inline void kx_expect(const kx_doc_t *doc, const kx_want_t *want, size_t n) {
    kx_check_blocks(doc);
    bool same = doc->n == n;
    for (size_t i = 0; same && i < n; i++) {
        const kx_block_t *b = &doc->blocks[i];
        same = b->kind == want[i].kind && b->level == want[i].level && b->page == want[i].page &&
               strcmp(b->text, want[i].text) == 0;
        if (!same)
            print_error("block %zu differs: want %s %d p%d \"%s\"\n", i, kx_kind_name(want[i].kind),
                        want[i].level, want[i].page, want[i].text);
    }
    if (!same) {
        print_error("got %zu blocks (want %zu):\n", doc->n, n);
        kx_print_doc(doc);
        fail();
    }
}

/* Extracts buf as f; asserts success and returns the document. */
static inline kx_doc_t *kx_ok(const void *buf, size_t len, kx_format_t f, const kx_limits_t *lim) {
    kx_doc_t *doc = NULL;
    char err[256] = "";
    int rc = kx_extract_mem(buf, len, f, lim, &doc, err, sizeof err);
    if (rc != 0) fail_msg("kx_extract_mem: %d %s", rc, err);
    assert_non_null(doc);
    assert_int_equal(doc->format, f);
    kx_check_blocks(doc);
    return doc;
}

/* Extracts buf as f; asserts the error code and message. */
static inline void kx_fails(const void *buf, size_t len, kx_format_t f, const kx_limits_t *lim,
                            int want_rc, const char *want_err) {
    kx_doc_t *doc = (kx_doc_t *)1;
    char err[256] = "";
    int rc = kx_extract_mem(buf, len, f, lim, &doc, err, sizeof err);
    if (rc != want_rc) fail_msg("kx_extract_mem: got %d (%s), want %d", rc, err, want_rc);
    assert_null(doc);
    if (want_err) assert_string_equal(err, want_err);
}

/* Reads a fixture and extracts it as f. */
static inline kx_doc_t *kx_ok_fixture(const char *name, kx_format_t f, const kx_limits_t *lim) {
    size_t len;
    char *buf = kx_fixture(name, &len);
    kx_doc_t *doc = kx_ok(buf, len, f, lim);
    free(buf);
    return doc;
}

#define KX_N(a) (sizeof(a) / sizeof((a)[0]))

#endif
