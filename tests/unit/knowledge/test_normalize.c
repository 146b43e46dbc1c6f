/* SPDX-License-Identifier: MIT */
/*
 * Tests for kc_normalize (src/knowledge/chunk/normalize.c): every case of
 * tests/data/chunk/normalize.json (NFC, ligatures, soft hyphens,
 * invisible characters, Unicode spaces, hyphenation repair and its
 * exceptions, whitespace collapse, controls) must give its expected
 * output; plus what JSON cannot hold: ill-formed UTF-8, NUL bytes, the
 * output cap, and a large input.
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

static void check(const char *in, size_t len, const char *want) {
    char *out = NULL;
    size_t n = 99;
    assert_int_equal(kc_normalize(in, len, 0, &out, &n), 0);
    assert_non_null(out);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
    free(out);
}

static void test_golden_cases(void **state) {
    (void)state;
    json_t *cases = load_cases("tests/data/chunk/normalize.json");
    assert_true(json_array_size(cases) >= 40);
    size_t i, failed = 0;
    json_t *c;
    json_array_foreach(cases, i, c) {
        const char *name = json_string_value(json_object_get(c, "name"));
        json_t *in = json_object_get(c, "in");
        const char *want = json_string_value(json_object_get(c, "out"));
        char *out = NULL;
        size_t n = 0;
        int rc = kc_normalize(json_string_value(in), json_string_length(in), 0, &out, &n);
        if (rc != 0 || strcmp(out, want) != 0 || n != strlen(want)) {
            print_error("case %zu (%s): rc %d, got \"%s\", want \"%s\"\n", i, name, rc,
                        out ? out : "(null)", want);
            failed++;
        }
        free(out);
    }
    json_decref(cases);
    assert_int_equal(failed, 0);
}

static void test_invalid_utf8_becomes_replacement(void **state) {
    (void)state;
    /* A lone continuation byte, a truncated 3-byte sequence before ASCII,
     * an overlong '/', a surrogate, a byte that is never valid. */
    check("a\x80z", 3, "a\xEF\xBF\xBDz");
    check("a\xE2\x82z", 4, "a\xEF\xBF\xBDz");
    check("\xC0\xAF", 2, "\xEF\xBF\xBD\xEF\xBF\xBD");
    check("\xED\xA0\x80x", 4, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDx");
    check("\xFF", 1, "\xEF\xBF\xBD");
    /* The truncated sequence at the very end. */
    check("ok\xF0\x9F\x98", 5, "ok\xEF\xBF\xBD");
    /* Valid 4-byte characters pass. */
    check("\xF0\x9F\x98\x80!", 5, "\xF0\x9F\x98\x80!");
}

static void test_nul_and_controls_dropped(void **state) {
    (void)state;
    check("a\0b\0\0c", 6, "abc");
    check("\x1b[31mred\x1b[0m", 12, "[31mred[0m");
}

static void test_output_cap(void **state) {
    (void)state;
    char *out = (char *)0x1;
    size_t n = 7;
    assert_int_equal(kc_normalize("hello world", 11, 5, &out, &n), SAL_ENOMEM);
    assert_null(out);
    assert_int_equal(n, 0);
    /* The cap is on the output: whitespace that collapses does not count. */
    assert_int_equal(kc_normalize("  hello      world  ", 20, 11, &out, &n), 0);
    assert_string_equal(out, "hello world");
    free(out);
    assert_int_equal(kc_normalize("hello world", 11, 10, &out, &n), SAL_ENOMEM);
}

static void test_empty_and_null(void **state) {
    (void)state;
    char *out = NULL;
    size_t n = 3;
    assert_int_equal(kc_normalize(NULL, 0, 0, &out, &n), 0);
    assert_string_equal(out, "");
    assert_int_equal(n, 0);
    free(out);
    assert_int_equal(kc_normalize(NULL, 4, 0, &out, &n), SAL_EINVAL);
}

static void test_idempotent_on_large_mixed_text(void **state) {
    (void)state;
    static const char piece[] = "Caf\x65\xcc\x81 \xef\xac\x81nance manage-\nment\xc2\xa0"
                                "e-\nMail \xe2\x80\x8b\t\r\n";
    size_t reps = 20000, plen = sizeof piece - 1;
    char *big = xmalloc(reps * plen);
    for (size_t i = 0; i < reps; i++) memcpy(big + i * plen, piece, plen);
    char *a = NULL, *b = NULL;
    size_t an = 0, bn = 0;
    assert_int_equal(kc_normalize(big, reps * plen, 0, &a, &an), 0);
    static const char want[] = "Caf\xc3\xa9 finance management e-Mail ";
    assert_int_equal(an, reps * (sizeof want - 1) - 1);
    assert_memory_equal(a, want, sizeof want - 1);
    assert_int_equal(kc_normalize(a, an, 0, &b, &bn), 0);
    assert_int_equal(an, bn);
    assert_memory_equal(a, b, an);
    free(a);
    free(b);
    free(big);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_cases),
        cmocka_unit_test(test_invalid_utf8_becomes_replacement),
        cmocka_unit_test(test_nul_and_controls_dropped),
        cmocka_unit_test(test_output_cap),
        cmocka_unit_test(test_empty_and_null),
        cmocka_unit_test(test_idempotent_on_large_mixed_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
