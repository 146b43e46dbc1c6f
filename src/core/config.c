/* SPDX-License-Identifier: MIT */
/*
 * The configuration contract of API.md: each variable comes from the
 * environment, else the .env file, else its default; any variable X may be
 * given as X_FILE naming a file with its value (secrets). Every value is
 * validated, and the first bad one stops start-up with a one-line message
 * naming the variable.
 */
#include "core/core.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    V_LISTEN,
    V_DATA_DIR,
    V_DATABASE_URL,
    V_REDIS_URL,
    V_MODEL_DIR,
    V_LOG_LEVEL,
    V_MAX_BODY_MB,
    V_RATE_LIMIT,
    V_LLM_PROVIDER,
    V_OPENAI_API_KEY,
    V_OPENAI_BASE_URL,
    V_OPENAI_MODEL,
    V_THREADS,
    V_CONN_TIMEOUT_S,
    V_COUNT
};

static const struct {
    const char *name;
    const char *def; /* NULL: unset by default, or computed */
    bool secret;
} VARS[V_COUNT] = {
    [V_LISTEN] = {"SALIENT_LISTEN", "127.0.0.1:8080", false},
    [V_DATA_DIR] = {"SALIENT_DATA_DIR", "./data", false},
    [V_DATABASE_URL] = {"DATABASE_URL", NULL, false},
    [V_REDIS_URL] = {"REDIS_URL", NULL, false},
    [V_MODEL_DIR] = {"SALIENT_MODEL_DIR", "./models/all-MiniLM-L6-v2", false},
    [V_LOG_LEVEL] = {"SALIENT_LOG_LEVEL", "info", false},
    [V_MAX_BODY_MB] = {"SALIENT_MAX_BODY_MB", "50", false},
    [V_RATE_LIMIT] = {"SALIENT_RATE_LIMIT", "20/s,burst=40", false},
    [V_LLM_PROVIDER] = {"SALIENT_LLM_PROVIDER", "local", false},
    [V_OPENAI_API_KEY] = {"OPENAI_API_KEY", NULL, true},
    [V_OPENAI_BASE_URL] = {"OPENAI_BASE_URL", "https://api.openai.com/v1", false},
    [V_OPENAI_MODEL] = {"OPENAI_MODEL", "gpt-4o-mini", false},
    [V_THREADS] = {"SALIENT_THREADS", NULL, false},
    [V_CONN_TIMEOUT_S] = {"SALIENT_CONN_TIMEOUT_S", "30", false},
};

#define MAX_FILE_BYTES (64 * 1024)

/* ---- .env -------------------------------------------------------------- */

typedef struct {
    char *name[V_COUNT * 2];
    char *value[V_COUNT * 2];
    size_t n;
} dotenv_t;

static void dotenv_free(dotenv_t *d) {
    for (size_t i = 0; i < d->n; i++) {
        free(d->name[i]);
        free(d->value[i]);
    }
    d->n = 0;
}

static const char *dotenv_get(const dotenv_t *d, const char *name) {
    for (size_t i = d->n; i-- > 0;) /* the last assignment wins */
        if (strcmp(d->name[i], name) == 0) return d->value[i];
    return NULL;
}

/* Reads a whole small file into a new string; SAL_ENOTFOUND if absent. */
static int read_small_file(const char *path, char **out, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return errno == ENOENT ? SAL_ENOTFOUND : SAL_EIO;
    char *buf = xmalloc(MAX_FILE_BYTES + 1);
    size_t n = fread(buf, 1, MAX_FILE_BYTES + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || n > MAX_FILE_BYTES) {
        free(buf);
        return bad ? SAL_EIO : SAL_ELIMIT;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

static bool known_name(const char *name) {
    for (int i = 0; i < V_COUNT; i++) {
        size_t l = strlen(VARS[i].name);
        if (strncmp(name, VARS[i].name, l) == 0 &&
            (name[l] == '\0' || strcmp(name + l, "_FILE") == 0))
            return true;
    }
    return false;
}

/* Parses KEY=VALUE lines: blank lines and # comments skipped, an optional
 * "export " prefix, values bare (trimmed, " #" starts a comment), 'single'
 * (literal) or "double" quoted (\n \" \\ escapes). Only our variables are
 * kept; others are ignored, as the environment may hold anything. */
static int dotenv_parse(const char *text, dotenv_t *d, char *err, size_t errcap) {
    int lineno = 0;
    const char *p = text;
    while (*p) {
        lineno++;
        const char *eol = strchr(p, '\n');
        size_t linelen = eol ? (size_t)(eol - p) : strlen(p);
        char *line = xstrndup(p, linelen);
        p += linelen + (eol ? 1 : 0);

        char *s = line;
        while (isspace((unsigned char)*s)) s++;
        size_t sl = strlen(s);
        while (sl && isspace((unsigned char)s[sl - 1])) s[--sl] = '\0';
        if (*s == '\0' || *s == '#') {
            free(line);
            continue;
        }
        if (strncmp(s, "export ", 7) == 0) {
            s += 7;
            while (*s == ' ') s++;
        }
        char *eq = strchr(s, '=');
        char *k = s;
        size_t kl = eq ? (size_t)(eq - s) : 0;
        while (kl && k[kl - 1] == ' ') kl--;
        bool key_ok = kl > 0;
        for (size_t i = 0; i < kl; i++)
            if (!(isalnum((unsigned char)k[i]) || k[i] == '_')) key_ok = false;
        if (!eq || !key_ok) {
            snprintf(err, errcap, ".env:%d: expected NAME=VALUE", lineno);
            free(line);
            return SAL_EINVAL;
        }
        k[kl] = '\0';
        char *v = eq + 1;
        while (*v == ' ') v++;
        char *val;
        if (*v == '"' || *v == '\'') {
            char q = *v++;
            sal_buf_t b;
            sal_buf_init(&b, 0);
            bool closed = false;
            for (; *v; v++) {
                if (*v == q) {
                    closed = true;
                    v++;
                    break;
                }
                char c = *v;
                if (q == '"' && c == '\\' && v[1]) {
                    v++;
                    c = *v == 'n' ? '\n' : *v == 't' ? '\t' : *v;
                }
                sal_buf_append(&b, &c, 1);
            }
            while (*v == ' ') v++;
            if (!closed || (*v && *v != '#')) {
                snprintf(err, errcap, ".env:%d: unterminated or malformed quoted value for %s",
                         lineno, k);
                sal_buf_free(&b);
                free(line);
                return SAL_EINVAL;
            }
            val = b.data ? b.data : xstrdup("");
        } else {
            char *hash = strstr(v, " #");
            if (hash) *hash = '\0';
            size_t vl = strlen(v);
            while (vl && isspace((unsigned char)v[vl - 1])) v[--vl] = '\0';
            val = xstrdup(v);
        }
        if (known_name(k) && d->n < V_COUNT * 2) {
            d->name[d->n] = xstrdup(k);
            d->value[d->n] = val;
            d->n++;
        } else {
            free(val);
        }
        free(line);
    }
    return 0;
}

/* ---- resolution -------------------------------------------------------- */

/* Finds variable i: environment (X, then X_FILE), then .env (likewise).
 * Sets *out to a new string or NULL, and *origin. */
static int resolve(int i, const dotenv_t *d, char **out, const char **origin, char *err,
                   size_t errcap) {
    const char *name = VARS[i].name;
    char fname[64];
    snprintf(fname, sizeof fname, "%s_FILE", name);
    const char *layers[2][2] = {{getenv(name), getenv(fname)},
                                {dotenv_get(d, name), dotenv_get(d, fname)}};
    static const char *const origins[2][2] = {{"env", "env file"}, {".env", ".env file"}};
    *out = NULL;
    *origin = "default";
    for (int l = 0; l < 2; l++) {
        const char *direct = layers[l][0], *file = layers[l][1];
        if (direct && file) {
            snprintf(err, errcap, "%s: both %s and %s are set; use one", name, name, fname);
            return SAL_EINVAL;
        }
        if (direct) {
            *out = xstrdup(direct);
            *origin = origins[l][0];
            return 0;
        }
        if (file) {
            char *buf;
            size_t len;
            int rc = read_small_file(file, &buf, &len);
            if (rc < 0) {
                snprintf(err, errcap, "%s: cannot read %s (%s)", fname, file,
                         rc == SAL_ELIMIT ? "larger than 64 KiB" : "missing or unreadable");
                return SAL_EINVAL;
            }
            while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r')) buf[--len] = '\0';
            *out = buf;
            *origin = origins[l][1];
            return 0;
        }
    }
    return 0;
}

/* ---- validation helpers ------------------------------------------------ */

static int bad(char *err, size_t cap, int i, const char *what, const char *got) {
    if (VARS[i].secret || !got)
        snprintf(err, cap, "%s: %s", VARS[i].name, what);
    else
        snprintf(err, cap, "%s: %s (got \"%.60s\")", VARS[i].name, what, got);
    return SAL_EINVAL;
}

static bool parse_long(const char *s, long lo, long hi, long *out) {
    if (!*s) return false;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi) return false;
    *out = v;
    return true;
}

static bool has_scheme(const char *url, const char *const *schemes) {
    for (; *schemes; schemes++) {
        size_t l = strlen(*schemes);
        if (strncmp(url, *schemes, l) == 0 && url[l]) return true;
    }
    return false;
}

static int parse_listen(sal_config_t *c, char *err, size_t cap) {
    const char *s = c->listen;
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s) return bad(err, cap, V_LISTEN, "must be HOST:PORT", s);
    size_t hl = (size_t)(colon - s);
    const char *h = s;
    if (h[0] == '[') { /* [::1]:8080 */
        if (hl < 3 || h[hl - 1] != ']') return bad(err, cap, V_LISTEN, "must be HOST:PORT", s);
        h++;
        hl -= 2;
    }
    for (size_t i = 0; i < hl; i++)
        if (!(isalnum((unsigned char)h[i]) || strchr(".-:_", h[i])))
            return bad(err, cap, V_LISTEN, "must be HOST:PORT", s);
    long port;
    if (!parse_long(colon + 1, 0, 65535, &port))
        return bad(err, cap, V_LISTEN, "port must be 0..65535", s);
    c->listen_host = xstrndup(h, hl);
    c->listen_port = (int)port;
    return 0;
}

/* "N/s", "N/m" or "N/h", optionally ",burst=M". */
static int parse_rate(sal_config_t *c, char *err, size_t cap) {
    const char *s = c->rate_limit;
    const char *what = "must look like 20/s,burst=40 (unit s, m or h)";
    char *end;
    errno = 0;
    double n = strtod(s, &end);
    if (errno || end == s || !(n > 0) || n > 1e9 || *end != '/')
        return bad(err, cap, V_RATE_LIMIT, what, s);
    double unit;
    switch (end[1]) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    default: return bad(err, cap, V_RATE_LIMIT, what, s);
    }
    const char *rest = end + 2;
    double burst = n < 1 ? 1 : n;
    if (*rest) {
        if (strncmp(rest, ",burst=", 7) != 0) return bad(err, cap, V_RATE_LIMIT, what, s);
        long b;
        if (!parse_long(rest + 7, 1, 1000000000L, &b))
            return bad(err, cap, V_RATE_LIMIT, "burst must be an integer 1..1000000000", s);
        burst = (double)b;
    }
    c->rate_per_s = n / unit;
    c->rate_burst = burst;
    return 0;
}

static int validate(sal_config_t *c, char *err, size_t cap) {
    static const char *const db_schemes[] = {"sqlite://", "postgresql://", "postgres://", NULL};
    static const char *const redis_schemes[] = {"redis://", "rediss://", "unix://", NULL};
    static const char *const http_schemes[] = {"http://", "https://", NULL};
    int rc = parse_listen(c, err, cap);
    if (rc < 0) return rc;
    if (!*c->data_dir) return bad(err, cap, V_DATA_DIR, "must not be empty", NULL);
    if (!has_scheme(c->database_url, db_schemes))
        return bad(err, cap, V_DATABASE_URL, "must start with sqlite:// or postgresql://",
                   c->database_url);
    if (c->redis_url && !has_scheme(c->redis_url, redis_schemes))
        return bad(err, cap, V_REDIS_URL, "must start with redis://, rediss:// or unix://",
                   c->redis_url);
    if (!*c->model_dir) return bad(err, cap, V_MODEL_DIR, "must not be empty", NULL);
    rc = parse_rate(c, err, cap);
    if (rc < 0) return rc;
    if (strcmp(c->llm_provider, "local") != 0 && strcmp(c->llm_provider, "openai") != 0)
        return bad(err, cap, V_LLM_PROVIDER, "must be local or openai", c->llm_provider);
    if (strcmp(c->llm_provider, "openai") == 0 && (!c->openai_api_key || !*c->openai_api_key))
        return bad(err, cap, V_OPENAI_API_KEY, "is required when SALIENT_LLM_PROVIDER=openai",
                   NULL);
    if (!has_scheme(c->openai_base_url, http_schemes))
        return bad(err, cap, V_OPENAI_BASE_URL, "must start with http:// or https://",
                   c->openai_base_url);
    if (!*c->openai_model) return bad(err, cap, V_OPENAI_MODEL, "must not be empty", NULL);
    return 0;
}

int sal_config_load(sal_config_t *c, const char *dotenv_path, char *err, size_t errcap) {
    memset(c, 0, sizeof *c);
    dotenv_t d = {.n = 0};
    char *raw[V_COUNT] = {0};
    int rc = 0;

    if (dotenv_path) {
        char *text;
        size_t len;
        rc = read_small_file(dotenv_path, &text, &len);
        if (rc == SAL_ENOTFOUND) {
            rc = 0;
        } else if (rc < 0) {
            snprintf(err, errcap, "%s: cannot read (%s)", dotenv_path,
                     rc == SAL_ELIMIT ? "larger than 64 KiB" : "unreadable");
            rc = SAL_EINVAL;
            goto fail;
        } else {
            rc = dotenv_parse(text, &d, err, errcap);
            free(text);
            if (rc < 0) goto fail;
        }
    }

    for (int i = 0; i < V_COUNT; i++) {
        rc = resolve(i, &d, &raw[i], &c->origin[i], err, errcap);
        if (rc < 0) goto fail;
        if (!raw[i] && VARS[i].def) raw[i] = xstrdup(VARS[i].def);
    }

    c->listen = raw[V_LISTEN];
    c->data_dir = raw[V_DATA_DIR];
    c->redis_url = raw[V_REDIS_URL] && *raw[V_REDIS_URL] ? raw[V_REDIS_URL] : NULL;
    if (!c->redis_url) free(raw[V_REDIS_URL]);
    c->model_dir = raw[V_MODEL_DIR];
    c->rate_limit = raw[V_RATE_LIMIT];
    c->llm_provider = raw[V_LLM_PROVIDER];
    c->openai_api_key = raw[V_OPENAI_API_KEY];
    c->openai_base_url = raw[V_OPENAI_BASE_URL];
    c->openai_model = raw[V_OPENAI_MODEL];
    if (raw[V_DATABASE_URL] && *raw[V_DATABASE_URL]) {
        c->database_url = raw[V_DATABASE_URL];
    } else {
        free(raw[V_DATABASE_URL]);
        size_t n = strlen(c->data_dir) + 32;
        c->database_url = xmalloc(n);
        snprintf(c->database_url, n, "sqlite://%s/salient.db", c->data_dir);
    }

    long v;
    if (sal_log_level_parse(raw[V_LOG_LEVEL], &c->log_level) < 0) {
        rc = bad(err, errcap, V_LOG_LEVEL, "must be debug, info, warn or error", raw[V_LOG_LEVEL]);
        goto fail_parsed;
    }
    if (!parse_long(raw[V_MAX_BODY_MB], 1, 4096, &v)) {
        rc = bad(err, errcap, V_MAX_BODY_MB, "must be an integer 1..4096", raw[V_MAX_BODY_MB]);
        goto fail_parsed;
    }
    c->max_body_bytes = (size_t)v * 1024 * 1024;
    if (raw[V_THREADS]) {
        if (!parse_long(raw[V_THREADS], 1, 256, &v)) {
            rc = bad(err, errcap, V_THREADS, "must be an integer 1..256", raw[V_THREADS]);
            goto fail_parsed;
        }
        c->threads = (int)v;
    } else {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        c->threads = n > 0 ? (int)(n > 64 ? 64 : n) : 2;
    }
    if (!parse_long(raw[V_CONN_TIMEOUT_S], 1, 3600, &v)) {
        rc =
            bad(err, errcap, V_CONN_TIMEOUT_S, "must be an integer 1..3600", raw[V_CONN_TIMEOUT_S]);
        goto fail_parsed;
    }
    c->conn_timeout_s = (int)v;
    rc = validate(c, err, errcap);
    if (rc < 0) goto fail_parsed;

    free(raw[V_LOG_LEVEL]);
    free(raw[V_MAX_BODY_MB]);
    free(raw[V_THREADS]);
    free(raw[V_CONN_TIMEOUT_S]);
    dotenv_free(&d);
    return 0;

fail_parsed:
    free(raw[V_LOG_LEVEL]);
    free(raw[V_MAX_BODY_MB]);
    free(raw[V_THREADS]);
    free(raw[V_CONN_TIMEOUT_S]);
    dotenv_free(&d);
    sal_config_free(c);
    return rc;
fail:
    for (int i = 0; i < V_COUNT; i++) free(raw[i]);
    dotenv_free(&d);
    memset(c, 0, sizeof *c);
    return rc;
}

void sal_config_free(sal_config_t *c) {
    if (!c) return;
    free(c->listen);
    free(c->listen_host);
    free(c->data_dir);
    free(c->database_url);
    free(c->redis_url);
    free(c->model_dir);
    free(c->rate_limit);
    free(c->llm_provider);
    if (c->openai_api_key) sodium_memzero(c->openai_api_key, strlen(c->openai_api_key));
    free(c->openai_api_key);
    free(c->openai_base_url);
    free(c->openai_model);
    memset(c, 0, sizeof *c);
}

void sal_url_redact(const char *url, char *out, size_t cap) {
    /* scheme://user:password@host... -> scheme://user:***@host... */
    const char *auth = strstr(url, "://");
    if (!auth) {
        sal_strlcpy(out, url, cap);
        return;
    }
    /* The userinfo ends at the last '@' before the path: a password may
     * itself hold a raw '@'. */
    const char *host_end = auth + 3 + strcspn(auth + 3, "/?#");
    const char *at = NULL;
    for (const char *p = auth + 3; p < host_end; p++)
        if (*p == '@') at = p;
    if (!at) {
        sal_strlcpy(out, url, cap);
        return;
    }
    const char *colon = memchr(auth + 3, ':', (size_t)(at - (auth + 3)));
    if (!colon) {
        sal_strlcpy(out, url, cap);
        return;
    }
    snprintf(out, cap, "%.*s:***%s", (int)(colon - url), url, at);
}

json_t *sal_config_to_json(const sal_config_t *c) {
    char buf[1024];
    json_t *o = json_object();
#define PUT(i, jv)                                                                                 \
    json_object_set_new(                                                                           \
        o, VARS[i].name,                                                                           \
        json_pack("{s:o,s:s}", "value", (jv), "source", c->origin[i] ? c->origin[i] : "default"))
    PUT(V_LISTEN, json_string(c->listen));
    PUT(V_DATA_DIR, json_string(c->data_dir));
    sal_url_redact(c->database_url, buf, sizeof buf);
    PUT(V_DATABASE_URL, json_string(buf));
    if (c->redis_url) sal_url_redact(c->redis_url, buf, sizeof buf);
    PUT(V_REDIS_URL, c->redis_url ? json_string(buf) : json_null());
    PUT(V_MODEL_DIR, json_string(c->model_dir));
    PUT(V_LOG_LEVEL, json_string(sal_log_level_name(c->log_level)));
    PUT(V_MAX_BODY_MB, json_integer((json_int_t)(c->max_body_bytes / (1024 * 1024))));
    PUT(V_RATE_LIMIT, json_string(c->rate_limit));
    PUT(V_LLM_PROVIDER, json_string(c->llm_provider));
    PUT(V_OPENAI_API_KEY, c->openai_api_key ? json_string("***") : json_null());
    sal_url_redact(c->openai_base_url, buf, sizeof buf);
    PUT(V_OPENAI_BASE_URL, json_string(buf));
    PUT(V_OPENAI_MODEL, json_string(c->openai_model));
    PUT(V_THREADS, json_integer(c->threads));
    PUT(V_CONN_TIMEOUT_S, json_integer(c->conn_timeout_s));
#undef PUT
    return o;
}
