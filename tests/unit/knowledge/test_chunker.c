/* SPDX-License-Identifier: MIT */
/*
 * The chunk module: normalisation (NFC, ligatures, soft hyphens, hyphenated
 * line breaks, whitespace), sentence splitting (abbreviations, decimals,
 * URLs) and chunking (heading paths, page boundaries, token budgets,
 * overlap of whole sentences, atomic list items and table rows).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "knowledge/chunk/chunk.h"

/* ---- normalisation -------------------------------------------------------- */

static char *norm(const char *in) {
    char *out = NULL;
    size_t n = 0;
    assert_int_equal(kc_normalize(in, strlen(in), 0, &out, &n), 0);
    assert_int_equal(strlen(out), n);
    return out;
}

static void expect_norm(const char *in, const char *want) {
    char *got = norm(in);
    assert_string_equal(got, want);
    free(got);
}

static void test_normalize(void **state) {
    (void)state;
    expect_norm("Cafe\xCC\x81", "Caf\xC3\xA9");                            /* NFC */
    expect_norm("\xEF\xAC\x81nance of\xEF\xAC\x82ows", "finance offlows"); /* fi, fl ligatures */
    expect_norm("on\xC2\xAD"
                "board\xE2\x80\x8B"
                "ing",
                "onboarding");                            /* soft hyphen, ZWSP */
    expect_norm("manage-\nment team", "management team"); /* hyphenated break */
    expect_norm("e-\nMail", "e-Mail");                    /* a real hyphen stays */
    expect_norm("  lots \t of\n\n  space\xC2\xA0here ", "lots of space here");
    expect_norm("bad \xFF byte", "bad \xEF\xBF\xBD byte");
    char *out = NULL;
    size_t n = 0;
    assert_int_equal(kc_normalize("0123456789abcdef", 16, 8, &out, &n), SAL_ENOMEM);
    free(out);
}

/* ---- sentences -------------------------------------------------------------- */

static size_t count_sentences(const char *text, char first[256]) {
    size_t starts[64], ends[64];
    size_t n = kc_sentences(text, strlen(text), starts, ends, 64);
    if (first && n) snprintf(first, 256, "%.*s", (int)(ends[0] - starts[0]), text + starts[0]);
    return n;
}

static void test_sentences(void **state) {
    (void)state;
    char first[256];
    assert_int_equal(count_sentences("We cut costs. Then we grew! Did it work? Yes.", first), 4);
    assert_string_equal(first, "We cut costs.");
    assert_int_equal(count_sentences("Dr. Smith met Acme Inc. on Monday. It went well.", first), 2);
    assert_string_equal(first, "Dr. Smith met Acme Inc. on Monday.");
    assert_int_equal(count_sentences("Version 3.5 ships soon. Pricing is $49.99 per seat.", NULL),
                     2);
    assert_int_equal(count_sentences("See https://example.com/a.b. Then call us.", NULL), 2);
    assert_int_equal(count_sentences("E.g. the CFO, i.e. the buyer, signs. Done.", NULL), 2);
    assert_int_equal(count_sentences("Write to sales@acme.io for details.", NULL), 1);
    assert_int_equal(count_sentences("", NULL), 0);
}

/* ---- chunking --------------------------------------------------------------- */

/* Whitespace-separated words stand in for model tokens. */
static int words(void *ud, const char *t, size_t len) {
    (void)ud;
    int n = 0;
    bool in = false;
    for (size_t i = 0; i < len; i++) {
        bool sp = t[i] == ' ' || t[i] == '\n' || t[i] == '\t';
        if (!sp && !in) n++;
        in = !sp;
    }
    return n;
}

static void add(kx_doc_t *d, kx_block_kind_t kind, int level, int page, const char *text) {
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 16;
        d->blocks = xrealloc(d->blocks, d->cap * sizeof *d->blocks);
    }
    d->blocks[d->n++] = (kx_block_t){
        .kind = kind, .level = level, .page = page, .text = xstrdup(text), .len = strlen(text)};
}

static void test_sections_and_pages(void **state) {
    (void)state;
    kx_doc_t *d = xcalloc(1, sizeof *d);
    add(d, KX_BLOCK_HEADING, 1, 1, "Pricing");
    add(d, KX_BLOCK_HEADING, 2, 1, "Enterprise");
    add(d, KX_BLOCK_PARAGRAPH, 0, 1, "Enterprise costs $99 per seat. It includes SSO.");
    add(d, KX_BLOCK_PARAGRAPH, 0, 2, "Volume discounts start at 100 seats.");
    add(d, KX_BLOCK_HEADING, 2, 2, "Starter");
    add(d, KX_BLOCK_TABLE_ROW, 0, 2, "Plan | Price");
    add(d, KX_BLOCK_TABLE_ROW, 0, 2, "Starter | $39");
    kc_opts_t o;
    kc_opts_default(&o);
    kc_chunk_t *c;
    size_t n;
    assert_int_equal(kc_chunk_doc(d, &o, words, NULL, &c, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(c[0].section, "Pricing > Enterprise");
    assert_int_equal(c[0].page, 1);
    assert_string_equal(c[0].text, "Enterprise costs $99 per seat. It includes SSO.");
    assert_int_equal(c[0].token_count, 8);
    assert_string_equal(c[1].section, "Pricing > Enterprise"); /* new page, new chunk */
    assert_int_equal(c[1].page, 2);
    assert_string_equal(c[2].section, "Pricing > Starter");
    assert_string_equal(c[2].text, "Plan | Price\nStarter | $39"); /* rows kept whole */
    kc_chunks_free(c, n);
    kx_doc_free(d);
}

/* A long paragraph: chunks stay within the budget, never split a sentence,
 * and each full chunk's closing sentence opens the next (overlap). */
static void test_budget_and_overlap(void **state) {
    (void)state;
    sal_buf_t b;
    sal_buf_init(&b, 0);
    for (int i = 0; i < 200; i++)
        sal_buf_printf(&b, "Sentence number %d tells the story of one happy customer. ", i);
    kx_doc_t *d = xcalloc(1, sizeof *d);
    add(d, KX_BLOCK_PARAGRAPH, 0, 0, b.data);
    kc_opts_t o = {.target_tokens = 100, .overlap_tokens = 15, .max_tokens = 120};
    kc_chunk_t *c;
    size_t n;
    assert_int_equal(kc_chunk_doc(d, &o, words, NULL, &c, &n), 0);
    assert_true(n >= 20);
    for (size_t i = 0; i < n; i++) {
        assert_true(c[i].token_count <= o.max_tokens);
        assert_int_equal(c[i].token_count, words(NULL, c[i].text, c[i].len));
        assert_memory_equal(c[i].text, "Sentence number ", 16); /* starts at a sentence */
        assert_int_equal(c[i].text[c[i].len - 1], '.');         /* ends at one */
        if (i + 1 < n) {
            const char *last = strrchr(c[i].text, 'S');
            assert_non_null(strstr(c[i + 1].text, last)); /* overlap */
        }
    }
    kc_chunks_free(c, n);
    kx_doc_free(d);
    sal_buf_free(&b);
}

/* One sentence longer than the hard cap is split at words. */
static void test_giant_sentence(void **state) {
    (void)state;
    sal_buf_t b;
    sal_buf_init(&b, 0);
    for (int i = 0; i < 5000; i++) sal_buf_puts(&b, "word ");
    kx_doc_t *d = xcalloc(1, sizeof *d);
    add(d, KX_BLOCK_PARAGRAPH, 0, 0, b.data);
    kc_opts_t o;
    kc_opts_default(&o);
    kc_chunk_t *c;
    size_t n;
    assert_int_equal(kc_chunk_doc(d, &o, words, NULL, &c, &n), 0);
    int total = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(c[i].token_count <= o.max_tokens);
        total += c[i].token_count;
    }
    assert_true(total >= 5000);
    kc_chunks_free(c, n);
    kx_doc_free(d);
    sal_buf_free(&b);
}

static void test_empty_document(void **state) {
    (void)state;
    kx_doc_t *d = xcalloc(1, sizeof *d);
    kc_opts_t o;
    kc_opts_default(&o);
    kc_chunk_t *c = NULL;
    size_t n = 7;
    assert_int_equal(kc_chunk_doc(d, &o, words, NULL, &c, &n), 0);
    assert_int_equal(n, 0);
    kc_chunks_free(c, n);
    kx_doc_free(d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize),          cmocka_unit_test(test_sentences),
        cmocka_unit_test(test_sections_and_pages), cmocka_unit_test(test_budget_and_overlap),
        cmocka_unit_test(test_giant_sentence),     cmocka_unit_test(test_empty_document),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
