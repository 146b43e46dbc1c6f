/* SPDX-License-Identifier: MIT */
/*
 * Tests for the Prometheus registry: the rendered text is parsed back
 * (a small parser of the text exposition format lives here) and checked
 * for the observed HTTP series with method/route/status labels, a
 * histogram whose buckets are cumulative and end in +Inf == _count, a
 * _sum in seconds or milliseconds, declared counters with and without a
 * label (escaped correctly), process_* metrics, and thread safety.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

/* ---- a small parser of the text format --------------------------------- */

#define MAX_LABELS 8

typedef struct {
    char name[128];
    size_t nlabels;
    char key[MAX_LABELS][64];
    char val[MAX_LABELS][256];
    double value;
} sample_t;

typedef struct {
    sample_t *s;
    size_t n;
    sal_buf_t buf;
    const char *text; /* buf.data, for lookups and messages */
} expo_t;

static const char *parse_label_value(const char *p, char *out, size_t cap) {
    size_t n = 0;
    if (*p != '"') return NULL;
    p++;
    while (*p != '"') {
        char c = *p;
        if (c == '\0' || c == '\n') return NULL;
        if (c == '\\') {
            p++;
            if (*p == 'n')
                c = '\n';
            else if (*p == '\\' || *p == '"')
                c = *p;
            else
                return NULL;
        }
        if (n + 1 < cap) out[n++] = c;
        p++;
    }
    out[n] = '\0';
    return p + 1;
}

/* Parses one sample line; fails the test on anything malformed. */
static void parse_sample(const char *line, size_t len, sample_t *s) {
    char buf[2048];
    if (len >= sizeof buf) fail_msg("line too long: %.*s", (int)len, line);
    memcpy(buf, line, len);
    buf[len] = '\0';
    memset(s, 0, sizeof *s);

    const char *p = buf;
    size_t n = strcspn(p, "{ ");
    if (n == 0 || n >= sizeof s->name) fail_msg("bad metric name in: %s", buf);
    memcpy(s->name, p, n);
    p += n;
    if (*p == '{') {
        p++;
        while (*p != '}') {
            if (s->nlabels == MAX_LABELS) fail_msg("too many labels: %s", buf);
            size_t k = strcspn(p, "=");
            if (k == 0 || k >= sizeof s->key[0] || p[k] != '=') fail_msg("bad label in: %s", buf);
            memcpy(s->key[s->nlabels], p, k);
            s->key[s->nlabels][k] = '\0';
            p = parse_label_value(p + k + 1, s->val[s->nlabels], sizeof s->val[0]);
            if (p == NULL) fail_msg("bad label value in: %s", buf);
            s->nlabels++;
            if (*p == ',')
                p++;
            else if (*p != '}')
                fail_msg("bad label separator in: %s", buf);
        }
        p++;
    }
    if (*p != ' ') fail_msg("no value in: %s", buf);
    p++;
    char *end;
    if (strncmp(p, "+Inf", 4) == 0) {
        s->value = INFINITY;
        end = (char *)p + 4;
    } else {
        s->value = strtod(p, &end);
    }
    if (end == p || (*end != '\0' && *end != ' ')) fail_msg("bad value in: %s", buf);
}

static void expo_load(expo_t *e) {
    sal_buf_t *b = &e->buf;
    sal_buf_init(b, 0);
    assert_int_equal(sal_metrics_render(b), 0);
    assert_non_null(b->data);
    e->text = b->data;
    e->n = 0;
    size_t cap = 64;
    e->s = malloc(cap * sizeof *e->s);
    assert_non_null(e->s);

    const char *p = e->text;
    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len > 0 && p[0] != '#') {
            if (e->n == cap) {
                cap *= 2;
                e->s = realloc(e->s, cap * sizeof *e->s);
                assert_non_null(e->s);
            }
            parse_sample(p, len, &e->s[e->n++]);
        }
        p += len + (nl ? 1 : 0);
    }
    /* The exposition format ends every line, the last one included. */
    assert_true(b->len > 0 && e->text[b->len - 1] == '\n');
}

static void expo_free(expo_t *e) {
    free(e->s);
    sal_buf_free(&e->buf);
}

static const char *label(const sample_t *s, const char *key) {
    for (size_t i = 0; i < s->nlabels; i++)
        if (strcmp(s->key[i], key) == 0) return s->val[i];
    return NULL;
}

static bool has_labels(const sample_t *s, const char *method, const char *route,
                       const char *status) {
    const char *m = label(s, "method"), *r = label(s, "route"), *st = label(s, "status");
    return m && r && st && strcmp(m, method) == 0 && strcmp(r, route) == 0 &&
           strcmp(st, status) == 0;
}

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static bool has_line(const expo_t *e, const char *line) {
    size_t n = strlen(line);
    for (const char *p = e->text; (p = strstr(p, line)) != NULL; p++)
        if ((p == e->text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0')) return true;
    return false;
}

typedef struct {
    char family[128];
    double le[64];
    double count_at[64];
    size_t nb;
    double count;
    double sum;
    bool have_count, have_sum;
} hist_t;

/* Collects the histogram series of the HTTP duration family for one
 * method/route/status, checking it is well formed. */
static void get_hist(const expo_t *e, const char *method, const char *route, const char *status,
                     hist_t *h) {
    memset(h, 0, sizeof *h);
    for (size_t i = 0; i < e->n; i++) {
        const sample_t *s = &e->s[i];
        if (!ends_with(s->name, "_bucket") || !has_labels(s, method, route, status)) continue;
        size_t fl = strlen(s->name) - strlen("_bucket");
        if (h->family[0] == '\0')
            memcpy(h->family, s->name, fl);
        else if (strncmp(h->family, s->name, fl) != 0 || h->family[fl] != '\0')
            fail_msg("two histogram families for %s %s: %s and %s", method, route, h->family,
                     s->name);
        const char *le = label(s, "le");
        if (le == NULL) fail_msg("bucket without le: %s", s->name);
        if (h->nb == 64) fail_msg("too many buckets");
        h->le[h->nb] = strcmp(le, "+Inf") == 0 ? INFINITY : strtod(le, NULL);
        h->count_at[h->nb] = s->value;
        h->nb++;
    }
    if (h->family[0] == '\0')
        fail_msg("no histogram buckets for %s %s %s in:\n%s", method, route, status, e->text);
    char count_name[160], sum_name[160];
    snprintf(count_name, sizeof count_name, "%s_count", h->family);
    snprintf(sum_name, sizeof sum_name, "%s_sum", h->family);
    for (size_t i = 0; i < e->n; i++) {
        const sample_t *s = &e->s[i];
        if (!has_labels(s, method, route, status)) continue;
        if (strcmp(s->name, count_name) == 0) {
            assert_false(h->have_count);
            h->have_count = true;
            h->count = s->value;
        } else if (strcmp(s->name, sum_name) == 0) {
            assert_false(h->have_sum);
            h->have_sum = true;
            h->sum = s->value;
        }
    }
    if (!h->have_count || !h->have_sum)
        fail_msg("%s lacks _count or _sum for %s %s", h->family, method, route);

    char type_line[200];
    snprintf(type_line, sizeof type_line, "# TYPE %s histogram", h->family);
    if (!has_line(e, type_line)) fail_msg("missing \"%s\"", type_line);

    /* Buckets are listed in increasing le, cumulative, ending at +Inf
     * with the total count. */
    for (size_t i = 1; i < h->nb; i++) {
        if (!(h->le[i] > h->le[i - 1]))
            fail_msg("%s buckets not in increasing le order", h->family);
        if (h->count_at[i] < h->count_at[i - 1])
            fail_msg("%s buckets not cumulative: le=%g has %g after %g", h->family, h->le[i],
                     h->count_at[i], h->count_at[i - 1]);
    }
    assert_true(h->nb >= 2);
    assert_true(isinf(h->le[h->nb - 1]));
    assert_true(h->count_at[h->nb - 1] == h->count);
}

static const sample_t *find_counter(const expo_t *e, const char *name, const char *lkey,
                                    const char *lval) {
    const sample_t *hit = NULL;
    for (size_t i = 0; i < e->n; i++) {
        const sample_t *s = &e->s[i];
        if (strcmp(s->name, name) != 0) continue;
        if (lkey == NULL
                ? s->nlabels != 0
                : (s->nlabels != 1 || label(s, lkey) == NULL || strcmp(label(s, lkey), lval) != 0))
            continue;
        if (hit != NULL)
            fail_msg("series %s{%s=%s} rendered twice", name, lkey ? lkey : "", lval ? lval : "");
        hit = s;
    }
    return hit;
}

/* ---- tests ------------------------------------------------------------- */

static bool near(double got, double want) { return fabs(got - want) <= 1e-9 + 1e-6 * fabs(want); }

static void test_http_histogram(void **state) {
    (void)state;
    sal_metrics_http_observe("GET", "/v1/mtest/a", 200, 10.0);
    sal_metrics_http_observe("GET", "/v1/mtest/a", 200, 14.0);
    sal_metrics_http_observe("GET", "/v1/mtest/a", 404, 1.0);
    sal_metrics_http_observe("POST", "/v1/mtest/a", 201, 3000.0);

    expo_t e;
    expo_load(&e);
    hist_t h;
    get_hist(&e, "GET", "/v1/mtest/a", "200", &h);
    assert_true(h.count == 2);
    /* 24 ms observed in all: the sum is in seconds or in milliseconds. */
    if (!near(h.sum, 0.024) && !near(h.sum, 24.0))
        fail_msg("%s_sum is %g, want 0.024 (s) or 24 (ms)", h.family, h.sum);
    bool seconds = near(h.sum, 0.024);
    /* 10 and 14 ms: no bucket below 10 ms holds them. */
    for (size_t i = 0; i < h.nb; i++)
        if (h.le[i] < (seconds ? 0.010 : 10.0) && h.count_at[i] != 0)
            fail_msg("bucket le=%g counts %g, want 0", h.le[i], h.count_at[i]);

    hist_t h404;
    get_hist(&e, "GET", "/v1/mtest/a", "404", &h404);
    assert_true(h404.count == 1);
    assert_string_equal(h404.family, h.family);

    hist_t post;
    get_hist(&e, "POST", "/v1/mtest/a", "201", &post);
    assert_true(post.count == 1);
    assert_true(near(post.sum, seconds ? 3.0 : 3000.0));
    /* 3 s: every bucket below 3 s is empty, +Inf holds it. */
    for (size_t i = 0; i < post.nb; i++) {
        double bound = seconds ? post.le[i] : post.le[i] / 1000.0;
        if (bound < 3.0 && post.count_at[i] != 0)
            fail_msg("bucket le=%g counts a 3 s request", post.le[i]);
        if (bound >= 3.0 && post.count_at[i] != 1)
            fail_msg("bucket le=%g misses a 3 s request", post.le[i]);
    }
    expo_free(&e);

    /* Counts go up on the next render. */
    sal_metrics_http_observe("GET", "/v1/mtest/a", 200, 12.0);
    expo_load(&e);
    get_hist(&e, "GET", "/v1/mtest/a", "200", &h);
    assert_true(h.count == 3);
    expo_free(&e);
}

static void test_counters(void **state) {
    (void)state;
    sal_metrics_counter_declare("salient_test_things_total", "Things seen by the test.", "kind");
    sal_metrics_counter_declare("salient_test_plain_total", "Plain counter.", "");
    sal_metrics_counter_add("salient_test_things_total", "a", 2);
    sal_metrics_counter_add("salient_test_things_total", "a", 3);
    sal_metrics_counter_add("salient_test_things_total", "b", 0.5);
    sal_metrics_counter_add("salient_test_things_total", "we\"ird\\path", 1);
    sal_metrics_counter_add("salient_test_plain_total", "", 7);

    expo_t e;
    expo_load(&e);
    assert_true(has_line(&e, "# HELP salient_test_things_total Things seen by "
                             "the test."));
    assert_true(has_line(&e, "# TYPE salient_test_things_total counter"));
    assert_true(has_line(&e, "# TYPE salient_test_plain_total counter"));

    const sample_t *s = find_counter(&e, "salient_test_things_total", "kind", "a");
    assert_non_null(s);
    assert_true(s->value == 5.0);
    s = find_counter(&e, "salient_test_things_total", "kind", "b");
    assert_non_null(s);
    assert_true(s->value == 0.5);
    s = find_counter(&e, "salient_test_things_total", "kind", "we\"ird\\path");
    if (s == NULL) fail_msg("escaped label value not found in:\n%s", e.text);
    assert_true(s->value == 1.0);
    s = find_counter(&e, "salient_test_plain_total", NULL, NULL);
    assert_non_null(s);
    assert_true(s->value == 7.0);
    expo_free(&e);
}

static void test_process_metrics(void **state) {
    (void)state;
    expo_t e;
    expo_load(&e);
    size_t n = 0;
    for (size_t i = 0; i < e.n; i++)
        if (strncmp(e.s[i].name, "process_", 8) == 0) n++;
    if (n == 0) fail_msg("no process_* metrics in:\n%s", e.text);
    expo_free(&e);
}

static void test_every_family_has_help_and_type(void **state) {
    (void)state;
    sal_metrics_http_observe("GET", "/v1/mtest/help", 200, 1.0);
    expo_t e;
    expo_load(&e);
    for (size_t i = 0; i < e.n; i++) {
        char family[128];
        sal_strlcpy(family, e.s[i].name, sizeof family);
        static const char *const suffixes[] = {"_bucket", "_count", "_sum"};
        char type_line[200];
        snprintf(type_line, sizeof type_line, "# TYPE %s ", family);
        if (strstr(e.text, type_line) != NULL) continue;
        bool found = false;
        for (size_t k = 0; k < 3 && !found; k++) {
            if (!ends_with(family, suffixes[k])) continue;
            char base[128];
            sal_strlcpy(base, family, sizeof base);
            base[strlen(base) - strlen(suffixes[k])] = '\0';
            snprintf(type_line, sizeof type_line, "# TYPE %s ", base);
            found = strstr(e.text, type_line) != NULL;
        }
        if (!found) fail_msg("sample %s has no # TYPE line", e.s[i].name);
    }
    expo_free(&e);
}

enum { THREADS = 4, PER_THREAD = 2500 };

static void *observer(void *arg) {
    (void)arg;
    for (int i = 0; i < PER_THREAD; i++) {
        sal_metrics_http_observe("GET", "/v1/mtest/threads", 200, 2.0);
        sal_metrics_counter_add("salient_test_threads_total", "", 1);
    }
    return NULL;
}

static void test_thread_safety(void **state) {
    (void)state;
    sal_metrics_counter_declare("salient_test_threads_total", "Threads.", "");
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, observer, NULL), 0);
    for (int i = 0; i < THREADS; i++) assert_int_equal(pthread_join(t[i], NULL), 0);

    expo_t e;
    expo_load(&e);
    hist_t h;
    get_hist(&e, "GET", "/v1/mtest/threads", "200", &h);
    assert_true(h.count == THREADS * PER_THREAD);
    const sample_t *s = find_counter(&e, "salient_test_threads_total", NULL, NULL);
    assert_non_null(s);
    assert_true(s->value == THREADS * PER_THREAD);
    expo_free(&e);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_histogram),
        cmocka_unit_test(test_counters),
        cmocka_unit_test(test_process_metrics),
        cmocka_unit_test(test_every_family_has_help_and_type),
        cmocka_unit_test(test_thread_safety),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
