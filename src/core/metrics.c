/* SPDX-License-Identifier: MIT */
/*
 * The Prometheus metrics registry: the HTTP request counter and latency
 * histogram by method, route template and status; simple labelled counters
 * that other modules declare (jobs, ingestion, tokens); process metrics read
 * from /proc. Rendered in the text exposition format.
 */
#include "core/core.h"

#include <dirent.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

static const double BUCKETS_S[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                   0.1,    0.25,  0.5,    1,     2.5,  5,     10};
#define NBUCKETS (sizeof BUCKETS_S / sizeof BUCKETS_S[0])

typedef struct {
    char method[8];
    char route[96];
    int status;
    uint64_t count;
    double sum_s;
    uint64_t buckets[NBUCKETS]; /* non-cumulative; summed when rendered */
} http_series_t;

#define MAX_HTTP_SERIES 1024

typedef struct {
    char name[64];
    char help[128];
    char label[32];
} family_t;

typedef struct {
    int family;
    char value[64];
    double v;
} counter_t;

#define MAX_FAMILIES 64
#define MAX_COUNTERS 1024

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static http_series_t http_series[MAX_HTTP_SERIES];
static size_t http_n;
static family_t families[MAX_FAMILIES];
static size_t families_n;
static counter_t counters[MAX_COUNTERS];
static size_t counters_n;
static double process_start_s;

__attribute__((constructor)) static void metrics_init(void) {
    process_start_s = (double)sal_now_ms() / 1000.0;
}

void sal_metrics_http_observe(const char *method, const char *route, int status,
                              double duration_ms) {
    double s = duration_ms / 1000.0;
    pthread_mutex_lock(&lock);
    http_series_t *hs = NULL;
    for (size_t i = 0; i < http_n; i++) {
        http_series_t *c = &http_series[i];
        if (c->status == status && strcmp(c->route, route) == 0 && strcmp(c->method, method) == 0) {
            hs = c;
            break;
        }
    }
    if (!hs && http_n < MAX_HTTP_SERIES) {
        hs = &http_series[http_n++];
        /* methods are router-known or "OTHER": never client-chosen text */
        sal_strlcpy(hs->method, method, sizeof hs->method);
        sal_strlcpy(hs->route, route, sizeof hs->route);
        hs->status = status;
    }
    if (hs) {
        hs->count++;
        hs->sum_s += s;
        for (size_t b = 0; b < NBUCKETS; b++)
            if (s <= BUCKETS_S[b]) {
                hs->buckets[b]++;
                break;
            }
    }
    pthread_mutex_unlock(&lock);
}

static int family_find(const char *name) {
    for (size_t i = 0; i < families_n; i++)
        if (strcmp(families[i].name, name) == 0) return (int)i;
    return -1;
}

void sal_metrics_counter_declare(const char *name, const char *help, const char *label) {
    pthread_mutex_lock(&lock);
    if (family_find(name) < 0 && families_n < MAX_FAMILIES) {
        family_t *f = &families[families_n++];
        sal_strlcpy(f->name, name, sizeof f->name);
        sal_strlcpy(f->help, help, sizeof f->help);
        sal_strlcpy(f->label, label ? label : "", sizeof f->label);
    }
    pthread_mutex_unlock(&lock);
}

void sal_metrics_counter_add(const char *name, const char *label_value, double v) {
    pthread_mutex_lock(&lock);
    int f = family_find(name);
    if (f >= 0) {
        counter_t *c = NULL;
        for (size_t i = 0; i < counters_n && !c; i++)
            if (counters[i].family == f && strcmp(counters[i].value, label_value) == 0)
                c = &counters[i];
        if (!c && counters_n < MAX_COUNTERS) {
            c = &counters[counters_n++];
            c->family = f;
            sal_strlcpy(c->value, label_value, sizeof c->value);
        }
        if (c) c->v += v;
    }
    pthread_mutex_unlock(&lock);
}

/* Label values are escaped per the exposition format. */
static void put_label(sal_buf_t *out, const char *s) {
    for (; *s; s++) {
        if (*s == '\\' || *s == '"') sal_buf_append(out, "\\", 1);
        if (*s == '\n') {
            sal_buf_puts(out, "\\n");
            continue;
        }
        sal_buf_append(out, s, 1);
    }
}

static void http_labels(sal_buf_t *out, const http_series_t *hs) {
    sal_buf_puts(out, "method=\"");
    put_label(out, hs->method);
    sal_buf_puts(out, "\",route=\"");
    put_label(out, hs->route);
    sal_buf_printf(out, "\",status=\"%d\"", hs->status);
}

static void render_process(sal_buf_t *out) {
    long ticks = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
    unsigned long utime = 0, stime = 0, vsize = 0;
    long rss = 0;
    FILE *f = fopen("/proc/self/stat", "r");
    if (f) {
        char buf[1024];
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        /* skip "pid (comm)" — comm may contain spaces and parentheses */
        char *p = strrchr(buf, ')');
        if (p)
            sscanf(p + 2,
                   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d "
                   "%*d %*d %*u %lu %ld",
                   &utime, &stime, &vsize, &rss);
    }
    long fds = 0;
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)))
            if (e->d_name[0] != '.') fds++;
        closedir(d);
        fds--; /* the directory stream itself */
    }
    sal_buf_printf(
        out,
        "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
        "# TYPE process_cpu_seconds_total counter\n"
        "process_cpu_seconds_total %.2f\n"
        "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
        "# TYPE process_resident_memory_bytes gauge\n"
        "process_resident_memory_bytes %ld\n"
        "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
        "# TYPE process_virtual_memory_bytes gauge\n"
        "process_virtual_memory_bytes %lu\n"
        "# HELP process_open_fds Number of open file descriptors.\n"
        "# TYPE process_open_fds gauge\n"
        "process_open_fds %ld\n"
        "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
        "# TYPE process_start_time_seconds gauge\n"
        "process_start_time_seconds %.3f\n",
        ticks > 0 ? (double)(utime + stime) / (double)ticks : 0.0, rss * page, vsize,
        fds < 0 ? 0 : fds, process_start_s);
}

int sal_metrics_render(sal_buf_t *out) {
    pthread_mutex_lock(&lock);
    sal_buf_puts(out, "# HELP salient_build_info Build information.\n"
                      "# TYPE salient_build_info gauge\n"
                      "salient_build_info{version=\"" SALIENT_VERSION "\"} 1\n");
    sal_buf_puts(out, "# HELP salient_http_requests_total HTTP requests by method, route "
                      "template and status.\n"
                      "# TYPE salient_http_requests_total counter\n");
    for (size_t i = 0; i < http_n; i++) {
        sal_buf_puts(out, "salient_http_requests_total{");
        http_labels(out, &http_series[i]);
        sal_buf_printf(out, "} %llu\n", (unsigned long long)http_series[i].count);
    }
    sal_buf_puts(out, "# HELP salient_http_request_duration_seconds HTTP request latency by "
                      "method, route template and status.\n"
                      "# TYPE salient_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i < http_n; i++) {
        const http_series_t *hs = &http_series[i];
        uint64_t cum = 0;
        for (size_t b = 0; b < NBUCKETS; b++) {
            cum += hs->buckets[b];
            sal_buf_puts(out, "salient_http_request_duration_seconds_bucket{");
            http_labels(out, hs);
            sal_buf_printf(out, ",le=\"%g\"} %llu\n", BUCKETS_S[b], (unsigned long long)cum);
        }
        sal_buf_puts(out, "salient_http_request_duration_seconds_bucket{");
        http_labels(out, hs);
        sal_buf_printf(out, ",le=\"+Inf\"} %llu\n", (unsigned long long)hs->count);
        sal_buf_puts(out, "salient_http_request_duration_seconds_sum{");
        http_labels(out, hs);
        sal_buf_printf(out, "} %.6f\n", hs->sum_s);
        sal_buf_puts(out, "salient_http_request_duration_seconds_count{");
        http_labels(out, hs);
        sal_buf_printf(out, "} %llu\n", (unsigned long long)hs->count);
    }
    for (size_t f = 0; f < families_n; f++) {
        const family_t *fam = &families[f];
        sal_buf_printf(out, "# HELP %s %s\n# TYPE %s counter\n", fam->name, fam->help, fam->name);
        for (size_t i = 0; i < counters_n; i++) {
            if (counters[i].family != (int)f) continue;
            if (fam->label[0]) {
                sal_buf_printf(out, "%s{%s=\"", fam->name, fam->label);
                put_label(out, counters[i].value);
                sal_buf_printf(out, "\"} %.17g\n", counters[i].v);
            } else {
                sal_buf_printf(out, "%s %.17g\n", fam->name, counters[i].v);
            }
        }
    }
    pthread_mutex_unlock(&lock);
    render_process(out);
    return 0;
}
