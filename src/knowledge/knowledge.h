/* SPDX-License-Identifier: MIT */
/*
 * knowledge — the sales team's own documents, made searchable: sources
 * (uploaded files or text, stored content-addressed under the data dir),
 * the ingestion pipeline run as background jobs (detect → extract →
 * normalise and chunk → concepts → embed → index, written in one
 * transaction per source version), the per-tenant hybrid indexes kept in
 * memory, search with filters and highlights, and the HTTP handlers of
 * /v1/knowledge.
 *
 * Services here never see HTTP; handlers.c is the thin shell over them,
 * and so are `salient ingest`, `salient search` and `salient seed`.
 *
 *     knowledge_t *kn;
 *     knowledge_open(&(knowledge_opts_t){.store = st, .queue = q, .model = m,
 *                                         .data_dir = "./data"}, &kn);
 *     store_source_t src;
 *     bool dup;
 *     knowledge_add_t a = {.tenant_id = t, .filename = "pricing.docx"};
 *     knowledge_source_add_bytes(kn, &a, bytes, len, &src, &dup);   // queues the job
 *     ...
 *     knowledge_query_t qy = {.tenant_id = t, .query = "prove ROI to a CFO", .top_k = 5};
 *     knowledge_results_t r;
 *     knowledge_search(kn, &qy, &r);
 *     knowledge_results_free(&r);
 *     knowledge_close(kn);
 */
#ifndef SALIENT_KNOWLEDGE_H
#define SALIENT_KNOWLEDGE_H

#include "core/core.h"
#include "http/http.h"
#include "knowledge/embed/embed.h"
#include "knowledge/extract/extract.h"
#include "knowledge/index/index.h"
#include "queue/queue.h"
#include "store/store.h"

typedef struct knowledge knowledge_t;

typedef struct {
    store_t *store;             /* borrowed */
    queue_t *queue;             /* borrowed; the ingest/reindex handlers are registered on it */
    const embed_model_t *model; /* borrowed; NULL: jobs wait (retry) and vector search is off */
    const char *data_dir;       /* blobs live under data_dir/blobs/ */
    int embed_threads;          /* 0: one per CPU */
} knowledge_opts_t;

/* Opens the service: loads every tenant's index from the store, and
 * queues a reindex of every ready source embedded by another model than
 * the loaded one (stale). Free with knowledge_close(). */
int knowledge_open(const knowledge_opts_t *opts, knowledge_t **out);
void knowledge_close(knowledge_t *kn); /* accepts NULL */

/* ---- sources ------------------------------------------------------------ */

/* The source types of API.md; "other" is the default. */
extern const char *const knowledge_source_types[];

/* What a client says about a new source. Strings are borrowed. */
typedef struct {
    const char *tenant_id;
    const char *title;       /* NULL/"": the document's own title, else the file name */
    const char *filename;    /* the client's file name (recorded, never used as a path) */
    const char *source_type; /* NULL: "other" */
    const char *tags;        /* comma-joined, already validated; NULL: none */
    kx_format_t format;      /* KX_FMT_UNKNOWN: detect from the bytes and name */
    const char *actor;       /* key id or "cli", for the audit log */
    const char *request_id;  /* may be NULL */
} knowledge_add_t;

/* Adds a source from bytes in memory: stores them as a blob named by
 * their SHA-256, records the source ("pending") and queues its ingestion.
 * When the tenant already has these bytes, *out is the existing source
 * and *duplicate is true (nothing queued). SAL_EINVAL with a client-safe
 * reason in err when the type is not one we can read (err names what was
 * detected). */
int knowledge_source_add_bytes(knowledge_t *kn, const knowledge_add_t *a, const void *buf,
                               size_t len, store_source_t *out, bool *duplicate, char *err,
                               size_t errcap);
/* The same for a file already on disk (an upload's temporary file, of
 * size bytes with the given SHA-256): it is moved (renamed) into the blob
 * store when new, left alone otherwise. */
int knowledge_source_add_file(knowledge_t *kn, const knowledge_add_t *a, const char *path,
                              uint64_t size, const char *sha256, store_source_t *out,
                              bool *duplicate, char *err, size_t errcap);
/* Deletes a source with its chunks, vectors, postings and concept links
 * (and its blob when no other source uses it). SAL_ENOTFOUND. */
int knowledge_source_delete(knowledge_t *kn, const char *tenant_id, const char *id,
                            const char *actor, const char *request_id);
/* Queues a re-ingestion of a source; job_id gets the job. SAL_ENOTFOUND. */
int knowledge_source_reindex(knowledge_t *kn, const char *tenant_id, const char *id,
                             char job_id[SAL_ID_CAP]);

/* The job handler for "ingest" and "reindex" jobs (registered by
 * knowledge_open; exposed for the CLI's inline mode and tests). */
int knowledge_ingest_job(void *kn, queue_run_t *run, char *err, size_t errcap);

/* ---- search ------------------------------------------------------------- */

typedef struct {
    const char *tenant_id;
    const char *query;
    kix_mode_t mode;
    int top_k; /* 1..100 */
    const char *const *source_ids;
    size_t nsource_ids;
    const char *const *source_types;
    size_t nsource_types;
    const char *const *tags;
    size_t ntags;
    uint32_t concept_types; /* bits (1 << kcon_type_t); 0: any */
} knowledge_query_t;

typedef struct {
    kix_hit_t hit;
    store_chunk_t chunk; /* text, section, page, ordinal */
    char source_title[STORE_TITLE_CAP];
    char filename[STORE_FILENAME_CAP];
    char **highlights;
    size_t nhighlights;
    store_concept_t *concepts;
    size_t nconcepts;
} knowledge_result_t;

typedef struct {
    knowledge_result_t *items;
    size_t n;
    double took_ms;
    double embed_ms; /* of took_ms, the query embedding */
} knowledge_results_t;

/* Runs a search in the tenant's index. SAL_EINVAL for an empty query or
 * top_k out of range; SAL_EUNAVAIL for vector mode without a model (hybrid
 * then runs lexically). */
int knowledge_search(knowledge_t *kn, const knowledge_query_t *q, knowledge_results_t *out);
void knowledge_results_free(knowledge_results_t *r);

/* ---- rendering and HTTP ------------------------------------------------- */

/* New JSON objects per API.md. */
json_t *knowledge_source_json(const store_source_t *s);
json_t *knowledge_chunk_json(const store_chunk_t *c, const store_concept_t *concepts, size_t n);
json_t *knowledge_concept_json(const store_concept_t *c);
/* The search response of API.md for results r of query in mode. */
json_t *knowledge_results_json(const char *query, const char *mode, const knowledge_results_t *r);

/* The /v1/knowledge routes, static, for http_router_add_all. */
extern const http_route_t knowledge_routes[];
extern const size_t knowledge_routes_n;

#endif
