/* SPDX-License-Identifier: MIT */
/*
 * The store facade: picks the backend from the URL scheme and forwards
 * each call through the backend's operations table.
 */
#include "store/store_int.h"

#include <stdlib.h>
#include <string.h>

int store_open(const char *url, store_t **out) {
    *out = NULL;
    if (strncmp(url, "sqlite://", 9) == 0) return store_sqlite_open(url + 9, out);
    if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0) {
        sal_logf(SAL_LOG_ERROR, "DATABASE_URL: the PostgreSQL backend is not in this build "
                                "yet; use sqlite://");
        return SAL_EUNAVAIL;
    }
    return SAL_EINVAL;
}

void store_close(store_t *st) {
    if (st) st->ops->close(st);
}

const char *store_backend(const store_t *st) { return st->ops->name; }
int store_migrate(store_t *st, int *from, int *to) { return st->ops->migrate(st, from, to); }
int store_schema_version(store_t *st, int *out) { return st->ops->schema_version(st, out); }
int store_schema_latest(const store_t *st) { return st->ops->schema_latest(st); }
int store_ping(store_t *st) { return st->ops->ping(st); }

int store_tx(store_t *st, int (*fn)(store_t *st, void *arg), void *arg) {
    int rc = st->ops->tx_begin(st);
    if (rc < 0) return rc;
    rc = fn(st, arg);
    if (rc == 0) {
        rc = st->ops->tx_commit(st);
        if (rc < 0) st->ops->tx_rollback(st);
    } else {
        st->ops->tx_rollback(st);
    }
    return rc;
}

int store_tenant_ensure(store_t *st, const char *name, store_tenant_t *out) {
    return st->ops->tenant_ensure(st, name, out);
}
int store_tenant_find(store_t *st, const char *name, store_tenant_t *out) {
    return st->ops->tenant_find(st, name, out);
}
int store_tenant_get(store_t *st, const char *id, store_tenant_t *out) {
    return st->ops->tenant_get(st, id, out);
}
int store_key_insert(store_t *st, const store_key_t *key) { return st->ops->key_insert(st, key); }
int store_key_get(store_t *st, const char *id, store_key_t *out) {
    return st->ops->key_get(st, id, out);
}
int store_key_by_prefix(store_t *st, const char *prefix, store_key_t *out) {
    return st->ops->key_by_prefix(st, prefix, out);
}
int store_key_list(store_t *st, const char *tenant_id, const char *after_id, store_key_t *out,
                   size_t cap, size_t *n) {
    return st->ops->key_list(st, tenant_id, after_id, out, cap, n);
}
int store_key_revoke(store_t *st, const char *tenant_id, const char *id, int64_t now_ms) {
    return st->ops->key_revoke(st, tenant_id, id, now_ms);
}
int store_key_touch(store_t *st, const char *id, int64_t now_ms) {
    return st->ops->key_touch(st, id, now_ms);
}
int store_audit_append(store_t *st, const store_audit_t *rec) {
    return st->ops->audit_append(st, rec);
}
int store_audit_count(store_t *st, const char *tenant_id, const char *action, int64_t *out) {
    return st->ops->audit_count(st, tenant_id, action, out);
}
