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
    int (*source_insert)(store_t *st, const store_source_t *src);
    int (*source_get)(store_t *st, const char *tenant_id, const char *id, store_source_t *out);
    int (*source_by_sha)(store_t *st, const char *tenant_id, const char *sha256,
                         store_source_t *out);
    int (*source_list)(store_t *st, const char *tenant_id, const store_source_filter_t *f,
                       const char *after_id, store_source_t *out, size_t cap, size_t *n);
    int (*source_update)(store_t *st, const store_source_t *src);
    int (*source_delete)(store_t *st, const char *tenant_id, const char *id);
    int (*blob_refs)(store_t *st, const char *sha256, int64_t *out);
    int (*source_each)(store_t *st, int (*fn)(void *ud, const store_source_t *src), void *ud);

    int (*chunks_replace)(store_t *st, const char *tenant_id, const char *source_id,
                          const store_chunk_t *chunks, size_t n);
    int (*chunk_get)(store_t *st, const char *tenant_id, const char *id, store_chunk_t *out);
    int (*chunk_list)(store_t *st, const char *tenant_id, const char *source_id, int after_ordinal,
                      store_chunk_t *out, size_t cap, size_t *n);
    int (*chunk_each)(store_t *st, const char *tenant_id,
                      int (*fn)(void *ud, const store_chunk_t *c), void *ud);

    int (*concept_ensure)(store_t *st, const char *tenant_id, const char *type, const char *name,
                          char id_out[SAL_ID_CAP]);
    int (*concept_link)(store_t *st, const char *tenant_id, const char *chunk_id,
                        const char *concept_id, int mentions);
    int (*concept_list)(store_t *st, const char *tenant_id, const char *q, const char *type,
                        const char *after_id, store_concept_t *out, size_t cap, size_t *n);
    int (*chunk_concepts)(store_t *st, const char *tenant_id, const char *chunk_id,
                          store_concept_t *out, size_t cap, size_t *n);
    int (*knowledge_version)(store_t *st, const char *tenant_id, int64_t *out);

    int (*job_insert)(store_t *st, const store_job_t *job);
    int (*job_get)(store_t *st, const char *tenant_id, const char *id, store_job_t *out);
    int (*job_claim)(store_t *st, const char *worker, int64_t now_ms, int64_t lease_ms,
                     store_job_t *out);
    int (*job_heartbeat)(store_t *st, const char *id, int64_t lease_until_ms, double progress);
    int (*job_finish)(store_t *st, const char *id, const char *status, const char *error,
                      int64_t now_ms);
    int (*job_retry)(store_t *st, const char *id, int64_t run_at_ms, const char *error);
    int (*job_count)(store_t *st, const char *status, int64_t *out);
    int (*job_workers)(store_t *st, char (*out)[64], size_t cap, size_t *n);
    int (*job_expire_worker)(store_t *st, const char *worker, int64_t now_ms);
} store_ops_t;

struct store {
    const store_ops_t *ops;
    void *impl;
};

/* Backend constructors: path/URL after the scheme. */
int store_sqlite_open(const char *path, store_t **out);

#endif
