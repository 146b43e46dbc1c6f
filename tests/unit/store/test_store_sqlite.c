/* SPDX-License-Identifier: MIT */
/*
 * Tests for the SQLite store on a real file in a fresh temporary
 * directory: opening (with directory creation), idempotent migrations,
 * tenants, API keys (insert, lookup by prefix, paged listing, revocation
 * scoped to the tenant, touch), transactions that roll back on a non-zero
 * return (nested ones joining the outer), the audit log, concurrent
 * writers, and the security module's key lifecycle end to end
 * (create, authenticate, revoke).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>

#include "security/security.h"
#include "store/store.h"
#include "testutil.h"

typedef struct {
    char dir[512];
    char url[600];
    store_t *st;
    store_tenant_t ta, tb;
} fixture_t;

static int setup(void **state) {
    fixture_t *fx = calloc(1, sizeof *fx);
    if (fx == NULL) return -1;
    tu_mkdtemp(fx->dir, sizeof fx->dir);
    /* A sub-directory that does not exist yet: store_open creates it. */
    snprintf(fx->url, sizeof fx->url, "sqlite://%s/data/salient.db", fx->dir);
    assert_int_equal(store_open(fx->url, &fx->st), 0);
    assert_non_null(fx->st);
    assert_int_equal(store_migrate(fx->st, NULL, NULL), 0);
    assert_int_equal(store_tenant_ensure(fx->st, "acme", &fx->ta), 0);
    assert_int_equal(store_tenant_ensure(fx->st, "globex", &fx->tb), 0);
    *state = fx;
    return 0;
}

static int teardown(void **state) {
    fixture_t *fx = *state;
    store_close(fx->st);
    tu_rmrf(fx->dir);
    free(fx);
    return 0;
}

/* A key row with a fresh id and a prefix derived from n. */
static void make_key(store_key_t *k, const char *tenant_id, int n) {
    memset(k, 0, sizeof *k);
    sal_id_new("key", k->id, sizeof k->id);
    sal_strlcpy(k->tenant_id, tenant_id, sizeof k->tenant_id);
    snprintf(k->name, sizeof k->name, "key number %d", n);
    snprintf(k->prefix, sizeof k->prefix, "sal_T%07d", n);
    for (size_t i = 0; i < STORE_HASH_LEN; i++) k->hash[i] = (unsigned char)(n * 31 + i);
    k->scopes = SEC_SCOPE_READ | (n % 2 ? SEC_SCOPE_WRITE : 0);
    k->created_ms = 1700000000000LL + n;
}

static void assert_key_equal(const store_key_t *got, const store_key_t *want) {
    assert_string_equal(got->id, want->id);
    assert_string_equal(got->tenant_id, want->tenant_id);
    assert_string_equal(got->name, want->name);
    assert_string_equal(got->prefix, want->prefix);
    assert_memory_equal(got->hash, want->hash, STORE_HASH_LEN);
    assert_int_equal(got->scopes, want->scopes);
    assert_int_equal(got->created_ms, want->created_ms);
}

/* ---- open and migrate -------------------------------------------------- */

static void test_open_and_migrate(void **state) {
    (void)state;
    char dir[512], url[600];
    tu_mkdtemp(dir, sizeof dir);
    snprintf(url, sizeof url, "sqlite://%s/a/b/salient.db", dir);

    store_t *st = NULL;
    assert_int_equal(store_open(url, &st), 0);
    assert_string_equal(store_backend(st), "sqlite");
    assert_int_equal(store_ping(st), 0);

    int latest = store_schema_latest(st);
    assert_true(latest >= 1);
    int v = -1;
    assert_int_equal(store_schema_version(st, &v), 0);
    assert_int_equal(v, 0);

    int from = -1, to = -1;
    assert_int_equal(store_migrate(st, &from, &to), 0);
    assert_int_equal(from, 0);
    assert_int_equal(to, latest);
    assert_int_equal(store_schema_version(st, &v), 0);
    assert_int_equal(v, latest);

    /* Twice: nothing to do, same version. */
    assert_int_equal(store_migrate(st, &from, &to), 0);
    assert_int_equal(from, latest);
    assert_int_equal(to, latest);
    store_close(st);

    /* Reopened: the schema is still there. */
    assert_int_equal(store_open(url, &st), 0);
    assert_int_equal(store_schema_version(st, &v), 0);
    assert_int_equal(v, latest);
    assert_int_equal(store_migrate(st, &from, &to), 0);
    assert_int_equal(from, latest);
    assert_int_equal(to, latest);
    store_close(st);
    store_close(NULL);

    char path[600];
    snprintf(path, sizeof path, "%s/a/b/salient.db", dir);
    assert_int_equal(access(path, F_OK), 0);
    tu_rmrf(dir);
}

static void test_open_unknown_backends(void **state) {
    (void)state;
    store_t *st = NULL;
    /* A backend this build lacks (no libpq linked). */
    assert_int_equal(store_open("postgresql://u:p@127.0.0.1:1/db", &st), SAL_EUNAVAIL);
    assert_true(store_open("mysql://x", &st) < 0);
    assert_true(store_open("", &st) < 0);
    /* A path whose directory cannot be made. */
    assert_true(store_open("sqlite:///proc/salient-no/such/dir/x.db", &st) < 0);
}

/* ---- tenants ----------------------------------------------------------- */

static void test_tenant_ensure_is_idempotent(void **state) {
    fixture_t *fx = *state;
    store_tenant_t again;
    assert_int_equal(store_tenant_ensure(fx->st, "acme", &again), 0);
    assert_string_equal(again.id, fx->ta.id);
    assert_string_equal(again.name, "acme");
    assert_int_equal(again.created_ms, fx->ta.created_ms);
    assert_true(sal_id_valid(fx->ta.id, "ten"));
    assert_true(fx->ta.created_ms > 1700000000000LL);
    assert_string_not_equal(fx->ta.id, fx->tb.id);

    store_tenant_t got;
    assert_int_equal(store_tenant_get(fx->st, fx->tb.id, &got), 0);
    assert_string_equal(got.id, fx->tb.id);
    assert_string_equal(got.name, "globex");
    assert_int_equal(store_tenant_get(fx->st, "ten_01JDQ8Z5YF8N6X6J4V0R3K2M1P", &got),
                     SAL_ENOTFOUND);
}

/* ---- keys -------------------------------------------------------------- */

static void test_key_insert_and_by_prefix(void **state) {
    fixture_t *fx = *state;
    store_key_t k, got;
    make_key(&k, fx->ta.id, 1);
    assert_int_equal(store_key_insert(fx->st, &k), 0);

    memset(&got, 0, sizeof got);
    assert_int_equal(store_key_by_prefix(fx->st, k.prefix, &got), 0);
    assert_key_equal(&got, &k);
    assert_int_equal(got.last_used_ms, 0);
    assert_int_equal(got.revoked_ms, 0);

    assert_int_equal(store_key_by_prefix(fx->st, "sal_NOPE0000", &got), SAL_ENOTFOUND);

    /* The same prefix twice is refused: prefixes identify keys. */
    store_key_t dup;
    make_key(&dup, fx->tb.id, 1);
    assert_int_equal(store_key_insert(fx->st, &dup), SAL_EEXIST);

    assert_int_equal(store_key_touch(fx->st, k.id, 1800000000123LL), 0);
    assert_int_equal(store_key_by_prefix(fx->st, k.prefix, &got), 0);
    assert_int_equal(got.last_used_ms, 1800000000123LL);
}

static void test_key_list_paging(void **state) {
    fixture_t *fx = *state;
    store_key_t keys[5], other;
    for (int i = 0; i < 5; i++) {
        make_key(&keys[i], fx->ta.id, 10 + i);
        assert_int_equal(store_key_insert(fx->st, &keys[i]), 0);
    }
    make_key(&other, fx->tb.id, 99);
    assert_int_equal(store_key_insert(fx->st, &other), 0);

    store_key_t page[3];
    size_t n = 99;
    assert_int_equal(store_key_list(fx->st, fx->ta.id, "", page, 2, &n), 0);
    assert_int_equal(n, 2);
    assert_key_equal(&page[0], &keys[0]);
    assert_key_equal(&page[1], &keys[1]);

    assert_int_equal(store_key_list(fx->st, fx->ta.id, page[1].id, page, 2, &n), 0);
    assert_int_equal(n, 2);
    assert_key_equal(&page[0], &keys[2]);
    assert_key_equal(&page[1], &keys[3]);

    assert_int_equal(store_key_list(fx->st, fx->ta.id, keys[3].id, page, 2, &n), 0);
    assert_int_equal(n, 1);
    assert_key_equal(&page[0], &keys[4]);

    assert_int_equal(store_key_list(fx->st, fx->ta.id, keys[4].id, page, 2, &n), 0);
    assert_int_equal(n, 0);

    /* The other tenant sees only its own key. */
    assert_int_equal(store_key_list(fx->st, fx->tb.id, "", page, 3, &n), 0);
    assert_int_equal(n, 1);
    assert_key_equal(&page[0], &other);
}

static void test_key_revoke(void **state) {
    fixture_t *fx = *state;
    store_key_t keys[3];
    for (int i = 0; i < 3; i++) {
        make_key(&keys[i], fx->ta.id, 20 + i);
        assert_int_equal(store_key_insert(fx->st, &keys[i]), 0);
    }
    const int64_t now = 1800000000000LL;
    assert_int_equal(store_key_revoke(fx->st, fx->ta.id, keys[1].id, now), 0);

    store_key_t page[4];
    size_t n = 0;
    assert_int_equal(store_key_list(fx->st, fx->ta.id, "", page, 4, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(page[0].id, keys[0].id);
    assert_string_equal(page[1].id, keys[2].id);

    /* Twice: not an active key any more. */
    assert_int_equal(store_key_revoke(fx->st, fx->ta.id, keys[1].id, now), SAL_ENOTFOUND);
    /* Another tenant cannot revoke it, and it stays active. */
    assert_int_equal(store_key_revoke(fx->st, fx->tb.id, keys[0].id, now), SAL_ENOTFOUND);
    assert_int_equal(store_key_list(fx->st, fx->ta.id, "", page, 4, &n), 0);
    assert_int_equal(n, 2);
    /* Unknown id. */
    assert_int_equal(store_key_revoke(fx->st, fx->ta.id, "key_01JDQ8Z5YF8N6X6J4V0R3K2M1P", now),
                     SAL_ENOTFOUND);

    /* The revoked row is still found by prefix, marked revoked. */
    store_key_t got;
    assert_int_equal(store_key_by_prefix(fx->st, keys[1].prefix, &got), 0);
    assert_int_equal(got.revoked_ms, now);
    assert_int_equal(store_key_by_prefix(fx->st, keys[0].prefix, &got), 0);
    assert_int_equal(got.revoked_ms, 0);
}

/* ---- transactions ------------------------------------------------------ */

typedef struct {
    const char *tenant_id;
    store_key_t key;
    int ret;
    bool nested;
} tx_arg_t;

static int tx_body(store_t *st, void *argp) {
    tx_arg_t *arg = argp;
    int rc = store_key_insert(st, &arg->key);
    if (rc != 0) return rc;
    store_audit_t rec = {.tenant_id = arg->tenant_id,
                         .actor = "test",
                         .action = "tx.test",
                         .target_id = arg->key.id,
                         .request_id = NULL,
                         .detail = NULL};
    rc = store_audit_append(st, &rec);
    if (rc != 0) return rc;
    return arg->ret;
}

static int tx_outer(store_t *st, void *argp) {
    tx_arg_t *arg = argp;
    tx_arg_t inner = *arg;
    inner.ret = 0;
    int rc = store_tx(st, tx_body, &inner);
    if (rc != 0) return rc;
    return arg->ret;
}

static void test_tx_rollback(void **state) {
    fixture_t *fx = *state;
    tx_arg_t arg = {.tenant_id = fx->ta.id, .ret = SAL_ECONFLICT};
    make_key(&arg.key, fx->ta.id, 30);
    assert_int_equal(store_tx(fx->st, tx_body, &arg), SAL_ECONFLICT);

    store_key_t got;
    assert_int_equal(store_key_by_prefix(fx->st, arg.key.prefix, &got), SAL_ENOTFOUND);
    int64_t count = -1;
    assert_int_equal(store_audit_count(fx->st, fx->ta.id, "tx.test", &count), 0);
    assert_int_equal(count, 0);

    /* Positive non-zero returns roll back too. */
    arg.ret = 1;
    make_key(&arg.key, fx->ta.id, 31);
    assert_int_equal(store_tx(fx->st, tx_body, &arg), 1);
    assert_int_equal(store_key_by_prefix(fx->st, arg.key.prefix, &got), SAL_ENOTFOUND);

    /* And the connection is usable afterwards: a committed one. */
    arg.ret = 0;
    make_key(&arg.key, fx->ta.id, 32);
    assert_int_equal(store_tx(fx->st, tx_body, &arg), 0);
    assert_int_equal(store_key_by_prefix(fx->st, arg.key.prefix, &got), 0);
    assert_int_equal(store_audit_count(fx->st, fx->ta.id, "tx.test", &count), 0);
    assert_int_equal(count, 1);
}

static void test_tx_nested_joins_outer(void **state) {
    fixture_t *fx = *state;
    tx_arg_t arg = {.tenant_id = fx->ta.id, .ret = SAL_EINVAL};
    make_key(&arg.key, fx->ta.id, 40);
    /* The inner transaction "commits", the outer fails: nothing stays. */
    assert_int_equal(store_tx(fx->st, tx_outer, &arg), SAL_EINVAL);
    store_key_t got;
    assert_int_equal(store_key_by_prefix(fx->st, arg.key.prefix, &got), SAL_ENOTFOUND);
    int64_t count = -1;
    assert_int_equal(store_audit_count(fx->st, fx->ta.id, "tx.test", &count), 0);
    assert_int_equal(count, 0);

    arg.ret = 0;
    assert_int_equal(store_tx(fx->st, tx_outer, &arg), 0);
    assert_int_equal(store_key_by_prefix(fx->st, arg.key.prefix, &got), 0);
}

/* ---- audit ------------------------------------------------------------- */

static void test_audit_append_count(void **state) {
    fixture_t *fx = *state;
    store_audit_t rec = {.tenant_id = fx->ta.id,
                         .actor = "cli",
                         .action = "key.create",
                         .target_id = "key_x",
                         .request_id = NULL,
                         .detail = NULL};
    for (int i = 0; i < 3; i++) assert_int_equal(store_audit_append(fx->st, &rec), 0);
    rec.action = "key.revoke";
    rec.request_id = "req-1";
    rec.detail = "{\"reason\":\"lost laptop\"}";
    assert_int_equal(store_audit_append(fx->st, &rec), 0);
    rec.tenant_id = fx->tb.id;
    rec.action = "key.create";
    assert_int_equal(store_audit_append(fx->st, &rec), 0);

    int64_t n = -1;
    assert_int_equal(store_audit_count(fx->st, fx->ta.id, "key.create", &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(store_audit_count(fx->st, fx->ta.id, "key.revoke", &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(store_audit_count(fx->st, fx->tb.id, "key.create", &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(store_audit_count(fx->st, fx->ta.id, "nothing", &n), 0);
    assert_int_equal(n, 0);
}

/* ---- threads ----------------------------------------------------------- */

enum { WRITERS = 4, PER_WRITER = 25 };

typedef struct {
    store_t *st;
    const char *tenant_id;
    int base;
    int failures;
} writer_t;

static void *writer(void *argp) {
    writer_t *w = argp;
    for (int i = 0; i < PER_WRITER; i++) {
        store_key_t k;
        make_key(&k, w->tenant_id, w->base + i);
        if (store_key_insert(w->st, &k) != 0) w->failures++;
    }
    return NULL;
}

static void test_concurrent_writers(void **state) {
    fixture_t *fx = *state;
    pthread_t t[WRITERS];
    writer_t w[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        w[i] = (writer_t){fx->st, fx->ta.id, 1000 + i * 100, 0};
        assert_int_equal(pthread_create(&t[i], NULL, writer, &w[i]), 0);
    }
    for (int i = 0; i < WRITERS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(w[i].failures, 0);
    }
    static store_key_t page[WRITERS * PER_WRITER + 1];
    size_t n = 0;
    assert_int_equal(store_key_list(fx->st, fx->ta.id, "", page, WRITERS * PER_WRITER + 1, &n), 0);
    assert_int_equal(n, WRITERS * PER_WRITER);
    for (size_t i = 1; i < n; i++) assert_true(strcmp(page[i - 1].id, page[i].id) < 0);
}

/* ---- security: keys end to end ---------------------------------------- */

static void test_sec_key_lifecycle(void **state) {
    fixture_t *fx = *state;
    store_key_t k;
    char secret[SEC_KEY_CAP];
    memset(&k, 0, sizeof k);
    assert_int_equal(sec_key_create(fx->st, fx->ta.id, "laptop", SEC_SCOPE_READ | SEC_SCOPE_WRITE,
                                    "cli", NULL, &k, secret),
                     0);
    assert_int_equal(strlen(secret), 56);
    assert_memory_equal(secret, "sal_", 4);
    assert_true(sal_id_valid(k.id, "key"));
    assert_string_equal(k.tenant_id, fx->ta.id);
    assert_string_equal(k.name, "laptop");
    assert_int_equal(strlen(k.prefix), SEC_KEY_PREFIX_LEN);
    assert_memory_equal(k.prefix, secret, SEC_KEY_PREFIX_LEN);
    assert_int_equal(k.scopes, SEC_SCOPE_READ | SEC_SCOPE_WRITE);
    assert_int_equal(k.revoked_ms, 0);
    unsigned char h[STORE_HASH_LEN];
    sec_key_hash(secret, h);
    assert_memory_equal(k.hash, h, STORE_HASH_LEN);

    int64_t n = -1;
    assert_int_equal(store_audit_count(fx->st, fx->ta.id, "key.create", &n), 0);
    assert_int_equal(n, 1);

    /* The stored row has the hash, not the secret. */
    store_key_t row;
    assert_int_equal(store_key_by_prefix(fx->st, k.prefix, &row), 0);
    assert_memory_equal(row.hash, h, STORE_HASH_LEN);

    store_key_t who;
    memset(&who, 0, sizeof who);
    assert_int_equal(sec_key_authenticate(fx->st, secret, &who), 0);
    assert_string_equal(who.id, k.id);
    assert_string_equal(who.tenant_id, fx->ta.id);
    assert_int_equal(who.scopes, SEC_SCOPE_READ | SEC_SCOPE_WRITE);

    /* Right prefix, wrong secret. */
    char wrong[SEC_KEY_CAP];
    memcpy(wrong, secret, sizeof wrong);
    wrong[55] = wrong[55] == 'a' ? 'b' : 'a';
    assert_int_equal(sec_key_authenticate(fx->st, wrong, &who), SAL_ENOTFOUND);
    memcpy(wrong, secret, sizeof wrong);
    wrong[13] = wrong[13] == 'Z' ? 'Y' : 'Z';
    assert_int_equal(sec_key_authenticate(fx->st, wrong, &who), SAL_ENOTFOUND);
    /* Malformed and unknown keys. */
    assert_int_equal(sec_key_authenticate(fx->st, "", &who), SAL_ENOTFOUND);
    assert_int_equal(sec_key_authenticate(fx->st, "garbage", &who), SAL_ENOTFOUND);
    assert_int_equal(sec_key_authenticate(fx->st, k.prefix, &who), SAL_ENOTFOUND);
    assert_int_equal(sec_key_authenticate(
                         fx->st, "sal_AbC12xYz_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG", &who),
                     SAL_ENOTFOUND);

    /* Revoke from the wrong tenant: refused, the key still works. */
    assert_int_equal(sec_key_revoke(fx->st, fx->tb.id, k.id, "cli", NULL), SAL_ENOTFOUND);
    assert_int_equal(sec_key_authenticate(fx->st, secret, &who), 0);

    assert_int_equal(sec_key_revoke(fx->st, fx->ta.id, k.id, "cli", "req-9"), 0);
    assert_int_equal(store_audit_count(fx->st, fx->ta.id, "key.revoke", &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(sec_key_authenticate(fx->st, secret, &who), SAL_ENOTFOUND);
    assert_int_equal(sec_key_revoke(fx->st, fx->ta.id, k.id, "cli", NULL), SAL_ENOTFOUND);
    /* A failed revoke audits nothing. */
    assert_int_equal(store_audit_count(fx->st, fx->ta.id, "key.revoke", &n), 0);
    assert_int_equal(n, 1);
}

static void test_sec_key_create_validates_name(void **state) {
    fixture_t *fx = *state;
    store_key_t k;
    char secret[SEC_KEY_CAP];
    char name[128];

    assert_int_equal(sec_key_create(fx->st, fx->ta.id, "", SEC_SCOPE_READ, "cli", NULL, &k, secret),
                     SAL_EINVAL);
    memset(name, 'n', 101);
    name[101] = '\0';
    assert_int_equal(
        sec_key_create(fx->st, fx->ta.id, name, SEC_SCOPE_READ, "cli", NULL, &k, secret),
        SAL_EINVAL);
    int64_t n = -1;
    assert_int_equal(store_audit_count(fx->st, fx->ta.id, "key.create", &n), 0);
    assert_int_equal(n, 0);

    name[100] = '\0'; /* exactly 100 is fine */
    assert_int_equal(
        sec_key_create(fx->st, fx->ta.id, name, SEC_SCOPE_READ, "cli", NULL, &k, secret), 0);
    assert_string_equal(k.name, name);
    /* Lengths are characters: 100 four-byte characters fit, 101 do not. */
    char wide[4 * 101 + 1];
    for (int i = 0; i < 101; i++) memcpy(wide + 4 * i, "\xf0\x9f\x98\x80", 4);
    wide[4 * 101] = '\0';
    assert_int_equal(
        sec_key_create(fx->st, fx->ta.id, wide, SEC_SCOPE_READ, "cli", NULL, &k, secret),
        SAL_EINVAL);
    wide[4 * 100] = '\0';
    assert_int_equal(
        sec_key_create(fx->st, fx->ta.id, wide, SEC_SCOPE_READ, "cli", NULL, &k, secret), 0);
    assert_string_equal(k.name, wide);
    store_key_t row;
    assert_int_equal(store_key_by_prefix(fx->st, k.prefix, &row), 0);
    assert_string_equal(row.name, wide);
}

static void test_sec_keys_differ(void **state) {
    fixture_t *fx = *state;
    store_key_t a, b;
    char sa[SEC_KEY_CAP], sb[SEC_KEY_CAP];
    assert_int_equal(sec_key_create(fx->st, fx->ta.id, "a", SEC_SCOPE_ADMIN, "cli", NULL, &a, sa),
                     0);
    assert_int_equal(sec_key_create(fx->st, fx->tb.id, "b", SEC_SCOPE_ADMIN, "cli", NULL, &b, sb),
                     0);
    assert_string_not_equal(sa, sb);
    assert_string_not_equal(a.id, b.id);
    store_key_t who;
    assert_int_equal(sec_key_authenticate(fx->st, sb, &who), 0);
    assert_string_equal(who.tenant_id, fx->tb.id);
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_and_migrate),
        cmocka_unit_test(test_open_unknown_backends),
        T(test_tenant_ensure_is_idempotent),
        T(test_key_insert_and_by_prefix),
        T(test_key_list_paging),
        T(test_key_revoke),
        T(test_tx_rollback),
        T(test_tx_nested_joins_outer),
        T(test_audit_append_count),
        T(test_concurrent_writers),
        T(test_sec_key_lifecycle),
        T(test_sec_key_create_validates_name),
        T(test_sec_keys_differ),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
