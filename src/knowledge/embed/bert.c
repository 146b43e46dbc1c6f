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
 * fast version. The fast linear layer runs on weights that model.c packs
 * at load into 16-output panels: a 6 × 16 AVX2/FMA kernel then streams
 * each panel sequentially with no horizontal sums. It beats cblas_sgemm at
 * every batch size measured up to 256 rows (OpenBLAS repacks the weights
 * on every call, which dominates for the few rows of a query) and matches
 * it beyond. LayerNorm, GELU (erf through a vectorised erfc, error
 * ~1e-7), softmax and short-sequence attention have AVX2/FMA versions
 * selected at run time (the build has no -march); long sequences' attention
 * is two cblas_sgemm per head. Without AVX2/FMA the fast set is OpenBLAS
 * plus the reference loops.
 *
 * Threads: a context splits every step over two cores itself (see "a
 * second core" below), which is what makes one short query fast;
 * embed_texts_parallel instead gives each core its own texts.
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
 * the kernels at full speed while the workspace stays ~30 MB for MiniLM
 * instead of the ~250 MB that EMBED_MAX_BATCH × 256 tokens would need. */
#define BATCH_TOKENS 2048
/* Texts tokenized, sorted and batched together. */
#define WINDOW (4 * EMBED_MAX_BATCH)
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

static void attention_portable(const float *q, const float *k, const float *v, int ld, int len,
                               int heads, int dh, float *out, int ldo, float *scratch) {
    if (len <= ATTN_DIRECT_MAX)
        attention_ref(q, k, v, ld, len, heads, dh, out, ldo, scratch);
    else
        attention_blas(q, k, v, ld, len, heads, dh, out, ldo, scratch, softmax_ref);
}

static const embed_kernels_t kernels_portable = {
    .name = "blas",
    .linear = linear_blas,
    .layernorm = layernorm_ref,
    .gelu = gelu_ref,
    .softmax = softmax_ref,
    .attention = attention_portable,
};

/* ---- fast kernels: AVX2 + FMA ------------------------------------------ */

#if HAVE_X86
/* Unoptimised intrinsics are ~20× slower, which would make the -O0
 * sanitizer build's tests crawl; gcc optimises these kernels anyway. */
#if defined(__GNUC__) && !defined(__clang__) && !defined(__OPTIMIZE__)
#define AVX2 __attribute__((target("avx2,fma"), optimize("O2")))
#else
#define AVX2 __attribute__((target("avx2,fma")))
#endif

AVX2 static inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* ---- packed weights: 16-output panels -------------------------------- */

/* A linear layer's weight [n × k] repacked as ceil(n/16) panels of
 * [k × 16] (outputs past n zero): the 6 × 16 kernel below then reads each
 * panel as one sequential stream, 16 outputs per 64-byte line, and needs
 * no horizontal sums. */
size_t embed_packed_floats(int n, int k) { return (size_t)((n + 15) / 16) * 16 * (size_t)k; }

void embed_pack(const float *w, int n, int k, float *out) {
    for (int j0 = 0; j0 < n; j0 += 16) {
        float *panel = out + (size_t)j0 * k;
        for (int p = 0; p < k; p++)
            for (int c = 0; c < 16; c++)
                panel[(size_t)p * 16 + c] = j0 + c < n ? w[(size_t)(j0 + c) * k + p] : 0.0f;
    }
}

#define MK_ROW(r)                                                                                  \
    do {                                                                                           \
        __m256 xb = _mm256_broadcast_ss(x##r + p);                                                 \
        c##r##0 = _mm256_fmadd_ps(xb, w0, c##r##0);                                                \
        c##r##1 = _mm256_fmadd_ps(xb, w1, c##r##1);                                                \
    } while (0)

/* y[rows × cols] (+)= x[rows × k] · panel + b for up to 6 rows and 16
 * outputs: 12 accumulators, one broadcast of x per row and k. */
AVX2 __attribute__((noinline)) static void mk_6x16(const float *x, int ldx, int rows,
                                                   const float *panel, int k, const float *b,
                                                   int cols, float *y, int ldy, bool accumulate) {
    const float *x0 = x, *x1 = rows > 1 ? x + ldx : x, *x2 = rows > 2 ? x + 2 * (size_t)ldx : x;
    const float *x3 = rows > 3 ? x + 3 * (size_t)ldx : x, *x4 = rows > 4 ? x + 4 * (size_t)ldx : x;
    const float *x5 = rows > 5 ? x + 5 * (size_t)ldx : x;
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
           c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    for (int p = 0; p < k; p++) {
        const __m256 w0 = _mm256_loadu_ps(panel + (size_t)p * 16),
                     w1 = _mm256_loadu_ps(panel + (size_t)p * 16 + 8);
        MK_ROW(0);
        MK_ROW(1);
        MK_ROW(2);
        MK_ROW(3);
        MK_ROW(4);
        MK_ROW(5);
    }
    float t[6][16];
    _mm256_storeu_ps(t[0], c00), _mm256_storeu_ps(t[0] + 8, c01);
    _mm256_storeu_ps(t[1], c10), _mm256_storeu_ps(t[1] + 8, c11);
    _mm256_storeu_ps(t[2], c20), _mm256_storeu_ps(t[2] + 8, c21);
    _mm256_storeu_ps(t[3], c30), _mm256_storeu_ps(t[3] + 8, c31);
    _mm256_storeu_ps(t[4], c40), _mm256_storeu_ps(t[4] + 8, c41);
    _mm256_storeu_ps(t[5], c50), _mm256_storeu_ps(t[5] + 8, c51);
    for (int r = 0; r < rows; r++) {
        float *yr = y + (size_t)r * ldy;
        for (int c = 0; c < cols; c++) {
            float v = t[r][c] + (b ? b[c] : 0.0f);
            yr[c] = accumulate ? yr[c] + v : v;
        }
    }
}
#undef MK_ROW

/* y[m × n] (+)= x · wᵀ + b over the panels of outputs [j0, j1) (multiples
 * of 16, or n). Rows go in blocks of 48 so a block of x stays in L2 while
 * every panel passes over it. */
AVX2 static void linear_packed_avx2(const float *x, int m, int k, int ldx, const float *wp,
                                    const float *b, int n, float *y, int ldy, bool accumulate) {
    for (int i0 = 0; i0 < m; i0 += 48) {
        const int i1 = m - i0 < 48 ? m : i0 + 48;
        for (int j = 0; j < n; j += 16) {
            const float *panel = wp + (size_t)j * k;
            const int cols = n - j < 16 ? n - j : 16;
            for (int i = i0; i < i1; i += 6)
                mk_6x16(x + (size_t)i * ldx, ldx, i1 - i < 6 ? i1 - i : 6, panel, k,
                        b ? b + j : NULL, cols, y + (size_t)i * ldy + j, ldy, accumulate);
        }
    }
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
    .linear = linear_blas,
    .linear_packed = linear_packed_avx2,
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

/* ---- a second core: a two-thread parallel for ------------------------- */

/* OpenBLAS's threading does not pay on the products of one short query
 * (12 rows run slower on two threads than on one), and its idle workers
 * spin on the core another thread wants. So the engine threads itself: a
 * context may own one helper thread, and each step of the forward pass
 * (a linear layer, the attention heads, GELU) is cut into items that both
 * threads claim from one atomic word until none are left. If the helper is
 * not running (the other core is busy elsewhere), the caller simply does
 * every item itself, so a loaded machine costs at most one item of
 * waiting; when even that takes too long the context works alone for
 * HELPER_BACKOFF_US.
 *
 * The claim word packs the job's sequence number, its item count and the
 * next item index, so a claim always names the job it belongs to. Between
 * jobs the helper spins for HELPER_SPIN_US, then sleeps on a condition
 * variable. */
#define HELPER_SPIN_US    100
#define HELPER_CHUNKS     8
#define HELPER_BACKOFF_US 50000

/* Runs item i of a job; scratch is the running thread's own
 * ATTN_ROWS × max_len floats. */
typedef void (*par_item_fn)(const void *job, int i, float *scratch);

typedef struct {
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    atomic_bool sleeping;
    atomic_bool quit;
    _Atomic uint64_t claim; /* seq:16 | items:16 | next index:32 */
    atomic_int done;        /* items finished in the current job */
    /* the job, written before claim is published */
    par_item_fn fn;
    const void *job;
    float *scratch; /* the helper's own; owned */
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

static inline uint32_t claim_seq(uint64_t c) { return (uint32_t)(c >> 48); }
static inline uint32_t claim_items(uint64_t c) { return (uint32_t)(c >> 32) & 0xffff; }
static inline uint32_t claim_next(uint64_t c) { return (uint32_t)c; }

/* Claims and runs items of the published job until none are left;
 * returns the job's sequence number and adds the items run to *ran. */
static uint32_t helper_work(helper_t *h, float *scratch, int *ran) {
    for (;; (*ran)++) {
        uint64_t c = atomic_fetch_add(&h->claim, 1);
        uint32_t i = claim_next(c);
        if (i >= claim_items(c)) return claim_seq(c);
        h->fn(h->job, (int)i, scratch);
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
        int ran = 0;
        last = helper_work(h, h->scratch, &ran);
    }
}

static helper_t *helper_new(size_t scratch_floats) {
    helper_t *h = xcalloc(1, sizeof *h);
    h->scratch = xmalloc(scratch_floats * sizeof(float));
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    atomic_init(&h->sleeping, false);
    atomic_init(&h->quit, false);
    atomic_init(&h->claim, 0);
    atomic_init(&h->done, 0);
    if (pthread_create(&h->tid, NULL, helper_main, h) != 0) {
        pthread_cond_destroy(&h->cv);
        pthread_mutex_destroy(&h->mu);
        free(h->scratch);
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
    free(h->scratch);
    free(h);
}

/* Runs items 0…n-1 of job on both threads (n ≤ 65535). Returns false when
 * the helper stalled us (preempted inside an item it had claimed). */
static bool helper_run(helper_t *h, par_item_fn fn, const void *job, int n, float *scratch) {
    h->fn = fn, h->job = job;
    atomic_store(&h->done, 0);
    uint32_t seq = (claim_seq(atomic_load(&h->claim)) + 1) & 0xffff;
    if (seq == 0) seq = 1; /* 0 is "no job yet" */
    atomic_store(&h->claim, (uint64_t)seq << 48 | (uint64_t)n << 32);
    if (atomic_load(&h->sleeping)) {
        pthread_mutex_lock(&h->mu);
        pthread_cond_signal(&h->cv);
        pthread_mutex_unlock(&h->mu);
    }
    const double t0 = mono_us();
    int ran = 0;
    helper_work(h, scratch, &ran);
    /* Only items the helper claimed and is still running are left. If
     * that takes much longer than an item takes us, the helper is not
     * running: yield rather than spin against it, and report the stall. */
    const double t1 = mono_us(), item_us = ran > 0 ? (t1 - t0) / ran : 1000;
    bool prompt = true;
    for (unsigned spins = 0; atomic_load(&h->done) != n; spins++) {
        if (!prompt) {
            sched_yield();
        } else {
            cpu_relax();
            if (spins % 64 == 63 && mono_us() - t1 > 2 * item_us + 50) prompt = false;
        }
    }
    return prompt;
}

/* ---- the steps of the forward pass as parallel jobs -------------------- */

/* A linear layer over a packed weight. A few rows: items are runs of whole
 * 16-output panels, each weight byte read once. Many rows: items are
 * blocks of 48 rows (the kernel's row block), so each thread keeps its
 * rows in L2 while all the panels pass. */
typedef struct {
    const embed_kernels_t *k;
    const float *x, *wp, *b;
    float *y;
    int m, k_dim, ldx, n, ldy, chunk;
    bool accumulate, by_rows;
} linear_job_t;

static void linear_item(const void *job, int i, float *scratch) {
    (void)scratch;
    const linear_job_t *j = job;
    if (j->by_rows) {
        const int r0 = i * j->chunk, r1 = r0 + j->chunk < j->m ? r0 + j->chunk : j->m;
        j->k->linear_packed(j->x + (size_t)r0 * j->ldx, r1 - r0, j->k_dim, j->ldx, j->wp, j->b,
                            j->n, j->y + (size_t)r0 * j->ldy, j->ldy, j->accumulate);
    } else {
        const int n0 = i * j->chunk, n1 = n0 + j->chunk < j->n ? n0 + j->chunk : j->n;
        j->k->linear_packed(j->x, j->m, j->k_dim, j->ldx, j->wp + (size_t)n0 * j->k_dim,
                            j->b ? j->b + n0 : NULL, n1 - n0, j->y + n0, j->ldy, j->accumulate);
    }
}

/* Attention: one item per sequence and head. */
typedef struct {
    const embed_kernels_t *k;
    const float *qkv; /* [T × 3H] */
    float *out;       /* [T × H] */
    const int *off;   /* sequence s is rows off[s]…off[s+1] */
    int hidden, heads, dh;
} attn_job_t;

static void attn_item(const void *job, int i, float *scratch) {
    const attn_job_t *j = job;
    const int s = i / j->heads, h = i % j->heads, H = j->hidden;
    const float *base = j->qkv + (size_t)j->off[s] * 3 * H + h * j->dh;
    j->k->attention(base, base + H, base + 2 * H, 3 * H, j->off[s + 1] - j->off[s], 1, j->dh,
                    j->out + (size_t)j->off[s] * H + h * j->dh, H, scratch);
}

/* GELU: one item per block of 32 rows. */
typedef struct {
    const embed_kernels_t *k;
    float *x;
    int rows, cols;
} gelu_job_t;

static void gelu_item(const void *job, int i, float *scratch) {
    (void)scratch;
    const gelu_job_t *j = job;
    const int r0 = i * 32, r1 = r0 + 32 < j->rows ? r0 + 32 : j->rows;
    j->k->gelu(j->x + (size_t)r0 * j->cols, (size_t)(r1 - r0) * j->cols);
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
    bool use_helper;        /* share the work with a helper thread */
    helper_t *helper;       /* started on first use */
    double helper_retry_us; /* after a stall, run alone until this time */
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
    ctx->use_helper = sysconf(_SC_NPROCESSORS_ONLN) > 1;
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

/* Runs items 0…n-1 of job: on both threads when the context has a
 * helper that is keeping up, else here alone. */
static void ctx_run(embed_ctx_t *ctx, par_item_fn fn, const void *job, int n) {
    if (n > 1 && n <= 0xffff && ctx->use_helper &&
        (ctx->helper_retry_us == 0 || mono_us() >= ctx->helper_retry_us)) {
        if (ctx->helper == NULL) {
            ctx->helper = helper_new((size_t)ATTN_ROWS * (size_t)ctx->max_len);
            if (ctx->helper == NULL) ctx->use_helper = false;
        }
        if (ctx->helper != NULL) {
            /* Other work holds the second core: stop sharing for a while
             * rather than wait on its time slices. */
            if (!helper_run(ctx->helper, fn, job, n, ctx->scores))
                ctx->helper_retry_us = mono_us() + HELPER_BACKOFF_US;
            return;
        }
    }
    for (int i = 0; i < n; i++) fn(job, i, ctx->scores);
}

/* A linear layer of the forward pass: the packed kernel when the model
 * has packed weights (shared with the helper), else the kernel set's
 * linear on the plain weight. */
static void ctx_linear(embed_ctx_t *ctx, const float *x, int m, int k, int ldx, const float *w,
                       const float *wp, const float *b, int n, float *y, int ldy, bool accumulate) {
    const embed_kernels_t *K = ctx->k;
    if (wp == NULL || K->linear_packed == NULL) {
        K->linear(x, m, k, ldx, w, b, n, y, ldy, accumulate);
        return;
    }
    linear_job_t job = {.k = K,
                        .x = x,
                        .wp = wp,
                        .b = b,
                        .y = y,
                        .m = m,
                        .k_dim = k,
                        .ldx = ldx,
                        .n = n,
                        .ldy = ldy,
                        .accumulate = accumulate};
    job.by_rows = m > 2 * 48;
    if (job.by_rows) {
        job.chunk = 48;
    } else {
        const int panels = (n + 15) / 16;
        job.chunk = (panels + HELPER_CHUNKS - 1) / HELPER_CHUNKS * 16;
    }
    ctx_run(ctx, linear_item, &job, ((job.by_rows ? m : n) + job.chunk - 1) / job.chunk);
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
        ctx_linear(ctx, x, T, H, H, L->q_w, L->q_p, L->q_b, H, qkv, 3 * H, false);
        ctx_linear(ctx, x, T, H, H, L->k_w, L->k_p, L->k_b, H, qkv + H, 3 * H, false);
        ctx_linear(ctx, x, T, H, H, L->v_w, L->v_p, L->v_b, H, qkv + 2 * H, 3 * H, false);
        const attn_job_t aj = {
            .k = K, .qkv = qkv, .out = attn, .off = off, .hidden = H, .heads = in->heads, .dh = dh};
        ctx_run(ctx, attn_item, &aj, ns * in->heads);
        ctx_linear(ctx, attn, T, H, H, L->ao_w, L->ao_p, L->ao_b, H, x, H, true); /* + residual */
        K->layernorm(x, T, H, H, L->ln1_g, L->ln1_b, in->layer_norm_eps);
        ctx_linear(ctx, x, T, H, H, L->ff1_w, L->ff1_p, L->ff1_b, FF, ffn, FF, false);
        const gelu_job_t gj = {.k = K, .x = ffn, .rows = T, .cols = FF};
        ctx_run(ctx, gelu_item, &gj, (T + 31) / 32);
        ctx_linear(ctx, ffn, T, FF, FF, L->ff2_w, L->ff2_p, L->ff2_b, H, x, H,
                   true); /* + residual */
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
