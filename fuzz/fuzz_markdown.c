/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the Markdown extractor (cmark and the tree walk)
 * through kx_extract_mem with small limits (1 MB of text, 2 s, depth 64).
 * Every call must return 0 with a document or SAL_EINVAL/SAL_ELIMIT with a
 * reason and no document; every block of a document must be valid UTF-8
 * without NUL, its len equal to its string's, its kind and level in range.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "knowledge/extract/extract.h"

#define FORMAT KX_FMT_MARKDOWN

static void check(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_markdown: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    kx_limits_t lim;
    kx_limits_default(&lim);
    lim.max_text_bytes = 1u << 20;
    lim.timeout_ms = 2000;
    lim.max_xml_depth = 64;
    lim.max_pages = 200;
    kx_doc_t *doc = NULL;
    char err[256] = "";
    int rc = kx_extract_mem(data, size, FORMAT, &lim, &doc, err, sizeof err);
    if (rc != 0) {
        check(rc == SAL_EINVAL || rc == SAL_ELIMIT, "unexpected error code");
        check(doc == NULL, "a document on failure");
        check(err[0] != '\0', "no reason on failure");
        return 0;
    }
    check(doc != NULL && doc->format == FORMAT, "no document");
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
