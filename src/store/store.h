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

/* ---- knowledge: sources ------------------------------------------------- */

#define STORE_TITLE_CAP    1024 /* 200 characters of up to 4 bytes, + NUL */
#define STORE_FILENAME_CAP 1024
#define STORE_TAGS_CAP     1024 /* tags joined by ',' (a tag has no comma) */
#define STORE_ERROR_CAP    512
#define STORE_SHA256_CAP   65

/* A knowledge source: one uploaded document (or JSON text). status is
 * "pending", "processing", "ready" or "failed". */
typedef struct {
    char id[SAL_ID_CAP];
    char tenant_id[SAL_ID_CAP];
    char title[STORE_TITLE_CAP];
    char filename[STORE_FILENAME_CAP];
    char media_type[128];
    char format[16]; /* extractor: "pdf","docx","pptx","html","markdown","text" */
    int64_t size_bytes;
    char sha256[STORE_SHA256_CAP]; /* of the original bytes; names the blob */
    char source_type[32];          /* product_sheet, playbook, ... other */
    char tags[STORE_TAGS_CAP];
    char status[16];
    char error[STORE_ERROR_CAP]; /* "" unless failed */
    int page_count, chunk_count, concept_count;
    int64_t token_count;
    char embedding_model[128]; /* "" until embedded */
    int64_t processing_ms;
    char job_id[SAL_ID_CAP]; /* the latest ingestion job */
    int64_t created_ms, updated_ms;
} store_source_t;

typedef struct {
    const char *status;      /* NULL: any */
    const char *source_type; /* NULL: any */
    const char *tag;         /* NULL: any; exact tag match */
} store_source_filter_t;

/* SAL_EEXIST when this tenant already has a source with the same sha256. */
int store_source_insert(store_t *st, const store_source_t *src);
int store_source_get(store_t *st, const char *tenant_id, const char *id, store_source_t *out);
/* SAL_ENOTFOUND when the tenant has no source with these bytes. */
int store_source_by_sha(store_t *st, const char *tenant_id, const char *sha256,
                        store_source_t *out);
/* A tenant's sources ordered by id, after after_id ("" from the start),
 * matching f (may be NULL). Fills up to cap of out, sets *n. */
int store_source_list(store_t *st, const char *tenant_id, const store_source_filter_t *f,
                      const char *after_id, store_source_t *out, size_t cap, size_t *n);
/* Writes every mutable field of src (title, status, error, counts, model,
 * job id, processing_ms, updated_ms) to the row with src->id in its tenant.
 * SAL_ENOTFOUND when it is gone. */
int store_source_update(store_t *st, const store_source_t *src);
/* Deletes a source with its chunks and their concept links (and concepts
 * no chunk mentions any more). SAL_ENOTFOUND when absent. */
int store_source_delete(store_t *st, const char *tenant_id, const char *id);
/* How many sources, in any tenant, still reference the blob sha256 (to
 * know when the blob file may go). */
int store_blob_refs(store_t *st, const char *sha256, int64_t *out);
/* Calls fn for every source of every tenant (start-up: stale model
 * check). fn returning non-zero stops the walk and is returned. */
int store_source_each(store_t *st, int (*fn)(void *ud, const store_source_t *src), void *ud);

/* ---- knowledge: chunks -------------------------------------------------- */

/* A chunk of a source. text and section are owned by the struct when
 * read from the store (free with store_chunk_clear); borrowed when
 * passed in. vector is dims floats (f32, L2-normalised); terms is the
 * index's encoded term blob; both borrowed when passed in, owned when
 * read. */
typedef struct {
    char id[SAL_ID_CAP];
    char tenant_id[SAL_ID_CAP];
    char source_id[SAL_ID_CAP];
    int ordinal;
    char *text;
    char *section; /* heading path, "" when none */
    int page;      /* 1-based page or slide, 0 for flat text */
    int token_count;
    uint32_t concept_types; /* bit (1 << concept type) for each type it mentions */
    float *vector;
    int dims;
    unsigned char *terms;
    size_t terms_len;
} store_chunk_t;

void store_chunk_clear(store_chunk_t *c); /* frees owned fields; accepts NULL */

/* Replaces the chunks of a source: deletes its existing chunks and their
 * concept links, then inserts chunks[0..n). Call inside store_tx together
 * with the concept links and the source update, so a source is either
 * unprocessed or complete. */
int store_chunks_replace(store_t *st, const char *tenant_id, const char *source_id,
                         const store_chunk_t *chunks, size_t n);
/* One chunk with text and section (no vector, no terms). */
int store_chunk_get(store_t *st, const char *tenant_id, const char *id, store_chunk_t *out);
/* A source's chunks by ordinal after after_ordinal (-1 from the start),
 * with text and section. out entries must be cleared by the caller. */
int store_chunk_list(store_t *st, const char *tenant_id, const char *source_id, int after_ordinal,
                     store_chunk_t *out, size_t cap, size_t *n);
/* Calls fn for every chunk of a tenant (NULL: of every tenant) whose
 * source is "ready", with vector and terms but no text (index loading).
 * The chunk passed to fn is borrowed for the call only. */
int store_chunk_each(store_t *st, const char *tenant_id,
                     int (*fn)(void *ud, const store_chunk_t *c), void *ud);

/* ---- knowledge: concepts ------------------------------------------------ */

typedef struct {
    char id[SAL_ID_CAP];
    char name[STORE_NAME_CAP];
    char type[16];        /* product, feature, ... keyphrase */
    int64_t mentions;     /* sum over linked chunks */
    int64_t source_count; /* distinct sources */
} store_concept_t;

/* Returns the id of the tenant's concept (type, name), creating it when
 * absent (names compare case-insensitively). */
int store_concept_ensure(store_t *st, const char *tenant_id, const char *type, const char *name,
                         char id_out[SAL_ID_CAP]);
/* Links a chunk to a concept with a mention count. */
int store_concept_link(store_t *st, const char *tenant_id, const char *chunk_id,
                       const char *concept_id, int mentions);
/* A tenant's concepts that some chunk mentions, ordered by id after
 * after_id, filtered by q (case-insensitive substring of the name, NULL:
 * any) and type (NULL: any). */
int store_concept_list(store_t *st, const char *tenant_id, const char *q, const char *type,
                       const char *after_id, store_concept_t *out, size_t cap, size_t *n);
/* The concepts a chunk mentions (mentions = in this chunk). */
int store_chunk_concepts(store_t *st, const char *tenant_id, const char *chunk_id,
                         store_concept_t *out, size_t cap, size_t *n);

/* A number that changes whenever the tenant's searchable knowledge
 * changes (chunks replaced, source deleted), across processes: each
 * store_chunks_replace and store_source_delete bumps it. 0 for a tenant
 * that never had any. */
int store_knowledge_version(store_t *st, const char *tenant_id, int64_t *out);

/* ---- jobs --------------------------------------------------------------- */

/* A background job. status is "queued", "running", "succeeded" or
 * "failed". payload is JSON text. */
typedef struct {
    char id[SAL_ID_CAP];
    char tenant_id[SAL_ID_CAP];
    char type[32];      /* "ingest", "reindex" */
    char payload[1024]; /* JSON object text */
    char status[16];
    int attempts; /* runs started so far */
    int max_attempts;
    char error[STORE_ERROR_CAP];
    double progress;        /* 0..1 */
    int64_t run_at_ms;      /* not before */
    int64_t lease_until_ms; /* running: the lease; expired = claimable again */
    char worker[64];
    int64_t created_ms, started_ms, finished_ms; /* 0: not yet */
} store_job_t;

int store_job_insert(store_t *st, const store_job_t *job);
int store_job_get(store_t *st, const char *tenant_id, const char *id, store_job_t *out);
/* Atomically takes the oldest claimable job (queued with run_at <= now,
 * or running with an expired lease), marks it running with a lease until
 * now + lease_ms, attempts + 1, started_ms set on its first run, and
 * copies it to out. SAL_ENOTFOUND when none is due. */
int store_job_claim(store_t *st, const char *worker, int64_t now_ms, int64_t lease_ms,
                    store_job_t *out);
/* Extends the lease of a running job and records its progress. */
int store_job_heartbeat(store_t *st, const char *id, int64_t lease_until_ms, double progress);
/* Finishes a job: status "succeeded" or "failed", error ("" for none). */
int store_job_finish(store_t *st, const char *id, const char *status, const char *error,
                     int64_t now_ms);
/* Puts a failed run back in the queue to run at run_at_ms, with its error. */
int store_job_retry(store_t *st, const char *id, int64_t run_at_ms, const char *error);
/* The distinct workers holding running jobs (up to cap), so the queue can
 * find the leases of workers that died. */
int store_job_workers(store_t *st, char (*out)[64], size_t cap, size_t *n);
/* Ends the lease of every running job of this worker now, so they can be
 * claimed again at once. */
int store_job_expire_worker(store_t *st, const char *worker, int64_t now_ms);
/* Counts jobs with this status in every tenant (for /metrics). */
int store_job_count(store_t *st, const char *status, int64_t *out);

#endif
