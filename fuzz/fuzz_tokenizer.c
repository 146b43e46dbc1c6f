/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the WordPiece tokenizer with arbitrary bytes (any UTF-8, broken
 * or not). Every call must succeed and give [CLS] ... [SEP] within
 * min(max_len, cap) ids, all inside the vocabulary; a smaller cap must give
 * a prefix of the same ids (truncation only cuts); tokenizing twice gives
 * the same ids.
 *
 * The vocabulary is $SALIENT_FUZZ_VOCAB, else the model's vocab.txt found
 * from the binary's place in the tree (build-fuzz/fuzz/ -> models/), else
 * (or with SALIENT_FUZZ_VOCAB=builtin) a small built-in one written to a
 * temporary file, which reaches continuations and [UNK] more often than
 * the real one.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "knowledge/embed/embed.h"

static const char TINY_VOCAB[] =
    "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n"
    "a\nb\nc\nab\nabc\n##a\n##b\n##c\n##bc\n##\n#\n!\n.\n,\n[\n]\n"
    "the\n##s\n##ing\nplay\ne\n\xc3\xa9\n##\xcc\x81\ni\n##\xcc\x87\n\xe4\xb8\xad\n"
    "\xce\xb1\n##\xce\xb2\n\xd0\xb0\n\xe3\x81\x82\n##\xe3\x81\x84\n1\n##2\n$\n%\n";

#define N_TOK 3
static embed_tokenizer_t *toks[N_TOK];
static char tmp_dir[400], tmp_vocab[512];

static void cleanup(void) {
    for (int i = 0; i < N_TOK; i++) embed_tokenizer_free(toks[i]);
    if (tmp_vocab[0]) unlink(tmp_vocab);
    if (tmp_dir[0]) rmdir(tmp_dir);
}

static const char *find_vocab(void) {
    static char path[4096];
    const char *env = getenv("SALIENT_FUZZ_VOCAB");
    if (env != NULL && env[0] != '\0' && strcmp(env, "builtin") != 0) return env;
    char exe[4096];
    ssize_t n = env == NULL ? readlink("/proc/self/exe", exe, sizeof exe - 1) : -1;
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash != NULL) {
            *slash = '\0';
            int k = snprintf(path, sizeof path, "%s/../../models/all-MiniLM-L6-v2/vocab.txt", exe);
            if (k > 0 && (size_t)k < sizeof path && access(path, R_OK) == 0) return path;
        }
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(tmp_dir, sizeof tmp_dir, "%s/salient-fuzz-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (mkdtemp(tmp_dir) == NULL) abort();
    snprintf(tmp_vocab, sizeof tmp_vocab, "%s/vocab.txt", tmp_dir);
    FILE *f = fopen(tmp_vocab, "wb");
    if (f == NULL || fwrite(TINY_VOCAB, 1, sizeof TINY_VOCAB - 1, f) != sizeof TINY_VOCAB - 1)
        abort();
    fclose(f);
    return tmp_vocab;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    atexit(cleanup);
    const char *vocab = find_vocab();
    static const embed_tok_opts_t opts[N_TOK] = {
        {.lower_case = true, .strip_accents = true, .chinese_chars = true, .max_len = 256},
        {.lower_case = false, .strip_accents = false, .chinese_chars = false, .max_len = 32},
        {.lower_case = true, .strip_accents = false, .chinese_chars = true, .max_len = 512},
    };
    for (int i = 0; i < N_TOK; i++) {
        char err[512];
        if (embed_tokenizer_load(vocab, &opts[i], &toks[i], err, sizeof err) != 0) {
            fprintf(stderr, "fuzz_tokenizer: %s\n", err);
            abort();
        }
    }
    fprintf(stderr, "fuzz_tokenizer: vocabulary %s (%zu tokens)\n", vocab,
            embed_tokenizer_vocab_size(toks[0]));
    return 0;
}

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_tokenizer: %s failed (tokenizer %d, %zu bytes)\n", #cond, k,     \
                    size);                                                                         \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static int32_t ids[1024], again[1024], small[1024];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *text = (const char *)data;
    static const int max_lens[N_TOK] = {256, 32, 512};
    for (int k = 0; k < N_TOK; k++) {
        const embed_tokenizer_t *t = toks[k];
        size_t vs = embed_tokenizer_vocab_size(t);
        int32_t cls = embed_token_id(t, "[CLS]"), sep = embed_token_id(t, "[SEP]");
        size_t n = 0;
        CHECK(embed_tokenize(t, text, size, ids, 1024, &n) == 0);
        CHECK(n >= 2 && n <= (size_t)max_lens[k]);
        CHECK(ids[0] == cls && ids[n - 1] == sep);
        for (size_t i = 0; i < n; i++) CHECK(ids[i] >= 0 && (size_t)ids[i] < vs);

        size_t n2 = 0;
        CHECK(embed_tokenize(t, text, size, again, 1024, &n2) == 0);
        CHECK(n2 == n && memcmp(ids, again, n * sizeof ids[0]) == 0);

        size_t cap = 2 + (size > 0 ? data[0] % 24 : 0), n3 = 0;
        CHECK(embed_tokenize(t, text, size, small, cap, &n3) == 0);
        CHECK(n3 == (n < cap ? n : cap));
        CHECK(small[n3 - 1] == sep && memcmp(small, ids, (n3 - 1) * sizeof ids[0]) == 0);
    }
    size_t n = 0;
    if (embed_tokenize(toks[0], text, size, ids, 1, &n) != SAL_EINVAL) abort();
    return 0;
}
