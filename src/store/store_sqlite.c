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
#include <utf8proc.h>

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
    Q_SOURCE_INSERT,
    Q_SOURCE_GET,
    Q_SOURCE_BY_SHA,
    Q_SOURCE_LIST,
    Q_SOURCE_UPDATE,
    Q_SOURCE_DELETE,
    Q_SOURCE_EXISTS,
    Q_SOURCE_PAGE,
    Q_BLOB_REFS,
    Q_CONCEPT_ORPHANS,
    Q_VERSION_BUMP,
    Q_VERSION_GET,
    Q_CHUNK_DELETE,
    Q_CHUNK_INSERT,
    Q_CHUNK_GET,
    Q_CHUNK_LIST,
    Q_CHUNK_EACH,
    Q_CONCEPT_FIND,
    Q_CONCEPT_INSERT,
    Q_CONCEPT_LINK,
    Q_CONCEPT_LIST,
    Q_CHUNK_CONCEPTS,
    Q_JOB_INSERT,
    Q_JOB_GET,
    Q_JOB_CLAIM,
    Q_JOB_HEARTBEAT,
    Q_JOB_FINISH,
    Q_JOB_RETRY,
    Q_JOB_COUNT,
    Q_JOB_WORKERS,
    Q_JOB_EXPIRE_WORKER,
    Q_JOB_DUE,
    Q_COUNT
};

#define SOURCE_COLS                                                                                \
    "id, tenant_id, title, filename, media_type, format, size_bytes, sha256, source_type, tags, "  \
    "status, error, page_count, chunk_count, concept_count, token_count, embedding_model, "        \
    "processing_ms, job_id, created_at, updated_at"
#define CHUNK_COLS                                                                                 \
    "id, tenant_id, source_id, ordinal, text, section, page, token_count, concept_types"
#define JOB_COLS                                                                                   \
    "id, tenant_id, type, payload, status, attempts, max_attempts, error, progress, run_at, "      \
    "lease_until, worker, created_at, started_at, finished_at"

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
    [Q_SOURCE_INSERT] = "INSERT INTO sources (" SOURCE_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                        "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
    [Q_SOURCE_GET] = "SELECT " SOURCE_COLS " FROM sources WHERE tenant_id = ?1 AND id = ?2",
    [Q_SOURCE_BY_SHA] = "SELECT " SOURCE_COLS " FROM sources WHERE tenant_id = ?1 AND sha256 = ?2",
    /* A tag matches whole: ",a,b," contains ",a,". instr, unlike LIKE, is
     * exact and case-sensitive and needs no escaping. */
    [Q_SOURCE_LIST] = "SELECT " SOURCE_COLS " FROM sources WHERE tenant_id = ?1 AND id > ?2 "
                      "AND (?3 IS NULL OR status = ?3) AND (?4 IS NULL OR source_type = ?4) "
                      "AND (?5 IS NULL OR instr(',' || tags || ',', ',' || ?5 || ',') > 0) "
                      "ORDER BY id LIMIT ?6",
    [Q_SOURCE_UPDATE] = "UPDATE sources SET status = ?3, error = ?4, page_count = ?5, "
                        "chunk_count = ?6, concept_count = ?7, token_count = ?8, "
                        "embedding_model = ?9, processing_ms = ?10, job_id = ?11, "
                        "updated_at = ?12, title = ?13 WHERE tenant_id = ?1 AND id = ?2",
    [Q_SOURCE_DELETE] = "DELETE FROM sources WHERE tenant_id = ?1 AND id = ?2",
    [Q_SOURCE_EXISTS] = "SELECT 1 FROM sources WHERE tenant_id = ?1 AND id = ?2",
    [Q_SOURCE_PAGE] = "SELECT " SOURCE_COLS " FROM sources WHERE id > ?1 ORDER BY id LIMIT ?2",
    [Q_BLOB_REFS] = "SELECT COUNT(*) FROM sources WHERE sha256 = ?1",
    [Q_CONCEPT_ORPHANS] = "DELETE FROM concepts WHERE tenant_id = ?1 AND NOT EXISTS "
                          "(SELECT 1 FROM chunk_concepts cc WHERE cc.concept_id = concepts.id)",
    [Q_VERSION_BUMP] = "INSERT INTO knowledge_versions (tenant_id, version) VALUES (?1, 1) "
                       "ON CONFLICT (tenant_id) DO UPDATE SET version = version + 1",
    [Q_VERSION_GET] = "SELECT version FROM knowledge_versions WHERE tenant_id = ?1",
    [Q_CHUNK_DELETE] = "DELETE FROM chunks WHERE tenant_id = ?1 AND source_id = ?2",
    [Q_CHUNK_INSERT] = "INSERT INTO chunks (id, tenant_id, source_id, ordinal, text, section, "
                       "page, token_count, concept_types, vector, dims, terms) VALUES (?1, ?2, "
                       "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    [Q_CHUNK_GET] = "SELECT " CHUNK_COLS " FROM chunks WHERE tenant_id = ?1 AND id = ?2",
    [Q_CHUNK_LIST] = "SELECT " CHUNK_COLS " FROM chunks WHERE tenant_id = ?1 AND source_id = ?2 "
                     "AND ordinal > ?3 ORDER BY ordinal LIMIT ?4",
    [Q_CHUNK_EACH] = "SELECT c.id, c.tenant_id, c.source_id, c.ordinal, c.page, c.token_count, "
                     "c.concept_types, c.vector, c.dims, c.terms FROM chunks c JOIN sources s "
                     "ON s.id = c.source_id WHERE (?1 IS NULL OR c.tenant_id = ?1) AND "
                     "s.status = 'ready' ORDER BY c.tenant_id, c.source_id, c.ordinal",
    [Q_CONCEPT_FIND] = "SELECT id FROM concepts WHERE tenant_id = ?1 AND type = ?2 AND "
                       "name_key = ?3",
    [Q_CONCEPT_INSERT] = "INSERT INTO concepts (id, tenant_id, type, name, name_key, created_at) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
    /* Both ends must be the tenant's; 0 rows changed means one is not. */
    [Q_CONCEPT_LINK] = "INSERT INTO chunk_concepts (chunk_id, concept_id, mentions) "
                       "SELECT ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM chunks WHERE id = ?2 AND "
                       "tenant_id = ?1) AND EXISTS (SELECT 1 FROM concepts WHERE id = ?3 AND "
                       "tenant_id = ?1) ON CONFLICT (chunk_id, concept_id) DO UPDATE SET "
                       "mentions = excluded.mentions",
    /* ?3 is already lower-cased the way name_key was. */
    [Q_CONCEPT_LIST] = "SELECT k.id, k.name, k.type, SUM(cc.mentions), COUNT(DISTINCT c.source_id) "
                       "FROM concepts k JOIN chunk_concepts cc ON cc.concept_id = k.id "
                       "JOIN chunks c ON c.id = cc.chunk_id WHERE k.tenant_id = ?1 AND k.id > ?2 "
                       "AND (?3 IS NULL OR instr(k.name_key, ?3) > 0) AND (?4 IS NULL OR "
                       "k.type = ?4) GROUP BY k.id ORDER BY k.id LIMIT ?5",
    [Q_CHUNK_CONCEPTS] = "SELECT k.id, k.name, k.type, cc.mentions, 1 FROM chunk_concepts cc "
                         "JOIN concepts k ON k.id = cc.concept_id JOIN chunks c ON c.id = "
                         "cc.chunk_id WHERE c.tenant_id = ?1 AND cc.chunk_id = ?2 "
                         "ORDER BY cc.mentions DESC, k.id LIMIT ?3",
    [Q_JOB_INSERT] = "INSERT INTO jobs (" JOB_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                     "?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    [Q_JOB_GET] = "SELECT " JOB_COLS " FROM jobs WHERE tenant_id = ?1 AND id = ?2",
    /* One statement: the choice and the update cannot interleave with
     * another claimer's (it also runs inside BEGIN IMMEDIATE). */
    [Q_JOB_CLAIM] = "UPDATE jobs SET status = 'running', attempts = attempts + 1, "
                    "lease_until = ?2 + ?3, worker = ?1, started_at = COALESCE(started_at, ?2) "
                    "WHERE id = (SELECT id FROM jobs WHERE (status = 'queued' AND run_at <= ?2) "
                    "OR (status = 'running' AND lease_until <= ?2) ORDER BY run_at, id LIMIT 1) "
                    "RETURNING " JOB_COLS,
    [Q_JOB_HEARTBEAT] = "UPDATE jobs SET lease_until = ?2, progress = ?3 WHERE id = ?1 AND "
                        "status = 'running'",
    [Q_JOB_FINISH] = "UPDATE jobs SET status = ?2, error = ?3, finished_at = ?4, "
                     "lease_until = NULL, progress = CASE WHEN ?2 = 'succeeded' THEN 1.0 "
                     "ELSE progress END WHERE id = ?1",
    /* The next run starts over: progress back to 0. */
    [Q_JOB_RETRY] = "UPDATE jobs SET status = 'queued', run_at = ?2, error = ?3, "
                    "lease_until = NULL, worker = '', progress = 0 WHERE id = ?1",
    [Q_JOB_DUE] = "SELECT 1 FROM jobs WHERE (status = 'queued' AND run_at <= ?1) OR "
                  "(status = 'running' AND lease_until <= ?1) LIMIT 1",
    [Q_JOB_COUNT] = "SELECT COUNT(*) FROM jobs WHERE status = ?1",
    [Q_JOB_WORKERS] = "SELECT DISTINCT worker FROM jobs WHERE status = 'running' LIMIT ?1",
    [Q_JOB_EXPIRE_WORKER] = "UPDATE jobs SET lease_until = ?2 WHERE status = 'running' AND "
                            "worker = ?1",
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

/* ---- atomic multi-statement operations ---------------------------------- */

/* Makes the statements that follow one unit: a savepoint inside the
 * caller's transaction (so a failure undoes only this operation and the
 * caller decides about the rest), or its own BEGIN IMMEDIATE transaction
 * in autocommit mode. *own says which, for unit_end. */
static int unit_begin(conn_t *c, bool *own) {
    *own = sqlite3_get_autocommit(c->db) != 0;
    const char *sql = *own ? "BEGIN IMMEDIATE" : "SAVEPOINT store_unit";
    if (sqlite3_exec(c->db, sql, NULL, NULL, NULL) == SQLITE_OK) return 0;
    return (sqlite3_errcode(c->db) & 0xff) == SQLITE_BUSY ? SAL_ECONFLICT : fail(c, "begin unit");
}

/* Commits (rc == 0) or undoes the unit; returns rc, or the commit error. */
static int unit_end(conn_t *c, bool own, int rc) {
    if (rc == 0) {
        const char *sql = own ? "COMMIT" : "RELEASE store_unit";
        if (sqlite3_exec(c->db, sql, NULL, NULL, NULL) == SQLITE_OK) return 0;
        rc = fail(c, "commit unit");
    }
    if (own) {
        if (sqlite3_get_autocommit(c->db) == 0) sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    } else {
        sqlite3_exec(c->db, "ROLLBACK TO store_unit; RELEASE store_unit", NULL, NULL, NULL);
    }
    return rc;
}

/* Steps a statement expected to yield at most one row and hands it to
 * row(); SAL_ENOTFOUND when there is none. */
static int one_row(conn_t *c, sqlite3_stmt *s, void (*row)(sqlite3_stmt *s, void *out), void *out,
                   const char *what) {
    int r = sqlite3_step(s);
    int rc = 0;
    if (r == SQLITE_ROW)
        row(s, out);
    else
        rc = r == SQLITE_DONE ? SAL_ENOTFOUND : fail(c, what);
    sqlite3_reset(s);
    return rc;
}

/* Runs an UPDATE/DELETE; SAL_ENOTFOUND when it touched no row. */
static int exec_changed(conn_t *c, sqlite3_stmt *s, const char *what) {
    int rc = exec_done(c, s, what);
    if (rc < 0) return rc;
    return sqlite3_changes(c->db) > 0 ? 0 : SAL_ENOTFOUND;
}

static int count_query(conn_t *c, sqlite3_stmt *s, int64_t *out, const char *what) {
    int r = sqlite3_step(s);
    *out = r == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    return r == SQLITE_ROW ? 0 : fail(c, what);
}

/* ---- sources ------------------------------------------------------------ */

static void source_row(sqlite3_stmt *s, void *out) {
    store_source_t *o = out;
    memset(o, 0, sizeof *o);
    col_text(s, 0, o->id, sizeof o->id);
    col_text(s, 1, o->tenant_id, sizeof o->tenant_id);
    col_text(s, 2, o->title, sizeof o->title);
    col_text(s, 3, o->filename, sizeof o->filename);
    col_text(s, 4, o->media_type, sizeof o->media_type);
    col_text(s, 5, o->format, sizeof o->format);
    o->size_bytes = sqlite3_column_int64(s, 6);
    col_text(s, 7, o->sha256, sizeof o->sha256);
    col_text(s, 8, o->source_type, sizeof o->source_type);
    col_text(s, 9, o->tags, sizeof o->tags);
    col_text(s, 10, o->status, sizeof o->status);
    col_text(s, 11, o->error, sizeof o->error);
    o->page_count = sqlite3_column_int(s, 12);
    o->chunk_count = sqlite3_column_int(s, 13);
    o->concept_count = sqlite3_column_int(s, 14);
    o->token_count = sqlite3_column_int64(s, 15);
    col_text(s, 16, o->embedding_model, sizeof o->embedding_model);
    o->processing_ms = sqlite3_column_int64(s, 17);
    col_text(s, 18, o->job_id, sizeof o->job_id);
    o->created_ms = sqlite3_column_int64(s, 19);
    o->updated_ms = sqlite3_column_int64(s, 20);
}

static int sq_source_insert(store_t *st, const store_source_t *src) {
    PREPARE(st, c, s, Q_SOURCE_INSERT);
    bind_text(s, 1, src->id);
    bind_text(s, 2, src->tenant_id);
    bind_text(s, 3, src->title);
    bind_text(s, 4, src->filename);
    bind_text(s, 5, src->media_type);
    bind_text(s, 6, src->format);
    sqlite3_bind_int64(s, 7, src->size_bytes);
    bind_text(s, 8, src->sha256);
    bind_text(s, 9, src->source_type[0] ? src->source_type : "other");
    bind_text(s, 10, src->tags);
    bind_text(s, 11, src->status[0] ? src->status : "pending");
    bind_text(s, 12, src->error);
    sqlite3_bind_int(s, 13, src->page_count);
    sqlite3_bind_int(s, 14, src->chunk_count);
    sqlite3_bind_int(s, 15, src->concept_count);
    sqlite3_bind_int64(s, 16, src->token_count);
    bind_text(s, 17, src->embedding_model);
    sqlite3_bind_int64(s, 18, src->processing_ms);
    bind_text(s, 19, src->job_id);
    int64_t now = sal_now_ms();
    sqlite3_bind_int64(s, 20, src->created_ms ? src->created_ms : now);
    sqlite3_bind_int64(s, 21, src->updated_ms ? src->updated_ms : now);
    return exec_done(c, s, "source insert");
}

static int sq_source_get(store_t *st, const char *tenant_id, const char *id, store_source_t *out) {
    PREPARE(st, c, s, Q_SOURCE_GET);
    bind_text(s, 1, tenant_id);
    bind_text(s, 2, id);
    return one_row(c, s, source_row, out, "source get");
}

static int sq_source_by_sha(store_t *st, const char *tenant_id, const char *sha256,
                            store_source_t *out) {
    PREPARE(st, c, s, Q_SOURCE_BY_SHA);
    bind_text(s, 1, tenant_id);
    bind_text(s, 2, sha256);
    return one_row(c, s, source_row, out, "source by sha");
}

static int sq_source_list(store_t *st, const char *tenant_id, const store_source_filter_t *f,
                          const char *after_id, store_source_t *out, size_t cap, size_t *n) {
    *n = 0;
    /* A tag cannot hold a comma, so such a filter matches nothing (and
     * must not match two adjacent tags). */
    if (f && f->tag && strchr(f->tag, ',')) return 0;
    PREPARE(st, c, s, Q_SOURCE_LIST);
    bind_text(s, 1, tenant_id);
    bind_text(s, 2, after_id ? after_id : "");
    bind_text(s, 3, f ? f->status : NULL);
    bind_text(s, 4, f ? f->source_type : NULL);
    bind_text(s, 5, f ? f->tag : NULL);
    sqlite3_bind_int64(s, 6, (sqlite3_int64)cap);
    int r;
    while (*n < cap && (r = sqlite3_step(s)) == SQLITE_ROW) source_row(s, &out[(*n)++]);
    if (*n == cap) r = SQLITE_DONE;
    sqlite3_reset(s);
    return r == SQLITE_DONE ? 0 : fail(c, "source list");
}

static int sq_source_update(store_t *st, const store_source_t *src) {
    PREPARE(st, c, s, Q_SOURCE_UPDATE);
    bind_text(s, 1, src->tenant_id);
    bind_text(s, 2, src->id);
    bind_text(s, 3, src->status);
    bind_text(s, 4, src->error);
    sqlite3_bind_int(s, 5, src->page_count);
    sqlite3_bind_int(s, 6, src->chunk_count);
    sqlite3_bind_int(s, 7, src->concept_count);
    sqlite3_bind_int64(s, 8, src->token_count);
    bind_text(s, 9, src->embedding_model);
    sqlite3_bind_int64(s, 10, src->processing_ms);
    bind_text(s, 11, src->job_id);
    sqlite3_bind_int64(s, 12, src->updated_ms ? src->updated_ms : sal_now_ms());
    bind_text(s, 13, src->title);
    return exec_changed(c, s, "source update");
}

static int version_bump(conn_t *c, const char *tenant_id) {
    sqlite3_stmt *s = stmt(c, Q_VERSION_BUMP);
    if (!s) return SAL_ESTORE;
    bind_text(s, 1, tenant_id);
    return exec_done(c, s, "knowledge version bump");
}

static int sq_source_delete(store_t *st, const char *tenant_id, const char *id) {
    conn_t *c;
    int rc = conn_get(st, &c);
    if (rc < 0) return rc;
    bool own;
    if ((rc = unit_begin(c, &own)) < 0) return rc;
    sqlite3_stmt *s = stmt(c, Q_SOURCE_DELETE);
    if (!s) {
        rc = SAL_ESTORE;
        goto done;
    }
    bind_text(s, 1, tenant_id);
    bind_text(s, 2, id);
    /* Chunks and their links go by ON DELETE CASCADE. */
    if ((rc = exec_changed(c, s, "source delete")) < 0) goto done;
    if (!(s = stmt(c, Q_CONCEPT_ORPHANS))) {
        rc = SAL_ESTORE;
        goto done;
    }
    bind_text(s, 1, tenant_id);
    if ((rc = exec_done(c, s, "concept orphans")) < 0) goto done;
    rc = version_bump(c, tenant_id);
done:
    return unit_end(c, own, rc);
}

static int sq_blob_refs(store_t *st, const char *sha256, int64_t *out) {
    PREPARE(st, c, s, Q_BLOB_REFS);
    bind_text(s, 1, sha256);
    return count_query(c, s, out, "blob refs");
}

/* Walks in pages, so no statement stays open while fn runs: fn may call
 * back into the store (even write) and no read snapshot is held long. */
#define SOURCE_PAGE 32

static int sq_source_each(store_t *st, int (*fn)(void *ud, const store_source_t *src), void *ud) {
    conn_t *c;
    int rc = conn_get(st, &c);
    if (rc < 0) return rc;
    store_source_t *page = xmalloc(sizeof *page * SOURCE_PAGE);
    char after[SAL_ID_CAP] = "";
    for (;;) {
        sqlite3_stmt *s = stmt(c, Q_SOURCE_PAGE);
        if (!s) {
            rc = SAL_ESTORE;
            break;
        }
        bind_text(s, 1, after);
        sqlite3_bind_int(s, 2, SOURCE_PAGE);
        size_t n = 0;
        int r;
        while (n < SOURCE_PAGE && (r = sqlite3_step(s)) == SQLITE_ROW) source_row(s, &page[n++]);
        if (n == SOURCE_PAGE) r = SQLITE_DONE;
        sqlite3_reset(s);
        if (r != SQLITE_DONE) {
            rc = fail(c, "source each");
            break;
        }
        for (size_t i = 0; i < n && rc == 0; i++) rc = fn(ud, &page[i]);
        if (rc != 0 || n < SOURCE_PAGE) break;
        sal_strlcpy(after, page[n - 1].id, sizeof after);
    }
    free(page);
    return rc;
}

/* ---- chunks ------------------------------------------------------------- */

static char *col_dup(sqlite3_stmt *s, int i) {
    const unsigned char *t = sqlite3_column_text(s, i);
    return xstrdup(t ? (const char *)t : "");
}

/* Text columns of CHUNK_COLS into an owned chunk (no vector or terms). */
static void chunk_row(sqlite3_stmt *s, void *out) {
    store_chunk_t *o = out;
    memset(o, 0, sizeof *o);
    col_text(s, 0, o->id, sizeof o->id);
    col_text(s, 1, o->tenant_id, sizeof o->tenant_id);
    col_text(s, 2, o->source_id, sizeof o->source_id);
    o->ordinal = sqlite3_column_int(s, 3);
    o->text = col_dup(s, 4);
    o->section = col_dup(s, 5);
    o->page = sqlite3_column_int(s, 6);
    o->token_count = sqlite3_column_int(s, 7);
    o->concept_types = (uint32_t)sqlite3_column_int64(s, 8);
}

static int chunk_insert(conn_t *c, const char *tenant_id, const char *source_id,
                        const store_chunk_t *k) {
    sqlite3_stmt *s = stmt(c, Q_CHUNK_INSERT);
    if (!s) return SAL_ESTORE;
    char id[SAL_ID_CAP];
    if (k->id[0])
        sal_strlcpy(id, k->id, sizeof id);
    else
        sal_id_new("chk", id, sizeof id);
    bind_text(s, 1, id);
    bind_text(s, 2, tenant_id);
    bind_text(s, 3, source_id);
    sqlite3_bind_int(s, 4, k->ordinal);
    bind_text(s, 5, k->text ? k->text : "");
    bind_text(s, 6, k->section ? k->section : "");
    sqlite3_bind_int(s, 7, k->page);
    sqlite3_bind_int(s, 8, k->token_count);
    sqlite3_bind_int64(s, 9, k->concept_types);
    if (k->vector && k->dims > 0)
        sqlite3_bind_blob(s, 10, k->vector, (int)(sizeof(float) * (size_t)k->dims), SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 10);
    sqlite3_bind_int(s, 11, k->vector ? k->dims : 0);
    if (k->terms && k->terms_len > 0)
        sqlite3_bind_blob64(s, 12, k->terms, k->terms_len, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 12);
    return exec_done(c, s, "chunk insert");
}

static int sq_chunks_replace(store_t *st, const char *tenant_id, const char *source_id,
                             const store_chunk_t *chunks, size_t n) {
    conn_t *c;
    int rc = conn_get(st, &c);
    if (rc < 0) return rc;
    bool own;
    if ((rc = unit_begin(c, &own)) < 0) return rc;
    /* The source must be the tenant's: chunks never cross tenants. */
    sqlite3_stmt *s = stmt(c, Q_SOURCE_EXISTS);
    if (!s) {
        rc = SAL_ESTORE;
        goto done;
    }
    bind_text(s, 1, tenant_id);
    bind_text(s, 2, source_id);
    int r = sqlite3_step(s);
    sqlite3_reset(s);
    if (r != SQLITE_ROW) {
        rc = r == SQLITE_DONE ? SAL_ENOTFOUND : fail(c, "chunks replace");
        goto done;
    }
    if (!(s = stmt(c, Q_CHUNK_DELETE))) {
        rc = SAL_ESTORE;
        goto done;
    }
    bind_text(s, 1, tenant_id);
    bind_text(s, 2, source_id);
    if ((rc = exec_done(c, s, "chunks delete")) < 0) goto done;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = chunk_insert(c, tenant_id, source_id, &chunks[i]);
    if (rc == 0) rc = version_bump(c, tenant_id);
done:
    return unit_end(c, own, rc);
}

static int sq_chunk_get(store_t *st, const char *tenant_id, const char *id, store_chunk_t *out) {
    PREPARE(st, c, s, Q_CHUNK_GET);
    bind_text(s, 1, tenant_id);
    bind_text(s, 2, id);
    return one_row(c, s, chunk_row, out, "chunk get");
}

static int sq_chunk_list(store_t *st, const char *tenant_id, const char *source_id,
                         int after_ordinal, store_chunk_t *out, size_t cap, size_t *n) {
    *n = 0;
    PREPARE(st, c, s, Q_CHUNK_LIST);
    bind_text(s, 1, tenant_id);
    bind_text(s, 2, source_id);
    sqlite3_bind_int(s, 3, after_ordinal);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)cap);
    int r;
    while (*n < cap && (r = sqlite3_step(s)) == SQLITE_ROW) chunk_row(s, &out[(*n)++]);
    if (*n == cap) r = SQLITE_DONE;
    sqlite3_reset(s);
    if (r == SQLITE_DONE) return 0;
    for (size_t i = 0; i < *n; i++) store_chunk_clear(&out[i]);
    *n = 0;
    return fail(c, "chunk list");
}

static int sq_chunk_each(store_t *st, const char *tenant_id,
                         int (*fn)(void *ud, const store_chunk_t *c), void *ud) {
    PREPARE(st, c, s, Q_CHUNK_EACH);
    bind_text(s, 1, tenant_id);
    /* SQLite's blob memory is not aligned for floats: vectors are copied
     * into one reused buffer that is. Terms are bytes and lent as they
     * are. */
    float *vec = NULL;
    size_t vec_cap = 0;
    int rc = 0, r;
    while (rc == 0 && (r = sqlite3_step(s)) == SQLITE_ROW) {
        store_chunk_t k;
        memset(&k, 0, sizeof k);
        col_text(s, 0, k.id, sizeof k.id);
        col_text(s, 1, k.tenant_id, sizeof k.tenant_id);
        col_text(s, 2, k.source_id, sizeof k.source_id);
        k.ordinal = sqlite3_column_int(s, 3);
        k.page = sqlite3_column_int(s, 4);
        k.token_count = sqlite3_column_int(s, 5);
        k.concept_types = (uint32_t)sqlite3_column_int64(s, 6);
        const void *v = sqlite3_column_blob(s, 7);
        size_t vbytes = (size_t)sqlite3_column_bytes(s, 7);
        int dims = sqlite3_column_int(s, 8);
        if (v && dims > 0 && vbytes == sizeof(float) * (size_t)dims) {
            if ((size_t)dims > vec_cap) {
                vec_cap = (size_t)dims;
                vec = xrealloc(vec, sizeof *vec * vec_cap);
            }
            memcpy(vec, v, vbytes);
            k.vector = vec;
            k.dims = dims;
        }
        const void *t = sqlite3_column_blob(s, 9);
        if (t) {
            k.terms = (unsigned char *)t;
            k.terms_len = (size_t)sqlite3_column_bytes(s, 9);
        }
        rc = fn(ud, &k);
    }
    if (rc == 0 && r != SQLITE_DONE) rc = fail(c, "chunk each");
    sqlite3_reset(s);
    free(vec);
    return rc;
}

/* ---- concepts ----------------------------------------------------------- */

/* Lower-cases UTF-8 text code point by code point (invalid bytes are kept
 * as they are). Returns a new string; free it. */
static char *lower_utf8(const char *s) {
    size_t len = strlen(s);
    /* A code point of n >= 1 bytes lowers to at most 4 bytes. */
    char *out = xmalloc(len * 4 + 1);
    size_t o = 0;
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    utf8proc_ssize_t left = (utf8proc_ssize_t)len;
    while (left > 0) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p, left, &cp);
        if (k <= 0) {
            out[o++] = (char)*p;
            p++;
            left--;
            continue;
        }
        o += (size_t)utf8proc_encode_char(utf8proc_tolower(cp), (utf8proc_uint8_t *)out + o);
        p += k;
        left -= k;
    }
    out[o] = '\0';
    return out;
}

static int concept_find(conn_t *c, const char *tenant_id, const char *type, const char *key,
                        char id_out[SAL_ID_CAP]) {
    sqlite3_stmt *s = stmt(c, Q_CONCEPT_FIND);
    if (!s) return SAL_ESTORE;
    bind_text(s, 1, tenant_id);
    bind_text(s, 2, type);
    bind_text(s, 3, key);
    int r = sqlite3_step(s);
    int rc = 0;
    if (r == SQLITE_ROW)
        col_text(s, 0, id_out, SAL_ID_CAP);
    else
        rc = r == SQLITE_DONE ? SAL_ENOTFOUND : fail(c, "concept find");
    sqlite3_reset(s);
    return rc;
}

static int sq_concept_ensure(store_t *st, const char *tenant_id, const char *type, const char *name,
                             char id_out[SAL_ID_CAP]) {
    conn_t *c;
    int rc = conn_get(st, &c);
    if (rc < 0) return rc;
    char *key = lower_utf8(name);
    rc = concept_find(c, tenant_id, type, key, id_out);
    if (rc == SAL_ENOTFOUND) {
        sqlite3_stmt *s = stmt(c, Q_CONCEPT_INSERT);
        if (!s) {
            rc = SAL_ESTORE;
            goto done;
        }
        char id[SAL_ID_CAP];
        sal_id_new("con", id, sizeof id);
        bind_text(s, 1, id);
        bind_text(s, 2, tenant_id);
        bind_text(s, 3, type);
        bind_text(s, 4, name);
        bind_text(s, 5, key);
        sqlite3_bind_int64(s, 6, sal_now_ms());
        /* ON CONFLICT DO NOTHING: another writer may have won; read back
         * whichever row is there. */
        if ((rc = exec_done(c, s, "concept insert")) < 0) goto done;
        rc = concept_find(c, tenant_id, type, key, id_out);
    }
done:
    free(key);
    return rc;
}

static int sq_concept_link(store_t *st, const char *tenant_id, const char *chunk_id,
                           const char *concept_id, int mentions) {
    PREPARE(st, c, s, Q_CONCEPT_LINK);
    bind_text(s, 1, tenant_id);
    bind_text(s, 2, chunk_id);
    bind_text(s, 3, concept_id);
    sqlite3_bind_int(s, 4, mentions);
    return exec_changed(c, s, "concept link");
}

static void concept_row(sqlite3_stmt *s, store_concept_t *o) {
    memset(o, 0, sizeof *o);
    col_text(s, 0, o->id, sizeof o->id);
    col_text(s, 1, o->name, sizeof o->name);
    col_text(s, 2, o->type, sizeof o->type);
    o->mentions = sqlite3_column_int64(s, 3);
    o->source_count = sqlite3_column_int64(s, 4);
}

static int concept_rows(conn_t *c, sqlite3_stmt *s, store_concept_t *out, size_t cap, size_t *n,
                        const char *what) {
    int r;
    while (*n < cap && (r = sqlite3_step(s)) == SQLITE_ROW) concept_row(s, &out[(*n)++]);
    if (*n == cap) r = SQLITE_DONE;
    sqlite3_reset(s);
    return r == SQLITE_DONE ? 0 : fail(c, what);
}

static int sq_concept_list(store_t *st, const char *tenant_id, const char *q, const char *type,
                           const char *after_id, store_concept_t *out, size_t cap, size_t *n) {
    *n = 0;
    PREPARE(st, c, s, Q_CONCEPT_LIST);
    char *key = q ? lower_utf8(q) : NULL;
    bind_text(s, 1, tenant_id);
    bind_text(s, 2, after_id ? after_id : "");
    bind_text(s, 3, key);
    bind_text(s, 4, type);
    sqlite3_bind_int64(s, 5, (sqlite3_int64)cap);
    int rc = concept_rows(c, s, out, cap, n, "concept list");
    free(key);
    return rc;
}

static int sq_chunk_concepts(store_t *st, const char *tenant_id, const char *chunk_id,
                             store_concept_t *out, size_t cap, size_t *n) {
    *n = 0;
    PREPARE(st, c, s, Q_CHUNK_CONCEPTS);
    bind_text(s, 1, tenant_id);
    bind_text(s, 2, chunk_id);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)cap);
    return concept_rows(c, s, out, cap, n, "chunk concepts");
}

static int sq_knowledge_version(store_t *st, const char *tenant_id, int64_t *out) {
    PREPARE(st, c, s, Q_VERSION_GET);
    bind_text(s, 1, tenant_id);
    int r = sqlite3_step(s);
    *out = r == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    return r == SQLITE_ROW || r == SQLITE_DONE ? 0 : fail(c, "knowledge version");
}

/* ---- jobs --------------------------------------------------------------- */

static void job_row(sqlite3_stmt *s, void *out) {
    store_job_t *o = out;
    memset(o, 0, sizeof *o);
    col_text(s, 0, o->id, sizeof o->id);
    col_text(s, 1, o->tenant_id, sizeof o->tenant_id);
    col_text(s, 2, o->type, sizeof o->type);
    col_text(s, 3, o->payload, sizeof o->payload);
    col_text(s, 4, o->status, sizeof o->status);
    o->attempts = sqlite3_column_int(s, 5);
    o->max_attempts = sqlite3_column_int(s, 6);
    col_text(s, 7, o->error, sizeof o->error);
    o->progress = sqlite3_column_double(s, 8);
    o->run_at_ms = sqlite3_column_int64(s, 9);
    o->lease_until_ms = sqlite3_column_int64(s, 10);
    col_text(s, 11, o->worker, sizeof o->worker);
    o->created_ms = sqlite3_column_int64(s, 12);
    o->started_ms = sqlite3_column_int64(s, 13);
    o->finished_ms = sqlite3_column_int64(s, 14);
}

/* Binds ms as an integer, or NULL for 0 ("not yet"). */
static void bind_ms(sqlite3_stmt *s, int i, int64_t ms) {
    if (ms)
        sqlite3_bind_int64(s, i, ms);
    else
        sqlite3_bind_null(s, i);
}

static int sq_job_insert(store_t *st, const store_job_t *job) {
    /* The payload column is the whole JSON text: refuse one that did not
     * fit the struct rather than store a truncated object. */
    if (strnlen(job->payload, sizeof job->payload) == sizeof job->payload) return SAL_EINVAL;
    PREPARE(st, c, s, Q_JOB_INSERT);
    /* Every column as given (a running job keeps its lease: imports, tests
     * of lease expiry), with defaults for a fresh job. */
    bind_text(s, 1, job->id);
    bind_text(s, 2, job->tenant_id);
    bind_text(s, 3, job->type);
    bind_text(s, 4, job->payload[0] ? job->payload : "{}");
    bind_text(s, 5, job->status[0] ? job->status : "queued");
    sqlite3_bind_int(s, 6, job->attempts);
    sqlite3_bind_int(s, 7, job->max_attempts > 0 ? job->max_attempts : 5);
    bind_text(s, 8, job->error);
    sqlite3_bind_double(s, 9, job->progress);
    sqlite3_bind_int64(s, 10, job->run_at_ms);
    bind_ms(s, 11, job->lease_until_ms);
    bind_text(s, 12, job->worker);
    sqlite3_bind_int64(s, 13, job->created_ms ? job->created_ms : sal_now_ms());
    bind_ms(s, 14, job->started_ms);
    bind_ms(s, 15, job->finished_ms);
    return exec_done(c, s, "job insert");
}

static int sq_job_get(store_t *st, const char *tenant_id, const char *id, store_job_t *out) {
    PREPARE(st, c, s, Q_JOB_GET);
    bind_text(s, 1, tenant_id);
    bind_text(s, 2, id);
    return one_row(c, s, job_row, out, "job get");
}

static int sq_job_claim(store_t *st, const char *worker, int64_t now_ms, int64_t lease_ms,
                        store_job_t *out) {
    conn_t *c;
    int rc = conn_get(st, &c);
    if (rc < 0) return rc;
    if (sqlite3_get_autocommit(c->db)) {
        /* Idle workers poll: look without the write lock first, so polling
         * never queues behind a long ingestion transaction. */
        sqlite3_stmt *d = stmt(c, Q_JOB_DUE);
        if (!d) return SAL_ESTORE;
        sqlite3_bind_int64(d, 1, now_ms);
        int r = sqlite3_step(d);
        sqlite3_reset(d);
        if (r == SQLITE_DONE) return SAL_ENOTFOUND;
        if (r != SQLITE_ROW) return fail(c, "job due");
    }
    bool own;
    if ((rc = unit_begin(c, &own)) < 0) return rc;
    sqlite3_stmt *s = stmt(c, Q_JOB_CLAIM);
    if (!s) {
        rc = SAL_ESTORE;
        goto done;
    }
    bind_text(s, 1, worker);
    sqlite3_bind_int64(s, 2, now_ms);
    sqlite3_bind_int64(s, 3, lease_ms);
    int r = sqlite3_step(s);
    if (r == SQLITE_ROW) {
        job_row(s, out);
        r = sqlite3_step(s); /* finish the statement before committing */
        rc = r == SQLITE_DONE ? 0 : fail(c, "job claim");
    } else if (r == SQLITE_DONE) {
        rc = SAL_ENOTFOUND;
    } else {
        rc = (r & 0xff) == SQLITE_BUSY ? SAL_ECONFLICT : fail(c, "job claim");
    }
    sqlite3_reset(s);
done:
    /* Nothing due changes nothing: commit rather than undo. */
    return rc == SAL_ENOTFOUND ? (unit_end(c, own, 0) < 0 ? SAL_ESTORE : SAL_ENOTFOUND)
                               : unit_end(c, own, rc);
}

static int sq_job_heartbeat(store_t *st, const char *id, int64_t lease_until_ms, double progress) {
    PREPARE(st, c, s, Q_JOB_HEARTBEAT);
    bind_text(s, 1, id);
    sqlite3_bind_int64(s, 2, lease_until_ms);
    sqlite3_bind_double(s, 3, progress);
    return exec_changed(c, s, "job heartbeat");
}

static int sq_job_finish(store_t *st, const char *id, const char *status, const char *error,
                         int64_t now_ms) {
    if (strcmp(status, "succeeded") != 0 && strcmp(status, "failed") != 0) return SAL_EINVAL;
    PREPARE(st, c, s, Q_JOB_FINISH);
    bind_text(s, 1, id);
    bind_text(s, 2, status);
    bind_text(s, 3, error ? error : "");
    sqlite3_bind_int64(s, 4, now_ms);
    return exec_changed(c, s, "job finish");
}

static int sq_job_retry(store_t *st, const char *id, int64_t run_at_ms, const char *error) {
    PREPARE(st, c, s, Q_JOB_RETRY);
    bind_text(s, 1, id);
    sqlite3_bind_int64(s, 2, run_at_ms);
    bind_text(s, 3, error ? error : "");
    return exec_changed(c, s, "job retry");
}

static int sq_job_count(store_t *st, const char *status, int64_t *out) {
    PREPARE(st, c, s, Q_JOB_COUNT);
    bind_text(s, 1, status);
    return count_query(c, s, out, "job count");
}

static int sq_job_workers(store_t *st, char (*out)[64], size_t cap, size_t *n) {
    PREPARE(st, c, s, Q_JOB_WORKERS);
    sqlite3_bind_int64(s, 1, (sqlite3_int64)cap);
    *n = 0;
    int r;
    while ((r = sqlite3_step(s)) == SQLITE_ROW && *n < cap) col_text(s, 0, out[(*n)++], 64);
    sqlite3_reset(s);
    return r == SQLITE_DONE || r == SQLITE_ROW ? 0 : fail(c, "job workers");
}

static int sq_job_expire_worker(store_t *st, const char *worker, int64_t now_ms) {
    PREPARE(st, c, s, Q_JOB_EXPIRE_WORKER);
    bind_text(s, 1, worker);
    sqlite3_bind_int64(s, 2, now_ms);
    return exec_done(c, s, "job expire worker");
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
    .source_insert = sq_source_insert,
    .source_get = sq_source_get,
    .source_by_sha = sq_source_by_sha,
    .source_list = sq_source_list,
    .source_update = sq_source_update,
    .source_delete = sq_source_delete,
    .blob_refs = sq_blob_refs,
    .source_each = sq_source_each,
    .chunks_replace = sq_chunks_replace,
    .chunk_get = sq_chunk_get,
    .chunk_list = sq_chunk_list,
    .chunk_each = sq_chunk_each,
    .concept_ensure = sq_concept_ensure,
    .concept_link = sq_concept_link,
    .concept_list = sq_concept_list,
    .chunk_concepts = sq_chunk_concepts,
    .knowledge_version = sq_knowledge_version,
    .job_insert = sq_job_insert,
    .job_get = sq_job_get,
    .job_claim = sq_job_claim,
    .job_heartbeat = sq_job_heartbeat,
    .job_finish = sq_job_finish,
    .job_retry = sq_job_retry,
    .job_count = sq_job_count,
    .job_workers = sq_job_workers,
    .job_expire_worker = sq_job_expire_worker,
};
