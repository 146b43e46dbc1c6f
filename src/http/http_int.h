/* SPDX-License-Identifier: MIT */
/* Private to http/: the request structure shared by server.c, ops.c and
 * upload.c, the streaming multipart/form-data parser (multipart.c, also
 * reached by the fuzz target) and the upload sink built on it (upload.c). */
#ifndef SALIENT_HTTP_INT_H
#define SALIENT_HTTP_INT_H

#include "http/http.h"

#include <microhttpd.h>

#define HTTP_MAX_RESP_HEADERS 16

/* ---- multipart/form-data parser (multipart.c) --------------------------- */

/* A push parser for multipart/form-data bodies (RFC 7578 over RFC 2046).
 * Feed it the body in chunks of any size, split anywhere; it calls back
 * with each part's parsed headers, its data (in pieces, split anywhere,
 * never buffered beyond a delimiter-length lookbehind) and its end. Work
 * is O(n) in the body; memory is the header block of one part (capped)
 * plus the delimiter.
 *
 * Line ends must be CRLF, as RFC 2046 requires: a bare LF is part data
 * inside a part and an error in part headers and boundary lines (every
 * browser, curl and the usual client libraries send CRLF; accepting LF
 * would make "\n--boundary" inside file data end the part). The preamble
 * and epilogue are ignored; padding (spaces, tabs) after a boundary is
 * allowed; a delimiter followed by anything but padding+CRLF or "--" is an
 * error, not data. Part headers: names case-insensitive, obs-fold and NUL
 * rejected; Content-Disposition must be form-data with a non-empty name;
 * name and filename take a token or a quoted-string (backslash escapes any
 * character); filename*=UTF-8'lang'%xx (RFC 5987) wins over filename. */

#define HTTP_MP_BOUNDARY_MAX 70

typedef struct http_mp http_mp_t;

/* 0 in a field picks its default. */
typedef struct {
    size_t max_parts;        /* default 32 */
    size_t max_header_bytes; /* the header block of one part, default 8 KiB */
    size_t max_field_bytes;  /* the value of one plain (non-file) part, 64 KiB */
} http_mp_limits_t;

/* A part's headers, as the part_begin callback sees them; the strings are
 * the parser's, valid until that part's part_end returns. */
typedef struct {
    const char *name;         /* non-empty */
    const char *filename;     /* NULL when absent; may be "" */
    const char *content_type; /* the header value trimmed, NULL when absent */
} http_mp_part_t;

/* Each callback returns 0, or a negative SAL_E* code that stops the parser
 * (feed and finish then return that code; the message is "multipart body:
 * rejected"). Any callback may be NULL. */
typedef struct {
    int (*part_begin)(void *ud, const http_mp_part_t *part);
    int (*part_data)(void *ud, const char *data, size_t len); /* len > 0 */
    int (*part_end)(void *ud);
} http_mp_callbacks_t;

/* Returns a new parser for the given boundary (1..70 chars, as
 * http_mp_boundary() gives it), or NULL when the boundary is not valid.
 * lim may be NULL (defaults); cb is copied; ud is passed to callbacks. */
http_mp_t *http_mp_new(const char *boundary, const http_mp_limits_t *lim,
                       const http_mp_callbacks_t *cb, void *ud);
/* Parses len more bytes. Returns 0; SAL_EINVAL for a malformed body,
 * SAL_ELIMIT past a limit, or a callback's code. After an error every
 * later feed or finish returns the same code and calls nothing. */
int http_mp_feed(http_mp_t *p, const char *data, size_t len);
/* Ends the body: SAL_EINVAL ("missing closing boundary") unless the
 * closing delimiter was seen; otherwise 0 (or the earlier error). */
int http_mp_finish(http_mp_t *p);
/* A short client-safe message for the error, "" when none. */
const char *http_mp_error(const http_mp_t *p);
/* The HTTP status the error calls for: 413 for a field value over its
 * limit, 400 for any other parse or limit error, 0 when none (or when a
 * callback stopped the parser). */
int http_mp_error_status(const http_mp_t *p);
/* The number of parts begun so far. */
size_t http_mp_parts(const http_mp_t *p);
void http_mp_free(http_mp_t *p); /* accepts NULL */

/* Extracts the boundary of a Content-Type value into out (cap >= 71).
 * Returns 0; SAL_ENOTFOUND when the media type is not multipart/form-data
 * (or content_type is NULL); SAL_EINVAL when it is, but the boundary
 * parameter is missing, empty, longer than 70 or has characters RFC 2046
 * does not allow. */
int http_mp_boundary(const char *content_type, char *out, size_t cap);

/* ---- uploads (upload.c) ------------------------------------------------- */

typedef struct http_upload http_upload_t;

/* Starts receiving a multipart body for req into temporary files under
 * dir (created 0750 when missing). boundary_rc is http_mp_boundary()'s
 * result: when not 0 the upload only remembers the error. Returns a new
 * upload; freed (and its temporary files deleted) by http_upload_free(). */
http_upload_t *http_upload_new(http_req_t *req, const char *dir, const char *boundary,
                               int boundary_rc);
/* Feeds body bytes; after the first error, bytes are dropped. */
void http_upload_feed(http_upload_t *u, const char *data, size_t len);
/* Marks the end of the body. */
void http_upload_finish(http_upload_t *u);
/* Deletes the temporary files now (a refused or aborted body). */
void http_upload_discard(http_upload_t *u);
/* Deletes what was not taken, frees everything; accepts NULL. */
void http_upload_free(http_upload_t *u);
/* The server's upload directory: opts.upload_dir, or $TMPDIR (else /tmp)
 * when that was NULL or empty (server.c). */
const char *http_req_upload_dir(const http_req_t *req);

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
    http_upload_t *upload; /* multipart body on an HTTP_ROUTE_UPLOAD route */
    uint64_t body_bytes;   /* received so far, for the cap on uploads */
    bool responded;
    int status;
    size_t bytes;
    bool has_auth;
    http_auth_t auth;
    const char *headers[HTTP_MAX_RESP_HEADERS][2];
    size_t nheaders;
};

#endif
