/* SPDX-License-Identifier: MIT */
/*
 * bench_index — the knowledge index (index.h) at 10k and 100k chunks:
 * build time, memory (kix_memory_bytes and the process RSS it adds),
 * search latency p50/p95/p99 per mode (hybrid, vector, lexical) with the
 * query embedding timed separately and summed, the brute-force references
 * in the same run (an exact f32 scan; a naive BM25 that decodes and scores
 * every chunk's terms blob per query; both fused by RRF for hybrid), and
 * the quality of the fast paths against them: int8-vs-f32 recall@10 and
 * the top-10 agreement of lexical and hybrid search.
 *
 * Chunks are generated (seeded, deterministic): 100+ words of sentences
 * from bench/embed/corpus.txt followed by 40 words drawn from a Zipf
 * distribution (s = 1.07) over 20,000 synthetic words, a heading path and
 * a source title (20 chunks a source) — about 190 words, like the
 * chunker's ~256-token chunks. Vectors: when the model loads, the 2,000
 * corpus lines are embedded and each chunk's vector is its first
 * sentence's embedding plus half of another line's plus noise, normalised;
 * queries (3–8 word prefixes of corpus lines) are embedded one at a time,
 * as serve does. Without the model, the base vectors are random and the
 * query embedding time is reported as absent.
 *
 *     build/bench/knowledge/bench_index [--model DIR] [--corpus FILE]
 *         [--sizes 10000,100000] [--queries 500] [--ref-queries 200]
 *         [--json bench/results/knowledge-index.json] [--no-model]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "knowledge/embed/embed.h"
#include "knowledge/index/index.h"

#define DIMS       384
#define VOCAB      20000
#define ZIPF_S     1.07
#define PER_SOURCE 20
#define MAX_SIZES  4
#define TOP_K      10
#define FUSE_DEPTH 50
#define MAX_QTERMS 16
#define BASE_NOISE 0.02f

typedef struct {
    const char *model_dir;
    const char *corpus;
    const char *json;
    size_t sizes[MAX_SIZES];
    int nsizes;
    size_t queries, ref_queries;
    bool no_model;
} opts_t;

static void die(const char *what, const char *detail) {
    fprintf(stderr, "bench_index: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static double rss_mb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL) return 0;
    char line[256];
    double kb = 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) kb = atof(line + 6);
    fclose(f);
    return kb / 1024.0;
}

/* ---- deterministic generation ----------------------------------------------- */

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
static double rnd01(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }
static float gauss(void) {
    double u = rnd01() + 1e-12, v = rnd01();
    return (float)(sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v));
}

static void normalise(float *v) {
    double ss = 0;
    for (int i = 0; i < DIMS; i++) ss += (double)v[i] * v[i];
    float inv = ss > 0 ? (float)(1.0 / sqrt(ss)) : 0.0f;
    for (int i = 0; i < DIMS; i++) v[i] *= inv;
}

static char vocab[VOCAB][16];
static double zipf_cdf[VOCAB];

static void vocab_make(void) {
    static const char cons[] = "bcdfghklmnprstvz", vow[] = "aeiou";
    for (int i = 0; i < VOCAB; i++) {
        int syl = 2 + (int)(rnd() % 3), p = 0;
        for (int s = 0; s < syl; s++) {
            vocab[i][p++] = cons[rnd() % 16];
            vocab[i][p++] = vow[rnd() % 5];
        }
        if (rnd() % 3 == 0) vocab[i][p++] = cons[rnd() % 16];
        vocab[i][p] = '\0';
    }
    double s = 0;
    for (int i = 0; i < VOCAB; i++) zipf_cdf[i] = (s += 1.0 / pow(i + 1, ZIPF_S));
    for (int i = 0; i < VOCAB; i++) zipf_cdf[i] /= s;
}

static const char *zipf_word(void) {
    double u = rnd01();
    size_t lo = 0, hi = VOCAB - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (zipf_cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return vocab[lo];
}

typedef struct {
    char **lines;
    size_t *lens;
    size_t n;
} corpus_t;

static void corpus_load(const char *path, corpus_t *c) {
    FILE *f = fopen(path, "r");
    if (f == NULL) die("cannot open the corpus", path);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    memset(c, 0, sizeof *c);
    size_t ccap = 0;
    while ((len = getline(&line, &cap, f)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
        if (len == 0) continue;
        if (c->n == ccap) {
            ccap = ccap ? ccap * 2 : 1024;
            c->lines = xrealloc(c->lines, ccap * sizeof *c->lines);
            c->lens = xrealloc(c->lens, ccap * sizeof *c->lens);
        }
        c->lines[c->n] = xstrndup(line, (size_t)len);
        c->lens[c->n++] = (size_t)len;
    }
    free(line);
    fclose(f);
    if (c->n == 0) die("empty corpus", path);
}

static size_t count_words(const char *s) {
    size_t n = 0;
    bool in = false;
    for (; *s; s++) {
        bool sp = *s == ' ';
        if (!sp && !in) n++;
        in = !sp;
    }
    return n;
}

/* ---- the data set ----------------------------------------------------------------- */

typedef struct {
    size_t n;
    unsigned char **blobs;
    size_t *blob_lens;
    float *vecs; /* n × DIMS, normalised */
    uint32_t *ctypes;
    double encode_ms;
    size_t words;
} data_t;

static void chunk_id(size_t i, char *out, size_t cap) { snprintf(out, cap, "chk_%07zu", i); }
static void source_id(size_t i, char *out, size_t cap) {
    snprintf(out, cap, "src_%06zu", i / PER_SOURCE);
}

static void data_make(const corpus_t *c, const float *base, size_t n, data_t *d) {
    memset(d, 0, sizeof *d);
    d->n = n;
    d->blobs = xmalloc(n * sizeof *d->blobs);
    d->blob_lens = xmalloc(n * sizeof *d->blob_lens);
    d->vecs = xmalloc(n * DIMS * sizeof *d->vecs);
    d->ctypes = xmalloc(n * sizeof *d->ctypes);
    sal_buf_t text, title, section;
    sal_buf_init(&text, 0);
    sal_buf_init(&title, 0);
    sal_buf_init(&section, 0);
    for (size_t i = 0; i < n; i++) {
        sal_buf_reset(&text);
        size_t first = rnd() % c->n, line = first, words = 0;
        while (words < 100) {
            sal_buf_puts(&text, c->lines[line]);
            sal_buf_puts(&text, " ");
            words += count_words(c->lines[line]);
            line = rnd() % c->n;
        }
        for (int k = 0; k < 40; k++) {
            sal_buf_puts(&text, zipf_word());
            sal_buf_puts(&text, k % 12 == 11 ? ". " : " ");
        }
        d->words += words + 40;
        if (i % PER_SOURCE == 0) {
            sal_buf_reset(&title);
            sal_buf_printf(&title, "Acme %s %s guide", zipf_word(), zipf_word());
        }
        sal_buf_reset(&section);
        sal_buf_printf(&section, "Overview > %s %s", zipf_word(), zipf_word());
        double t0 = now_ms();
        if (kix_terms_encode(text.data, text.len, section.data, title.data, &d->blobs[i],
                             &d->blob_lens[i]) != 0)
            die("kix_terms_encode failed", NULL);
        d->encode_ms += now_ms() - t0;
        /* The chunk's meaning: its first sentence, some of another, noise. */
        float *v = d->vecs + i * DIMS;
        const float *b1 = base + first * DIMS, *b2 = base + (rnd() % c->n) * DIMS;
        for (int k = 0; k < DIMS; k++) v[k] = b1[k] + 0.5f * b2[k] + BASE_NOISE * gauss();
        normalise(v);
        d->ctypes[i] = (uint32_t)(rnd() & 0x1ff);
    }
    sal_buf_free(&text);
    sal_buf_free(&title);
    sal_buf_free(&section);
}

static void data_free(data_t *d) {
    for (size_t i = 0; i < d->n; i++) free(d->blobs[i]);
    free(d->blobs);
    free(d->blob_lens);
    free(d->vecs);
    free(d->ctypes);
}

/* ---- references --------------------------------------------------------------------- */

typedef struct {
    float score;
    size_t doc;
} ranked_t;

/* Keeps the best k (score desc, doc asc — chunk ids sort as docs do). */
static void keep_best(ranked_t *best, size_t *n, size_t k, float score, size_t doc) {
    if (*n == k &&
        (score < best[k - 1].score || (score == best[k - 1].score && doc > best[k - 1].doc)))
        return;
    size_t i = *n < k ? (*n)++ : k - 1;
    while (i > 0 &&
           (best[i - 1].score < score || (best[i - 1].score == score && best[i - 1].doc > doc))) {
        best[i] = best[i - 1];
        i--;
    }
    best[i] = (ranked_t){score, doc};
}

static size_t exact_scan(const data_t *d, size_t n, const float *q, ranked_t *best, size_t k) {
    size_t nb = 0;
    for (size_t i = 0; i < n; i++) {
        const float *v = d->vecs + i * DIMS;
        float s = 0;
        for (int j = 0; j < DIMS; j++) s += v[j] * q[j];
        keep_best(best, &nb, k, s, i);
    }
    return nb;
}

/* The blobs were made by kix_terms_encode: no validation here. */
static bool varint(const unsigned char **p, const unsigned char *end, uint32_t *v) {
    uint32_t x = 0;
    *v = 0;
    for (int shift = 0; shift < 35 && *p < end; shift += 7) {
        unsigned char b = *(*p)++;
        x |= (uint32_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return true;
        }
    }
    return false;
}

typedef struct {
    char terms[MAX_QTERMS][80];
    size_t lens[MAX_QTERMS];
    size_t n;
} qterms_t;

static void qterms_make(const char *text, qterms_t *qt) {
    char *s = kix_query_terms(text, strlen(text));
    qt->n = 0;
    for (char *tok = strtok(s, " "); tok && qt->n < MAX_QTERMS; tok = strtok(NULL, " ")) {
        snprintf(qt->terms[qt->n], sizeof qt->terms[0], "%s", tok);
        qt->lens[qt->n] = strlen(tok);
        qt->n++;
    }
    free(s);
}

/* BM25 as written in the textbook: decode every chunk's blob for every
 * query, count df, then score the chunks that hold a query term. */
static size_t naive_bm25(const data_t *d, size_t n, double total_len, const qterms_t *qt,
                         ranked_t *best, size_t k, uint32_t *match_doc, float *match_w) {
    size_t nm = 0;
    uint32_t df[MAX_QTERMS] = {0};
    for (size_t i = 0; i < n; i++) {
        const unsigned char *p = d->blobs[i] + 1, *end = d->blobs[i] + d->blob_lens[i];
        uint32_t dl = 0, nt = 0;
        varint(&p, end, &dl);
        varint(&p, end, &nt);
        for (uint32_t t = 0; t < nt; t++) {
            uint32_t len = 0, a = 0, b = 0, c = 0;
            varint(&p, end, &len);
            const unsigned char *term = p;
            p += len;
            varint(&p, end, &a);
            varint(&p, end, &b);
            varint(&p, end, &c);
            for (size_t q = 0; q < qt->n; q++) {
                if (qt->lens[q] != len || memcmp(qt->terms[q], term, len) != 0) continue;
                df[q]++;
                match_doc[nm] = (uint32_t)(i * MAX_QTERMS + q);
                match_w[nm++] = (float)(a + 2.0 * b + 3.0 * c);
                (void)dl;
            }
        }
    }
    double avgdl = total_len / (double)n;
    size_t nb = 0;
    /* Matches come grouped by document. */
    for (size_t m = 0; m < nm;) {
        size_t doc = match_doc[m] / MAX_QTERMS;
        const unsigned char *p = d->blobs[doc] + 1, *end = d->blobs[doc] + d->blob_lens[doc];
        uint32_t dl = 0;
        varint(&p, end, &dl);
        double s = 0;
        for (; m < nm && match_doc[m] / MAX_QTERMS == doc; m++) {
            double w = match_w[m], f = df[match_doc[m] % MAX_QTERMS];
            double idf = log(1 + ((double)n - f + 0.5) / (f + 0.5));
            s += idf * w * 2.2 / (w + 1.2 * (0.25 + 0.75 * dl / avgdl));
        }
        keep_best(best, &nb, k, (float)s, doc);
    }
    return nb;
}

static size_t rrf(const ranked_t *v, size_t nv, const ranked_t *l, size_t nl, ranked_t *out,
                  size_t k) {
    size_t nb = 0;
    for (size_t i = 0; i < nv; i++) {
        double f = 1.0 / (60.0 + (double)i + 1);
        for (size_t j = 0; j < nl; j++)
            if (l[j].doc == v[i].doc) f += 1.0 / (60.0 + (double)j + 1);
        keep_best(out, &nb, k, (float)f, v[i].doc);
    }
    for (size_t j = 0; j < nl; j++) {
        bool seen = false;
        for (size_t i = 0; i < nv && !seen; i++) seen = v[i].doc == l[j].doc;
        if (!seen) keep_best(out, &nb, k, (float)(1.0 / (60.0 + (double)j + 1)), l[j].doc);
    }
    return nb;
}

/* ---- measurement ---------------------------------------------------------------------- */

typedef struct {
    double p50, p95, p99, mean;
} pct_t;

static int dbl_cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static pct_t percentiles(const double *v, size_t n) {
    pct_t p = {0};
    if (n == 0) return p;
    double *s = xmalloc(n * sizeof *s), sum = 0;
    memcpy(s, v, n * sizeof *s);
    qsort(s, n, sizeof *s, dbl_cmp);
    for (size_t i = 0; i < n; i++) sum += s[i];
    size_t i50 = (size_t)ceil(0.50 * (double)n) - 1, i95 = (size_t)ceil(0.95 * (double)n) - 1,
           i99 = (size_t)ceil(0.99 * (double)n) - 1;
    p = (pct_t){s[i50], s[i95], s[i99], sum / (double)n};
    free(s);
    return p;
}

static json_t *pct_json(pct_t p) {
    return json_pack("{s:f,s:f,s:f,s:f}", "p50_ms", p.p50, "p95_ms", p.p95, "p99_ms", p.p99,
                     "mean_ms", p.mean);
}

static size_t hit_doc(const kix_hit_t *h) { return (size_t)strtoul(h->chunk_id + 4, NULL, 10); }

static double overlap(const kix_hit_t *h, size_t nh, const ranked_t *r, size_t nr) {
    if (nr == 0) return nh == 0 ? 1.0 : 0.0;
    size_t found = 0;
    for (size_t i = 0; i < nh; i++)
        for (size_t j = 0; j < nr; j++)
            if (hit_doc(&h[i]) == r[j].doc) {
                found++;
                break;
            }
    return (double)found / (double)nr;
}

typedef struct {
    const char **texts;
    float *vecs;      /* queries × DIMS */
    double *embed_ms; /* NULL without the model */
    size_t n;
} queries_t;

static json_t *run_size(const data_t *d, size_t n, const queries_t *qs, size_t nref,
                        double rss_base) {
    char id[SAL_ID_CAP], src[SAL_ID_CAP];
    double rss0 = rss_mb();
    kix_t *ix = kix_new(DIMS, KIX_INT8);
    double t0 = now_ms();
    for (size_t i = 0; i < n; i++) {
        chunk_id(i, id, sizeof id);
        source_id(i, src, sizeof src);
        kix_entry_t e = {.chunk_id = id,
                         .source_id = src,
                         .vector = d->vecs + i * DIMS,
                         .terms = d->blobs[i],
                         .terms_len = d->blob_lens[i],
                         .concept_types = d->ctypes[i]};
        if (kix_add(ix, &e) != 0) die("kix_add failed", id);
    }
    double build_ms = now_ms() - t0;
    /* The naive BM25's one piece of precomputation: the total length. */
    double total_len = 0;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *p = d->blobs[i] + 1;
        uint32_t dl = 0;
        varint(&p, d->blobs[i] + d->blob_lens[i], &dl);
        total_len += dl;
    }
    double rss1 = rss_mb();
    size_t kix_bytes = kix_memory_bytes(ix);

    size_t nq = qs->n;
    double *lat[3], *tot[3];
    const kix_mode_t modes[3] = {KIX_HYBRID, KIX_VECTOR, KIX_LEXICAL};
    const char *names[3] = {"hybrid", "vector", "lexical"};
    for (int m = 0; m < 3; m++) {
        lat[m] = xmalloc(nq * sizeof(double));
        tot[m] = xmalloc(nq * sizeof(double));
    }
    double *ref_vec = xmalloc(nq * sizeof(double)), *ref_lex = xmalloc(nref * sizeof(double)),
           *ref_hyb = xmalloc(nref * sizeof(double));
    double recall = 0, lex_agree = 0, hyb_agree = 0;
    uint32_t *match_doc = xmalloc(n * MAX_QTERMS * sizeof *match_doc);
    float *match_w = xmalloc(n * MAX_QTERMS * sizeof *match_w);
    kix_hit_t hits[FUSE_DEPTH];
    size_t nh;
    /* Warm-up: page in the structures and the per-thread scratch. */
    for (size_t q = 0; q < 20 && q < nq; q++) {
        kix_query_t kq = {.mode = KIX_HYBRID,
                          .text = qs->texts[q],
                          .vector = qs->vecs + q * DIMS,
                          .top_k = TOP_K};
        kix_search(ix, &kq, hits, &nh);
    }
    for (size_t q = 0; q < nq; q++) {
        const float *qv = qs->vecs + q * DIMS;
        double emb = qs->embed_ms ? qs->embed_ms[q] : 0;
        for (int m = 0; m < 3; m++) {
            kix_query_t kq = {.mode = modes[m], .text = qs->texts[q], .vector = qv, .top_k = TOP_K};
            double s0 = now_ms();
            if (kix_search(ix, &kq, hits, &nh) != 0) die("kix_search failed", qs->texts[q]);
            lat[m][q] = now_ms() - s0;
            tot[m][q] = lat[m][q] + (modes[m] == KIX_LEXICAL ? 0 : emb);
        }
        ranked_t exact[TOP_K];
        double s0 = now_ms();
        size_t ne = exact_scan(d, n, qv, exact, TOP_K);
        ref_vec[q] = now_ms() - s0;
        kix_query_t kq = {.mode = KIX_VECTOR, .vector = qv, .top_k = TOP_K};
        kix_search(ix, &kq, hits, &nh);
        recall += overlap(hits, nh, exact, ne);
        if (q < nref) {
            qterms_t qt;
            qterms_make(qs->texts[q], &qt);
            ranked_t lex[FUSE_DEPTH], vec[FUSE_DEPTH], fused[TOP_K];
            s0 = now_ms();
            size_t nl = naive_bm25(d, n, total_len, &qt, lex, FUSE_DEPTH, match_doc, match_w);
            ref_lex[q] = now_ms() - s0;
            s0 = now_ms();
            size_t nv = exact_scan(d, n, qv, vec, FUSE_DEPTH);
            size_t nf = rrf(vec, nv, lex, nl, fused, TOP_K);
            ref_hyb[q] = ref_lex[q] + (now_ms() - s0);
            kix_query_t lq = {.mode = KIX_LEXICAL, .text = qs->texts[q], .top_k = TOP_K};
            kix_search(ix, &lq, hits, &nh);
            lex_agree += overlap(hits, nh, lex, nl < TOP_K ? nl : TOP_K);
            /* Hybrid against exact f32 + naive BM25: int8 rank changes
             * inside the top 50 may move a fused hit. */
            kix_query_t hq = {
                .mode = KIX_HYBRID, .text = qs->texts[q], .vector = qv, .top_k = TOP_K};
            kix_search(ix, &hq, hits, &nh);
            hyb_agree += overlap(hits, nh, fused, nf);
        }
    }
    recall /= (double)nq;
    lex_agree /= (double)nref;
    hyb_agree /= (double)nref;

    pct_t emb = qs->embed_ms ? percentiles(qs->embed_ms, nq) : (pct_t){0};
    json_t *o = json_object();
    json_object_set_new(o, "chunks", json_integer((json_int_t)n));
    json_object_set_new(o, "build_ms", json_real(build_ms));
    json_object_set_new(o, "encode_ms", json_real(d->encode_ms * (double)n / (double)d->n));
    json_object_set_new(o, "kix_memory_bytes", json_integer((json_int_t)kix_bytes));
    json_object_set_new(o, "rss_mb", json_real(rss1));
    json_object_set_new(o, "rss_index_mb", json_real(rss1 - rss0));
    json_object_set_new(o, "serve_estimate_mb", json_real(rss_base + (rss1 - rss0)));
    json_object_set_new(o, "int8_recall_at_10", json_real(recall));
    json_object_set_new(o, "lexical_top10_agreement", json_real(lex_agree));
    json_object_set_new(o, "hybrid_top10_agreement", json_real(hyb_agree));
    json_object_set_new(o, "queries", json_integer((json_int_t)nq));
    json_object_set_new(o, "ref_queries", json_integer((json_int_t)nref));
    json_t *modes_j = json_object();
    printf("\n%zu chunks: build %.0f ms (encode %.0f ms more at ingestion), index %.1f MB "
           "(kix_memory_bytes), RSS %.1f MB (+%.1f MB for the index)\n",
           n, build_ms, d->encode_ms * (double)n / (double)d->n, (double)kix_bytes / 1048576.0,
           rss1, rss1 - rss0);
    printf("  int8 recall@10 vs exact f32: %.4f; top-10 agreement with the references: lexical "
           "%.4f, hybrid %.4f\n",
           recall, lex_agree, hyb_agree);
    printf("  %-22s %9s %9s %9s %9s\n", "latency (ms)", "p50", "p95", "p99", "mean");
    for (int m = 0; m < 3; m++) {
        pct_t s = percentiles(lat[m], nq), t = percentiles(tot[m], nq);
        json_t *mj = json_object();
        json_object_set_new(mj, "search", pct_json(s));
        if (qs->embed_ms && modes[m] != KIX_LEXICAL) {
            json_object_set_new(mj, "embed", pct_json(emb));
            json_object_set_new(mj, "total", pct_json(t));
        }
        json_object_set_new(modes_j, names[m], mj);
        printf("  %-22s %9.3f %9.3f %9.3f %9.3f\n", names[m], s.p50, s.p95, s.p99, s.mean);
        if (qs->embed_ms && modes[m] != KIX_LEXICAL)
            printf("  %-22s %9.3f %9.3f %9.3f %9.3f\n", "  + query embedding", t.p50, t.p95, t.p99,
                   t.mean);
    }
    if (qs->embed_ms)
        printf("  %-22s %9.3f %9.3f %9.3f %9.3f\n", "query embedding alone", emb.p50, emb.p95,
               emb.p99, emb.mean);
    pct_t rv = percentiles(ref_vec, nq), rl = percentiles(ref_lex, nref),
          rh = percentiles(ref_hyb, nref);
    printf("  %-22s %9.3f %9.3f %9.3f %9.3f\n", "ref: exact f32 scan", rv.p50, rv.p95, rv.p99,
           rv.mean);
    printf("  %-22s %9.3f %9.3f %9.3f %9.3f\n", "ref: naive BM25", rl.p50, rl.p95, rl.p99, rl.mean);
    printf("  %-22s %9.3f %9.3f %9.3f %9.3f\n", "ref: hybrid (both+RRF)", rh.p50, rh.p95, rh.p99,
           rh.mean);
    json_object_set_new(o, "modes", modes_j);
    json_object_set_new(o, "reference",
                        json_pack("{s:o,s:o,s:o}", "exact_f32_scan", pct_json(rv), "naive_bm25",
                                  pct_json(rl), "hybrid", pct_json(rh)));
    if (qs->embed_ms) {
        pct_t ht = percentiles(tot[0], nq);
        json_object_set_new(o, "target_hybrid_p95_total_ms_lt_20", json_boolean(ht.p95 < 20.0));
    }
    for (int m = 0; m < 3; m++) {
        free(lat[m]);
        free(tot[m]);
    }
    free(ref_vec);
    free(ref_lex);
    free(ref_hyb);
    free(match_doc);
    free(match_w);
    kix_free(ix);
    return o;
}

static void parse_args(int argc, char **argv, opts_t *o) {
    *o = (opts_t){.model_dir = "models/all-MiniLM-L6-v2",
                  .corpus = "bench/embed/corpus.txt",
                  .json = "bench/results/knowledge-index.json",
                  .sizes = {10000, 100000},
                  .nsizes = 2,
                  .queries = 500,
                  .ref_queries = 200};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--model") == 0 && v)
            o->model_dir = argv[++i];
        else if (strcmp(a, "--corpus") == 0 && v)
            o->corpus = argv[++i];
        else if (strcmp(a, "--json") == 0 && v)
            o->json = argv[++i];
        else if (strcmp(a, "--queries") == 0 && v)
            o->queries = strtoul(argv[++i], NULL, 10);
        else if (strcmp(a, "--ref-queries") == 0 && v)
            o->ref_queries = strtoul(argv[++i], NULL, 10);
        else if (strcmp(a, "--no-model") == 0)
            o->no_model = true;
        else if (strcmp(a, "--sizes") == 0 && v) {
            o->nsizes = 0;
            char *s = xstrdup(argv[++i]);
            for (char *t = strtok(s, ","); t && o->nsizes < MAX_SIZES; t = strtok(NULL, ","))
                o->sizes[o->nsizes++] = strtoul(t, NULL, 10);
            free(s);
        } else {
            fprintf(stderr, "usage: bench_index [--model DIR] [--corpus FILE] [--sizes N,N] "
                            "[--queries N] [--ref-queries N] [--json PATH] [--no-model]\n");
            exit(2);
        }
    }
    if (o->queries < 1 || o->nsizes < 1) die("need at least one query and one size", NULL);
    if (o->ref_queries > o->queries) o->ref_queries = o->queries;
    if (o->ref_queries < 1) o->ref_queries = 1;
}

static void cpu_model(char *out, size_t cap) {
    snprintf(out, cap, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL) return;
    char line[512];
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "model name", 10) == 0) {
            char *c = strchr(line, ':');
            if (c) snprintf(out, cap, "%s", c + 2);
            out[strcspn(out, "\n")] = '\0';
            break;
        }
    fclose(f);
}

int main(int argc, char **argv) {
    opts_t o;
    parse_args(argc, argv, &o);
    corpus_t c;
    corpus_load(o.corpus, &c);
    vocab_make();

    embed_model_t *model = NULL;
    char err[512] = "";
    if (!o.no_model && embed_model_load(o.model_dir, &model, err, sizeof err) != 0) {
        fprintf(stderr, "bench_index: no model (%s): random vectors, no query embedding time\n",
                err);
        model = NULL;
    }

    /* Base vectors: the corpus lines' embeddings, or random. */
    float *base = xmalloc(c.n * DIMS * sizeof *base);
    double t0 = now_ms();
    if (model != NULL) {
        if (embed_model_dims(model) != DIMS) die("the model does not give 384 dimensions", NULL);
        if (embed_texts_parallel(model, (const char *const *)c.lines, c.lens, c.n, 0, base) != 0)
            die("embedding the corpus failed", NULL);
    } else {
        for (size_t i = 0; i < c.n; i++) {
            for (int k = 0; k < DIMS; k++) base[i * DIMS + k] = gauss();
            normalise(base + i * DIMS);
        }
    }
    double base_ms = now_ms() - t0;

    /* Queries: 3–8 word prefixes of corpus lines. */
    queries_t qs = {.n = o.queries};
    qs.texts = xmalloc(qs.n * sizeof *qs.texts);
    qs.vecs = xmalloc(qs.n * DIMS * sizeof *qs.vecs);
    if (model != NULL) qs.embed_ms = xmalloc(qs.n * sizeof *qs.embed_ms);
    embed_ctx_t *ctx = model ? embed_ctx_new(model) : NULL;
    for (size_t q = 0; q < qs.n; q++) {
        const char *line = c.lines[rnd() % c.n];
        size_t want = 3 + rnd() % 6, words = 0, len = 0;
        bool in = false;
        for (; line[len]; len++) {
            bool sp = line[len] == ' ';
            if (!sp && !in && ++words > want) break;
            in = !sp;
        }
        while (len > 0 && line[len - 1] == ' ') len--;
        qs.texts[q] = xstrndup(line, len);
        float *qv = qs.vecs + q * DIMS;
        if (ctx != NULL) {
            /* Once untimed so the first query does not pay for page faults. */
            if (q == 0) embed_texts(ctx, &qs.texts[q], &len, 1, qv);
            double e0 = now_ms();
            if (embed_texts(ctx, &qs.texts[q], &len, 1, qv) != 0) die("embed_texts failed", NULL);
            qs.embed_ms[q] = now_ms() - e0;
        } else {
            const float *b = base + (rnd() % c.n) * DIMS;
            for (int k = 0; k < DIMS; k++) qv[k] = b[k] + 0.3f * gauss() / sqrtf(DIMS);
            normalise(qv);
        }
    }
    embed_ctx_free(ctx);
    /* The process with the model warm (its weights touched by the
     * embeddings above) and no chunk data yet: what serve holds first. */
    double rss_base = rss_mb();

    size_t maxn = 0;
    for (int s = 0; s < o.nsizes; s++) maxn = o.sizes[s] > maxn ? o.sizes[s] : maxn;
    data_t d;
    t0 = now_ms();
    data_make(&c, base, maxn, &d);
    double gen_ms = now_ms() - t0;

    char cpu[256];
    cpu_model(cpu, sizeof cpu);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    printf("knowledge index benchmark — %s, %ld CPUs\n", cpu, ncpu);
    printf("vectors: %s; %zu queries (%zu against the slow references), top_k %d\n",
           model ? "all-MiniLM-L6-v2 embeddings of the 2,000 corpus lines, perturbed per chunk"
                 : "random normalised (model not loaded)",
           qs.n, o.ref_queries, TOP_K);
    printf("chunks: %.0f words on average; generated in %.0f ms; base vectors in %.0f ms; "
           "process RSS with the model and no data %.1f MB\n",
           (double)d.words / (double)d.n, gen_ms, base_ms, rss_base);

    json_t *root = json_object();
    json_object_set_new(root, "cpu", json_string(cpu));
    json_object_set_new(root, "nproc", json_integer(ncpu));
    json_object_set_new(root, "vectors", json_string(model ? "model" : "random"));
    json_object_set_new(root, "storage", json_string("int8"));
    json_object_set_new(root, "top_k", json_integer(TOP_K));
    json_object_set_new(root, "avg_chunk_words", json_real((double)d.words / (double)d.n));
    json_object_set_new(root, "rss_baseline_mb", json_real(rss_base));
    json_t *sizes = json_array();
    for (int s = 0; s < o.nsizes; s++)
        json_array_append_new(sizes, run_size(&d, o.sizes[s], &qs, o.ref_queries, rss_base));
    json_object_set_new(root, "sizes", sizes);
    if (json_dump_file(root, o.json, JSON_INDENT(2)) != 0)
        fprintf(stderr, "bench_index: cannot write %s\n", o.json);
    else
        printf("\nsaved %s\n", o.json);
    json_decref(root);

    data_free(&d);
    for (size_t q = 0; q < qs.n; q++) free((void *)qs.texts[q]);
    free(qs.texts);
    free(qs.vecs);
    free(qs.embed_ms);
    free(base);
    for (size_t i = 0; i < c.n; i++) free(c.lines[i]);
    free(c.lines);
    free(c.lens);
    embed_model_free(model);
    return 0;
}
