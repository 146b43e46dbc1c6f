/* SPDX-License-Identifier: MIT */
/*
 * The embedded queue: jobs live in the store's jobs table, so they
 * survive restarts and any process on the same database (serve, the CLI)
 * can enqueue or run them. Worker threads claim one job at a time with a
 * lease (store_job_claim is atomic across threads and processes), renew
 * it while the handler reports progress, and record the outcome:
 * success, permanent failure, or a retry after an exponential backoff.
 *
 * Workers sleep on a condition variable that enqueue signals, and also
 * wake every POLL_MS to look at the table, because another process may
 * have enqueued or a retry may have come due.
 *
 * Stopping: queue_workers_stop sets a flag that running handlers see via
 * queue_run_stopping(). A handler that then returns a retryable error is
 * put back in the queue due at once, never failed for it, whatever its
 * attempt count (the interrupted run still counts in attempts, which is
 * "runs started"). A process killed outright leaves its job running with
 * a lease; it is claimed again once the lease expires.
 */
#include "queue/queue.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sodium.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_HANDLERS     16
#define MAX_WORKERS      64
#define LEASE_MS         60000
#define HEARTBEAT_MS     1000.0
#define POLL_MS          500
#define DEFAULT_ATTEMPTS 5

typedef struct {
    char type[32];
    queue_handler_fn fn;
    void *ud;
} handler_t;

typedef struct {
    queue_t *q;
    int n;
} worker_t;

struct queue {
    store_t *st;
    handler_t handlers[MAX_HANDLERS];
    size_t handlers_n;
    pthread_mutex_t lock;
    pthread_cond_t cond; /* CLOCK_MONOTONIC */
    uint64_t kicks;      /* bumped by queue_kick, under lock */
    atomic_bool stopping;
    pthread_t threads[MAX_WORKERS];
    worker_t workers[MAX_WORKERS];
    int threads_n;
    int64_t lease_ms;
    _Atomic int64_t backoff_base_ms, backoff_max_ms;
    char node[128]; /* "hostname:pid" */
};

struct queue_run {
    queue_t *q;
    store_job_t job;
    double last_beat_ms; /* monotonic; < 0 before the first heartbeat */
};

/* ---- runs --------------------------------------------------------------- */

const store_job_t *queue_run_job(const queue_run_t *run) { return &run->job; }

bool queue_run_stopping(const queue_run_t *run) { return atomic_load(&run->q->stopping); }

void queue_run_progress(queue_run_t *run, double progress) {
    if (!(progress >= 0)) progress = 0; /* also NaN */
    if (progress > 1) progress = 1;
    run->job.progress = progress;
    /* The first report is written at once (so a client sees the job
     * move), later ones at most once a second: handlers may report per
     * chunk without turning that into a write per chunk. */
    double now = sal_mono_ms();
    if (run->last_beat_ms >= 0 && now - run->last_beat_ms < HEARTBEAT_MS) return;
    run->last_beat_ms = now;
    int64_t lease_until = sal_now_ms() + run->q->lease_ms;
    int rc = store_job_heartbeat(run->q->st, run->job.id, lease_until, progress);
    if (rc == 0) {
        run->job.lease_until_ms = lease_until;
    } else {
        /* The job is no longer ours (lease lost) or the store is busy: the
         * handler carries on; the outcome write decides. */
        sal_log_kv(
            SAL_LOG_WARN, NULL, "job heartbeat failed",
            (sal_kv_t[]){SAL_KV_S("job_id", run->job.id), SAL_KV_S("error", sal_strerror(rc))}, 2);
    }
}

/* ---- opening ------------------------------------------------------------ */

int queue_open(store_t *st, queue_t **out) {
    *out = NULL;
    if (sodium_init() < 0) return SAL_EUNAVAIL; /* jitter uses randombytes */
    queue_t *q = xcalloc(1, sizeof *q);
    q->st = st;
    q->lease_ms = LEASE_MS;
    atomic_store(&q->backoff_base_ms, 1000);
    atomic_store(&q->backoff_max_ms, 5 * 60 * 1000);
    atomic_store(&q->stopping, false);
    pthread_mutex_init(&q->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q->cond, &ca);
    pthread_condattr_destroy(&ca);
    char host[64] = "localhost";
    if (gethostname(host, sizeof host) != 0) sal_strlcpy(host, "localhost", sizeof host);
    host[sizeof host - 1] = '\0';
    snprintf(q->node, sizeof q->node, "%s:%ld", host, (long)getpid());
    sal_metrics_counter_declare("salient_jobs_total", "Background job outcomes.", "status");
    sal_metrics_counter_declare("salient_job_seconds_total",
                                "Seconds spent running background jobs, by job type.", "type");
    *out = q;
    return 0;
}

void queue_close(queue_t *q) {
    if (!q) return;
    queue_workers_stop(q);
    pthread_cond_destroy(&q->cond);
    pthread_mutex_destroy(&q->lock);
    free(q);
}

int queue_handler_add(queue_t *q, const char *type, queue_handler_fn fn, void *ud) {
    if (!type || !*type || strlen(type) >= sizeof q->handlers[0].type || !fn) return SAL_EINVAL;
    /* Workers read the table without a lock: it is fixed once they run. */
    if (q->threads_n > 0) return SAL_EPERM;
    for (size_t i = 0; i < q->handlers_n; i++)
        if (strcmp(q->handlers[i].type, type) == 0) return SAL_EEXIST;
    if (q->handlers_n == MAX_HANDLERS) return SAL_ELIMIT;
    handler_t *h = &q->handlers[q->handlers_n++];
    sal_strlcpy(h->type, type, sizeof h->type);
    h->fn = fn;
    h->ud = ud;
    return 0;
}

void queue_set_backoff_ms(queue_t *q, int64_t base_ms, int64_t max_ms) {
    atomic_store(&q->backoff_base_ms, base_ms < 0 ? 0 : base_ms);
    atomic_store(&q->backoff_max_ms, max_ms < 0 ? 0 : max_ms);
}

/* ---- enqueue ------------------------------------------------------------ */

int queue_enqueue(queue_t *q, const char *tenant_id, const char *type, const char *payload_json,
                  int max_attempts, char id_out[SAL_ID_CAP]) {
    store_job_t j;
    memset(&j, 0, sizeof j);
    if (!tenant_id || !*tenant_id || !type || !*type || max_attempts < 0) return SAL_EINVAL;
    if (sal_strlcpy(j.tenant_id, tenant_id, sizeof j.tenant_id) >= sizeof j.tenant_id ||
        sal_strlcpy(j.type, type, sizeof j.type) >= sizeof j.type ||
        sal_strlcpy(j.payload, payload_json ? payload_json : "{}", sizeof j.payload) >=
            sizeof j.payload)
        return SAL_EINVAL;
    sal_id_new("job", j.id, sizeof j.id);
    sal_strlcpy(j.status, "queued", sizeof j.status);
    j.max_attempts = max_attempts ? max_attempts : DEFAULT_ATTEMPTS;
    j.created_ms = j.run_at_ms = sal_now_ms();
    int rc = store_job_insert(q->st, &j);
    if (rc < 0) return rc;
    if (id_out) sal_strlcpy(id_out, j.id, SAL_ID_CAP);
    queue_kick(q);
    return 0;
}

void queue_kick(queue_t *q) {
    pthread_mutex_lock(&q->lock);
    q->kicks++;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
}

int queue_job_get(queue_t *q, const char *tenant_id, const char *id, store_job_t *out) {
    return store_job_get(q->st, tenant_id, id, out);
}

/* ---- running one job ---------------------------------------------------- */

static const handler_t *handler_find(const queue_t *q, const char *type) {
    for (size_t i = 0; i < q->handlers_n; i++)
        if (strcmp(q->handlers[i].type, type) == 0) return &q->handlers[i];
    return NULL;
}

/* The wait before attempt attempts + 1: base * 2^(attempts-1), capped,
 * with +-20% jitter so a burst of failures does not retry in lockstep. */
static int64_t backoff_ms(const queue_t *q, int attempts) {
    int64_t base = atomic_load(&q->backoff_base_ms), cap = atomic_load(&q->backoff_max_ms);
    if (base == 0 || cap == 0) return 0;
    int64_t d = base;
    for (int i = 1; i < attempts && d < cap; i++) d *= 2;
    if (d > cap) d = cap;
    d = d * (80 + (int64_t)randombytes_uniform(41)) / 100;
    return d > cap ? cap : d;
}

/* Records the outcome of one run and returns its name for the log. */
static const char *outcome(queue_t *q, const store_job_t *job, int rc, const char *err) {
    int64_t now = sal_now_ms();
    int wr;
    const char *status;
    if (rc == 0) {
        wr = store_job_finish(q->st, job->id, "succeeded", "", now);
        status = "succeeded";
    } else if (rc == SAL_EINVAL) {
        wr = store_job_finish(q->st, job->id, "failed", err, now);
        status = "failed";
    } else if (atomic_load(&q->stopping)) {
        /* Interrupted by a shutdown: due again at once, never failed. */
        wr = store_job_retry(q->st, job->id, now, err);
        status = "retried";
    } else if (job->attempts < job->max_attempts) {
        wr = store_job_retry(q->st, job->id, now + backoff_ms(q, job->attempts), err);
        status = "retried";
    } else {
        wr = store_job_finish(q->st, job->id, "failed", err, now);
        status = "failed";
    }
    if (wr < 0)
        /* The job stays running with its lease and is claimed again when
         * the lease expires. */
        sal_log_kv(SAL_LOG_ERROR, NULL, "cannot record the job outcome",
                   (sal_kv_t[]){SAL_KV_S("job_id", job->id), SAL_KV_S("status", status),
                                SAL_KV_S("error", sal_strerror(wr))},
                   3);
    return status;
}

/* Claims one due job and runs it. Returns 1 when a job ran, 0 when none
 * was due, or a negative code when the claim failed. */
static int run_one(queue_t *q, const char *worker) {
    queue_run_t run = {.q = q, .last_beat_ms = -1};
    int rc = store_job_claim(q->st, worker, sal_now_ms(), q->lease_ms, &run.job);
    if (rc == SAL_ENOTFOUND) return 0;
    if (rc < 0) return rc;

    const store_job_t *job = &run.job;
    char err[STORE_ERROR_CAP] = "";
    double t0 = sal_mono_ms();
    const handler_t *h = handler_find(q, job->type);
    if (h) {
        rc = h->fn(h->ud, &run, err, sizeof err);
    } else {
        snprintf(err, sizeof err, "no handler for job type %s", job->type);
        rc = SAL_EINVAL;
    }
    if (rc != 0 && !err[0]) sal_strlcpy(err, sal_strerror(rc), sizeof err);
    double ms = sal_mono_ms() - t0;
    const char *status = outcome(q, job, rc, rc == 0 ? "" : err);

    sal_metrics_counter_add("salient_jobs_total", status, 1);
    sal_metrics_counter_add("salient_job_seconds_total", job->type, ms / 1000.0);
    sal_log_kv(rc == 0 ? SAL_LOG_INFO : SAL_LOG_WARN, NULL, "job run",
               (sal_kv_t[]){SAL_KV_S("job_id", job->id), SAL_KV_S("type", job->type),
                            SAL_KV_S("tenant_id", job->tenant_id),
                            SAL_KV_I("attempts", job->attempts), SAL_KV_D("duration_ms", ms),
                            SAL_KV_S("status", status), SAL_KV_S("error", rc ? err : NULL)},
               7);
    return 1;
}

/* Jobs left running by a worker process of this host that is gone (a
 * kill -9, a crash) are claimable at once instead of after their lease. */
static void release_dead_workers(queue_t *q) {
    char host[64] = "localhost";
    gethostname(host, sizeof host - 1);
    char workers[64][64];
    size_t n = 0;
    if (store_job_workers(q->st, workers, 64, &n) < 0) return;
    size_t hl = strlen(host) < 40 ? strlen(host) : 40;
    for (size_t i = 0; i < n; i++) {
        const char *w = workers[i];
        if (strncmp(w, host, hl) != 0 || w[hl] != ':') continue;
        long pid = strtol(w + hl + 1, NULL, 10);
        if (pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        if (store_job_expire_worker(q->st, w, sal_now_ms()) == 0)
            sal_log_kv(SAL_LOG_WARN, NULL, "jobs of a dead worker released",
                       (sal_kv_t[]){SAL_KV_S("worker", w)}, 1);
    }
}

int queue_drain(queue_t *q, int *ran) {
    release_dead_workers(q);
    char worker[sizeof q->node + 16];
    snprintf(worker, sizeof worker, "%s:inline", q->node);
    int n = 0, rc;
    while ((rc = run_one(q, worker)) > 0) n++;
    if (ran) *ran = n;
    return rc < 0 ? rc : 0;
}

/* ---- workers ------------------------------------------------------------ */

static void *worker_main(void *arg) {
    worker_t *w = arg;
    queue_t *q = w->q;
    char name[sizeof q->node + 24];
    snprintf(name, sizeof name, "%s:thread-%d", q->node, w->n);
    while (!atomic_load(&q->stopping)) {
        pthread_mutex_lock(&q->lock);
        uint64_t seen = q->kicks;
        pthread_mutex_unlock(&q->lock);
        int rc = run_one(q, name);
        if (rc > 0) continue;
        if (rc < 0)
            sal_log_kv(SAL_LOG_WARN, NULL, "job claim failed",
                       (sal_kv_t[]){SAL_KV_S("worker", name), SAL_KV_S("error", sal_strerror(rc))},
                       2);
        /* Idle: sleep until a kick, a stop, or the next poll. A kick that
         * came while we were claiming is not lost: kicks != seen. */
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += (long)POLL_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&q->lock);
        while (!atomic_load(&q->stopping) && q->kicks == seen)
            if (pthread_cond_timedwait(&q->cond, &q->lock, &until) != 0) break;
        pthread_mutex_unlock(&q->lock);
    }
    return NULL;
}

int queue_workers_start(queue_t *q, int n) {
    if (n <= 0 || n > MAX_WORKERS) return SAL_EINVAL;
    if (q->threads_n > 0) return SAL_EEXIST;
    release_dead_workers(q);
    atomic_store(&q->stopping, false);
    for (int i = 0; i < n; i++) {
        q->workers[i] = (worker_t){.q = q, .n = i + 1};
        if (pthread_create(&q->threads[i], NULL, worker_main, &q->workers[i]) != 0) {
            sal_logf(SAL_LOG_ERROR, "cannot start job worker %d", i + 1);
            q->threads_n = i;
            queue_workers_stop(q);
            return SAL_EIO;
        }
    }
    q->threads_n = n;
    return 0;
}

void queue_workers_stop(queue_t *q) {
    if (q->threads_n == 0) return;
    pthread_mutex_lock(&q->lock);
    atomic_store(&q->stopping, true);
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
    for (int i = 0; i < q->threads_n; i++) pthread_join(q->threads[i], NULL);
    q->threads_n = 0;
    /* Drained or restarted later, the queue runs normally again. */
    atomic_store(&q->stopping, false);
}

/* ---- rendering ---------------------------------------------------------- */

static json_t *time_or_null(int64_t ms) {
    if (ms <= 0) return json_null();
    char t[SAL_TIME_CAP];
    sal_time_format(ms, t);
    return json_string(t);
}

json_t *queue_job_json(const store_job_t *job) {
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(job->id));
    json_object_set_new(o, "type", json_string(job->type));
    json_object_set_new(o, "status", json_string(job->status));
    json_object_set_new(o, "attempts", json_integer(job->attempts));
    json_t *err = job->error[0] ? json_string(job->error) : json_null();
    /* Handlers write client-safe reasons; one that is not UTF-8 is shown
     * generically rather than dropped. */
    json_object_set_new(o, "error", err ? err : json_string("the job failed"));
    json_object_set_new(o, "progress", json_real(job->progress));
    json_object_set_new(o, "created_at", time_or_null(job->created_ms));
    json_object_set_new(o, "started_at", time_or_null(job->started_ms));
    json_object_set_new(o, "finished_at", time_or_null(job->finished_ms));
    return o;
}
