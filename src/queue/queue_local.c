/* SPDX-License-Identifier: MIT */
/*
 * The embedded job queue: jobs live in the store's jobs table, worker
 * threads inside `serve` claim them with a lease (store_job_claim is
 * atomic across threads and processes), renew the lease while they run,
 * and record the outcome. A failed run is retried with exponential
 * backoff and jitter; a permanent failure ends the job at once. A worker
 * killed mid-job leaves a lease that expires, and the job runs again.
 */
#include "queue/queue.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_HANDLERS   8
#define MAX_WORKERS    16
#define LEASE_MS       60000
#define HEARTBEAT_MS   1000
#define IDLE_POLL_MS   500
#define DEFAULT_TRIES  5
#define BACKOFF_BASE   1000
#define BACKOFF_MAX_MS 300000

typedef struct {
    char type[32];
    queue_handler_fn fn;
    void *ud;
} handler_t;

struct queue {
    store_t *st;
    handler_t handlers[MAX_HANDLERS];
    size_t nhandlers;
    pthread_t threads[MAX_WORKERS];
    int nthreads;
    atomic_bool stopping;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int64_t backoff_base_ms, backoff_max_ms;
};

struct queue_run {
    queue_t *q;
    store_job_t job;
    double last_beat_ms;
};

const store_job_t *queue_run_job(const queue_run_t *run) { return &run->job; }

bool queue_run_stopping(const queue_run_t *run) { return atomic_load(&run->q->stopping); }

void queue_run_progress(queue_run_t *run, double progress) {
    if (progress < 0) progress = 0;
    if (progress > 1) progress = 1;
    run->job.progress = progress;
    double now = sal_mono_ms();
    if (now - run->last_beat_ms < HEARTBEAT_MS) return;
    run->last_beat_ms = now;
    store_job_heartbeat(run->q->st, run->job.id, sal_now_ms() + LEASE_MS, progress);
}

int queue_open(store_t *st, queue_t **out) {
    queue_t *q = xcalloc(1, sizeof *q);
    q->st = st;
    q->backoff_base_ms = BACKOFF_BASE;
    q->backoff_max_ms = BACKOFF_MAX_MS;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->wake, NULL);
    sal_metrics_counter_declare("salient_jobs_total", "Job runs, by outcome", "status");
    sal_metrics_counter_declare("salient_job_seconds_total", "Time spent running jobs, by type",
                                "type");
    *out = q;
    return 0;
}

void queue_set_backoff_ms(queue_t *q, int64_t base_ms, int64_t max_ms) {
    q->backoff_base_ms = base_ms;
    q->backoff_max_ms = max_ms;
}

void queue_close(queue_t *q) {
    if (!q) return;
    queue_workers_stop(q);
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->wake);
    free(q);
}

int queue_handler_add(queue_t *q, const char *type, queue_handler_fn fn, void *ud) {
    if (q->nhandlers == MAX_HANDLERS) return SAL_ELIMIT;
    handler_t *h = &q->handlers[q->nhandlers++];
    sal_strlcpy(h->type, type, sizeof h->type);
    h->fn = fn;
    h->ud = ud;
    return 0;
}

void queue_kick(queue_t *q) {
    pthread_mutex_lock(&q->lock);
    pthread_cond_broadcast(&q->wake);
    pthread_mutex_unlock(&q->lock);
}

int queue_enqueue(queue_t *q, const char *tenant_id, const char *type, const char *payload_json,
                  int max_attempts, char id_out[SAL_ID_CAP]) {
    store_job_t j;
    memset(&j, 0, sizeof j);
    sal_id_new("job", j.id, sizeof j.id);
    sal_strlcpy(j.tenant_id, tenant_id, sizeof j.tenant_id);
    sal_strlcpy(j.type, type, sizeof j.type);
    if (sal_strlcpy(j.payload, payload_json ? payload_json : "{}", sizeof j.payload) >=
        sizeof j.payload)
        return SAL_EINVAL;
    sal_strlcpy(j.status, "queued", sizeof j.status);
    j.max_attempts = max_attempts > 0 ? max_attempts : DEFAULT_TRIES;
    j.created_ms = j.run_at_ms = sal_now_ms();
    int rc = store_job_insert(q->st, &j);
    if (rc < 0) return rc;
    sal_strlcpy(id_out, j.id, SAL_ID_CAP);
    queue_kick(q);
    return 0;
}

static const handler_t *handler_for(const queue_t *q, const char *type) {
    for (size_t i = 0; i < q->nhandlers; i++)
        if (strcmp(q->handlers[i].type, type) == 0) return &q->handlers[i];
    return NULL;
}

/* The delay before retry n (1-based): base × 2^(n−1), capped, ±20%. */
static int64_t backoff_ms(const queue_t *q, int attempts) {
    double d = (double)q->backoff_base_ms;
    for (int i = 1; i < attempts && d < (double)q->backoff_max_ms; i++) d *= 2;
    if (d > (double)q->backoff_max_ms) d = (double)q->backoff_max_ms;
    double jitter = 0.8 + 0.4 * (double)randombytes_uniform(10001) / 10000.0;
    return (int64_t)(d * jitter);
}

/* Runs one claimed job and records its outcome. */
static void run_job(queue_t *q, const store_job_t *job) {
    queue_run_t run = {.q = q, .job = *job, .last_beat_ms = sal_mono_ms()};
    char err[STORE_ERROR_CAP] = "";
    const handler_t *h = handler_for(q, job->type);
    double t0 = sal_mono_ms();
    int rc;
    if (!h) {
        snprintf(err, sizeof err, "no handler for job type %s", job->type);
        rc = SAL_EINVAL;
    } else {
        rc = h->fn(h->ud, &run, err, sizeof err);
    }
    double ms = sal_mono_ms() - t0;
    const char *outcome;
    if (rc == 0) {
        store_job_heartbeat(q->st, job->id, sal_now_ms(), 1.0);
        store_job_finish(q->st, job->id, "succeeded", "", sal_now_ms());
        outcome = "succeeded";
    } else if (rc == SAL_EINVAL || job->attempts >= job->max_attempts) {
        if (!err[0]) sal_strlcpy(err, sal_strerror(rc), sizeof err);
        store_job_finish(q->st, job->id, "failed", err, sal_now_ms());
        outcome = "failed";
    } else {
        if (!err[0]) sal_strlcpy(err, sal_strerror(rc), sizeof err);
        store_job_retry(q->st, job->id, sal_now_ms() + backoff_ms(q, job->attempts), err);
        outcome = "retried";
    }
    sal_metrics_counter_add("salient_jobs_total", outcome, 1);
    sal_metrics_counter_add("salient_job_seconds_total", job->type, ms / 1000.0);
    sal_log_kv(rc == 0 ? SAL_LOG_INFO : SAL_LOG_WARN, NULL, "job finished",
               (sal_kv_t[]){SAL_KV_S("job_id", job->id), SAL_KV_S("type", job->type),
                            SAL_KV_S("tenant", job->tenant_id), SAL_KV_I("attempts", job->attempts),
                            SAL_KV_D("duration_ms", ms), SAL_KV_S("status", outcome),
                            SAL_KV_S("error", err[0] ? err : NULL)},
               7);
}

static void worker_name(char *out, size_t cap, int n) {
    char host[64] = "localhost";
    gethostname(host, sizeof host - 1);
    snprintf(out, cap, "%.40s:%d:%d", host, (int)getpid(), n);
}

static void release_dead_workers(queue_t *q);

int queue_drain(queue_t *q, int *ran) {
    release_dead_workers(q);
    char name[64];
    worker_name(name, sizeof name, 0);
    int count = 0;
    store_job_t *job = xmalloc(sizeof *job);
    for (;;) {
        int rc = store_job_claim(q->st, name, sal_now_ms(), LEASE_MS, job);
        if (rc == SAL_ENOTFOUND) break;
        if (rc < 0) {
            free(job);
            if (ran) *ran = count;
            return rc;
        }
        run_job(q, job);
        count++;
    }
    free(job);
    if (ran) *ran = count;
    return 0;
}

typedef struct {
    queue_t *q;
    int n;
} worker_arg_t;

static void *worker_main(void *arg) {
    worker_arg_t *w = arg;
    queue_t *q = w->q;
    char name[64];
    worker_name(name, sizeof name, w->n);
    free(w);
    store_job_t *job = xmalloc(sizeof *job);
    while (!atomic_load(&q->stopping)) {
        int rc = store_job_claim(q->st, name, sal_now_ms(), LEASE_MS, job);
        if (rc == 0) {
            run_job(q, job);
            continue;
        }
        /* Nothing due (or the store is busy): sleep until kicked, or poll,
         * since another process may enqueue. */
        pthread_mutex_lock(&q->lock);
        if (!atomic_load(&q->stopping)) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += (long)IDLE_POLL_MS * 1000000L;
            ts.tv_sec += ts.tv_nsec / 1000000000L;
            ts.tv_nsec %= 1000000000L;
            pthread_cond_timedwait(&q->wake, &q->lock, &ts);
        }
        pthread_mutex_unlock(&q->lock);
    }
    free(job);
    return NULL;
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

int queue_workers_start(queue_t *q, int n) {
    if (n < 1 || n > MAX_WORKERS || q->nthreads) return SAL_EINVAL;
    release_dead_workers(q);
    atomic_store(&q->stopping, false);
    for (int i = 0; i < n; i++) {
        worker_arg_t *w = xmalloc(sizeof *w);
        *w = (worker_arg_t){.q = q, .n = i + 1};
        if (pthread_create(&q->threads[i], NULL, worker_main, w) != 0) {
            free(w);
            queue_workers_stop(q);
            return SAL_EIO;
        }
        q->nthreads++;
    }
    return 0;
}

void queue_workers_stop(queue_t *q) {
    if (!q || !q->nthreads) return;
    atomic_store(&q->stopping, true);
    queue_kick(q);
    for (int i = 0; i < q->nthreads; i++) pthread_join(q->threads[i], NULL);
    q->nthreads = 0;
}

static json_t *time_or_null(int64_t ms) {
    if (ms <= 0) return json_null();
    char t[SAL_TIME_CAP];
    sal_time_format(ms, t);
    return json_string(t);
}

json_t *queue_job_json(const store_job_t *j) {
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(j->id));
    json_object_set_new(o, "type", json_string(j->type));
    json_object_set_new(o, "status", json_string(j->status));
    json_object_set_new(o, "attempts", json_integer(j->attempts));
    json_object_set_new(o, "max_attempts", json_integer(j->max_attempts));
    json_object_set_new(o, "error", j->error[0] ? json_string(j->error) : json_null());
    json_object_set_new(o, "progress", json_real(j->progress));
    json_object_set_new(o, "created_at", time_or_null(j->created_ms));
    json_object_set_new(o, "started_at", time_or_null(j->started_ms));
    json_object_set_new(o, "finished_at", time_or_null(j->finished_ms));
    return o;
}

/* ---- GET /v1/jobs/{id} ------------------------------------------------------ */

static int jobs_get(http_req_t *req) {
    const char *id = http_req_param(req, "id");
    store_job_t *j = sal_arena_alloc(http_req_arena(req), sizeof *j);
    int rc = sal_id_valid(id, "job")
                 ? store_job_get(http_req_app(req)->store, http_req_auth(req)->tenant_id, id, j)
                 : SAL_ENOTFOUND;
    if (rc == SAL_ENOTFOUND) return http_problem_send(req, 404, "no such job", NULL);
    if (rc < 0) return http_problem_send(req, 500, NULL, NULL);
    return http_send_json(req, 200, queue_job_json(j));
}

const http_route_t queue_routes[] = {
    {"GET", "/v1/jobs/{id}", jobs_get, HTTP_SCOPE_READ},
};
const size_t queue_routes_n = sizeof queue_routes / sizeof queue_routes[0];
