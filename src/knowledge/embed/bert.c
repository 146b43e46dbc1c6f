/* SPDX-License-Identifier: MIT */
/*
 * The BERT encoder forward pass, pooling and normalisation, with the
 * kernels it runs on.
 *
 * A batch is packed, not padded: the sequences' tokens are laid end to end
 * ([T × H] for T tokens in all), so every per-token step (the linear
 * layers, LayerNorm, GELU) does no work for padding, and attention runs per
 * sequence over its own tokens only. This gives exactly what the reference
 * computes with padding and an attention mask (masked keys get weight
 * exactly 0 there) without the wasted rows.
 *
 * Kernels: each step has a plain reference loop (EMBED_KERNEL_REF) and a
 * fast version. The fast linear layer is cblas_sgemm, except for the few
 * rows of a short query, where OpenBLAS spends more time packing the
 * weights than multiplying: there an AVX2/FMA kernel streams each weight
 * row once against all rows in registers. LayerNorm, GELU (erf through a
 * vectorised erfc, error ~1e-7), softmax and short-sequence attention have
 * AVX2/FMA versions selected at run time (the build has no -march); the
 * portable fallback is the reference loop.
 *
 * The context owns every buffer the forward pass touches, allocated once
 * for a token budget per batch, so embed_texts and embed_ids allocate
 * nothing (the tokenizer allocates nothing either).
 */
#include <cblas.h>
#include <math.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "knowledge/embed/embed_int.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HAVE_X86 1
#else
#define HAVE_X86 0
#endif

/* Tokens per batch: a batch stops at EMBED_MAX_BATCH sequences or at this
 * many tokens (but always fits one max_seq_len sequence). 2048 rows keep
 * sgemm at full speed while the workspace stays ~30 MB for MiniLM instead
 * of the ~250 MB that EMBED_MAX_BATCH × 256 tokens would need. */
#define BATCH_TOKENS 2048
/* Texts tokenized, sorted and batched together. */
#define WINDOW (4 * EMBED_MAX_BATCH)
/* At or below this many rows the AVX2 linear kernel beats sgemm. */
#ifndef SMALL_M
#define SMALL_M 32
#endif
/* Sequences up to this long use the direct attention loops; longer ones
 * two sgemm calls per head and block of ATTN_ROWS queries, so the scores
 * need ATTN_ROWS × len floats, never len × len. */
#define ATTN_DIRECT_MAX 48
#define ATTN_ROWS       64

/* ---- reference kernels ------------------------------------------------- */

static void linear_ref(const float *x, int m, int k, int ldx, const float *w, const float *b, int n,
                       float *y, int ldy, bool accumulate) {
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            float s = 0;
            for (int p = 0; p < k; p++) s += x[(size_t)i * ldx + p] * w[(size_t)j * k + p];
            if (b != NULL) s += b[j];
            float *yy = &y[(size_t)i * ldy + j];
            *yy = accumulate ? *yy + s : s;
        }
    }
}

static void layernorm_ref(float *x, int m, int n, int ld, const float *g, const float *b,
                          float eps) {
    for (int i = 0; i < m; i++) {
        float *r = x + (size_t)i * ld;
        double mean = 0, var = 0;
        for (int j = 0; j < n; j++) mean += r[j];
        mean /= n;
        for (int j = 0; j < n; j++) var += (r[j] - mean) * (r[j] - mean);
        var /= n;
        float inv = (float)(1.0 / sqrt(var + eps));
        for (int j = 0; j < n; j++) r[j] = ((float)(r[j] - mean)) * inv * g[j] + b[j];
    }
}

static void gelu_ref(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = 0.5f * x[i] * (1.0f + erff(x[i] * (float)M_SQRT1_2));
}

static void softmax_ref(float *x, int n) {
    float mx = x[0], sum = 0;
    for (int i = 1; i < n; i++) mx = x[i] > mx ? x[i] : mx;
    for (int i = 0; i < n; i++) {
        x[i] = expf(x[i] - mx);
        sum += x[i];
    }
    for (int i = 0; i < n; i++) x[i] /= sum;
}

static void attention_ref(const float *q, const float *k, const float *v, int ld, int len,
                          int heads, int dh, float *out, int ldo, float *scratch) {
    const float scale = 1.0f / sqrtf((float)dh);
    for (int h = 0; h < heads; h++) {
        for (int i = 0; i < len; i++) {
            const float *qi = q + (size_t)i * ld + h * dh;
            for (int j = 0; j < len; j++) {
                const float *kj = k + (size_t)j * ld + h * dh;
                float s = 0;
                for (int d = 0; d < dh; d++) s += qi[d] * kj[d];
                scratch[j] = s * scale;
            }
            softmax_ref(scratch, len);
            float *oi = out + (size_t)i * ldo + h * dh;
            for (int d = 0; d < dh; d++) {
                float s = 0;
                for (int j = 0; j < len; j++) s += scratch[j] * v[(size_t)j * ld + h * dh + d];
                oi[d] = s;
            }
        }
    }
}

static const embed_kernels_t kernels_ref = {
    .name = "ref",
    .linear = linear_ref,
    .layernorm = layernorm_ref,
    .gelu = gelu_ref,
    .softmax = softmax_ref,
    .attention = attention_ref,
};

/* ---- fast kernels: OpenBLAS -------------------------------------------- */

static void linear_blas(const float *x, int m, int k, int ldx, const float *w, const float *b,
                        int n, float *y, int ldy, bool accumulate) {
    float beta = accumulate ? 1.0f : 0.0f;
    if (b != NULL) {
        /* The bias goes in first so sgemm adds the product onto it. */
        for (int i = 0; i < m; i++) {
            float *r = y + (size_t)i * ldy;
            if (accumulate)
                for (int j = 0; j < n; j++) r[j] += b[j];
            else
                memcpy(r, b, (size_t)n * sizeof *r);
        }
        beta = 1.0f;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, x, ldx, w, k, beta, y, ldy);
}

/* Per head and block of up to ATTN_ROWS queries: the scores by one sgemm,
 * the row softmaxes, the weighted values by another sgemm. */
static void attention_blas(const float *q, const float *k, const float *v, int ld, int len,
                           int heads, int dh, float *out, int ldo, float *scratch,
                           void (*softmax)(float *, int)) {
    const float scale = 1.0f / sqrtf((float)dh);
    for (int h = 0; h < heads; h++) {
        for (int i0 = 0; i0 < len; i0 += ATTN_ROWS) {
            const int rows = len - i0 < ATTN_ROWS ? len - i0 : ATTN_ROWS;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, len, dh, scale,
                        q + (size_t)i0 * ld + h * dh, ld, k + h * dh, ld, 0.0f, scratch, len);
            for (int i = 0; i < rows; i++) softmax(scratch + (size_t)i * len, len);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, dh, len, 1.0f, scratch,
                        len, v + h * dh, ld, 0.0f, out + (size_t)i0 * ldo + h * dh, ldo);
        }
    }
}

static void linear_portable(const float *x, int m, int k, int ldx, const float *w, const float *b,
                            int n, float *y, int ldy, bool accumulate) {
    linear_blas(x, m, k, ldx, w, b, n, y, ldy, accumulate);
}

static void attention_portable(const float *q, const float *k, const float *v, int ld, int len,
                               int heads, int dh, float *out, int ldo, float *scratch) {
    if (len <= ATTN_DIRECT_MAX)
        attention_ref(q, k, v, ld, len, heads, dh, out, ldo, scratch);
    else
        attention_blas(q, k, v, ld, len, heads, dh, out, ldo, scratch, softmax_ref);
}

static const embed_kernels_t kernels_portable = {
    .name = "blas",
    .linear = linear_portable,
    .layernorm = layernorm_ref,
    .gelu = gelu_ref,
    .softmax = softmax_ref,
    .attention = attention_portable,
};

/* ---- fast kernels: AVX2 + FMA ------------------------------------------ */

#if HAVE_X86
#define AVX2 __attribute__((target("avx2,fma")))

/* The four sums of a, b, c, d's lanes, in that order. */
AVX2 static inline __m128 hsum4(__m256 a, __m256 b, __m256 c, __m256 d) {
    __m256 ab = _mm256_hadd_ps(a, b), cd = _mm256_hadd_ps(c, d);
    __m256 abcd = _mm256_hadd_ps(ab, cd);
    return _mm_add_ps(_mm256_castps256_ps128(abcd), _mm256_extractf128_ps(abcd, 1));
}

AVX2 static inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

#define FMA_ROW(xp, r)                                                                             \
    do {                                                                                           \
        __m256 xv = _mm256_loadu_ps(xp);                                                           \
        c##r##0 = _mm256_fmadd_ps(xv, a0, c##r##0);                                                \
        c##r##1 = _mm256_fmadd_ps(xv, a1, c##r##1);                                                \
        c##r##2 = _mm256_fmadd_ps(xv, a2, c##r##2);                                                \
    } while (0)
#define FMA_STEP(p)                                                                                \
    do {                                                                                           \
        __m256 a0 = _mm256_loadu_ps(w0 + (p)), a1 = _mm256_loadu_ps(w1 + (p)),                     \
               a2 = _mm256_loadu_ps(w2 + (p));                                                     \
        FMA_ROW(x0 + (p), 0);                                                                      \
        FMA_ROW(x1 + (p), 1);                                                                      \
        FMA_ROW(x2 + (p), 2);                                                                      \
        FMA_ROW(x3 + (p), 3);                                                                      \
    } while (0)

/* The 4 × 3 dot products of rows x0…x3 with rows w0…w2 over k8 (a
 * multiple of 8) floats into s[output][row]. When pf is not NULL, the
 * 3·k8 floats at pf (the next tile's weight rows, contiguous) are
 * prefetched along the way so they arrive from memory while this tile
 * computes. A function of its own so its 12 accumulators, 3 weight rows
 * and 8 pointers get the registers to themselves. */
AVX2 __attribute__((noinline)) static void dot_tile_4x3(const float *x0, const float *x1,
                                                        const float *x2, const float *x3,
                                                        const float *w0, const float *w1,
                                                        const float *w2, int k8, const float *pf,
                                                        float s[3][4]) {
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00,
           c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
    int p = 0;
    if (pf != NULL) {
        for (; p + 16 <= k8; p += 16) {
            const char *q = (const char *)(pf + 3 * p);
            _mm_prefetch(q, _MM_HINT_T0);
            _mm_prefetch(q + 64, _MM_HINT_T0);
            _mm_prefetch(q + 128, _MM_HINT_T0);
            FMA_STEP(p);
            FMA_STEP(p + 8);
        }
    }
    for (; p < k8; p += 8) FMA_STEP(p);
    _mm_storeu_ps(s[0], hsum4(c00, c10, c20, c30));
    _mm_storeu_ps(s[1], hsum4(c01, c11, c21, c31));
    _mm_storeu_ps(s[2], hsum4(c02, c12, c22, c32));
}
#undef FMA_STEP
#undef FMA_ROW

/* y = x · wᵀ for few rows: tiles of 4 rows × 3 outputs held in 12
 * accumulators, so each weight row is read once per 4 rows of x while it
 * sits in L1, and x (a few rows) stays in L1/L2. Edge tiles repeat a valid
 * row or output and drop the extra results. */
AVX2 static void linear_small_avx2(const float *x, int m, int k, int ldx, const float *w,
                                   const float *b, int n, float *y, int ldy, bool accumulate) {
    const int k8 = k & ~7;
    for (int j = 0; j < n; j += 3) {
        const int nj = n - j < 3 ? n - j : 3;
        const float *w0 = w + (size_t)j * k;
        const float *w1 = nj > 1 ? w0 + k : w0, *w2 = nj > 2 ? w0 + 2 * (size_t)k : w0;
        /* the next tile's rows, while they are whole rows of w */
        const float *next = j + 6 <= n ? w0 + 3 * (size_t)k : NULL;
        for (int i = 0; i < m; i += 4) {
            const int mi = m - i < 4 ? m - i : 4;
            const float *x0 = x + (size_t)i * ldx;
            const float *x1 = mi > 1 ? x0 + ldx : x0, *x2 = mi > 2 ? x0 + 2 * (size_t)ldx : x0;
            const float *x3 = mi > 3 ? x0 + 3 * (size_t)ldx : x0;
            float s[3][4]; /* [output][row] */
            dot_tile_4x3(x0, x1, x2, x3, w0, w1, w2, k8, i == 0 ? next : NULL, s);
            const float *xr[4] = {x0, x1, x2, x3}, *wr[3] = {w0, w1, w2};
            for (int o = 0; o < nj; o++) {
                for (int r = 0; r < mi; r++) {
                    float t = s[o][r];
                    for (int p = k8; p < k; p++) t += xr[r][p] * wr[o][p];
                    if (b != NULL) t += b[j + o];
                    float *yy = &y[(size_t)(i + r) * ldy + j + o];
                    *yy = accumulate ? *yy + t : t;
                }
            }
        }
    }
}

AVX2 static void linear_avx2(const float *x, int m, int k, int ldx, const float *w, const float *b,
                             int n, float *y, int ldy, bool accumulate) {
    if (m <= SMALL_M)
        linear_small_avx2(x, m, k, ldx, w, b, n, y, ldy, accumulate);
    else
        linear_blas(x, m, k, ldx, w, b, n, y, ldy, accumulate);
}

AVX2 static void layernorm_avx2(float *x, int m, int n, int ld, const float *g, const float *b,
                                float eps) {
    const int n8 = n & ~7;
    for (int i = 0; i < m; i++) {
        float *r = x + (size_t)i * ld;
        __m256 acc = _mm256_setzero_ps();
        for (int j = 0; j < n8; j += 8) acc = _mm256_add_ps(acc, _mm256_loadu_ps(r + j));
        float sum = hsum(acc);
        for (int j = n8; j < n; j++) sum += r[j];
        const float mean = sum / (float)n;
        const __m256 vm = _mm256_set1_ps(mean);
        acc = _mm256_setzero_ps();
        for (int j = 0; j < n8; j += 8) {
            __m256 d = _mm256_sub_ps(_mm256_loadu_ps(r + j), vm);
            acc = _mm256_fmadd_ps(d, d, acc);
        }
        float var = hsum(acc);
        for (int j = n8; j < n; j++) var += (r[j] - mean) * (r[j] - mean);
        const float inv = 1.0f / sqrtf(var / (float)n + eps);
        const __m256 vi = _mm256_set1_ps(inv);
        for (int j = 0; j < n8; j += 8) {
            __m256 d = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(r + j), vm), vi);
            _mm256_storeu_ps(r + j,
                             _mm256_fmadd_ps(d, _mm256_loadu_ps(g + j), _mm256_loadu_ps(b + j)));
        }
        for (int j = n8; j < n; j++) r[j] = (r[j] - mean) * inv * g[j] + b[j];
    }
}

/* e^x for x in [-87, 88] (clamped), the Cephes expf polynomial after
 * reducing by n·ln 2; relative error ~2 ulp. */
AVX2 static inline __m256 exp_avx2(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.0f)), _mm256_set1_ps(88.0f));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    x = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    x = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), x);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(x, x), _mm256_add_ps(x, _mm256_set1_ps(1.0f)));
    __m256i e =
        _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

/* GELU(x) = x·Φ(x) = ½x·erfc(−x/√2). erfc(z) for z ≥ 0 is the Chebyshev
 * fit of Numerical Recipes (erfcc, relative error < 1.2e-7), so for x < 0
 * the result keeps its relative precision; for x ≥ 0 it is
 * ½x·(2 − erfc(x/√2)). */
AVX2 static inline __m256 gelu8(__m256 x) {
    const __m256 one = _mm256_set1_ps(1.0f), half = _mm256_set1_ps(0.5f);
    __m256 z =
        _mm256_mul_ps(_mm256_andnot_ps(_mm256_set1_ps(-0.0f), x), _mm256_set1_ps((float)M_SQRT1_2));
    __m256 t = _mm256_div_ps(one, _mm256_fmadd_ps(half, z, one));
    __m256 p = _mm256_set1_ps(0.17087277f);
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.82215223f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.48851587f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.13520398f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.27886807f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.18628806f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.09678418f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.37409196f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.00002368f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.26551223f));
    p = _mm256_fnmadd_ps(z, z, p);
    __m256 erfc = _mm256_mul_ps(t, exp_avx2(p));
    __m256 pos = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GE_OQ);
    __m256 phi2 = _mm256_blendv_ps(erfc, _mm256_sub_ps(_mm256_set1_ps(2.0f), erfc), pos);
    return _mm256_mul_ps(_mm256_mul_ps(half, x), phi2);
}

AVX2 static void gelu_avx2(float *x, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, gelu8(_mm256_loadu_ps(x + i)));
    if (i < n) {
        float tmp[8] = {0};
        memcpy(tmp, x + i, (n - i) * sizeof *x);
        _mm256_storeu_ps(tmp, gelu8(_mm256_loadu_ps(tmp)));
        memcpy(x + i, tmp, (n - i) * sizeof *x);
    }
}

AVX2 static void softmax_avx2(float *x, int n) {
    const int n8 = n & ~7;
    float mx = x[0];
    if (n8 > 0) {
        __m256 vm = _mm256_loadu_ps(x);
        for (int i = 8; i < n8; i += 8) vm = _mm256_max_ps(vm, _mm256_loadu_ps(x + i));
        __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(vm), _mm256_extractf128_ps(vm, 1));
        m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
        m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
        mx = _mm_cvtss_f32(m4);
    }
    for (int i = n8; i < n; i++) mx = x[i] > mx ? x[i] : mx;
    const __m256 vmx = _mm256_set1_ps(mx);
    __m256 acc = _mm256_setzero_ps();
    for (int i = 0; i < n8; i += 8) {
        __m256 e = exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(x + i), vmx));
        _mm256_storeu_ps(x + i, e);
        acc = _mm256_add_ps(acc, e);
    }
    float sum = hsum(acc);
    if (n8 < n) {
        float tmp[8];
        for (int j = 0; j < 8; j++) tmp[j] = n8 + j < n ? x[n8 + j] - mx : -INFINITY;
        _mm256_storeu_ps(tmp, exp_avx2(_mm256_loadu_ps(tmp)));
        for (int i = n8; i < n; i++) {
            x[i] = tmp[i - n8];
            sum += x[i];
        }
    }
    const __m256 vinv = _mm256_set1_ps(1.0f / sum);
    const float inv = 1.0f / sum;
    for (int i = 0; i < n8; i += 8)
        _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), vinv));
    for (int i = n8; i < n; i++) x[i] *= inv;
}

/* Attention for a short sequence: per head and query, the len scores by
 * dot products over dh, the softmax, then the weighted sum of the value
 * rows, all in registers and L1. */
AVX2 static void attention_direct_avx2(const float *q, const float *k, const float *v, int ld,
                                       int len, int heads, int dh, float *out, int ldo,
                                       float *scratch) {
    const float scale = 1.0f / sqrtf((float)dh);
    const int d8 = dh & ~7;
    for (int h = 0; h < heads; h++) {
        const int ho = h * dh;
        for (int i = 0; i < len; i++) {
            const float *qi = q + (size_t)i * ld + ho;
            for (int j = 0; j < len; j++) {
                const float *kj = k + (size_t)j * ld + ho;
                __m256 acc = _mm256_setzero_ps();
                for (int d = 0; d < d8; d += 8)
                    acc = _mm256_fmadd_ps(_mm256_loadu_ps(qi + d), _mm256_loadu_ps(kj + d), acc);
                float s = hsum(acc);
                for (int d = d8; d < dh; d++) s += qi[d] * kj[d];
                scratch[j] = s * scale;
            }
            softmax_avx2(scratch, len);
            float *oi = out + (size_t)i * ldo + ho;
            for (int d = 0; d < d8; d += 8) {
                __m256 acc = _mm256_setzero_ps();
                for (int j = 0; j < len; j++)
                    acc = _mm256_fmadd_ps(_mm256_set1_ps(scratch[j]),
                                          _mm256_loadu_ps(v + (size_t)j * ld + ho + d), acc);
                _mm256_storeu_ps(oi + d, acc);
            }
            for (int d = d8; d < dh; d++) {
                float s = 0;
                for (int j = 0; j < len; j++) s += scratch[j] * v[(size_t)j * ld + ho + d];
                oi[d] = s;
            }
        }
    }
}

AVX2 static void attention_avx2(const float *q, const float *k, const float *v, int ld, int len,
                                int heads, int dh, float *out, int ldo, float *scratch) {
    if (len <= ATTN_DIRECT_MAX)
        attention_direct_avx2(q, k, v, ld, len, heads, dh, out, ldo, scratch);
    else
        attention_blas(q, k, v, ld, len, heads, dh, out, ldo, scratch, softmax_avx2);
}

static const embed_kernels_t kernels_avx2 = {
    .name = "avx2",
    .split_few_rows = true,
    .linear = linear_avx2,
    .layernorm = layernorm_avx2,
    .gelu = gelu_avx2,
    .softmax = softmax_avx2,
    .attention = attention_avx2,
};
#endif

const embed_kernels_t *embed_kernels(embed_kernel_t k) {
    if (k == EMBED_KERNEL_REF) return &kernels_ref;
#if HAVE_X86
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return &kernels_avx2;
#endif
    return &kernels_portable;
}

/* ---- a second core for short queries ----------------------------------- */

/* A single short query is too small for OpenBLAS's threading (12 rows run
 * slower on two threads than on one) yet it is what a search request waits
 * on. So a context may own one helper thread that shares the few-rows
 * linear layers: the outputs are cut into chunks and both threads claim
 * chunks from one atomic word until none are left. If the helper is not
 * running (the other core is busy), the caller simply does every chunk
 * itself, so a loaded machine costs at most one chunk of waiting, not a
 * scheduler time slice per layer.
 *
 * The claim word packs the job's sequence number, its chunk count and the
 * next chunk index, so a claim always names the job it belongs to. Between
 * jobs the helper spins for HELPER_SPIN_US, then sleeps on a condition
 * variable. */
#define HELPER_SPIN_US 100
#define HELPER_CHUNKS  8
#define HELPER_BACKOFF 512 /* linear layers, ~16 short queries of MiniLM */

typedef struct {
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    atomic_bool sleeping;
    atomic_bool quit;
    _Atomic uint64_t claim; /* seq:24 | chunks:8 | next index:32 */
    atomic_int done;        /* chunks finished in the current job */
    /* the job, written before claim is published */
    const embed_kernels_t *k;
    const float *x, *w, *b;
    float *y;
    int m, k_dim, ldx, n, ldy, chunk;
    bool accumulate;
} helper_t;

static double mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static inline void cpu_relax(void) {
#if HAVE_X86
    _mm_pause();
#endif
}

static inline uint32_t claim_seq(uint64_t c) { return (uint32_t)(c >> 40); }
static inline uint32_t claim_chunks(uint64_t c) { return (uint32_t)(c >> 32) & 0xff; }
static inline uint32_t claim_next(uint64_t c) { return (uint32_t)c; }

/* Claims and runs chunks of the published job until none are left;
 * returns the job's sequence number. */
static uint32_t helper_work(helper_t *h) {
    for (;;) {
        uint64_t c = atomic_fetch_add(&h->claim, 1);
        uint32_t i = claim_next(c);
        if (i >= claim_chunks(c)) return claim_seq(c);
        const int n0 = (int)i * h->chunk, n1 = n0 + h->chunk < h->n ? n0 + h->chunk : h->n;
        h->k->linear(h->x, h->m, h->k_dim, h->ldx, h->w + (size_t)n0 * h->k_dim,
                     h->b ? h->b + n0 : NULL, n1 - n0, h->y + n0, h->ldy, h->accumulate);
        atomic_fetch_add(&h->done, 1);
    }
}

static void *helper_main(void *arg) {
    helper_t *h = arg;
    uint32_t last = 0;
    for (;;) {
        double t0 = mono_us();
        unsigned spins = 0;
        while (claim_seq(atomic_load(&h->claim)) == last && !atomic_load(&h->quit)) {
            cpu_relax();
            if (++spins % 256 == 0 && mono_us() - t0 > HELPER_SPIN_US) {
                pthread_mutex_lock(&h->mu);
                atomic_store(&h->sleeping, true);
                while (claim_seq(atomic_load(&h->claim)) == last && !atomic_load(&h->quit))
                    pthread_cond_wait(&h->cv, &h->mu);
                atomic_store(&h->sleeping, false);
                pthread_mutex_unlock(&h->mu);
            }
        }
        if (atomic_load(&h->quit)) return NULL;
        last = helper_work(h);
    }
}

static helper_t *helper_new(void) {
    helper_t *h = xcalloc(1, sizeof *h);
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    atomic_init(&h->sleeping, false);
    atomic_init(&h->quit, false);
    atomic_init(&h->claim, 0);
    atomic_init(&h->done, 0);
    if (pthread_create(&h->tid, NULL, helper_main, h) != 0) {
        pthread_cond_destroy(&h->cv);
        pthread_mutex_destroy(&h->mu);
        free(h);
        return NULL;
    }
    return h;
}

static void helper_free(helper_t *h) {
    if (h == NULL) return;
    pthread_mutex_lock(&h->mu);
    atomic_store(&h->quit, true);
    pthread_cond_signal(&h->cv);
    pthread_mutex_unlock(&h->mu);
    pthread_join(h->tid, NULL);
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->mu);
    free(h);
}

/* y = x·wᵀ + b, shared with the helper chunk by chunk. Returns false when
 * the helper stalled us (preempted inside a chunk it had claimed). */
static bool helper_linear(helper_t *h, const embed_kernels_t *K, const float *x, int m, int k,
                          int ldx, const float *w, const float *b, int n, float *y, int ldy,
                          bool accumulate) {
    /* chunks of whole 3-output tiles (the AVX2 kernel's width) */
    int chunk = (n + HELPER_CHUNKS - 1) / HELPER_CHUNKS;
    chunk = (chunk + 2) / 3 * 3;
    const uint32_t chunks = (uint32_t)((n + chunk - 1) / chunk);
    h->k = K, h->x = x, h->w = w, h->b = b, h->y = y;
    h->m = m, h->k_dim = k, h->ldx = ldx, h->n = n, h->ldy = ldy, h->chunk = chunk;
    h->accumulate = accumulate;
    atomic_store(&h->done, 0);
    uint32_t seq = (claim_seq(atomic_load(&h->claim)) + 1) & 0xffffff;
    if (seq == 0) seq = 1; /* 0 is "no job yet" */
    atomic_store(&h->claim, (uint64_t)seq << 40 | (uint64_t)chunks << 32);
    if (atomic_load(&h->sleeping)) {
        pthread_mutex_lock(&h->mu);
        pthread_cond_signal(&h->cv);
        pthread_mutex_unlock(&h->mu);
    }
    helper_work(h);
    /* Only a chunk the helper claimed and is still computing is left. */
    bool prompt = true;
    for (unsigned spins = 0; atomic_load(&h->done) != (int)chunks; spins++) {
        if (spins < 4096) {
            cpu_relax();
        } else {
            prompt = false;
            sched_yield();
        }
    }
    return prompt;
}

/* ---- the context and the forward pass ---------------------------------- */

struct embed_ctx {
    const embed_model_t *m; /* borrowed */
    const embed_kernels_t *k;
    int max_len;      /* the model's max_seq_len */
    int batch_tokens; /* token budget of one batch */
    /* activations, [batch_tokens × …] */
    float *x, *qkv, *attn, *ffn;
    float *scores; /* [ATTN_ROWS × max_len] */
    /* the window being embedded */
    int32_t *tok;                   /* [WINDOW × max_len] ids from the tokenizer */
    const int32_t *seq_ids[WINDOW]; /* ids of each sequence in the window */
    int seq_len[WINDOW];
    int order[WINDOW]; /* window positions sorted by length */
    int *len_count;    /* [max_len + 2], the counting sort */
    int batch_off[EMBED_MAX_BATCH + 1];
    bool use_helper;  /* split short queries' linear layers over two cores */
    helper_t *helper; /* started on first use */
    int helper_skip;  /* linear layers to run alone after the helper stalled */
};

/* A context whose batches hold up to batch_tokens tokens (at least one
 * max_seq_len sequence). */
static embed_ctx_t *ctx_new(const embed_model_t *m, int batch_tokens) {
    const embed_info_t *in = &m->info;
    embed_ctx_t *ctx = xcalloc(1, sizeof *ctx);
    ctx->m = m;
    ctx->k = embed_kernels(EMBED_KERNEL_FAST);
    ctx->max_len = in->max_seq_len;
    ctx->batch_tokens = batch_tokens > in->max_seq_len ? batch_tokens : in->max_seq_len;
    const size_t T = (size_t)ctx->batch_tokens, H = (size_t)in->hidden;
    ctx->x = xmalloc(T * H * sizeof(float));
    ctx->qkv = xmalloc(T * 3 * H * sizeof(float));
    ctx->attn = xmalloc(T * H * sizeof(float));
    ctx->ffn = xmalloc(T * (size_t)in->intermediate * sizeof(float));
    ctx->scores = xmalloc((size_t)ATTN_ROWS * (size_t)ctx->max_len * sizeof(float));
    ctx->tok = xmalloc((size_t)WINDOW * (size_t)ctx->max_len * sizeof(int32_t));
    ctx->len_count = xcalloc((size_t)ctx->max_len + 2, sizeof(int));
    ctx->use_helper = sysconf(_SC_NPROCESSORS_ONLN) > 1 && !getenv("TMP_NO_HELPER");
    return ctx;
}

embed_ctx_t *embed_ctx_new(const embed_model_t *m) {
    return m != NULL ? ctx_new(m, BATCH_TOKENS) : NULL;
}

void embed_ctx_free(embed_ctx_t *ctx) {
    if (ctx == NULL) return;
    helper_free(ctx->helper);
    free(ctx->x);
    free(ctx->qkv);
    free(ctx->attn);
    free(ctx->ffn);
    free(ctx->scores);
    free(ctx->tok);
    free(ctx->len_count);
    free(ctx);
}

void embed_ctx_set_kernel(embed_ctx_t *ctx, embed_kernel_t k) {
    if (ctx != NULL) ctx->k = embed_kernels(k);
}

/* A linear layer of the forward pass: few rows go to the helper thread
 * too, when the context has one. */
static void ctx_linear(embed_ctx_t *ctx, const float *x, int m, int k, int ldx, const float *w,
                       const float *b, int n, float *y, int ldy, bool accumulate) {
    const embed_kernels_t *K = ctx->k;
    if (m <= SMALL_M && n >= 96 && ctx->use_helper && K->split_few_rows) {
        if (ctx->helper_skip > 0) {
            ctx->helper_skip--;
        } else {
            if (ctx->helper == NULL) ctx->helper = helper_new();
            if (ctx->helper == NULL) {
                ctx->use_helper = false;
            } else {
                /* Other work holds the second core: stop sharing for the
                 * next ~16 queries rather than wait on a time slice. */
                if (!helper_linear(ctx->helper, K, x, m, k, ldx, w, b, n, y, ldy, accumulate))
                    ctx->helper_skip = HELPER_BACKOFF;
                return;
            }
        }
    }
    K->linear(x, m, k, ldx, w, b, n, y, ldy, accumulate);
}

/* Runs the encoder over the ns window sequences seqs[0…ns) (window
 * positions), packed, and writes each pooled (and normalised) vector to
 * its row of out. */
static void forward(embed_ctx_t *ctx, const int *seqs, int ns, float *out) {
    const embed_model_t *m = ctx->m;
    const embed_info_t *in = &m->info;
    const embed_kernels_t *K = ctx->k;
    const int H = in->hidden, FF = in->intermediate, dh = H / in->heads;
    int *off = ctx->batch_off;
    off[0] = 0;
    for (int s = 0; s < ns; s++) off[s + 1] = off[s] + ctx->seq_len[seqs[s]];
    const int T = off[ns];

    /* embeddings: word + position + token type 0, then LayerNorm */
    for (int s = 0; s < ns; s++) {
        const int32_t *ids = ctx->seq_ids[seqs[s]];
        for (int t = 0; t < off[s + 1] - off[s]; t++) {
            float *r = ctx->x + (size_t)(off[s] + t) * H;
            const float *we = m->word_emb + (size_t)ids[t] * H, *pe = m->pos_emb + (size_t)t * H;
            for (int h = 0; h < H; h++) r[h] = we[h] + pe[h] + m->type_emb[h];
        }
    }
    K->layernorm(ctx->x, T, H, H, m->emb_ln_g, m->emb_ln_b, in->layer_norm_eps);

    float *x = ctx->x, *qkv = ctx->qkv, *attn = ctx->attn, *ffn = ctx->ffn;
    for (int l = 0; l < in->layers; l++) {
        const embed_layer_t *L = &m->layers[l];
        ctx_linear(ctx, x, T, H, H, L->q_w, L->q_b, H, qkv, 3 * H, false);
        ctx_linear(ctx, x, T, H, H, L->k_w, L->k_b, H, qkv + H, 3 * H, false);
        ctx_linear(ctx, x, T, H, H, L->v_w, L->v_b, H, qkv + 2 * H, 3 * H, false);
        for (int s = 0; s < ns; s++) {
            const float *base = qkv + (size_t)off[s] * 3 * H;
            K->attention(base, base + H, base + 2 * H, 3 * H, off[s + 1] - off[s], in->heads, dh,
                         attn + (size_t)off[s] * H, H, ctx->scores);
        }
        ctx_linear(ctx, attn, T, H, H, L->ao_w, L->ao_b, H, x, H, true); /* + residual */
        K->layernorm(x, T, H, H, L->ln1_g, L->ln1_b, in->layer_norm_eps);
        ctx_linear(ctx, x, T, H, H, L->ff1_w, L->ff1_b, FF, ffn, FF, false);
        K->gelu(ffn, (size_t)T * FF);
        ctx_linear(ctx, ffn, T, FF, FF, L->ff2_w, L->ff2_b, H, x, H, true); /* + residual */
        K->layernorm(x, T, H, H, L->ln2_g, L->ln2_b, in->layer_norm_eps);
    }

    for (int s = 0; s < ns; s++) {
        float *v = out + (size_t)seqs[s] * H;
        const int len = off[s + 1] - off[s];
        const float *rows = x + (size_t)off[s] * H;
        if (in->pooling == EMBED_POOL_CLS) {
            memcpy(v, rows, (size_t)H * sizeof *v);
        } else if (in->pooling == EMBED_POOL_MAX) {
            memcpy(v, rows, (size_t)H * sizeof *v);
            for (int t = 1; t < len; t++)
                for (int h = 0; h < H; h++)
                    v[h] = rows[(size_t)t * H + h] > v[h] ? rows[(size_t)t * H + h] : v[h];
        } else {
            memset(v, 0, (size_t)H * sizeof *v);
            for (int t = 0; t < len; t++)
                for (int h = 0; h < H; h++) v[h] += rows[(size_t)t * H + h];
            for (int h = 0; h < H; h++) v[h] /= (float)len;
        }
        if (in->normalize) {
            double ss = 0;
            for (int h = 0; h < H; h++) ss += (double)v[h] * v[h];
            float norm = (float)sqrt(ss);
            float inv = 1.0f / (norm > 1e-12f ? norm : 1e-12f);
            for (int h = 0; h < H; h++) v[h] *= inv;
        }
    }
}

/* Embeds the n sequences now in the window (seq_ids/seq_len), writing row
 * i of out for window position i: sorts by length (counting sort, stable),
 * then runs batches of up to EMBED_MAX_BATCH sequences and batch_tokens
 * tokens. */
static void run_window(embed_ctx_t *ctx, int n, float *out) {
    int *cnt = ctx->len_count;
    memset(cnt, 0, ((size_t)ctx->max_len + 2) * sizeof *cnt);
    for (int i = 0; i < n; i++) cnt[ctx->seq_len[i] + 1]++;
    for (int l = 1; l <= ctx->max_len + 1; l++) cnt[l] += cnt[l - 1];
    for (int i = 0; i < n; i++) ctx->order[cnt[ctx->seq_len[i]]++] = i;

    int start = 0;
    while (start < n) {
        int end = start, tokens = 0;
        while (end < n && end - start < EMBED_MAX_BATCH &&
               tokens + ctx->seq_len[ctx->order[end]] <= ctx->batch_tokens)
            tokens += ctx->seq_len[ctx->order[end++]];
        forward(ctx, ctx->order + start, end - start, out);
        start = end;
    }
}

int embed_ids(embed_ctx_t *ctx, const int32_t *const *ids, const size_t *len, size_t n,
              float *out) {
    if (ctx == NULL || ids == NULL || len == NULL || out == NULL || n == 0) return SAL_EINVAL;
    const embed_info_t *in = &ctx->m->info;
    for (size_t i = 0; i < n; i++) {
        if (ids[i] == NULL || len[i] == 0 || len[i] > (size_t)ctx->max_len) return SAL_EINVAL;
        for (size_t t = 0; t < len[i]; t++)
            if (ids[i][t] < 0 || ids[i][t] >= in->vocab_size) return SAL_EINVAL;
    }
    for (size_t w = 0; w < n; w += WINDOW) {
        const int cnt = n - w < WINDOW ? (int)(n - w) : WINDOW;
        for (int i = 0; i < cnt; i++) {
            ctx->seq_ids[i] = ids[w + i];
            ctx->seq_len[i] = (int)len[w + i];
        }
        run_window(ctx, cnt, out + w * (size_t)in->dims);
    }
    return 0;
}

int embed_texts(embed_ctx_t *ctx, const char *const *texts, const size_t *lens, size_t n,
                float *out) {
    if (ctx == NULL || texts == NULL || out == NULL || n == 0) return SAL_EINVAL;
    const embed_info_t *in = &ctx->m->info;
    const embed_tokenizer_t *tok = ctx->m->tok;
    for (size_t w = 0; w < n; w += WINDOW) {
        const int cnt = n - w < WINDOW ? (int)(n - w) : WINDOW;
        for (int i = 0; i < cnt; i++) {
            const char *t = texts[w + i] ? texts[w + i] : "";
            size_t tl = lens ? lens[w + i] : strlen(t);
            if (texts[w + i] == NULL) tl = 0;
            int32_t *ids = ctx->tok + (size_t)i * ctx->max_len;
            size_t got = 0;
            int rc = embed_tokenize(tok, t, tl, ids, (size_t)ctx->max_len, &got);
            if (rc < 0) return rc;
            ctx->seq_ids[i] = ids;
            ctx->seq_len[i] = (int)got;
        }
        run_window(ctx, cnt, out + w * (size_t)in->dims);
    }
    return 0;
}

/* ---- parallel ---------------------------------------------------------- */

/* Texts are handed out in chunks from an atomic cursor, so a thread that
 * draws short texts takes more chunks. Chunks are at most EMBED_MAX_BATCH
 * texts and small enough that every thread gets about two. */
typedef struct {
    const embed_model_t *m;
    const char *const *texts;
    const size_t *lens;
    size_t n, chunk;
    int batch_tokens; /* each worker's workspace */
    bool helper;      /* one worker: let it use the second core itself */
    float *out;
    atomic_size_t next;
    atomic_int rc;
} par_job_t;

static void *par_worker(void *arg) {
    par_job_t *job = arg;
    embed_ctx_t *ctx = ctx_new(job->m, job->batch_tokens);
    ctx->use_helper = job->helper;
    const size_t dims = (size_t)job->m->info.dims;
    for (;;) {
        size_t start = atomic_fetch_add(&job->next, job->chunk);
        if (start >= job->n) break;
        size_t cnt = job->n - start < job->chunk ? job->n - start : job->chunk;
        int rc = embed_texts(ctx, job->texts + start, job->lens ? job->lens + start : NULL, cnt,
                             job->out + start * dims);
        if (rc < 0) atomic_store(&job->rc, rc);
    }
    embed_ctx_free(ctx);
    return NULL;
}

int embed_texts_parallel(const embed_model_t *m, const char *const *texts, const size_t *lens,
                         size_t n, int threads, float *out) {
    if (m == NULL || texts == NULL || out == NULL || n == 0 || threads < 0) return SAL_EINVAL;
    if (threads == 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        threads = c > 0 ? (int)c : 1;
    }
    if (threads > 256) threads = 256;
    const int requested = threads;
    size_t chunk = (n + 2 * (size_t)threads - 1) / (2 * (size_t)threads);
    chunk = chunk < 1 ? 1 : chunk > EMBED_MAX_BATCH ? EMBED_MAX_BATCH : chunk;
    size_t chunks = (n + chunk - 1) / chunk;
    if ((size_t)threads > chunks) threads = (int)chunks;
    /* A text of len bytes has at most len + 2 tokens: a small job gets a
     * workspace to match instead of the full batch budget. */
    const int max_len = m->info.max_seq_len;
    size_t bound = 0;
    for (size_t i = 0; i < n && bound < BATCH_TOKENS; i++) {
        size_t len = texts[i] == NULL ? 0 : lens ? lens[i] : strlen(texts[i]);
        bound += len + 2 < (size_t)max_len ? len + 2 : (size_t)max_len;
    }
    par_job_t job = {.m = m, .texts = texts, .lens = lens, .n = n, .chunk = chunk, .out = out};
    job.batch_tokens = bound < BATCH_TOKENS ? (int)bound : BATCH_TOKENS;
    job.helper = threads == 1 && requested > 1;
    atomic_init(&job.next, 0);
    atomic_init(&job.rc, 0);
    if (threads <= 1) {
        par_worker(&job);
        return atomic_load(&job.rc);
    }
    /* openblas_set_num_threads is process-wide: each worker's sgemm runs
     * on its own core instead of every worker spawning two more. */
    int blas_threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    pthread_t tids[256];
    int started = 0;
    for (int i = 1; i < threads; i++) {
        if (pthread_create(&tids[started], NULL, par_worker, &job) != 0) break;
        started++;
    }
    par_worker(&job);
    for (int i = 0; i < started; i++) pthread_join(tids[i], NULL);
    openblas_set_num_threads(blas_threads);
    return atomic_load(&job.rc);
}
