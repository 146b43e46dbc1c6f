/* SPDX-License-Identifier: MIT */
/*
 * core — the pieces every other module stands on: error codes, checked
 * allocation, arenas and capped buffers, time, time-ordered ids, JSON-lines
 * logging, the configuration contract of API.md, JSON body validation on
 * jansson, and the Prometheus metrics registry.
 *
 * Nothing here knows about HTTP, SQL or the sales domain.
 *
 *     sal_config_t cfg;
 *     char err[256];
 *     if (sal_config_load(&cfg, ".env", err, sizeof err) < 0) {
 *         fprintf(stderr, "salient: %s\n", err);
 *         return 2;
 *     }
 *     sal_log_set_level(cfg.log_level);
 *     char id[SAL_ID_CAP];
 *     sal_id_new("key", id, sizeof id);   // "key_01JD…"
 */
#ifndef SALIENT_CORE_H
#define SALIENT_CORE_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SALIENT_VERSION "0.1.0"

/* ---- errors ------------------------------------------------------------ */

/* Functions that can fail return 0 or one of these negative codes. */
enum {
    SAL_OK = 0,
    SAL_ENOMEM = -1,    /* a capped buffer reached its cap */
    SAL_EINVAL = -2,    /* bad argument or input */
    SAL_ENOTFOUND = -3, /* no such row / file / route */
    SAL_EEXIST = -4,    /* already exists */
    SAL_EIO = -5,       /* file or socket error */
    SAL_ESTORE = -6,    /* the database failed */
    SAL_ECONFLICT = -7, /* stale version, busy */
    SAL_EPERM = -8,     /* not allowed */
    SAL_ELIMIT = -9,    /* over a limit (rate, size) */
    SAL_EUNAVAIL = -10, /* dependency not available */
};

/* Returns a static, human-readable name for a SAL_E* code. */
const char *sal_strerror(int code);

/* ---- memory ------------------------------------------------------------ */

/* Allocation for internal bookkeeping: aborts with a message on failure.
 * Anything sized by a client goes through sal_buf_t with a cap instead. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Bump allocator; everything allocated from it is freed by
 * sal_arena_free(). One per HTTP request. */
typedef struct sal_arena sal_arena_t;
sal_arena_t *sal_arena_new(void);
void *sal_arena_alloc(sal_arena_t *a, size_t n);
char *sal_arena_strndup(sal_arena_t *a, const char *s, size_t n);
char *sal_arena_strdup(sal_arena_t *a, const char *s);
char *sal_arena_printf(sal_arena_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sal_arena_free(sal_arena_t *a); /* accepts NULL */

/* Growable byte buffer with a hard cap (max == 0: no cap). Always kept
 * NUL-terminated. Appends past the cap fail with SAL_ENOMEM and leave the
 * buffer unchanged. */
typedef struct {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
} sal_buf_t;
void sal_buf_init(sal_buf_t *b, size_t max);
int sal_buf_append(sal_buf_t *b, const void *p, size_t n);
int sal_buf_puts(sal_buf_t *b, const char *s);
int sal_buf_printf(sal_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sal_buf_reset(sal_buf_t *b);
void sal_buf_free(sal_buf_t *b); /* accepts NULL */

/* Copies src into dst (cap bytes), always terminating; returns the length
 * of src, so a result >= cap means it was truncated. */
size_t sal_strlcpy(char *dst, const char *src, size_t cap);

/* ---- files and messages ------------------------------------------------ */

/* Creates dir and its missing parents with mode. SAL_EINVAL when the path
 * is too long, SAL_EIO when a directory cannot be made. */
int sal_mkdir_p(const char *dir, unsigned mode);
/* Writes dir + "/" + name to out; false (out unchanged) when it does not
 * fit in cap. */
bool sal_path_join(char *out, size_t cap, const char *dir, const char *name);
/* snprintf into an optional error buffer (err may be NULL or cap 0). */
void sal_errf(char *err, size_t errcap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- time -------------------------------------------------------------- */

int64_t sal_now_ms(void); /* wall clock, ms since the epoch */
double sal_mono_ms(void); /* monotonic clock, ms */
#define SAL_TIME_CAP 32
/* Formats ms since the epoch as RFC 3339 UTC, "2026-11-25T16:05:46Z". */
void sal_time_format(int64_t ms, char out[SAL_TIME_CAP]);

/* ---- ids --------------------------------------------------------------- */

/* "prefix_" + 26 Crockford base32 chars: 48-bit ms time then 80 random
 * bits, monotonic within the process (ULID-like), so ids sort by creation. */
#define SAL_ID_CAP 40
void sal_id_new(const char *prefix, char *out, size_t cap);
/* True when id is "prefix_" followed by a well-formed 26-char body. */
bool sal_id_valid(const char *id, const char *prefix);

/* True when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates). */
bool sal_utf8_valid(const char *s, size_t len);

/* ---- logging ----------------------------------------------------------- */

typedef enum {
    SAL_LOG_DEBUG = 0,
    SAL_LOG_INFO = 1,
    SAL_LOG_WARN = 2,
    SAL_LOG_ERROR = 3,
} sal_log_level_t;

int sal_log_level_parse(const char *s, sal_log_level_t *out);
const char *sal_log_level_name(sal_log_level_t level);
void sal_log_set_level(sal_log_level_t level);
bool sal_log_enabled(sal_log_level_t level);
/* Log lines go to this fd (default 2); tests point it at a pipe. */
void sal_log_set_fd(int fd);

/* One structured field of a log line. */
typedef struct {
    const char *key;
    enum { SAL_KV_STR, SAL_KV_INT, SAL_KV_DBL } type;
    union {
        const char *s;
        int64_t i;
        double d;
    } v;
} sal_kv_t;
#define SAL_KV_S(k, x) ((sal_kv_t){.key = (k), .type = SAL_KV_STR, .v.s = (x)})
#define SAL_KV_I(k, x) ((sal_kv_t){.key = (k), .type = SAL_KV_INT, .v.i = (x)})
#define SAL_KV_D(k, x) ((sal_kv_t){.key = (k), .type = SAL_KV_DBL, .v.d = (x)})

/* Writes one JSON line {"ts","level","msg","request_id",fields...} with a
 * single write(). request_id may be NULL; NULL string fields are skipped.
 * Never pass secrets: the logger cannot tell them apart. */
void sal_log_kv(sal_log_level_t level, const char *request_id, const char *msg, const sal_kv_t *kv,
                size_t n);
/* Convenience: a message formatted printf-style, no fields. */
void sal_logf(sal_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- configuration ----------------------------------------------------- */

/* The effective configuration (API.md "Command-line and configuration
 * contract"). All strings are owned by the struct; free with
 * sal_config_free(). */
typedef struct {
    char *listen;       /* SALIENT_LISTEN as given */
    char *listen_host;  /* parsed host */
    int listen_port;    /* parsed port (0 = any free port) */
    char *data_dir;     /* SALIENT_DATA_DIR */
    char *database_url; /* DATABASE_URL */
    char *redis_url;    /* REDIS_URL or NULL */
    char *model_dir;    /* SALIENT_MODEL_DIR */
    sal_log_level_t log_level;
    size_t max_body_bytes; /* SALIENT_MAX_BODY_MB in bytes */
    char *rate_limit;      /* SALIENT_RATE_LIMIT as given */
    double rate_per_s;     /* parsed refill rate */
    double rate_burst;     /* parsed bucket size */
    char *llm_provider;    /* "local" | "openai" */
    char *openai_api_key;  /* secret, may be NULL */
    char *openai_base_url;
    char *openai_model;
    int threads;        /* SALIENT_THREADS: HTTP worker threads */
    int conn_timeout_s; /* SALIENT_CONN_TIMEOUT_S: idle connection timeout */
    /* Where each value came from, for `salient config`. */
    const char *origin[24];
} sal_config_t;

/* Loads from the environment, then `dotenv_path` (may be NULL or missing;
 * the environment wins), then X_FILE for each variable X, then defaults,
 * and validates. On failure returns SAL_EINVAL with a one-line message
 * naming the bad variable in err. */
int sal_config_load(sal_config_t *out, const char *dotenv_path, char *err, size_t errcap);
void sal_config_free(sal_config_t *cfg);
/* Renders the effective configuration with secrets (API keys, passwords in
 * URLs) redacted. Returns a new object; the caller owns it. */
json_t *sal_config_to_json(const sal_config_t *cfg);
/* Copies url into out (cap bytes) with any password replaced by "***". */
void sal_url_redact(const char *url, char *out, size_t cap);

/* ---- JSON bodies ------------------------------------------------------- */

/* Parses a request body that must be one JSON object. Rejects invalid
 * UTF-8, duplicate keys, trailing garbage and non-objects. On failure
 * returns SAL_EINVAL and a short client-safe reason in err. */
int sal_json_parse_object(const char *buf, size_t len, json_t **out, char *err, size_t errcap);

typedef enum {
    SAL_JT_STRING,
    SAL_JT_INT,
    SAL_JT_NUMBER,
    SAL_JT_BOOL,
    SAL_JT_STRING_ARRAY,
    SAL_JT_OBJECT,
} sal_json_type_t;

/* One expected field of a JSON object. For strings min/max bound the
 * length in characters, for numbers the value, for arrays the item count
 * (min == max == 0: unbounded). enum_values, when set, is a NULL-terminated
 * list every string (or array item) must be one of. */
typedef struct {
    const char *name;
    sal_json_type_t type;
    bool required;
    double min, max;
    const char *const *enum_values;
} sal_field_t;

/* Checks obj against fields and returns a new array of
 * {"field","message"} objects, one per problem (empty when valid). Unknown
 * fields are reported when reject_unknown is set. */
json_t *sal_json_validate(const json_t *obj, const sal_field_t *fields, size_t n,
                          bool reject_unknown);

/* ---- metrics ----------------------------------------------------------- */

/* Records one finished HTTP request (route is the route template, or
 * "unmatched"). Thread-safe. */
void sal_metrics_http_observe(const char *method, const char *route, int status,
                              double duration_ms);
/* Adds v to a counter series identified by name and one optional label
 * ("" for none). Families must be declared first. Thread-safe. */
void sal_metrics_counter_declare(const char *name, const char *help, const char *label);
void sal_metrics_counter_add(const char *name, const char *label_value, double v);
/* Appends the Prometheus text exposition (HTTP series, counters and
 * process_* metrics) to out. */
int sal_metrics_render(sal_buf_t *out);

/* ---- the application context ------------------------------------------ */

struct store;
struct sec_limiter;
struct embed_model;
struct queue;
struct knowledge;

/* What handlers and services need, built once by `serve`. Borrowed
 * everywhere; owned by the command that built it. */
typedef struct sal_app {
    const sal_config_t *cfg;
    struct store *store;
    struct sec_limiter *limiter;
    struct embed_model *model;   /* NULL when it failed to load */
    char model_error[256];       /* why, for /readyz and the log */
    struct queue *queue;         /* background jobs */
    struct knowledge *knowledge; /* sources, chunks, search */
    int64_t started_ms;
} sal_app_t;

#endif
