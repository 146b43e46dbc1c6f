/* SPDX-License-Identifier: MIT */
/*
 * queue — durable background jobs. The embedded backend (queue_local.c)
 * keeps them in the store's jobs table and runs them on worker threads
 * inside `serve` (or inline, for the CLI); a Redis Streams backend
 * (queue_redis.c) comes with the multi-node mode.
 *
 * A job is claimed with a lease that the worker renews while it runs; a
 * worker that dies (kill -9) leaves a lease that expires, and the job is
 * claimed again. A handler that fails with a retryable error is retried
 * with exponential backoff up to max_attempts; a permanent failure
 * (SAL_EINVAL from the handler) ends the job "failed" at once.
 *
 *     queue_t *q;
 *     queue_open(app->store, &q);
 *     queue_handler_add(q, "ingest", ingest_job, kn);
 *     queue_workers_start(q, 1);
 *     char id[SAL_ID_CAP];
 *     queue_enqueue(q, tenant_id, "ingest", "{\"source_id\":\"src_…\"}", id);
 *     ...
 *     queue_workers_stop(q);   // running jobs finish or stay resumable
 *     queue_close(q);
 */
#ifndef SALIENT_QUEUE_H
#define SALIENT_QUEUE_H

#include "core/core.h"
#include "http/http.h"
#include "store/store.h"

typedef struct queue queue_t;

/* What a running handler gets: the job (borrowed) and a way to report
 * progress, which also renews the lease. */
typedef struct queue_run queue_run_t;
const store_job_t *queue_run_job(const queue_run_t *run);
void queue_run_progress(queue_run_t *run, double progress); /* 0..1 */

/* Runs one job. Returns 0 on success; SAL_EINVAL for a permanent failure
 * (bad document: no retry); any other negative code is retried. err gets
 * the client-safe reason that is recorded on the job. */
typedef int (*queue_handler_fn)(void *ud, queue_run_t *run, char *err, size_t errcap);

/* Opens the embedded queue over st (borrowed). Free with queue_close(). */
int queue_open(store_t *st, queue_t **out);
void queue_close(queue_t *q); /* stops workers first; accepts NULL */

/* Registers the handler for a job type (before starting workers). */
int queue_handler_add(queue_t *q, const char *type, queue_handler_fn fn, void *ud);

/* Adds a job; id_out gets its id. max_attempts 0 means the default (5). */
int queue_enqueue(queue_t *q, const char *tenant_id, const char *type, const char *payload_json,
                  int max_attempts, char id_out[SAL_ID_CAP]);

/* Starts n worker threads that claim and run jobs until stopped. */
int queue_workers_start(queue_t *q, int n);
/* Stops claiming, waits for running jobs to return (they get a stop
 * request through queue_run_stopping), joins the threads. */
void queue_workers_stop(queue_t *q);
/* True once stop was requested: long handlers may return a retryable
 * error early, and the job is resumed by the next start. */
bool queue_run_stopping(const queue_run_t *run);

/* Claims and runs due jobs on the calling thread until none is due (the
 * CLI's inline mode). *ran gets how many ran (may be NULL). */
int queue_drain(queue_t *q, int *ran);

/* Sets the retry backoff: a retryable failure of attempt k waits
 * base_ms * 2^(k-1), capped at max_ms, with +-20% jitter (defaults 1 s
 * and 5 min; tests use a few ms, or 0 to retry at once). */
void queue_set_backoff_ms(queue_t *q, int64_t base_ms, int64_t max_ms);

/* Reads a job of the tenant. SAL_ENOTFOUND when the tenant has no job
 * with this id. */
int queue_job_get(queue_t *q, const char *tenant_id, const char *id, store_job_t *out);

/* Wakes the workers (after an enqueue from another thread; enqueue does
 * it already). */
void queue_kick(queue_t *q);

/* Returns a new JSON object for a job per API.md ("id","type","status",
 * "attempts","error","progress","created_at","started_at","finished_at"). */
json_t *queue_job_json(const store_job_t *job);

/* GET /v1/jobs/{id}: static routes for http_router_add_all. The queue is
 * reached through the app context (sal_app_t.queue). */
extern const http_route_t queue_routes[];
extern const size_t queue_routes_n;

#endif
