/* SPDX-License-Identifier: MIT */
/*
 * salient serve — the HTTP API. Builds the application context, the
 * router and the middleware chain, then waits for SIGTERM/SIGINT and shuts
 * down gracefully (in-flight requests finish).
 */
#include "cli/cli.h"
#include "http/http.h"
#include "knowledge/embed/embed.h"
#include "queue/queue.h"
#include "security/security.h"

#include <signal.h>
#include <string.h>

int cmd_serve(int argc, char **argv) {
    if (argc > 1) {
        fprintf(stderr, "salient serve: takes no arguments; configure it with the environment\n");
        return 2;
    }
    sal_config_t cfg;
    int rc = cli_config(&cfg);
    if (rc) return rc;

    /* Block the shutdown signals before any thread starts, so every thread
     * inherits the mask and only sigwait() below sees them. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    store_t *st = NULL;
    http_router_t *router = NULL;
    sec_limiter_t *limiter = NULL;
    http_server_t *server = NULL;
    embed_model_t *model = NULL;
    int status = 1;

    if (cfg.redis_url)
        sal_logf(SAL_LOG_WARN, "REDIS_URL is set, but the Redis backends are not in this build "
                               "yet; queue, cache and rate limits stay in-process");
    if ((rc = cli_store(&cfg, &st))) {
        status = rc;
        goto done;
    }
    limiter = sec_limiter_new(cfg.rate_per_s, cfg.rate_burst);
    sal_app_t app = {.cfg = &cfg, .store = st, .limiter = limiter, .started_ms = sal_now_ms()};
    /* Without its model the service still answers (keys, health), but
     * /readyz reports it and says why. */
    if (embed_model_load(cfg.model_dir, &model, app.model_error, sizeof app.model_error) < 0)
        sal_log_kv(SAL_LOG_ERROR, NULL, "embedding model unavailable",
                   (sal_kv_t[]){SAL_KV_S("dir", cfg.model_dir), SAL_KV_S("error", app.model_error),
                                SAL_KV_S("hint", "run `salient model fetch`")},
                   3);
    app.model = model;

    router = http_router_new();
    if (http_router_add_all(router, http_ops_routes, http_ops_routes_n) < 0 ||
        http_router_add_all(router, sec_routes, sec_routes_n) < 0 ||
        http_router_add_all(router, queue_routes, queue_routes_n) < 0) {
        fprintf(stderr, "salient: route table is inconsistent\n");
        goto done;
    }
    http_server_opts_t opts = {.host = cfg.listen_host,
                               .port = cfg.listen_port,
                               .threads = (unsigned)cfg.threads,
                               .conn_timeout_s = (unsigned)cfg.conn_timeout_s,
                               .max_body_bytes = cfg.max_body_bytes};
    if (http_server_start(&opts, router, &app, &server) < 0) {
        fprintf(stderr, "salient: cannot listen on %s\n", cfg.listen);
        goto done;
    }
    http_server_use(server, sec_mw_auth, NULL);
    http_server_use(server, sec_mw_ratelimit, limiter);
    http_server_use(server, sec_mw_scope, NULL);

    sal_log_kv(SAL_LOG_INFO, NULL, "listening",
               (sal_kv_t[]){SAL_KV_S("host", cfg.listen_host),
                            SAL_KV_I("port", http_server_port(server)),
                            SAL_KV_S("version", SALIENT_VERSION),
                            SAL_KV_S("store", store_backend(st)), SAL_KV_I("threads", cfg.threads)},
               5);

    int sig = 0;
    sigwait(&sigs, &sig);
    sal_log_kv(SAL_LOG_INFO, NULL, "shutting down",
               (sal_kv_t[]){SAL_KV_S("signal", sig == SIGTERM ? "SIGTERM" : "SIGINT")}, 1);
    status = 0;

done:
    http_server_stop(server);
    http_router_free(router);
    sec_limiter_free(limiter);
    embed_model_free(model);
    store_close(st);
    if (status == 0) sal_logf(SAL_LOG_INFO, "stopped");
    sal_config_free(&cfg);
    return status;
}
