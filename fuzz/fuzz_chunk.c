/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the chunk module with arbitrary bytes. The input is cut at 0xFF
 * bytes into blocks; the first byte of each picks its kind, level and page
 * (so headings, notes, page changes and tables all occur). Checks:
 *   - kc_normalize succeeds, gives valid UTF-8 without controls or
 *     whitespace runs, trimmed, and is idempotent;
 *   - kc_sentences gives ordered, non-empty, trimmed, disjoint spans, and
 *     the same count whatever the cap;
 *   - kc_chunk_doc with a word counter and small windows (also from the
 *     input) succeeds, every chunk non-empty, its count the counter's and
 *     never over max_tokens.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "knowledge/chunk/chunk.h"

static int words(void *ud, const char *t, size_t n) {
    (void)ud;
    int w = 0, in = 0;
    for (size_t i = 0; i < n; i++) {
        int sp = t[i] == ' ' || t[i] == '\n';
        if (!sp && !in) w++;
        in = !sp;
    }
    return w;
}

static void check_normalize(const uint8_t *data, size_t size) {
    char *a = NULL, *b = NULL;
    size_t an = 0, bn = 0;
    if (kc_normalize((const char *)data, size, 0, &a, &an) != 0) abort();
    if (strlen(a) != an || !sal_utf8_valid(a, an)) abort();
    for (size_t i = 0; i < an; i++) {
        unsigned char c = (unsigned char)a[i];
        if (c < 0x20 || c == 0x7F) abort();
        if (c == ' ' && (i == 0 || i + 1 == an || a[i + 1] == ' ')) abort();
    }
    if (kc_normalize(a, an, 0, &b, &bn) != 0 || bn != an || memcmp(a, b, an) != 0) abort();
    size_t cap = an + 1, st_buf[4], en_buf[4];
    size_t *st = malloc(cap * sizeof *st), *en = malloc(cap * sizeof *en);
    size_t n = kc_sentences(a, an, st, en, cap);
    if (n > cap || kc_sentences(a, an, st_buf, en_buf, 4) != n) abort();
    for (size_t i = 0; i < n; i++) {
        if (st[i] >= en[i] || en[i] > an || (i && st[i] < en[i - 1])) abort();
        if (a[st[i]] == ' ' || a[en[i] - 1] == ' ') abort();
    }
    free(st);
    free(en);
    free(a);
    free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    check_normalize(data, size);
    if (size < 3) return 0;

    kc_opts_t o = {.target_tokens = 1 + data[0] % 40,
                   .overlap_tokens = data[1] % 10,
                   .max_tokens = 1 + data[0] % 40 + data[2] % 20};
    kx_doc_t doc = {0};
    doc.blocks = calloc(size, sizeof *doc.blocks);
    int page = 0;
    for (size_t i = 3; i < size;) {
        size_t j = i + 1;
        while (j < size && data[j] != 0xFF) j++;
        uint8_t k = data[i];
        if (k & 0x80) page++;
        doc.blocks[doc.n++] = (kx_block_t){.kind = (kx_block_kind_t)(k % 6),
                                           .level = (k >> 3) % 8,
                                           .page = page,
                                           .text = (char *)data + i + 1,
                                           .len = j - i - 1};
        i = j + 1;
    }
    kc_chunk_t *c = NULL;
    size_t n = 0;
    if (kc_chunk_doc(&doc, &o, words, NULL, &c, &n) != 0) abort();
    for (size_t i = 0; i < n; i++) {
        if (c[i].len == 0 || strlen(c[i].text) != c[i].len || !c[i].section) abort();
        if (c[i].token_count != words(NULL, c[i].text, c[i].len)) abort();
        if (c[i].token_count > o.max_tokens) abort();
    }
    kc_chunks_free(c, n);
    free(doc.blocks);
    return 0;
}
