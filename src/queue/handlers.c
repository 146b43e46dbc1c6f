/* SPDX-License-Identifier: MIT */
/*
 * HTTP glue of queue/: GET /v1/jobs/{id}, which lets a client follow a
 * background job (an ingestion, a reindex) of its own tenant. A job id
 * of another tenant is indistinguishable from one that does not exist.
 */
#include "queue/queue.h"

static int jobs_get(http_req_t *req) {
    const char *id = http_req_param(req, "id");
    sal_app_t *app = http_req_app(req);
    if (!id || !sal_id_valid(id, "job")) return http_problem_send(req, 404, "no such job", NULL);
    if (!app->queue) {
        http_header_add(req, "Retry-After", "1");
        return http_problem_send(req, 503, "the job queue is not available", NULL);
    }
    store_job_t job;
    int rc = queue_job_get(app->queue, http_req_auth(req)->tenant_id, id, &job);
    if (rc == SAL_ENOTFOUND) return http_problem_send(req, 404, "no such job", NULL);
    if (rc < 0) return http_problem_send(req, 500, NULL, NULL);
    return http_send_json(req, 200, queue_job_json(&job));
}

const http_route_t queue_routes[] = {
    {"GET", "/v1/jobs/{id}", jobs_get, HTTP_SCOPE_READ},
};
const size_t queue_routes_n = sizeof queue_routes / sizeof queue_routes[0];
