/* SPDX-License-Identifier: MIT */
/* Private to http/: the request structure shared by server.c and ops.c. */
#ifndef SALIENT_HTTP_INT_H
#define SALIENT_HTTP_INT_H

#include "http/http.h"

#include <microhttpd.h>

#define HTTP_MAX_RESP_HEADERS 16

struct http_req {
    sal_arena_t *arena;
    struct http_server *server;
    struct MHD_Connection *conn;
    const char *method;
    const char *path;
    const http_route_t *route; /* NULL unless route_rc == 0 */
    int route_rc;
    char allow[128];
    http_params_t params;
    char id[136];
    double start_ms;
    sal_buf_t body;
    bool responded;
    int status;
    size_t bytes;
    bool has_auth;
    http_auth_t auth;
    const char *headers[HTTP_MAX_RESP_HEADERS][2];
    size_t nheaders;
};

#endif
