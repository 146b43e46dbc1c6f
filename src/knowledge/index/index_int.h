/* SPDX-License-Identifier: MIT */
/*
 * Private to the index module: the word scanner and term analysis shared
 * by encoding, query analysis and highlights (analyze.c), the terms blob
 * reader (analyze.c), the vector kernels (vector.c), the BM25 dictionary
 * and scoring (bm25.c), and the index structure they all work on (index.c
 * owns its life cycle and locking).
 */
#ifndef SALIENT_INDEX_INT_H
#define SALIENT_INDEX_INT_H

#include <pthread.h>

#include "knowledge/index/index.h"

/* ---- analysis ---------------------------------------------------------- */

/* Longest term kept, in bytes after case folding; longer words are
 * skipped (URLs, base64, hashes: never useful as search terms). */
#define KIX_TERM_MAX 64
/* Terms blob format version (first byte). */
#define KIX_BLOB_VERSION 1
/* BM25F-style field weights: a query word in the source title or the
 * heading path says more about the chunk than one in its body. */
#define KIX_W_TEXT    1.0f
#define KIX_W_SECTION 2.0f
#define KIX_W_TITLE   3.0f
/* BM25 parameters (the usual Robertson / Lucene defaults). */
#define KIX_BM25_K1 1.2f
#define KIX_BM25_B  0.75f

/* One word of a text: a run of letters, digits and combining marks
 * (apostrophes between them dropped), case-folded into folded[0..len).
 * [start, end) is its byte range in the text; too_long when the folded
 * form exceeds KIX_TERM_MAX (folded then holds only a prefix). */
typedef struct {
    size_t start, end;
    char folded[KIX_TERM_MAX + 8];
    size_t len;
    bool too_long;
} kix_word_t;

/* Scans text for the next word from *pos; false at the end. Invalid UTF-8
 * bytes are separators. */
bool kix_word_next(const char *text, size_t len, size_t *pos, kix_word_t *w);

/* The term of a word: false for a stopword or a too-long word, else the
 * Snowball stem in out (NUL-terminated, *out_len bytes, at most
 * KIX_TERM_MAX). Uses this thread's stemmer. */
bool kix_word_term(const kix_word_t *w, char out[KIX_TERM_MAX + 1], size_t *out_len);

/* Distinct terms of a query in first-occurrence order, in one allocation:
 * terms[i] points into it. Free with kix_qterms_free. */
typedef struct {
    char **terms;
    size_t *lens;
    size_t n;
} kix_qterms_t;
void kix_qterms_parse(const char *text, size_t len, kix_qterms_t *out);
void kix_qterms_free(kix_qterms_t *q);
/* True when term[0..len) is one of q's terms. */
bool kix_qterms_has(const kix_qterms_t *q, const char *term, size_t len);

/* Walks a terms blob. Validates everything (version, varints, bounds,
 * term lengths and bytes, strictly increasing term order, term counts
 * against the document length, no trailing bytes) and calls cb (may be
 * NULL: validate only) for each term. Returns 0 or SAL_EINVAL, never
 * reading outside blob[0..len). */
typedef void (*kix_term_cb)(void *ctx, const char *term, size_t len, uint32_t tf_text,
                            uint32_t tf_section, uint32_t tf_title);
int kix_blob_walk(const unsigned char *blob, size_t len, uint32_t *doc_len, size_t *nterms,
                  kix_term_cb cb, void *ctx);

/* The weighted term frequency BM25 sees, saturated to uint16. */
uint16_t kix_weighted_tf(uint32_t tf_text, uint32_t tf_section, uint32_t tf_title);

/* ---- vectors ------------------------------------------------------------- */

/* Quantises v (dims floats) to int8 with a symmetric per-vector scale
 * (max |x| / 127); returns the scale (0 for a zero vector). */
float kix_quantize(const float *v, int dims, int8_t *out);
/* Dot products: the plain reference loops and the dispatched kernels
 * (AVX2 when the CPU has it, else the reference). */
int32_t kix_dot_i8_ref(const int8_t *a, const int8_t *b, int dims);
float kix_dot_f32_ref(const float *a, const float *b, int dims);
typedef int32_t (*kix_dot_i8_fn)(const int8_t *a, const int8_t *b, int dims);
typedef float (*kix_dot_f32_fn)(const float *a, const float *b, int dims);
kix_dot_i8_fn kix_dot_i8_kernel(void);
kix_dot_f32_fn kix_dot_f32_kernel(void);
/* The AVX2 kernels themselves, NULL when not compiled in or the CPU lacks
 * AVX2/FMA (for the tests that compare them with the reference). */
kix_dot_i8_fn kix_dot_i8_avx2(void);
kix_dot_f32_fn kix_dot_f32_avx2(void);

/* ---- the index ----------------------------------------------------------- */

enum {
    KIX_SLOT_LIVE = 1,
    KIX_SLOT_VEC = 2,   /* has a vector */
    KIX_SLOT_TERMS = 4, /* has a terms blob: counts in the BM25 statistics */
};

/* One term of the dictionary: its posting list as two parallel arrays in
 * one allocation (slots[cap] then tf[cap]), unordered. */
typedef struct {
    uint32_t off; /* of the term's bytes in the pool */
    uint32_t hash;
    uint32_t n, cap;
    uint8_t len;
    uint32_t *slots;
    uint16_t *tf; /* = (uint16_t *)(slots + cap) */
} kix_term_t;

typedef struct {
    char id[SAL_ID_CAP];
    uint32_t nlive;
} kix_source_t;

struct kix {
    pthread_rwlock_t lock;
    int dims;
    kix_vec_t storage;

    /* Slots [0, nslots) of cap; per-slot columns. */
    uint32_t nslots, cap;
    uint8_t *flags;
    char (*chunk_ids)[SAL_ID_CAP];
    uint32_t *src;    /* index into sources */
    uint32_t *ctypes; /* concept type mask */
    uint32_t *dl;     /* document length (text terms) */
    int8_t *v8;       /* KIX_INT8: cap × dims */
    float *vscale;    /* KIX_INT8: per-slot scale */
    float *vf;        /* KIX_F32: cap × dims */
    uint32_t *free_slots;
    uint32_t nfree;
    size_t nlive;

    /* chunk id → slot + 1 (0: empty), open addressing, power of two. */
    uint32_t *chash;
    uint32_t chash_cap;

    kix_source_t *sources;
    uint32_t nsources, sources_cap;
    uint32_t *shash; /* source index + 1 */
    uint32_t shash_cap;

    /* BM25 */
    kix_term_t *terms;
    uint32_t nterms, terms_cap;
    uint32_t *thash; /* term index + 1 */
    uint32_t thash_cap;
    char *pool;
    size_t pool_len, pool_cap;
    uint64_t total_len; /* Σ dl over slots with terms */
    uint32_t ndocs;     /* slots with terms */
};

uint32_t kix_hash(const void *p, size_t len);

/* A scored slot; lists are ordered best first: higher score, then lower
 * chunk id. */
typedef struct {
    float score;
    uint32_t slot;
} kix_scored_t;

/* A bounded heap keeping the best cap scored slots of ix. */
typedef struct {
    const kix_t *ix;
    kix_scored_t *items;
    size_t n, cap;
} kix_topk_t;
void kix_topk_push(kix_topk_t *h, float score, uint32_t slot);
/* Sorts the kept items best first (the heap is consumed). */
void kix_topk_sort(kix_topk_t *h);

/* Whether a slot passes the query's filters. */
typedef struct {
    const uint8_t *src_bits; /* NULL: any source */
    uint32_t ctypes;         /* 0: any */
} kix_filter_t;

static inline bool kix_filter_pass(const kix_t *ix, const kix_filter_t *f, uint32_t slot) {
    if (f->src_bits != NULL) {
        uint32_t s = ix->src[slot];
        if (!(f->src_bits[s >> 3] & (1u << (s & 7)))) return false;
    }
    return f->ctypes == 0 || (ix->ctypes[slot] & f->ctypes) != 0;
}

/* bm25.c: adds a slot's terms (blob already validated); removes the
 * postings of dead slots (flags without LIVE) and renumbers the others
 * through remap (NULL: keep numbers); scores a query into h; bytes held. */
void kix_bm25_add(kix_t *ix, uint32_t slot, const unsigned char *blob, size_t len);
void kix_bm25_purge(kix_t *ix, const uint32_t *remap);
void kix_bm25_search(const kix_t *ix, const kix_qterms_t *qt, const kix_filter_t *f, kix_topk_t *h);
size_t kix_bm25_memory(const kix_t *ix);
void kix_bm25_free(kix_t *ix);

/* vector.c: scores every live slot with a vector against the query
 * (L2-normalised by the caller) into h. */
void kix_vector_search(const kix_t *ix, const float *q, const kix_filter_t *f, kix_topk_t *h);

#endif
