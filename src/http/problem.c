/* SPDX-License-Identifier: MIT */
/*
 * RFC 9457 problem details. Each status has a stable type URI that points
 * at its explanation on the served /docs page.
 */
#include "http/http.h"

#include <string.h>

static const struct {
    int status;
    const char *slug;
    const char *title;
} PROBLEMS[] = {
    {400, "bad-request", "Bad Request"},
    {401, "unauthorized", "Unauthorized"},
    {403, "forbidden", "Forbidden"},
    {404, "not-found", "Not Found"},
    {405, "method-not-allowed", "Method Not Allowed"},
    {409, "conflict", "Conflict"},
    {412, "precondition-failed", "Precondition Failed"},
    {413, "payload-too-large", "Content Too Large"},
    {415, "unsupported-media-type", "Unsupported Media Type"},
    {422, "unprocessable", "Unprocessable Content"},
    {429, "rate-limited", "Too Many Requests"},
    {500, "internal", "Internal Server Error"},
    {503, "unavailable", "Service Unavailable"},
};

#define NPROBLEMS (sizeof PROBLEMS / sizeof PROBLEMS[0])

static int find(int status) {
    for (size_t i = 0; i < NPROBLEMS; i++)
        if (PROBLEMS[i].status == status) return (int)i;
    return -1;
}

/* The type URIs, built once: "/docs#problem-<slug>". */
static const char *const TYPE_URIS[] = {
    "/docs#problem-bad-request",
    "/docs#problem-unauthorized",
    "/docs#problem-forbidden",
    "/docs#problem-not-found",
    "/docs#problem-method-not-allowed",
    "/docs#problem-conflict",
    "/docs#problem-precondition-failed",
    "/docs#problem-payload-too-large",
    "/docs#problem-unsupported-media-type",
    "/docs#problem-unprocessable",
    "/docs#problem-rate-limited",
    "/docs#problem-internal",
    "/docs#problem-unavailable",
};
_Static_assert(sizeof TYPE_URIS / sizeof TYPE_URIS[0] == NPROBLEMS, "one type URI per problem");

const char *http_problem_type(int status) {
    int i = find(status);
    if (i < 0) i = find(status >= 500 ? 500 : 400);
    return TYPE_URIS[i];
}

const char *http_status_title(int status) {
    int i = find(status);
    if (i >= 0) return PROBLEMS[i].title;
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    default: return status >= 500 ? "Internal Server Error" : "Bad Request";
    }
}

json_t *http_problem_new(int status, const char *detail, const char *instance,
                         const char *request_id, json_t *errors) {
    json_t *p = json_object();
    json_object_set_new(p, "type", json_string(http_problem_type(status)));
    json_object_set_new(p, "title", json_string(http_status_title(status)));
    json_object_set_new(p, "status", json_integer(status));
    json_object_set_new(p, "detail", json_string(detail ? detail : http_status_title(status)));
    if (instance) json_object_set_new(p, "instance", json_string(instance));
    if (request_id) json_object_set_new(p, "request_id", json_string(request_id));
    if (errors) json_object_set_new(p, "errors", errors);
    return p;
}
