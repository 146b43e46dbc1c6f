/* SPDX-License-Identifier: MIT */
/*
 * Private to the embed module: the loaded model (model.c fills it, bert.c
 * runs it) and the compute kernels, each with a plain reference version and
 * a fast one (OpenBLAS sgemm, AVX2/FMA loops chosen at run time) that the
 * tests hold to the reference.
 *
 * All matrices are row-major float32. A linear layer's weight is
 * [out × in] as PyTorch stores it, so y = x · Wᵀ + b.
 */
#ifndef SALIENT_EMBED_INT_H
#define SALIENT_EMBED_INT_H

#include <pthread.h>

#include "knowledge/embed/embed.h"

/* One encoder layer's weights; every pointer borrows from the mapping,
 * from the model's converted copies or from its packed buffer. */
typedef struct {
    const float *q_w, *q_b, *k_w, *k_b, *v_w, *v_b; /* [H × H], [H] */
    const float *ao_w, *ao_b;                       /* attention output [H × H], [H] */
    const float *ln1_g, *ln1_b;                     /* [H] */
    const float *ff1_w, *ff1_b;                     /* intermediate [I × H], [I] */
    const float *ff2_w, *ff2_b;                     /* output [H × I], [H] */
    const float *ln2_g, *ln2_b;                     /* [H] */
    /* the six weights again, packed for linear_packed (NULL: not packed) */
    const float *q_p, *k_p, *v_p, *ao_p, *ff1_p, *ff2_p;
} embed_layer_t;

struct embed_model {
    embed_info_t info;
    embed_st_t *st;         /* owned; the F32 weights point into it */
    embed_tokenizer_t *tok; /* owned */
    const float *word_emb;  /* [vocab × H] */
    const float *pos_emb;   /* [max_position × H] */
    const float *type_emb;  /* [type_vocab × H]; row 0 is used */
    const float *emb_ln_g, *emb_ln_b;
    embed_layer_t *layers; /* [layers]; owned */
    float **owned;         /* F16/BF16 (or misaligned) tensors converted to F32 */
    float *packed;         /* every layer's packed weights; owned */
    size_t n_owned;
    /* weights_sha256 is filled on the first embed_model_info() call:
     * hashing 90 MB takes ~300 ms, too much for every load. */
    pthread_mutex_t sha_lock;
    bool sha_done;
};

/* The whole mapped file, for the weights checksum. */
void embed_st_bytes(const embed_st_t *st, const void **data, size_t *len);
/* Drops the resident pages wholly inside [p, p + len) when that lies in
 * the mapping (a later read faults them back in from the file). */
void embed_st_release(const embed_st_t *st, const void *p, size_t len);

/* ---- kernels ----------------------------------------------------------- */

typedef struct {
    const char *name;
    /* The few-rows kernel behind linear (NULL when there is none): the
     * context splits it over two threads for short queries, where
     * OpenBLAS's own threading does not pay. */
    /* linear over a weight packed by embed_pack (NULL when the kernel set
     * has none; the model then packs nothing) */
    void (*linear_packed)(const float *x, int m, int k, int ldx, const float *wp, const float *b,
                          int n, float *y, int ldy, bool accumulate);
    void (*linear_rows)(const float *x, int m, int k, int ldx, const float *w, const float *b,
                        int n, float *y, int ldy, bool accumulate);
    /* y[m × n] (row stride ldy) = (accumulate ? y : 0) + x[m × k] (stride
     * ldx) · w[n × k]ᵀ + b (b may be NULL). */
    void (*linear)(const float *x, int m, int k, int ldx, const float *w, const float *b, int n,
                   float *y, int ldy, bool accumulate);
    /* Each of m rows of n (stride ld) becomes (x − mean) / sqrt(var + eps) · g + b. */
    void (*layernorm)(float *x, int m, int n, int ld, const float *g, const float *b, float eps);
    /* x = x · Φ(x), the exact (erf) GELU, over n contiguous values. */
    void (*gelu)(float *x, size_t n);
    /* A numerically stable softmax over n contiguous values, in place. */
    void (*softmax)(float *x, int n);
    /* Scaled dot-product attention of one sequence of len tokens: q, k, v
     * are [len × heads·dh] with row stride ld (head h in columns
     * h·dh…); out gets [len × heads·dh] with row stride ldo. scratch holds
     * min(len, 64) × len floats. */
    void (*attention)(const float *q, const float *k, const float *v, int ld, int len, int heads,
                      int dh, float *out, int ldo, float *scratch);
} embed_kernels_t;

/* Packing for linear_packed: the floats a packed [n × k] weight takes,
 * and the packing itself (out must hold embed_packed_floats(n, k)). */
size_t embed_packed_floats(int n, int k);
void embed_pack(const float *w, int n, int k, float *out);

/* The kernel set for k; the fast one picks AVX2/FMA when the CPU has it. */
const embed_kernels_t *embed_kernels(embed_kernel_t k);

#endif
