/* SPDX-License-Identifier: MIT */
/*
 * Tests for the encoder (bert.c) and the model loader (model.c):
 *
 *   kernels     every fast kernel (linear on sgemm and on packed weights,
 *               layernorm, softmax, gelu, attention) agrees with its
 *               reference loop within 1e-4 relative on random data, across
 *               the shapes that pick its different paths (edge tiles, row
 *               blocks, short / long attention, sizes that are not
 *               multiples of 8 or 16)
 *   tiny BERTs  small random models written as sentence-transformers
 *               directories load and match a double-precision forward pass
 *               written here independently: mean / CLS / max pooling, with
 *               and without Normalize, F32 / F16 / BF16 / misaligned
 *               weights, the "bert." prefix and gamma/beta LayerNorm names
 *   batching    padding invariance, rows in input order across windows,
 *               embed_texts_parallel equal to embed_texts
 *   MiniLM      the real model: fast equals reference on fixed ids, info
 *               and checksums
 *   errors      bad model directories name the file or tensor at fault;
 *               bad arguments give SAL_EINVAL
 *
 * The real model is required at $SALIENT_SOURCE_DIR/models/all-MiniLM-L6-v2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <sodium.h>

#include "knowledge/embed/embed_int.h"
#include "testutil.h"

/* ---- helpers ----------------------------------------------------------- */

static uint64_t rng_state = 88172645463325252ull;
static void rng_seed(uint64_t s) { rng_state = s ? s : 1; }
static uint32_t rng_u32(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}
/* Uniform in [lo, hi). */
static float rng_f(float lo, float hi) {
    return lo + (hi - lo) * (float)(rng_u32() % 1000000) / 1e6f;
}

static float *rand_vec(size_t n, float lo, float hi) {
    if (n > ((size_t)1 << 30)) fail_msg("rand_vec(%zu)", n);
    float *v = malloc((n ? n : 1) * sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++) v[i] = rng_f(lo, hi);
    return v;
}

static float *dup_vec(const float *v, size_t n) {
    if (n > ((size_t)1 << 30)) fail_msg("dup_vec(%zu)", n);
    float *d = malloc((n ? n : 1) * sizeof *d);
    assert_non_null(d);
    memcpy(d, v, n * sizeof *d);
    return d;
}

/* Asserts max |got − want| ≤ tol · max(max |want|, floor). */
static void assert_close(const float *got, const float *want, size_t n, double tol, double floor,
                         const char *what) {
    double mx = floor, err = 0;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(got[i])) fail_msg("%s: value %zu is %f", what, i, (double)got[i]);
        if (fabs(want[i]) > mx) mx = fabs(want[i]);
        double e = fabs((double)got[i] - want[i]);
        if (e > err) {
            err = e;
            at = i;
        }
    }
    if (err > tol * mx)
        fail_msg("%s: |diff| %.3g at %zu (got %.9g want %.9g) > %.1g × %.3g", what, err, at,
                 (double)got[at], (double)want[at], tol, mx);
}

static double cosine(const float *a, const float *b, size_t n) {
    double dot = 0, na = 0, nb = 0;
    for (size_t i = 0; i < n; i++) {
        dot += (double)a[i] * b[i];
        na += (double)a[i] * a[i];
        nb += (double)b[i] * b[i];
    }
    return dot / sqrt(na * nb);
}

/* ---- kernels ----------------------------------------------------------- */

static void kernel_linear_fast_matches_ref(void **state) {
    (void)state;
    const embed_kernels_t *R = embed_kernels(EMBED_KERNEL_REF),
                          *F = embed_kernels(EMBED_KERNEL_FAST);
    const int ms[] = {1, 3, 5, 6, 7, 12, 13, 47, 48, 49, 100};
    const int ks[] = {1, 8, 20, 384};
    const int ns[] = {1, 7, 16, 17, 33, 384};
    rng_seed(1);
    for (size_t a = 0; a < sizeof ms / sizeof *ms; a++)
        for (size_t b = 0; b < sizeof ks / sizeof *ks; b++)
            for (size_t c = 0; c < sizeof ns / sizeof *ns; c++)
                for (int variant = 0; variant < 4; variant++) {
                    const int m = ms[a], k = ks[b], n = ns[c];
                    const bool bias = variant & 1, acc = variant & 2;
                    const int ldx = k + 3, ldy = n + 5;
                    float *x = rand_vec((size_t)m * ldx, -1, 1),
                          *w = rand_vec((size_t)n * k, -1, 1);
                    float *bv = rand_vec((size_t)n, -1, 1);
                    float *y0 = rand_vec((size_t)m * ldy, -1, 1),
                          *y1 = dup_vec(y0, (size_t)m * ldy);
                    float *y2 = dup_vec(y0, (size_t)m * ldy);
                    R->linear(x, m, k, ldx, w, bias ? bv : NULL, n, y0, ldy, acc);
                    F->linear(x, m, k, ldx, w, bias ? bv : NULL, n, y1, ldy, acc);
                    char what[96];
                    snprintf(what, sizeof what, "linear m=%d k=%d n=%d bias=%d acc=%d", m, k, n,
                             bias, acc);
                    assert_close(y1, y0, (size_t)m * ldy, 1e-4, 1, what);
                    if (F->linear_packed != NULL) { /* the kernel the model runs on */
                        float *wp = malloc(embed_packed_floats(n, k) * sizeof(float));
                        assert_non_null(wp);
                        embed_pack(w, n, k, wp);
                        F->linear_packed(x, m, k, ldx, wp, bias ? bv : NULL, n, y2, ldy, acc);
                        snprintf(what, sizeof what, "linear_packed m=%d k=%d n=%d bias=%d acc=%d",
                                 m, k, n, bias, acc);
                        assert_close(y2, y0, (size_t)m * ldy, 1e-4, 1, what);
                        free(wp);
                    }
                    free(y2);
                    free(x), free(w), free(bv), free(y0), free(y1);
                }
}

static void kernel_layernorm_fast_matches_ref(void **state) {
    (void)state;
    const embed_kernels_t *R = embed_kernels(EMBED_KERNEL_REF),
                          *F = embed_kernels(EMBED_KERNEL_FAST);
    const int ns[] = {1, 7, 32, 37, 384};
    rng_seed(2);
    for (size_t c = 0; c < sizeof ns / sizeof *ns; c++) {
        const int m = 9, n = ns[c], ld = n + 2;
        float *x0 = rand_vec((size_t)m * ld, -3, 5), *x1 = dup_vec(x0, (size_t)m * ld);
        float *g = rand_vec((size_t)n, 0.5f, 1.5f), *b = rand_vec((size_t)n, -1, 1);
        R->layernorm(x0, m, n, ld, g, b, 1e-12f);
        F->layernorm(x1, m, n, ld, g, b, 1e-12f);
        assert_close(x1, x0, (size_t)m * ld, 1e-4, 1, "layernorm");
        if (n > 1) { /* and it does normalise: row mean ≈ b's mean when g = 1 */
            for (int j = 0; j < n; j++) g[j] = 1, b[j] = 0;
            F->layernorm(x1, m, n, ld, g, b, 1e-12f);
            double mean = 0, var = 0;
            for (int j = 0; j < n; j++) mean += x1[j];
            mean /= n;
            for (int j = 0; j < n; j++) var += (x1[j] - mean) * (x1[j] - mean);
            assert_true(fabs(mean) < 1e-5);
            assert_true(fabs(var / n - 1) < 1e-4);
        }
        free(x0), free(x1), free(g), free(b);
    }
}

static void kernel_softmax_fast_matches_ref(void **state) {
    (void)state;
    const embed_kernels_t *R = embed_kernels(EMBED_KERNEL_REF),
                          *F = embed_kernels(EMBED_KERNEL_FAST);
    const int ns[] = {1, 2, 5, 8, 13, 64, 257};
    rng_seed(3);
    for (size_t c = 0; c < sizeof ns / sizeof *ns; c++) {
        for (int scale = 0; scale < 3; scale++) {
            const float span = scale == 0 ? 4.0f : scale == 1 ? 60.0f : 3000.0f;
            const int n = ns[c];
            float *x0 = rand_vec((size_t)n, -span, span), *x1 = dup_vec(x0, (size_t)n);
            R->softmax(x0, n);
            F->softmax(x1, n);
            assert_close(x1, x0, (size_t)n, 1e-4, 1e-3, "softmax");
            double sum = 0;
            for (int i = 0; i < n; i++) sum += x1[i];
            assert_true(fabs(sum - 1) < 1e-5); /* finite and normalised, even at ±3000 */
            free(x0), free(x1);
        }
    }
}

static void kernel_gelu_fast_matches_ref(void **state) {
    (void)state;
    const embed_kernels_t *R = embed_kernels(EMBED_KERNEL_REF),
                          *F = embed_kernels(EMBED_KERNEL_FAST);
    const size_t n = 20011; /* not a multiple of 8 */
    float *x0 = malloc(n * sizeof *x0);
    assert_non_null(x0);
    for (size_t i = 0; i < n; i++) x0[i] = -12.0f + 24.0f * (float)i / (float)(n - 1);
    x0[0] = 0.0f, x0[1] = -0.0f, x0[2] = 100.0f, x0[3] = -100.0f, x0[4] = 1e-30f;
    float *x1 = dup_vec(x0, n);
    R->gelu(x0, n);
    F->gelu(x1, n);
    /* Element-wise: relative to max(|ref|, 1e-3), so the tiny negative tail
     * (gelu(−5) ≈ −1.4e-6) is held to absolute 1e-7. */
    for (size_t i = 0; i < n; i++) {
        double tol = 1e-4 * fmax(fabs(x0[i]), 1e-3);
        if (!(fabs((double)x1[i] - x0[i]) <= tol))
            fail_msg("gelu at %zu: %.9g vs %.9g", i, (double)x1[i], (double)x0[i]);
    }
    assert_true(x1[2] == 100.0f && fabsf(x1[3]) < 1e-30f);
    free(x0), free(x1);
}

static void kernel_attention_fast_matches_ref(void **state) {
    (void)state;
    const embed_kernels_t *R = embed_kernels(EMBED_KERNEL_REF),
                          *F = embed_kernels(EMBED_KERNEL_FAST);
    const int lens[] = {1, 2, 5, 12, 47, 48, 49, 64, 130};
    const int dhs[] = {32, 12, 5};
    rng_seed(4);
    for (size_t a = 0; a < sizeof lens / sizeof *lens; a++)
        for (size_t b = 0; b < sizeof dhs / sizeof *dhs; b++) {
            const int len = lens[a], dh = dhs[b], heads = 3, H = heads * dh, ld = 3 * H + 4,
                      ldo = H + 3;
            float *qkv = rand_vec((size_t)len * ld, -2, 2);
            float *o0 = rand_vec((size_t)len * ldo, 0, 1), *o1 = dup_vec(o0, (size_t)len * ldo);
            float *scratch = malloc((size_t)len * len * sizeof(float));
            assert_non_null(scratch);
            R->attention(qkv, qkv + H, qkv + 2 * H, ld, len, heads, dh, o0, ldo, scratch);
            F->attention(qkv, qkv + H, qkv + 2 * H, ld, len, heads, dh, o1, ldo, scratch);
            char what[64];
            snprintf(what, sizeof what, "attention len=%d dh=%d", len, dh);
            assert_close(o1, o0, (size_t)len * ldo, 1e-4, 1, what);
            free(qkv), free(o0), free(o1), free(scratch);
        }
}

/* ---- tiny models ------------------------------------------------------- */

typedef struct {
    int layers, hidden, heads, inter, vocab, max_pos, max_seq;
    embed_pooling_t pooling;
    bool normalize;
    embed_dtype_t dtype;   /* F32, F16 or BF16 */
    bool bert_prefix;      /* "bert." names and LayerNorm gamma/beta */
    bool misalign;         /* F32 data at an odd offset in the file */
    const char *skip;      /* leave out the tensor with this (unprefixed) name */
    const char *bad_shape; /* write this tensor one row short */
} tiny_cfg_t;

enum {
    T_Q_W,
    T_Q_B,
    T_K_W,
    T_K_B,
    T_V_W,
    T_V_B,
    T_AO_W,
    T_AO_B,
    T_LN1_G,
    T_LN1_B,
    T_FF1_W,
    T_FF1_B,
    T_FF2_W,
    T_FF2_B,
    T_LN2_G,
    T_LN2_B,
    T_N
};

typedef struct {
    tiny_cfg_t cfg;
    float *word, *pos, *type, *eln_g, *eln_b;
    float *layer[8][T_N];
} tiny_t;

static const char *const TINY_VOCAB[] = {
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the",  "quick", "brown", "fox",  "jumps",
    "over",  "lazy",  "dog",   "sales", "price",  "roi",  "cfo",   "deal",  "##s",  "##ing",
    ".",     ",",     "?",     "a",     "b",      "team", "win",   "pitch", "call", "email",
};
#define TINY_VOCAB_N (sizeof TINY_VOCAB / sizeof *TINY_VOCAB)

/* Weights that are exact in F16 and BF16 (k/1024, |k| < 256), so the
 * three dtypes hold the same numbers. */
static float *tiny_weights(size_t n, bool is_gamma) {
    float *v = malloc(n * sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++) {
        int k = (int)(rng_u32() % 511) - 255;
        v[i] = is_gamma ? 1.0f + (float)(k / 16) / 128.0f : (float)k / 1024.0f;
    }
    return v;
}

static uint16_t to_half(float f) { /* exact for the values above */
    if (f == 0) return 0;
    uint16_t sign = f < 0 ? 0x8000 : 0;
    int e;
    float m = frexpf(fabsf(f), &e); /* f = m · 2^e, m in [0.5, 1) */
    uint16_t man = (uint16_t)lrintf((m * 2 - 1) * 1024);
    return (uint16_t)(sign | (uint16_t)((e - 1 + 15) << 10) | man);
}

static uint16_t to_bf16(float f) {
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return (uint16_t)(b >> 16);
}

typedef struct {
    char name[160];
    int ndim;
    int64_t shape[2];
    const float *data;
    bool is_i64;
} st_entry_t;

static void write_safetensors(const char *path, const st_entry_t *e, size_t n, embed_dtype_t dt,
                              bool misalign) {
    const size_t es = dt == EMBED_F32 ? 4 : 2;
    sal_buf_t h;
    sal_buf_init(&h, 0);
    sal_buf_puts(&h, "{\"__metadata__\":{\"format\":\"pt\"}");
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        size_t count = (size_t)e[i].shape[0] * (size_t)(e[i].ndim == 2 ? e[i].shape[1] : 1);
        size_t bytes = count * (e[i].is_i64 ? 8 : es);
        const char *dts = e[i].is_i64       ? "I64"
                          : dt == EMBED_F32 ? "F32"
                          : dt == EMBED_F16 ? "F16"
                                            : "BF16";
        if (e[i].ndim == 2)
            sal_buf_printf(
                &h, ",\"%s\":{\"dtype\":\"%s\",\"shape\":[%lld,%lld],\"data_offsets\":[%zu,%zu]}",
                e[i].name, dts, (long long)e[i].shape[0], (long long)e[i].shape[1], off,
                off + bytes);
        else
            sal_buf_printf(&h,
                           ",\"%s\":{\"dtype\":\"%s\",\"shape\":[%lld],\"data_offsets\":[%zu,%zu]}",
                           e[i].name, dts, (long long)e[i].shape[0], off, off + bytes);
        off += bytes;
    }
    sal_buf_puts(&h, "}");
    while ((8 + h.len) % 8 != (misalign ? 1u : 0u)) sal_buf_puts(&h, " ");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    unsigned char len8[8];
    for (int i = 0; i < 8; i++) len8[i] = (unsigned char)(((uint64_t)h.len >> (8 * i)) & 0xff);
    assert_int_equal(fwrite(len8, 1, 8, f), 8);
    assert_int_equal(fwrite(h.data, 1, h.len, f), h.len);
    for (size_t i = 0; i < n; i++) {
        size_t count = (size_t)e[i].shape[0] * (size_t)(e[i].ndim == 2 ? e[i].shape[1] : 1);
        for (size_t j = 0; j < count; j++) {
            if (e[i].is_i64) {
                int64_t v = (int64_t)j;
                assert_int_equal(fwrite(&v, 8, 1, f), 1);
            } else if (dt == EMBED_F32) {
                assert_int_equal(fwrite(&e[i].data[j], 4, 1, f), 1);
            } else {
                uint16_t v = dt == EMBED_F16 ? to_half(e[i].data[j]) : to_bf16(e[i].data[j]);
                assert_int_equal(fwrite(&v, 2, 1, f), 1);
            }
        }
    }
    assert_int_equal(fclose(f), 0);
    sal_buf_free(&h);
}

static void tiny_free(tiny_t *t) {
    free(t->word), free(t->pos), free(t->type), free(t->eln_g), free(t->eln_b);
    for (int l = 0; l < t->cfg.layers; l++)
        for (int i = 0; i < T_N; i++) free(t->layer[l][i]);
}

static void write_text(const char *dir, const char *name, const char *text) {
    char p[1024];
    tu_path(p, sizeof p, dir, name);
    tu_write_str(p, text);
}

/* Writes a sentence-transformers directory for cfg with random weights
 * into dir, and keeps the weights in t for the reference forward pass. */
static void tiny_write(const char *dir, const tiny_cfg_t *cfg, uint64_t seed, tiny_t *t) {
    memset(t, 0, sizeof *t);
    t->cfg = *cfg;
    rng_seed(seed);
    const int H = cfg->hidden, FF = cfg->inter;
    char buf[2048];
    snprintf(
        buf, sizeof buf,
        "{\"architectures\":[\"BertModel\"],\"model_type\":\"bert\",\"hidden_act\":\"gelu\","
        "\"hidden_size\":%d,\"num_hidden_layers\":%d,\"num_attention_heads\":%d,"
        "\"intermediate_size\":%d,\"vocab_size\":%d,\"max_position_embeddings\":%d,"
        "\"type_vocab_size\":2,\"layer_norm_eps\":1e-12,\"position_embedding_type\":\"absolute\"}",
        H, cfg->layers, cfg->heads, FF, cfg->vocab, cfg->max_pos);
    write_text(dir, "config.json", buf);
    write_text(
        dir, "tokenizer_config.json",
        "{\"do_lower_case\": true, \"strip_accents\": null, \"tokenize_chinese_chars\": true}");
    snprintf(buf, sizeof buf, "{\"max_seq_length\": %d, \"do_lower_case\": false}", cfg->max_seq);
    write_text(dir, "sentence_bert_config.json", buf);
    sal_buf_t mods;
    sal_buf_init(&mods, 0);
    sal_buf_puts(&mods, "[{\"idx\":0,\"name\":\"0\",\"path\":\"\",\"type\":\"sentence_transformers."
                        "models.Transformer\"},"
                        "{\"idx\":1,\"name\":\"1\",\"path\":\"1_Pooling\",\"type\":\"sentence_"
                        "transformers.models.Pooling\"}");
    if (cfg->normalize)
        sal_buf_puts(&mods, ",{\"idx\":2,\"name\":\"2\",\"path\":\"2_Normalize\",\"type\":"
                            "\"sentence_transformers.models.Normalize\"}");
    sal_buf_puts(&mods, "]");
    write_text(dir, "modules.json", mods.data);
    sal_buf_free(&mods);
    char pdir[1024];
    tu_path(pdir, sizeof pdir, dir, "1_Pooling");
    assert_int_equal(mkdir(pdir, 0755), 0);
    snprintf(buf, sizeof buf,
             "{\"word_embedding_dimension\": %d, \"pooling_mode_cls_token\": %s, "
             "\"pooling_mode_mean_tokens\": %s, \"pooling_mode_max_tokens\": %s, "
             "\"pooling_mode_mean_sqrt_len_tokens\": false}",
             H, cfg->pooling == EMBED_POOL_CLS ? "true" : "false",
             cfg->pooling == EMBED_POOL_MEAN ? "true" : "false",
             cfg->pooling == EMBED_POOL_MAX ? "true" : "false");
    write_text(pdir, "config.json", buf);
    sal_buf_t voc;
    sal_buf_init(&voc, 0);
    for (size_t i = 0; i < TINY_VOCAB_N; i++) sal_buf_printf(&voc, "%s\n", TINY_VOCAB[i]);
    write_text(dir, "vocab.txt", voc.data);
    sal_buf_free(&voc);

    st_entry_t e[8 + 8 * T_N];
    size_t n = 0;
    const char *pre = cfg->bert_prefix ? "bert." : "";
    const char *lnw = cfg->bert_prefix ? "gamma" : "weight",
               *lnb = cfg->bert_prefix ? "beta" : "bias";
#define ADD(ptr, nd, d0, d1, ...)                                                                  \
    do {                                                                                           \
        char nm[128];                                                                              \
        snprintf(nm, sizeof nm, __VA_ARGS__);                                                      \
        e[n].ndim = nd, e[n].shape[0] = d0, e[n].shape[1] = d1, e[n].data = ptr, e[n].is_i64 = 0;  \
        if (cfg->bad_shape && strcmp(nm, cfg->bad_shape) == 0) e[n].shape[0]--;                    \
        snprintf(e[n].name, sizeof e[n].name, "%s%s", pre, nm);                                    \
        if (!(cfg->skip && strcmp(nm, cfg->skip) == 0)) n++;                                       \
    } while (0)
    t->word = tiny_weights((size_t)cfg->vocab * H, false);
    t->pos = tiny_weights((size_t)cfg->max_pos * H, false);
    t->type = tiny_weights((size_t)2 * H, false);
    t->eln_g = tiny_weights((size_t)H, true);
    t->eln_b = tiny_weights((size_t)H, false);
    ADD(t->word, 2, cfg->vocab, H, "embeddings.word_embeddings.weight");
    ADD(t->pos, 2, cfg->max_pos, H, "embeddings.position_embeddings.weight");
    ADD(t->type, 2, 2, H, "embeddings.token_type_embeddings.weight");
    ADD(t->eln_g, 1, H, 0, "embeddings.LayerNorm.%s", lnw);
    ADD(t->eln_b, 1, H, 0, "embeddings.LayerNorm.%s", lnb);
    e[n].ndim = 2, e[n].shape[0] = 1, e[n].shape[1] = cfg->max_pos, e[n].is_i64 = true;
    snprintf(e[n].name, sizeof e[n].name, "%sembeddings.position_ids", pre);
    n++;
    static const char *const names[T_N] = {"attention.self.query.weight",
                                           "attention.self.query.bias",
                                           "attention.self.key.weight",
                                           "attention.self.key.bias",
                                           "attention.self.value.weight",
                                           "attention.self.value.bias",
                                           "attention.output.dense.weight",
                                           "attention.output.dense.bias",
                                           "attention.output.LayerNorm.",
                                           "attention.output.LayerNorm.",
                                           "intermediate.dense.weight",
                                           "intermediate.dense.bias",
                                           "output.dense.weight",
                                           "output.dense.bias",
                                           "output.LayerNorm.",
                                           "output.LayerNorm."};
    for (int l = 0; l < cfg->layers; l++) {
        for (int i = 0; i < T_N; i++) {
            int rows = i == T_FF1_W || i == T_FF1_B ? FF : H;
            int cols = i == T_FF1_W ? H : i == T_FF2_W ? FF : H;
            bool is_vec = i % 2 == 1 || i == T_LN1_G || i == T_LN2_G;
            bool gamma = i == T_LN1_G || i == T_LN2_G;
            t->layer[l][i] = tiny_weights((size_t)rows * (is_vec ? 1 : (size_t)cols), gamma);
            char suffix[96];
            bool is_ln = i == T_LN1_G || i == T_LN1_B || i == T_LN2_G || i == T_LN2_B;
            snprintf(suffix, sizeof suffix, "%s%s", names[i], !is_ln ? "" : gamma ? lnw : lnb);
            ADD(t->layer[l][i], is_vec ? 1 : 2, rows, is_vec ? 0 : cols, "encoder.layer.%d.%s", l,
                suffix);
        }
    }
#undef ADD
    char p[1024];
    tu_path(p, sizeof p, dir, "model.safetensors");
    write_safetensors(p, e, n, cfg->dtype, cfg->misalign);
}

/* The forward pass again, in double precision and without any of the
 * engine's code: the reference for the tiny models. */
static void ref_layernorm(double *x, int n, const float *g, const float *b) {
    double mean = 0, var = 0;
    for (int i = 0; i < n; i++) mean += x[i];
    mean /= n;
    for (int i = 0; i < n; i++) var += (x[i] - mean) * (x[i] - mean);
    var /= n;
    for (int i = 0; i < n; i++) x[i] = (x[i] - mean) / sqrt(var + 1e-12) * g[i] + b[i];
}

static void ref_forward(const tiny_t *t, const int32_t *ids, int len, float *out) {
    const int H = t->cfg.hidden, FF = t->cfg.inter, nh = t->cfg.heads, dh = H / nh;
    double *x = calloc((size_t)len * H, sizeof *x), *q = calloc((size_t)len * H, sizeof *q),
           *k = calloc((size_t)len * H, sizeof *k), *v = calloc((size_t)len * H, sizeof *v),
           *c = calloc((size_t)len * H, sizeof *c), *f = calloc((size_t)FF, sizeof *f),
           *p = calloc((size_t)len, sizeof *p);
    assert_true(x && q && k && v && c && f && p);
    for (int i = 0; i < len; i++) {
        for (int h = 0; h < H; h++)
            x[i * H + h] = (double)t->word[ids[i] * H + h] + t->pos[i * H + h] + t->type[h];
        ref_layernorm(x + i * H, H, t->eln_g, t->eln_b);
    }
    for (int l = 0; l < t->cfg.layers; l++) {
        float *const *W = t->layer[l];
        for (int i = 0; i < len; i++)
            for (int o = 0; o < H; o++) {
                double sq = W[T_Q_B][o], sk = W[T_K_B][o], sv = W[T_V_B][o];
                for (int j = 0; j < H; j++) {
                    sq += x[i * H + j] * W[T_Q_W][o * H + j];
                    sk += x[i * H + j] * W[T_K_W][o * H + j];
                    sv += x[i * H + j] * W[T_V_W][o * H + j];
                }
                q[i * H + o] = sq, k[i * H + o] = sk, v[i * H + o] = sv;
            }
        for (int h = 0; h < nh; h++)
            for (int i = 0; i < len; i++) {
                double mx = -INFINITY, sum = 0;
                for (int j = 0; j < len; j++) {
                    double s = 0;
                    for (int d = 0; d < dh; d++) s += q[i * H + h * dh + d] * k[j * H + h * dh + d];
                    p[j] = s / sqrt((double)dh);
                    mx = fmax(mx, p[j]);
                }
                for (int j = 0; j < len; j++) sum += (p[j] = exp(p[j] - mx));
                for (int d = 0; d < dh; d++) {
                    double s = 0;
                    for (int j = 0; j < len; j++) s += p[j] / sum * v[j * H + h * dh + d];
                    c[i * H + h * dh + d] = s;
                }
            }
        for (int i = 0; i < len; i++) {
            double y[64];
            for (int o = 0; o < H; o++) {
                double s = W[T_AO_B][o];
                for (int j = 0; j < H; j++) s += c[i * H + j] * W[T_AO_W][o * H + j];
                y[o] = x[i * H + o] + s;
            }
            ref_layernorm(y, H, W[T_LN1_G], W[T_LN1_B]);
            for (int o = 0; o < FF; o++) {
                double s = W[T_FF1_B][o];
                for (int j = 0; j < H; j++) s += y[j] * W[T_FF1_W][o * H + j];
                f[o] = 0.5 * s * (1 + erf(s / sqrt(2.0)));
            }
            for (int o = 0; o < H; o++) {
                double s = W[T_FF2_B][o];
                for (int j = 0; j < FF; j++) s += f[j] * W[T_FF2_W][o * FF + j];
                x[i * H + o] = y[o] + s;
            }
            ref_layernorm(x + i * H, H, W[T_LN2_G], W[T_LN2_B]);
        }
    }
    double pooled[64], norm = 0;
    for (int h = 0; h < H; h++) {
        double a = t->cfg.pooling == EMBED_POOL_MEAN ? 0 : x[h];
        for (int i = t->cfg.pooling == EMBED_POOL_MEAN ? 0 : 1; i < len; i++) {
            if (t->cfg.pooling == EMBED_POOL_MEAN) a += x[i * H + h];
            if (t->cfg.pooling == EMBED_POOL_MAX) a = fmax(a, x[i * H + h]);
        }
        pooled[h] = t->cfg.pooling == EMBED_POOL_MEAN ? a / len : a;
        norm += pooled[h] * pooled[h];
    }
    for (int h = 0; h < H; h++)
        out[h] = (float)(t->cfg.normalize ? pooled[h] / sqrt(norm) : pooled[h]);
    free(x), free(q), free(k), free(v), free(c), free(f), free(p);
}

static const tiny_cfg_t TINY_BASE = {
    .layers = 2,
    .hidden = 32,
    .heads = 4,
    .inter = 64,
    .vocab = 40,
    .max_pos = 64,
    .max_seq = 48,
    .pooling = EMBED_POOL_MEAN,
    .normalize = true,
    .dtype = EMBED_F32,
};

typedef struct {
    char dir[512];
    char err[512];
} fixture_t;

static int setup(void **state) {
    fixture_t *fx = calloc(1, sizeof *fx);
    if (fx == NULL) return -1;
    tu_mkdtemp(fx->dir, sizeof fx->dir);
    *state = fx;
    return 0;
}

static int teardown(void **state) {
    fixture_t *fx = *state;
    tu_rmrf(fx->dir);
    free(fx);
    return 0;
}

/* A fresh subdirectory of the fixture's. */
static void subdir(const fixture_t *fx, const char *name, char *out, size_t cap) {
    tu_path(out, cap, fx->dir, name);
    assert_int_equal(mkdir(out, 0755), 0);
}

static embed_model_t *load_ok(const char *dir) {
    embed_model_t *m = NULL;
    char err[512] = "";
    int rc = embed_model_load(dir, &m, err, sizeof err);
    if (rc != 0) fail_msg("embed_model_load(%s): %d %s", dir, rc, err);
    return m;
}

/* Random id sequences [CLS] … [SEP] over the tiny vocabulary. */
static void tiny_ids(int32_t *ids, int len) {
    ids[0] = 2;
    for (int i = 1; i < len - 1; i++) ids[i] = 5 + (int32_t)(rng_u32() % (TINY_VOCAB_N - 5));
    ids[len - 1] = 3;
}

static void check_tiny(fixture_t *fx, const char *name, const tiny_cfg_t *cfg) {
    char dir[1024];
    subdir(fx, name, dir, sizeof dir);
    tiny_t t;
    tiny_write(dir, cfg, 42, &t);
    embed_model_t *m = load_ok(dir);
    const embed_info_t *in = embed_model_info(m);
    assert_int_equal(in->hidden, cfg->hidden);
    assert_int_equal(in->dims, cfg->hidden);
    assert_int_equal(in->layers, cfg->layers);
    assert_int_equal(in->heads, cfg->heads);
    assert_int_equal(in->intermediate, cfg->inter);
    assert_int_equal(in->max_seq_len, cfg->max_seq);
    assert_int_equal((int)in->pooling, (int)cfg->pooling);
    assert_int_equal(in->normalize, cfg->normalize);
    assert_string_equal(in->name, name);

    const int lens[] = {2, 3, 9, 17, 48, 5};
    enum { NS = sizeof lens / sizeof *lens };
    int32_t ids[NS][48];
    const int32_t *idp[NS];
    size_t lp[NS];
    rng_seed(7);
    for (int s = 0; s < NS; s++) {
        tiny_ids(ids[s], lens[s]);
        idp[s] = ids[s];
        lp[s] = (size_t)lens[s];
    }
    const size_t H = (size_t)cfg->hidden;
    float *got = calloc(NS * H, sizeof *got), *want = calloc(H, sizeof *want);
    assert_true(got && want);
    for (int kern = 0; kern < 2; kern++) {
        embed_ctx_t *ctx = embed_ctx_new(m);
        embed_ctx_set_kernel(ctx, kern ? EMBED_KERNEL_REF : EMBED_KERNEL_FAST);
        assert_int_equal(embed_ids(ctx, idp, lp, NS, got), 0);
        for (int s = 0; s < NS; s++) {
            ref_forward(&t, ids[s], lens[s], want);
            char what[128];
            snprintf(what, sizeof what, "%s %s seq %d (len %d)", name, kern ? "ref" : "fast", s,
                     lens[s]);
            assert_close(got + s * H, want, H, 1e-4, 1e-2, what);
            double norm = 0;
            for (size_t h = 0; h < H; h++) norm += got[s * H + h] * got[s * H + h];
            if (cfg->normalize)
                assert_true(fabs(norm - 1) < 1e-5);
            else
                assert_true(fabs(norm - 1) > 1e-3);
        }
        embed_ctx_free(ctx);
    }
    free(got), free(want);
    embed_model_free(m);
    tiny_free(&t);
}

static void tiny_mean_normalized_f32(void **state) { check_tiny(*state, "tiny-mean", &TINY_BASE); }

static void tiny_cls_no_normalize_f16_prefixed(void **state) {
    tiny_cfg_t c = TINY_BASE;
    c.hidden = 20, c.heads = 4, c.inter = 36; /* dims that are not multiples of 8 */
    c.pooling = EMBED_POOL_CLS, c.normalize = false, c.dtype = EMBED_F16, c.bert_prefix = true;
    check_tiny(*state, "tiny-cls", &c);
}

static void tiny_max_bf16(void **state) {
    tiny_cfg_t c = TINY_BASE;
    c.layers = 1, c.hidden = 24, c.heads = 2, c.inter = 40;
    c.pooling = EMBED_POOL_MAX, c.dtype = EMBED_BF16;
    check_tiny(*state, "tiny-max", &c);
}

static void tiny_misaligned_f32(void **state) {
    tiny_cfg_t c = TINY_BASE;
    c.layers = 3, c.misalign = true;
    check_tiny(*state, "tiny-misaligned", &c);
}

/* The same weights as F32, F16 and BF16 files give the same vectors. */
static void tiny_dtypes_agree(void **state) {
    fixture_t *fx = *state;
    const embed_dtype_t dts[3] = {EMBED_F32, EMBED_F16, EMBED_BF16};
    float out[3][32];
    int32_t ids[12];
    rng_seed(9);
    tiny_ids(ids, 12);
    const int32_t *idp[1] = {ids};
    size_t lp[1] = {12};
    for (int d = 0; d < 3; d++) {
        char dir[1024], name[32];
        snprintf(name, sizeof name, "dt%d", d);
        subdir(fx, name, dir, sizeof dir);
        tiny_cfg_t c = TINY_BASE;
        c.dtype = dts[d];
        tiny_t t;
        tiny_write(dir, &c, 77, &t);
        tiny_free(&t);
        embed_model_t *m = load_ok(dir);
        embed_ctx_t *ctx = embed_ctx_new(m);
        assert_int_equal(embed_ids(ctx, idp, lp, 1, out[d]), 0);
        embed_ctx_free(ctx);
        embed_model_free(m);
    }
    assert_memory_equal(out[0], out[1], sizeof out[0]);
    assert_memory_equal(out[0], out[2], sizeof out[0]);
}

/* ---- batching ---------------------------------------------------------- */

/* n texts of 0..70 words from the tiny vocabulary (some truncated at
 * max_seq_len), joined with spaces. */
static char **tiny_texts(size_t n, size_t **lens_out) {
    char **texts = calloc(n, sizeof *texts);
    size_t *lens = calloc(n, sizeof *lens);
    assert_true(texts && lens);
    for (size_t i = 0; i < n; i++) {
        sal_buf_t b;
        sal_buf_init(&b, 0);
        int words = (int)(rng_u32() % 71);
        if (i % 17 == 0) words = 0;
        for (int w = 0; w < words; w++) {
            const char *tok = TINY_VOCAB[5 + rng_u32() % (TINY_VOCAB_N - 5)];
            if (tok[0] == '#') tok = "dog";
            sal_buf_printf(&b, "%s%s", w ? " " : "", tok);
        }
        texts[i] = b.data ? b.data : strdup("");
        lens[i] = b.len;
    }
    *lens_out = lens;
    return texts;
}

static void rows_come_back_in_input_order(void **state) {
    fixture_t *fx = *state;
    char dir[1024];
    subdir(fx, "order", dir, sizeof dir);
    tiny_t t;
    tiny_write(dir, &TINY_BASE, 5, &t);
    tiny_free(&t);
    embed_model_t *m = load_ok(dir);
    const size_t n = 300, H = 32; /* more than one window of 256 */
    rng_seed(11);
    size_t *lens;
    char **texts = tiny_texts(n, &lens);
    float *all = calloc(n * H, sizeof *all), *one = calloc(H, sizeof *one);
    assert_true(all && one);
    embed_ctx_t *ctx = embed_ctx_new(m);
    assert_int_equal(embed_texts(ctx, (const char *const *)texts, lens, n, all), 0);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(embed_texts(ctx, (const char *const *)&texts[i], &lens[i], 1, one), 0);
        char what[64];
        snprintf(what, sizeof what, "row %zu", i);
        assert_close(all + i * H, one, H, 1e-5, 1, what);
    }
    /* and the parallel version gives the same rows, whatever the threads */
    float *par = calloc(n * H, sizeof *par);
    assert_non_null(par);
    const int threads[] = {0, 1, 2, 3};
    for (size_t k = 0; k < 4; k++) {
        memset(par, 0, n * H * sizeof *par);
        assert_int_equal(
            embed_texts_parallel(m, (const char *const *)texts, lens, n, threads[k], par), 0);
        assert_close(par, all, n * H, 1e-5, 1, "embed_texts_parallel");
    }
    assert_int_equal(embed_texts_parallel(m, (const char *const *)texts, lens, 0, 2, par),
                     SAL_EINVAL);
    for (size_t i = 0; i < n; i++) free(texts[i]);
    free(texts), free(lens), free(all), free(one), free(par);
    embed_ctx_free(ctx);
    embed_model_free(m);
}

/* ---- the real model ---------------------------------------------------- */

static embed_model_t *minilm;

static int minilm_setup(void **state) {
    (void)state;
    const char *src = getenv("SALIENT_SOURCE_DIR");
    if (src == NULL || src[0] == '\0') {
        fprintf(stderr, "SALIENT_SOURCE_DIR is not set\n");
        return -1;
    }
    char dir[4096], err[512] = "";
    snprintf(dir, sizeof dir, "%s/models/all-MiniLM-L6-v2", src);
    if (embed_model_load(dir, &minilm, err, sizeof err) != 0) {
        fprintf(stderr, "the model is required: %s\n", err);
        return -1;
    }
    return 0;
}

static int minilm_teardown(void **state) {
    (void)state;
    embed_model_free(minilm);
    return 0;
}

/* "how do we prove roi to a cfo?", "hello", and 60 ids from the PRNG: 75
 * rows take the sgemm paths, each alone the few-rows and direct ones. */
static const int32_t IDS_A[] = {101,  2129, 2079,  2057, 6011, 25223,
                                2000, 1037, 12935, 2080, 1029, 102};
static const int32_t IDS_B[] = {101, 7592, 102};

static void minilm_fast_matches_ref(void **state) {
    (void)state;
    int32_t longer[60];
    rng_seed(12);
    longer[0] = 101;
    for (int i = 1; i < 59; i++) longer[i] = 1996 + (int32_t)(rng_u32() % 20000);
    longer[59] = 102;
    const int32_t *ids[3] = {IDS_A, IDS_B, longer};
    size_t lens[3] = {sizeof IDS_A / sizeof *IDS_A, 3, 60};
    float fast[3 * 384], ref[3 * 384];
    embed_ctx_t *f = embed_ctx_new(minilm), *r = embed_ctx_new(minilm);
    embed_ctx_set_kernel(r, EMBED_KERNEL_REF);
    assert_int_equal(embed_ids(f, ids, lens, 3, fast), 0);
    assert_int_equal(embed_ids(r, ids, lens, 3, ref), 0);
    for (int s = 0; s < 3; s++) {
        assert_true(cosine(fast + s * 384, ref + s * 384, 384) > 0.999999);
        assert_close(fast + s * 384, ref + s * 384, 384, 1e-4, 1e-2, "minilm fast vs ref");
    }
    /* one at a time (the few-rows kernel) equals the batch (sgemm) */
    for (int s = 0; s < 3; s++) {
        float one[384];
        assert_int_equal(embed_ids(f, &ids[s], &lens[s], 1, one), 0);
        assert_close(one, fast + s * 384, 384, 1e-4, 1e-2, "minilm alone vs batch");
    }
    embed_ctx_free(f);
    embed_ctx_free(r);
}

static void minilm_padding_invariance(void **state) {
    (void)state;
    const char *texts[] = {
        "How do we prove ROI to a CFO?",
        "Our platform consolidates pipeline data from every CRM, forecasts quarterly bookings and "
        "surfaces the deals most at risk before the end of the quarter, so managers spend less "
        "time on reports and more on coaching their teams.",
        "hello",
        "Pricing is per seat with volume discounts above two hundred users.",
    };
    size_t lens[4];
    for (int i = 0; i < 4; i++) lens[i] = strlen(texts[i]);
    float batch[4 * 384], one[384];
    embed_ctx_t *ctx = embed_ctx_new(minilm);
    assert_int_equal(embed_texts(ctx, texts, lens, 4, batch), 0);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(embed_texts(ctx, &texts[i], &lens[i], 1, one), 0);
        assert_close(batch + i * 384, one, 384, 1e-5, 1e-1, "alone vs in a batch");
    }
    embed_ctx_free(ctx);
}

static void minilm_empty_text_is_cls_sep(void **state) {
    (void)state;
    embed_ctx_t *ctx = embed_ctx_new(minilm);
    const char *texts[1] = {""};
    size_t lens[1] = {0};
    const int32_t cls_sep[2] = {101, 102}, *ids[1] = {cls_sep};
    size_t idl[1] = {2};
    float a[384], b[384];
    assert_int_equal(embed_texts(ctx, texts, lens, 1, a), 0);
    assert_int_equal(embed_ids(ctx, ids, idl, 1, b), 0);
    assert_memory_equal(a, b, sizeof a);
    embed_ctx_free(ctx);
}

static void minilm_bad_arguments(void **state) {
    (void)state;
    embed_ctx_t *ctx = embed_ctx_new(minilm);
    float out[2 * 384];
    const char *texts[1] = {"x"};
    size_t lens[1] = {1};
    assert_int_equal(embed_texts(ctx, texts, lens, 0, out), SAL_EINVAL);
    assert_int_equal(embed_texts(NULL, texts, lens, 1, out), SAL_EINVAL);
    assert_int_equal(embed_texts(ctx, texts, lens, 1, NULL), SAL_EINVAL);
    int32_t bad[3] = {101, 30522, 102}, neg[3] = {101, -1, 102}, *longer = calloc(257, 4);
    assert_non_null(longer);
    const int32_t *ids[2] = {IDS_A, bad};
    size_t idl[2] = {sizeof IDS_A / sizeof *IDS_A, 3};
    assert_int_equal(embed_ids(ctx, ids, idl, 0, out), SAL_EINVAL);
    assert_int_equal(embed_ids(ctx, ids, idl, 2, out), SAL_EINVAL); /* id past the vocabulary */
    ids[1] = neg;
    assert_int_equal(embed_ids(ctx, ids, idl, 2, out), SAL_EINVAL);
    ids[1] = longer;
    idl[1] = 257; /* max_seq_len is 256 */
    assert_int_equal(embed_ids(ctx, ids, idl, 2, out), SAL_EINVAL);
    idl[1] = 0;
    assert_int_equal(embed_ids(ctx, ids, idl, 2, out), SAL_EINVAL);
    idl[1] = 256;
    assert_int_equal(embed_ids(ctx, ids, idl, 2, out), 0);
    free(longer);
    embed_ctx_free(ctx);
    embed_ctx_free(NULL);
    embed_model_free(NULL);
    assert_null(embed_ctx_new(NULL));
}

static void sha256_file_hex(const char *path, char hex[65]) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    crypto_hash_sha256_state s;
    crypto_hash_sha256_init(&s);
    unsigned char buf[1 << 16], h[32];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) crypto_hash_sha256_update(&s, buf, n);
    fclose(f);
    crypto_hash_sha256_final(&s, h);
    sodium_bin2hex(hex, 65, h, sizeof h);
}

static void minilm_info(void **state) {
    (void)state;
    const embed_info_t *in = embed_model_info(minilm);
    assert_string_equal(in->name, "all-MiniLM-L6-v2");
    assert_string_equal(in->architecture, "BertModel");
    assert_int_equal(in->layers, 6);
    assert_int_equal(in->hidden, 384);
    assert_int_equal(in->heads, 12);
    assert_int_equal(in->intermediate, 1536);
    assert_int_equal(in->vocab_size, 30522);
    assert_int_equal(in->max_position, 512);
    assert_int_equal(in->type_vocab_size, 2);
    assert_int_equal(in->max_seq_len, 256);
    assert_int_equal(in->dims, 384);
    assert_int_equal(in->pooling, EMBED_POOL_MEAN);
    assert_true(in->normalize);
    assert_true(in->lower_case);
    assert_true(in->layer_norm_eps > 0 && in->layer_norm_eps < 1e-11);
    char want[65], path[4096];
    snprintf(path, sizeof path, "%s/models/all-MiniLM-L6-v2/model.safetensors",
             getenv("SALIENT_SOURCE_DIR"));
    sha256_file_hex(path, want);
    assert_string_equal(in->weights_sha256, want);
    snprintf(path, sizeof path, "%s/models/all-MiniLM-L6-v2/vocab.txt",
             getenv("SALIENT_SOURCE_DIR"));
    sha256_file_hex(path, want);
    assert_string_equal(in->vocab_sha256, want);
    assert_ptr_equal(embed_model_info(minilm), in);
    assert_non_null(embed_model_tokenizer(minilm));
    assert_int_equal(embed_tokenizer_vocab_size(embed_model_tokenizer(minilm)), 30522);
}

/* ---- bad model directories --------------------------------------------- */

/* Loading dir fails with rc and an error containing every needle. */
static void load_fails(const char *dir, int want_rc, const char *needle1, const char *needle2) {
    embed_model_t *m = (embed_model_t *)0x1;
    char err[512] = "";
    int rc = embed_model_load(dir, &m, err, sizeof err);
    if (rc != want_rc) fail_msg("%s: expected %d, got %d (%s)", dir, want_rc, rc, err);
    assert_null(m);
    if (needle1 && strstr(err, needle1) == NULL)
        fail_msg("error \"%s\" does not name \"%s\"", err, needle1);
    if (needle2 && strstr(err, needle2) == NULL)
        fail_msg("error \"%s\" does not name \"%s\"", err, needle2);
}

/* A good tiny model in fx->dir/name, returned in dir. */
static void good_tiny(fixture_t *fx, const char *name, const tiny_cfg_t *cfg, char *dir,
                      size_t cap) {
    subdir(fx, name, dir, cap);
    tiny_t t;
    tiny_write(dir, cfg ? cfg : &TINY_BASE, 3, &t);
    tiny_free(&t);
}

static void bad_model_dirs_name_the_culprit(void **state) {
    fixture_t *fx = *state;
    char dir[1024], p[1200];

    tu_path(dir, sizeof dir, fx->dir, "no-such-dir");
    load_fails(dir, SAL_ENOTFOUND, "no-such-dir", NULL);

    good_tiny(fx, "no-config", NULL, dir, sizeof dir);
    tu_path(p, sizeof p, dir, "config.json");
    assert_int_equal(unlink(p), 0);
    load_fails(dir, SAL_ENOTFOUND, "config.json", NULL);

    good_tiny(fx, "corrupt-config", NULL, dir, sizeof dir);
    write_text(dir, "config.json", "{\"hidden_size\": 32,");
    load_fails(dir, SAL_EINVAL, "config.json", NULL);
    write_text(dir, "config.json", "[]");
    load_fails(dir, SAL_EINVAL, "config.json", NULL);
    write_text(dir, "config.json", "{\"num_hidden_layers\": 2}");
    load_fails(dir, SAL_EINVAL, "config.json", "hidden_size");
    write_text(dir, "config.json",
               "{\"hidden_size\": 32, \"num_hidden_layers\": 2, \"num_attention_heads\": 5,"
               "\"intermediate_size\": 64, \"vocab_size\": 40, \"max_position_embeddings\": 64}");
    load_fails(dir, SAL_EINVAL, "config.json", "num_attention_heads");
    write_text(dir, "config.json",
               "{\"hidden_size\": -32, \"num_hidden_layers\": 2, \"num_attention_heads\": 4,"
               "\"intermediate_size\": 64, \"vocab_size\": 40, \"max_position_embeddings\": 64}");
    load_fails(dir, SAL_EINVAL, "config.json", "hidden_size");
    write_text(dir, "config.json",
               "{\"hidden_size\": 32, \"num_hidden_layers\": 2, \"num_attention_heads\": 4,"
               "\"intermediate_size\": 64, \"vocab_size\": 40, \"max_position_embeddings\": 64,"
               "\"hidden_act\": \"relu\"}");
    load_fails(dir, SAL_EINVAL, "config.json", "hidden_act");
    write_text(dir, "config.json",
               "{\"hidden_size\": 32, \"num_hidden_layers\": 2, \"num_attention_heads\": 4,"
               "\"intermediate_size\": 64, \"vocab_size\": 40, \"max_position_embeddings\": 64,"
               "\"model_type\": \"roberta\"}");
    load_fails(dir, SAL_EINVAL, "config.json", "roberta");

    good_tiny(fx, "no-modules", NULL, dir, sizeof dir);
    tu_path(p, sizeof p, dir, "modules.json");
    assert_int_equal(unlink(p), 0);
    load_fails(dir, SAL_ENOTFOUND, "modules.json", NULL);
    write_text(dir, "modules.json",
               "[{\"idx\":0,\"name\":\"0\",\"path\":\"\",\"type\":\"sentence_transformers.models."
               "Transformer\"},"
               "{\"idx\":1,\"name\":\"1\",\"path\":\"1_Pooling\",\"type\":\"sentence_transformers."
               "models.Pooling\"},"
               "{\"idx\":2,\"name\":\"2\",\"path\":\"2_Dense\",\"type\":\"sentence_transformers."
               "models.Dense\"}]");
    load_fails(dir, SAL_EINVAL, "modules.json", "Dense");
    write_text(dir, "modules.json",
               "[{\"idx\":0,\"name\":\"0\",\"path\":\"\",\"type\":\"sentence_transformers.models."
               "Transformer\"},"
               "{\"idx\":1,\"name\":\"1\",\"path\":\"../../"
               "etc\",\"type\":\"sentence_transformers.models.Pooling\"}]");
    load_fails(dir, SAL_EINVAL, "modules.json", "Pooling");

    good_tiny(fx, "bad-pooling", NULL, dir, sizeof dir);
    write_text(dir, "1_Pooling/config.json",
               "{\"word_embedding_dimension\": 32, \"pooling_mode_cls_token\": true,"
               "\"pooling_mode_mean_tokens\": true}");
    load_fails(dir, SAL_EINVAL, "1_Pooling/config.json", "pooling");
    write_text(dir, "1_Pooling/config.json",
               "{\"word_embedding_dimension\": 16, \"pooling_mode_mean_tokens\": true}");
    load_fails(dir, SAL_EINVAL, "1_Pooling/config.json", "word_embedding_dimension");
    tu_path(p, sizeof p, dir, "1_Pooling/config.json");
    assert_int_equal(unlink(p), 0);
    load_fails(dir, SAL_ENOTFOUND, "1_Pooling/config.json", NULL);

    good_tiny(fx, "no-vocab", NULL, dir, sizeof dir);
    tu_path(p, sizeof p, dir, "vocab.txt");
    assert_int_equal(unlink(p), 0);
    embed_model_t *m = NULL;
    char err[512] = "";
    assert_true(embed_model_load(dir, &m, err, sizeof err) < 0);
    assert_null(m);
    assert_non_null(strstr(err, "vocab.txt"));

    good_tiny(fx, "no-tokcfg", NULL, dir, sizeof dir);
    tu_path(p, sizeof p, dir, "tokenizer_config.json");
    assert_int_equal(unlink(p), 0);
    load_fails(dir, SAL_ENOTFOUND, "tokenizer_config.json", NULL);

    good_tiny(fx, "no-weights", NULL, dir, sizeof dir);
    tu_path(p, sizeof p, dir, "model.safetensors");
    assert_int_equal(unlink(p), 0);
    load_fails(dir, SAL_ENOTFOUND, "model.safetensors", NULL);
    tu_write(p, "\x10\0\0\0\0\0\0\0{}", 10);
    load_fails(dir, SAL_EINVAL, "model.safetensors", NULL);

    tiny_cfg_t c = TINY_BASE;
    c.skip = "encoder.layer.1.output.dense.weight";
    good_tiny(fx, "missing-tensor", &c, dir, sizeof dir);
    load_fails(dir, SAL_EINVAL, "model.safetensors", "encoder.layer.1.output.dense.weight");

    c = TINY_BASE;
    c.bad_shape = "encoder.layer.0.attention.self.key.weight";
    good_tiny(fx, "wrong-shape", &c, dir, sizeof dir);
    load_fails(dir, SAL_EINVAL, "encoder.layer.0.attention.self.key.weight", "shape");

    c = TINY_BASE;
    c.bad_shape = "embeddings.word_embeddings.weight";
    good_tiny(fx, "wrong-vocab", &c, dir, sizeof dir);
    load_fails(dir, SAL_EINVAL, "embeddings.word_embeddings.weight", "shape");

    /* the directory name is not the model: a good one loads */
    good_tiny(fx, "fine", NULL, dir, sizeof dir);
    m = load_ok(dir);
    embed_model_free(m);
}

int main(void) {
    const struct CMUnitTest kernels[] = {
        cmocka_unit_test(kernel_linear_fast_matches_ref),
        cmocka_unit_test(kernel_layernorm_fast_matches_ref),
        cmocka_unit_test(kernel_softmax_fast_matches_ref),
        cmocka_unit_test(kernel_gelu_fast_matches_ref),
        cmocka_unit_test(kernel_attention_fast_matches_ref),
    };
    const struct CMUnitTest tiny[] = {
        cmocka_unit_test_setup_teardown(tiny_mean_normalized_f32, setup, teardown),
        cmocka_unit_test_setup_teardown(tiny_cls_no_normalize_f16_prefixed, setup, teardown),
        cmocka_unit_test_setup_teardown(tiny_max_bf16, setup, teardown),
        cmocka_unit_test_setup_teardown(tiny_misaligned_f32, setup, teardown),
        cmocka_unit_test_setup_teardown(tiny_dtypes_agree, setup, teardown),
        cmocka_unit_test_setup_teardown(rows_come_back_in_input_order, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_model_dirs_name_the_culprit, setup, teardown),
    };
    const struct CMUnitTest real[] = {
        cmocka_unit_test(minilm_fast_matches_ref),
        cmocka_unit_test(minilm_padding_invariance),
        cmocka_unit_test(minilm_empty_text_is_cls_sep),
        cmocka_unit_test(minilm_bad_arguments),
        cmocka_unit_test(minilm_info),
    };
    int failed = cmocka_run_group_tests_name("kernels", kernels, NULL, NULL);
    failed += cmocka_run_group_tests_name("tiny models", tiny, NULL, NULL);
    failed += cmocka_run_group_tests_name("all-MiniLM-L6-v2", real, minilm_setup, minilm_teardown);
    return failed;
}
