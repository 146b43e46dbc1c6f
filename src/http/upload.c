/* SPDX-License-Identifier: MIT */
/*
 * The upload sink behind HTTP_ROUTE_UPLOAD: the multipart parser's
 * callbacks store plain fields in the request's arena and stream each file
 * part into its own temporary file (mkostemp, mode 0600, under the
 * server's upload directory), hashing it with SHA-256 on the way, so a
 * file is never held in memory. The first error is remembered and
 * reported by http_req_form(); on any error the temporary files are
 * deleted at once, and whatever is still there when the request completes
 * is deleted then, unless http_part_take() moved it away.
 */
#include "http/http_int.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define UPLOAD_MAX_PARTS 32

struct http_upload {
    http_req_t *req;
    http_mp_t *mp;
    const char *dir;
    bool dir_made;
    int rc;          /* the first error, 0 when none */
    int status;      /* the HTTP status it calls for */
    const char *msg; /* client-safe detail (static), NULL for a 500 */
    bool finished;
    http_part_t *parts; /* arena, UPLOAD_MAX_PARTS */
    bool *taken;
    size_t n;
    /* the part being received */
    http_part_t *cur;
    sal_buf_t field;
    int fd;
    crypto_hash_sha256_state sha;
};

static void set_error(http_upload_t *u, int rc, int status, const char *msg) {
    if (u->rc) return;
    u->rc = rc;
    u->status = status;
    u->msg = msg;
}

static void log_io(http_upload_t *u, const char *what, const char *path, int err) {
    sal_log_kv(SAL_LOG_ERROR, u->req->id, what,
               (sal_kv_t[]){SAL_KV_S("path", path), SAL_KV_S("error", strerror(err))}, 2);
}

/* ---- parser callbacks ---------------------------------------------------- */

static int on_part_begin(void *ud, const http_mp_part_t *info) {
    http_upload_t *u = ud;
    sal_arena_t *a = u->req->arena;
    if (u->n == UPLOAD_MAX_PARTS) { /* the parser's limit is the same; kept as a guard */
        set_error(u, SAL_ELIMIT, 400, "multipart body: too many parts");
        return SAL_ELIMIT;
    }
    http_part_t *part = &u->parts[u->n];
    memset(part, 0, sizeof *part);
    part->name = sal_arena_strdup(a, info->name);
    part->filename = info->filename ? sal_arena_strdup(a, info->filename) : NULL;
    part->content_type = info->content_type ? sal_arena_strdup(a, info->content_type) : NULL;
    u->taken[u->n] = false;
    u->n++;
    u->cur = part;
    if (!info->filename) {
        sal_buf_reset(&u->field);
        return 0;
    }
    if (!u->dir_made) {
        if (sal_mkdir_p(u->dir, 0750) < 0) {
            log_io(u, "upload: cannot create the upload directory", u->dir, errno);
            set_error(u, SAL_EIO, 500, NULL);
            return SAL_EIO;
        }
        u->dir_made = true;
    }
    char *path = sal_arena_printf(a, "%s/upload-XXXXXX", u->dir);
    /* The path is recorded before the file exists, so that any later
     * failure still finds and deletes it. */
    u->fd = mkostemp(path, O_CLOEXEC);
    if (u->fd < 0) {
        log_io(u, "upload: cannot create a temporary file", u->dir, errno);
        set_error(u, SAL_EIO, 500, NULL);
        return SAL_EIO;
    }
    part->path = path;
    crypto_hash_sha256_init(&u->sha);
    return 0;
}

static int on_part_data(void *ud, const char *data, size_t len) {
    http_upload_t *u = ud;
    http_part_t *part = u->cur;
    if (!part->filename) {
        if (sal_buf_append(&u->field, data, len) < 0) { /* the parser caps fields first */
            set_error(u, SAL_ELIMIT, 413, "multipart body: field value too large");
            return SAL_ELIMIT;
        }
        return 0;
    }
    crypto_hash_sha256_update(&u->sha, (const unsigned char *)data, len);
    part->size += len;
    while (len) {
        ssize_t w = write(u->fd, data, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            log_io(u, "upload: cannot write a temporary file", part->path, w < 0 ? errno : EIO);
            set_error(u, SAL_EIO, 500, NULL);
            return SAL_EIO;
        }
        data += w;
        len -= (size_t)w;
    }
    return 0;
}

static int on_part_end(void *ud) {
    http_upload_t *u = ud;
    http_part_t *part = u->cur;
    u->cur = NULL;
    if (!part->filename) {
        part->value =
            sal_arena_strndup(u->req->arena, u->field.data ? u->field.data : "", u->field.len);
        part->len = u->field.len;
        return 0;
    }
    int fd = u->fd;
    u->fd = -1;
    if (close(fd) < 0) {
        log_io(u, "upload: cannot write a temporary file", part->path, errno);
        set_error(u, SAL_EIO, 500, NULL);
        return SAL_EIO;
    }
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&u->sha, digest);
    sodium_bin2hex(part->sha256, sizeof part->sha256, digest, sizeof digest);
    return 0;
}

/* ---- the upload ----------------------------------------------------------- */

http_upload_t *http_upload_new(http_req_t *req, const char *dir, const char *boundary,
                               int boundary_rc) {
    sal_arena_t *a = req->arena;
    http_upload_t *u = sal_arena_alloc(a, sizeof *u);
    memset(u, 0, sizeof *u);
    u->req = req;
    u->dir = sal_arena_strdup(a, dir);
    u->fd = -1;
    u->parts = sal_arena_alloc(a, UPLOAD_MAX_PARTS * sizeof *u->parts);
    u->taken = sal_arena_alloc(a, UPLOAD_MAX_PARTS * sizeof *u->taken);
    sal_buf_init(&u->field, 0);
    if (boundary_rc != 0) {
        set_error(u, SAL_EINVAL, 400, "multipart body: bad boundary parameter");
        return u;
    }
    static const http_mp_callbacks_t cb = {on_part_begin, on_part_data, on_part_end};
    http_mp_limits_t lim = {.max_parts = UPLOAD_MAX_PARTS};
    u->mp = http_mp_new(boundary, &lim, &cb, u);
    if (!u->mp) set_error(u, SAL_EINVAL, 400, "multipart body: bad boundary parameter");
    return u;
}

void http_upload_discard(http_upload_t *u) {
    if (!u) return;
    if (u->fd >= 0) close(u->fd);
    u->fd = -1;
    for (size_t i = 0; i < u->n; i++) {
        if (!u->parts[i].path || u->taken[i]) continue;
        if (unlink(u->parts[i].path) < 0 && errno != ENOENT)
            log_io(u, "upload: cannot delete a temporary file", u->parts[i].path, errno);
        u->parts[i].path = NULL;
    }
}

static void after_parse(http_upload_t *u, int r) {
    if (r == 0) return;
    /* A parser error (not one of ours, which set_error recorded first). */
    int status = http_mp_error_status(u->mp);
    set_error(u, r, status ? status : 500, status ? http_mp_error(u->mp) : NULL);
    http_upload_discard(u);
}

void http_upload_feed(http_upload_t *u, const char *data, size_t len) {
    if (u->rc || u->finished) return;
    after_parse(u, http_mp_feed(u->mp, data, len));
}

void http_upload_finish(http_upload_t *u) {
    if (u->finished) return;
    u->finished = true;
    if (u->rc) {
        http_upload_discard(u);
        return;
    }
    after_parse(u, http_mp_finish(u->mp));
}

void http_upload_free(http_upload_t *u) {
    if (!u) return;
    http_upload_discard(u);
    http_mp_free(u->mp);
    sal_buf_free(&u->field);
}

/* ---- the public side ------------------------------------------------------ */

int http_req_form(http_req_t *req, const http_part_t **parts, size_t *n) {
    *parts = NULL;
    *n = 0;
    if (!req->upload) {
        /* Not streamed: either not multipart, or a route without
         * HTTP_ROUTE_UPLOAD that buffered it; parse that buffer now. */
        char boundary[HTTP_MP_BOUNDARY_MAX + 1];
        int brc = http_mp_boundary(http_req_header(req, "Content-Type"), boundary, sizeof boundary);
        if (brc == SAL_ENOTFOUND) return SAL_ENOTFOUND;
        req->upload = http_upload_new(req, http_req_upload_dir(req), boundary, brc);
        http_upload_feed(req->upload, req->body.data ? req->body.data : "", req->body.len);
    }
    http_upload_t *u = req->upload;
    http_upload_finish(u); /* no-op when the server did it at the end of the body */
    if (u->rc) {
        if (u->status == 500) {
            http_problem_send(req, 500, NULL, NULL);
            return SAL_EIO;
        }
        http_problem_send(req, u->status, u->msg, NULL);
        return SAL_EINVAL;
    }
    *parts = u->parts;
    *n = u->n;
    return 0;
}

const http_part_t *http_form_get(const http_part_t *parts, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(parts[i].name, name) == 0) return &parts[i];
    return NULL;
}

/* Copies src to dest through a temporary file beside dest, so dest is
 * either the whole copy or untouched; for a dest on another file system. */
static int copy_file(http_upload_t *u, const char *src, const char *dest) {
    int rc = SAL_EIO, in = -1, out = -1;
    char *tmp = sal_arena_printf(u->req->arena, "%s.XXXXXX", dest);
    char *buf = NULL;
    if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0) {
        log_io(u, "upload: cannot read a temporary file", src, errno);
        goto fail;
    }
    if ((out = mkostemp(tmp, O_CLOEXEC)) < 0) {
        log_io(u, "upload: cannot create the destination", dest, errno);
        tmp = NULL;
        goto fail;
    }
    buf = xmalloc(64 * 1024);
    for (;;) {
        ssize_t r = read(in, buf, 64 * 1024);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            log_io(u, "upload: cannot read a temporary file", src, errno);
            goto fail;
        }
        if (r == 0) break;
        for (ssize_t off = 0; off < r;) {
            ssize_t w = write(out, buf + off, (size_t)(r - off));
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) {
                log_io(u, "upload: cannot write the destination", tmp, w < 0 ? errno : EIO);
                goto fail;
            }
            off += w;
        }
    }
    if (fsync(out) < 0 || close(out) < 0) {
        out = -1;
        log_io(u, "upload: cannot write the destination", tmp, errno);
        goto fail;
    }
    out = -1;
    if (rename(tmp, dest) < 0) {
        log_io(u, "upload: cannot move a file into place", dest, errno);
        goto fail;
    }
    tmp = NULL;
    unlink(src);
    rc = 0;
fail:
    if (out >= 0) close(out);
    if (in >= 0) close(in);
    if (tmp) unlink(tmp);
    free(buf);
    return rc;
}

int http_part_take(http_req_t *req, const http_part_t *part, const char *dest) {
    http_upload_t *u = req->upload;
    if (!u || u->rc || !part || part < u->parts || part >= u->parts + u->n || !part->path)
        return SAL_EINVAL;
    size_t i = (size_t)(part - u->parts);
    if (u->taken[i]) return SAL_EINVAL;
    if (rename(part->path, dest) == 0) {
        u->taken[i] = true;
        return 0;
    }
    if (errno != EXDEV) {
        log_io(u, "upload: cannot move a file into place", dest, errno);
        return SAL_EIO;
    }
    if (copy_file(u, part->path, dest) < 0) return SAL_EIO;
    u->taken[i] = true;
    return 0;
}
