/* SPDX-License-Identifier: MIT */
/* Private to store/: the backend interface every store_<backend>.c fills. */
#ifndef SALIENT_STORE_INT_H
#define SALIENT_STORE_INT_H

#include "store/store.h"

typedef struct store_ops {
    const char *name;
    void (*close)(store_t *st);
    int (*migrate)(store_t *st, int *from, int *to);
    int (*schema_version)(store_t *st, int *out);
    int (*schema_latest)(const store_t *st);
    int (*ping)(store_t *st);
    /* Nesting-aware: only the outermost begin/commit touch the database. */
    int (*tx_begin)(store_t *st);
    int (*tx_commit)(store_t *st);
    void (*tx_rollback)(store_t *st);

    int (*tenant_ensure)(store_t *st, const char *name, store_tenant_t *out);
    int (*tenant_find)(store_t *st, const char *name, store_tenant_t *out);
    int (*tenant_get)(store_t *st, const char *id, store_tenant_t *out);
    int (*key_insert)(store_t *st, const store_key_t *key);
    int (*key_get)(store_t *st, const char *id, store_key_t *out);
    int (*key_by_prefix)(store_t *st, const char *prefix, store_key_t *out);
    int (*key_list)(store_t *st, const char *tenant_id, const char *after_id, store_key_t *out,
                    size_t cap, size_t *n);
    int (*key_revoke)(store_t *st, const char *tenant_id, const char *id, int64_t now_ms);
    int (*key_touch)(store_t *st, const char *id, int64_t now_ms);
    int (*audit_append)(store_t *st, const store_audit_t *rec);
    int (*audit_count)(store_t *st, const char *tenant_id, const char *action, int64_t *out);
} store_ops_t;

struct store {
    const store_ops_t *ops;
    void *impl;
};

/* Backend constructors: path/URL after the scheme. */
int store_sqlite_open(const char *path, store_t **out);

#endif
