/* SPDX-License-Identifier: MIT */
/*
 * The knowledge service: sources in (content-addressed blobs, dedupe per
 * tenant, a queued ingestion job), the ingestion pipeline those jobs run,
 * deletion and reindexing, and the per-tenant indexes kept in memory.
 *
 * Consistency: a source version's chunks, vectors, terms and concept
 * links are written in one store transaction with the source's final
 * state, so a crash at any point leaves the source unprocessed (its job is
 * claimed again when the lease runs out) or complete; the re-run replaces
 * whatever an earlier run wrote. The in-memory index follows the store:
 * it is changed after each commit, and a search that finds the tenant's
 * knowledge version moved by another process (`salient ingest` beside a
 * running server) reloads that tenant from the store.
 */
#include "knowledge/knowledge_int.h"

#include "knowledge/chunk/chunk.h"
#include "knowledge/concepts/concepts.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const knowledge_source_types[] = {"product_sheet", "playbook", "case_study", "pricing",
                                              "battlecard",    "faq",      "other",      NULL};

/* Chunks embedded per call, between progress reports. */
#define EMBED_STEP 32

/* ---- tenant indexes ------------------------------------------------------ */

static int load_chunk(void *ud, const store_chunk_t *c) {
    kix_t *ix = ud;
    kix_entry_t e = {.chunk_id = c->id,
                     .source_id = c->source_id,
                     .vector = c->vector,
                     .terms = c->terms,
                     .terms_len = c->terms_len,
                     .concept_types = c->concept_types};
    if (kix_add(ix, &e) < 0)
        sal_log_kv(SAL_LOG_WARN, NULL, "chunk not indexed (malformed terms)",
                   (sal_kv_t[]){SAL_KV_S("chunk_id", c->id)}, 1);
    return 0;
}

/* Builds a tenant's index from the store. */
static int tenant_build(knowledge_t *kn, const char *tenant_id, kix_t **out, int64_t *version) {
    int rc = store_knowledge_version(kn->o.store, tenant_id, version);
    if (rc < 0) return rc;
    kix_t *ix = kix_new(kn->dims, KIX_INT8);
    rc = store_chunk_each(kn->o.store, tenant_id, load_chunk, ix);
    if (rc < 0) {
        kix_free(ix);
        return rc;
    }
    *out = ix;
    return 0;
}

/* The tenant's entry, created (empty, to be loaded) when absent. */
static tenant_ix_t *tenant_entry(knowledge_t *kn, const char *tenant_id) {
    pthread_mutex_lock(&kn->lock);
    tenant_ix_t *t = NULL;
    for (size_t i = 0; i < kn->ntenants && !t; i++)
        if (strcmp(kn->tenants[i]->tenant_id, tenant_id) == 0) t = kn->tenants[i];
    if (!t) {
        if (kn->ntenants == kn->cap) {
            kn->cap = kn->cap ? kn->cap * 2 : 8;
            kn->tenants = xrealloc(kn->tenants, kn->cap * sizeof *kn->tenants);
        }
        t = xcalloc(1, sizeof *t);
        sal_strlcpy(t->tenant_id, tenant_id, sizeof t->tenant_id);
        t->version = -1; /* not loaded */
        pthread_rwlock_init(&t->swap, NULL);
        pthread_mutex_init(&t->reload, NULL);
        kn->tenants[kn->ntenants++] = t;
    }
    pthread_mutex_unlock(&kn->lock);
    return t;
}

/* Makes the tenant's index current with the store: loads it the first
 * time, reloads it when another process changed the tenant's knowledge. */
int kn_tenant_fresh(knowledge_t *kn, const char *tenant_id, tenant_ix_t **out) {
    tenant_ix_t *t = tenant_entry(kn, tenant_id);
    int64_t v;
    int rc = store_knowledge_version(kn->o.store, tenant_id, &v);
    if (rc < 0) return rc;
    pthread_rwlock_rdlock(&t->swap);
    bool fresh = t->version == v;
    pthread_rwlock_unlock(&t->swap);
    if (!fresh) {
        pthread_mutex_lock(&t->reload); /* one loader at a time */
        pthread_rwlock_rdlock(&t->swap);
        fresh = t->version == v;
        pthread_rwlock_unlock(&t->swap);
        if (!fresh) {
            kix_t *ix = NULL;
            int64_t built;
            rc = tenant_build(kn, tenant_id, &ix, &built);
            if (rc == 0) {
                pthread_rwlock_wrlock(&t->swap);
                kix_t *old = t->ix;
                t->ix = ix;
                t->version = built;
                pthread_rwlock_unlock(&t->swap);
                kix_free(old);
                sal_log_kv(SAL_LOG_INFO, NULL, "knowledge index loaded",
                           (sal_kv_t[]){SAL_KV_S("tenant", tenant_id),
                                        SAL_KV_I("chunks", (int64_t)kix_count(ix))},
                           2);
            }
        }
        pthread_mutex_unlock(&t->reload);
        if (rc < 0) return rc;
    }
    *out = t;
    return 0;
}

/* After a commit that moved the tenant's version from before to after:
 * applies the change to the loaded index when it was the only one, else
 * leaves the entry stale for the next search to reload. apply may be
 * NULL (nothing to add: a deletion). */
static void tenant_apply(knowledge_t *kn, const char *tenant_id, int64_t before, int64_t after,
                         const char *source_id, const kix_entry_t *add, size_t n) {
    tenant_ix_t *t = tenant_entry(kn, tenant_id);
    pthread_rwlock_wrlock(&t->swap);
    if (t->ix && t->version == before) {
        kix_remove_source(t->ix, source_id);
        for (size_t i = 0; i < n; i++) kix_add(t->ix, &add[i]);
        t->version = after;
    } else if (t->ix) {
        t->version = -1; /* someone else wrote too: reload on next use */
    }
    pthread_rwlock_unlock(&t->swap);
}

/* ---- blobs --------------------------------------------------------------- */

/* data_dir/blobs/ab/abcdef…: the original bytes, named by their SHA-256.
 * knowledge_open keeps data_dir short enough for every path to fit. */
static void blob_path(const knowledge_t *kn, const char *sha, char *out, size_t cap) {
    int n = snprintf(out, cap, "%s/blobs/%.2s/%s", kn->data_dir, sha, sha);
    if (n < 0 || (size_t)n >= cap) out[0] = '\0';
}

static int blob_dir(const knowledge_t *kn, const char *sha) {
    char dir[4096];
    int n = snprintf(dir, sizeof dir, "%s/blobs/%.2s", kn->data_dir, sha);
    return n > 0 && (size_t)n < sizeof dir ? sal_mkdir_p(dir, 0750) : SAL_EINVAL;
}

static bool file_exists(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Writes buf to the blob of sha (atomically: temp file, fsync, rename). */
static int blob_write(const knowledge_t *kn, const char *sha, const void *buf, size_t len) {
    char path[4096], tmp[4200];
    blob_path(kn, sha, path, sizeof path);
    if (file_exists(path)) return 0;
    if (blob_dir(kn, sha) < 0) return SAL_EIO;
    snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) return SAL_EIO;
    const char *p = buf;
    size_t left = len;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        p += w;
        left -= (size_t)w;
    }
    bool ok = left == 0 && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) < 0) {
        unlink(tmp);
        return SAL_EIO;
    }
    return 0;
}

static void sha256_hex(const void *buf, size_t len, char out[65]) {
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, buf, len);
    sodium_bin2hex(out, 65, h, sizeof h);
}

/* ---- adding sources ------------------------------------------------------ */

/* The base name of a client's file name: no directories (either slash),
 * no control characters, valid UTF-8, at most 255 bytes. */
static void clean_filename(const char *name, char *out, size_t cap) {
    out[0] = '\0';
    if (!name) return;
    const char *base = name;
    for (const char *p = name; *p; p++)
        if (*p == '/' || *p == '\\') base = p + 1;
    size_t o = 0;
    for (const char *p = base; *p && o + 1 < cap && o < 255; p++)
        if ((unsigned char)*p >= 0x20 && *p != 0x7f) out[o++] = *p;
    out[o] = '\0';
    while (o && !sal_utf8_valid(out, o)) out[--o] = '\0'; /* drop a cut or bad tail */
    if (strcmp(out, ".") == 0 || strcmp(out, "..") == 0) out[0] = '\0';
}

/* A title from the file name: the name without its extension. */
static void title_from_filename(const char *filename, char *out, size_t cap) {
    sal_strlcpy(out, filename, cap);
    char *dot = strrchr(out, '.');
    if (dot && dot != out) *dot = '\0';
}

typedef struct {
    knowledge_t *kn;
    const knowledge_add_t *a;
    store_source_t *src;
} add_tx_t;

static int add_in_tx(store_t *st, void *arg) {
    add_tx_t *x = arg;
    char payload[128];
    snprintf(payload, sizeof payload, "{\"source_id\":\"%s\"}", x->src->id);
    int rc = queue_enqueue(x->kn->o.queue, x->src->tenant_id, "ingest", payload, 0, x->src->job_id);
    if (rc < 0) return rc;
    if ((rc = store_source_insert(st, x->src)) < 0) return rc;
    store_audit_t au = {.tenant_id = x->src->tenant_id,
                        .actor = x->a->actor ? x->a->actor : "cli",
                        .action = "source.create",
                        .target_id = x->src->id,
                        .request_id = x->a->request_id};
    return store_audit_append(st, &au);
}

/* Records a new source for bytes already in the blob store (or about to
 * be: move is called inside, before the row commits). */
static int add_source(knowledge_t *kn, const knowledge_add_t *a, const char *sha, uint64_t size,
                      kx_format_t f, const char *(*move)(void *ud), void *move_ud,
                      store_source_t *out, bool *duplicate, char *err, size_t errcap) {
    *duplicate = false;
    int rc = store_source_by_sha(kn->o.store, a->tenant_id, sha, out);
    if (rc == 0) {
        *duplicate = true;
        return 0;
    }
    if (rc != SAL_ENOTFOUND) return rc;

    store_source_t *s = out;
    memset(s, 0, sizeof *s);
    sal_id_new("src", s->id, sizeof s->id);
    sal_strlcpy(s->tenant_id, a->tenant_id, sizeof s->tenant_id);
    clean_filename(a->filename, s->filename, sizeof s->filename);
    if (a->title && *a->title)
        sal_strlcpy(s->title, a->title, sizeof s->title);
    else if (s->filename[0])
        title_from_filename(s->filename, s->title, sizeof s->title);
    else
        sal_strlcpy(s->title, "Untitled", sizeof s->title);
    sal_strlcpy(s->media_type, kx_format_media_type(f), sizeof s->media_type);
    sal_strlcpy(s->format, kx_format_name(f), sizeof s->format);
    s->size_bytes = (int64_t)size;
    sal_strlcpy(s->sha256, sha, sizeof s->sha256);
    sal_strlcpy(s->source_type, a->source_type && *a->source_type ? a->source_type : "other",
                sizeof s->source_type);
    sal_strlcpy(s->tags, a->tags ? a->tags : "", sizeof s->tags);
    sal_strlcpy(s->status, "pending", sizeof s->status);
    s->created_ms = s->updated_ms = sal_now_ms();

    if (move && !move(move_ud)) {
        sal_errf(err, errcap, "the upload could not be stored");
        return SAL_EIO;
    }
    add_tx_t x = {.kn = kn, .a = a, .src = s};
    rc = store_tx(kn->o.store, add_in_tx, &x);
    if (rc == SAL_EEXIST) { /* the same bytes arrived concurrently */
        rc = store_source_by_sha(kn->o.store, a->tenant_id, sha, out);
        if (rc == 0) *duplicate = true;
        return rc;
    }
    if (rc < 0) return rc;
    queue_kick(kn->o.queue);
    sal_metrics_counter_add("salient_knowledge_sources_added_total", s->format, 1);
    return 0;
}

static kx_format_t detect(const knowledge_add_t *a, const void *head, size_t len, char *err,
                          size_t errcap) {
    if (a->format != KX_FMT_UNKNOWN) return a->format;
    char detected[128] = "";
    kx_format_t f = kx_sniff(head, len, a->filename, detected, sizeof detected);
    if (f == KX_FMT_UNKNOWN)
        sal_errf(err, errcap,
                 "unsupported file type (%s); upload PDF, DOCX, PPTX, HTML, Markdown or plain text",
                 detected[0] ? detected : "unrecognised content");
    return f;
}

int knowledge_source_add_bytes(knowledge_t *kn, const knowledge_add_t *a, const void *buf,
                               size_t len, store_source_t *out, bool *duplicate, char *err,
                               size_t errcap) {
    kx_format_t f = detect(a, buf, len < 65536 ? len : 65536, err, errcap);
    if (f == KX_FMT_UNKNOWN) return SAL_EINVAL;
    char sha[65];
    sha256_hex(buf, len, sha);
    if (blob_write(kn, sha, buf, len) < 0) {
        sal_errf(err, errcap, "the document could not be stored");
        return SAL_EIO;
    }
    return add_source(kn, a, sha, len, f, NULL, NULL, out, duplicate, err, errcap);
}

typedef struct {
    knowledge_t *kn;
    const char *from, *sha;
    char path[4096];
} move_t;

static const char *move_upload(void *ud) {
    move_t *m = ud;
    blob_path(m->kn, m->sha, m->path, sizeof m->path);
    if (file_exists(m->path)) return m->path; /* another tenant has the same bytes */
    if (blob_dir(m->kn, m->sha) < 0 || rename(m->from, m->path) < 0) return NULL;
    return m->path;
}

int knowledge_source_add_file(knowledge_t *kn, const knowledge_add_t *a, const char *path,
                              uint64_t size, const char *sha256, store_source_t *out,
                              bool *duplicate, char *err, size_t errcap) {
    char head[65536];
    size_t got = 0;
    FILE *fp = fopen(path, "rb");
    if (fp) {
        got = fread(head, 1, sizeof head, fp);
        fclose(fp);
    }
    if (!fp) {
        sal_errf(err, errcap, "the upload could not be read");
        return SAL_EIO;
    }
    kx_format_t f = detect(a, head, got, err, errcap);
    if (f == KX_FMT_UNKNOWN) return SAL_EINVAL;
    move_t m = {.kn = kn, .from = path, .sha = sha256};
    return add_source(kn, a, sha256, size, f, move_upload, &m, out, duplicate, err, errcap);
}

/* ---- delete and reindex -------------------------------------------------- */

typedef struct {
    const char *tenant_id, *id, *actor, *request_id;
    int64_t before, after;
} del_tx_t;

static int delete_in_tx(store_t *st, void *arg) {
    del_tx_t *x = arg;
    int rc = store_knowledge_version(st, x->tenant_id, &x->before);
    if (rc == 0) rc = store_source_delete(st, x->tenant_id, x->id);
    if (rc == 0) rc = store_knowledge_version(st, x->tenant_id, &x->after);
    store_audit_t au = {.tenant_id = x->tenant_id,
                        .actor = x->actor ? x->actor : "cli",
                        .action = "source.delete",
                        .target_id = x->id,
                        .request_id = x->request_id};
    if (rc == 0) rc = store_audit_append(st, &au);
    return rc;
}

int knowledge_source_delete(knowledge_t *kn, const char *tenant_id, const char *id,
                            const char *actor, const char *request_id) {
    store_source_t s;
    int rc = store_source_get(kn->o.store, tenant_id, id, &s);
    if (rc < 0) return rc;
    del_tx_t x = {.tenant_id = tenant_id, .id = id, .actor = actor, .request_id = request_id};
    if ((rc = store_tx(kn->o.store, delete_in_tx, &x)) < 0) return rc;
    tenant_apply(kn, tenant_id, x.before, x.after, id, NULL, 0);
    int64_t refs = 1;
    if (store_blob_refs(kn->o.store, s.sha256, &refs) == 0 && refs == 0) {
        char path[4096];
        blob_path(kn, s.sha256, path, sizeof path);
        unlink(path);
    }
    return 0;
}

typedef struct {
    knowledge_t *kn;
    store_source_t *src;
    const char *type;
} reindex_tx_t;

static int reindex_in_tx(store_t *st, void *arg) {
    reindex_tx_t *x = arg;
    char payload[128];
    snprintf(payload, sizeof payload, "{\"source_id\":\"%s\"}", x->src->id);
    int rc = queue_enqueue(x->kn->o.queue, x->src->tenant_id, x->type, payload, 0, x->src->job_id);
    if (rc < 0) return rc;
    /* A ready source stays searchable while it is reprocessed. */
    if (strcmp(x->src->status, "ready") != 0) sal_strlcpy(x->src->status, "pending", 16);
    x->src->updated_ms = sal_now_ms();
    return store_source_update(st, x->src);
}

static int queue_reindex(knowledge_t *kn, store_source_t *s, const char *type) {
    reindex_tx_t x = {.kn = kn, .src = s, .type = type};
    int rc = store_tx(kn->o.store, reindex_in_tx, &x);
    if (rc == 0) queue_kick(kn->o.queue);
    return rc;
}

int knowledge_source_reindex(knowledge_t *kn, const char *tenant_id, const char *id,
                             char job_id[SAL_ID_CAP]) {
    store_source_t s;
    int rc = store_source_get(kn->o.store, tenant_id, id, &s);
    if (rc < 0) return rc;
    if ((rc = queue_reindex(kn, &s, "reindex")) < 0) return rc;
    sal_strlcpy(job_id, s.job_id, SAL_ID_CAP);
    return 0;
}

/* ---- ingestion ------------------------------------------------------------ */

static int count_tokens(void *ud, const char *text, size_t len) {
    const embed_tokenizer_t *tok = ud;
    /* Count in windows so the tokenizer's length cap never truncates. */
    enum { WIN = 4096 };
    static _Thread_local int32_t ids[WIN + 8];
    int total = 0;
    size_t off = 0;
    while (off < len) {
        size_t end = off + WIN / 2 < len ? off + WIN / 2 : len;
        /* Cut at a space so words are not split between windows. */
        if (end < len) {
            size_t e = end;
            while (e > off && text[e] != ' ') e--;
            if (e > off) end = e;
        }
        size_t n = 0;
        embed_tokenize(tok, text + off, end - off, ids, WIN, &n);
        total += (int)(n >= 2 ? n - 2 : 0);
        off = end;
    }
    return total;
}

static void stage_add(const char *stage, double ms) {
    sal_metrics_counter_add("salient_ingest_stage_seconds_total", stage, ms / 1000.0);
}

/* Marks the source failed with a reason (best effort). */
static void source_fail(knowledge_t *kn, store_source_t *s, const char *why) {
    sal_strlcpy(s->status, "failed", sizeof s->status);
    sal_strlcpy(s->error, why, sizeof s->error);
    s->updated_ms = sal_now_ms();
    store_source_update(kn->o.store, s);
    sal_metrics_counter_add("salient_ingest_sources_total", "failed", 1);
}

typedef struct {
    store_source_t *src;
    const store_chunk_t *chunks;
    size_t n;
    const kcon_result_t *concepts;
    int64_t before, after;
} ingest_tx_t;

static int ingest_in_tx(store_t *st, void *arg) {
    ingest_tx_t *x = arg;
    const char *tenant = x->src->tenant_id;
    int rc = store_knowledge_version(st, tenant, &x->before);
    if (rc == 0) rc = store_chunks_replace(st, tenant, x->src->id, x->chunks, x->n);
    for (size_t i = 0; rc == 0 && i < x->concepts->n; i++) {
        const kcon_concept_t *c = &x->concepts->items[i];
        char cid[SAL_ID_CAP];
        rc = store_concept_ensure(st, tenant, kcon_type_name(c->type), c->name, cid);
        for (size_t j = 0; rc == 0 && j < c->nlinks; j++)
            rc = store_concept_link(st, tenant, x->chunks[c->links[j].chunk].id, cid,
                                    (int)c->links[j].mentions);
    }
    if (rc == 0) rc = store_source_update(st, x->src);
    if (rc == 0) rc = store_knowledge_version(st, tenant, &x->after);
    return rc;
}

/* Keeps a chunk's id across re-ingestion when its ordinal and text are
 * unchanged, so citations to it stay valid. */
static void reuse_ids(knowledge_t *kn, const store_source_t *s, store_chunk_t *chunks, size_t n) {
    store_chunk_t old[64];
    int after = -1;
    for (;;) {
        size_t got = 0;
        if (store_chunk_list(kn->o.store, s->tenant_id, s->id, after, old, 64, &got) < 0) return;
        for (size_t i = 0; i < got; i++) {
            int o = old[i].ordinal;
            if (o >= 0 && (size_t)o < n && strcmp(old[i].text, chunks[o].text) == 0)
                sal_strlcpy(chunks[o].id, old[i].id, sizeof chunks[o].id);
            after = o;
            store_chunk_clear(&old[i]);
        }
        if (got < 64) return;
    }
}

/* Drops chunks whose text repeats an earlier chunk's (running headers and
 * footers, boilerplate repeated per page or slide): the copy adds nothing
 * to search and would crowd out other results. Returns the new count. */
static size_t drop_repeats(kc_chunk_t *kc, size_t n) {
    uint64_t *h = xmalloc((n ? n : 1) * sizeof *h);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t x;
        crypto_generichash((unsigned char *)&x, sizeof x, (const unsigned char *)kc[i].text,
                           kc[i].len, NULL, 0);
        bool seen = false;
        for (size_t j = 0; j < kept && !seen; j++)
            seen = h[j] == x && kc[j].len == kc[i].len &&
                   memcmp(kc[j].text, kc[i].text, kc[i].len) == 0;
        if (seen) {
            free(kc[i].text);
            free(kc[i].section);
            continue;
        }
        h[kept] = x;
        kc[kept++] = kc[i];
    }
    free(h);
    return kept;
}

static int ingest(knowledge_t *kn, queue_run_t *run, store_source_t *s, char *err, size_t errcap) {
    double t0 = sal_mono_ms();
    const embed_tokenizer_t *tok = embed_model_tokenizer(kn->o.model);
    kx_doc_t *doc = NULL;
    kc_chunk_t *kc = NULL;
    size_t n = 0;
    kcon_result_t concepts = {0};
    store_chunk_t *chunks = NULL;
    kix_entry_t *entries = NULL;
    float *vectors = NULL;
    const char **texts = NULL;
    size_t *lens = NULL;
    int rc;

    char path[4096];
    blob_path(kn, s->sha256, path, sizeof path);
    kx_limits_t lim;
    kx_limits_default(&lim);
    rc = kx_extract_file(path, kx_format_parse(s->format), &lim, &doc, err, errcap);
    if (rc < 0) goto fail;
    /* No title given at upload (it is the file name's stem): the
     * document's own title reads better. */
    char stem[STORE_TITLE_CAP];
    title_from_filename(s->filename, stem, sizeof stem);
    if (doc->title && s->filename[0] && strcmp(s->title, stem) == 0 && strlen(doc->title) < 600)
        sal_strlcpy(s->title, doc->title, sizeof s->title);
    double t1 = sal_mono_ms();
    stage_add("extract", t1 - t0);
    queue_run_progress(run, 0.1);

    kc_opts_t co;
    kc_opts_default(&co);
    int window = embed_model_max_len(kn->o.model) - 2;
    if (co.max_tokens > window) co.max_tokens = window;
    if (co.target_tokens > co.max_tokens) co.target_tokens = co.max_tokens;
    if ((rc = kc_chunk_doc(doc, &co, count_tokens, (void *)tok, &kc, &n)) < 0) {
        sal_errf(err, errcap, "the document could not be chunked");
        goto fail;
    }
    n = drop_repeats(kc, n);
    if (n == 0) {
        sal_errf(err, errcap, "the document contains no text");
        rc = SAL_EINVAL;
        goto fail;
    }
    double t2 = sal_mono_ms();
    stage_add("chunk", t2 - t1);

    texts = xcalloc(n, sizeof *texts);
    lens = xcalloc(n, sizeof *lens);
    for (size_t i = 0; i < n; i++) texts[i] = kc[i].text, lens[i] = kc[i].len;
    kcon_extract(texts, lens, n, s->title, &concepts);
    double t3 = sal_mono_ms();
    stage_add("concepts", t3 - t2);
    queue_run_progress(run, 0.2);

    vectors = xmalloc(n * (size_t)kn->dims * sizeof *vectors);
    for (size_t i = 0; i < n; i += EMBED_STEP) {
        size_t b = n - i < EMBED_STEP ? n - i : EMBED_STEP;
        if ((rc = embed_texts_parallel(kn->o.model, texts + i, lens + i, b, kn->o.embed_threads,
                                       vectors + i * (size_t)kn->dims)) < 0) {
            sal_errf(err, errcap, "embedding failed");
            goto fail;
        }
        queue_run_progress(run, 0.2 + 0.7 * (double)(i + b) / (double)n);
        if (queue_run_stopping(run)) {
            sal_errf(err, errcap, "interrupted by shutdown");
            rc = SAL_ECONFLICT;
            goto fail;
        }
    }
    double t4 = sal_mono_ms();
    stage_add("embed", t4 - t3);

    chunks = xcalloc(n, sizeof *chunks);
    entries = xcalloc(n, sizeof *entries);
    int64_t tokens = 0;
    for (size_t i = 0; i < n; i++) {
        store_chunk_t *c = &chunks[i];
        sal_id_new("chk", c->id, sizeof c->id);
        sal_strlcpy(c->tenant_id, s->tenant_id, sizeof c->tenant_id);
        sal_strlcpy(c->source_id, s->id, sizeof c->source_id);
        c->ordinal = (int)i;
        c->text = kc[i].text;
        c->section = kc[i].section ? kc[i].section : "";
        c->page = kc[i].page;
        c->token_count = kc[i].token_count;
        c->vector = vectors + i * (size_t)kn->dims;
        c->dims = kn->dims;
        kix_terms_encode(kc[i].text, kc[i].len, c->section, s->title, &c->terms, &c->terms_len);
        tokens += kc[i].token_count;
    }
    for (size_t i = 0; i < concepts.n; i++)
        for (size_t j = 0; j < concepts.items[i].nlinks; j++)
            chunks[concepts.items[i].links[j].chunk].concept_types |= 1u << concepts.items[i].type;
    reuse_ids(kn, s, chunks, n);
    double t5 = sal_mono_ms();

    sal_strlcpy(s->status, "ready", sizeof s->status);
    s->error[0] = '\0';
    s->page_count = doc->page_count;
    s->chunk_count = (int)n;
    s->concept_count = (int)concepts.n;
    s->token_count = tokens;
    sal_strlcpy(s->embedding_model, kn->model_id, sizeof s->embedding_model);
    s->processing_ms = (int64_t)(t5 - t0);
    s->updated_ms = sal_now_ms();
    ingest_tx_t x = {.src = s, .chunks = chunks, .n = n, .concepts = &concepts};
    if ((rc = store_tx(kn->o.store, ingest_in_tx, &x)) < 0) {
        sal_errf(err, errcap, "the results could not be saved");
        goto fail;
    }
    for (size_t i = 0; i < n; i++)
        entries[i] = (kix_entry_t){.chunk_id = chunks[i].id,
                                   .source_id = s->id,
                                   .vector = chunks[i].vector,
                                   .terms = chunks[i].terms,
                                   .terms_len = chunks[i].terms_len,
                                   .concept_types = chunks[i].concept_types};
    tenant_apply(kn, s->tenant_id, x.before, x.after, s->id, entries, n);
    double t6 = sal_mono_ms();
    stage_add("index", t6 - t4);
    sal_metrics_counter_add("salient_ingest_sources_total", "ready", 1);
    sal_metrics_counter_add("salient_ingest_chunks_total", "", (double)n);
    sal_metrics_counter_add("salient_ingest_tokens_total", "", (double)tokens);
    sal_log_kv(SAL_LOG_INFO, NULL, "source ingested",
               (sal_kv_t[]){SAL_KV_S("source_id", s->id), SAL_KV_S("tenant", s->tenant_id),
                            SAL_KV_S("format", s->format), SAL_KV_I("chunks", (int64_t)n),
                            SAL_KV_I("concepts", (int64_t)concepts.n), SAL_KV_I("tokens", tokens),
                            SAL_KV_D("extract_ms", t1 - t0), SAL_KV_D("chunk_ms", t2 - t1),
                            SAL_KV_D("concepts_ms", t3 - t2), SAL_KV_D("embed_ms", t4 - t3),
                            SAL_KV_D("index_ms", t6 - t4)},
               11);
    rc = 0;

fail:
    if (chunks)
        for (size_t i = 0; i < n; i++) free(chunks[i].terms);
    free(chunks);
    free(entries);
    free(vectors);
    free(texts);
    free(lens);
    kcon_result_free(&concepts);
    kc_chunks_free(kc, n);
    kx_doc_free(doc);
    return rc;
}

int knowledge_ingest_job(void *ud, queue_run_t *run, char *err, size_t errcap) {
    knowledge_t *kn = ud;
    const store_job_t *job = queue_run_job(run);
    json_error_t jerr;
    json_t *p = json_loads(job->payload, 0, &jerr);
    const char *sid = json_string_value(json_object_get(p, "source_id"));
    store_source_t *s = xmalloc(sizeof *s);
    int rc = sid ? store_source_get(kn->o.store, job->tenant_id, sid, s) : SAL_EINVAL;
    json_decref(p);
    if (rc == SAL_ENOTFOUND) { /* deleted before its turn: nothing to do */
        free(s);
        return 0;
    }
    if (rc < 0) {
        free(s);
        sal_errf(err, errcap, rc == SAL_EINVAL ? "malformed job payload" : "the store failed");
        return rc;
    }
    if (!kn->o.model) {
        sal_errf(err, errcap, "the embedding model is not loaded");
        free(s);
        return SAL_EUNAVAIL;
    }
    sal_strlcpy(s->job_id, job->id, sizeof s->job_id);
    bool was_ready = strcmp(s->status, "ready") == 0;
    if (!was_ready) {
        sal_strlcpy(s->status, "processing", sizeof s->status);
        s->updated_ms = sal_now_ms();
        store_source_update(kn->o.store, s);
    }
    rc = ingest(kn, run, s, err, errcap);
    if (rc == SAL_EINVAL || rc == SAL_ELIMIT || rc == SAL_EIO) {
        source_fail(kn, s, err);
        rc = SAL_EINVAL; /* the document itself is at fault: no retry */
    } else if (rc < 0 && job->attempts >= job->max_attempts) {
        source_fail(kn, s, err);
    }
    free(s);
    return rc;
}

/* ---- open and close ------------------------------------------------------ */

/* What the start-up walk over the sources finds: the tenants to load and
 * the sources to reindex (queued after the walk, not inside it). */
typedef struct {
    knowledge_t *kn;
    char (*tenants)[SAL_ID_CAP];
    size_t ntenants, cap_tenants;
    store_source_t *stale;
    size_t nstale, cap_stale;
} open_walk_t;

static int open_source(void *ud, const store_source_t *src) {
    open_walk_t *w = ud;
    bool seen = false;
    for (size_t i = 0; i < w->ntenants && !seen; i++)
        seen = strcmp(w->tenants[i], src->tenant_id) == 0;
    if (!seen) {
        if (w->ntenants == w->cap_tenants) {
            w->cap_tenants = w->cap_tenants ? w->cap_tenants * 2 : 16;
            w->tenants = xrealloc(w->tenants, w->cap_tenants * sizeof *w->tenants);
        }
        sal_strlcpy(w->tenants[w->ntenants++], src->tenant_id, SAL_ID_CAP);
    }
    if (w->kn->o.model && strcmp(src->status, "ready") == 0 &&
        strcmp(src->embedding_model, w->kn->model_id) != 0) {
        if (w->nstale == w->cap_stale) {
            w->cap_stale = w->cap_stale ? w->cap_stale * 2 : 16;
            w->stale = xrealloc(w->stale, w->cap_stale * sizeof *w->stale);
        }
        w->stale[w->nstale++] = *src;
    }
    return 0;
}

int knowledge_open(const knowledge_opts_t *opts, knowledge_t **out) {
    knowledge_t *kn = xcalloc(1, sizeof *kn);
    kn->o = *opts;
    if (sal_strlcpy(kn->data_dir, opts->data_dir ? opts->data_dir : ".", sizeof kn->data_dir) >=
        sizeof kn->data_dir) {
        free(kn);
        return SAL_EINVAL;
    }
    pthread_mutex_init(&kn->lock, NULL);
    pthread_mutex_init(&kn->ctx_lock, NULL);
    if (opts->model) {
        sal_strlcpy(kn->model_id, embed_model_name(opts->model), sizeof kn->model_id);
        kn->dims = embed_model_dims(opts->model);
    } else {
        kn->dims = 384;
    }
    sal_metrics_counter_declare("salient_ingest_stage_seconds_total",
                                "Time spent in each ingestion stage", "stage");
    sal_metrics_counter_declare("salient_ingest_sources_total", "Sources processed, by outcome",
                                "status");
    sal_metrics_counter_declare("salient_ingest_chunks_total", "Chunks written", "");
    sal_metrics_counter_declare("salient_ingest_tokens_total", "Model tokens embedded", "");
    sal_metrics_counter_declare("salient_knowledge_sources_added_total", "Sources added, by format",
                                "format");
    sal_metrics_counter_declare("salient_search_total", "Searches, by mode", "mode");
    sal_metrics_counter_declare("salient_search_seconds_total", "Time spent searching, by mode",
                                "mode");
    if (opts->queue) {
        queue_handler_add(opts->queue, "ingest", knowledge_ingest_job, kn);
        queue_handler_add(opts->queue, "reindex", knowledge_ingest_job, kn);
    }
    open_walk_t w = {.kn = kn};
    int rc = store_source_each(kn->o.store, open_source, &w);
    for (size_t i = 0; rc == 0 && i < w.nstale; i++) rc = queue_reindex(kn, &w.stale[i], "reindex");
    if (rc == 0 && w.nstale)
        sal_log_kv(
            SAL_LOG_INFO, NULL, "sources embedded by another model queued for reindex",
            (sal_kv_t[]){SAL_KV_I("sources", (int64_t)w.nstale), SAL_KV_S("model", kn->model_id)},
            2);
    for (size_t i = 0; rc == 0 && i < w.ntenants; i++) {
        tenant_ix_t *t;
        rc = kn_tenant_fresh(kn, w.tenants[i], &t);
    }
    free(w.tenants);
    free(w.stale);
    if (rc < 0) {
        knowledge_close(kn);
        return rc;
    }
    *out = kn;
    return 0;
}

void knowledge_close(knowledge_t *kn) {
    if (!kn) return;
    for (size_t i = 0; i < kn->ntenants; i++) {
        kix_free(kn->tenants[i]->ix);
        pthread_rwlock_destroy(&kn->tenants[i]->swap);
        pthread_mutex_destroy(&kn->tenants[i]->reload);
        free(kn->tenants[i]);
    }
    free(kn->tenants);
    for (size_t i = 0; i < kn->nctx; i++) embed_ctx_free(kn->ctx[i]);
    pthread_mutex_destroy(&kn->lock);
    pthread_mutex_destroy(&kn->ctx_lock);
    free(kn);
}
