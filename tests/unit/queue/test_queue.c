/* SPDX-License-Identifier: MIT */
/*
 * Tests for the embedded job queue over a real SQLite store: inline
 * draining, success, permanent failure, retries with exponential backoff,
 * giving up after max_attempts with the last error, an unknown job type,
 * two worker threads running 100 jobs exactly once each, re-running a job
 * whose lease expired, progress and lease renewal seen through the store,
 * a stop that requeues the interrupted job, and the job's JSON rendering.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "queue/queue.h"
#include "store/store.h"
#include "testutil.h"

/* ---- invocation counting per job id (handlers run on worker threads) --- */

#define MAX_SEEN 256

typedef struct {
    pthread_mutex_t lock;
    char ids[MAX_SEEN][SAL_ID_CAP];
    int counts[MAX_SEEN];
    int n;
    int total;
} seen_t;

static int seen_add(seen_t *s, const char *id) {
    pthread_mutex_lock(&s->lock);
    int i;
    for (i = 0; i < s->n; i++)
        if (strcmp(s->ids[i], id) == 0) break;
    if (i == s->n && s->n < MAX_SEEN) sal_strlcpy(s->ids[s->n++], id, SAL_ID_CAP);
    int c = i < MAX_SEEN ? ++s->counts[i] : 0;
    s->total++;
    pthread_mutex_unlock(&s->lock);
    return c;
}

static int seen_count(seen_t *s, const char *id) {
    pthread_mutex_lock(&s->lock);
    int c = 0;
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->ids[i], id) == 0) c = s->counts[i];
    pthread_mutex_unlock(&s->lock);
    return c;
}

typedef struct {
    char dir[512];
    store_t *st;
    queue_t *q;
    store_tenant_t t;
    seen_t seen;
    atomic_int slow_started;
    /* What the progress handler saw through the store. */
    double beat1_progress, beat2_progress;
    int64_t beat1_lease, claim_lease;
} fixture_t;

/* ---- handlers ----------------------------------------------------------- */

static int h_ok(void *ud, queue_run_t *run, char *err, size_t errcap) {
    (void)err;
    (void)errcap;
    fixture_t *fx = ud;
    seen_add(&fx->seen, queue_run_job(run)->id);
    return 0;
}

static int h_bad(void *ud, queue_run_t *run, char *err, size_t errcap) {
    fixture_t *fx = ud;
    seen_add(&fx->seen, queue_run_job(run)->id);
    sal_errf(err, errcap, "bad document");
    return SAL_EINVAL;
}

/* Fails with a retryable error until its run number exceeds the payload's
 * "fail" count. */
static int h_flaky(void *ud, queue_run_t *run, char *err, size_t errcap) {
    fixture_t *fx = ud;
    const store_job_t *job = queue_run_job(run);
    int n = seen_add(&fx->seen, job->id);
    json_t *p = json_loads(job->payload, 0, NULL);
    int fail = (int)json_integer_value(json_object_get(p, "fail"));
    json_decref(p);
    if (n <= fail) {
        sal_errf(err, errcap, "try later (run %d)", n);
        return SAL_EIO;
    }
    return 0;
}

static int h_always(void *ud, queue_run_t *run, char *err, size_t errcap) {
    fixture_t *fx = ud;
    const store_job_t *job = queue_run_job(run);
    seen_add(&fx->seen, job->id);
    sal_errf(err, errcap, "attempt %d failed", job->attempts);
    return SAL_EUNAVAIL;
}

/* No err text: the queue records the code's name. */
static int h_silent(void *ud, queue_run_t *run, char *err, size_t errcap) {
    (void)ud;
    (void)run;
    (void)err;
    (void)errcap;
    return SAL_EINVAL;
}

static int h_progress(void *ud, queue_run_t *run, char *err, size_t errcap) {
    (void)err;
    (void)errcap;
    fixture_t *fx = ud;
    const store_job_t *job = queue_run_job(run);
    fx->claim_lease = job->lease_until_ms;
    store_job_t got;
    queue_run_progress(run, 0.3);
    if (store_job_get(fx->st, job->tenant_id, job->id, &got) < 0) return SAL_EINVAL;
    fx->beat1_progress = got.progress;
    fx->beat1_lease = got.lease_until_ms;
    /* Within a second of the first: not written yet. */
    queue_run_progress(run, 0.6);
    if (store_job_get(fx->st, job->tenant_id, job->id, &got) < 0) return SAL_EINVAL;
    fx->beat2_progress = got.progress;
    return job->progress > 0.59 && job->progress < 0.61 ? 0 : SAL_EINVAL;
}

/* The first run waits for the stop request and gives up with a retryable
 * error; later runs succeed. */
static int h_slow(void *ud, queue_run_t *run, char *err, size_t errcap) {
    fixture_t *fx = ud;
    if (queue_run_job(run)->attempts > 1) return 0;
    atomic_store(&fx->slow_started, 1);
    double until = sal_mono_ms() + 10000;
    while (!queue_run_stopping(run) && sal_mono_ms() < until) {
        struct timespec ts = {0, 5 * 1000000L};
        nanosleep(&ts, NULL);
    }
    sal_errf(err, errcap, "interrupted");
    return SAL_ECONFLICT;
}

static int setup(void **state) {
    fixture_t *fx = calloc(1, sizeof *fx);
    if (fx == NULL) return -1;
    pthread_mutex_init(&fx->seen.lock, NULL);
    tu_mkdtemp(fx->dir, sizeof fx->dir);
    char url[600];
    snprintf(url, sizeof url, "sqlite://%s/salient.db", fx->dir);
    sal_log_set_level(SAL_LOG_ERROR);
    assert_int_equal(store_open(url, &fx->st), 0);
    assert_int_equal(store_migrate(fx->st, NULL, NULL), 0);
    assert_int_equal(store_tenant_ensure(fx->st, "acme", &fx->t), 0);
    assert_int_equal(queue_open(fx->st, &fx->q), 0);
    assert_int_equal(queue_handler_add(fx->q, "ok", h_ok, fx), 0);
    assert_int_equal(queue_handler_add(fx->q, "bad", h_bad, fx), 0);
    assert_int_equal(queue_handler_add(fx->q, "flaky", h_flaky, fx), 0);
    assert_int_equal(queue_handler_add(fx->q, "always", h_always, fx), 0);
    assert_int_equal(queue_handler_add(fx->q, "silent", h_silent, fx), 0);
    assert_int_equal(queue_handler_add(fx->q, "progress", h_progress, fx), 0);
    assert_int_equal(queue_handler_add(fx->q, "slow", h_slow, fx), 0);
    *state = fx;
    return 0;
}

static int teardown(void **state) {
    fixture_t *fx = *state;
    queue_close(fx->q);
    store_close(fx->st);
    tu_rmrf(fx->dir);
    pthread_mutex_destroy(&fx->seen.lock);
    free(fx);
    return 0;
}

static store_job_t get_job(fixture_t *fx, const char *id) {
    store_job_t j;
    assert_int_equal(store_job_get(fx->st, fx->t.id, id, &j), 0);
    return j;
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- tests -------------------------------------------------------------- */

static void test_enqueue_and_drain_success(void **state) {
    fixture_t *fx = *state;
    char ids[3][SAL_ID_CAP];
    int64_t t0 = sal_now_ms();
    for (int i = 0; i < 3; i++)
        assert_int_equal(queue_enqueue(fx->q, fx->t.id, "ok", "{\"i\":1}", 0, ids[i]), 0);
    store_job_t j = get_job(fx, ids[0]);
    assert_string_equal(j.status, "queued");
    assert_int_equal(j.max_attempts, 5);
    assert_string_equal(j.payload, "{\"i\":1}");
    assert_true(j.run_at_ms >= t0 && j.run_at_ms <= sal_now_ms());

    int ran = -1;
    assert_int_equal(queue_drain(fx->q, &ran), 0);
    assert_int_equal(ran, 3);
    for (int i = 0; i < 3; i++) {
        j = get_job(fx, ids[i]);
        assert_string_equal(j.status, "succeeded");
        assert_int_equal(j.attempts, 1);
        assert_true(j.progress == 1.0);
        assert_string_equal(j.error, "");
        assert_true(j.started_ms >= t0);
        assert_true(j.finished_ms >= j.started_ms);
        assert_non_null(strstr(j.worker, ":inline"));
        assert_int_equal(seen_count(&fx->seen, ids[i]), 1);
    }
    assert_int_equal(queue_drain(fx->q, &ran), 0);
    assert_int_equal(ran, 0);

    sal_buf_t m;
    sal_buf_init(&m, 0);
    assert_int_equal(sal_metrics_render(&m), 0);
    assert_non_null(strstr(m.data, "salient_jobs_total{status=\"succeeded\"} "));
    assert_non_null(strstr(m.data, "salient_job_seconds_total{type=\"ok\"} "));
    sal_buf_free(&m);
}

static void test_permanent_failure_and_unknown_type(void **state) {
    fixture_t *fx = *state;
    char bad[SAL_ID_CAP], unknown[SAL_ID_CAP], silent[SAL_ID_CAP];
    assert_int_equal(queue_enqueue(fx->q, fx->t.id, "bad", NULL, 0, bad), 0);
    assert_int_equal(queue_enqueue(fx->q, fx->t.id, "mystery", "{}", 0, unknown), 0);
    assert_int_equal(queue_enqueue(fx->q, fx->t.id, "silent", "{}", 0, silent), 0);
    int ran;
    assert_int_equal(queue_drain(fx->q, &ran), 0);
    assert_int_equal(ran, 3);
    store_job_t j = get_job(fx, bad);
    assert_string_equal(j.status, "failed");
    assert_string_equal(j.error, "bad document");
    assert_string_equal(j.payload, "{}");
    assert_int_equal(j.attempts, 1);
    assert_true(j.finished_ms > 0);
    assert_int_equal(seen_count(&fx->seen, bad), 1); /* not retried */
    j = get_job(fx, unknown);
    assert_string_equal(j.status, "failed");
    assert_string_equal(j.error, "no handler for job type mystery");
    assert_int_equal(j.attempts, 1);
    j = get_job(fx, silent);
    assert_string_equal(j.status, "failed");
    assert_string_equal(j.error, sal_strerror(SAL_EINVAL));
}

static void test_retries_with_backoff(void **state) {
    fixture_t *fx = *state;
    queue_set_backoff_ms(fx->q, 200, 10000);
    char id[SAL_ID_CAP];
    assert_int_equal(queue_enqueue(fx->q, fx->t.id, "flaky", "{\"fail\":2}", 0, id), 0);

    /* Run 1 fails: queued again 200 ms (+-20%) later. */
    int64_t before = sal_now_ms();
    int ran;
    assert_int_equal(queue_drain(fx->q, &ran), 0);
    int64_t after = sal_now_ms();
    assert_int_equal(ran, 1);
    store_job_t j = get_job(fx, id);
    assert_string_equal(j.status, "queued");
    assert_int_equal(j.attempts, 1);
    assert_string_equal(j.error, "try later (run 1)");
    assert_true(j.run_at_ms >= before + 160);
    assert_true(j.run_at_ms <= after + 240);
    /* Not due yet: nothing runs. */
    if (sal_now_ms() < j.run_at_ms) {
        assert_int_equal(queue_drain(fx->q, &ran), 0);
        assert_int_equal(ran, 0);
    }

    /* Run 2 fails: the wait doubles to 400 ms (+-20%). */
    sleep_ms((int)(j.run_at_ms - sal_now_ms()) + 5);
    before = sal_now_ms();
    assert_int_equal(queue_drain(fx->q, &ran), 0);
    after = sal_now_ms();
    assert_int_equal(ran, 1);
    j = get_job(fx, id);
    assert_string_equal(j.status, "queued");
    assert_int_equal(j.attempts, 2);
    assert_string_equal(j.error, "try later (run 2)");
    assert_true(j.run_at_ms >= before + 320);
    assert_true(j.run_at_ms <= after + 480);

    /* Run 3 succeeds. */
    sleep_ms((int)(j.run_at_ms - sal_now_ms()) + 5);
    assert_int_equal(queue_drain(fx->q, &ran), 0);
    assert_int_equal(ran, 1);
    j = get_job(fx, id);
    assert_string_equal(j.status, "succeeded");
    assert_int_equal(j.attempts, 3);
    assert_string_equal(j.error, "");
    assert_int_equal(seen_count(&fx->seen, id), 3);
}

static void test_backoff_is_capped(void **state) {
    fixture_t *fx = *state;
    /* base 100 ms, cap 150 ms: the 3rd wait would be 400 ms. */
    queue_set_backoff_ms(fx->q, 100, 150);
    char id[SAL_ID_CAP];
    assert_int_equal(queue_enqueue(fx->q, fx->t.id, "flaky", "{\"fail\":3}", 0, id), 0);
    for (int run = 1; run <= 3; run++) {
        store_job_t j = get_job(fx, id);
        if (j.run_at_ms > sal_now_ms()) sleep_ms((int)(j.run_at_ms - sal_now_ms()) + 5);
        int64_t before = sal_now_ms();
        int ran;
        assert_int_equal(queue_drain(fx->q, &ran), 0);
        int64_t after = sal_now_ms();
        assert_int_equal(ran, 1);
        j = get_job(fx, id);
        assert_int_equal(j.attempts, run);
        /* Waits 100, 200, 400 ms, +-20%, capped at 150 ms: runs 2 and 3
         * wait 120..150 ms. */
        assert_true(j.run_at_ms <= after + 150);
        assert_true(j.run_at_ms >= before + (run == 1 ? 80 : 120));
    }
}

static void test_max_attempts_keeps_last_error(void **state) {
    fixture_t *fx = *state;
    queue_set_backoff_ms(fx->q, 0, 0); /* retry at once */
    char id[SAL_ID_CAP];
    assert_int_equal(queue_enqueue(fx->q, fx->t.id, "always", "{}", 3, id), 0);
    int ran;
    assert_int_equal(queue_drain(fx->q, &ran), 0);
    assert_int_equal(ran, 3);
    store_job_t j = get_job(fx, id);
    assert_string_equal(j.status, "failed");
    assert_int_equal(j.attempts, 3);
    assert_int_equal(j.max_attempts, 3);
    assert_string_equal(j.error, "attempt 3 failed");
    assert_int_equal(seen_count(&fx->seen, id), 3);
}

#define MANY 100

static void test_two_workers_run_each_job_once(void **state) {
    fixture_t *fx = *state;
    assert_int_equal(queue_workers_start(fx->q, 2), 0);
    assert_int_equal(queue_workers_start(fx->q, 2), SAL_EEXIST);
    assert_int_equal(queue_handler_add(fx->q, "late", h_ok, fx), SAL_EPERM);
    static char ids[MANY][SAL_ID_CAP];
    for (int i = 0; i < MANY; i++)
        assert_int_equal(queue_enqueue(fx->q, fx->t.id, "ok", "{}", 0, ids[i]), 0);
    int64_t done = 0;
    for (int waited = 0; waited < 30000 && done < MANY; waited += 10) {
        sleep_ms(10);
        assert_int_equal(store_job_count(fx->st, "succeeded", &done), 0);
    }
    queue_workers_stop(fx->q);
    assert_int_equal(done, MANY);
    assert_int_equal(fx->seen.total, MANY);
    for (int i = 0; i < MANY; i++) {
        assert_int_equal(seen_count(&fx->seen, ids[i]), 1);
        store_job_t j = get_job(fx, ids[i]);
        assert_int_equal(j.attempts, 1);
        const char *tail = strrchr(j.worker, ':');
        assert_non_null(tail);
        assert_true(strcmp(tail, ":thread-1") == 0 || strcmp(tail, ":thread-2") == 0);
    }
    /* Stopped workers run nothing more; a restart picks up new work. */
    char late[SAL_ID_CAP];
    assert_int_equal(queue_enqueue(fx->q, fx->t.id, "ok", "{}", 0, late), 0);
    sleep_ms(50);
    assert_string_equal(get_job(fx, late).status, "queued");
    assert_int_equal(queue_workers_start(fx->q, 1), 0);
    for (int waited = 0; waited < 10000; waited += 10) {
        if (strcmp(get_job(fx, late).status, "succeeded") == 0) break;
        sleep_ms(10);
    }
    assert_string_equal(get_job(fx, late).status, "succeeded");
    /* queue_close (teardown) stops the running worker. */
}

static void test_expired_lease_is_rerun(void **state) {
    fixture_t *fx = *state;
    int64_t now = sal_now_ms();
    store_job_t j;
    memset(&j, 0, sizeof j);
    sal_id_new("job", j.id, sizeof j.id);
    sal_strlcpy(j.tenant_id, fx->t.id, sizeof j.tenant_id);
    sal_strlcpy(j.type, "ok", sizeof j.type);
    sal_strlcpy(j.payload, "{}", sizeof j.payload);
    sal_strlcpy(j.status, "running", sizeof j.status); /* a worker killed mid-run */
    j.attempts = 1;
    j.max_attempts = 5;
    j.run_at_ms = j.created_ms = now - 120000;
    j.lease_until_ms = now - 1000;
    assert_int_equal(store_job_insert(fx->st, &j), 0);
    /* And one whose lease is still held: left alone. */
    store_job_t held = j;
    sal_id_new("job", held.id, sizeof held.id);
    held.lease_until_ms = now + 60000;
    assert_int_equal(store_job_insert(fx->st, &held), 0);

    int ran;
    assert_int_equal(queue_drain(fx->q, &ran), 0);
    assert_int_equal(ran, 1);
    store_job_t got = get_job(fx, j.id);
    assert_string_equal(got.status, "succeeded");
    assert_int_equal(got.attempts, 2);
    assert_int_equal(seen_count(&fx->seen, j.id), 1);
    assert_string_equal(get_job(fx, held.id).status, "running");
    assert_int_equal(seen_count(&fx->seen, held.id), 0);
}

static void test_progress_renews_lease(void **state) {
    fixture_t *fx = *state;
    char id[SAL_ID_CAP];
    assert_int_equal(queue_enqueue(fx->q, fx->t.id, "progress", "{}", 0, id), 0);
    int ran;
    sleep_ms(5); /* so the renewed lease is later than the claim's */
    assert_int_equal(queue_drain(fx->q, &ran), 0);
    assert_int_equal(ran, 1);
    store_job_t j = get_job(fx, id);
    assert_string_equal(j.status, "succeeded");
    assert_true(fx->beat1_progress > 0.299 && fx->beat1_progress < 0.301);
    assert_true(fx->beat1_lease >= fx->claim_lease);
    assert_true(fx->beat1_lease > sal_now_ms() + 50000); /* about 60 s ahead */
    /* The second report, within a second, was not written. */
    assert_true(fx->beat2_progress > 0.299 && fx->beat2_progress < 0.301);
    assert_true(j.progress == 1.0);
}

static void test_stop_requeues_interrupted_job(void **state) {
    fixture_t *fx = *state;
    queue_set_backoff_ms(fx->q, 60000, 60000); /* a normal retry would wait a minute */
    char id[SAL_ID_CAP];
    /* max_attempts 1: a normal retryable failure would end it "failed". */
    assert_int_equal(queue_enqueue(fx->q, fx->t.id, "slow", "{}", 1, id), 0);
    assert_int_equal(queue_workers_start(fx->q, 1), 0);
    for (int waited = 0; waited < 10000 && !atomic_load(&fx->slow_started); waited += 5)
        sleep_ms(5);
    assert_true(atomic_load(&fx->slow_started));
    double t0 = sal_mono_ms();
    queue_workers_stop(fx->q);
    assert_true(sal_mono_ms() - t0 < 5000); /* the handler saw the stop */
    store_job_t j = get_job(fx, id);
    assert_string_equal(j.status, "queued");
    assert_int_equal(j.attempts, 1);
    assert_string_equal(j.error, "interrupted");
    assert_true(j.run_at_ms <= sal_now_ms()); /* due at once */
    /* The next start (here: a drain) resumes it. */
    int ran;
    assert_int_equal(queue_drain(fx->q, &ran), 0);
    assert_int_equal(ran, 1);
    j = get_job(fx, id);
    assert_string_equal(j.status, "succeeded");
    assert_int_equal(j.attempts, 2);
}

static void test_enqueue_validation(void **state) {
    fixture_t *fx = *state;
    char id[SAL_ID_CAP] = "";
    char big[1100];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(queue_enqueue(fx->q, fx->t.id, "ok", big, 0, id), SAL_EINVAL);
    assert_int_equal(queue_enqueue(fx->q, fx->t.id, "", "{}", 0, id), SAL_EINVAL);
    assert_int_equal(queue_enqueue(fx->q, "", "ok", "{}", 0, id), SAL_EINVAL);
    assert_int_equal(queue_enqueue(fx->q, fx->t.id, "ok", "{}", -1, id), SAL_EINVAL);
    assert_string_equal(id, "");
    assert_int_equal(queue_enqueue(fx->q, fx->t.id, "ok", "{}", 7, id), 0);
    assert_true(sal_id_valid(id, "job"));
    store_job_t j;
    assert_int_equal(queue_job_get(fx->q, fx->t.id, id, &j), 0);
    assert_int_equal(j.max_attempts, 7);
    store_tenant_t other;
    assert_int_equal(store_tenant_ensure(fx->st, "globex", &other), 0);
    assert_int_equal(queue_job_get(fx->q, other.id, id, &j), SAL_ENOTFOUND);
    assert_int_equal(queue_handler_add(fx->q, "ok", h_ok, fx), SAL_EEXIST);
    assert_int_equal(queue_workers_start(fx->q, 0), SAL_EINVAL);
    queue_workers_stop(fx->q); /* not started: a no-op */
    queue_close(NULL);
}

static void test_job_json(void **state) {
    (void)state;
    store_job_t j;
    memset(&j, 0, sizeof j);
    sal_strlcpy(j.id, "job_01JDQ6M4ZK7S3V9X2B8N5T1C0E", sizeof j.id);
    sal_strlcpy(j.type, "ingest", sizeof j.type);
    sal_strlcpy(j.status, "queued", sizeof j.status);
    sal_strlcpy(j.payload, "{\"secret\":1}", sizeof j.payload);
    j.created_ms = 1795536346000LL; /* 2026-11-24T16:05:46Z */
    json_t *o = queue_job_json(&j);
    assert_int_equal(json_object_size(o), 9);
    assert_string_equal(json_string_value(json_object_get(o, "id")), j.id);
    assert_string_equal(json_string_value(json_object_get(o, "type")), "ingest");
    assert_string_equal(json_string_value(json_object_get(o, "status")), "queued");
    assert_int_equal(json_integer_value(json_object_get(o, "attempts")), 0);
    assert_true(json_is_null(json_object_get(o, "error")));
    assert_true(json_is_real(json_object_get(o, "progress")));
    assert_string_equal(json_string_value(json_object_get(o, "created_at")),
                        "2026-11-24T16:05:46Z");
    assert_true(json_is_null(json_object_get(o, "started_at")));
    assert_true(json_is_null(json_object_get(o, "finished_at")));
    assert_null(json_object_get(o, "payload"));
    json_decref(o);

    sal_strlcpy(j.status, "failed", sizeof j.status);
    sal_strlcpy(j.error, "the PDF is encrypted", sizeof j.error);
    j.attempts = 2;
    j.progress = 0.5;
    j.started_ms = j.created_ms + 1000;
    j.finished_ms = j.created_ms + 61000;
    o = queue_job_json(&j);
    assert_string_equal(json_string_value(json_object_get(o, "error")), "the PDF is encrypted");
    assert_int_equal(json_integer_value(json_object_get(o, "attempts")), 2);
    assert_true(json_real_value(json_object_get(o, "progress")) == 0.5);
    assert_string_equal(json_string_value(json_object_get(o, "started_at")),
                        "2026-11-24T16:05:47Z");
    assert_string_equal(json_string_value(json_object_get(o, "finished_at")),
                        "2026-11-24T16:06:47Z");
    json_decref(o);
}

static void test_routes(void **state) {
    (void)state;
    assert_int_equal(queue_routes_n, 1);
    assert_string_equal(queue_routes[0].method, "GET");
    assert_string_equal(queue_routes[0].pattern, "/v1/jobs/{id}");
    assert_int_equal(queue_routes[0].scope, HTTP_SCOPE_READ);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_enqueue_and_drain_success, setup, teardown),
        cmocka_unit_test_setup_teardown(test_permanent_failure_and_unknown_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retries_with_backoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backoff_is_capped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_attempts_keeps_last_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_workers_run_each_job_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expired_lease_is_rerun, setup, teardown),
        cmocka_unit_test_setup_teardown(test_progress_renews_lease, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_requeues_interrupted_job, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enqueue_validation, setup, teardown),
        cmocka_unit_test(test_job_json),
        cmocka_unit_test(test_routes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
