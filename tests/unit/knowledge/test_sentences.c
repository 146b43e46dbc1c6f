/* SPDX-License-Identifier: MIT */
/*
 * Tests for kc_sentences (src/knowledge/chunk/sentences.c): every case of
 * tests/data/chunk/sentences.json (abbreviations of each class, initials,
 * decimals, versions, URLs, e-mail addresses, ellipses, quotes and
 * brackets, CJK) must split into exactly its expected sentences; plus the
 * cap protocol, offsets on untrimmed text, and a megabyte in linear time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "knowledge/chunk/chunk.h"
#include "testutil.h"

static json_t *load_cases(const char *rel) {
    const char *root = getenv("SALIENT_SOURCE_DIR");
    if (root == NULL || root[0] == '\0') fail_msg("SALIENT_SOURCE_DIR is not set (run via ctest)");
    char path[4096];
    tu_path(path, sizeof path, root, rel);
    json_error_t jerr;
    json_t *cases = json_load_file(path, 0, &jerr);
    if (!cases) fail_msg("%s:%d: %s", path, jerr.line, jerr.text);
    assert_true(json_is_array(cases));
    return cases;
}

static void test_golden_cases(void **state) {
    (void)state;
    json_t *cases = load_cases("tests/data/chunk/sentences.json");
    assert_true(json_array_size(cases) >= 30);
    size_t i, failed = 0;
    json_t *c;
    json_array_foreach(cases, i, c) {
        const char *name = json_string_value(json_object_get(c, "name"));
        const char *text = json_string_value(json_object_get(c, "text"));
        json_t *want = json_object_get(c, "sentences");
        size_t len = strlen(text), st[64], en[64];
        size_t n = kc_sentences(text, len, st, en, 64);
        bool ok = n == json_array_size(want);
        for (size_t k = 0; ok && k < n; k++) {
            const char *w = json_string_value(json_array_get(want, k));
            ok = en[k] - st[k] == strlen(w) && memcmp(text + st[k], w, strlen(w)) == 0;
        }
        if (!ok) {
            print_error("case %zu (%s): got %zu sentences:\n", i, name, n);
            for (size_t k = 0; k < n && k < 64; k++)
                print_error("  [%.*s]\n", (int)(en[k] - st[k]), text + st[k]);
            failed++;
        }
    }
    json_decref(cases);
    assert_int_equal(failed, 0);
}

static void test_cap_returns_full_count(void **state) {
    (void)state;
    const char *t = "One. Two. Three. Four.";
    size_t st[2], en[2];
    assert_int_equal(kc_sentences(t, strlen(t), st, en, 2), 4);
    assert_int_equal(st[0], 0);
    assert_int_equal(en[0], 4);
    assert_int_equal(st[1], 5);
    assert_int_equal(en[1], 9);
    assert_int_equal(kc_sentences(t, strlen(t), NULL, NULL, 0), 4);
}

static void test_offsets_trimmed(void **state) {
    (void)state;
    const char *t = "\n  Alpha beta.  \t Gamma!  ";
    size_t st[4], en[4];
    assert_int_equal(kc_sentences(t, strlen(t), st, en, 4), 2);
    assert_int_equal(st[0], 3);
    assert_int_equal(en[0], 14);
    assert_int_equal(st[1], 18);
    assert_int_equal(en[1], 24);
}

static void test_megabyte_is_linear(void **state) {
    (void)state;
    size_t len = 1u << 20;
    char *t = xmalloc(len);
    /* Periods followed by lower case everywhere: nothing ends, so a
     * quadratic rescan would show. */
    for (size_t i = 0; i < len; i++) t[i] = (i % 8 == 6) ? '.' : (i % 8 == 7) ? ' ' : 'a';
    double t0 = sal_mono_ms();
    size_t st[1], en[1];
    assert_int_equal(kc_sentences(t, len, st, en, 1), 1);
    assert_int_equal(st[0], 0);
    assert_int_equal(en[0], len - 1);
    assert_true(sal_mono_ms() - t0 < 2000);
    free(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_cases),
        cmocka_unit_test(test_cap_returns_full_count),
        cmocka_unit_test(test_offsets_trimmed),
        cmocka_unit_test(test_megabyte_is_linear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
