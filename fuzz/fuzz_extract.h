/* SPDX-License-Identifier: MIT */
/*
 * The harness the extractor fuzz targets share: kx_extract_mem with small
 * limits (1 MB of text, 2 s, depth 64, 200 pages). Every call must return
 * 0 with a document or SAL_EINVAL/SAL_ELIMIT with a reason and no
 * document; every block of a document must be valid UTF-8 without NUL, its
 * len equal to its string's, its kind, level and page in range.
 */
#ifndef SALIENT_FUZZ_EXTRACT_H
#define SALIENT_FUZZ_EXTRACT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "knowledge/extract/extract.h"

static const char *fuzz_name;

static void check(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "%s: %s\n", fuzz_name, what);
        abort();
    }
}

/* Extracts data as format under small limits and checks the contract. */
static int fuzz_extract(const uint8_t *data, size_t size, kx_format_t format, const char *name) {
    fuzz_name = name;
    kx_limits_t lim;
    kx_limits_default(&lim);
    lim.max_text_bytes = 1u << 20;
    lim.timeout_ms = 2000;
    lim.max_xml_depth = 64;
    lim.max_pages = 200;
    kx_doc_t *doc = NULL;
    char err[256] = "";
    int rc = kx_extract_mem(data, size, format, &lim, &doc, err, sizeof err);
    if (rc != 0) {
        check(rc == SAL_EINVAL || rc == SAL_ELIMIT, "unexpected error code");
        check(doc == NULL, "a document on failure");
        check(err[0] != '\0', "no reason on failure");
        return 0;
    }
    check(doc != NULL && doc->format == format, "no document");
    size_t total = 0;
    for (size_t i = 0; i < doc->n; i++) {
        const kx_block_t *b = &doc->blocks[i];
        check(b->text != NULL && b->len > 0, "empty block");
        check(strlen(b->text) == b->len, "NUL inside a block");
        check(sal_utf8_valid(b->text, b->len), "invalid UTF-8 in a block");
        check(b->kind >= KX_BLOCK_HEADING && b->kind <= KX_BLOCK_CODE, "bad kind");
        check(b->kind == KX_BLOCK_HEADING ? b->level >= 1 && b->level <= 6 : b->level == 0,
              "bad level");
        check(b->page >= 0 && b->page <= (doc->page_count > 0 ? doc->page_count : 0), "bad page");
        total += b->len;
    }
    check(total <= lim.max_text_bytes, "over the text limit");
    if (doc->title) check(sal_utf8_valid(doc->title, strlen(doc->title)), "invalid title");
    kx_doc_free(doc);
    return 0;
}

#endif
