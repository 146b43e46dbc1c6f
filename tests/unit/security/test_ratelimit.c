/* SPDX-License-Identifier: MIT */
/*
 * Tests for the per-key token bucket, driven by the now_s argument so
 * time is simulated: a full bucket allows exactly `burst` requests, then
 * refuses; tokens come back at rate_per_s up to burst and no further;
 * keys are isolated; the info fields (limit, remaining, reset_s,
 * retry_after_s) carry the numbers the RateLimit-* and Retry-After
 * headers are built from; and concurrent takers never overspend.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <math.h>
#include <pthread.h>

#include "security/security.h"

#define EPS 1e-6

static void expect_near(double got, double want, const char *what) {
    if (fabs(got - want) > EPS) fail_msg("%s is %.9g, want %.9g", what, got, want);
}

static void test_burst_then_limited(void **state) {
    (void)state;
    sec_limiter_t *l = sec_limiter_new(2.0, 4.0);
    assert_non_null(l);
    sec_limit_info_t info;
    const double t = 1000.0;

    for (int i = 0; i < 4; i++) {
        memset(&info, 0, sizeof info);
        assert_int_equal(sec_limiter_take(l, "key_a", t, &info), 0);
        expect_near(info.limit, 4.0, "limit");
        expect_near(info.remaining, 3.0 - i, "remaining");
        /* Full again after (4 - tokens left) / 2 per second. */
        expect_near(info.reset_s, (i + 1) / 2.0, "reset_s");
    }
    memset(&info, 0, sizeof info);
    assert_int_equal(sec_limiter_take(l, "key_a", t, &info), SAL_ELIMIT);
    expect_near(info.limit, 4.0, "limit");
    expect_near(info.remaining, 0.0, "remaining");
    /* One token takes 1 / 2 s. */
    expect_near(info.retry_after_s, 0.5, "retry_after_s");
    assert_true(info.retry_after_s > 0);
    expect_near(info.reset_s, 2.0, "reset_s");

    /* Refusals do not spend anything: the same numbers again. */
    assert_int_equal(sec_limiter_take(l, "key_a", t, &info), SAL_ELIMIT);
    expect_near(info.retry_after_s, 0.5, "retry_after_s");
    sec_limiter_free(l);
}

static void test_refill_over_time(void **state) {
    (void)state;
    sec_limiter_t *l = sec_limiter_new(2.0, 4.0);
    sec_limit_info_t info;
    for (int i = 0; i < 4; i++) assert_int_equal(sec_limiter_take(l, "k", 50.0, &info), 0);
    assert_int_equal(sec_limiter_take(l, "k", 50.0, &info), SAL_ELIMIT);

    /* A quarter second: half a token, still limited, 0.25 s to wait. */
    assert_int_equal(sec_limiter_take(l, "k", 50.25, &info), SAL_ELIMIT);
    expect_near(info.retry_after_s, 0.25, "retry_after_s");

    /* Half a second: one token. */
    assert_int_equal(sec_limiter_take(l, "k", 50.5, &info), 0);
    expect_near(info.remaining, 0.0, "remaining");
    assert_int_equal(sec_limiter_take(l, "k", 50.5, &info), SAL_ELIMIT);

    /* 1.5 s later: three tokens. */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(sec_limiter_take(l, "k", 52.0, &info), 0);
        expect_near(info.remaining, 2.0 - i, "remaining");
    }
    assert_int_equal(sec_limiter_take(l, "k", 52.0, &info), SAL_ELIMIT);

    /* A long idle period refills to burst, not beyond. */
    assert_int_equal(sec_limiter_take(l, "k", 10000.0, &info), 0);
    expect_near(info.remaining, 3.0, "remaining");
    for (int i = 0; i < 3; i++) assert_int_equal(sec_limiter_take(l, "k", 10000.0, &info), 0);
    assert_int_equal(sec_limiter_take(l, "k", 10000.0, &info), SAL_ELIMIT);
    sec_limiter_free(l);
}

static void test_remaining_is_whole_tokens(void **state) {
    (void)state;
    sec_limiter_t *l = sec_limiter_new(1.0, 3.0);
    sec_limit_info_t info;
    for (int i = 0; i < 3; i++) assert_int_equal(sec_limiter_take(l, "k", 0.0, &info), 0);
    /* 1.7 s: 1.7 tokens, take one, 0.7 left: 0 whole tokens remaining. */
    assert_int_equal(sec_limiter_take(l, "k", 1.7, &info), 0);
    expect_near(info.remaining, 0.0, "remaining");
    expect_near(info.reset_s, 3.0 - 0.7, "reset_s");
    sec_limiter_free(l);
}

static void test_keys_are_isolated(void **state) {
    (void)state;
    sec_limiter_t *l = sec_limiter_new(1.0, 2.0);
    sec_limit_info_t info;
    assert_int_equal(sec_limiter_take(l, "key_a", 5.0, &info), 0);
    assert_int_equal(sec_limiter_take(l, "key_a", 5.0, &info), 0);
    assert_int_equal(sec_limiter_take(l, "key_a", 5.0, &info), SAL_ELIMIT);

    assert_int_equal(sec_limiter_take(l, "key_b", 5.0, &info), 0);
    expect_near(info.remaining, 1.0, "remaining of key_b");
    /* A key sharing a prefix with another is still its own bucket. */
    assert_int_equal(sec_limiter_take(l, "key_", 5.0, &info), 0);
    assert_int_equal(sec_limiter_take(l, "key_aa", 5.0, &info), 0);
    expect_near(info.remaining, 1.0, "remaining of key_aa");
    assert_int_equal(sec_limiter_take(l, "key_a", 5.0, &info), SAL_ELIMIT);

    /* Many keys: each starts full. */
    for (int i = 0; i < 5000; i++) {
        char key[32];
        snprintf(key, sizeof key, "key_%d", i);
        assert_int_equal(sec_limiter_take(l, key, 6.0, &info), 0);
    }
    sec_limiter_free(l);
    sec_limiter_free(NULL);
}

static void test_clock_going_back_does_not_refill(void **state) {
    (void)state;
    sec_limiter_t *l = sec_limiter_new(1.0, 2.0);
    sec_limit_info_t info;
    assert_int_equal(sec_limiter_take(l, "k", 100.0, &info), 0);
    assert_int_equal(sec_limiter_take(l, "k", 100.0, &info), 0);
    assert_int_equal(sec_limiter_take(l, "k", 40.0, &info), SAL_ELIMIT);
    assert_true(info.retry_after_s > 0);
    assert_true(info.retry_after_s <= 1.0 + EPS);
    assert_true(info.remaining >= 0);
    sec_limiter_free(l);
}

enum { THREADS = 8, TAKES = 200 };

typedef struct {
    sec_limiter_t *l;
    int allowed;
} worker_t;

static void *taker(void *arg) {
    worker_t *w = arg;
    sec_limit_info_t info;
    for (int i = 0; i < TAKES; i++)
        if (sec_limiter_take(w->l, "shared", 777.0, &info) == 0) w->allowed++;
    return NULL;
}

static void test_concurrent_takers_never_overspend(void **state) {
    (void)state;
    sec_limiter_t *l = sec_limiter_new(20.0, 40.0);
    pthread_t t[THREADS];
    worker_t w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i].l = l;
        w[i].allowed = 0;
        assert_int_equal(pthread_create(&t[i], NULL, taker, &w[i]), 0);
    }
    int total = 0;
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        total += w[i].allowed;
    }
    assert_int_equal(total, 40);
    sec_limiter_free(l);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_then_limited),
        cmocka_unit_test(test_refill_over_time),
        cmocka_unit_test(test_remaining_is_whole_tokens),
        cmocka_unit_test(test_keys_are_isolated),
        cmocka_unit_test(test_clock_going_back_does_not_refill),
        cmocka_unit_test(test_concurrent_takers_never_overspend),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
