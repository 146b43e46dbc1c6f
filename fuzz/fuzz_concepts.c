/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes concept extraction with arbitrary bytes. The input is split into
 * chunks at each 0x1e byte (the first piece before a 0x1f byte, when there
 * is one, is the title). Every call must succeed, give at most 200
 * concepts and 50 keyphrases, names that are valid UTF-8 of 1-100
 * characters, links to chunks that exist in increasing order with at
 * least one mention each, and the same result twice.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "knowledge/concepts/concepts.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_concepts: %s failed (%zu bytes)\n", #cond, size);                \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define MAX_CHUNKS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *text = (const char *)data;
    char title[256] = "";
    const char *sep = memchr(text, 0x1f, size);
    size_t start = 0;
    if (sep != NULL) {
        size_t tn = (size_t)(sep - text);
        if (tn >= sizeof title) tn = sizeof title - 1;
        for (size_t i = 0; i < tn; i++) title[i] = text[i] ? text[i] : ' ';
        title[tn] = '\0';
        start = (size_t)(sep - text) + 1;
    }
    const char *texts[MAX_CHUNKS];
    size_t lens[MAX_CHUNKS], n = 0, a = start;
    for (size_t i = start; i <= size && n < MAX_CHUNKS; i++) {
        if (i == size || data[i] == 0x1e) {
            texts[n] = text + a;
            lens[n] = i - a;
            n++;
            a = i + 1;
        }
    }
    kcon_result_t r, again;
    CHECK(kcon_extract(texts, lens, n, title, &r) == 0);
    CHECK(r.n <= 200);
    size_t nkp = 0;
    for (size_t i = 0; i < r.n; i++) {
        const kcon_concept_t *c = &r.items[i];
        size_t len = strlen(c->name), chars = 0;
        for (size_t k = 0; k < len; k++) chars += ((unsigned char)c->name[k] & 0xC0) != 0x80;
        CHECK(len > 0 && chars <= 100 && sal_utf8_valid(c->name, len));
        CHECK(c->nlinks >= 1);
        for (size_t j = 0; j < c->nlinks; j++) {
            CHECK(c->links[j].chunk < n && c->links[j].mentions >= 1);
            if (j > 0) CHECK(c->links[j].chunk > c->links[j - 1].chunk);
        }
        nkp += c->type == KCON_KEYPHRASE;
    }
    CHECK(nkp <= 50);
    CHECK(kcon_extract(texts, lens, n, title, &again) == 0);
    CHECK(again.n == r.n);
    for (size_t i = 0; i < r.n; i++) {
        CHECK(again.items[i].type == r.items[i].type);
        CHECK(strcmp(again.items[i].name, r.items[i].name) == 0);
        CHECK(again.items[i].nlinks == r.items[i].nlinks);
        CHECK(memcmp(again.items[i].links, r.items[i].links,
                     r.items[i].nlinks * sizeof r.items[i].links[0]) == 0);
    }
    kcon_result_free(&again);
    kcon_result_free(&r);
    return 0;
}
