/* SPDX-License-Identifier: MIT */
/*
 * Tests for API key material and scopes, without a store: the shape of
 * generated keys ("sal_" + 8 base62 + "_" + 43 base62), their prefix and
 * BLAKE2b-256 hash, sec_key_prefix on well- and ill-formed strings, scope
 * parsing from CSV and JSON, scope rendering in the order admin, write,
 * read, and the public JSON of a key (never the secret or the hash).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sodium.h>

#include "security/security.h"

#define KEY_LEN 56 /* 4 + 8 + 1 + 43 */

static bool is_base62(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void assert_key_shape(const char *key) {
    if (strlen(key) != KEY_LEN)
        fail_msg("key \"%s\" has %zu chars, want %d", key, strlen(key), KEY_LEN);
    assert_memory_equal(key, "sal_", 4);
    for (size_t i = 4; i < 12; i++)
        if (!is_base62(key[i])) fail_msg("key \"%s\": char %zu is not base62", key, i);
    assert_int_equal(key[12], '_');
    for (size_t i = 13; i < KEY_LEN; i++)
        if (!is_base62(key[i])) fail_msg("key \"%s\": char %zu is not base62", key, i);
}

static void test_generate_shape(void **state) {
    (void)state;
    char key[SEC_KEY_CAP], prefix[STORE_PREFIX_CAP];
    unsigned char hash[STORE_HASH_LEN];
    sec_key_generate(key, prefix, hash);
    assert_key_shape(key);
    assert_int_equal(strlen(prefix), SEC_KEY_PREFIX_LEN);
    assert_memory_equal(prefix, key, SEC_KEY_PREFIX_LEN);

    unsigned char again[STORE_HASH_LEN];
    sec_key_hash(key, again);
    assert_memory_equal(hash, again, STORE_HASH_LEN);
}

static void test_hash_is_blake2b_256_of_the_key(void **state) {
    (void)state;
    assert_true(sodium_init() >= 0);
    char key[SEC_KEY_CAP], prefix[STORE_PREFIX_CAP];
    unsigned char hash[STORE_HASH_LEN], want[STORE_HASH_LEN];
    sec_key_generate(key, prefix, hash);
    crypto_generichash(want, sizeof want, (const unsigned char *)key, strlen(key), NULL, 0);
    assert_memory_equal(hash, want, STORE_HASH_LEN);

    /* One changed character, another hash. */
    char other[SEC_KEY_CAP];
    memcpy(other, key, sizeof other);
    other[KEY_LEN - 1] = other[KEY_LEN - 1] == 'a' ? 'b' : 'a';
    unsigned char h2[STORE_HASH_LEN];
    sec_key_hash(other, h2);
    assert_memory_not_equal(hash, h2, STORE_HASH_LEN);
}

static void test_generate_differs_each_time(void **state) {
    (void)state;
    enum { N = 200 };
    static char keys[N][SEC_KEY_CAP], prefixes[N][STORE_PREFIX_CAP];
    unsigned char hash[STORE_HASH_LEN];
    for (size_t i = 0; i < N; i++) {
        sec_key_generate(keys[i], prefixes[i], hash);
        assert_key_shape(keys[i]);
        for (size_t k = 0; k < i; k++) {
            assert_string_not_equal(keys[i], keys[k]);
            /* 62^8 prefixes: a collision in 200 would be a bad RNG. */
            assert_string_not_equal(prefixes[i], prefixes[k]);
        }
    }
    /* Every base62 class shows up in the secrets: not hex, not lower only. */
    bool digit = false, lower = false, upper = false;
    for (size_t i = 0; i < N; i++)
        for (size_t k = 13; k < KEY_LEN; k++) {
            char c = keys[i][k];
            digit = digit || (c >= '0' && c <= '9');
            lower = lower || (c >= 'a' && c <= 'z');
            upper = upper || (c >= 'A' && c <= 'Z');
        }
    assert_true(digit && lower && upper);
}

static void test_prefix_of_good_key(void **state) {
    (void)state;
    char key[SEC_KEY_CAP], prefix[STORE_PREFIX_CAP], got[STORE_PREFIX_CAP];
    unsigned char hash[STORE_HASH_LEN];
    sec_key_generate(key, prefix, hash);
    memset(got, 'Z', sizeof got);
    assert_int_equal(sec_key_prefix(key, got, sizeof got), 0);
    assert_string_equal(got, prefix);

    static const char fixed[] = "sal_AbC12xYz_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";
    assert_int_equal(strlen(fixed), KEY_LEN);
    assert_int_equal(sec_key_prefix(fixed, got, sizeof got), 0);
    assert_string_equal(got, "sal_AbC12xYz");
}

static void expect_bad_key(const char *s) {
    char got[STORE_PREFIX_CAP];
    int rc = sec_key_prefix(s, got, sizeof got);
    if (rc != SAL_EINVAL) fail_msg("sec_key_prefix(\"%s\") = %d, want SAL_EINVAL", s, rc);
}

static void test_prefix_of_bad_keys(void **state) {
    (void)state;
    static const char good[] = "sal_AbC12xYz_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";
    char s[128];

    expect_bad_key("");
    expect_bad_key("sal_");
    expect_bad_key("sal_AbC12xYz");  /* prefix alone */
    expect_bad_key("sal_AbC12xYz_"); /* no secret */
    expect_bad_key("Bearer sal_AbC12xYz_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG");

    /* truncated by one */
    memcpy(s, good, KEY_LEN - 1);
    s[KEY_LEN - 1] = '\0';
    expect_bad_key(s);
    /* one too long */
    memcpy(s, good, KEY_LEN);
    s[KEY_LEN] = 'x';
    s[KEY_LEN + 1] = '\0';
    expect_bad_key(s);
    /* far too long */
    memset(s, 'a', sizeof s - 1);
    memcpy(s, good, KEY_LEN);
    s[sizeof s - 1] = '\0';
    expect_bad_key(s);
    /* wrong literal */
    memcpy(s, good, sizeof good);
    s[0] = 'S';
    expect_bad_key(s);
    memcpy(s, good, sizeof good);
    s[3] = '-';
    expect_bad_key(s);
    /* separator missing */
    memcpy(s, good, sizeof good);
    s[12] = 'x';
    expect_bad_key(s);
    /* non-base62 in the prefix and in the secret */
    static const char badc[] = {'-', '_', '+', '/', '=', ' ', '.', '\xc3'};
    for (size_t i = 0; i < sizeof badc; i++) {
        memcpy(s, good, sizeof good);
        s[7] = badc[i];
        expect_bad_key(s);
        memcpy(s, good, sizeof good);
        s[40] = badc[i];
        expect_bad_key(s);
    }
    /* surrounding whitespace is not trimmed here */
    snprintf(s, sizeof s, " %s", good);
    expect_bad_key(s);
    snprintf(s, sizeof s, "%s\n", good);
    expect_bad_key(s);
}

static void test_prefix_small_buffer(void **state) {
    (void)state;
    static const char good[] = "sal_AbC12xYz_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";
    char got[16];
    memset(got, 'Z', sizeof got);
    int rc = sec_key_prefix(good, got, 6);
    assert_true(rc < 0);
    for (size_t i = 6; i < sizeof got; i++) assert_int_equal(got[i], 'Z');
    /* Exactly enough room. */
    assert_int_equal(sec_key_prefix(good, got, SEC_KEY_PREFIX_LEN + 1), 0);
    assert_string_equal(got, "sal_AbC12xYz");
}

static void expect_scopes(const char *csv, unsigned want) {
    unsigned got = 0xdead;
    int rc = sec_scopes_parse(csv, &got);
    if (rc != 0) fail_msg("sec_scopes_parse(\"%s\") = %d, want 0", csv, rc);
    if (got != want) fail_msg("sec_scopes_parse(\"%s\") gave %#x, want %#x", csv, got, want);
}

static void expect_bad_scopes(const char *csv) {
    unsigned got = 0;
    int rc = sec_scopes_parse(csv, &got);
    if (rc != SAL_EINVAL) fail_msg("sec_scopes_parse(\"%s\") = %d, want SAL_EINVAL", csv, rc);
}

static void test_scopes_parse(void **state) {
    (void)state;
    expect_scopes("admin,write,read", SEC_SCOPE_ALL);
    expect_scopes("read,write,admin", SEC_SCOPE_ALL);
    expect_scopes("read", SEC_SCOPE_READ);
    expect_scopes("write", SEC_SCOPE_WRITE);
    expect_scopes("admin", SEC_SCOPE_ADMIN);
    expect_scopes("write,read", SEC_SCOPE_WRITE | SEC_SCOPE_READ);

    expect_bad_scopes("");
    expect_bad_scopes("read,read");
    expect_bad_scopes("admin,write,admin");
    expect_bad_scopes("read,bogus");
    expect_bad_scopes("superuser");
    expect_bad_scopes("READ");
    expect_bad_scopes("read,");
    expect_bad_scopes(",read");
    expect_bad_scopes("read,,write");
    expect_bad_scopes(",");
    expect_bad_scopes("rea");
    expect_bad_scopes("reads");
    expect_bad_scopes("read;write");
}

static void expect_scopes_json(unsigned scopes, const char *want) {
    json_t *j = sec_scopes_json(scopes);
    assert_non_null(j);
    assert_true(json_is_array(j));
    char *got = json_dumps(j, JSON_COMPACT);
    if (strcmp(got, want) != 0) fail_msg("sec_scopes_json(%#x) = %s, want %s", scopes, got, want);
    free(got);
    json_decref(j);
}

static void test_scopes_json_order(void **state) {
    (void)state;
    expect_scopes_json(SEC_SCOPE_ALL, "[\"admin\",\"write\",\"read\"]");
    expect_scopes_json(SEC_SCOPE_READ | SEC_SCOPE_ADMIN, "[\"admin\",\"read\"]");
    expect_scopes_json(SEC_SCOPE_READ | SEC_SCOPE_WRITE, "[\"write\",\"read\"]");
    expect_scopes_json(SEC_SCOPE_READ, "[\"read\"]");
    expect_scopes_json(0, "[]");
}

static int scopes_from(const char *text, unsigned *out, char *err, size_t cap) {
    json_error_t e;
    json_t *arr = json_loads(text, JSON_DECODE_ANY, &e);
    if (arr == NULL) fail_msg("bad test JSON %s", text);
    int rc = sec_scopes_from_json(arr, out, err, cap);
    json_decref(arr);
    return rc;
}

static void test_scopes_from_json(void **state) {
    (void)state;
    unsigned s = 0;
    char err[128];
    assert_int_equal(scopes_from("[\"read\", \"write\"]", &s, err, sizeof err), 0);
    assert_int_equal(s, SEC_SCOPE_READ | SEC_SCOPE_WRITE);
    assert_int_equal(scopes_from("[\"admin\"]", &s, err, sizeof err), 0);
    assert_int_equal(s, SEC_SCOPE_ADMIN);

    static const char *const bad[] = {
        "[\"read\", \"read\"]",
        "[\"nope\"]",
        "[1]",
        "[\"read\", null]",
        "[\"\"]",
        "{}",
        "\"read\"",
        "[]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        int rc = scopes_from(bad[i], &s, err, sizeof err);
        if (rc != SAL_EINVAL)
            fail_msg("sec_scopes_from_json(%s) = %d, want SAL_EINVAL", bad[i], rc);
        if (err[0] == '\0') fail_msg("sec_scopes_from_json(%s): no message", bad[i]);
    }
}

static void test_key_json_hides_secret(void **state) {
    (void)state;
    store_key_t k;
    memset(&k, 0, sizeof k);
    sal_strlcpy(k.id, "key_01JDQ8Z5YF8N6X6J4V0R3K2M1P", sizeof k.id);
    sal_strlcpy(k.tenant_id, "ten_01JDQ8Z5YF8N6X6J4V0R3K2M1Q", sizeof k.tenant_id);
    sal_strlcpy(k.name, "laptop", sizeof k.name);
    sal_strlcpy(k.prefix, "sal_AbC12xYz", sizeof k.prefix);
    memset(k.hash, 0xab, sizeof k.hash);
    k.scopes = SEC_SCOPE_READ | SEC_SCOPE_ADMIN;
    k.created_ms = 1795622746000LL;

    json_t *j = sec_key_json(&k);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "id")), k.id);
    assert_string_equal(json_string_value(json_object_get(j, "name")), "laptop");
    assert_string_equal(json_string_value(json_object_get(j, "prefix")), "sal_AbC12xYz");
    assert_string_equal(json_string_value(json_object_get(j, "created_at")),
                        "2026-11-25T16:05:46Z");
    char *scopes = json_dumps(json_object_get(j, "scopes"), JSON_COMPACT);
    assert_string_equal(scopes, "[\"admin\",\"read\"]");
    free(scopes);
    assert_null(json_object_get(j, "key"));
    assert_null(json_object_get(j, "secret"));
    assert_null(json_object_get(j, "hash"));
    char *dump = json_dumps(j, JSON_COMPACT);
    assert_null(strstr(dump, "abababab"));
    assert_null(strstr(dump, "q6urq6ur")); /* base64 of 0xab bytes */
    free(dump);
    json_decref(j);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generate_shape),
        cmocka_unit_test(test_hash_is_blake2b_256_of_the_key),
        cmocka_unit_test(test_generate_differs_each_time),
        cmocka_unit_test(test_prefix_of_good_key),
        cmocka_unit_test(test_prefix_of_bad_keys),
        cmocka_unit_test(test_prefix_small_buffer),
        cmocka_unit_test(test_scopes_parse),
        cmocka_unit_test(test_scopes_json_order),
        cmocka_unit_test(test_scopes_from_json),
        cmocka_unit_test(test_key_json_hides_secret),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
