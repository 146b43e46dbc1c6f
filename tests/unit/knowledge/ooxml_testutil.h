/* SPDX-License-Identifier: MIT */
/*
 * Shared by test_extract_docx.c and test_extract_pptx.c: reading a
 * fixture from tests/data/extract/, running the extractor with a time
 * check, and comparing a document's blocks with an expected table.
 * Include after <cmocka.h> and testutil.h.
 */
#ifndef SALIENT_TEST_OOXML_TESTUTIL_H
#define SALIENT_TEST_OOXML_TESTUTIL_H

#include "knowledge/extract/extract.h"
#include "kx_testutil.h"

typedef struct {
    kx_block_kind_t kind;
    int level, page;
    const char *text;
} want_block_t;

/* Reads tests/data/extract/<name> whole; free the result. */
static char *fixture_read(const char *name, size_t *len) { return kx_fixture(name, len); }

/* Runs kx_extract_mem and fails when it took more than 2 s. */
static int extract_timed(const void *buf, size_t len, kx_format_t f, const kx_limits_t *lim,
                         kx_doc_t **out, char *err, size_t errcap) {
    double t0 = sal_mono_ms();
    err[0] = '\0';
    int rc = kx_extract_mem(buf, len, f, lim, out, err, errcap);
    double ms = sal_mono_ms() - t0;
    if (ms > 2000) fail_msg("extraction took %.0f ms", ms);
    return rc;
}

/* Extracts a fixture expecting failure rc with a reason containing `reason`. */
static void expect_fixture_error(const char *name, kx_format_t f, const kx_limits_t *lim, int rc,
                                 const char *reason) {
    size_t len;
    char *buf = fixture_read(name, &len);
    kx_doc_t *doc = (kx_doc_t *)1;
    char err[256];
    int got = extract_timed(buf, len, f, lim, &doc, err, sizeof err);
    if (got != rc) fail_msg("%s: rc %d (%s), want %d", name, got, err, rc);
    assert_null(doc);
    if (strstr(err, reason) == NULL) fail_msg("%s: reason \"%s\" lacks \"%s\"", name, err, reason);
    free(buf);
}

static void expect_blocks(const kx_doc_t *doc, const want_block_t *want, size_t n) {
    bool ok = doc->n == n;
    for (size_t i = 0; ok && i < n; i++) {
        const kx_block_t *b = &doc->blocks[i];
        ok = b->kind == want[i].kind && b->level == want[i].level && b->page == want[i].page &&
             strcmp(b->text, want[i].text) == 0 && b->len == strlen(want[i].text);
    }
    if (ok) return;
    print_error("got %zu blocks, want %zu:\n", doc->n, n);
    for (size_t i = 0; i < doc->n; i++)
        print_error("  got  %s L%d p%d \"%s\"\n", kx_kind_name(doc->blocks[i].kind),
                    doc->blocks[i].level, doc->blocks[i].page, doc->blocks[i].text);
    for (size_t i = 0; i < n; i++)
        print_error("  want %s L%d p%d \"%s\"\n", kx_kind_name(want[i].kind), want[i].level,
                    want[i].page, want[i].text);
    fail();
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

#endif
