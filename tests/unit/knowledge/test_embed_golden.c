/* SPDX-License-Identifier: MIT */
/*
 * The engine against the reference: tests/data/embed/vectors.jsonl holds
 * one {"text", "ids", "vector"} per line, made by sentence-transformers
 * (scripts/embed/make_golden_vectors.py) with all-MiniLM-L6-v2. Every line
 * must come out at cosine >= 0.9999 both from the text (tokenizer + model)
 * and from the reference's own ids (model alone), embedded in one batch
 * call each, which also exercises sorting, batching and the write-back in
 * input order. The worst cosines are printed. The model and the data file
 * are required: a missing one fails the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>

#include "knowledge/embed/embed.h"
#include "testutil.h"

#define MIN_LINES  200
#define MIN_COSINE 0.9999

typedef struct {
    size_t n, dims;
    char **texts;
    size_t *text_lens;
    int32_t **ids;
    size_t *id_lens;
    float *want; /* n × dims */
} golden_t;

static void golden_free(golden_t *g) {
    for (size_t i = 0; i < g->n; i++) {
        free(g->texts[i]);
        free(g->ids[i]);
    }
    free(g->texts);
    free(g->text_lens);
    free(g->ids);
    free(g->id_lens);
    free(g->want);
}

static void source_path(char *out, size_t cap, const char *rel) {
    const char *src = getenv("SALIENT_SOURCE_DIR");
    if (src == NULL || src[0] == '\0') fail_msg("SALIENT_SOURCE_DIR is not set");
    tu_path(out, cap, src, rel);
}

static void golden_load(golden_t *g, const char *path, size_t dims) {
    memset(g, 0, sizeof *g);
    g->dims = dims;
    FILE *f = fopen(path, "r");
    if (f == NULL) fail_msg("%s: %s (the golden vectors are required)", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0, alloc = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, f)) > 0) {
        if (got == 1 && line[0] == '\n') continue;
        json_error_t jerr;
        json_t *j = json_loadb(line, (size_t)got, 0, &jerr);
        if (j == NULL) fail_msg("%s:%zu: %s", path, g->n + 1, jerr.text);
        json_t *text = json_object_get(j, "text"), *ids = json_object_get(j, "ids"),
               *vec = json_object_get(j, "vector");
        if (!json_is_string(text) || !json_is_array(ids) || !json_is_array(vec))
            fail_msg("%s:%zu: needs text, ids and vector", path, g->n + 1);
        if (json_array_size(vec) != dims)
            fail_msg("%s:%zu: vector has %zu values, the model %zu", path, g->n + 1,
                     json_array_size(vec), dims);
        if (g->n == alloc) {
            alloc = alloc ? alloc * 2 : 256;
            g->texts = realloc(g->texts, alloc * sizeof *g->texts);
            g->text_lens = realloc(g->text_lens, alloc * sizeof *g->text_lens);
            g->ids = realloc(g->ids, alloc * sizeof *g->ids);
            g->id_lens = realloc(g->id_lens, alloc * sizeof *g->id_lens);
            g->want = realloc(g->want, alloc * dims * sizeof *g->want);
            assert_non_null(g->texts);
            assert_non_null(g->text_lens);
            assert_non_null(g->ids);
            assert_non_null(g->id_lens);
            assert_non_null(g->want);
        }
        size_t tl = json_string_length(text);
        g->texts[g->n] = malloc(tl + 1);
        assert_non_null(g->texts[g->n]);
        memcpy(g->texts[g->n], json_string_value(text), tl + 1);
        g->text_lens[g->n] = tl;
        size_t nid = json_array_size(ids);
        g->ids[g->n] = malloc((nid ? nid : 1) * sizeof(int32_t));
        assert_non_null(g->ids[g->n]);
        for (size_t t = 0; t < nid; t++)
            g->ids[g->n][t] = (int32_t)json_integer_value(json_array_get(ids, t));
        g->id_lens[g->n] = nid;
        for (size_t d = 0; d < dims; d++)
            g->want[g->n * dims + d] = (float)json_number_value(json_array_get(vec, d));
        json_decref(j);
        g->n++;
    }
    free(line);
    fclose(f);
}

static double cosine(const float *a, const float *b, size_t n) {
    double dot = 0, na = 0, nb = 0;
    for (size_t i = 0; i < n; i++) {
        dot += (double)a[i] * b[i];
        na += (double)a[i] * a[i];
        nb += (double)b[i] * b[i];
    }
    return na > 0 && nb > 0 ? dot / sqrt(na * nb) : 0;
}

/* Compares got with the golden rows; prints the worst and returns it. */
static double check_all(const golden_t *g, const float *got, const char *what) {
    double worst = 2;
    size_t worst_i = 0, bad = 0;
    for (size_t i = 0; i < g->n; i++) {
        double c = cosine(got + i * g->dims, g->want + i * g->dims, g->dims);
        if (c < MIN_COSINE) {
            bad++;
            print_message("%s: line %zu cosine %.6f: \"%.60s\"\n", what, i + 1, c, g->texts[i]);
        }
        if (c < worst) {
            worst = c;
            worst_i = i;
        }
    }
    print_message("%s: %zu lines, worst cosine %.9f (line %zu: \"%.60s\"), %zu below %.4f\n", what,
                  g->n, worst, worst_i + 1, g->texts[worst_i], bad, MIN_COSINE);
    return worst;
}

static void golden_matches_reference(void **state) {
    (void)state;
    char model_dir[4096], data[4096], err[512] = "";
    source_path(model_dir, sizeof model_dir, "models/all-MiniLM-L6-v2");
    source_path(data, sizeof data, "tests/data/embed/vectors.jsonl");
    embed_model_t *m = NULL;
    int rc = embed_model_load(model_dir, &m, err, sizeof err);
    if (rc != 0) fail_msg("embed_model_load(%s): %s", model_dir, err);
    const size_t dims = (size_t)embed_model_info(m)->dims;
    assert_int_equal(dims, 384);

    golden_t g;
    golden_load(&g, data, dims);
    if (g.n < MIN_LINES) fail_msg("%s: %zu lines, at least %d needed", data, g.n, MIN_LINES);

    embed_ctx_t *ctx = embed_ctx_new(m);
    assert_non_null(ctx);
    float *got = calloc(g.n * dims, sizeof *got);
    assert_non_null(got);

    assert_int_equal(embed_texts(ctx, (const char *const *)g.texts, g.text_lens, g.n, got), 0);
    double worst_text = check_all(&g, got, "embed_texts");

    memset(got, 0, g.n * dims * sizeof *got);
    assert_int_equal(embed_ids(ctx, (const int32_t *const *)g.ids, g.id_lens, g.n, got), 0);
    double worst_ids = check_all(&g, got, "embed_ids");

    assert_true(worst_text >= MIN_COSINE);
    assert_true(worst_ids >= MIN_COSINE);

    free(got);
    embed_ctx_free(ctx);
    golden_free(&g);
    embed_model_free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(golden_matches_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
