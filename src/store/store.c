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

/* ---- knowledge ---------------------------------------------------------- */

int store_source_insert(store_t *st, const store_source_t *src) {
    return st->ops->source_insert(st, src);
}
int store_source_get(store_t *st, const char *tenant_id, const char *id, store_source_t *out) {
    return st->ops->source_get(st, tenant_id, id, out);
}
int store_source_by_sha(store_t *st, const char *tenant_id, const char *sha256,
                        store_source_t *out) {
    return st->ops->source_by_sha(st, tenant_id, sha256, out);
}
int store_source_list(store_t *st, const char *tenant_id, const store_source_filter_t *f,
                      const char *after_id, store_source_t *out, size_t cap, size_t *n) {
    return st->ops->source_list(st, tenant_id, f, after_id, out, cap, n);
}
int store_source_update(store_t *st, const store_source_t *src) {
    return st->ops->source_update(st, src);
}
int store_source_delete(store_t *st, const char *tenant_id, const char *id) {
    return st->ops->source_delete(st, tenant_id, id);
}
int store_blob_refs(store_t *st, const char *sha256, int64_t *out) {
    return st->ops->blob_refs(st, sha256, out);
}
int store_source_each(store_t *st, int (*fn)(void *ud, const store_source_t *src), void *ud) {
    return st->ops->source_each(st, fn, ud);
}

void store_chunk_clear(store_chunk_t *c) {
    if (!c) return;
    free(c->text);
    free(c->section);
    free(c->vector);
    free(c->terms);
    c->text = c->section = NULL;
    c->vector = NULL;
    c->terms = NULL;
    c->dims = 0;
    c->terms_len = 0;
}

int store_chunks_replace(store_t *st, const char *tenant_id, const char *source_id,
                         const store_chunk_t *chunks, size_t n) {
    return st->ops->chunks_replace(st, tenant_id, source_id, chunks, n);
}
int store_chunk_get(store_t *st, const char *tenant_id, const char *id, store_chunk_t *out) {
    return st->ops->chunk_get(st, tenant_id, id, out);
}
int store_chunk_list(store_t *st, const char *tenant_id, const char *source_id, int after_ordinal,
                     store_chunk_t *out, size_t cap, size_t *n) {
    return st->ops->chunk_list(st, tenant_id, source_id, after_ordinal, out, cap, n);
}
int store_chunk_each(store_t *st, const char *tenant_id,
                     int (*fn)(void *ud, const store_chunk_t *c), void *ud) {
    return st->ops->chunk_each(st, tenant_id, fn, ud);
}

int store_concept_ensure(store_t *st, const char *tenant_id, const char *type, const char *name,
                         char id_out[SAL_ID_CAP]) {
    return st->ops->concept_ensure(st, tenant_id, type, name, id_out);
}
int store_concept_link(store_t *st, const char *tenant_id, const char *chunk_id,
                       const char *concept_id, int mentions) {
    return st->ops->concept_link(st, tenant_id, chunk_id, concept_id, mentions);
}
int store_concept_list(store_t *st, const char *tenant_id, const char *q, const char *type,
                       const char *after_id, store_concept_t *out, size_t cap, size_t *n) {
    return st->ops->concept_list(st, tenant_id, q, type, after_id, out, cap, n);
}
int store_chunk_concepts(store_t *st, const char *tenant_id, const char *chunk_id,
                         store_concept_t *out, size_t cap, size_t *n) {
    return st->ops->chunk_concepts(st, tenant_id, chunk_id, out, cap, n);
}
int store_knowledge_version(store_t *st, const char *tenant_id, int64_t *out) {
    return st->ops->knowledge_version(st, tenant_id, out);
}

/* ---- jobs --------------------------------------------------------------- */

int store_job_insert(store_t *st, const store_job_t *job) { return st->ops->job_insert(st, job); }
int store_job_get(store_t *st, const char *tenant_id, const char *id, store_job_t *out) {
    return st->ops->job_get(st, tenant_id, id, out);
}
int store_job_claim(store_t *st, const char *worker, int64_t now_ms, int64_t lease_ms,
                    store_job_t *out) {
    return st->ops->job_claim(st, worker, now_ms, lease_ms, out);
}
int store_job_heartbeat(store_t *st, const char *id, int64_t lease_until_ms, double progress) {
    return st->ops->job_heartbeat(st, id, lease_until_ms, progress);
}
int store_job_finish(store_t *st, const char *id, const char *status, const char *error,
                     int64_t now_ms) {
    return st->ops->job_finish(st, id, status, error, now_ms);
}
int store_job_retry(store_t *st, const char *id, int64_t run_at_ms, const char *error) {
    return st->ops->job_retry(st, id, run_at_ms, error);
}
int store_job_workers(store_t *st, char (*out)[64], size_t cap, size_t *n) {
    return st->ops->job_workers(st, out, cap, n);
}
int store_job_expire_worker(store_t *st, const char *worker, int64_t now_ms) {
    return st->ops->job_expire_worker(st, worker, now_ms);
}
int store_job_count(store_t *st, const char *status, int64_t *out) {
    return st->ops->job_count(st, status, out);
}
