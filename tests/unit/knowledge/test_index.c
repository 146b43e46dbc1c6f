/* SPDX-License-Identifier: MIT */
/*
 * Tests for the knowledge index (src/knowledge/index/): text analysis, the
 * terms blob (round trip; every truncation and random bit flips rejected
 * or accepted, never a crash), BM25 scores against a plain brute-force
 * implementation over 300 generated documents (also after removals, slot
 * reuse and compaction), vector search against brute force (exact for
 * f32, recall@10 for int8), the AVX2 kernels against the reference loops,
 * filters, reciprocal rank fusion on a hand-computed example, tie-breaking,
 * argument errors, and concurrent searches beside a writer.
 */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "knowledge/index/index.h"
#include "knowledge/index/index_int.h"
#include "testutil.h"

/* ---- helpers ------------------------------------------------------------ */

static uint64_t rng_state = 88172645463325252ull;
static uint64_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static double rnd01(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }
static float gauss(void) {
    double u = rnd01() + 1e-12, v = rnd01();
    return (float)(sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v));
}
static void rand_unit(float *v, int dims) {
    double ss = 0;
    for (int i = 0; i < dims; i++) {
        v[i] = gauss();
        ss += (double)v[i] * v[i];
    }
    for (int i = 0; i < dims; i++) v[i] = (float)(v[i] / sqrt(ss));
}

static void assert_terms(const char *text, const char *want) {
    char *got = kix_query_terms(text, strlen(text));
    if (strcmp(got, want) != 0)
        fail_msg("terms of \"%s\": got \"%s\", want \"%s\"", text, got, want);
    free(got);
}

static unsigned char *encode(const char *text, const char *section, const char *title,
                             size_t *len) {
    unsigned char *b = NULL;
    assert_int_equal(kix_terms_encode(text, text ? strlen(text) : 0, section, title, &b, len), 0);
    assert_non_null(b);
    return b;
}

/* ---- analysis --------------------------------------------------------------- */

static void test_analysis(void **state) {
    (void)state;
    assert_terms("integrations", "integr");
    assert_terms("The Integrations", "integr");
    assert_terms("the and of to is was", "");
    assert_terms("Price prices PRICING priced", "price");
    assert_terms("Ärger ÄRGER ärger", "ärger");
    assert_terms("customer's", "custom");
    assert_terms("customer\xe2\x80\x99s", "custom");
    assert_terms("don't won't", "");
    assert_terms("40% of customers", "40 custom");
    assert_terms("3.5x faster, 1,000 seats", "3 5x faster 1 000 seat");
    assert_terms("Onboarding ROI dashboards", "onboard roi dashboard");
    assert_terms("東京 café", "東京 café");
    assert_terms("e-mail B2B", "e mail b2b");
    /* Over 64 bytes: skipped; exactly 64: kept (digits do not stem). */
    char big[80];
    memset(big, '7', 65);
    big[65] = '\0';
    assert_terms(big, "");
    big[64] = '\0';
    assert_terms(big, big);
    /* Invalid UTF-8 separates words and never reaches a term. */
    assert_terms("abc\xff\xfe"
                 "def",
                 "abc def");
    assert_terms("", "");
}

static void collect_cb(void *ctx, const char *term, size_t len, uint32_t a, uint32_t b,
                       uint32_t c) {
    sal_buf_t *out = ctx;
    sal_buf_printf(out, "%.*s:%u/%u/%u ", (int)len, term, a, b, c);
}

static void test_blob_round_trip(void **state) {
    (void)state;
    size_t len;
    unsigned char *b = encode("Our pricing: price per seat, prices drop. The seat count.",
                              "Pricing > Enterprise", "Acme Pricing", &len);
    assert_int_equal(b[0], KIX_BLOB_VERSION);
    sal_buf_t s;
    sal_buf_init(&s, 0);
    uint32_t dl = 0;
    size_t nt = 0;
    assert_int_equal(kix_blob_walk(b, len, &dl, &nt, collect_cb, &s), 0);
    /* Sorted by term; price ×3 in text, ×1 in section, ×1 in title. */
    assert_string_equal(s.data, "acm:0/0/1 count:1/0/0 drop:1/0/0 enterpris:0/1/0 per:1/0/0 "
                                "price:3/1/1 seat:2/0/0 ");
    assert_int_equal(dl, 8);
    assert_int_equal(nt, 7);
    assert_int_equal(kix_weighted_tf(3, 1, 1), 3 + 2 + 3);
    sal_buf_free(&s);
    /* Deterministic. */
    size_t len2;
    unsigned char *b2 = encode("Our pricing: price per seat, prices drop. The seat count.",
                               "Pricing > Enterprise", "Acme Pricing", &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(b, b2, len);
    free(b2);
    free(b);
    /* Empty and NULL fields. */
    b = encode(NULL, NULL, NULL, &len);
    assert_int_equal(kix_blob_walk(b, len, &dl, &nt, NULL, NULL), 0);
    assert_int_equal(dl, 0);
    assert_int_equal(nt, 0);
    free(b);
}

static void test_blob_rejects(void **state) {
    (void)state;
    size_t len;
    unsigned char *b = encode("Finance signed off on the ROI model after a competitor offered a "
                              "lower price; win rate rose from 29% to 51%.",
                              "Case studies > Finance", "Customer stories", &len);
    kix_t *ix = kix_new(8, KIX_INT8);
    char id[SAL_ID_CAP];
    int k = 0;
    /* Every strict prefix is malformed. */
    for (size_t n = 0; n < len; n++) {
        snprintf(id, sizeof id, "chk_t%d", k++);
        kix_entry_t e = {.chunk_id = id, .source_id = "src_a", .terms = b, .terms_len = n};
        assert_int_equal(kix_add(ix, &e), SAL_EINVAL);
    }
    assert_int_equal(kix_count(ix), 0);
    /* A trailing byte, a bad version, a duplicate term, a wrong length. */
    unsigned char *x = xmalloc(len + 1);
    memcpy(x, b, len);
    x[len] = 0;
    kix_entry_t e = {.chunk_id = "chk_x", .source_id = "src_a", .terms = x, .terms_len = len + 1};
    assert_int_equal(kix_add(ix, &e), SAL_EINVAL);
    x[0] = 2;
    e.terms_len = len;
    assert_int_equal(kix_add(ix, &e), SAL_EINVAL);
    static const unsigned char dup[] = {1, 2, 2, 1, 'a', 1, 0, 0, 1, 'a', 1, 0, 0};
    static const unsigned char badlen[] = {1, 2, 1, 1, 'a', 1, 0, 0};
    static const unsigned char zero_tf[] = {1, 0, 1, 1, 'a', 0, 0, 0};
    static const unsigned char space[] = {1, 1, 1, 2, 'a', ' ', 1, 0, 0};
    static const unsigned char long_varint[] = {1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0};
    static const unsigned char ok[] = {1, 2, 2, 1, 'a', 1, 0, 0, 1, 'b', 1, 0, 0};
    const unsigned char *bad[] = {dup, badlen, zero_tf, space, long_varint};
    size_t bad_len[] = {sizeof dup, sizeof badlen, sizeof zero_tf, sizeof space,
                        sizeof long_varint};
    for (size_t i = 0; i < 5; i++) {
        e.terms = bad[i];
        e.terms_len = bad_len[i];
        assert_int_equal(kix_add(ix, &e), SAL_EINVAL);
    }
    e.terms = ok;
    e.terms_len = sizeof ok;
    assert_int_equal(kix_add(ix, &e), 0);
    /* Random bit flips: accepted or SAL_EINVAL, never anything else. */
    int accepted = 0;
    for (int i = 0; i < 3000; i++) {
        memcpy(x, b, len);
        int flips = 1 + (int)(rnd() % 3);
        for (int f = 0; f < flips; f++) x[rnd() % len] ^= (unsigned char)(1u << (rnd() % 8));
        snprintf(id, sizeof id, "chk_f%d", i);
        kix_entry_t fe = {.chunk_id = id, .source_id = "src_f", .terms = x, .terms_len = len};
        int rc = kix_add(ix, &fe);
        if (rc != 0 && rc != SAL_EINVAL) fail_msg("bit flip %d: rc %d", i, rc);
        accepted += rc == 0;
    }
    assert_true(accepted < 3000);
    /* The index still searches. */
    kix_hit_t hits[10];
    size_t n;
    kix_query_t q = {.mode = KIX_LEXICAL, .text = "price rate", .top_k = 10};
    assert_int_equal(kix_search(ix, &q, hits, &n), 0);
    assert_true(kix_remove_source(ix, "src_f") == (size_t)accepted);
    assert_int_equal(kix_count(ix), 1);
    free(x);
    free(b);
    kix_free(ix);
}

/* ---- BM25 against brute force ------------------------------------------------- */

#define NDOCS 300
#define VOCAB 120
#define NSRC  12

typedef struct {
    char id[SAL_ID_CAP], src[SAL_ID_CAP];
    int tf[3][VOCAB]; /* text, section, title */
    int dl;
    bool live;
    uint32_t ctypes;
    float vec[16];
} doc_t;

static doc_t docs[NDOCS];

static int zipf_word(void) {
    /* P(w) ~ 1/(w+1): a few common words, a long tail. */
    static double cdf[VOCAB];
    if (cdf[VOCAB - 1] == 0) {
        double s = 0;
        for (int i = 0; i < VOCAB; i++) cdf[i] = (s += 1.0 / (i + 1));
        for (int i = 0; i < VOCAB; i++) cdf[i] /= s;
    }
    double u = rnd01();
    for (int i = 0; i < VOCAB; i++)
        if (u <= cdf[i]) return i;
    return VOCAB - 1;
}

static void gen_field(sal_buf_t *b, int *tf, int nwords) {
    for (int i = 0; i < nwords; i++) {
        int w = zipf_word();
        tf[w]++;
        /* Noise the analyser must see through: case, punctuation, stopwords. */
        sal_buf_printf(b, "%s%s%d%s ", rnd() % 7 == 0 ? "the " : "", rnd() % 5 == 0 ? "W" : "w", w,
                       rnd() % 6 == 0 ? "," : "");
    }
}

static void make_doc(kix_t *ix, int i, int gen) {
    doc_t *d = &docs[i];
    memset(d, 0, sizeof *d);
    snprintf(d->id, sizeof d->id, "chk_%03d_%d", i, gen);
    snprintf(d->src, sizeof d->src, "src_%02d", i % NSRC);
    sal_buf_t text, sec, title;
    sal_buf_init(&text, 0);
    sal_buf_init(&sec, 0);
    sal_buf_init(&title, 0);
    gen_field(&text, d->tf[0], 3 + (int)(rnd() % 60));
    gen_field(&sec, d->tf[1], (int)(rnd() % 4));
    gen_field(&title, d->tf[2], (int)(rnd() % 3));
    for (int w = 0; w < VOCAB; w++) d->dl += d->tf[0][w];
    d->ctypes = (uint32_t)(1u << (rnd() % 5));
    rand_unit(d->vec, 16);
    size_t len;
    unsigned char *blob = encode(text.data ? text.data : "", sec.data, title.data, &len);
    kix_entry_t e = {.chunk_id = d->id,
                     .source_id = d->src,
                     .vector = d->vec,
                     .terms = blob,
                     .terms_len = len,
                     .concept_types = d->ctypes};
    assert_int_equal(kix_add(ix, &e), 0);
    assert_int_equal(kix_add(ix, &e), SAL_EEXIST);
    d->live = true;
    free(blob);
    sal_buf_free(&text);
    sal_buf_free(&sec);
    sal_buf_free(&title);
}

/* The plain BM25 of DESIGN: every live document, double precision. */
static double ref_bm25(int doc, const int *qw, int nq, uint32_t ctypes, const char *src) {
    const doc_t *d = &docs[doc];
    if (!d->live || (ctypes && !(d->ctypes & ctypes)) || (src && strcmp(src, d->src) != 0))
        return 0;
    double n = 0, total = 0;
    for (int i = 0; i < NDOCS; i++)
        if (docs[i].live) {
            n++;
            total += docs[i].dl;
        }
    double avgdl = total / n, s = 0;
    for (int k = 0; k < nq; k++) {
        int w = qw[k], df = 0;
        for (int i = 0; i < NDOCS; i++)
            if (docs[i].live && (docs[i].tf[0][w] || docs[i].tf[1][w] || docs[i].tf[2][w])) df++;
        double tf = d->tf[0][w] + 2.0 * d->tf[1][w] + 3.0 * d->tf[2][w];
        if (tf == 0) continue;
        double idf = log(1 + (n - df + 0.5) / (df + 0.5));
        s += idf * tf * 2.2 / (tf + 1.2 * (1 - 0.75 + 0.75 * d->dl / avgdl));
    }
    return s;
}

static int doc_by_id(const char *id) {
    for (int i = 0; i < NDOCS; i++)
        if (docs[i].live && strcmp(docs[i].id, id) == 0) return i;
    return -1;
}

static void check_lexical(kix_t *ix, int queries, uint32_t ctypes, const char *src) {
    for (int qi = 0; qi < queries; qi++) {
        int qw[4], nq = 1 + (int)(rnd() % 4);
        char text[128] = "";
        size_t off = 0;
        for (int k = 0; k < nq; k++) {
            qw[k] = (int)(rnd() % VOCAB);
            for (int j = 0; j < k; j++)
                if (qw[j] == qw[k]) qw[k] = (qw[k] + 1) % VOCAB, j = -1;
            off += (size_t)snprintf(text + off, sizeof text - off, "the W%d ", qw[k]);
        }
        size_t top = 1 + rnd() % 40;
        kix_hit_t hits[100];
        size_t n;
        const char *srcs[] = {src};
        kix_query_t q = {.mode = KIX_LEXICAL,
                         .text = text,
                         .top_k = top,
                         .concept_types = ctypes,
                         .source_ids = src ? srcs : NULL,
                         .nsource_ids = src ? 1 : 0};
        assert_int_equal(kix_search(ix, &q, hits, &n), 0);
        double ref[NDOCS];
        int positive = 0;
        for (int i = 0; i < NDOCS; i++) positive += (ref[i] = ref_bm25(i, qw, nq, ctypes, src)) > 0;
        assert_int_equal(n, (size_t)positive < top ? (size_t)positive : top);
        double worst = INFINITY;
        for (size_t h = 0; h < n; h++) {
            int d = doc_by_id(hits[h].chunk_id);
            if (d < 0) fail_msg("query \"%s\": hit %s is not a live doc", text, hits[h].chunk_id);
            assert_string_equal(hits[h].source_id, docs[d].src);
            double want = ref[d];
            if (fabs(hits[h].lexical_score - want) > 1e-4 * want)
                fail_msg("query \"%s\" %s: score %.7f, reference %.7f", text, hits[h].chunk_id,
                         hits[h].lexical_score, want);
            assert_true(hits[h].fused == hits[h].lexical_score);
            assert_int_equal(hits[h].lexical_rank, (int)h + 1);
            assert_int_equal(hits[h].vector_rank, 0);
            if (h > 0) assert_true(hits[h].lexical_score <= hits[h - 1].lexical_score);
            worst = want < worst ? want : worst;
            ref[d] = -1; /* taken */
        }
        /* Nothing left out scores clearly above the last hit. */
        for (int i = 0; i < NDOCS; i++)
            if (ref[i] > worst * (1 + 1e-4)) fail_msg("query \"%s\": missed %s", text, docs[i].id);
    }
}

static void test_bm25_brute_force(void **state) {
    (void)state;
    char w[16];
    for (int i = 0; i < VOCAB; i += 17) {
        snprintf(w, sizeof w, "w%d", i);
        assert_terms(w, w);
    }
    kix_t *ix = kix_new(16, KIX_INT8);
    for (int i = 0; i < NDOCS; i++) make_doc(ix, i, 0);
    assert_int_equal(kix_count(ix), NDOCS);
    check_lexical(ix, 200, 0, NULL);
    check_lexical(ix, 50, 1u << 2, NULL);
    check_lexical(ix, 50, 0, "src_03");
    check_lexical(ix, 30, (1u << 1) | (1u << 3), "src_07");

    /* One source of 12: under a quarter dead, slots go on the free list. */
    assert_int_equal(kix_remove_source(ix, "src_05"), NDOCS / NSRC);
    for (int i = 5; i < NDOCS; i += NSRC) docs[i].live = false;
    assert_int_equal(kix_count(ix), NDOCS - NDOCS / NSRC);
    assert_int_equal(kix_remove_source(ix, "src_05"), 0);
    assert_int_equal(kix_remove_source(ix, "src_nope"), 0);
    check_lexical(ix, 100, 0, NULL);
    check_lexical(ix, 20, 0, "src_05");
    /* Re-adding reuses those slots. */
    assert_int_equal(ix->nfree, NDOCS / NSRC);
    for (int i = 5; i < NDOCS; i += NSRC) make_doc(ix, i, 1);
    assert_int_equal(kix_count(ix), NDOCS);
    assert_int_equal(ix->nslots, NDOCS);
    assert_int_equal(ix->nfree, 0);
    check_lexical(ix, 100, 0, NULL);

    /* Four sources at once: over a quarter dead, the slots are compacted. */
    for (int s = 0; s < 4; s++) {
        char src[16];
        snprintf(src, sizeof src, "src_%02d", s);
        assert_int_equal(kix_remove_source(ix, src), NDOCS / NSRC);
        for (int i = s; i < NDOCS; i += NSRC) docs[i].live = false;
    }
    assert_int_equal(ix->nslots, kix_count(ix));
    assert_int_equal(ix->nfree, 0);
    check_lexical(ix, 100, 0, NULL);
    check_lexical(ix, 30, 1u << 0, "src_09");
    for (int i = 0; i < NDOCS; i += NSRC) make_doc(ix, i, 2);
    check_lexical(ix, 100, 0, NULL);
    kix_free(ix);
}

/* ---- vectors ------------------------------------------------------------------- */

static void test_kernels(void **state) {
    (void)state;
    kix_dot_i8_fn i8 = kix_dot_i8_avx2();
    kix_dot_f32_fn f32 = kix_dot_f32_avx2();
    if (i8 == NULL || f32 == NULL) {
        print_message("no AVX2/FMA: only the reference kernels run here\n");
        skip();
    }
    static const int dims[] = {1, 7, 15, 16, 31, 32, 33, 63, 64, 100, 383, 384, 385, 1024, 1031};
    int8_t a[1100], b[1100];
    float fa[1100], fb[1100];
    for (size_t t = 0; t < sizeof dims / sizeof dims[0]; t++) {
        for (int rep = 0; rep < 20; rep++) {
            int d = dims[t];
            for (int i = 0; i < d; i++) {
                /* Extremes too: ±127 everywhere is the saturation case. */
                a[i] = rep == 0 ? 127 : rep == 1 ? -127 : (int8_t)((int)(rnd() % 255) - 127);
                b[i] = rep == 0 ? 127 : rep == 1 ? 127 : (int8_t)((int)(rnd() % 255) - 127);
                fa[i] = gauss();
                fb[i] = gauss();
            }
            assert_int_equal(i8(a, b, d), kix_dot_i8_ref(a, b, d));
            float r = kix_dot_f32_ref(fa, fb, d), f = f32(fa, fb, d);
            assert_true(fabsf(r - f) <= 1e-4f * (1.0f + sqrtf((float)d)));
        }
    }
    /* Quantisation: scale = max|x| / 127, the largest maps to ±127. */
    float v[5] = {0.5f, -1.0f, 0.25f, 0.0f, 1.0f / 127.0f};
    int8_t q[5];
    assert_true(fabsf(kix_quantize(v, 5, q) - 1.0f / 127.0f) < 1e-9f);
    assert_int_equal(q[0], 64);
    assert_int_equal(q[1], -127);
    assert_int_equal(q[2], 32);
    assert_int_equal(q[3], 0);
    assert_int_equal(q[4], 1);
}

#define VN   5000
#define VDIM 384

static float *vecs;

static int cmp_desc(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

static void build_vec_index(kix_t *ix) {
    char id[SAL_ID_CAP], src[SAL_ID_CAP];
    for (int i = 0; i < VN; i++) {
        snprintf(id, sizeof id, "chk_v%05d", i);
        snprintf(src, sizeof src, "src_%d", i % 50);
        kix_entry_t e = {.chunk_id = id,
                         .source_id = src,
                         .vector = vecs + (size_t)i * VDIM,
                         .concept_types = 1u << (i % 7)};
        assert_int_equal(kix_add(ix, &e), 0);
    }
}

static double exact_dot(const float *a, const float *b) {
    double s = 0;
    for (int i = 0; i < VDIM; i++) s += (double)a[i] * b[i];
    return s;
}

static void test_vector_search(void **state) {
    (void)state;
    vecs = xmalloc((size_t)VN * VDIM * sizeof *vecs);
    for (int i = 0; i < VN; i++) rand_unit(vecs + (size_t)i * VDIM, VDIM);
    kix_t *fx = kix_new(VDIM, KIX_F32), *qx = kix_new(VDIM, KIX_INT8);
    build_vec_index(fx);
    build_vec_index(qx);
    assert_true(kix_memory_bytes(qx) < kix_memory_bytes(fx) / 3);
    float qv[VDIM];
    double *sc = xmalloc(VN * sizeof *sc), *sorted = xmalloc(VN * sizeof *sorted);
    double recall = 0;
    const int nq = 100;
    for (int t = 0; t < nq; t++) {
        rand_unit(qv, VDIM);
        /* Half the queries near a stored vector, as real queries are. */
        if (t % 2) {
            const float *base = vecs + (size_t)(rnd() % VN) * VDIM;
            for (int i = 0; i < VDIM; i++) qv[i] = base[i] + 0.05f * qv[i];
        }
        double qn = sqrt(exact_dot(qv, qv));
        for (int i = 0; i < VDIM; i++) qv[i] = (float)(qv[i] / qn);
        for (int i = 0; i < VN; i++) sorted[i] = sc[i] = exact_dot(qv, vecs + (size_t)i * VDIM);
        qsort(sorted, VN, sizeof *sorted, cmp_desc);
        kix_hit_t hits[10];
        size_t n;
        kix_query_t q = {.mode = KIX_VECTOR, .vector = qv, .top_k = 10};
        assert_int_equal(kix_search(fx, &q, hits, &n), 0);
        assert_int_equal(n, 10);
        for (size_t h = 0; h < n; h++) {
            int d = atoi(hits[h].chunk_id + 5);
            assert_true(fabs(hits[h].vector_score - sc[d]) < 1e-5);
            /* The exact top 10, up to float ties. */
            assert_true(sc[d] >= sorted[9] - 1e-5);
            assert_int_equal(hits[h].vector_rank, (int)h + 1);
            assert_true(hits[h].fused == hits[h].vector_score);
        }
        assert_int_equal(kix_search(qx, &q, hits, &n), 0);
        assert_int_equal(n, 10);
        int found = 0;
        for (size_t h = 0; h < n; h++) {
            int d = atoi(hits[h].chunk_id + 5);
            found += sc[d] >= sorted[9];
            assert_true(fabs(hits[h].vector_score - sc[d]) < 0.01);
        }
        recall += found / 10.0;
    }
    recall /= nq;
    print_message("int8 recall@10 = %.4f\n", recall);
    assert_true(recall >= 0.95);

    /* Filters: exact against brute force over the passing slots. */
    for (int t = 0; t < 30; t++) {
        rand_unit(qv, VDIM);
        uint32_t ct = t % 3 == 0 ? 0 : (uint32_t)(1u << (rnd() % 7)) | (1u << (rnd() % 7));
        const char *srcs[3] = {"src_1", "src_17", "src_nope"};
        size_t nsrc = t % 2 ? 3 : 0;
        int pass = 0;
        for (int i = 0; i < VN; i++) {
            bool ok =
                (ct == 0 || ((1u << (i % 7)) & ct)) && (nsrc == 0 || i % 50 == 1 || i % 50 == 17);
            sc[i] = exact_dot(qv, vecs + (size_t)i * VDIM);
            if (ok) sorted[pass++] = sc[i];
        }
        qsort(sorted, (size_t)pass, sizeof *sorted, cmp_desc);
        kix_hit_t hits[50];
        size_t n;
        kix_query_t q = {.mode = KIX_VECTOR,
                         .vector = qv,
                         .top_k = 50,
                         .concept_types = ct,
                         .source_ids = nsrc ? srcs : NULL,
                         .nsource_ids = nsrc};
        assert_int_equal(kix_search(fx, &q, hits, &n), 0);
        assert_int_equal(n, pass < 50 ? (size_t)pass : 50);
        for (size_t h = 0; h < n; h++) {
            int d = atoi(hits[h].chunk_id + 5);
            if (ct) assert_true((1u << (d % 7)) & ct);
            if (nsrc) assert_true(d % 50 == 1 || d % 50 == 17);
            assert_true(fabs(hits[h].vector_score - sorted[h]) < 1e-5);
        }
    }
    /* Only unknown sources: nothing. */
    const char *none[] = {"src_nope"};
    kix_hit_t hits[5];
    size_t n = 99;
    kix_query_t q = {
        .mode = KIX_VECTOR, .vector = qv, .top_k = 5, .source_ids = none, .nsource_ids = 1};
    assert_int_equal(kix_search(qx, &q, hits, &n), 0);
    assert_int_equal(n, 0);
    free(sc);
    free(sorted);
    free(vecs);
    kix_free(fx);
    kix_free(qx);
}

/* ---- fusion, ties, errors --------------------------------------------------------- */

static void add_simple(kix_t *ix, const char *id, const char *src, const float *v,
                       const char *text) {
    size_t len = 0;
    unsigned char *b = text ? encode(text, NULL, NULL, &len) : NULL;
    kix_entry_t e = {.chunk_id = id, .source_id = src, .vector = v, .terms = b, .terms_len = len};
    assert_int_equal(kix_add(ix, &e), 0);
    free(b);
}

static void test_rrf_example(void **state) {
    (void)state;
    kix_t *ix = kix_new(2, KIX_F32);
    /* Vector ranks: A 1, B 2, C 3. Lexical ranks: C 1, B 2, A absent. */
    add_simple(ix, "chk_A", "src_1", (float[]){1.0f, 0.0f}, "alpha beta");
    add_simple(ix, "chk_B", "src_1", (float[]){0.8f, 0.6f}, "zeta alpha beta gamma");
    add_simple(ix, "chk_C", "src_2", (float[]){0.6f, 0.8f}, "zeta zeta zeta");
    add_simple(ix, "chk_D", "src_2", NULL, "delta"); /* lexical only, no match */
    kix_hit_t h[10];
    size_t n;
    kix_query_t q = {
        .mode = KIX_HYBRID, .text = "zeta", .vector = (float[]){1.0f, 0.0f}, .top_k = 10};
    assert_int_equal(kix_search(ix, &q, h, &n), 0);
    assert_int_equal(n, 3);
    /* C: 1/63 + 1/61 = 0.0322659; B: 1/62 + 1/62 = 0.0322581; A: 1/61. */
    assert_string_equal(h[0].chunk_id, "chk_C");
    assert_string_equal(h[0].source_id, "src_2");
    assert_int_equal(h[0].vector_rank, 3);
    assert_int_equal(h[0].lexical_rank, 1);
    assert_float_equal(h[0].fused, 1.0 / 63 + 1.0 / 61, 1e-7);
    assert_float_equal(h[0].vector_score, 0.6, 1e-6);
    assert_true(h[0].lexical_score > h[1].lexical_score && h[1].lexical_score > 0);
    assert_string_equal(h[1].chunk_id, "chk_B");
    assert_int_equal(h[1].vector_rank, 2);
    assert_int_equal(h[1].lexical_rank, 2);
    assert_float_equal(h[1].fused, 2.0 / 62, 1e-7);
    assert_string_equal(h[2].chunk_id, "chk_A");
    assert_int_equal(h[2].vector_rank, 1);
    assert_int_equal(h[2].lexical_rank, 0);
    assert_float_equal(h[2].lexical_score, 0, 0);
    assert_float_equal(h[2].fused, 1.0 / 61, 1e-7);
    assert_float_equal(h[2].vector_score, 1.0, 1e-6);
    /* top_k cuts after fusion. */
    q.top_k = 1;
    assert_int_equal(kix_search(ix, &q, h, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(h[0].chunk_id, "chk_C");
    /* Hybrid without a vector: lexical scores in fused. */
    q.vector = NULL;
    q.top_k = 10;
    assert_int_equal(kix_search(ix, &q, h, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(h[0].chunk_id, "chk_C");
    assert_true(h[0].fused == h[0].lexical_score);
    assert_int_equal(h[0].vector_rank, 0);
    /* Vectors are normalised on the way in: a scaled query scores the same. */
    q = (kix_query_t){.mode = KIX_VECTOR, .vector = (float[]){3.0f, 0.0f}, .top_k = 10};
    assert_int_equal(kix_search(ix, &q, h, &n), 0);
    assert_int_equal(n, 3);
    assert_float_equal(h[0].vector_score, 1.0, 1e-6);

    /* Argument errors. */
    q.top_k = 0;
    assert_int_equal(kix_search(ix, &q, h, &n), SAL_EINVAL);
    q.top_k = 101;
    assert_int_equal(kix_search(ix, &q, h, &n), SAL_EINVAL);
    q.top_k = 5;
    q.vector = NULL;
    assert_int_equal(kix_search(ix, &q, h, &n), SAL_EINVAL);
    q = (kix_query_t){.mode = KIX_LEXICAL, .top_k = 5};
    assert_int_equal(kix_search(ix, &q, h, &n), SAL_EINVAL);
    q = (kix_query_t){.mode = (kix_mode_t)7, .text = "x", .top_k = 5};
    assert_int_equal(kix_search(ix, &q, h, &n), SAL_EINVAL);
    q = (kix_query_t){.mode = KIX_VECTOR, .vector = (float[]){NAN, 0.0f}, .top_k = 5};
    assert_int_equal(kix_search(ix, &q, h, &n), SAL_EINVAL);
    kix_entry_t bad = {.chunk_id = "chk_N", .source_id = "src_1", .vector = (float[]){INFINITY, 0}};
    assert_int_equal(kix_add(ix, &bad), SAL_EINVAL);
    bad = (kix_entry_t){.chunk_id = "", .source_id = "src_1"};
    assert_int_equal(kix_add(ix, &bad), SAL_EINVAL);
    bad = (kix_entry_t){.chunk_id = "chk_0123456789012345678901234567890123456789",
                        .source_id = "src_1"};
    assert_int_equal(kix_add(ix, &bad), SAL_EINVAL);
    assert_null(kix_new(0, KIX_INT8));
    assert_null(kix_new(384, (kix_vec_t)9));
    kix_free(NULL);
    assert_int_equal(kix_count(ix), 4);
    kix_free(ix);
}

static void test_ties(void **state) {
    (void)state;
    /* 60 identical chunks added in shuffled order: every mode must rank
     * them by chunk id, the same way every time. */
    int order[60];
    for (int i = 0; i < 60; i++) order[i] = i;
    for (int i = 59; i > 0; i--) {
        int j = (int)(rnd() % (uint64_t)(i + 1)), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    kix_t *ix = kix_new(4, KIX_INT8);
    float v[4] = {0.5f, 0.5f, 0.5f, 0.5f};
    for (int i = 0; i < 60; i++) {
        char id[SAL_ID_CAP];
        snprintf(id, sizeof id, "chk_%02d", order[i]);
        add_simple(ix, id, "src_1", v, "renewal discount");
    }
    kix_mode_t modes[] = {KIX_HYBRID, KIX_VECTOR, KIX_LEXICAL};
    for (int m = 0; m < 3; m++) {
        kix_hit_t h[20], h2[20];
        size_t n, n2;
        kix_query_t q = {.mode = modes[m], .text = "discounts", .vector = v, .top_k = 20};
        assert_int_equal(kix_search(ix, &q, h, &n), 0);
        assert_int_equal(n, 20);
        for (size_t i = 0; i < n; i++) {
            char want[SAL_ID_CAP];
            snprintf(want, sizeof want, "chk_%02zu", i);
            assert_string_equal(h[i].chunk_id, want);
        }
        assert_int_equal(kix_search(ix, &q, h2, &n2), 0);
        assert_int_equal(n2, n);
        assert_memory_equal(h, h2, n * sizeof *h);
    }
    kix_free(ix);
}

/* ---- concurrency -------------------------------------------------------------------- */

#define CSRC   8
#define CCHUNK 25

typedef struct {
    kix_t *ix;
    int id;
    int searches;
    int bad;
} reader_t;

static int writer_done;

static void add_source(kix_t *ix, int s, int gen) {
    for (int c = 0; c < CCHUNK; c++) {
        char id[SAL_ID_CAP], src[SAL_ID_CAP], text[64];
        snprintf(id, sizeof id, "chk_%d_%d_%d", s, c, gen);
        snprintf(src, sizeof src, "src_%d", s);
        snprintf(text, sizeof text, "common pricing word%d chunk%d", s, c);
        float v[8];
        for (int i = 0; i < 8; i++) v[i] = (float)((s * 31 + c * 7 + i) % 11) - 5.0f;
        v[0] += 0.5f;
        add_simple(ix, id, src, v, text);
    }
}

static void *reader(void *arg) {
    reader_t *r = arg;
    float v[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    for (int i = 0; !__atomic_load_n(&writer_done, __ATOMIC_SEQ_CST) || i < 500; i++) {
        int s = (r->id + i) % CSRC;
        char src[SAL_ID_CAP], text[32];
        snprintf(src, sizeof src, "src_%d", s);
        snprintf(text, sizeof text, "common word%d", s);
        const char *srcs[] = {src};
        kix_hit_t h[100];
        size_t n;
        kix_query_t q = {.mode = (kix_mode_t)(i % 3),
                         .text = text,
                         .vector = v,
                         .top_k = 100,
                         .source_ids = srcs,
                         .nsource_ids = 1};
        if (kix_search(r->ix, &q, h, &n) != 0) r->bad++;
        /* Stable sources (even) always show all their chunks; the writer's
         * (odd) between none and all, and never another source's. */
        if (s % 2 == 0 && n != CCHUNK) r->bad++;
        if (n > CCHUNK) r->bad++;
        for (size_t k = 0; k < n; k++)
            if (strcmp(h[k].source_id, src) != 0) r->bad++;
        r->searches++;
        if (i > 20000) break;
    }
    return NULL;
}

static void test_concurrent(void **state) {
    (void)state;
    kix_t *ix = kix_new(8, KIX_INT8);
    for (int s = 0; s < CSRC; s++) add_source(ix, s, 0);
    __atomic_store_n(&writer_done, 0, __ATOMIC_SEQ_CST);
    pthread_t th[3];
    reader_t rs[3];
    for (int i = 0; i < 3; i++) {
        rs[i] = (reader_t){.ix = ix, .id = i};
        assert_int_equal(pthread_create(&th[i], NULL, reader, &rs[i]), 0);
    }
    for (int gen = 1; gen <= 60; gen++) {
        int s = 1 + 2 * (gen % (CSRC / 2));
        char src[SAL_ID_CAP];
        snprintf(src, sizeof src, "src_%d", s);
        assert_int_equal(kix_remove_source(ix, src), CCHUNK);
        add_source(ix, s, gen);
    }
    __atomic_store_n(&writer_done, 1, __ATOMIC_SEQ_CST);
    int total = 0;
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(rs[i].bad, 0);
        total += rs[i].searches;
    }
    print_message("%d searches beside 60 source replacements\n", total);
    assert_true(total >= 1500);
    assert_int_equal(kix_count(ix), CSRC * CCHUNK);
    kix_free(ix);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_analysis),     cmocka_unit_test(test_blob_round_trip),
        cmocka_unit_test(test_blob_rejects), cmocka_unit_test(test_bm25_brute_force),
        cmocka_unit_test(test_kernels),      cmocka_unit_test(test_vector_search),
        cmocka_unit_test(test_rrf_example),  cmocka_unit_test(test_ties),
        cmocka_unit_test(test_concurrent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
