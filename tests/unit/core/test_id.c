/* SPDX-License-Identifier: MIT */
/*
 * Tests for the small core pieces: time-ordered ids (shape, validation,
 * embedded timestamp, strict ordering within the process), UTF-8
 * validation, RFC 3339 formatting, the capped sal_buf_t, sal_strlcpy,
 * the arena and sal_strerror.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/core.h"

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static int crockford_value(char c) {
    const char *p = strchr(crockford, c);
    return (c != '\0' && p != NULL) ? (int)(p - crockford) : -1;
}

/* ---- ids --------------------------------------------------------------- */

static void test_id_shape(void **state) {
    (void)state;
    char id[SAL_ID_CAP];
    sal_id_new("key", id, sizeof id);
    assert_int_equal(strlen(id), 4 + 26);
    assert_memory_equal(id, "key_", 4);
    for (size_t i = 4; i < 30; i++)
        if (crockford_value(id[i]) < 0) fail_msg("id %s has a non-Crockford char at %zu", id, i);
    /* 48 bits of time in 10 chars (50 bits): the first is at most 7. */
    assert_true(crockford_value(id[4]) <= 7);

    assert_true(sal_id_valid(id, "key"));
    assert_false(sal_id_valid(id, "src"));
    assert_false(sal_id_valid(id, "ke"));

    sal_id_new("src", id, sizeof id);
    assert_true(sal_id_valid(id, "src"));
}

static void test_id_embeds_current_time(void **state) {
    (void)state;
    int64_t before = sal_now_ms();
    char id[SAL_ID_CAP];
    sal_id_new("job", id, sizeof id);
    int64_t after = sal_now_ms();
    int64_t t = 0;
    for (size_t i = 4; i < 14; i++) t = t * 32 + crockford_value(id[i]);
    /* Monotonic ids may run a little ahead of the clock, never behind. */
    if (t < before || t > after + 1000)
        fail_msg("id %s encodes %lld, clock was %lld..%lld", id, (long long)t, (long long)before,
                 (long long)after);
}

static void test_id_strictly_increasing(void **state) {
    (void)state;
    char prev[SAL_ID_CAP], cur[SAL_ID_CAP];
    sal_id_new("chk", prev, sizeof prev);
    for (int i = 0; i < 20000; i++) {
        sal_id_new("chk", cur, sizeof cur);
        if (strcmp(cur, prev) <= 0) fail_msg("id %s after %s is not greater", cur, prev);
        memcpy(prev, cur, sizeof prev);
    }
}

static void test_id_valid_rejects_malformed(void **state) {
    (void)state;
    char id[SAL_ID_CAP];
    sal_id_new("cus", id, sizeof id);
    assert_true(sal_id_valid(id, "cus"));

    char bad[SAL_ID_CAP + 8];
    /* one char short */
    memcpy(bad, id, 29);
    bad[29] = '\0';
    assert_false(sal_id_valid(bad, "cus"));
    /* one char long */
    memcpy(bad, id, 30);
    bad[30] = '0';
    bad[31] = '\0';
    assert_false(sal_id_valid(bad, "cus"));
    /* letters Crockford leaves out: I L O U, and punctuation */
    static const char outside[] = {'I', 'L', 'O', 'U', '-', '_', ' ', '\xc3'};
    for (size_t i = 0; i < sizeof outside; i++) {
        memcpy(bad, id, 31);
        bad[20] = outside[i];
        assert_false(sal_id_valid(bad, "cus"));
    }
    /* no separator */
    memcpy(bad, id, 31);
    bad[3] = 'X';
    assert_false(sal_id_valid(bad, "cus"));

    assert_false(sal_id_valid("", "cus"));
    assert_false(sal_id_valid("cus_", "cus"));
    assert_false(sal_id_valid("cus_01JD", "cus"));
    assert_true(sal_id_valid("cus_01JDQ8Z5YF8N6X6J4V0R3K2M1P", "cus"));
}

/* ---- UTF-8 ------------------------------------------------------------- */

#define UTF8(lit) sal_utf8_valid((lit), sizeof(lit) - 1)

static void test_utf8_valid(void **state) {
    (void)state;
    assert_true(sal_utf8_valid("", 0));
    assert_true(UTF8("plain ascii"));
    assert_true(UTF8("\xc3\xa9"));         /* é U+00E9 */
    assert_true(UTF8("\xc2\x80"));         /* U+0080, smallest 2-byte */
    assert_true(UTF8("\xdf\xbf"));         /* U+07FF */
    assert_true(UTF8("\xe0\xa0\x80"));     /* U+0800, smallest 3-byte */
    assert_true(UTF8("\xe2\x82\xac"));     /* € */
    assert_true(UTF8("\xed\x9f\xbf"));     /* U+D7FF, below surrogates */
    assert_true(UTF8("\xee\x80\x80"));     /* U+E000, above surrogates */
    assert_true(UTF8("\xef\xbf\xbf"));     /* U+FFFF */
    assert_true(UTF8("\xf0\x90\x80\x80")); /* U+10000 */
    assert_true(UTF8("\xf0\x9f\x98\x80")); /* 😀 */
    assert_true(UTF8("\xf4\x8f\xbf\xbf")); /* U+10FFFF, the last */
    assert_true(UTF8("a\0b"));             /* U+0000 is well-formed */
    assert_true(UTF8("M\xc3\xbcnchen \xe2\x82\xac\xf0\x9f\x98\x80!"));
}

static void test_utf8_invalid(void **state) {
    (void)state;
    assert_false(UTF8("\x80")); /* lone continuation */
    assert_false(UTF8("a\xbf"));
    assert_false(UTF8("\xc3"));         /* truncated 2-byte */
    assert_false(UTF8("\xe2\x82"));     /* truncated 3-byte */
    assert_false(UTF8("\xf0\x9f\x98")); /* truncated 4-byte */
    assert_false(UTF8("\xc3\x28"));     /* bad continuation */
    assert_false(UTF8("\xe2\x28\xa1"));
    assert_false(UTF8("\xc0\x80"));     /* overlong NUL */
    assert_false(UTF8("\xc0\xaf"));     /* overlong '/' */
    assert_false(UTF8("\xc1\xbf"));     /* overlong 2-byte */
    assert_false(UTF8("\xe0\x80\x80")); /* overlong 3-byte */
    assert_false(UTF8("\xe0\x9f\xbf"));
    assert_false(UTF8("\xf0\x80\x80\x80")); /* overlong 4-byte */
    assert_false(UTF8("\xf0\x8f\xbf\xbf"));
    assert_false(UTF8("\xed\xa0\x80"));     /* U+D800 surrogate */
    assert_false(UTF8("\xed\xbf\xbf"));     /* U+DFFF surrogate */
    assert_false(UTF8("\xf4\x90\x80\x80")); /* U+110000 */
    assert_false(UTF8("\xf5\x80\x80\x80"));
    assert_false(UTF8("\xf8\x88\x80\x80\x80")); /* 5-byte form */
    assert_false(UTF8("\xfe"));
    assert_false(UTF8("\xff"));
    /* len is honoured: a valid string cut inside a character fails. */
    assert_false(sal_utf8_valid("\xc3\xa9", 1));
    assert_true(sal_utf8_valid("ab\xff", 2));
}

/* ---- time -------------------------------------------------------------- */

static void test_time_format(void **state) {
    (void)state;
    char out[SAL_TIME_CAP];
    sal_time_format(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00Z");
    sal_time_format(999, out); /* milliseconds are dropped, not rounded */
    assert_string_equal(out, "1970-01-01T00:00:00Z");
    sal_time_format(1795622746000LL, out);
    assert_string_equal(out, "2026-11-25T16:05:46Z");
    sal_time_format(1795622746999LL, out);
    assert_string_equal(out, "2026-11-25T16:05:46Z");
    sal_time_format(1709251199000LL, out);
    assert_string_equal(out, "2024-02-29T23:59:59Z");
    sal_time_format(4102444800000LL, out);
    assert_string_equal(out, "2100-01-01T00:00:00Z");
}

static void test_clocks(void **state) {
    (void)state;
    int64_t now = sal_now_ms();
    assert_true(now > 1700000000000LL); /* after Nov 2023 */
    double a = sal_mono_ms();
    double b = sal_mono_ms();
    assert_true(b >= a);
}

/* ---- sal_buf_t --------------------------------------------------------- */

static void test_buf_appends_and_terminates(void **state) {
    (void)state;
    sal_buf_t b;
    sal_buf_init(&b, 0);
    assert_int_equal(b.len, 0);
    assert_int_equal(sal_buf_append(&b, "ab", 2), 0);
    assert_int_equal(sal_buf_puts(&b, "cd"), 0);
    assert_int_equal(sal_buf_printf(&b, "-%d-%s", 42, "x"), 0);
    assert_int_equal(b.len, 9);
    assert_string_equal(b.data, "abcd-42-x");
    /* Binary data with NUL bytes counts every byte. */
    assert_int_equal(sal_buf_append(&b, "\0z", 2), 0);
    assert_int_equal(b.len, 11);
    assert_memory_equal(b.data + 9, "\0z\0", 3);

    sal_buf_reset(&b);
    assert_int_equal(b.len, 0);
    if (b.data != NULL) assert_int_equal(b.data[0], '\0');
    assert_int_equal(sal_buf_puts(&b, "again"), 0);
    assert_string_equal(b.data, "again");
    sal_buf_free(&b);
    sal_buf_free(NULL);
}

static void test_buf_grows_without_cap(void **state) {
    (void)state;
    sal_buf_t b;
    sal_buf_init(&b, 0);
    char chunk[1000];
    memset(chunk, 'q', sizeof chunk);
    for (int i = 0; i < 3000; i++) assert_int_equal(sal_buf_append(&b, chunk, sizeof chunk), 0);
    assert_int_equal(b.len, 3000000);
    assert_int_equal(b.data[b.len], '\0');
    assert_int_equal(b.data[b.len - 1], 'q');

    /* A long printf is not cut at some internal scratch size. */
    sal_buf_reset(&b);
    char big[5000];
    memset(big, 'w', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(sal_buf_printf(&b, "<%s>", big), 0);
    assert_int_equal(b.len, sizeof big - 1 + 2);
    assert_int_equal(b.data[0], '<');
    assert_int_equal(b.data[b.len - 1], '>');
    sal_buf_free(&b);
}

static void test_buf_cap(void **state) {
    (void)state;
    sal_buf_t b;
    sal_buf_init(&b, 10);
    assert_int_equal(sal_buf_puts(&b, "hello"), 0);
    assert_int_equal(sal_buf_puts(&b, "1234"), 0); /* 9 bytes: under the cap */
    assert_int_equal(b.len, 9);

    /* Past the cap: SAL_ENOMEM and the buffer is unchanged. */
    assert_int_equal(sal_buf_puts(&b, "too long"), SAL_ENOMEM);
    assert_int_equal(b.len, 9);
    assert_string_equal(b.data, "hello1234");
    assert_int_equal(sal_buf_append(&b, "xyz", 3), SAL_ENOMEM);
    assert_int_equal(b.len, 9);
    assert_string_equal(b.data, "hello1234");
    assert_int_equal(sal_buf_printf(&b, "%s", "abcdefgh"), SAL_ENOMEM);
    assert_int_equal(b.len, 9);
    assert_string_equal(b.data, "hello1234");

    /* A single oversized append into an empty buffer fails too. */
    sal_buf_reset(&b);
    assert_int_equal(sal_buf_printf(&b, "%0100d", 7), SAL_ENOMEM);
    assert_int_equal(b.len, 0);
    assert_int_equal(sal_buf_append(&b, "0123456789abcdef", 16), SAL_ENOMEM);
    assert_int_equal(b.len, 0);
    /* Huge n must not wrap around the size arithmetic. */
    assert_int_equal(sal_buf_append(&b, "x", SIZE_MAX), SAL_ENOMEM);
    assert_int_equal(b.len, 0);
    sal_buf_free(&b);
}

/* ---- sal_strlcpy ------------------------------------------------------- */

static void test_strlcpy(void **state) {
    (void)state;
    char out[8];
    memset(out, 'Z', sizeof out);
    assert_int_equal(sal_strlcpy(out, "hello", sizeof out), 5);
    assert_string_equal(out, "hello");

    memset(out, 'Z', sizeof out);
    assert_int_equal(sal_strlcpy(out, "hello world", 4), 11);
    assert_string_equal(out, "hel");
    assert_int_equal(out[4], 'Z');

    assert_int_equal(sal_strlcpy(out, "1234567", sizeof out), 7);
    assert_string_equal(out, "1234567");
    assert_int_equal(sal_strlcpy(out, "12345678", sizeof out), 8);
    assert_string_equal(out, "1234567");
    assert_int_equal(sal_strlcpy(out, "", sizeof out), 0);
    assert_string_equal(out, "");
}

/* ---- arena ------------------------------------------------------------- */

static void test_arena(void **state) {
    (void)state;
    sal_arena_t *a = sal_arena_new();
    assert_non_null(a);

    /* Many allocations of mixed sizes, each filled with its own byte,
     * then all checked: no two overlap. */
    enum { N = 3000 };
    unsigned char **p = calloc(N, sizeof *p);
    size_t *sz = calloc(N, sizeof *sz);
    assert_non_null(p);
    assert_non_null(sz);
    for (size_t i = 0; i < N; i++) {
        sz[i] = 1 + (i * 37) % 700;
        if (i % 500 == 0) sz[i] = 200000; /* bigger than any sensible block */
        p[i] = sal_arena_alloc(a, sz[i]);
        assert_non_null(p[i]);
        assert_int_equal((uintptr_t)p[i] % sizeof(void *), 0);
        memset(p[i], (int)(i & 0xff), sz[i]);
    }
    for (size_t i = 0; i < N; i++)
        for (size_t k = 0; k < sz[i]; k++)
            if (p[i][k] != (unsigned char)(i & 0xff))
                fail_msg("arena allocation %zu was overwritten at %zu", i, k);
    free(p);
    free(sz);

    char *s = sal_arena_strdup(a, "hello");
    assert_string_equal(s, "hello");
    char *t = sal_arena_strndup(a, "hello", 3);
    assert_string_equal(t, "hel");
    char *v = sal_arena_printf(a, "%s-%d-%05.1f", "x", -3, 2.5);
    assert_string_equal(v, "x--3-002.5");
    char big[3000];
    memset(big, 'k', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    char *w = sal_arena_printf(a, "[%s]", big);
    assert_int_equal(strlen(w), sizeof big + 1);
    assert_string_equal(s, "hello"); /* earlier strings untouched */
    sal_arena_free(a);
    sal_arena_free(NULL);
}

/* Named after strndup(3): at most n bytes, stopping at a NUL, so a short
 * string with a generous n is never over-read. */
static void test_strndup_stops_at_nul(void **state) {
    (void)state;
    static const char hi[] = "hi";
    sal_arena_t *a = sal_arena_new();
    char *u = sal_arena_strndup(a, hi, 10);
    assert_string_equal(u, "hi");
    sal_arena_free(a);
    char *v = xstrndup(hi, 10);
    assert_string_equal(v, "hi");
    free(v);
}

/* ---- errors ------------------------------------------------------------ */

static void test_strerror(void **state) {
    (void)state;
    static const int codes[] = {SAL_OK,     SAL_ENOMEM, SAL_EINVAL,  SAL_ENOTFOUND,
                                SAL_EEXIST, SAL_EIO,    SAL_ESTORE,  SAL_ECONFLICT,
                                SAL_EPERM,  SAL_ELIMIT, SAL_EUNAVAIL};
    size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        const char *s = sal_strerror(codes[i]);
        assert_non_null(s);
        assert_true(s[0] != '\0');
        for (size_t k = 0; k < i; k++)
            if (strcmp(s, sal_strerror(codes[k])) == 0)
                fail_msg("codes %d and %d share the name \"%s\"", codes[i], codes[k], s);
    }
    assert_non_null(sal_strerror(-12345));
    assert_non_null(sal_strerror(7));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_id_shape),
        cmocka_unit_test(test_id_embeds_current_time),
        cmocka_unit_test(test_id_strictly_increasing),
        cmocka_unit_test(test_id_valid_rejects_malformed),
        cmocka_unit_test(test_utf8_valid),
        cmocka_unit_test(test_utf8_invalid),
        cmocka_unit_test(test_time_format),
        cmocka_unit_test(test_clocks),
        cmocka_unit_test(test_buf_appends_and_terminates),
        cmocka_unit_test(test_buf_grows_without_cap),
        cmocka_unit_test(test_buf_cap),
        cmocka_unit_test(test_strlcpy),
        cmocka_unit_test(test_arena),
        cmocka_unit_test(test_strerror),
        /* Last: under ASan an over-read here ends the process. */
        cmocka_unit_test(test_strndup_stops_at_nul),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
