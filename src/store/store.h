/* SPDX-License-Identifier: MIT */
/*
 * store — durable data behind one interface. Domain code calls these
 * functions and never sees SQL; each backend (store_sqlite.c now,
 * store_pg.c later) owns its SQL and its numbered migrations under
 * migrations/<backend>/.
 *
 * Every domain call takes the tenant id and filters by it, so one tenant
 * can never read another's rows.
 *
 * A store is shared by all threads; each thread gets its own connection
 * (with its own prepared statements). store_tx() runs a function inside
 * one transaction on the calling thread's connection, so every store call
 * that function makes is part of it.
 *
 *     store_t *st;
 *     if (store_open("sqlite://./data/salient.db", &st) < 0) ...
 *     store_migrate(st, NULL, NULL);
 *     store_tenant_t t;
 *     store_tenant_ensure(st, "acme", &t);
 *     store_close(st);
 */
#ifndef SALIENT_STORE_H
#define SALIENT_STORE_H

#include "core/core.h"

typedef struct store store_t;

/* Opens the backend named by the URL scheme (sqlite://PATH). Creates the
 * file's directory if needed. Returns SAL_EUNAVAIL for a backend this build
 * lacks, SAL_ESTORE when the database cannot be opened. */
int store_open(const char *database_url, store_t **out);
void store_close(store_t *st); /* accepts NULL */
/* "sqlite" or "postgresql". */
const char *store_backend(const store_t *st);

/* Applies pending numbered migrations in one transaction each. from/to
 * (may be NULL) receive the schema version before and after. */
int store_migrate(store_t *st, int *from, int *to);
/* The current schema version, and the newest this build knows. */
int store_schema_version(store_t *st, int *out);
int store_schema_latest(const store_t *st);
/* Cheap liveness check of the calling thread's connection. */
int store_ping(store_t *st);

/* Runs fn(st, arg) in one transaction: committed when fn returns 0, rolled
 * back otherwise (fn's code is returned). Nested calls join the outer one. */
int store_tx(store_t *st, int (*fn)(store_t *st, void *arg), void *arg);

/* ---- tenants ----------------------------------------------------------- */

#define STORE_NAME_CAP 512 /* 100 characters of up to 4 UTF-8 bytes */

typedef struct {
    char id[SAL_ID_CAP];
    char name[STORE_NAME_CAP];
    int64_t created_ms;
} store_tenant_t;

/* Returns the tenant with this name, creating it when absent. */
int store_tenant_ensure(store_t *st, const char *name, store_tenant_t *out);
/* Finds a tenant by name; SAL_ENOTFOUND when there is none. */
int store_tenant_find(store_t *st, const char *name, store_tenant_t *out);
int store_tenant_get(store_t *st, const char *id, store_tenant_t *out);

/* ---- API keys ---------------------------------------------------------- */

#define STORE_PREFIX_CAP 24
#define STORE_HASH_LEN   32

typedef struct {
    char id[SAL_ID_CAP];
    char tenant_id[SAL_ID_CAP];
    char name[STORE_NAME_CAP];
    char prefix[STORE_PREFIX_CAP]; /* visible part of the key */
    unsigned char hash[STORE_HASH_LEN];
    unsigned scopes;
    int64_t created_ms;
    int64_t last_used_ms; /* 0: never */
    int64_t revoked_ms;   /* 0: active */
} store_key_t;

int store_key_insert(store_t *st, const store_key_t *key);
/* Finds a key by id in any tenant (operators' CLI). SAL_ENOTFOUND when
 * none. */
int store_key_get(store_t *st, const char *id, store_key_t *out);
/* Finds a key by its visible prefix, in any tenant (authentication has no
 * tenant yet). SAL_ENOTFOUND when none. */
int store_key_by_prefix(store_t *st, const char *prefix, store_key_t *out);
/* Active keys of a tenant ordered by id, after after_id ("" from the
 * start). Fills up to cap entries of out and sets *n. */
int store_key_list(store_t *st, const char *tenant_id, const char *after_id, store_key_t *out,
                   size_t cap, size_t *n);
/* Marks a key revoked. SAL_ENOTFOUND when it is not an active key of
 * this tenant. */
int store_key_revoke(store_t *st, const char *tenant_id, const char *id, int64_t now_ms);
/* Records when a key was last used (best effort). */
int store_key_touch(store_t *st, const char *id, int64_t now_ms);

/* ---- audit log --------------------------------------------------------- */

typedef struct {
    const char *tenant_id;
    const char *actor;  /* key id, or "cli" */
    const char *action; /* "key.create", "key.revoke", ... */
    const char *target_id;
    const char *request_id; /* may be NULL */
    const char *detail;     /* JSON text, may be NULL */
} store_audit_t;

/* Appends one audit record of a write. */
int store_audit_append(store_t *st, const store_audit_t *rec);
/* Counts a tenant's audit records with this action (for tests and
 * reports). */
int store_audit_count(store_t *st, const char *tenant_id, const char *action, int64_t *out);

#endif
