/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the index's parsers: arbitrary bytes as a terms blob (kix_add
 * must accept it or return SAL_EINVAL, and a search over what it accepted
 * must work), and as text: kix_terms_encode must give a blob kix_add
 * accepts, and kix_highlight of the text for a query cut from the input
 * must give valid UTF-8 snippets.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "knowledge/index/index.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    kix_t *ix = kix_new(4, KIX_INT8);
    kix_entry_t e = {
        .chunk_id = "chk_blob", .source_id = "src_a", .terms = data, .terms_len = size};
    int rc = kix_add(ix, &e);
    if (rc != 0 && rc != SAL_EINVAL) abort();

    const char *text = (const char *)data;
    unsigned char *blob = NULL;
    size_t blen = 0;
    if (kix_terms_encode(text, size, "Heading > Sub", "Title", &blob, &blen) != 0) abort();
    e = (kix_entry_t){
        .chunk_id = "chk_text", .source_id = "src_b", .terms = blob, .terms_len = blen};
    if (kix_add(ix, &e) != 0) abort();
    free(blob);

    size_t qlen = size < 24 ? size : 24;
    char *query = malloc(qlen + 1);
    memcpy(query, data, qlen);
    query[qlen] = '\0';
    kix_hit_t hits[10];
    size_t n = 0;
    kix_query_t q = {.mode = KIX_LEXICAL, .text = query, .text_len = qlen, .top_k = 10};
    if (qlen > 0 && kix_search(ix, &q, hits, &n) != 0) abort();
    if (n > 2) abort();

    char **snips = NULL;
    size_t ns = 0;
    if (kix_highlight(text, size, query, qlen, 3, 1 + size % 200, &snips, &ns) != 0) abort();
    for (size_t i = 0; i < ns; i++)
        if (!sal_utf8_valid(snips[i], strlen(snips[i]))) abort();
    kix_highlights_free(snips, ns);
    free(query);
    kix_free(ix);
    return 0;
}
