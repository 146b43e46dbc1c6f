/* SPDX-License-Identifier: MIT */
/*
 * JSON-lines logging. Each line is built in a stack buffer and written
 * with one write(), so lines from concurrent threads never interleave.
 */
#include "core/core.h"

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static atomic_int log_level = SAL_LOG_INFO;
static atomic_int log_fd = 2;

static const char *const LEVEL_NAMES[] = {"debug", "info", "warn", "error"};

int sal_log_level_parse(const char *s, sal_log_level_t *out) {
    for (int i = 0; i < 4; i++)
        if (strcmp(s, LEVEL_NAMES[i]) == 0) {
            *out = (sal_log_level_t)i;
            return 0;
        }
    return SAL_EINVAL;
}

const char *sal_log_level_name(sal_log_level_t level) {
    return level >= SAL_LOG_DEBUG && level <= SAL_LOG_ERROR ? LEVEL_NAMES[level] : "info";
}

void sal_log_set_level(sal_log_level_t level) { atomic_store(&log_level, level); }
bool sal_log_enabled(sal_log_level_t level) { return (int)level >= atomic_load(&log_level); }
void sal_log_set_fd(int fd) { atomic_store(&log_fd, fd); }

/* A fixed line buffer: fields past its end are dropped, the line stays
 * valid JSON. */
typedef struct {
    char buf[4096];
    size_t len;
    bool full;
} line_t;

static void put(line_t *l, const char *s, size_t n) {
    /* keep room for the closing "}\n" */
    if (l->full || l->len + n > sizeof l->buf - 2) {
        l->full = true;
        return;
    }
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

static void put_str(line_t *l, const char *s) {
    char tmp[1024];
    size_t o = 0;
    tmp[o++] = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (o > sizeof tmp - 8) break; /* long values are truncated */
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            tmp[o++] = '\\';
            tmp[o++] = (char)c;
        } else if (c == '\n') {
            tmp[o++] = '\\';
            tmp[o++] = 'n';
        } else if (c < 0x20 || c == 0x7f) {
            o += (size_t)snprintf(tmp + o, 8, "\\u%04x", c);
        } else {
            tmp[o++] = (char)c;
        }
    }
    tmp[o++] = '"';
    put(l, tmp, o);
}

static void put_key(line_t *l, const char *k) {
    put(l, ",", 1);
    put_str(l, k);
    put(l, ":", 1);
}

void sal_log_kv(sal_log_level_t level, const char *request_id, const char *msg, const sal_kv_t *kv,
                size_t n) {
    if (!sal_log_enabled(level)) return;
    int saved_errno = errno;
    line_t l = {.len = 0, .full = false};

    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char tbuf[48];
    size_t tl = strftime(tbuf, sizeof tbuf, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(tbuf + tl, sizeof tbuf - tl, ".%03ldZ", ts.tv_nsec / 1000000);

    put(&l, "{\"ts\":", 6);
    put_str(&l, tbuf);
    put_key(&l, "level");
    put_str(&l, sal_log_level_name(level));
    put_key(&l, "msg");
    put_str(&l, msg);
    if (request_id) {
        put_key(&l, "request_id");
        put_str(&l, request_id);
    }
    for (size_t i = 0; i < n && !l.full; i++) {
        char num[64];
        size_t mark = l.len;
        switch (kv[i].type) {
        case SAL_KV_STR:
            if (!kv[i].v.s) continue;
            put_key(&l, kv[i].key);
            put_str(&l, kv[i].v.s);
            break;
        case SAL_KV_INT:
            put_key(&l, kv[i].key);
            put(&l, num, (size_t)snprintf(num, sizeof num, "%lld", (long long)kv[i].v.i));
            break;
        case SAL_KV_DBL:
            put_key(&l, kv[i].key);
            if (isfinite(kv[i].v.d))
                put(&l, num, (size_t)snprintf(num, sizeof num, "%.3f", kv[i].v.d));
            else
                put(&l, "null", 4);
            break;
        }
        if (l.full) l.len = mark; /* drop a field that did not fit whole */
    }
    /* put() always leaves room for these two bytes */
    l.buf[l.len++] = '}';
    l.buf[l.len++] = '\n';
    ssize_t w = write(atomic_load(&log_fd), l.buf, l.len);
    (void)w;
    errno = saved_errno;
}

void sal_logf(sal_log_level_t level, const char *fmt, ...) {
    if (!sal_log_enabled(level)) return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sal_log_kv(level, NULL, msg, NULL, 0);
}
