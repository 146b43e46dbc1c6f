/* SPDX-License-Identifier: MIT */
/*
 * index — one tenant's searchable knowledge in memory: a vector index
 * (brute force over L2-normalised vectors, int8 with a per-vector scale
 * or f32, AVX2 kernels beside a plain reference loop) and our BM25
 * inverted index (Snowball English stemming via libstemmer, stopwords,
 * BM25F-style field boost for the source title and the heading path),
 * fused by reciprocal rank fusion for hybrid search, with filters and
 * highlights.
 *
 * The index is rebuilt from the store at start-up (vectors and the encoded
 * terms of each chunk are persisted with the chunk) and kept current as
 * sources are ingested or deleted. The interface hides the structures, so
 * HNSW or pgvector can stand behind it later.
 *
 * Thread-safe: any number of concurrent searches, one writer at a time
 * (an internal read-write lock).
 *
 *     unsigned char *terms; size_t tlen;
 *     kix_terms_encode(text, len, "Pricing > Enterprise", "Acme Pricing", &terms, &tlen);
 *     kix_t *ix = kix_new(384, KIX_INT8);
 *     kix_add(ix, &(kix_entry_t){.chunk_id = "chk_…", .source_id = "src_…",
 *                                 .vector = v, .terms = terms, .terms_len = tlen});
 *     kix_query_t q = {.mode = KIX_HYBRID, .text = "prove ROI", .vector = qv, .top_k = 10};
 *     kix_hit_t hits[10]; size_t n;
 *     kix_search(ix, &q, hits, &n);
 *     kix_free(ix);
 */
#ifndef SALIENT_INDEX_H
#define SALIENT_INDEX_H

#include "core/core.h"

/* ---- text analysis ----------------------------------------------------- */

/* Analyses a chunk for BM25: lower-cased (utf8proc case folding) words
 * and numbers, English stopwords dropped, Snowball-stemmed, counted per
 * field (text; section = heading path; title = the source title; any may
 * be NULL), and encodes the distinct terms with their field frequencies
 * and the document length into a compact blob (*out, free with free()),
 * which kix_add reads back. Deterministic. */
int kix_terms_encode(const char *text, size_t len, const char *section, const char *title,
                     unsigned char **out, size_t *out_len);

/* The stemmed query terms of text as one string of space-separated terms
 * (for logs and tests); new string, free with free(). */
char *kix_query_terms(const char *text, size_t len);

/* ---- the index --------------------------------------------------------- */

typedef enum { KIX_INT8, KIX_F32 } kix_vec_t;
typedef struct kix kix_t;

/* A new empty index for vectors of dims floats. Free with kix_free(). */
kix_t *kix_new(int dims, kix_vec_t storage);
void kix_free(kix_t *ix); /* accepts NULL */

/* One chunk to index; everything is copied. vector may be NULL (the chunk
 * is then only lexically searchable); terms may be NULL (only by vector).
 * concept_types is a bit mask of the concept types it mentions. */
typedef struct {
    const char *chunk_id;
    const char *source_id;
    const float *vector;
    const unsigned char *terms;
    size_t terms_len;
    uint32_t concept_types;
} kix_entry_t;

/* Adds a chunk. SAL_EINVAL for a malformed terms blob; SAL_EEXIST when
 * the chunk id is already present. */
int kix_add(kix_t *ix, const kix_entry_t *e);
/* Removes every chunk of a source (their slots are reused; BM25
 * statistics are updated). Returns how many went. */
size_t kix_remove_source(kix_t *ix, const char *source_id);
/* Live chunks. */
size_t kix_count(const kix_t *ix);
/* Bytes held (vectors, postings, ids), for RSS accounting. */
size_t kix_memory_bytes(const kix_t *ix);

typedef enum { KIX_HYBRID = 0, KIX_VECTOR, KIX_LEXICAL } kix_mode_t;

typedef struct {
    kix_mode_t mode;
    const char *text; /* the query text (lexical, hybrid) */
    size_t text_len;  /* 0: strlen(text) */
    const float
        *vector;  /* the query embedding (vector, hybrid); may be NULL in hybrid: lexical only */
    size_t top_k; /* 1..100 */
    /* Filters: a chunk must belong to one of these sources (NULL: any)
     * and mention one of these concept types (0: any). */
    const char *const *source_ids;
    size_t nsource_ids;
    uint32_t concept_types;
} kix_query_t;

/* One result. vector_score is the cosine (0 when not in the vector list),
 * lexical_score the BM25 score (0 when not in the lexical list), fused the
 * RRF score (k = 60) in hybrid mode, else equal to the mode's own score.
 * Ranks are 1-based, 0 when absent from that list. */
typedef struct {
    char chunk_id[SAL_ID_CAP];
    char source_id[SAL_ID_CAP];
    float vector_score, lexical_score, fused;
    int vector_rank, lexical_rank;
} kix_hit_t;

/* Searches; out has room for q->top_k hits, *n gets how many. Ties break
 * by chunk id so results are deterministic. Hybrid fuses the top
 * max(4 × top_k, 50) of each list. SAL_EINVAL for top_k outside 1..100
 * or a mode whose input is missing. */
int kix_search(const kix_t *ix, const kix_query_t *q, kix_hit_t *out, size_t *n);

/* ---- highlights --------------------------------------------------------- */

/* Up to max_snippets snippets of about snippet_chars characters from text
 * around the words whose stems match the query's, with those words
 * wrapped in <mark>…</mark> and everything else HTML-escaped, "…" where a
 * snippet is cut. Each snippet is a new string; *out (array, new) and *n;
 * free with kix_highlights_free. No match: 0 snippets. */
int kix_highlight(const char *text, size_t len, const char *query, size_t query_len,
                  size_t max_snippets, size_t snippet_chars, char ***out, size_t *n);
void kix_highlights_free(char **s, size_t n);

#endif
