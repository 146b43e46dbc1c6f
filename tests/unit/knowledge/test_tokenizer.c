/* SPDX-License-Identifier: MIT */
/*
 * Tests for the WordPiece tokenizer (src/knowledge/embed/tokenizer.c): the
 * ids of every golden string in tests/data/embed/tokens.jsonl and every
 * invalid-UTF-8 byte string in tokens_bytes.jsonl must equal the reference
 * (HF tokenizers on all-MiniLM-L6-v2's tokenizer.json, made by
 * scripts/embed/make_golden_tokens.py); plus the edges the golden files
 * cannot show: caps, truncation speed on a megabyte, vocabulary errors and
 * the options the model does not use.
 *
 * Needs models/all-MiniLM-L6-v2/vocab.txt (scripts/setup.sh fetches it)
 * under $SALIENT_SOURCE_DIR; a missing file fails the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "knowledge/embed/embed.h"
#include "testutil.h"

#define MAX_LEN 256

static const embed_tok_opts_t MINILM = {
    .lower_case = true, .strip_accents = true, .chinese_chars = true, .max_len = MAX_LEN};

static void source_path(char *out, size_t cap, const char *rel) {
    const char *root = getenv("SALIENT_SOURCE_DIR");
    if (root == NULL || root[0] == '\0') fail_msg("SALIENT_SOURCE_DIR is not set (run via ctest)");
    tu_path(out, cap, root, rel);
}

static embed_tokenizer_t *load_minilm(const embed_tok_opts_t *opts) {
    char path[4096], err[512] = "";
    source_path(path, sizeof path, "models/all-MiniLM-L6-v2/vocab.txt");
    if (access(path, R_OK) != 0)
        fail_msg("%s is missing: fetch the model first (scripts/setup.sh)", path);
    embed_tokenizer_t *t = NULL;
    int rc = embed_tokenizer_load(path, opts, &t, err, sizeof err);
    if (rc != 0) fail_msg("embed_tokenizer_load(%s): %d %s", path, rc, err);
    assert_non_null(t);
    return t;
}

static FILE *open_golden(const char *name) {
    char path[4096];
    source_path(path, sizeof path, name);
    FILE *f = fopen(path, "r");
    if (f == NULL) fail_msg("cannot open %s", path);
    return f;
}

/* Compares the tokenizer's ids for text[0..len) with the golden json
 * array; on a mismatch prints what differs and returns false. */
static bool check_ids(const embed_tokenizer_t *t, const char *text, size_t len, const json_t *want,
                      const char *what, size_t lineno, bool report) {
    int32_t ids[MAX_LEN * 2];
    size_t n = 0;
    assert_int_equal(embed_tokenize(t, text, len, ids, sizeof ids / sizeof ids[0], &n), 0);
    size_t wn = json_array_size(want);
    size_t diff = 0;
    while (diff < n && diff < wn && ids[diff] == json_integer_value(json_array_get(want, diff)))
        diff++;
    if (diff == n && n == wn) return true;
    if (report) {
        char *shown = json_dumps(want, JSON_COMPACT);
        print_error("line %zu: %s\n  expected %zu ids %s\n  got %zu ids, first difference at "
                    "%zu:",
                    lineno, what, wn, shown, n, diff);
        free(shown);
        for (size_t i = 0; i < n; i++) print_error("%s%d", i ? "," : " [", ids[i]);
        print_error("]\n");
        if (diff < wn && diff < n)
            print_error("  expected %s, got %s\n",
                        embed_token_str(t, (int32_t)json_integer_value(json_array_get(want, diff))),
                        embed_token_str(t, ids[diff]));
    }
    return false;
}

/* ---- golden files ------------------------------------------------------ */

static void test_golden_texts(void **state) {
    (void)state;
    embed_tokenizer_t *t = load_minilm(&MINILM);
    FILE *f = open_golden("tests/data/embed/tokens.jsonl");
    char *line = NULL;
    size_t linecap = 0, lineno = 0, bad = 0, truncated = 0;
    while (getline(&line, &linecap, f) > 0) {
        lineno++;
        json_error_t jerr;
        json_t *obj = json_loads(line, JSON_ALLOW_NUL, &jerr);
        if (obj == NULL) fail_msg("tokens.jsonl:%zu: %s", lineno, jerr.text);
        json_t *text = json_object_get(obj, "text"), *ids = json_object_get(obj, "ids");
        assert_true(json_is_string(text) && json_is_array(ids));
        if (json_array_size(ids) == MAX_LEN) truncated++;
        char *shown = json_dumps(text, JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
        if (strlen(shown) > 300) memcpy(shown + 290, "\"...", 5);
        if (!check_ids(t, json_string_value(text), json_string_length(text), ids, shown, lineno,
                       bad < 10))
            bad++;
        free(shown);
        json_decref(obj);
    }
    free(line);
    fclose(f);
    embed_tokenizer_free(t);
    if (bad > 0) fail_msg("%zu of %zu golden texts differ from the reference", bad, lineno);
    assert_true(lineno >= 1200);
    assert_true(truncated >= 10); /* the file does exercise truncation */
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

static void test_golden_invalid_utf8(void **state) {
    (void)state;
    embed_tokenizer_t *t = load_minilm(&MINILM);
    FILE *f = open_golden("tests/data/embed/tokens_bytes.jsonl");
    char *line = NULL;
    size_t linecap = 0, lineno = 0, bad = 0, invalid = 0;
    while (getline(&line, &linecap, f) > 0) {
        lineno++;
        json_error_t jerr;
        json_t *obj = json_loads(line, 0, &jerr);
        if (obj == NULL) fail_msg("tokens_bytes.jsonl:%zu: %s", lineno, jerr.text);
        const char *hex = json_string_value(json_object_get(obj, "hex"));
        json_t *ids = json_object_get(obj, "ids");
        assert_true(hex != NULL && json_is_array(ids));
        size_t hl = strlen(hex);
        assert_true(hl % 2 == 0);
        char *bytes = malloc(hl / 2 + 1);
        assert_non_null(bytes);
        for (size_t i = 0; i < hl / 2; i++) {
            int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
            assert_true(hi >= 0 && lo >= 0);
            bytes[i] = (char)(hi << 4 | lo);
        }
        if (!sal_utf8_valid(bytes, hl / 2)) invalid++;
        if (!check_ids(t, bytes, hl / 2, ids, hex, lineno, bad < 10)) bad++;
        free(bytes);
        json_decref(obj);
    }
    free(line);
    fclose(f);
    embed_tokenizer_free(t);
    if (bad > 0) fail_msg("%zu of %zu golden byte strings differ from the reference", bad, lineno);
    assert_true(lineno >= 100);
    /* all ill-formed but a few well-formed boundary cases (U+D7FF, U+10FFFF) */
    assert_true(invalid + 8 >= lineno);
}

/* ---- targeted cases on the real vocabulary ------------------------------ */

static size_t tok(const embed_tokenizer_t *t, const char *s, size_t len, int32_t *ids, size_t cap) {
    size_t n = 99;
    assert_int_equal(embed_tokenize(t, s, len, ids, cap, &n), 0);
    assert_true(n >= 2 && n <= cap);
    assert_int_equal(ids[0], embed_token_id(t, "[CLS]"));
    assert_int_equal(ids[n - 1], embed_token_id(t, "[SEP]"));
    return n;
}

static void test_empty_and_nul(void **state) {
    (void)state;
    embed_tokenizer_t *t = load_minilm(&MINILM);
    int32_t ids[16], ids2[16];
    assert_int_equal(tok(t, "", 0, ids, 16), 2);
    assert_int_equal(ids[0], 101);
    assert_int_equal(ids[1], 102);
    assert_int_equal(tok(t, NULL, 0, ids, 16), 2);
    assert_int_equal(tok(t, "\0\0\0", 3, ids, 16), 2);
    assert_int_equal(tok(t, " \t\r\n\xe2\x80\x8b", 8, ids, 16), 2);
    /* NUL is dropped without splitting the word around it; the length,
     * not a terminator, ends the text */
    size_t n = tok(t, "play\0ing", 8, ids, 16);
    assert_int_equal(n, tok(t, "playing", 7, ids2, 16));
    assert_memory_equal(ids, ids2, n * sizeof ids[0]);
    assert_int_equal(n, 3);
    assert_int_equal(ids[1], embed_token_id(t, "playing"));
    embed_tokenizer_free(t);
}

static void test_wordpiece_continuations(void **state) {
    (void)state;
    embed_tokenizer_t *t = load_minilm(&MINILM);
    int32_t ids[16];
    size_t n = tok(t, "Unaffable", 9, ids, 16);
    assert_int_equal(n, 5);
    assert_string_equal(embed_token_str(t, ids[1]), "una");
    assert_string_equal(embed_token_str(t, ids[2]), "##ffa");
    assert_string_equal(embed_token_str(t, ids[3]), "##ble");
    embed_tokenizer_free(t);
}

static void test_word_length_limit(void **state) {
    (void)state;
    embed_tokenizer_t *t = load_minilm(&MINILM);
    int32_t ids[128];
    char word[202];
    memset(word, 'a', 101);
    /* 100 characters are WordPiece'd ... */
    size_t n = tok(t, word, 100, ids, 128);
    assert_true(n > 3);
    for (size_t i = 1; i + 1 < n; i++) assert_int_not_equal(ids[i], embed_token_id(t, "[UNK]"));
    /* ... 101 are one [UNK] */
    assert_int_equal(tok(t, word, 101, ids, 128), 3);
    assert_int_equal(ids[1], embed_token_id(t, "[UNK]"));
    /* characters are counted after normalisation: 101 × "e" + U+0301 is
     * 101 characters once the accents are stripped */
    int32_t plain[128];
    memset(word, 'e', 100);
    size_t np = tok(t, word, 100, plain, 128);
    for (int i = 0; i < 101; i++) memcpy(word + 2 * i, "\xc3\xa9", 2);
    assert_int_equal(tok(t, word, 200, ids, 128), np);
    assert_memory_equal(ids, plain, np * sizeof ids[0]);
    assert_int_equal(tok(t, word, 202, ids, 128), 3);
    assert_int_equal(ids[1], embed_token_id(t, "[UNK]"));
    embed_tokenizer_free(t);
}

static void test_special_tokens_in_text(void **state) {
    (void)state;
    embed_tokenizer_t *t = load_minilm(&MINILM);
    int32_t ids[16];
    /* written specials become their ids, case-sensitively, splitting words */
    size_t n = tok(t, "a[MASK]b", 8, ids, 16);
    assert_int_equal(n, 5);
    assert_int_equal(ids[2], embed_token_id(t, "[MASK]"));
    n = tok(t, "[mask]", 6, ids, 16);
    assert_int_equal(n, 5); /* [ mask ] */
    embed_tokenizer_free(t);
}

static void test_caps_and_truncation(void **state) {
    (void)state;
    embed_tokenizer_t *t = load_minilm(&MINILM);
    int32_t ids[300], full[300];
    size_t n = 0;
    assert_int_equal(embed_tokenize(t, "hello", 5, ids, 1, &n), SAL_EINVAL);
    assert_int_equal(n, 0);
    assert_int_equal(embed_tokenize(t, "hello", 5, ids, 0, &n), SAL_EINVAL);
    assert_int_equal(embed_tokenize(t, "hello", 5, NULL, 16, &n), SAL_EINVAL);
    assert_int_equal(embed_tokenize(t, NULL, 5, ids, 16, &n), SAL_EINVAL);
    assert_int_equal(tok(t, "hello world", 11, ids, 2), 2);
    const char *s = "the quick brown fox jumps over the lazy dog";
    size_t fn = tok(t, s, strlen(s), full, 300);
    assert_int_equal(fn, 11);
    for (size_t cap = 3; cap < fn; cap++) {
        assert_int_equal(tok(t, s, strlen(s), ids, cap), cap);
        assert_memory_equal(ids, full, (cap - 1) * sizeof ids[0]);
    }
    /* max_len governs when cap is larger */
    embed_tok_opts_t o = MINILM;
    o.max_len = 4;
    embed_tokenizer_t *t4 = load_minilm(&o);
    assert_int_equal(tok(t4, s, strlen(s), ids, 300), 4);
    assert_memory_equal(ids, full, 3 * sizeof ids[0]);
    /* truncation inside a word keeps its first pieces */
    assert_int_equal(tok(t4, "x unaffable", 11, ids, 300), 4);
    assert_string_equal(embed_token_str(t4, ids[2]), "una");
    embed_tokenizer_free(t4);
    embed_tokenizer_free(t);
}

static char *repeat_to(const char *unit, size_t size) {
    char *buf = malloc(size);
    assert_non_null(buf);
    size_t ul = strlen(unit);
    for (size_t i = 0; i < size; i += ul) memcpy(buf + i, unit, size - i < ul ? size - i : ul);
    return buf;
}

static void test_megabyte_truncates_fast(void **state) {
    (void)state;
    embed_tokenizer_t *t = load_minilm(&MINILM);
    const char *unit = "Our platform cut onboarding time by 40% for Acme Corp; "
                       "the CFO wants ROI proof before Q3. Café déjà vu, 東京, naïve! ";
    size_t size = 1u << 20;
    char *big = repeat_to(unit, size);
    int32_t ids[MAX_LEN], head[MAX_LEN];
    double t0 = sal_mono_ms();
    size_t n = tok(t, big, size, ids, MAX_LEN);
    double ms = sal_mono_ms() - t0;
    assert_int_equal(n, MAX_LEN);
    /* the same as tokenizing just the first few kilobytes */
    assert_int_equal(tok(t, big, 8192, head, MAX_LEN), MAX_LEN);
    assert_memory_equal(ids, head, sizeof ids);
    print_message("1 MB of text truncated to %zu ids in %.3f ms\n", n, ms);
    assert_true(ms < 100.0); /* ~0.05 ms; generous for sanitizers */

    /* one megabyte-long word: must be read to its end, still linear */
    memset(big, 'a', size);
    t0 = sal_mono_ms();
    n = tok(t, big, size, ids, MAX_LEN);
    ms = sal_mono_ms() - t0;
    assert_int_equal(n, 3);
    assert_int_equal(ids[1], embed_token_id(t, "[UNK]"));
    print_message("1 MB single word in %.1f ms\n", ms);
    assert_true(ms < 2000.0);

    /* a megabyte of characters that are all dropped */
    for (size_t i = 0; i + 3 <= size; i += 3) memcpy(big + i, "\xe2\x80\x8b", 3);
    assert_int_equal(tok(t, big, size - size % 3, ids, MAX_LEN), 2);
    free(big);
    embed_tokenizer_free(t);
}

/* Throughput without truncation: the whole megabyte tokenized. */
static void test_throughput(void **state) {
    (void)state;
    embed_tok_opts_t o = MINILM;
    o.max_len = 1 << 30;
    embed_tokenizer_t *t = load_minilm(&o);
    const char *unit = "Our platform cut onboarding time by 40% for Acme Corp; the CFO wants "
                       "ROI proof before Q3, and procurement needs three quotes. ";
    size_t size = 1u << 20, cap = size;
    char *big = repeat_to(unit, size);
    int32_t *ids = malloc(cap * sizeof *ids);
    assert_non_null(ids);
    size_t n = 0;
    double t0 = sal_mono_ms();
    assert_int_equal(embed_tokenize(t, big, size, ids, cap, &n), 0);
    double ms = sal_mono_ms() - t0;
    assert_true(n > size / 8);
    print_message("1 MB of English: %zu tokens in %.1f ms, %.2f M tokens/s, %.1f MB/s\n", n, ms,
                  (double)n / ms / 1000.0, (double)size / ms / 1000.0);
    /* spot-check against the truncating tokenizer */
    embed_tokenizer_t *t256 = load_minilm(&MINILM);
    int32_t head[MAX_LEN];
    assert_int_equal(tok(t256, big, size, head, MAX_LEN), MAX_LEN);
    assert_memory_equal(head, ids, (MAX_LEN - 1) * sizeof head[0]);
    embed_tokenizer_free(t256);
    free(ids);
    free(big);
    embed_tokenizer_free(t);
}

static void test_vocab_lookups(void **state) {
    (void)state;
    embed_tokenizer_t *t = load_minilm(&MINILM);
    assert_int_equal(embed_tokenizer_vocab_size(t), 30522);
    assert_int_equal(embed_token_id(t, "[PAD]"), 0);
    assert_int_equal(embed_token_id(t, "[UNK]"), 100);
    assert_int_equal(embed_token_id(t, "[CLS]"), 101);
    assert_int_equal(embed_token_id(t, "[SEP]"), 102);
    assert_int_equal(embed_token_id(t, "[MASK]"), 103);
    assert_int_equal(embed_token_id(t, "##ing"), 2075);
    assert_int_equal(embed_token_id(t, "no-such-token"), -1);
    assert_int_equal(embed_token_id(t, ""), -1);
    assert_string_equal(embed_token_str(t, 101), "[CLS]");
    assert_string_equal(embed_token_str(t, 30521), "##～");
    assert_null(embed_token_str(t, 30522));
    assert_null(embed_token_str(t, -1));
    /* every token maps back to its own id */
    for (int32_t id = 0; id < 30522; id++)
        assert_int_equal(embed_token_id(t, embed_token_str(t, id)), id);
    assert_int_equal(embed_tokenizer_vocab_size(NULL), 0);
    assert_int_equal(embed_token_id(NULL, "a"), -1);
    assert_null(embed_token_str(NULL, 0));
    embed_tokenizer_free(t);
    embed_tokenizer_free(NULL);
}

/* ---- small vocabularies ------------------------------------------------- */

/* ids:   0      1      2      3      4        5       6       7    8    9 */
static const char TINY[] = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\n##s\ni\n##\xcc\x87\n"
                           /* 10   11         12  13  14           15           16  17 */
                           "Hello\n\xc3\xa9\ne\n!\n\xe4\xb8\xad\n\xe6\x96\x87\nhe\n##llo\n"
                           /* 18 */
                           "##\xcc\x81\n";

typedef struct {
    char dir[4096];
    char path[4096];
} tmpvocab_t;

static void write_vocab(tmpvocab_t *v, const char *data, size_t len) {
    tu_mkdtemp(v->dir, sizeof v->dir);
    tu_path(v->path, sizeof v->path, v->dir, "vocab.txt");
    tu_write(v->path, data, len);
}

static int load_err(const char *path, const embed_tok_opts_t *o, char *err, size_t errcap) {
    embed_tokenizer_t *t = (embed_tokenizer_t *)0x1;
    err[0] = '\0';
    int rc = embed_tokenizer_load(path, o, &t, err, errcap);
    assert_null(t);
    return rc;
}

static void expect_ids(const embed_tokenizer_t *t, const char *s, const int32_t *want,
                       size_t nwant) {
    int32_t ids[64];
    size_t n = tok(t, s, strlen(s), ids, 64);
    if (n != nwant || memcmp(ids, want, n * sizeof ids[0]) != 0) {
        for (size_t i = 0; i < n; i++) print_error("%s%d", i ? "," : "got [", ids[i]);
        fail_msg("] for \"%s\"", s);
    }
}

#define EXPECT(t, s, ...)                                                                          \
    do {                                                                                           \
        static const int32_t want_[] = {__VA_ARGS__};                                              \
        expect_ids((t), (s), want_, sizeof want_ / sizeof want_[0]);                               \
    } while (0)

/* Each expectation is the reference's (tokenizers BertNormalizer with the
 * same flags over this vocabulary). */
static void test_options(void **state) {
    (void)state;
    tmpvocab_t v;
    write_vocab(&v, TINY, sizeof TINY - 1);
    char err[256];
    embed_tokenizer_t *t;
    embed_tok_opts_t o = {
        .lower_case = true, .strip_accents = true, .chinese_chars = true, .max_len = 64};
    assert_int_equal(embed_tokenizer_load(v.path, &o, &t, err, sizeof err), 0);
    assert_int_equal(embed_tokenizer_vocab_size(t), 19);
    EXPECT(t, "Hellos!", 2, 5, 7, 13, 3);
    EXPECT(t, "Hello \xc3\xa9", 2, 5, 12, 3);
    EXPECT(t, "\xc4\xb0", 2, 8, 3);
    EXPECT(t, "\xe4\xb8\xad\xe6\x96\x87", 2, 14, 15, 3);
    EXPECT(t, "e\xcc\x81", 2, 12, 3);
    EXPECT(t, "HELLO world[MASK]", 2, 5, 6, 4, 3);
    embed_tokenizer_free(t);

    o = (embed_tok_opts_t){
        .lower_case = false, .strip_accents = false, .chinese_chars = true, .max_len = 64};
    assert_int_equal(embed_tokenizer_load(v.path, &o, &t, err, sizeof err), 0);
    EXPECT(t, "Hellos!", 2, 10, 7, 13, 3);
    EXPECT(t, "Hello \xc3\xa9", 2, 10, 11, 3);
    EXPECT(t, "\xc4\xb0", 2, 1, 3);
    EXPECT(t, "e\xcc\x81", 2, 12, 18, 3);
    EXPECT(t, "HELLO world[MASK]", 2, 1, 6, 4, 3);
    embed_tokenizer_free(t);

    /* lower-casing without accent stripping: U+0130 becomes i + U+0307 */
    o = (embed_tok_opts_t){
        .lower_case = true, .strip_accents = false, .chinese_chars = true, .max_len = 64};
    assert_int_equal(embed_tokenizer_load(v.path, &o, &t, err, sizeof err), 0);
    EXPECT(t, "\xc4\xb0", 2, 8, 9, 3);
    EXPECT(t, "Hello \xc3\xa9", 2, 5, 11, 3);
    EXPECT(t, "e\xcc\x81", 2, 12, 18, 3);
    embed_tokenizer_free(t);

    o = (embed_tok_opts_t){
        .lower_case = false, .strip_accents = true, .chinese_chars = true, .max_len = 64};
    assert_int_equal(embed_tokenizer_load(v.path, &o, &t, err, sizeof err), 0);
    EXPECT(t, "Hello \xc3\xa9", 2, 10, 12, 3);
    EXPECT(t, "\xc4\xb0", 2, 1, 3);
    embed_tokenizer_free(t);

    /* without CJK spacing, two ideographs are one word */
    o = (embed_tok_opts_t){
        .lower_case = true, .strip_accents = true, .chinese_chars = false, .max_len = 64};
    assert_int_equal(embed_tokenizer_load(v.path, &o, &t, err, sizeof err), 0);
    EXPECT(t, "\xe4\xb8\xad\xe6\x96\x87", 2, 1, 3);
    embed_tokenizer_free(t);
    tu_rmrf(v.dir);
}

static void test_vocab_file_forms(void **state) {
    (void)state;
    char err[256];
    embed_tokenizer_t *t;
    embed_tok_opts_t o = MINILM;
    tmpvocab_t v;
    /* CRLF lines, no final newline, a duplicate (the later line wins for
     * lookups, as in the reference's map), no [MASK] */
    static const char crlf[] = "[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\nab\r\n##c\r\nab\r\n[";
    write_vocab(&v, crlf, sizeof crlf - 1);
    assert_int_equal(embed_tokenizer_load(v.path, &o, &t, err, sizeof err), 0);
    assert_int_equal(embed_tokenizer_vocab_size(t), 8);
    assert_string_equal(embed_token_str(t, 3), "[SEP]");
    assert_string_equal(embed_token_str(t, 7), "[");
    assert_int_equal(embed_token_id(t, "ab"), 6);
    assert_string_equal(embed_token_str(t, 4), "ab");
    EXPECT(t, "ABC", 2, 6, 5, 3);
    /* with no [MASK] in the vocabulary, "[MASK]" is ordinary text */
    EXPECT(t, "[MASK]", 2, 7, 1, 1, 3);
    embed_tokenizer_free(t);
    tu_rmrf(v.dir);
}

static void test_vocab_errors(void **state) {
    (void)state;
    char err[256];
    tmpvocab_t v;
    embed_tok_opts_t o = MINILM;

    assert_int_equal(load_err("/nonexistent/vocab.txt", &o, err, sizeof err), SAL_EINVAL);
    assert_non_null(strstr(err, "/nonexistent/vocab.txt"));

    write_vocab(&v, "", 0);
    assert_int_equal(load_err(v.path, &o, err, sizeof err), SAL_EINVAL);
    assert_non_null(strstr(err, "empty"));
    assert_int_equal(load_err(v.dir, &o, err, sizeof err), SAL_EINVAL); /* a directory */
    assert_true(err[0] != '\0');

    static const char no_unk[] = "[PAD]\n[CLS]\n[SEP]\nhello\n";
    tu_write(v.path, no_unk, sizeof no_unk - 1);
    assert_int_equal(load_err(v.path, &o, err, sizeof err), SAL_EINVAL);
    assert_non_null(strstr(err, "[UNK]"));
    static const char no_cls[] = "[PAD]\n[UNK]\n[SEP]\n";
    tu_write(v.path, no_cls, sizeof no_cls - 1);
    assert_int_equal(load_err(v.path, &o, err, sizeof err), SAL_EINVAL);
    assert_non_null(strstr(err, "[CLS]"));
    static const char nul[] = "[PAD]\n[UNK]\n[CLS]\n[SEP]\nx\0y\n";
    tu_write(v.path, nul, sizeof nul - 1);
    assert_int_equal(load_err(v.path, &o, err, sizeof err), SAL_EINVAL);

    /* over the 16 MiB limit: a sparse file, nothing is read */
    FILE *f = fopen(v.path, "wb");
    assert_non_null(f);
    assert_int_equal(ftruncate(fileno(f), (16 << 20) + 1), 0);
    fclose(f);
    assert_int_equal(load_err(v.path, &o, err, sizeof err), SAL_EINVAL);
    assert_non_null(strstr(err, "limit"));

    tu_write(v.path, TINY, sizeof TINY - 1);
    o.max_len = 1;
    assert_int_equal(load_err(v.path, &o, err, sizeof err), SAL_EINVAL);
    o.max_len = 2;
    embed_tokenizer_t *t = NULL;
    assert_int_equal(embed_tokenizer_load(v.path, &o, &t, NULL, 0), 0);
    EXPECT(t, "hello world", 2, 3);
    embed_tokenizer_free(t);
    tu_rmrf(v.dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_texts),
        cmocka_unit_test(test_golden_invalid_utf8),
        cmocka_unit_test(test_empty_and_nul),
        cmocka_unit_test(test_wordpiece_continuations),
        cmocka_unit_test(test_word_length_limit),
        cmocka_unit_test(test_special_tokens_in_text),
        cmocka_unit_test(test_caps_and_truncation),
        cmocka_unit_test(test_megabyte_truncates_fast),
        cmocka_unit_test(test_throughput),
        cmocka_unit_test(test_vocab_lookups),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_vocab_file_forms),
        cmocka_unit_test(test_vocab_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
