/* SPDX-License-Identifier: MIT */
/*
 * Search over a tenant's knowledge: resolves the filters to the sources
 * they allow, embeds the query (contexts pooled across requests), runs the
 * tenant's hybrid index, and completes each hit from the store (text,
 * section, page, source title, concepts) with highlights.
 */
#include "knowledge/knowledge_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- query embedding ------------------------------------------------------ */

/* Borrows a context from the pool (made on first need); NULL when the
 * pool is exhausted, and the caller embeds with a context of its own. */
static embed_ctx_t *ctx_get(knowledge_t *kn, int *slot) {
    pthread_mutex_lock(&kn->ctx_lock);
    embed_ctx_t *c = NULL;
    for (size_t i = 0; i < kn->nctx && !c; i++)
        if (!kn->busy[i]) {
            kn->busy[i] = true;
            c = kn->ctx[i];
            *slot = (int)i;
        }
    if (!c && kn->nctx < KN_MAX_CTX) {
        c = embed_ctx_new(kn->o.model);
        if (c) {
            *slot = (int)kn->nctx;
            kn->ctx[kn->nctx] = c;
            kn->busy[kn->nctx++] = true;
        }
    }
    pthread_mutex_unlock(&kn->ctx_lock);
    return c;
}

static void ctx_put(knowledge_t *kn, int slot) {
    pthread_mutex_lock(&kn->ctx_lock);
    kn->busy[slot] = false;
    pthread_mutex_unlock(&kn->ctx_lock);
}

static int embed_query(knowledge_t *kn, const char *q, float *out) {
    int slot = -1;
    embed_ctx_t *c = ctx_get(kn, &slot);
    bool own = c == NULL;
    if (own) c = embed_ctx_new(kn->o.model);
    if (!c) return SAL_EUNAVAIL;
    const char *texts[1] = {q};
    size_t lens[1] = {strlen(q)};
    int rc = embed_texts(c, texts, lens, 1, out);
    if (own)
        embed_ctx_free(c);
    else
        ctx_put(kn, slot);
    return rc;
}

/* ---- filters -------------------------------------------------------------- */

static bool in_list(const char *v, const char *const *list, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(v, list[i]) == 0) return true;
    return false;
}

static bool has_tag(const char *tags, const char *const *want, size_t n) {
    for (const char *p = tags; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        for (size_t i = 0; i < n; i++)
            if (strlen(want[i]) == len && strncmp(p, want[i], len) == 0) return true;
        if (!e) break;
        p = e + 1;
    }
    return false;
}

/* The ids of the tenant's sources that pass the type and tag filters (and
 * the id filter), as arena strings. */
static int allowed_sources(knowledge_t *kn, const knowledge_query_t *q, sal_arena_t *a,
                           const char ***out, size_t *n) {
    size_t cap = 64, cnt = 0;
    const char **ids = xmalloc(cap * sizeof *ids);
    store_source_t *page = xmalloc(100 * sizeof *page);
    store_source_filter_t f = {.status = "ready"};
    char after[SAL_ID_CAP] = "";
    int rc = 0;
    for (;;) {
        size_t got = 0;
        if ((rc = store_source_list(kn->o.store, q->tenant_id, &f, after, page, 100, &got)) < 0)
            break;
        for (size_t i = 0; i < got; i++) {
            const store_source_t *s = &page[i];
            if (q->nsource_ids && !in_list(s->id, q->source_ids, q->nsource_ids)) continue;
            if (q->nsource_types && !in_list(s->source_type, q->source_types, q->nsource_types))
                continue;
            if (q->ntags && !has_tag(s->tags, q->tags, q->ntags)) continue;
            if (cnt == cap) ids = xrealloc(ids, (cap *= 2) * sizeof *ids);
            ids[cnt++] = sal_arena_strdup(a, s->id);
        }
        if (got < 100) break;
        sal_strlcpy(after, page[got - 1].id, sizeof after);
    }
    free(page);
    if (rc < 0) {
        free(ids);
        return rc;
    }
    const char **copy = sal_arena_alloc(a, (cnt ? cnt : 1) * sizeof *copy);
    memcpy(copy, ids, cnt * sizeof *copy);
    free(ids);
    *out = copy;
    *n = cnt;
    return 0;
}

/* ---- search ---------------------------------------------------------------- */

static const char *mode_name(kix_mode_t m) {
    return m == KIX_VECTOR ? "vector" : m == KIX_LEXICAL ? "lexical" : "hybrid";
}

/* Fills a result from the store; SAL_ENOTFOUND when the chunk went away
 * between the index and the store (a concurrent delete). */
static int complete(knowledge_t *kn, const knowledge_query_t *q, knowledge_result_t *r) {
    int rc = store_chunk_get(kn->o.store, q->tenant_id, r->hit.chunk_id, &r->chunk);
    if (rc < 0) return rc;
    store_source_t *s = xmalloc(sizeof *s);
    if (store_source_get(kn->o.store, q->tenant_id, r->hit.source_id, s) == 0) {
        sal_strlcpy(r->source_title, s->title, sizeof r->source_title);
        sal_strlcpy(r->filename, s->filename, sizeof r->filename);
    }
    free(s);
    kix_highlight(r->chunk.text, strlen(r->chunk.text), q->query, strlen(q->query), 3, 200,
                  &r->highlights, &r->nhighlights);
    store_concept_t *c = xcalloc(32, sizeof *c);
    size_t nc = 0;
    if (store_chunk_concepts(kn->o.store, q->tenant_id, r->hit.chunk_id, c, 32, &nc) < 0) nc = 0;
    r->concepts = c;
    r->nconcepts = nc;
    return 0;
}

int knowledge_search(knowledge_t *kn, const knowledge_query_t *q, knowledge_results_t *out) {
    memset(out, 0, sizeof *out);
    if (!q->query || !*q->query || q->top_k < 1 || q->top_k > 100) return SAL_EINVAL;
    double t0 = sal_mono_ms();
    kix_mode_t mode = q->mode;
    if (!kn->o.model) {
        if (mode == KIX_VECTOR) return SAL_EUNAVAIL;
        mode = KIX_LEXICAL;
    }
    sal_arena_t *a = sal_arena_new();
    kix_query_t kq = {.mode = mode,
                      .text = q->query,
                      .text_len = strlen(q->query),
                      .top_k = (size_t)q->top_k,
                      .concept_types = q->concept_types};
    int rc = 0;
    if (q->nsource_types || q->ntags) {
        const char **ids;
        size_t n;
        if ((rc = allowed_sources(kn, q, a, &ids, &n)) < 0) goto done;
        if (n == 0) goto done; /* nothing passes the filters */
        kq.source_ids = ids;
        kq.nsource_ids = n;
    } else if (q->nsource_ids) {
        kq.source_ids = q->source_ids;
        kq.nsource_ids = q->nsource_ids;
    }
    float *qv = NULL;
    if (mode != KIX_LEXICAL) {
        qv = sal_arena_alloc(a, (size_t)kn->dims * sizeof *qv);
        double e0 = sal_mono_ms();
        if ((rc = embed_query(kn, q->query, qv)) < 0) goto done;
        out->embed_ms = sal_mono_ms() - e0;
        kq.vector = qv;
    }
    tenant_ix_t *t;
    if ((rc = kn_tenant_fresh(kn, q->tenant_id, &t)) < 0) goto done;
    kix_hit_t *hits = sal_arena_alloc(a, (size_t)q->top_k * sizeof *hits);
    size_t nh = 0;
    pthread_rwlock_rdlock(&t->swap);
    rc = t->ix ? kix_search(t->ix, &kq, hits, &nh) : 0;
    pthread_rwlock_unlock(&t->swap);
    if (rc < 0) goto done;
    out->items = xcalloc(nh ? nh : 1, sizeof *out->items);
    for (size_t i = 0; i < nh; i++) {
        knowledge_result_t *r = &out->items[out->n];
        r->hit = hits[i];
        int crc = complete(kn, q, r);
        if (crc == 0)
            out->n++;
        else {
            store_chunk_clear(&r->chunk);
            memset(r, 0, sizeof *r);
        }
    }
done:
    sal_arena_free(a);
    out->took_ms = sal_mono_ms() - t0;
    if (rc == 0) {
        sal_metrics_counter_add("salient_search_total", mode_name(mode), 1);
        sal_metrics_counter_add("salient_search_seconds_total", mode_name(mode),
                                out->took_ms / 1000.0);
    }
    return rc;
}

void knowledge_results_free(knowledge_results_t *r) {
    if (!r) return;
    for (size_t i = 0; i < r->n; i++) {
        store_chunk_clear(&r->items[i].chunk);
        kix_highlights_free(r->items[i].highlights, r->items[i].nhighlights);
        free(r->items[i].concepts);
    }
    free(r->items);
    memset(r, 0, sizeof *r);
}
