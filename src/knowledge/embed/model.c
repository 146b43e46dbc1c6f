/* SPDX-License-Identifier: MIT */
/*
 * Loading a sentence-transformers model directory: the BERT configuration
 * (config.json), the tokenizer options (tokenizer_config.json,
 * sentence_bert_config.json), the module list (modules.json: Transformer,
 * Pooling, optional Normalize), the pooling mode (1_Pooling/config.json)
 * and the weights (model.safetensors). Every tensor the encoder reads is
 * looked up by name (with or without the "bert." prefix) and its shape
 * checked against the configuration, so bert.c can index the weights
 * without further checks. F32 weights stay in the mapping; F16/BF16 ones
 * are converted to F32 once here; the six matrices of every layer are
 * also packed for the fast kernel (bert.c's embed_pack). Every error names
 * the file (and the tensor) it is about.
 */
#include <cblas.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "knowledge/embed/embed_int.h"

/* Bounds on configuration values: far above any BERT-family sentence
 * model, low enough that no size computed from them can overflow. */
#define CFG_MAX_HIDDEN       16384
#define CFG_MAX_LAYERS       256
#define CFG_MAX_INTERMEDIATE 65536
#define CFG_MAX_VOCAB        (4 * 1024 * 1024)
#define CFG_MAX_POSITION     8192 /* also bounds max_seq_len and so the workspaces */
#define CFG_MAX_TYPES        1024

/* Loads path as a JSON object into *out (new reference). A missing file is
 * SAL_ENOTFOUND (or 0 with *out NULL when optional). */
static int load_json(const char *path, bool optional, json_t **out, char *err, size_t errcap) {
    *out = NULL;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (optional && errno == ENOENT) return 0;
        sal_errf(err, errcap, "%s: %s", path, strerror(errno));
        return errno == ENOENT ? SAL_ENOTFOUND : SAL_EIO;
    }
    json_error_t jerr;
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (j == NULL) {
        sal_errf(err, errcap, "%s: line %d: %s", path, jerr.line, jerr.text);
        return SAL_EINVAL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        sal_errf(err, errcap, "%s: not a JSON object", path);
        return SAL_EINVAL;
    }
    *out = j;
    return 0;
}

/* Reads integer key into *out when present (def otherwise), within
 * [lo, hi]. */
static int json_int_field(const json_t *obj, const char *path, const char *key, bool required,
                          int def, int lo, int hi, int *out, char *err, size_t errcap) {
    const json_t *v = json_object_get(obj, key);
    if (v == NULL || json_is_null(v)) {
        if (required) {
            sal_errf(err, errcap, "%s: missing \"%s\"", path, key);
            return SAL_EINVAL;
        }
        *out = def;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        sal_errf(err, errcap, "%s: \"%s\" must be an integer in %d..%d", path, key, lo, hi);
        return SAL_EINVAL;
    }
    *out = (int)json_integer_value(v);
    return 0;
}

/* Reads an optional boolean; null or absent gives def. */
static int json_bool_field(const json_t *obj, const char *path, const char *key, bool def,
                           bool *out, char *err, size_t errcap) {
    const json_t *v = json_object_get(obj, key);
    if (v == NULL || json_is_null(v)) {
        *out = def;
        return 0;
    }
    if (!json_is_boolean(v)) {
        sal_errf(err, errcap, "%s: \"%s\" must be true or false", path, key);
        return SAL_EINVAL;
    }
    *out = json_is_true(v);
    return 0;
}

/* Optional string key: its value or NULL; a present non-string is an error. */
static int json_str_field(const json_t *obj, const char *path, const char *key, const char **out,
                          char *err, size_t errcap) {
    const json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (v == NULL || json_is_null(v)) return 0;
    if (!json_is_string(v)) {
        sal_errf(err, errcap, "%s: \"%s\" must be a string", path, key);
        return SAL_EINVAL;
    }
    *out = json_string_value(v);
    return 0;
}

static int parse_config(embed_info_t *info, const char *path, const json_t *cfg, char *err,
                        size_t errcap) {
    int rc;
    const char *s;
    if ((rc = json_str_field(cfg, path, "model_type", &s, err, errcap)) < 0) return rc;
    if (s != NULL && strcmp(s, "bert") != 0) {
        sal_errf(err, errcap, "%s: model_type \"%.40s\" is not supported (BERT only)", path, s);
        return SAL_EINVAL;
    }
    if ((rc = json_str_field(cfg, path, "hidden_act", &s, err, errcap)) < 0) return rc;
    if (s != NULL && strcmp(s, "gelu") != 0 && strcmp(s, "gelu_python") != 0) {
        sal_errf(err, errcap, "%s: hidden_act \"%.40s\" is not supported (exact gelu only)", path,
                 s);
        return SAL_EINVAL;
    }
    if ((rc = json_str_field(cfg, path, "position_embedding_type", &s, err, errcap)) < 0) return rc;
    if (s != NULL && strcmp(s, "absolute") != 0) {
        sal_errf(err, errcap, "%s: position_embedding_type \"%.40s\" is not supported", path, s);
        return SAL_EINVAL;
    }
    sal_strlcpy(info->architecture, "BertModel", sizeof info->architecture);
    const json_t *arch = json_object_get(cfg, "architectures");
    if (json_is_array(arch) && json_is_string(json_array_get(arch, 0)))
        sal_strlcpy(info->architecture, json_string_value(json_array_get(arch, 0)),
                    sizeof info->architecture);

    if ((rc = json_int_field(cfg, path, "hidden_size", true, 0, 1, CFG_MAX_HIDDEN, &info->hidden,
                             err, errcap)) < 0 ||
        (rc = json_int_field(cfg, path, "num_hidden_layers", true, 0, 1, CFG_MAX_LAYERS,
                             &info->layers, err, errcap)) < 0 ||
        (rc = json_int_field(cfg, path, "num_attention_heads", true, 0, 1, CFG_MAX_HIDDEN,
                             &info->heads, err, errcap)) < 0 ||
        (rc = json_int_field(cfg, path, "intermediate_size", true, 0, 1, CFG_MAX_INTERMEDIATE,
                             &info->intermediate, err, errcap)) < 0 ||
        (rc = json_int_field(cfg, path, "vocab_size", true, 0, 5, CFG_MAX_VOCAB, &info->vocab_size,
                             err, errcap)) < 0 ||
        (rc = json_int_field(cfg, path, "max_position_embeddings", true, 0, 2, CFG_MAX_POSITION,
                             &info->max_position, err, errcap)) < 0 ||
        (rc = json_int_field(cfg, path, "type_vocab_size", false, 2, 1, CFG_MAX_TYPES,
                             &info->type_vocab_size, err, errcap)) < 0)
        return rc;
    if (info->hidden % info->heads != 0) {
        sal_errf(err, errcap, "%s: hidden_size %d is not a multiple of num_attention_heads %d",
                 path, info->hidden, info->heads);
        return SAL_EINVAL;
    }
    info->layer_norm_eps = 1e-12f;
    const json_t *eps = json_object_get(cfg, "layer_norm_eps");
    if (eps != NULL) {
        if (!json_is_number(eps) || !(json_number_value(eps) > 0) ||
            !(json_number_value(eps) < 1)) {
            sal_errf(err, errcap, "%s: \"layer_norm_eps\" must be a number in (0, 1)", path);
            return SAL_EINVAL;
        }
        info->layer_norm_eps = (float)json_number_value(eps);
    }
    info->dims = info->hidden;
    return 0;
}

/* modules.json: a Transformer, a Pooling (whose path is copied to
 * pool_dir) and optionally a Normalize; anything else would change the
 * vectors in ways this engine does not implement, so it is refused. */
static int parse_modules(embed_info_t *info, const char *path, const char *dir, char *pool_dir,
                         size_t pool_cap, char *err, size_t errcap) {
    json_error_t jerr;
    int rc = SAL_EINVAL;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        sal_errf(err, errcap, "%s: %s", path, strerror(errno));
        return errno == ENOENT ? SAL_ENOTFOUND : SAL_EIO;
    }
    json_t *mods = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (mods == NULL) {
        sal_errf(err, errcap, "%s: line %d: %s", path, jerr.line, jerr.text);
        return SAL_EINVAL;
    }
    if (!json_is_array(mods)) {
        sal_errf(err, errcap, "%s: not a JSON array of modules", path);
        goto done;
    }
    bool have_transformer = false, have_pooling = false;
    info->normalize = false;
    size_t i;
    json_t *m;
    json_array_foreach(mods, i, m) {
        const char *type = json_string_value(json_object_get(m, "type"));
        const char *mpath = json_string_value(json_object_get(m, "path"));
        if (type == NULL || mpath == NULL) {
            sal_errf(err, errcap, "%s: module %zu lacks a type or path", path, i);
            goto done;
        }
        const char *base = strrchr(type, '.');
        base = base ? base + 1 : type;
        if (strcmp(base, "Transformer") == 0 && !have_transformer && i == 0) {
            have_transformer = true;
        } else if (strcmp(base, "Pooling") == 0 && have_transformer && !have_pooling) {
            have_pooling = true;
            if (strstr(mpath, "..") != NULL || mpath[0] == '/' ||
                !sal_path_join(pool_dir, pool_cap, dir, mpath)) {
                sal_errf(err, errcap, "%s: bad Pooling path \"%.64s\"", path, mpath);
                goto done;
            }
        } else if (strcmp(base, "Normalize") == 0 && have_pooling && !info->normalize) {
            info->normalize = true;
        } else {
            sal_errf(err, errcap,
                     "%s: module %zu (%.80s) is not supported here: expected Transformer, "
                     "Pooling, then optionally Normalize",
                     path, i, type);
            goto done;
        }
    }
    if (!have_pooling) {
        sal_errf(err, errcap, "%s: no Transformer and Pooling modules", path);
        goto done;
    }
    rc = 0;
done:
    json_decref(mods);
    return rc;
}

static int parse_pooling(embed_info_t *info, const char *path, const json_t *cfg, char *err,
                         size_t errcap) {
    static const char *const modes[] = {"pooling_mode_cls_token", "pooling_mode_mean_tokens",
                                        "pooling_mode_max_tokens"};
    static const char *const unsupported[] = {"pooling_mode_mean_sqrt_len_tokens",
                                              "pooling_mode_weightedmean_tokens",
                                              "pooling_mode_lasttoken"};
    int rc, dim, count = 0;
    if ((rc = json_int_field(cfg, path, "word_embedding_dimension", false, info->hidden, 1,
                             CFG_MAX_HIDDEN, &dim, err, errcap)) < 0)
        return rc;
    if (dim != info->hidden) {
        sal_errf(err, errcap, "%s: word_embedding_dimension %d differs from hidden_size %d", path,
                 dim, info->hidden);
        return SAL_EINVAL;
    }
    for (size_t i = 0; i < 3; i++) {
        bool on;
        if ((rc = json_bool_field(cfg, path, modes[i], false, &on, err, errcap)) < 0) return rc;
        if (on) {
            count++;
            info->pooling = i == 0 ? EMBED_POOL_CLS : i == 1 ? EMBED_POOL_MEAN : EMBED_POOL_MAX;
        }
    }
    for (size_t i = 0; i < 3; i++) {
        bool on;
        if ((rc = json_bool_field(cfg, path, unsupported[i], false, &on, err, errcap)) < 0)
            return rc;
        if (on) {
            sal_errf(err, errcap, "%s: %s is not supported", path, unsupported[i]);
            return SAL_EINVAL;
        }
    }
    if (count != 1) {
        sal_errf(err, errcap, "%s: exactly one of cls, mean or max pooling must be on (%d are)",
                 path, count);
        return SAL_EINVAL;
    }
    return 0;
}

/* IEEE half to float, subnormals, infinities and NaN included. */
static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (man << 13);
    } else if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else { /* subnormal: value = man · 2^-24 */
            float f = (float)man * 0x1p-24f;
            return sign ? -f : f;
        }
    } else {
        bits = sign | ((exp + 112) << 23) | (man << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* Finds prefix+name with the expected shape and returns F32 data for it,
 * converting (or, when misaligned, copying) into a model-owned buffer. */
static int get_tensor(embed_model_t *m, const char *st_path, const char *prefix, const char *name,
                      const char *alt_name, int ndim, int64_t d0, int64_t d1, const float **out,
                      char *err, size_t errcap) {
    char full[256];
    embed_tensor_t t;
    snprintf(full, sizeof full, "%s%s", prefix, name);
    int rc = embed_st_find(m->st, full, &t);
    if (rc == SAL_ENOTFOUND && alt_name != NULL) {
        snprintf(full, sizeof full, "%s%s", prefix, alt_name);
        rc = embed_st_find(m->st, full, &t);
        if (rc == SAL_ENOTFOUND) snprintf(full, sizeof full, "%s%s", prefix, name);
    }
    if (rc < 0) {
        sal_errf(err, errcap, "%s: missing tensor %s", st_path, full);
        return SAL_EINVAL;
    }
    int64_t want[2] = {d0, d1};
    bool ok = t.ndim == ndim;
    for (int d = 0; ok && d < ndim; d++) ok = t.shape[d] == want[d];
    if (!ok) {
        char got[96] = "", exp[64];
        size_t used = 0;
        for (int d = 0; d < t.ndim && used < sizeof got; d++)
            used += (size_t)snprintf(got + used, sizeof got - used, "%s%lld", d ? ", " : "",
                                     (long long)t.shape[d]);
        if (ndim == 1)
            snprintf(exp, sizeof exp, "%lld", (long long)d0);
        else
            snprintf(exp, sizeof exp, "%lld, %lld", (long long)d0, (long long)d1);
        sal_errf(err, errcap, "%s: tensor %s has shape [%s], expected [%s]", st_path, full, got,
                 exp);
        return SAL_EINVAL;
    }
    size_t count = (size_t)d0 * (size_t)(ndim == 2 ? d1 : 1);
    if (t.dtype == EMBED_F32 && ((uintptr_t)t.data % _Alignof(float)) == 0) {
        *out = t.data;
        return 0;
    }
    if (t.dtype != EMBED_F32 && t.dtype != EMBED_F16 && t.dtype != EMBED_BF16) {
        sal_errf(err, errcap, "%s: tensor %s is not F32, F16 or BF16", st_path, full);
        return SAL_EINVAL;
    }
    float *buf = xmalloc(count * sizeof *buf);
    const unsigned char *src = t.data;
    for (size_t i = 0; i < count; i++) {
        if (t.dtype == EMBED_F32) {
            memcpy(&buf[i], src + 4 * i, 4);
        } else {
            uint16_t h = (uint16_t)(src[2 * i] | (src[2 * i + 1] << 8));
            if (t.dtype == EMBED_F16) {
                buf[i] = half_to_float(h);
            } else {
                uint32_t bits = (uint32_t)h << 16;
                memcpy(&buf[i], &bits, sizeof bits);
            }
        }
    }
    m->owned = xrealloc(m->owned, (m->n_owned + 1) * sizeof *m->owned);
    m->owned[m->n_owned++] = buf;
    *out = buf;
    return 0;
}

static int load_weights(embed_model_t *m, const char *st_path, char *err, size_t errcap) {
    const embed_info_t *in = &m->info;
    const int64_t H = in->hidden, FF = in->intermediate;
    const char *prefix = "";
    if (embed_st_find(m->st, "embeddings.word_embeddings.weight", NULL) != 0 &&
        embed_st_find(m->st, "bert.embeddings.word_embeddings.weight", NULL) == 0)
        prefix = "bert.";
    int rc;
#define GET(field, name, alt, nd, a, b)                                                            \
    do {                                                                                           \
        if ((rc = get_tensor(m, st_path, prefix, name, alt, nd, a, b, &(field), err, errcap)) < 0) \
            return rc;                                                                             \
    } while (0)
    GET(m->word_emb, "embeddings.word_embeddings.weight", NULL, 2, in->vocab_size, H);
    GET(m->pos_emb, "embeddings.position_embeddings.weight", NULL, 2, in->max_position, H);
    GET(m->type_emb, "embeddings.token_type_embeddings.weight", NULL, 2, in->type_vocab_size, H);
    GET(m->emb_ln_g, "embeddings.LayerNorm.weight", "embeddings.LayerNorm.gamma", 1, H, 0);
    GET(m->emb_ln_b, "embeddings.LayerNorm.bias", "embeddings.LayerNorm.beta", 1, H, 0);
    m->layers = xcalloc((size_t)in->layers, sizeof *m->layers);
    for (int l = 0; l < in->layers; l++) {
        embed_layer_t *L = &m->layers[l];
        char n[128], alt[128];
#define LAYER(field, suffix, nd, a, b)                                                             \
    do {                                                                                           \
        snprintf(n, sizeof n, "encoder.layer.%d.%s", l, suffix);                                   \
        GET(L->field, n, NULL, nd, a, b);                                                          \
    } while (0)
/* LayerNorm: "weight"/"bias", or "gamma"/"beta" in older checkpoints */
#define LAYER_LN(field, prefix, name, oldname)                                                     \
    do {                                                                                           \
        snprintf(n, sizeof n, "encoder.layer.%d.%s.%s", l, prefix, name);                          \
        snprintf(alt, sizeof alt, "encoder.layer.%d.%s.%s", l, prefix, oldname);                   \
        GET(L->field, n, alt, 1, H, 0);                                                            \
    } while (0)
        LAYER(q_w, "attention.self.query.weight", 2, H, H);
        LAYER(q_b, "attention.self.query.bias", 1, H, 0);
        LAYER(k_w, "attention.self.key.weight", 2, H, H);
        LAYER(k_b, "attention.self.key.bias", 1, H, 0);
        LAYER(v_w, "attention.self.value.weight", 2, H, H);
        LAYER(v_b, "attention.self.value.bias", 1, H, 0);
        LAYER(ao_w, "attention.output.dense.weight", 2, H, H);
        LAYER(ao_b, "attention.output.dense.bias", 1, H, 0);
        LAYER_LN(ln1_g, "attention.output.LayerNorm", "weight", "gamma");
        LAYER_LN(ln1_b, "attention.output.LayerNorm", "bias", "beta");
        LAYER(ff1_w, "intermediate.dense.weight", 2, FF, H);
        LAYER(ff1_b, "intermediate.dense.bias", 1, FF, 0);
        LAYER(ff2_w, "output.dense.weight", 2, H, FF);
        LAYER(ff2_b, "output.dense.bias", 1, H, 0);
        LAYER_LN(ln2_g, "output.LayerNorm", "weight", "gamma");
        LAYER_LN(ln2_b, "output.LayerNorm", "bias", "beta");
#undef LAYER_LN
#undef LAYER
    }
#undef GET
    return 0;
}

/* Packs the six weights of every layer for the fast kernel set's
 * linear_packed, into one buffer, and releases the mapped pages of the
 * originals: the fast path never reads them again (the reference kernels
 * fault them back in if they do). */
static int pack_weights(embed_model_t *m, const char *st_path, char *err, size_t errcap) {
    const embed_kernels_t *K = embed_kernels(EMBED_KERNEL_FAST);
    if (K->linear_packed == NULL) return 0;
    const int H = m->info.hidden, FF = m->info.intermediate;
    const size_t hh = embed_packed_floats(H, H), fh = embed_packed_floats(FF, H),
                 hf = embed_packed_floats(H, FF);
    const size_t total = (size_t)m->info.layers * (4 * hh + fh + hf);
    void *buf = NULL;
    if (posix_memalign(&buf, 64, total * sizeof(float)) != 0) {
        sal_errf(err, errcap, "%s: no memory for %zu MB of packed weights", st_path,
                 total * sizeof(float) >> 20);
        return SAL_ENOMEM;
    }
    m->packed = buf;
    float *dst = m->packed;
    for (int l = 0; l < m->info.layers; l++) {
        embed_layer_t *L = &m->layers[l];
        struct {
            const float *w;
            const float **out;
            int n, k;
        } ws[6] = {{L->q_w, &L->q_p, H, H},      {L->k_w, &L->k_p, H, H},
                   {L->v_w, &L->v_p, H, H},      {L->ao_w, &L->ao_p, H, H},
                   {L->ff1_w, &L->ff1_p, FF, H}, {L->ff2_w, &L->ff2_p, H, FF}};
        for (int i = 0; i < 6; i++) {
            embed_pack(ws[i].w, ws[i].n, ws[i].k, dst);
            *ws[i].out = dst;
            dst += embed_packed_floats(ws[i].n, ws[i].k);
            embed_st_release(m->st, ws[i].w, (size_t)ws[i].n * (size_t)ws[i].k * sizeof(float));
        }
    }
    return 0;
}

/* sha256 of a file as lowercase hex, read in chunks. */
static int sha256_file(const char *path, char hex[65], char *err, size_t errcap) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        sal_errf(err, errcap, "%s: %s", path, strerror(errno));
        return errno == ENOENT ? SAL_ENOTFOUND : SAL_EIO;
    }
    crypto_hash_sha256_state s;
    crypto_hash_sha256_init(&s);
    unsigned char buf[65536], h[crypto_hash_sha256_BYTES];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) crypto_hash_sha256_update(&s, buf, n);
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad) {
        sal_errf(err, errcap, "%s: read error", path);
        return SAL_EIO;
    }
    crypto_hash_sha256_final(&s, h);
    sodium_bin2hex(hex, 65, h, sizeof h);
    return 0;
}

int embed_model_load(const char *dir, embed_model_t **out, char *err, size_t errcap) {
    int rc = SAL_EINVAL;
    embed_model_t *m = NULL;
    json_t *cfg = NULL, *tcfg = NULL, *sbert = NULL, *pool = NULL;
    char path[PATH_MAX], pool_dir[PATH_MAX];
    if (out == NULL || dir == NULL) return SAL_EINVAL;
    *out = NULL;
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        sal_errf(err, errcap, "%s: not a model directory", dir);
        return SAL_ENOTFOUND;
    }
    if (strlen(dir) > PATH_MAX - 64) {
        sal_errf(err, errcap, "%.64s…: path too long", dir);
        return SAL_EINVAL;
    }
    if (sodium_init() < 0) {
        sal_errf(err, errcap, "libsodium failed to initialise");
        return SAL_EUNAVAIL;
    }

    m = xcalloc(1, sizeof *m);
    pthread_mutex_init(&m->sha_lock, NULL);
    embed_info_t *info = &m->info;
    char real[PATH_MAX];
    const char *name = realpath(dir, real) ? real : dir;
    size_t nl = strlen(name);
    while (nl > 1 && name[nl - 1] == '/') nl--;
    const char *slash = memrchr(name, '/', nl);
    const char *b = slash && nl > 1 ? slash + 1 : name;
    size_t bl = (size_t)(name + nl - b);
    if (bl >= sizeof info->name) bl = sizeof info->name - 1;
    memcpy(info->name, b, bl);
    info->name[bl] = '\0';

    sal_path_join(path, sizeof path, dir, "config.json");
    if ((rc = load_json(path, false, &cfg, err, errcap)) < 0) goto fail;
    if ((rc = parse_config(info, path, cfg, err, errcap)) < 0) goto fail;

    sal_path_join(path, sizeof path, dir, "modules.json");
    if ((rc = parse_modules(info, path, dir, pool_dir, sizeof pool_dir - 16, err, errcap)) < 0)
        goto fail;
    sal_path_join(path, sizeof path, pool_dir, "config.json");
    if ((rc = load_json(path, false, &pool, err, errcap)) < 0) goto fail;
    if ((rc = parse_pooling(info, path, pool, err, errcap)) < 0) goto fail;

    /* max_seq_len: sentence_bert_config.json's max_seq_length, else 512;
     * never past the position table. Its do_lower_case lower-cases the
     * text before the tokenizer sees it, which is the tokenizer's
     * lower-casing without its accent stripping. */
    bool sbert_lower = false;
    sal_path_join(path, sizeof path, dir, "sentence_bert_config.json");
    if ((rc = load_json(path, true, &sbert, err, errcap)) < 0) goto fail;
    info->max_seq_len = info->max_position < 512 ? info->max_position : 512;
    if (sbert != NULL) {
        int msl;
        if ((rc = json_int_field(sbert, path, "max_seq_length", false, info->max_seq_len, 2,
                                 CFG_MAX_POSITION, &msl, err, errcap)) < 0 ||
            (rc = json_bool_field(sbert, path, "do_lower_case", false, &sbert_lower, err, errcap)) <
                0)
            goto fail;
        info->max_seq_len = msl < info->max_position ? msl : info->max_position;
    }

    sal_path_join(path, sizeof path, dir, "tokenizer_config.json");
    if ((rc = load_json(path, false, &tcfg, err, errcap)) < 0) goto fail;
    embed_tok_opts_t opts = {.max_len = info->max_seq_len};
    bool lower, chinese, strip;
    if ((rc = json_bool_field(tcfg, path, "do_lower_case", true, &lower, err, errcap)) < 0 ||
        (rc = json_bool_field(tcfg, path, "tokenize_chinese_chars", true, &chinese, err, errcap)) <
            0 ||
        (rc = json_bool_field(tcfg, path, "strip_accents", lower, &strip, err, errcap)) < 0)
        goto fail;
    opts.lower_case = lower || sbert_lower;
    opts.strip_accents = strip;
    opts.chinese_chars = chinese;
    info->lower_case = opts.lower_case;

    sal_path_join(path, sizeof path, dir, "vocab.txt");
    if ((rc = embed_tokenizer_load(path, &opts, &m->tok, err, errcap)) < 0) goto fail;
    if (embed_tokenizer_vocab_size(m->tok) > (size_t)info->vocab_size) {
        sal_errf(err, errcap, "%s: %zu tokens but config.json has vocab_size %d", path,
                 embed_tokenizer_vocab_size(m->tok), info->vocab_size);
        rc = SAL_EINVAL;
        goto fail;
    }
    if ((rc = sha256_file(path, info->vocab_sha256, err, errcap)) < 0) goto fail;

    sal_path_join(path, sizeof path, dir, "model.safetensors");
    if ((rc = embed_st_open(path, &m->st, err, errcap)) < 0) goto fail;
    if ((rc = load_weights(m, path, err, errcap)) < 0) goto fail;
    if ((rc = pack_weights(m, path, err, errcap)) < 0) goto fail;
    /* With packed weights the engine splits its work over the cores
     * itself (bert.c); OpenBLAS, left for long attention products, runs
     * inside those threads and must not start (and spin) its own. */
    if (m->packed != NULL) openblas_set_num_threads(1);

    json_decref(cfg);
    json_decref(tcfg);
    json_decref(sbert);
    json_decref(pool);
    *out = m;
    return 0;

fail:
    json_decref(cfg);
    json_decref(tcfg);
    json_decref(sbert);
    json_decref(pool);
    embed_model_free(m);
    return rc;
}

void embed_model_free(embed_model_t *m) {
    if (m == NULL) return;
    for (size_t i = 0; i < m->n_owned; i++) free(m->owned[i]);
    free(m->owned);
    free(m->packed);
    free(m->layers);
    embed_st_close(m->st);
    embed_tokenizer_free(m->tok);
    pthread_mutex_destroy(&m->sha_lock);
    free(m);
}

const embed_info_t *embed_model_info(const embed_model_t *m) {
    if (m == NULL) return NULL;
    /* The model is shared read-only except for this one lazily filled
     * field, written once under the lock. */
    embed_model_t *mm = (embed_model_t *)m;
    pthread_mutex_lock(&mm->sha_lock);
    if (!mm->sha_done) {
        const void *data;
        size_t len;
        unsigned char h[crypto_hash_sha256_BYTES];
        embed_st_bytes(mm->st, &data, &len);
        /* in 8 MB steps, each released once hashed, so hashing does not
         * page the whole file into memory at once */
        crypto_hash_sha256_state st;
        crypto_hash_sha256_init(&st);
        for (size_t off = 0; off < len; off += (size_t)8 << 20) {
            size_t n = len - off < ((size_t)8 << 20) ? len - off : (size_t)8 << 20;
            crypto_hash_sha256_update(&st, (const unsigned char *)data + off, n);
            embed_st_release(mm->st, (const unsigned char *)data + off, n);
        }
        crypto_hash_sha256_final(&st, h);
        sodium_bin2hex(mm->info.weights_sha256, sizeof mm->info.weights_sha256, h, sizeof h);
        mm->sha_done = true;
    }
    pthread_mutex_unlock(&mm->sha_lock);
    return &m->info;
}

int embed_model_dims(const embed_model_t *m) { return m ? m->info.dims : 0; }

const char *embed_model_name(const embed_model_t *m) { return m ? m->info.name : NULL; }

int embed_model_max_len(const embed_model_t *m) { return m ? m->info.max_seq_len : 0; }

const embed_tokenizer_t *embed_model_tokenizer(const embed_model_t *m) { return m ? m->tok : NULL; }
