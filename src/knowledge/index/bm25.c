/* SPDX-License-Identifier: MIT */
/*
 * The lexical side of the index: a term dictionary (open addressing over
 * FNV-1a hashes, term bytes in one pool) from each stemmed term to its
 * posting list of (slot, weighted tf) — 6 bytes a posting, no positions,
 * no text — and BM25 scoring by term-at-a-time accumulation into a
 * per-thread score array, filters applied as postings are read.
 *
 *     w     = tf_text + 2·tf_section + 3·tf_title      (BM25F-style)
 *     idf   = ln(1 + (N − df + 0.5) / (df + 0.5))
 *     score = Σ idf · w·(k1 + 1) / (w + k1·(1 − b + b·dl/avgdl)),  k1 = 1.2, b = 0.75
 *
 * N counts live chunks that have terms, dl is a chunk's body length in
 * terms (stopwords excluded), df the live chunks holding the term.
 * Removing chunks purges their postings from every list in one pass, so
 * df is always the list length and slots can be reused at once.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "knowledge/index/index_int.h"

uint32_t kix_hash(const void *p, size_t len) {
    const unsigned char *s = p;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= s[i];
        h *= 16777619u;
    }
    return h;
}

static const char *term_bytes(const kix_t *ix, const kix_term_t *t) { return ix->pool + t->off; }

/* The term's index, or UINT32_MAX. */
static uint32_t term_find(const kix_t *ix, const char *s, size_t len, uint32_t h) {
    if (ix->thash_cap == 0) return UINT32_MAX;
    uint32_t mask = ix->thash_cap - 1;
    for (uint32_t i = h & mask;; i = (i + 1) & mask) {
        uint32_t e = ix->thash[i];
        if (e == 0) return UINT32_MAX;
        const kix_term_t *t = &ix->terms[e - 1];
        if (t->hash == h && t->len == len && memcmp(term_bytes(ix, t), s, len) == 0) return e - 1;
    }
}

static void thash_insert(kix_t *ix, uint32_t idx) {
    uint32_t mask = ix->thash_cap - 1;
    uint32_t i = ix->terms[idx].hash & mask;
    while (ix->thash[i] != 0) i = (i + 1) & mask;
    ix->thash[i] = idx + 1;
}

static uint32_t term_add(kix_t *ix, const char *s, size_t len, uint32_t h) {
    /* Keep the table at most half full. */
    if ((uint64_t)(ix->nterms + 1) * 2 > ix->thash_cap) {
        free(ix->thash);
        ix->thash_cap = ix->thash_cap ? ix->thash_cap * 2 : 1024;
        ix->thash = xcalloc(ix->thash_cap, sizeof *ix->thash);
        for (uint32_t i = 0; i < ix->nterms; i++) thash_insert(ix, i);
    }
    if (ix->nterms == ix->terms_cap) {
        ix->terms_cap = ix->terms_cap ? ix->terms_cap + ix->terms_cap / 2 : 1024;
        ix->terms = xrealloc(ix->terms, ix->terms_cap * sizeof *ix->terms);
    }
    if (ix->pool_len + len > ix->pool_cap) {
        ix->pool_cap = ix->pool_cap ? ix->pool_cap + ix->pool_cap / 2 + len : 16384;
        ix->pool = xrealloc(ix->pool, ix->pool_cap);
    }
    memcpy(ix->pool + ix->pool_len, s, len);
    uint32_t idx = ix->nterms++;
    ix->terms[idx] = (kix_term_t){.off = (uint32_t)ix->pool_len, .hash = h, .len = (uint8_t)len};
    ix->pool_len += len;
    thash_insert(ix, idx);
    return idx;
}

/* Resizes a posting list to cap entries (>= n). */
static void postings_resize(kix_term_t *t, uint32_t cap) {
    if (cap == 0) {
        free(t->slots);
        t->slots = NULL;
        t->tf = NULL;
        t->cap = 0;
        return;
    }
    if (cap < t->cap) /* shrinking: move tf down before the block shrinks */
        memmove(t->slots + cap, t->tf, t->n * sizeof *t->tf);
    uint32_t *p = xrealloc(t->slots, (size_t)cap * (sizeof(uint32_t) + sizeof(uint16_t)));
    uint16_t *tf = (uint16_t *)(void *)(p + cap);
    if (cap > t->cap && t->n > 0) /* growing: move tf up into its new place */
        memmove(tf, p + t->cap, t->n * sizeof *tf);
    t->slots = p;
    t->tf = tf;
    t->cap = cap;
}

typedef struct {
    kix_t *ix;
    uint32_t slot;
} add_ctx_t;

static void add_term(void *vctx, const char *term, size_t len, uint32_t tf_text,
                     uint32_t tf_section, uint32_t tf_title) {
    add_ctx_t *c = vctx;
    kix_t *ix = c->ix;
    uint32_t h = kix_hash(term, len);
    uint32_t idx = term_find(ix, term, len, h);
    if (idx == UINT32_MAX) idx = term_add(ix, term, len, h);
    kix_term_t *t = &ix->terms[idx];
    if (t->n == t->cap) postings_resize(t, t->cap < 4 ? 4 : t->cap + t->cap / 2);
    t->slots[t->n] = c->slot;
    t->tf[t->n] = kix_weighted_tf(tf_text, tf_section, tf_title);
    t->n++;
}

void kix_bm25_add(kix_t *ix, uint32_t slot, const unsigned char *blob, size_t len) {
    add_ctx_t c = {.ix = ix, .slot = slot};
    uint32_t dl = 0;
    /* Validated by the caller already: this walk cannot fail. */
    (void)kix_blob_walk(blob, len, &dl, NULL, add_term, &c);
    ix->dl[slot] = dl;
    ix->total_len += dl;
    ix->ndocs++;
}

void kix_bm25_purge(kix_t *ix, const uint32_t *remap) {
    for (uint32_t i = 0; i < ix->nterms; i++) {
        kix_term_t *t = &ix->terms[i];
        uint32_t k = 0;
        for (uint32_t j = 0; j < t->n; j++) {
            uint32_t s = t->slots[j];
            if (!(ix->flags[s] & KIX_SLOT_LIVE)) continue;
            t->slots[k] = remap != NULL ? remap[s] : s;
            t->tf[k] = t->tf[j];
            k++;
        }
        t->n = k;
        /* Give memory back when a list lost most of its postings. */
        if (k == 0)
            postings_resize(t, 0);
        else if (t->cap > 8 && k < t->cap / 2)
            postings_resize(t, k);
    }
}

/* Per-thread scoring scratch: a score per slot and the slots touched, so
 * only those are reset after a query (no page faults per query). */
typedef struct {
    float *score;
    uint32_t *touched;
    size_t cap;
} scratch_t;

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_free(void *p) {
    scratch_t *s = p;
    free(s->score);
    free(s->touched);
    free(s);
}
static void scratch_key_make(void) {
    if (pthread_key_create(&scratch_key, scratch_free) != 0) abort();
}

static scratch_t *thread_scratch(size_t n) {
    pthread_once(&scratch_once, scratch_key_make);
    scratch_t *s = pthread_getspecific(scratch_key);
    if (s == NULL) {
        s = xcalloc(1, sizeof *s);
        pthread_setspecific(scratch_key, s);
    }
    if (s->cap < n) {
        size_t cap = n + n / 4 + 64;
        free(s->score);
        free(s->touched);
        s->score = xcalloc(cap, sizeof *s->score);
        s->touched = xmalloc(cap * sizeof *s->touched);
        s->cap = cap;
    }
    return s;
}

void kix_bm25_search(const kix_t *ix, const kix_qterms_t *qt, const kix_filter_t *f,
                     kix_topk_t *h) {
    if (ix->ndocs == 0 || qt->n == 0) return;
    const float n_docs = (float)ix->ndocs;
    float avgdl = (float)((double)ix->total_len / (double)ix->ndocs);
    if (avgdl <= 0.0f) avgdl = 1.0f;
    const float k1 = KIX_BM25_K1, b = KIX_BM25_B;
    const float ka = k1 * (1.0f - b), kb = k1 * b / avgdl;
    scratch_t *sc = thread_scratch(ix->nslots);
    float *score = sc->score;
    uint32_t *touched = sc->touched;
    size_t nt = 0;
    for (size_t q = 0; q < qt->n; q++) {
        uint32_t idx =
            term_find(ix, qt->terms[q], qt->lens[q], kix_hash(qt->terms[q], qt->lens[q]));
        if (idx == UINT32_MAX) continue;
        const kix_term_t *t = &ix->terms[idx];
        if (t->n == 0) continue;
        float df = (float)t->n;
        float idf = logf(1.0f + (n_docs - df + 0.5f) / (df + 0.5f));
        float idf_k1 = idf * (k1 + 1.0f);
        for (uint32_t j = 0; j < t->n; j++) {
            uint32_t s = t->slots[j];
            if (!kix_filter_pass(ix, f, s)) continue;
            float w = (float)t->tf[j];
            float c = idf_k1 * w / (w + ka + kb * (float)ix->dl[s]);
            if (score[s] == 0.0f) touched[nt++] = s;
            score[s] += c;
        }
    }
    for (size_t i = 0; i < nt; i++) {
        uint32_t s = touched[i];
        kix_topk_push(h, score[s], s);
        score[s] = 0.0f;
    }
}

size_t kix_bm25_memory(const kix_t *ix) {
    size_t m = (size_t)ix->terms_cap * sizeof *ix->terms +
               (size_t)ix->thash_cap * sizeof *ix->thash + ix->pool_cap;
    for (uint32_t i = 0; i < ix->nterms; i++)
        m += (size_t)ix->terms[i].cap * (sizeof(uint32_t) + sizeof(uint16_t));
    return m;
}

void kix_bm25_free(kix_t *ix) {
    for (uint32_t i = 0; i < ix->nterms; i++) free(ix->terms[i].slots);
    free(ix->terms);
    free(ix->thash);
    free(ix->pool);
}
