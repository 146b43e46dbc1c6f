/* SPDX-License-Identifier: MIT */
/*
 * The HTTP server on libmicrohttpd (internal thread pool, epoll). One
 * http_req_t per request, with its own arena. The access handler gathers
 * the body under the size cap, then routes, runs the middleware chain and
 * the handler; the completion callback writes the access-log line and the
 * metrics. Shutdown stops accepting, waits for in-flight requests, then
 * stops the daemon.
 */
#include "http/http_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <sodium.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <string.h>
#include <unistd.h>

#define MAX_MIDDLEWARE 8

struct http_server {
    struct MHD_Daemon *daemon;
    http_router_t *router;
    sal_app_t *app;
    http_server_opts_t opts;
    int port;
    http_middleware_fn mw[MAX_MIDDLEWARE];
    void *mw_ud[MAX_MIDDLEWARE];
    size_t nmw;
    atomic_int inflight;
    char upload_dir[4096];
};

/* ---- request accessors -------------------------------------------------- */

const char *http_req_method(const http_req_t *req) { return req->method; }
const char *http_req_path(const http_req_t *req) { return req->path; }
const http_route_t *http_req_route(const http_req_t *req) { return req->route; }
const char *http_req_id(const http_req_t *req) { return req->id; }
sal_app_t *http_req_app(const http_req_t *req) { return req->server->app; }
sal_arena_t *http_req_arena(http_req_t *req) { return req->arena; }
const char *http_req_upload_dir(const http_req_t *req) { return req->server->upload_dir; }

const char *http_req_param(const http_req_t *req, const char *name) {
    for (size_t i = 0; i < req->params.n; i++)
        if (strcmp(req->params.name[i], name) == 0) return req->params.value[i];
    return NULL;
}

const char *http_req_query(http_req_t *req, const char *name) {
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_req_header(http_req_t *req, const char *name) {
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_req_body(const http_req_t *req, size_t *len) {
    *len = req->body.len;
    return req->body.data ? req->body.data : "";
}

const http_auth_t *http_req_auth(const http_req_t *req) {
    return req->has_auth ? &req->auth : NULL;
}

void http_req_set_auth(http_req_t *req, const http_auth_t *auth) {
    req->auth = *auth;
    req->has_auth = true;
}

bool http_request_id_valid(const char *s) {
    if (!s) return false;
    size_t n = 0;
    for (; s[n]; n++)
        if (!(isalnum((unsigned char)s[n]) || s[n] == '.' || s[n] == '_' || s[n] == '-'))
            return false;
    return n >= 1 && n <= 128;
}

/* ---- responses ---------------------------------------------------------- */

void http_header_add(http_req_t *req, const char *name, const char *value) {
    if (req->nheaders == HTTP_MAX_RESP_HEADERS) return;
    req->headers[req->nheaders][0] = sal_arena_strdup(req->arena, name);
    req->headers[req->nheaders][1] = sal_arena_strdup(req->arena, value);
    req->nheaders++;
}

int http_send(http_req_t *req, int status, const char *content_type, const void *body, size_t len) {
    if (req->responded) {
        sal_log_kv(SAL_LOG_ERROR, req->id, "second response for one request ignored", NULL, 0);
        return SAL_EINVAL;
    }
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!resp) return SAL_EIO;
    if (content_type) MHD_add_response_header(resp, "Content-Type", content_type);
    MHD_add_response_header(resp, "X-Request-ID", req->id);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    for (size_t i = 0; i < req->nheaders; i++)
        MHD_add_response_header(resp, req->headers[i][0], req->headers[i][1]);
    enum MHD_Result r = MHD_queue_response(req->conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    req->responded = true;
    req->status = status;
    req->bytes = len;
    return r == MHD_YES ? 0 : SAL_EIO;
}

int http_send_json(http_req_t *req, int status, json_t *body) {
    if (!body) return http_send(req, status, NULL, "", 0);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!text) return http_problem_send(req, 500, NULL, NULL);
    int rc = http_send(req, status, "application/json; charset=utf-8", text, strlen(text));
    free(text);
    return rc;
}

int http_problem_send(http_req_t *req, int status, const char *detail, json_t *errors) {
    const char *instance = sal_utf8_valid(req->path, strlen(req->path)) ? req->path : NULL;
    json_t *p = http_problem_new(status, detail, instance, req->id, errors);
    char *text = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    int rc = http_send(req, status, "application/problem+json", text, strlen(text));
    free(text);
    return rc;
}

/* ---- JSON bodies and pages ---------------------------------------------- */

int http_req_json(http_req_t *req, json_t **out) {
    const char *ct = http_req_header(req, "Content-Type");
    size_t ctl = 0;
    if (ct) /* media type ends at ';' or whitespace */
        while (ct[ctl] && ct[ctl] != ';' && ct[ctl] != ' ') ctl++;
    if (!ct || ctl != 16 || strncasecmp(ct, "application/json", 16) != 0) {
        http_problem_send(req, 415, "send the body as application/json", NULL);
        return SAL_EINVAL;
    }
    char err[256];
    if (sal_json_parse_object(req->body.data, req->body.len, out, err, sizeof err) < 0) {
        http_problem_send(req, 400, err, NULL);
        return SAL_EINVAL;
    }
    return 0;
}

void http_cursor_encode(const char *last_id, char *out, size_t cap) {
    size_t need =
        sodium_base64_encoded_len(strlen(last_id), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    if (need > cap) {
        out[0] = '\0';
        return;
    }
    sodium_bin2base64(out, cap, (const unsigned char *)last_id, strlen(last_id),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int http_send_page(http_req_t *req, json_t *items, const char *last_id) {
    json_t *next = json_null();
    if (last_id) {
        char enc[128];
        http_cursor_encode(last_id, enc, sizeof enc);
        json_decref(next);
        next = json_string(enc);
    }
    return http_send_json(req, 200, json_pack("{s:o,s:o}", "items", items, "next_cursor", next));
}

int http_req_page(http_req_t *req, int *limit_out, char *cursor_out, size_t cursor_cap) {
    const char *ls = http_req_query(req, "limit");
    const char *cs = NULL;
    size_t cslen = 0;
    if (MHD_lookup_connection_value_n(req->conn, MHD_GET_ARGUMENT_KIND, "cursor", 6, &cs, &cslen) ==
        MHD_NO)
        cs = NULL;
    *limit_out = 20;
    cursor_out[0] = '\0';
    if (ls) {
        char *end;
        long v = strtol(ls, &end, 10);
        if (!*ls || *end || v < 1 || v > 100) {
            json_t *e = json_pack("[{s:s,s:s}]", "field", "limit", "message", "must be 1..100");
            http_problem_send(req, 400, "invalid query parameter", e);
            return SAL_EINVAL;
        }
        *limit_out = (int)v;
    }
    if (cs && cslen) {
        size_t len = 0;
        bool ok =
            cslen == strlen(cs) && cslen < 128 &&
            sodium_base642bin((unsigned char *)cursor_out, cursor_cap - 1, cs, strlen(cs), NULL,
                              &len, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0;
        if (ok) {
            cursor_out[len] = '\0';
            for (size_t i = 0; i < len && ok; i++)
                ok = isalnum((unsigned char)cursor_out[i]) || cursor_out[i] == '_';
        }
        if (!ok || len == 0) {
            cursor_out[0] = '\0';
            json_t *e = json_pack("[{s:s,s:s}]", "field", "cursor", "message",
                                  "is not a cursor this API returned");
            http_problem_send(req, 400, "invalid query parameter", e);
            return SAL_EINVAL;
        }
    }
    return 0;
}

/* ---- dispatch ----------------------------------------------------------- */

/* Routes as soon as the headers are in, so even a request refused before
 * its body (413) is logged and counted under its route template. */
static void route(http_req_t *req) {
    const char *method = strcmp(req->method, "HEAD") == 0 ? "GET" : req->method;
    req->route_rc = http_router_match(req->server->router, method, req->path, &req->route,
                                      &req->params, req->allow, sizeof req->allow);
}

static void dispatch(http_req_t *req) {
    http_server_t *s = req->server;
    if (req->route_rc == SAL_ENOTFOUND) {
        http_problem_send(req, 404, "no such resource", NULL);
        return;
    }
    if (req->route_rc == SAL_EPERM) {
        http_header_add(req, "Allow", req->allow);
        char detail[192];
        snprintf(detail, sizeof detail, "this resource allows %s", req->allow);
        http_problem_send(req, 405, detail, NULL);
        return;
    }
    for (size_t i = 0; i < s->nmw; i++)
        if (s->mw[i](req, s->mw_ud[i]) != 0) {
            if (!req->responded) http_problem_send(req, 500, NULL, NULL);
            return;
        }
    req->route->fn(req);
    if (!req->responded) {
        sal_log_kv(SAL_LOG_ERROR, req->id, "handler sent no response",
                   (sal_kv_t[]){SAL_KV_S("route", req->route->pattern)}, 1);
        http_problem_send(req, 500, NULL, NULL);
    }
}

static http_req_t *req_new(http_server_t *s, struct MHD_Connection *conn, const char *url,
                           const char *method) {
    sal_arena_t *a = sal_arena_new();
    http_req_t *req = sal_arena_alloc(a, sizeof *req);
    memset(req, 0, sizeof *req);
    req->arena = a;
    req->server = s;
    req->conn = conn;
    req->start_ms = sal_mono_ms();
    req->method = sal_arena_strdup(a, method);
    req->path = sal_arena_strdup(a, url);
    sal_buf_init(&req->body, s->opts.max_body_bytes);
    const char *rid = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-ID");
    if (rid && http_request_id_valid(rid))
        sal_strlcpy(req->id, rid, sizeof req->id);
    else
        sal_id_new("req", req->id, sizeof req->id);
    return req;
}

/* Answers 413 for a chunked body that outgrew the cap, then has the
 * connection closed. libmicrohttpd sends a queued response only after the
 * whole upload has arrived, which would mean reading an unbounded body, so
 * the short response is written straight to the socket instead. */
static void abort_too_large(http_req_t *req) {
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    json_t *p =
        http_problem_new(413, "the request body is larger than the limit", NULL, req->id, NULL);
    char *body = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    char head[512];
    int hl = snprintf(head, sizeof head,
                      "HTTP/1.1 413 Content Too Large\r\n"
                      "Content-Type: application/problem+json\r\n"
                      "Content-Length: %zu\r\n"
                      "X-Request-ID: %s\r\n"
                      "Connection: close\r\n\r\n",
                      strlen(body), req->id);
    if (ci && hl > 0 && (size_t)hl < sizeof head) {
        ssize_t w = send(ci->connect_fd, head, (size_t)hl, MSG_NOSIGNAL);
        if (w == hl) w = send(ci->connect_fd, body, strlen(body), MSG_NOSIGNAL);
        (void)w;
        shutdown(ci->connect_fd, SHUT_WR);
    }
    req->status = 413;
    req->bytes = strlen(body);
    free(body);
    sal_buf_free(&req->body);
    http_upload_discard(req->upload);
}

/* On an HTTP_ROUTE_UPLOAD route a multipart/form-data body goes to the
 * upload sink as it arrives instead of into req->body. A multipart type
 * with a bad boundary still gets a sink, which only remembers the error
 * for http_req_form(). */
static void upload_start(http_req_t *req) {
    if (req->responded || !req->route || !(req->route->flags & HTTP_ROUTE_UPLOAD)) return;
    char boundary[HTTP_MP_BOUNDARY_MAX + 1];
    int brc = http_mp_boundary(http_req_header(req, "Content-Type"), boundary, sizeof boundary);
    if (brc == SAL_ENOTFOUND) return;
    req->upload = http_upload_new(req, req->server->upload_dir, boundary, brc);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls) {
    http_server_t *s = cls;
    http_req_t *req = *con_cls;

    if (!req) {
        req = req_new(s, conn, url, method);
        *con_cls = req;
        route(req);
        atomic_fetch_add(&s->inflight, 1);
        /* Refuse an oversized declared body before reading any of it. */
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl) {
            char *end;
            unsigned long long n = strtoull(cl, &end, 10);
            if (*end || n > s->opts.max_body_bytes) {
                http_problem_send(req, 413, "the request body is larger than the limit", NULL);
            }
        }
        upload_start(req);
        return MHD_YES;
    }

    if (*upload_data_size) {
        if (req->responded) { /* answered already (413 on Content-Length) */
            *upload_data_size = 0;
            return MHD_YES;
        }
        if (req->upload) {
            req->body_bytes += *upload_data_size;
            if (s->opts.max_body_bytes && req->body_bytes > s->opts.max_body_bytes) {
                abort_too_large(req); /* deletes the temporary files too */
                return MHD_NO;
            }
            http_upload_feed(req->upload, upload_data, *upload_data_size);
            *upload_data_size = 0;
            return MHD_YES;
        }
        if (sal_buf_append(&req->body, upload_data, *upload_data_size) < 0) {
            /* A chunked body grew past the cap. */
            abort_too_large(req);
            return MHD_NO;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }

    if (req->responded) return MHD_YES;
    if (req->upload) http_upload_finish(req->upload);
    dispatch(req);
    return MHD_YES;
}

/* The method as a metrics label: standard methods as they are, anything
 * else folded into "OTHER" so clients cannot mint label values. */
static const char *metric_method(const char *m) {
    static const char *const KNOWN[] = {"GET",   "HEAD",   "POST",    "PUT",
                                        "PATCH", "DELETE", "OPTIONS", NULL};
    for (const char *const *k = KNOWN; *k; k++)
        if (strcmp(m, *k) == 0) return *k;
    return "OTHER";
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    http_server_t *s = cls;
    http_req_t *req = *con_cls;
    if (!req) return;
    *con_cls = NULL;
    double ms = sal_mono_ms() - req->start_ms;
    int status = req->status ? req->status : 499; /* client went away first */
    const char *route = req->route ? req->route->pattern : "unmatched";
    const char *method = metric_method(req->method);
    sal_metrics_http_observe(method, route, status, ms);
    if (sal_log_enabled(SAL_LOG_INFO)) {
        sal_kv_t kv[] = {
            SAL_KV_S("method", req->method),
            SAL_KV_S("route", route),
            SAL_KV_I("status", status),
            SAL_KV_D("duration_ms", ms),
            SAL_KV_I("bytes", (int64_t)req->bytes),
            SAL_KV_S("tenant", req->has_auth ? req->auth.tenant_id : NULL),
            SAL_KV_S("key_prefix", req->has_auth ? req->auth.key_prefix : NULL),
            SAL_KV_S("termination", toe == MHD_REQUEST_TERMINATED_COMPLETED_OK      ? NULL
                                    : toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? "timeout"
                                                                                    : "aborted"),
        };
        sal_log_kv(SAL_LOG_INFO, req->id, "request", kv, sizeof kv / sizeof kv[0]);
    }
    sal_buf_free(&req->body);
    http_upload_free(req->upload); /* deletes temporary files not taken */
    sal_arena_free(req->arena);
    atomic_fetch_sub(&s->inflight, 1);
}

__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap) {
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n') msg[--n] = '\0';
    sal_log_kv(SAL_LOG_DEBUG, NULL, "libmicrohttpd", (sal_kv_t[]){SAL_KV_S("detail", msg)}, 1);
}

/* ---- lifecycle ---------------------------------------------------------- */

int http_server_start(const http_server_opts_t *opts, http_router_t *router, sal_app_t *app,
                      http_server_t **out) {
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    char port[16];
    snprintf(port, sizeof port, "%d", opts->port);
    if (getaddrinfo(opts->host, port, &hints, &ai) != 0 || !ai) {
        sal_logf(SAL_LOG_ERROR, "cannot resolve listen host %s", opts->host);
        return SAL_EINVAL;
    }
    http_server_t *s = xcalloc(1, sizeof *s);
    s->router = router;
    s->app = app;
    s->opts = *opts;
    /* Without an upload directory, uploads go to the temporary directory
     * (mkostemp keeps them private there, mode 0600). */
    const char *udir = opts->upload_dir;
    if (!udir || !udir[0]) udir = getenv("TMPDIR");
    if (!udir || !udir[0]) udir = "/tmp";
    if (sal_strlcpy(s->upload_dir, udir, sizeof s->upload_dir) >= sizeof s->upload_dir) {
        sal_logf(SAL_LOG_ERROR, "upload directory path is too long: %s", udir);
        free(s);
        freeaddrinfo(ai);
        return SAL_EINVAL;
    }
    s->opts.upload_dir = s->upload_dir;
    unsigned flags =
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG | MHD_USE_TURBO;
    if (ai->ai_family == AF_INET6) flags |= MHD_USE_IPv6;
    s->daemon = MHD_start_daemon(
        flags, (uint16_t)opts->port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(opts->threads ? opts->threads : 2),
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)opts->conn_timeout_s, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)4096, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!s->daemon) {
        sal_logf(SAL_LOG_ERROR, "cannot listen on %s:%d (in use, or not permitted)", opts->host,
                 opts->port);
        free(s);
        return SAL_EIO;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : opts->port;
    *out = s;
    return 0;
}

void http_server_use(http_server_t *s, http_middleware_fn fn, void *ud) {
    if (s->nmw == MAX_MIDDLEWARE) abort(); /* a programming error, found at start-up */
    s->mw[s->nmw] = fn;
    s->mw_ud[s->nmw] = ud;
    s->nmw++;
}

int http_server_port(const http_server_t *s) { return s->port; }

void http_server_stop(http_server_t *s) {
    if (!s) return;
    MHD_socket fd = MHD_quiesce_daemon(s->daemon);
    if (fd != MHD_INVALID_SOCKET) close(fd);
    /* Let requests already being processed finish (bounded wait). */
    for (int i = 0; i < 300 && atomic_load(&s->inflight) > 0; i++) usleep(100 * 1000);
    MHD_stop_daemon(s->daemon);
    free(s);
}
