/* SPDX-License-Identifier: MIT */
/*
 * Tests for the JSON-lines logger: each call writes exactly one line that
 * parses as a JSON object with ts, level, msg, request_id and the typed
 * fields (NULL strings skipped), messages are escaped so a line can never
 * be split or forged, lines below the level are dropped, and level names
 * parse and print.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <fcntl.h>
#include <unistd.h>

#include "core/core.h"

typedef struct {
    int fds[2];
    char buf[65536];
} pipe_fx_t;

static int setup(void **state) {
    pipe_fx_t *fx = calloc(1, sizeof *fx);
    if (fx == NULL || pipe(fx->fds) != 0) return -1;
    fcntl(fx->fds[0], F_SETFL, O_NONBLOCK);
    sal_log_set_fd(fx->fds[1]);
    sal_log_set_level(SAL_LOG_INFO);
    *state = fx;
    return 0;
}

static int teardown(void **state) {
    pipe_fx_t *fx = *state;
    sal_log_set_fd(2);
    sal_log_set_level(SAL_LOG_INFO);
    close(fx->fds[0]);
    close(fx->fds[1]);
    free(fx);
    return 0;
}

/* Everything written so far, NUL-terminated. */
static const char *drain(pipe_fx_t *fx) {
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fx->fds[0], fx->buf + n, sizeof fx->buf - 1 - n);
        if (r <= 0) break;
        n += (size_t)r;
    }
    fx->buf[n] = '\0';
    return fx->buf;
}

/* Parses the single line in text; fails unless there is exactly one. */
static json_t *one_line(const char *text) {
    size_t len = strlen(text);
    if (len == 0 || text[len - 1] != '\n')
        fail_msg("log output is not one terminated line: \"%s\"", text);
    if (memchr(text, '\n', len - 1) != NULL)
        fail_msg("log output has more than one line: \"%s\"", text);
    json_error_t e;
    json_t *j = json_loadb(text, len - 1, JSON_REJECT_DUPLICATES, &e);
    if (j == NULL || !json_is_object(j))
        fail_msg("log line is not a JSON object (%s): %s", e.text, text);
    return j;
}

static const char *str(const json_t *o, const char *k) {
    return json_string_value(json_object_get(o, k));
}

static void test_kv_line(void **state) {
    pipe_fx_t *fx = *state;
    sal_kv_t kv[] = {
        SAL_KV_S("route", "/v1/keys"),
        SAL_KV_I("status", 201),
        SAL_KV_D("duration_ms", 1.5),
        SAL_KV_S("skipped", NULL),
        SAL_KV_I("big", INT64_C(9007199254740993)),
    };
    sal_log_kv(SAL_LOG_INFO, "req-1", "request done", kv, 5);
    json_t *j = one_line(drain(fx));
    assert_non_null(json_object_get(j, "ts"));
    assert_string_equal(str(j, "level"), "info");
    assert_string_equal(str(j, "msg"), "request done");
    assert_string_equal(str(j, "request_id"), "req-1");
    assert_string_equal(str(j, "route"), "/v1/keys");
    assert_true(json_is_integer(json_object_get(j, "status")));
    assert_int_equal(json_integer_value(json_object_get(j, "status")), 201);
    assert_true(json_number_value(json_object_get(j, "duration_ms")) == 1.5);
    assert_null(json_object_get(j, "skipped"));
    assert_true(json_integer_value(json_object_get(j, "big")) == INT64_C(9007199254740993));
    json_decref(j);
}

static void test_ts_is_rfc3339(void **state) {
    pipe_fx_t *fx = *state;
    sal_log_kv(SAL_LOG_WARN, NULL, "x", NULL, 0);
    json_t *j = one_line(drain(fx));
    const char *ts = str(j, "ts");
    assert_non_null(ts);
    /* 2026-11-25T16:05:46Z, optionally with fractional seconds. */
    assert_true(strlen(ts) >= 20);
    assert_int_equal(ts[4], '-');
    assert_int_equal(ts[10], 'T');
    assert_int_equal(ts[strlen(ts) - 1], 'Z');
    assert_string_equal(str(j, "level"), "warn");
    json_decref(j);
}

static void test_escaping_keeps_one_line(void **state) {
    pipe_fx_t *fx = *state;
    const char *evil = "line1\n{\"level\":\"error\"}\r\t\"\\ \x01 caf\xc3\xa9";
    sal_kv_t kv[] = {SAL_KV_S("evil\"key", evil)};
    sal_log_kv(SAL_LOG_ERROR, "r\"1", evil, kv, 1);
    json_t *j = one_line(drain(fx));
    assert_string_equal(str(j, "msg"), evil);
    assert_string_equal(str(j, "request_id"), "r\"1");
    assert_string_equal(str(j, "evil\"key"), evil);
    assert_string_equal(str(j, "level"), "error");
    json_decref(j);
}

static void test_logf(void **state) {
    pipe_fx_t *fx = *state;
    sal_logf(SAL_LOG_WARN, "disk %d%% full on %s", 93, "/data");
    json_t *j = one_line(drain(fx));
    assert_string_equal(str(j, "msg"), "disk 93% full on /data");
    assert_string_equal(str(j, "level"), "warn");
    json_t *rid = json_object_get(j, "request_id");
    assert_true(rid == NULL || json_is_null(rid));
    json_decref(j);
}

static void test_level_filter(void **state) {
    pipe_fx_t *fx = *state;
    sal_log_set_level(SAL_LOG_WARN);
    assert_false(sal_log_enabled(SAL_LOG_DEBUG));
    assert_false(sal_log_enabled(SAL_LOG_INFO));
    assert_true(sal_log_enabled(SAL_LOG_WARN));
    assert_true(sal_log_enabled(SAL_LOG_ERROR));
    sal_logf(SAL_LOG_INFO, "dropped");
    sal_log_kv(SAL_LOG_DEBUG, NULL, "dropped too", NULL, 0);
    assert_string_equal(drain(fx), "");
    sal_logf(SAL_LOG_ERROR, "kept");
    json_t *j = one_line(drain(fx));
    assert_string_equal(str(j, "msg"), "kept");
    json_decref(j);

    sal_log_set_level(SAL_LOG_DEBUG);
    sal_logf(SAL_LOG_DEBUG, "now kept");
    j = one_line(drain(fx));
    assert_string_equal(str(j, "level"), "debug");
    json_decref(j);
}

static void test_long_message_is_one_line(void **state) {
    pipe_fx_t *fx = *state;
    static char big[20000];
    memset(big, 'm', sizeof big - 1);
    sal_log_kv(SAL_LOG_INFO, NULL, big, NULL, 0);
    const char *out = drain(fx);
    /* Truncating a huge message is fine; splitting or breaking JSON is
     * not. */
    json_t *j = one_line(out);
    const char *msg = str(j, "msg");
    assert_non_null(msg);
    assert_true(strspn(msg, "m") >= 1000);
    json_decref(j);
}

static void test_level_names(void **state) {
    (void)state;
    static const char *const names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++) {
        sal_log_level_t l = (sal_log_level_t)99;
        assert_int_equal(sal_log_level_parse(names[i], &l), 0);
        assert_int_equal(l, (sal_log_level_t)i);
        assert_string_equal(sal_log_level_name(l), names[i]);
    }
    sal_log_level_t l;
    assert_int_equal(sal_log_level_parse("loud", &l), SAL_EINVAL);
    assert_int_equal(sal_log_level_parse("", &l), SAL_EINVAL);
    assert_int_equal(sal_log_level_parse("infoo", &l), SAL_EINVAL);
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_kv_line),
        T(test_ts_is_rfc3339),
        T(test_escaping_keeps_one_line),
        T(test_logf),
        T(test_level_filter),
        T(test_long_message_is_one_line),
        cmocka_unit_test(test_level_names),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
