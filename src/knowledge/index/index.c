/* SPDX-License-Identifier: MIT */
/*
 * The index itself: slots (one per chunk, columns for flags, ids, source,
 * concept mask, document length and vector), the chunk-id and source-id
 * hash tables, adding and removing chunks under the write lock, and
 * search under the read lock — the vector and BM25 lists, filters,
 * reciprocal rank fusion and the deterministic ordering of hits.
 *
 * Removing a source marks its slots dead and purges their postings in one
 * pass over the dictionary (cheaper in memory than a term list per slot,
 * and removals are rare next to searches); the slots are reused by later
 * adds, and when more than a quarter of all slots are dead the slots are
 * compacted in the same pass, so scans never walk many holes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "knowledge/index/index_int.h"

#define KIX_RRF_K     60.0
#define KIX_MAX_DIMS  65536
#define KIX_MAX_TOP_K 100

/* ---- top-k heap ------------------------------------------------------------ */

/* a ranks before b: higher score, then lower chunk id. */
static bool better(const kix_t *ix, const kix_scored_t *a, const kix_scored_t *b) {
    if (a->score != b->score) return a->score > b->score;
    return strcmp(ix->chunk_ids[a->slot], ix->chunk_ids[b->slot]) < 0;
}

/* The heap's root is its worst item. */
static void sift_down(const kix_t *ix, kix_scored_t *it, size_t n, size_t i) {
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, w = i;
        if (l < n && better(ix, &it[w], &it[l])) w = l;
        if (r < n && better(ix, &it[w], &it[r])) w = r;
        if (w == i) return;
        kix_scored_t t = it[i];
        it[i] = it[w];
        it[w] = t;
        i = w;
    }
}

void kix_topk_push(kix_topk_t *h, float score, uint32_t slot) {
    kix_scored_t c = {.score = score, .slot = slot};
    if (h->n < h->cap) {
        size_t i = h->n++;
        while (i > 0) {
            size_t p = (i - 1) / 2;
            if (!better(h->ix, &h->items[p], &c)) break;
            h->items[i] = h->items[p];
            i = p;
        }
        h->items[i] = c;
        return;
    }
    if (h->cap == 0 || score < h->items[0].score || !better(h->ix, &c, &h->items[0])) return;
    h->items[0] = c;
    sift_down(h->ix, h->items, h->n, 0);
}

void kix_topk_sort(kix_topk_t *h) {
    /* Heap sort: moving the worst to the back each time leaves the array
     * best first. */
    for (size_t end = h->n; end > 1; end--) {
        kix_scored_t t = h->items[0];
        h->items[0] = h->items[end - 1];
        h->items[end - 1] = t;
        sift_down(h->ix, h->items, end - 1, 0);
    }
}

static void topk_init(kix_topk_t *h, const kix_t *ix, size_t cap) {
    h->ix = ix;
    h->items = xmalloc((cap ? cap : 1) * sizeof *h->items);
    h->n = 0;
    h->cap = cap;
}

/* ---- hash tables of ids ------------------------------------------------------ */

static uint32_t chunk_find(const kix_t *ix, const char *id) {
    if (ix->chash_cap == 0) return UINT32_MAX;
    uint32_t mask = ix->chash_cap - 1;
    for (uint32_t i = kix_hash(id, strlen(id)) & mask;; i = (i + 1) & mask) {
        uint32_t e = ix->chash[i];
        if (e == 0) return UINT32_MAX;
        if (strcmp(ix->chunk_ids[e - 1], id) == 0) return e - 1;
    }
}

static void chunk_insert(kix_t *ix, uint32_t slot) {
    uint32_t mask = ix->chash_cap - 1;
    const char *id = ix->chunk_ids[slot];
    uint32_t i = kix_hash(id, strlen(id)) & mask;
    while (ix->chash[i] != 0) i = (i + 1) & mask;
    ix->chash[i] = slot + 1;
}

/* Rebuilds the chunk table for the live slots with room for want. */
static void chunk_rebuild(kix_t *ix, size_t want) {
    uint32_t cap = 1024;
    while ((size_t)cap < want * 2) cap *= 2;
    free(ix->chash);
    ix->chash = xcalloc(cap, sizeof *ix->chash);
    ix->chash_cap = cap;
    for (uint32_t s = 0; s < ix->nslots; s++)
        if (ix->flags[s] & KIX_SLOT_LIVE) chunk_insert(ix, s);
}

static uint32_t source_find(const kix_t *ix, const char *id) {
    if (ix->shash_cap == 0) return UINT32_MAX;
    uint32_t mask = ix->shash_cap - 1;
    for (uint32_t i = kix_hash(id, strlen(id)) & mask;; i = (i + 1) & mask) {
        uint32_t e = ix->shash[i];
        if (e == 0) return UINT32_MAX;
        if (strcmp(ix->sources[e - 1].id, id) == 0) return e - 1;
    }
}

static void source_insert(kix_t *ix, uint32_t idx) {
    uint32_t mask = ix->shash_cap - 1;
    const char *id = ix->sources[idx].id;
    uint32_t i = kix_hash(id, strlen(id)) & mask;
    while (ix->shash[i] != 0) i = (i + 1) & mask;
    ix->shash[i] = idx + 1;
}

/* Sources stay in the table once seen (a source id is usually
 * re-ingested); only their live counts change. */
static uint32_t source_get(kix_t *ix, const char *id) {
    uint32_t idx = source_find(ix, id);
    if (idx != UINT32_MAX) return idx;
    if ((uint64_t)(ix->nsources + 1) * 2 > ix->shash_cap) {
        free(ix->shash);
        ix->shash_cap = ix->shash_cap ? ix->shash_cap * 2 : 64;
        ix->shash = xcalloc(ix->shash_cap, sizeof *ix->shash);
        for (uint32_t i = 0; i < ix->nsources; i++) source_insert(ix, i);
    }
    if (ix->nsources == ix->sources_cap) {
        ix->sources_cap = ix->sources_cap ? ix->sources_cap * 2 : 16;
        ix->sources = xrealloc(ix->sources, ix->sources_cap * sizeof *ix->sources);
    }
    idx = ix->nsources++;
    sal_strlcpy(ix->sources[idx].id, id, SAL_ID_CAP);
    ix->sources[idx].nlive = 0;
    source_insert(ix, idx);
    return idx;
}

/* ---- life cycle ---------------------------------------------------------------- */

kix_t *kix_new(int dims, kix_vec_t storage) {
    if (dims <= 0 || dims > KIX_MAX_DIMS || (storage != KIX_INT8 && storage != KIX_F32))
        return NULL;
    kix_t *ix = xcalloc(1, sizeof *ix);
    ix->dims = dims;
    ix->storage = storage;
    /* Writers first: a steady stream of searches must not starve an
     * ingestion waiting for the write lock. */
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&ix->lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    return ix;
}

void kix_free(kix_t *ix) {
    if (ix == NULL) return;
    pthread_rwlock_destroy(&ix->lock);
    free(ix->flags);
    free(ix->chunk_ids);
    free(ix->src);
    free(ix->ctypes);
    free(ix->dl);
    free(ix->v8);
    free(ix->vscale);
    free(ix->vf);
    free(ix->free_slots);
    free(ix->chash);
    free(ix->sources);
    free(ix->shash);
    kix_bm25_free(ix);
    free(ix);
}

static void slots_grow(kix_t *ix) {
    uint32_t cap = ix->cap ? ix->cap + ix->cap / 2 : 256;
    size_t d = (size_t)ix->dims;
    ix->flags = xrealloc(ix->flags, cap);
    ix->chunk_ids = xrealloc(ix->chunk_ids, (size_t)cap * sizeof *ix->chunk_ids);
    ix->src = xrealloc(ix->src, (size_t)cap * sizeof *ix->src);
    ix->ctypes = xrealloc(ix->ctypes, (size_t)cap * sizeof *ix->ctypes);
    ix->dl = xrealloc(ix->dl, (size_t)cap * sizeof *ix->dl);
    ix->free_slots = xrealloc(ix->free_slots, (size_t)cap * sizeof *ix->free_slots);
    if (ix->storage == KIX_INT8) {
        ix->v8 = xrealloc(ix->v8, (size_t)cap * d);
        ix->vscale = xrealloc(ix->vscale, (size_t)cap * sizeof *ix->vscale);
    } else {
        ix->vf = xrealloc(ix->vf, (size_t)cap * d * sizeof *ix->vf);
    }
    ix->cap = cap;
}

static bool id_ok(const char *id) {
    if (id == NULL || id[0] == '\0') return false;
    size_t n = strnlen(id, SAL_ID_CAP);
    return n < SAL_ID_CAP;
}

/* Normalises v into out; false when v has a non-finite value. A zero
 * vector stays zero (it then scores 0 against everything). */
static bool normalise(const float *v, int dims, float *out) {
    double ss = 0.0;
    for (int i = 0; i < dims; i++) {
        if (!isfinite(v[i])) return false;
        ss += (double)v[i] * v[i];
    }
    double inv = ss > 0.0 ? 1.0 / sqrt(ss) : 0.0;
    for (int i = 0; i < dims; i++) out[i] = (float)(v[i] * inv);
    return true;
}

int kix_add(kix_t *ix, const kix_entry_t *e) {
    if (ix == NULL || e == NULL || !id_ok(e->chunk_id) || !id_ok(e->source_id)) return SAL_EINVAL;
    if (e->terms != NULL && kix_blob_walk(e->terms, e->terms_len, NULL, NULL, NULL, NULL) != 0)
        return SAL_EINVAL;
    float *unit = NULL;
    if (e->vector != NULL) {
        unit = xmalloc((size_t)ix->dims * sizeof *unit);
        if (!normalise(e->vector, ix->dims, unit)) {
            free(unit);
            return SAL_EINVAL;
        }
    }
    pthread_rwlock_wrlock(&ix->lock);
    int rc = 0;
    if (chunk_find(ix, e->chunk_id) != UINT32_MAX) {
        rc = SAL_EEXIST;
        goto done;
    }
    uint32_t s;
    if (ix->nfree > 0) {
        s = ix->free_slots[--ix->nfree];
    } else {
        if (ix->nslots == UINT32_MAX - 1) {
            rc = SAL_ELIMIT;
            goto done;
        }
        if (ix->nslots == ix->cap) slots_grow(ix);
        s = ix->nslots++;
    }
    size_t d = (size_t)ix->dims;
    sal_strlcpy(ix->chunk_ids[s], e->chunk_id, SAL_ID_CAP);
    ix->src[s] = source_get(ix, e->source_id);
    ix->ctypes[s] = e->concept_types;
    ix->dl[s] = 0;
    ix->flags[s] = KIX_SLOT_LIVE;
    if (unit != NULL) {
        if (ix->storage == KIX_INT8)
            ix->vscale[s] = kix_quantize(unit, ix->dims, ix->v8 + s * d);
        else
            memcpy(ix->vf + s * d, unit, d * sizeof *unit);
        ix->flags[s] |= KIX_SLOT_VEC;
    } else if (ix->storage == KIX_INT8) {
        memset(ix->v8 + s * d, 0, d);
        ix->vscale[s] = 0.0f;
    } else {
        memset(ix->vf + s * d, 0, d * sizeof *ix->vf);
    }
    if (e->terms != NULL) {
        kix_bm25_add(ix, s, e->terms, e->terms_len);
        ix->flags[s] |= KIX_SLOT_TERMS;
    }
    ix->nlive++;
    ix->sources[ix->src[s]].nlive++;
    if ((uint64_t)ix->nlive * 2 > ix->chash_cap)
        chunk_rebuild(ix, ix->nlive * 2); /* includes s */
    else
        chunk_insert(ix, s);
done:
    pthread_rwlock_unlock(&ix->lock);
    free(unit);
    return rc;
}

/* Moves the live slots down over the dead ones (remap: old → new). */
static void slots_compact(kix_t *ix, const uint32_t *remap) {
    size_t d = (size_t)ix->dims;
    for (uint32_t s = 0; s < ix->nslots; s++) {
        uint32_t t = remap[s];
        if (t == UINT32_MAX || t == s) continue;
        ix->flags[t] = ix->flags[s];
        memcpy(ix->chunk_ids[t], ix->chunk_ids[s], SAL_ID_CAP);
        ix->src[t] = ix->src[s];
        ix->ctypes[t] = ix->ctypes[s];
        ix->dl[t] = ix->dl[s];
        if (ix->storage == KIX_INT8) {
            memcpy(ix->v8 + t * d, ix->v8 + s * d, d);
            ix->vscale[t] = ix->vscale[s];
        } else {
            memcpy(ix->vf + t * d, ix->vf + s * d, d * sizeof *ix->vf);
        }
    }
}

size_t kix_remove_source(kix_t *ix, const char *source_id) {
    if (ix == NULL || source_id == NULL) return 0;
    pthread_rwlock_wrlock(&ix->lock);
    size_t removed = 0;
    uint32_t src = source_find(ix, source_id);
    if (src == UINT32_MAX || ix->sources[src].nlive == 0) goto done;
    for (uint32_t s = 0; s < ix->nslots; s++) {
        if (!(ix->flags[s] & KIX_SLOT_LIVE) || ix->src[s] != src) continue;
        if (ix->flags[s] & KIX_SLOT_TERMS) {
            ix->total_len -= ix->dl[s];
            ix->ndocs--;
        }
        ix->flags[s] = 0;
        removed++;
    }
    ix->nlive -= removed;
    ix->sources[src].nlive = 0;

    size_t dead = ix->nslots - ix->nlive;
    if (dead * 4 > ix->nslots) {
        uint32_t *remap = xmalloc((size_t)ix->nslots * sizeof *remap);
        uint32_t next = 0;
        for (uint32_t s = 0; s < ix->nslots; s++)
            remap[s] = (ix->flags[s] & KIX_SLOT_LIVE) ? next++ : UINT32_MAX;
        kix_bm25_purge(ix, remap); /* reads the old flags: before the move */
        slots_compact(ix, remap);
        free(remap);
        ix->nslots = next;
        ix->nfree = 0;
    } else {
        kix_bm25_purge(ix, NULL);
        /* Rebuild the free list so reuse starts from the lowest slots. */
        ix->nfree = 0;
        for (uint32_t s = ix->nslots; s-- > 0;)
            if (!(ix->flags[s] & KIX_SLOT_LIVE)) ix->free_slots[ix->nfree++] = s;
    }
    chunk_rebuild(ix, ix->nlive);
done:
    pthread_rwlock_unlock(&ix->lock);
    return removed;
}

size_t kix_count(const kix_t *ix) {
    if (ix == NULL) return 0;
    pthread_rwlock_t *lock = (pthread_rwlock_t *)&ix->lock; /* internal state, not the value */
    pthread_rwlock_rdlock(lock);
    size_t n = ix->nlive;
    pthread_rwlock_unlock(lock);
    return n;
}

size_t kix_memory_bytes(const kix_t *ix) {
    if (ix == NULL) return 0;
    pthread_rwlock_t *lock = (pthread_rwlock_t *)&ix->lock;
    pthread_rwlock_rdlock(lock);
    size_t per_slot = 1 + SAL_ID_CAP + 4 * sizeof(uint32_t) /* src, ctypes, dl, free list */ +
                      (ix->storage == KIX_INT8 ? (size_t)ix->dims + sizeof(float)
                                               : (size_t)ix->dims * sizeof(float));
    size_t m = sizeof *ix + (size_t)ix->cap * per_slot + (size_t)ix->chash_cap * sizeof(uint32_t) +
               (size_t)ix->sources_cap * sizeof(kix_source_t) +
               (size_t)ix->shash_cap * sizeof(uint32_t) + kix_bm25_memory(ix);
    pthread_rwlock_unlock(lock);
    return m;
}

/* ---- search ---------------------------------------------------------------------- */

typedef struct {
    uint32_t slot;
    float vs, ls;
    int vr, lr;
} cand_t;

static int cand_slot_cmp(const void *a, const void *b) {
    uint32_t x = ((const cand_t *)a)->slot, y = ((const cand_t *)b)->slot;
    return x < y ? -1 : x > y;
}

static void hit_fill(const kix_t *ix, kix_hit_t *h, uint32_t slot) {
    memset(h, 0, sizeof *h);
    sal_strlcpy(h->chunk_id, ix->chunk_ids[slot], sizeof h->chunk_id);
    sal_strlcpy(h->source_id, ix->sources[ix->src[slot]].id, sizeof h->source_id);
}

/* Fuses the two lists (best first) by RRF into out (top_k). */
static size_t fuse(const kix_t *ix, const kix_topk_t *vl, const kix_topk_t *ll, size_t top_k,
                   kix_hit_t *out) {
    size_t nc = 0;
    cand_t *c = xmalloc((vl->n + ll->n + 1) * sizeof *c);
    for (size_t i = 0; i < vl->n; i++)
        c[nc++] = (cand_t){.slot = vl->items[i].slot, .vs = vl->items[i].score, .vr = (int)i + 1};
    for (size_t i = 0; i < ll->n; i++)
        c[nc++] = (cand_t){.slot = ll->items[i].slot, .ls = ll->items[i].score, .lr = (int)i + 1};
    qsort(c, nc, sizeof *c, cand_slot_cmp);
    size_t m = 0;
    for (size_t i = 0; i < nc; i++) {
        if (m > 0 && c[m - 1].slot == c[i].slot) { /* one from each list */
            if (c[i].vr) {
                c[m - 1].vr = c[i].vr;
                c[m - 1].vs = c[i].vs;
            } else {
                c[m - 1].lr = c[i].lr;
                c[m - 1].ls = c[i].ls;
            }
        } else {
            c[m++] = c[i];
        }
    }
    kix_topk_t best;
    topk_init(&best, ix, top_k);
    for (size_t i = 0; i < m; i++) {
        /* Always the same order of additions: equal ranks, equal floats. */
        double f = 0.0;
        if (c[i].vr) f += 1.0 / (KIX_RRF_K + c[i].vr);
        if (c[i].lr) f += 1.0 / (KIX_RRF_K + c[i].lr);
        kix_topk_push(&best, (float)f, c[i].slot);
    }
    kix_topk_sort(&best);
    for (size_t i = 0; i < best.n; i++) {
        cand_t key = {.slot = best.items[i].slot};
        const cand_t *x = bsearch(&key, c, m, sizeof *c, cand_slot_cmp);
        hit_fill(ix, &out[i], x->slot);
        out[i].vector_score = x->vs;
        out[i].lexical_score = x->ls;
        out[i].vector_rank = x->vr;
        out[i].lexical_rank = x->lr;
        out[i].fused = best.items[i].score;
    }
    size_t n = best.n;
    free(best.items);
    free(c);
    return n;
}

int kix_search(const kix_t *ix, const kix_query_t *q, kix_hit_t *out, size_t *n) {
    if (ix == NULL || q == NULL || out == NULL || n == NULL) return SAL_EINVAL;
    *n = 0;
    if (q->top_k < 1 || q->top_k > KIX_MAX_TOP_K) return SAL_EINVAL;
    if (q->mode != KIX_HYBRID && q->mode != KIX_VECTOR && q->mode != KIX_LEXICAL) return SAL_EINVAL;
    if (q->mode == KIX_VECTOR && q->vector == NULL) return SAL_EINVAL;
    if (q->mode != KIX_VECTOR && q->text == NULL) return SAL_EINVAL;
    if (q->nsource_ids > 0 && q->source_ids == NULL) return SAL_EINVAL;

    bool use_vec = q->mode == KIX_VECTOR || (q->mode == KIX_HYBRID && q->vector != NULL);
    bool use_lex = q->mode != KIX_VECTOR;
    float *qv = NULL;
    uint8_t *bits = NULL;
    kix_qterms_t qt = {0};
    kix_topk_t vl = {0}, ll = {0};
    if (use_vec) {
        qv = xmalloc((size_t)ix->dims * sizeof *qv);
        if (!normalise(q->vector, ix->dims, qv)) {
            free(qv);
            return SAL_EINVAL;
        }
    }
    /* Stemming needs no lock. */
    if (use_lex) kix_qterms_parse(q->text, q->text_len ? q->text_len : strlen(q->text), &qt);

    pthread_rwlock_t *lock = (pthread_rwlock_t *)&ix->lock;
    pthread_rwlock_rdlock(lock);
    kix_filter_t f = {.ctypes = q->concept_types};
    if (q->source_ids != NULL && q->nsource_ids > 0) {
        bits = xcalloc((size_t)ix->nsources / 8 + 1, 1);
        for (size_t i = 0; i < q->nsource_ids; i++) {
            uint32_t s = q->source_ids[i] != NULL ? source_find(ix, q->source_ids[i]) : UINT32_MAX;
            if (s != UINT32_MAX) bits[s >> 3] |= (uint8_t)(1u << (s & 7));
        }
        f.src_bits = bits;
    }
    bool hybrid = q->mode == KIX_HYBRID && use_vec;
    size_t depth = hybrid ? (q->top_k * 4 > 50 ? q->top_k * 4 : 50) : q->top_k;
    if (use_vec) {
        topk_init(&vl, ix, depth);
        kix_vector_search(ix, qv, &f, &vl);
        kix_topk_sort(&vl);
    }
    if (use_lex) {
        topk_init(&ll, ix, depth);
        kix_bm25_search(ix, &qt, &f, &ll);
        kix_topk_sort(&ll);
    }
    if (hybrid) {
        *n = fuse(ix, &vl, &ll, q->top_k, out);
    } else if (use_vec) {
        for (size_t i = 0; i < vl.n; i++) {
            hit_fill(ix, &out[i], vl.items[i].slot);
            out[i].vector_score = out[i].fused = vl.items[i].score;
            out[i].vector_rank = (int)i + 1;
        }
        *n = vl.n;
    } else {
        for (size_t i = 0; i < ll.n; i++) {
            hit_fill(ix, &out[i], ll.items[i].slot);
            out[i].lexical_score = out[i].fused = ll.items[i].score;
            out[i].lexical_rank = (int)i + 1;
        }
        *n = ll.n;
    }
    pthread_rwlock_unlock(lock);
    free(vl.items);
    free(ll.items);
    free(bits);
    free(qv);
    kix_qterms_free(&qt);
    return 0;
}
