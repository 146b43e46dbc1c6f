/* SPDX-License-Identifier: MIT */
/*
 * The SQLite backend: one database file in WAL mode with foreign keys and
 * a busy timeout. Each thread has its own connection with its own cache of
 * prepared statements (every query is a prepared statement; no SQL text is
 * ever built from data). Migrations are the numbered files under
 * migrations/sqlite/, compiled in, applied one transaction each and
 * recorded in schema_migrations.
 */
#include "store/store_int.h"

#include <errno.h>
#include <libgen.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>

extern const char *const store_sqlite_migrations[];

/* Every statement the backend runs, prepared once per connection. */
enum {
    Q_SCHEMA_VERSION,
    Q_TENANT_BY_NAME,
    Q_TENANT_INSERT,
    Q_TENANT_GET,
    Q_KEY_INSERT,
    Q_KEY_BY_PREFIX,
    Q_KEY_GET,
    Q_KEY_LIST,
    Q_KEY_REVOKE,
    Q_KEY_TOUCH,
    Q_AUDIT_APPEND,
    Q_AUDIT_COUNT,
    Q_PING,
    Q_COUNT
};

static const char *const SQL[Q_COUNT] = {
    [Q_SCHEMA_VERSION] = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
    [Q_TENANT_BY_NAME] = "SELECT id, name, created_at FROM tenants WHERE name = ?1",
    [Q_TENANT_INSERT] = "INSERT INTO tenants (id, name, created_at) VALUES (?1, ?2, ?3)",
    [Q_TENANT_GET] = "SELECT id, name, created_at FROM tenants WHERE id = ?1",
    [Q_KEY_INSERT] = "INSERT INTO api_keys (id, tenant_id, name, prefix, hash, scopes, "
                     "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [Q_KEY_BY_PREFIX] = "SELECT id, tenant_id, name, prefix, hash, scopes, created_at, "
                        "last_used_at, revoked_at FROM api_keys WHERE prefix = ?1",
    [Q_KEY_GET] = "SELECT id, tenant_id, name, prefix, hash, scopes, created_at, "
                  "last_used_at, revoked_at FROM api_keys WHERE id = ?1",
    [Q_KEY_LIST] = "SELECT id, tenant_id, name, prefix, hash, scopes, created_at, "
                   "last_used_at, revoked_at FROM api_keys WHERE tenant_id = ?1 AND "
                   "revoked_at IS NULL AND id > ?2 ORDER BY id LIMIT ?3",
    [Q_KEY_REVOKE] = "UPDATE api_keys SET revoked_at = ?3 WHERE tenant_id = ?1 AND id = ?2 "
                     "AND revoked_at IS NULL",
    [Q_KEY_TOUCH] = "UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1",
    [Q_AUDIT_APPEND] = "INSERT INTO audit_log (tenant_id, at, actor, action, target_id, "
                       "request_id, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [Q_AUDIT_COUNT] = "SELECT COUNT(*) FROM audit_log WHERE tenant_id = ?1 AND action = ?2",
    [Q_PING] = "SELECT 1",
};

typedef struct conn {
    sqlite3 *db;
    sqlite3_stmt *stmt[Q_COUNT];
    int tx_depth;
    struct conn *next;
} conn_t;

typedef struct {
    char *path;
    uint64_t uid; /* unique per open store, never reused */
    pthread_mutex_t lock;
    conn_t *conns;
} sqlite_impl_t;

static atomic_uint_fast64_t next_uid = 1;

/* A small per-thread cache from store uid to connection. A stale entry
 * (its store closed) never matches a live uid, so it is never used. */
#define TL_SLOTS 4
static _Thread_local struct {
    uint64_t uid;
    conn_t *c;
} tl_conn[TL_SLOTS];

static int fail(conn_t *c, const char *what) {
    sal_log_kv(SAL_LOG_ERROR, NULL, "sqlite error",
               (sal_kv_t[]){SAL_KV_S("op", what), SAL_KV_S("error", sqlite3_errmsg(c->db)),
                            SAL_KV_I("code", sqlite3_extended_errcode(c->db))},
               3);
    return SAL_ESTORE;
}

static int conn_open(sqlite_impl_t *im, conn_t **out) {
    conn_t *c = xcalloc(1, sizeof *c);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(im->path, &c->db, flags, NULL) != SQLITE_OK) {
        sal_log_kv(SAL_LOG_ERROR, NULL, "cannot open database",
                   (sal_kv_t[]){SAL_KV_S("path", im->path),
                                SAL_KV_S("error", c->db ? sqlite3_errmsg(c->db) : "no memory")},
                   2);
        sqlite3_close(c->db);
        free(c);
        return SAL_ESTORE;
    }
    sqlite3_busy_timeout(c->db, 5000);
    sqlite3_extended_result_codes(c->db, 1);
    /* Fixed pragmas, not data: exec is fine here. */
    const char *pragmas = "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; "
                          "PRAGMA synchronous=NORMAL; PRAGMA trusted_schema=OFF;";
    if (sqlite3_exec(c->db, pragmas, NULL, NULL, NULL) != SQLITE_OK) {
        int rc = fail(c, "pragmas");
        sqlite3_close(c->db);
        free(c);
        return rc;
    }
    pthread_mutex_lock(&im->lock);
    c->next = im->conns;
    im->conns = c;
    pthread_mutex_unlock(&im->lock);
    *out = c;
    return 0;
}

static int conn_get(store_t *st, conn_t **out) {
    sqlite_impl_t *im = st->impl;
    for (int i = 0; i < TL_SLOTS; i++)
        if (tl_conn[i].uid == im->uid) {
            *out = tl_conn[i].c;
            return 0;
        }
    conn_t *c = NULL;
    int rc = conn_open(im, &c);
    if (rc < 0) return rc;
    /* Evict the oldest slot. */
    memmove(&tl_conn[1], &tl_conn[0], sizeof tl_conn[0] * (TL_SLOTS - 1));
    tl_conn[0].uid = im->uid;
    tl_conn[0].c = c;
    *out = c;
    return 0;
}

/* Returns the prepared statement q, reset and unbound, or NULL. */
static sqlite3_stmt *stmt(conn_t *c, int q) {
    if (!c->stmt[q]) {
        if (sqlite3_prepare_v3(c->db, SQL[q], -1, SQLITE_PREPARE_PERSISTENT, &c->stmt[q], NULL) !=
            SQLITE_OK) {
            fail(c, "prepare");
            return NULL;
        }
    } else {
        sqlite3_reset(c->stmt[q]);
        sqlite3_clear_bindings(c->stmt[q]);
    }
    return c->stmt[q];
}

/* Gets this thread's connection and statement q, or returns on failure. */
#define PREPARE(st, c, s, q)                                                                       \
    conn_t *c = NULL;                                                                              \
    int rc_ = conn_get((st), &c);                                                                  \
    if (rc_ < 0) return rc_;                                                                       \
    sqlite3_stmt *s = stmt(c, (q));                                                                \
    if (!s) return SAL_ESTORE

static void bind_text(sqlite3_stmt *s, int i, const char *v) {
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, i);
}

static void col_text(sqlite3_stmt *s, int i, char *out, size_t cap) {
    const unsigned char *t = sqlite3_column_text(s, i);
    sal_strlcpy(out, t ? (const char *)t : "", cap);
}

/* Runs a statement that returns no rows. */
static int exec_done(conn_t *c, sqlite3_stmt *s, const char *what) {
    int r = sqlite3_step(s);
    sqlite3_reset(s);
    if (r == SQLITE_DONE) return 0;
    if (r == SQLITE_CONSTRAINT || (r & 0xff) == SQLITE_CONSTRAINT) return SAL_EEXIST;
    if ((r & 0xff) == SQLITE_BUSY) return SAL_ECONFLICT;
    return fail(c, what);
}

/* ---- lifecycle ---------------------------------------------------------- */

static void conn_close(conn_t *c) {
    for (int q = 0; q < Q_COUNT; q++) sqlite3_finalize(c->stmt[q]);
    sqlite3_close(c->db);
    free(c);
}

static void sq_close(store_t *st) {
    sqlite_impl_t *im = st->impl;
    for (conn_t *c = im->conns, *next; c; c = next) {
        next = c->next;
        conn_close(c);
    }
    for (int i = 0; i < TL_SLOTS; i++)
        if (tl_conn[i].uid == im->uid) tl_conn[i].uid = 0;
    pthread_mutex_destroy(&im->lock);
    free(im->path);
    free(im);
    free(st);
}

static const store_ops_t SQLITE_OPS;

int store_sqlite_open(const char *path, store_t **out) {
    if (!*path) return SAL_EINVAL;
    char dir[4096];
    sal_strlcpy(dir, path, sizeof dir);
    if (sal_mkdir_p(dirname(dir), 0750) < 0) {
        sal_logf(SAL_LOG_ERROR, "cannot create the directory of %s", path);
        return SAL_EIO;
    }
    sqlite_impl_t *im = xcalloc(1, sizeof *im);
    im->path = xstrdup(path);
    im->uid = atomic_fetch_add(&next_uid, 1);
    pthread_mutex_init(&im->lock, NULL);
    store_t *st = xcalloc(1, sizeof *st);
    st->ops = &SQLITE_OPS;
    st->impl = im;
    conn_t *c;
    int rc = conn_get(st, &c); /* open now, so a bad path fails at start-up */
    if (rc < 0) {
        sq_close(st);
        return rc;
    }
    *out = st;
    return 0;
}

/* ---- migrations --------------------------------------------------------- */

static int sq_schema_latest(const store_t *st) {
    int n = 0;
    while (store_sqlite_migrations[n]) n++;
    return n;
}

static int ensure_migrations_table(conn_t *c) {
    const char *ddl = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                      "version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)";
    return sqlite3_exec(c->db, ddl, NULL, NULL, NULL) == SQLITE_OK ? 0 : fail(c, "migrate");
}

static int read_version(conn_t *c, int *out) {
    sqlite3_stmt *s = stmt(c, Q_SCHEMA_VERSION);
    if (!s) return SAL_ESTORE;
    int r = sqlite3_step(s);
    *out = r == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    sqlite3_reset(s);
    return r == SQLITE_ROW ? 0 : fail(c, "schema version");
}

static int sq_schema_version(store_t *st, int *out) {
    conn_t *c;
    int rc = conn_get(st, &c);
    if (rc < 0) return rc;
    /* A database never migrated has no table yet: version 0. */
    sqlite3_stmt *probe;
    if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM sqlite_master WHERE name='schema_migrations'", -1,
                           &probe, NULL) != SQLITE_OK)
        return fail(c, "schema version");
    int r = sqlite3_step(probe);
    sqlite3_finalize(probe);
    if (r != SQLITE_ROW) {
        *out = 0;
        return 0;
    }
    return read_version(c, out);
}

static int sq_migrate(store_t *st, int *from, int *to) {
    conn_t *c;
    int rc = conn_get(st, &c);
    if (rc < 0) return rc;
    if ((rc = ensure_migrations_table(c)) < 0) return rc;
    int latest = sq_schema_latest(st), v = 0;
    if ((rc = read_version(c, &v)) < 0) return rc;
    if (from) *from = v;
    for (int next = v + 1; next <= latest; next++) {
        /* IMMEDIATE takes the write lock first, so two processes migrating
         * at once apply each step exactly once. */
        if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
            return fail(c, "migrate begin");
        int now = 0;
        if ((rc = read_version(c, &now)) < 0) goto rollback;
        if (now >= next) {
            sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
            continue;
        }
        if (sqlite3_exec(c->db, store_sqlite_migrations[next - 1], NULL, NULL, NULL) != SQLITE_OK) {
            rc = fail(c, "migration");
            goto rollback;
        }
        sqlite3_stmt *ins;
        if (sqlite3_prepare_v2(c->db,
                               "INSERT INTO schema_migrations (version, applied_at) "
                               "VALUES (?1, ?2)",
                               -1, &ins, NULL) != SQLITE_OK) {
            rc = fail(c, "migration record");
            goto rollback;
        }
        sqlite3_bind_int(ins, 1, next);
        sqlite3_bind_int64(ins, 2, sal_now_ms());
        int r = sqlite3_step(ins);
        sqlite3_finalize(ins);
        if (r != SQLITE_DONE || sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            rc = fail(c, "migration commit");
            goto rollback;
        }
        sal_log_kv(SAL_LOG_INFO, NULL, "migration applied", (sal_kv_t[]){SAL_KV_I("version", next)},
                   1);
        continue;
    rollback:
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    if (to) return read_version(c, to);
    return 0;
}

static int sq_ping(store_t *st) {
    PREPARE(st, c, s, Q_PING);
    int r = sqlite3_step(s);
    sqlite3_reset(s);
    return r == SQLITE_ROW ? 0 : fail(c, "ping");
}

/* ---- transactions ------------------------------------------------------- */

static int sq_tx_begin(store_t *st) {
    conn_t *c;
    int rc = conn_get(st, &c);
    if (rc < 0) return rc;
    if (c->tx_depth++ > 0) return 0;
    if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        c->tx_depth--;
        return (sqlite3_errcode(c->db) & 0xff) == SQLITE_BUSY ? SAL_ECONFLICT : fail(c, "begin");
    }
    return 0;
}

static int sq_tx_commit(store_t *st) {
    conn_t *c;
    int rc = conn_get(st, &c);
    if (rc < 0) return rc;
    if (c->tx_depth > 1) {
        c->tx_depth--;
        return 0;
    }
    if (sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) return fail(c, "commit");
    c->tx_depth = 0;
    return 0;
}

static void sq_tx_rollback(store_t *st) {
    conn_t *c;
    if (conn_get(st, &c) < 0) return;
    /* An inner failure dooms the whole transaction: roll back once, at the
     * outermost level, and let outer levels see depth 0. */
    if (c->tx_depth > 1) {
        c->tx_depth--;
        return;
    }
    if (sqlite3_get_autocommit(c->db) == 0) sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    c->tx_depth = 0;
}

/* ---- tenants ------------------------------------------------------------ */

static int tenant_row(sqlite3_stmt *s, store_tenant_t *out) {
    col_text(s, 0, out->id, sizeof out->id);
    col_text(s, 1, out->name, sizeof out->name);
    out->created_ms = sqlite3_column_int64(s, 2);
    return 0;
}

static int sq_tenant_get(store_t *st, const char *id, store_tenant_t *out) {
    PREPARE(st, c, s, Q_TENANT_GET);
    bind_text(s, 1, id);
    int r = sqlite3_step(s);
    int rc = r == SQLITE_ROW    ? tenant_row(s, out)
             : r == SQLITE_DONE ? SAL_ENOTFOUND
                                : fail(c, "tenant get");
    sqlite3_reset(s);
    return rc;
}

static int sq_tenant_find(store_t *st, const char *name, store_tenant_t *out) {
    PREPARE(st, c, s, Q_TENANT_BY_NAME);
    bind_text(s, 1, name);
    int r = sqlite3_step(s);
    int rc = r == SQLITE_ROW    ? tenant_row(s, out)
             : r == SQLITE_DONE ? SAL_ENOTFOUND
                                : fail(c, "tenant find");
    sqlite3_reset(s);
    return rc;
}

static int sq_tenant_ensure(store_t *st, const char *name, store_tenant_t *out) {
    for (int attempt = 0; attempt < 2; attempt++) {
        int rc = sq_tenant_find(st, name, out);
        if (rc != SAL_ENOTFOUND) return rc;
        PREPARE(st, c, ins, Q_TENANT_INSERT);
        store_tenant_t t = {.created_ms = sal_now_ms()};
        sal_id_new("ten", t.id, sizeof t.id);
        sal_strlcpy(t.name, name, sizeof t.name);
        bind_text(ins, 1, t.id);
        bind_text(ins, 2, t.name);
        sqlite3_bind_int64(ins, 3, t.created_ms);
        rc = exec_done(c, ins, "tenant insert");
        if (rc == 0) {
            *out = t;
            return 0;
        }
        if (rc != SAL_EEXIST) return rc;
        /* Created concurrently by someone else: read theirs. */
    }
    return SAL_ECONFLICT;
}

/* ---- keys --------------------------------------------------------------- */

static void key_row(sqlite3_stmt *s, store_key_t *k) {
    memset(k, 0, sizeof *k);
    col_text(s, 0, k->id, sizeof k->id);
    col_text(s, 1, k->tenant_id, sizeof k->tenant_id);
    col_text(s, 2, k->name, sizeof k->name);
    col_text(s, 3, k->prefix, sizeof k->prefix);
    if (sqlite3_column_bytes(s, 4) == STORE_HASH_LEN)
        memcpy(k->hash, sqlite3_column_blob(s, 4), STORE_HASH_LEN);
    k->scopes = (unsigned)sqlite3_column_int(s, 5);
    k->created_ms = sqlite3_column_int64(s, 6);
    k->last_used_ms = sqlite3_column_int64(s, 7);
    k->revoked_ms = sqlite3_column_int64(s, 8);
}

static int sq_key_insert(store_t *st, const store_key_t *k) {
    PREPARE(st, c, s, Q_KEY_INSERT);
    bind_text(s, 1, k->id);
    bind_text(s, 2, k->tenant_id);
    bind_text(s, 3, k->name);
    bind_text(s, 4, k->prefix);
    sqlite3_bind_blob(s, 5, k->hash, STORE_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int(s, 6, (int)k->scopes);
    sqlite3_bind_int64(s, 7, k->created_ms);
    return exec_done(c, s, "key insert");
}

/* Runs a one-key lookup q with a single text parameter. */
static int key_lookup(store_t *st, int q, const char *arg, store_key_t *out) {
    PREPARE(st, c, s, q);
    bind_text(s, 1, arg);
    int r = sqlite3_step(s);
    int rc = 0;
    if (r == SQLITE_ROW)
        key_row(s, out);
    else
        rc = r == SQLITE_DONE ? SAL_ENOTFOUND : fail(c, "key lookup");
    sqlite3_reset(s);
    return rc;
}

static int sq_key_by_prefix(store_t *st, const char *prefix, store_key_t *out) {
    return key_lookup(st, Q_KEY_BY_PREFIX, prefix, out);
}

static int sq_key_get(store_t *st, const char *id, store_key_t *out) {
    return key_lookup(st, Q_KEY_GET, id, out);
}

static int sq_key_list(store_t *st, const char *tenant_id, const char *after_id, store_key_t *out,
                       size_t cap, size_t *n) {
    PREPARE(st, c, s, Q_KEY_LIST);
    bind_text(s, 1, tenant_id);
    bind_text(s, 2, after_id ? after_id : "");
    sqlite3_bind_int64(s, 3, (sqlite3_int64)cap);
    *n = 0;
    int r;
    while ((r = sqlite3_step(s)) == SQLITE_ROW && *n < cap) key_row(s, &out[(*n)++]);
    sqlite3_reset(s);
    return r == SQLITE_DONE || r == SQLITE_ROW ? 0 : fail(c, "key list");
}

static int sq_key_revoke(store_t *st, const char *tenant_id, const char *id, int64_t now_ms) {
    PREPARE(st, c, s, Q_KEY_REVOKE);
    bind_text(s, 1, tenant_id);
    bind_text(s, 2, id);
    sqlite3_bind_int64(s, 3, now_ms);
    int rc = exec_done(c, s, "key revoke");
    if (rc < 0) return rc;
    return sqlite3_changes(c->db) == 1 ? 0 : SAL_ENOTFOUND;
}

static int sq_key_touch(store_t *st, const char *id, int64_t now_ms) {
    PREPARE(st, c, s, Q_KEY_TOUCH);
    bind_text(s, 1, id);
    sqlite3_bind_int64(s, 2, now_ms);
    return exec_done(c, s, "key touch");
}

/* ---- audit -------------------------------------------------------------- */

static int sq_audit_append(store_t *st, const store_audit_t *a) {
    PREPARE(st, c, s, Q_AUDIT_APPEND);
    bind_text(s, 1, a->tenant_id);
    sqlite3_bind_int64(s, 2, sal_now_ms());
    bind_text(s, 3, a->actor);
    bind_text(s, 4, a->action);
    bind_text(s, 5, a->target_id);
    bind_text(s, 6, a->request_id);
    bind_text(s, 7, a->detail);
    return exec_done(c, s, "audit append");
}

static int sq_audit_count(store_t *st, const char *tenant_id, const char *action, int64_t *out) {
    PREPARE(st, c, s, Q_AUDIT_COUNT);
    bind_text(s, 1, tenant_id);
    bind_text(s, 2, action);
    int r = sqlite3_step(s);
    *out = r == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    return r == SQLITE_ROW ? 0 : fail(c, "audit count");
}

static const store_ops_t SQLITE_OPS = {
    .name = "sqlite",
    .close = sq_close,
    .migrate = sq_migrate,
    .schema_version = sq_schema_version,
    .schema_latest = sq_schema_latest,
    .ping = sq_ping,
    .tx_begin = sq_tx_begin,
    .tx_commit = sq_tx_commit,
    .tx_rollback = sq_tx_rollback,
    .tenant_ensure = sq_tenant_ensure,
    .tenant_find = sq_tenant_find,
    .tenant_get = sq_tenant_get,
    .key_insert = sq_key_insert,
    .key_get = sq_key_get,
    .key_by_prefix = sq_key_by_prefix,
    .key_list = sq_key_list,
    .key_revoke = sq_key_revoke,
    .key_touch = sq_key_touch,
    .audit_append = sq_audit_append,
    .audit_count = sq_audit_count,
};
