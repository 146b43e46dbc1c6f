/* SPDX-License-Identifier: MIT */
/*
 * Tests for kc_chunk_doc (src/knowledge/chunk/chunker.c). The documents of
 * tests/data/chunk/chunks.json (heading paths, lone headings, pages,
 * speaker notes, joins, overlap, tables) must give exactly their chunks
 * under a whitespace word counter. Generated documents then check the
 * properties on a larger scale: no chunk over max_tokens (with the word
 * counter, with the real all-MiniLM-L6-v2 WordPiece tokenizer, and with a
 * counter that does not add up across units), every sentence kept whole
 * unless it alone is over max_tokens, overlap only inside a section and
 * page and never over overlap_tokens, nothing lost or reordered, the same
 * chunks every time, and a megabyte paragraph without punctuation cut in
 * well under two seconds.
 *
 * The tokenizer test needs models/all-MiniLM-L6-v2/vocab.txt under
 * $SALIENT_SOURCE_DIR and is skipped without it. With
 * SALIENT_CHUNK_BENCH=1 a last test measures throughput on ~5 MB of prose
 * and prints it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "knowledge/chunk/chunk.h"
#include "knowledge/embed/embed.h"
#include "testutil.h"

/* ---- counters ------------------------------------------------------------ */

static int ws_words(const char *t, size_t n) {
    int w = 0;
    bool in = false;
    for (size_t i = 0; i < n; i++) {
        bool sp = t[i] == ' ' || t[i] == '\n' || t[i] == '\t';
        if (!sp && !in) w++;
        in = !sp;
    }
    return w;
}

static int ws_count(void *ud, const char *t, size_t n) {
    (void)ud;
    return ws_words(t, n);
}

/* Words, plus 2 for every sentence joined to another: more for a chunk
 * than for its units added up. */
static int greedy_count(void *ud, const char *t, size_t n) {
    (void)ud;
    int extra = 0;
    for (size_t i = 0; i + 1 < n; i++)
        if (t[i] == '.' && (t[i + 1] == ' ' || t[i + 1] == '\n')) extra += 2;
    return ws_words(t, n) + extra;
}

static int failing_count(void *ud, const char *t, size_t n) {
    int *calls = ud;
    (void)t;
    (void)n;
    return ++*calls > 3 ? SAL_EIO : 1;
}

typedef struct {
    embed_tokenizer_t *tok;
    int32_t *ids;
    size_t cap;
} bert_t;

/* Model tokens without [CLS]/[SEP]; the tokenizer is loaded with a
 * max_len far above any chunk so it never truncates. */
static int bert_count(void *ud, const char *t, size_t n) {
    bert_t *b = ud;
    if (b->cap < n + 2) {
        b->cap = n + 2; /* every token takes at least one byte */
        b->ids = xrealloc(b->ids, b->cap * sizeof *b->ids);
    }
    size_t got = 0;
    assert_int_equal(embed_tokenize(b->tok, t, n, b->ids, b->cap, &got), 0);
    return (int)got - 2;
}

static bool bert_load(bert_t *b) {
    const char *root = getenv("SALIENT_SOURCE_DIR");
    if (root == NULL || root[0] == '\0') return false;
    char path[4096], err[512] = "";
    tu_path(path, sizeof path, root, "models/all-MiniLM-L6-v2/vocab.txt");
    if (access(path, R_OK) != 0) return false;
    embed_tok_opts_t o = {
        .lower_case = true, .strip_accents = true, .chinese_chars = true, .max_len = 1 << 30};
    *b = (bert_t){0};
    if (embed_tokenizer_load(path, &o, &b->tok, err, sizeof err) != 0) fail_msg("%s", err);
    return true;
}

static void bert_free(bert_t *b) {
    embed_tokenizer_free(b->tok);
    free(b->ids);
}

/* ---- documents ------------------------------------------------------------ */

static kx_doc_t *doc_new(void) { return xcalloc(1, sizeof(kx_doc_t)); }

static void doc_add(kx_doc_t *d, kx_block_kind_t kind, int level, int page, const char *text,
                    size_t len) {
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 16;
        d->blocks = xrealloc(d->blocks, d->cap * sizeof *d->blocks);
    }
    d->blocks[d->n++] = (kx_block_t){
        .kind = kind, .level = level, .page = page, .text = xstrndup(text, len), .len = len};
}

static kx_block_kind_t kind_parse(const char *s) {
    static const char *const names[] = {"heading",   "paragraph", "list_item",
                                        "table_row", "note",      "code"};
    for (int i = 0; i < 6; i++)
        if (strcmp(s, names[i]) == 0) return (kx_block_kind_t)i;
    fail_msg("unknown block kind %s", s);
    return KX_BLOCK_PARAGRAPH;
}

/* Deterministic generator (xorshift). */
static uint64_t rng_state;
static uint32_t rnd(uint32_t n) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

static const char *const WORDS[] = {"pricing",
                                    "customers",
                                    "onboarding",
                                    "integration",
                                    "security",
                                    "teams",
                                    "revenue",
                                    "the",
                                    "a",
                                    "with",
                                    "for",
                                    "and",
                                    "our",
                                    "platform",
                                    "reduces",
                                    "time",
                                    "by",
                                    "percent",
                                    "support",
                                    "annual",
                                    "contract",
                                    "includes",
                                    "dedicated",
                                    "manager",
                                    "data",
                                    "export",
                                    "compliance",
                                    "SOC",
                                    "audit",
                                    "renewal",
                                    "discount",
                                    "seats",
                                    "licence",
                                    "workflow",
                                    "approval",
                                    "dashboards",
                                    "reports",
                                    "Salesforce",
                                    "HubSpot",
                                    "API",
                                    "webhooks",
                                    "SSO",
                                    "v2.1",
                                    "3.5x",
                                    "e.g.",
                                    "Inc.",
                                    "sales@acme.com",
                                    "naïve",
                                    "café"};
#define N_WORDS (sizeof WORDS / sizeof WORDS[0])

/* Appends one sentence of nwords words (capitalised, ending in '.'). */
static void gen_sentence(sal_buf_t *b, int nwords) {
    for (int w = 0; w < nwords; w++) {
        const char *word = WORDS[rnd(N_WORDS)];
        if (w == 0) {
            /* Capitalise so it reads as a sentence start. */
            if (word[0] >= 'a' && word[0] <= 'z') {
                char c = (char)(word[0] - 'a' + 'A');
                sal_buf_append(b, &c, 1);
                sal_buf_puts(b, word + 1);
            } else {
                sal_buf_puts(b, "Then");
                w++;
                if (w < nwords) sal_buf_printf(b, " %s", word);
            }
        } else {
            sal_buf_printf(b, " %s", word);
        }
    }
    sal_buf_puts(b, ".");
}

/* A document of about bytes of prose: headings, paragraphs of varied
 * sentences, lists, table rows, pages; long_every > 0 adds a sentence
 * of 700 words every so many paragraphs. */
static kx_doc_t *gen_doc(uint64_t seed, size_t bytes, int long_every) {
    rng_state = seed;
    kx_doc_t *d = doc_new();
    sal_buf_t b;
    sal_buf_init(&b, 0);
    size_t total = 0;
    int page = 1, para = 0;
    while (total < bytes) {
        if (para % 12 == 0) {
            sal_buf_reset(&b);
            sal_buf_printf(&b, "Section %d", para / 12);
            doc_add(d, KX_BLOCK_HEADING, 1 + (int)rnd(3), page, b.data, b.len);
        }
        sal_buf_reset(&b);
        uint32_t kind = rnd(10);
        if (kind < 7) {
            int ns = 1 + (int)rnd(8);
            for (int s = 0; s < ns; s++) {
                if (s) sal_buf_puts(&b, rnd(5) == 0 ? "\n" : " ");
                gen_sentence(&b, 3 + (int)rnd(rnd(6) == 0 ? 90 : 25));
            }
            if (long_every && para % long_every == long_every - 1) {
                sal_buf_puts(&b, " ");
                gen_sentence(&b, 700);
            }
            doc_add(d, KX_BLOCK_PARAGRAPH, 0, page, b.data, b.len);
        } else if (kind < 9) {
            gen_sentence(&b, 2 + (int)rnd(10));
            doc_add(d, KX_BLOCK_LIST_ITEM, 0, page, b.data, b.len);
        } else {
            sal_buf_printf(&b, "%s | %s | $%u", WORDS[rnd(N_WORDS)], WORDS[rnd(N_WORDS)],
                           rnd(1000));
            doc_add(d, KX_BLOCK_TABLE_ROW, 0, page, b.data, b.len);
        }
        total += b.len;
        para++;
        if (rnd(6) == 0) page++;
    }
    sal_buf_free(&b);
    d->page_count = page;
    return d;
}

/* ---- checks --------------------------------------------------------------- */

typedef struct {
    size_t *st, *en;
    size_t n;
} sents_t;

static sents_t split(const char *t, size_t len) {
    sents_t s = {0};
    s.n = kc_sentences(t, len, NULL, NULL, 0);
    s.st = xmalloc((s.n + 1) * sizeof *s.st);
    s.en = xmalloc((s.n + 1) * sizeof *s.en);
    kc_sentences(t, len, s.st, s.en, s.n);
    return s;
}

static void sents_free(sents_t *s) {
    free(s->st);
    free(s->en);
}

static bool span_eq(const char *a, size_t as, size_t ae, const char *b, size_t bs, size_t be) {
    return ae - as == be - bs && memcmp(a + as, b + bs, ae - as) == 0;
}

/* Checks the properties every chunking must have, whatever the counter:
 * caps, counts, non-empty text, and that consecutive chunks overlap only
 * by whole sentences within one page and section, never more than
 * overlap_tokens. Returns the total overlap seen. */
static int check_chunks(const kc_chunk_t *c, size_t n, const kc_opts_t *o, kc_count_fn count,
                        void *ud) {
    int overlap_seen = 0;
    for (size_t i = 0; i < n; i++) {
        assert_non_null(c[i].text);
        assert_non_null(c[i].section);
        assert_true(c[i].len > 0);
        assert_int_equal(strlen(c[i].text), c[i].len);
        assert_int_equal(c[i].token_count, count(ud, c[i].text, c[i].len));
        if (c[i].token_count > o->max_tokens)
            fail_msg("chunk %zu has %d tokens > %d", i, c[i].token_count, o->max_tokens);
        assert_true(c[i].text[0] != ' ' && c[i].text[c[i].len - 1] != ' ');
        if (i == 0) continue;
        /* The longest run of closing sentences of chunk i-1 that opens
         * chunk i is the overlap. */
        sents_t a = split(c[i - 1].text, c[i - 1].len), b = split(c[i].text, c[i].len);
        size_t best = 0;
        for (size_t k = 1; k <= a.n && k <= b.n; k++) {
            bool eq = true;
            for (size_t j = 0; j < k && eq; j++)
                eq = span_eq(c[i - 1].text, a.st[a.n - k + j], a.en[a.n - k + j], c[i].text,
                             b.st[j], b.en[j]);
            if (eq) best = k;
        }
        if (best) {
            size_t end = b.en[best - 1];
            int ov = count(ud, c[i].text, end);
            if (ov > o->overlap_tokens)
                fail_msg("chunk %zu opens with %d tokens of chunk %zu: \"%.*s\"", i, ov, i - 1,
                         (int)end, c[i].text);
            assert_int_equal(c[i].page, c[i - 1].page);
            assert_string_equal(c[i].section, c[i - 1].section);
            assert_true(best < b.n); /* never a chunk of overlap alone */
            overlap_seen += ov;
        }
        sents_free(&a);
        sents_free(&b);
    }
    return overlap_seen;
}

/* Every sentence of every paragraph that fits max_tokens appears whole in
 * some chunk, in document order (a cursor moves forward through the
 * chunks). */
static void check_sentences_whole(const kx_doc_t *d, const kc_chunk_t *c, size_t n,
                                  const kc_opts_t *o, kc_count_fn count, void *ud) {
    size_t ci = 0;
    const char *from = n ? c[0].text : NULL;
    size_t checked = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (d->blocks[i].kind != KX_BLOCK_PARAGRAPH) continue;
        char *t;
        size_t len;
        assert_int_equal(kc_normalize(d->blocks[i].text, d->blocks[i].len, 0, &t, &len), 0);
        sents_t s = split(t, len);
        for (size_t k = 0; k < s.n; k++) {
            if (count(ud, t + s.st[k], s.en[k] - s.st[k]) > o->max_tokens) {
                from = NULL; /* cut: resume the search at the next chunk */
                continue;
            }
            char *needle = xstrndup(t + s.st[k], s.en[k] - s.st[k]);
            const char *hit = NULL;
            while (ci < n) {
                if (!from) from = c[ci].text;
                hit = strstr(from, needle);
                if (hit) break;
                ci++;
                from = NULL;
            }
            if (!hit) fail_msg("sentence not found whole, in order: \"%s\"", needle);
            from = hit + 1;
            checked++;
            free(needle);
        }
        sents_free(&s);
        free(t);
    }
    assert_true(checked > 0);
}

static void chunk_ok(const kx_doc_t *d, const kc_opts_t *o, kc_count_fn count, void *ud,
                     kc_chunk_t **c, size_t *n) {
    assert_int_equal(kc_chunk_doc(d, o, count, ud, c, n), 0);
}

/* ---- tests ------------------------------------------------------------------ */

static void test_golden_documents(void **state) {
    (void)state;
    const char *root = getenv("SALIENT_SOURCE_DIR");
    if (root == NULL || root[0] == '\0') fail_msg("SALIENT_SOURCE_DIR is not set (run via ctest)");
    char path[4096];
    tu_path(path, sizeof path, root, "tests/data/chunk/chunks.json");
    json_error_t jerr;
    json_t *cases = json_load_file(path, 0, &jerr);
    if (!cases) fail_msg("%s:%d: %s", path, jerr.line, jerr.text);
    size_t i, failed = 0;
    json_t *cs;
    json_array_foreach(cases, i, cs) {
        const char *name = json_string_value(json_object_get(cs, "name"));
        kc_opts_t o;
        kc_opts_default(&o);
        json_t *jo = json_object_get(cs, "opts");
        if (jo) {
            o.target_tokens = (int)json_integer_value(json_object_get(jo, "target"));
            o.overlap_tokens = (int)json_integer_value(json_object_get(jo, "overlap"));
            o.max_tokens = (int)json_integer_value(json_object_get(jo, "max"));
        }
        kx_doc_t *d = doc_new();
        size_t k;
        json_t *b;
        json_array_foreach(json_object_get(cs, "blocks"), k, b) {
            json_t *text = json_object_get(b, "text");
            doc_add(d, kind_parse(json_string_value(json_object_get(b, "kind"))),
                    (int)json_integer_value(json_object_get(b, "level")),
                    (int)json_integer_value(json_object_get(b, "page")), json_string_value(text),
                    json_string_length(text));
        }
        kc_chunk_t *c = NULL;
        size_t n = 0;
        chunk_ok(d, &o, ws_count, NULL, &c, &n);
        json_t *want = json_object_get(cs, "chunks");
        bool ok = n == json_array_size(want);
        for (k = 0; ok && k < n; k++) {
            json_t *w = json_array_get(want, k);
            ok = strcmp(c[k].text, json_string_value(json_object_get(w, "text"))) == 0 &&
                 strcmp(c[k].section, json_string_value(json_object_get(w, "section"))) == 0 &&
                 c[k].page == json_integer_value(json_object_get(w, "page")) &&
                 c[k].token_count == json_integer_value(json_object_get(w, "tokens"));
        }
        if (!ok) {
            print_error("case %zu (%s): got %zu chunks:\n", i, name, n);
            for (k = 0; k < n; k++)
                print_error("  page %d, section \"%s\", %d tokens: \"%s\"\n", c[k].page,
                            c[k].section, c[k].token_count, c[k].text);
            failed++;
        }
        kc_chunks_free(c, n);
        kx_doc_free(d);
    }
    json_decref(cases);
    assert_int_equal(failed, 0);
}

static void test_empty_document(void **state) {
    (void)state;
    kx_doc_t *d = doc_new();
    kc_chunk_t *c = (kc_chunk_t *)0x1;
    size_t n = 5;
    chunk_ok(d, NULL, ws_count, NULL, &c, &n);
    assert_int_equal(n, 0);
    kc_chunks_free(c, n);
    kx_doc_free(d);
}

static void test_bad_arguments(void **state) {
    (void)state;
    kx_doc_t *d = doc_new();
    doc_add(d, KX_BLOCK_PARAGRAPH, 0, 0, "Hello.", 6);
    kc_chunk_t *c;
    size_t n;
    kc_opts_t o = {.target_tokens = 0, .overlap_tokens = 0, .max_tokens = 10};
    assert_int_equal(kc_chunk_doc(d, &o, ws_count, NULL, &c, &n), SAL_EINVAL);
    o = (kc_opts_t){.target_tokens = 10, .overlap_tokens = -1, .max_tokens = 10};
    assert_int_equal(kc_chunk_doc(d, &o, ws_count, NULL, &c, &n), SAL_EINVAL);
    assert_int_equal(kc_chunk_doc(d, NULL, NULL, NULL, &c, &n), SAL_EINVAL);
    assert_int_equal(kc_chunk_doc(NULL, NULL, ws_count, NULL, &c, &n), SAL_EINVAL);
    kx_doc_free(d);
}

static void test_defaults(void **state) {
    (void)state;
    kc_opts_t o;
    kc_opts_default(&o);
    assert_int_equal(o.target_tokens, 256);
    assert_int_equal(o.overlap_tokens, 38);
    assert_int_equal(o.max_tokens, 510);
}

static void test_counter_error_fails_the_call(void **state) {
    (void)state;
    kx_doc_t *d = doc_new();
    for (int i = 0; i < 10; i++) doc_add(d, KX_BLOCK_PARAGRAPH, 0, 0, "One. Two. Three.", 16);
    int calls = 0;
    kc_chunk_t *c = (kc_chunk_t *)0x1;
    size_t n = 9;
    assert_int_equal(kc_chunk_doc(d, NULL, failing_count, &calls, &c, &n), SAL_EIO);
    assert_null(c);
    assert_int_equal(n, 0);
    kx_doc_free(d);
}

/* A 600-word sentence is cut into three pieces of 200 at word
 * boundaries; a 400-word one (over target, under max) stays whole. */
static void test_long_sentence_cut_evenly(void **state) {
    (void)state;
    sal_buf_t b;
    sal_buf_init(&b, 0);
    sal_buf_puts(&b, "Short one here.");
    for (int i = 0; i < 600; i++) sal_buf_printf(&b, " W%d", i);
    sal_buf_puts(&b, ". Long");
    for (int i = 0; i < 399; i++) sal_buf_printf(&b, " x%d", i);
    sal_buf_puts(&b, ". End here.");
    kx_doc_t *d = doc_new();
    doc_add(d, KX_BLOCK_PARAGRAPH, 0, 0, b.data, b.len);
    kc_opts_t o;
    kc_opts_default(&o);
    kc_chunk_t *c;
    size_t n;
    chunk_ok(d, &o, ws_count, NULL, &c, &n);
    /* "Short one here." is a scrap (3 < 64) but 3 + 200 fits: it joins
     * the first piece. */
    assert_int_equal(n, 5);
    assert_int_equal(c[0].token_count, 3 + 200);
    assert_true(strncmp(c[0].text, "Short one here. W0 W1", 21) == 0);
    assert_int_equal(c[1].token_count, 200);
    assert_true(strncmp(c[1].text, "W200 ", 5) == 0);
    assert_int_equal(c[2].token_count, 200);
    assert_true(strncmp(c[2].text, "W400 ", 5) == 0);
    assert_true(c[2].text[c[2].len - 1] == '.');
    /* No overlap after a piece: it is not a whole sentence. */
    assert_int_equal(c[3].token_count, 400);
    assert_true(strncmp(c[3].text, "Long x0 ", 8) == 0);
    assert_string_equal(c[4].text, "End here.");
    kc_chunks_free(c, n);
    kx_doc_free(d);
    sal_buf_free(&b);
}

static void test_overlap_dropped_when_it_would_pass_max(void **state) {
    (void)state;
    /* target 10, overlap 4, max 12: a(3) b(4) c(3) fill a chunk; the
     * next, d(10), cannot take c's 3 tokens of overlap within 12. */
    kx_doc_t *d = doc_new();
    const char *t = "a1 a2 a3. b1 b2 b3 b4. c1 c2 c3. d1 d2 d3 d4 d5 d6 d7 d8 d9 d10.";
    doc_add(d, KX_BLOCK_PARAGRAPH, 0, 0, t, strlen(t));
    kc_opts_t o = {.target_tokens = 10, .overlap_tokens = 4, .max_tokens = 12};
    kc_chunk_t *c;
    size_t n;
    chunk_ok(d, &o, ws_count, NULL, &c, &n);
    assert_int_equal(n, 2);
    assert_string_equal(c[0].text, "a1 a2 a3. b1 b2 b3 b4. c1 c2 c3.");
    assert_string_equal(c[1].text, "d1 d2 d3 d4 d5 d6 d7 d8 d9 d10.");
    kc_chunks_free(c, n);
    kx_doc_free(d);
}

static void test_generated_word_counter(void **state) {
    (void)state;
    kx_doc_t *d = gen_doc(42, 400 * 1024, 17);
    kc_opts_t o;
    kc_opts_default(&o);
    kc_chunk_t *c, *c2;
    size_t n, n2;
    chunk_ok(d, &o, ws_count, NULL, &c, &n);
    assert_true(n > 100);
    int ov = check_chunks(c, n, &o, ws_count, NULL);
    assert_true(ov > 0); /* full chunks did hand over sentences */
    check_sentences_whole(d, c, n, &o, ws_count, NULL);
    /* Deterministic. */
    chunk_ok(d, &o, ws_count, NULL, &c2, &n2);
    assert_int_equal(n, n2);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(c[i].text, c2[i].text);
        assert_string_equal(c[i].section, c2[i].section);
        assert_int_equal(c[i].page, c2[i].page);
    }
    /* Pages never mix and stay in order; sections are heading paths. */
    for (size_t i = 1; i < n; i++) assert_true(c[i].page >= c[i - 1].page);
    for (size_t i = 0; i < n; i++) assert_true(strncmp(c[i].section, "Section ", 8) == 0);
    kc_chunks_free(c, n);
    kc_chunks_free(c2, n2);
    kx_doc_free(d);
}

static void test_generated_small_windows(void **state) {
    (void)state;
    kx_doc_t *d = gen_doc(7, 100 * 1024, 0);
    kc_opts_t o = {.target_tokens = 40, .overlap_tokens = 8, .max_tokens = 60};
    kc_chunk_t *c;
    size_t n;
    chunk_ok(d, &o, ws_count, NULL, &c, &n);
    check_chunks(c, n, &o, ws_count, NULL);
    check_sentences_whole(d, c, n, &o, ws_count, NULL);
    kc_chunks_free(c, n);
    kx_doc_free(d);
}

/* A counter for which a chunk costs more than its units: the packer's sums
 * undercount, and the final count cuts the chunk back. */
static void test_counter_that_does_not_add_up(void **state) {
    (void)state;
    kx_doc_t *d = gen_doc(99, 60 * 1024, 0);
    kc_opts_t o = {.target_tokens = 30, .overlap_tokens = 5, .max_tokens = 40};
    kc_chunk_t *c;
    size_t n;
    chunk_ok(d, &o, greedy_count, NULL, &c, &n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(c[i].token_count, greedy_count(NULL, c[i].text, c[i].len));
        if (c[i].token_count > o.max_tokens)
            fail_msg("chunk %zu: %d tokens > %d", i, c[i].token_count, o.max_tokens);
    }
    check_sentences_whole(d, c, n, &o, greedy_count, NULL);
    kc_chunks_free(c, n);
    kx_doc_free(d);
}

static void test_real_tokenizer(void **state) {
    (void)state;
    bert_t bt;
    if (!bert_load(&bt)) {
        print_message("models/all-MiniLM-L6-v2/vocab.txt not found: skipped\n");
        skip();
    }
    assert_int_equal(bert_count(&bt, "Hello, world!", 13), 4); /* hello , world ! */
    kx_doc_t *d = gen_doc(1234, 300 * 1024, 11);
    kc_opts_t o;
    kc_opts_default(&o);
    kc_chunk_t *c;
    size_t n;
    chunk_ok(d, &o, bert_count, &bt, &c, &n);
    check_chunks(c, n, &o, bert_count, &bt);
    check_sentences_whole(d, c, n, &o, bert_count, &bt);
    int over_target = 0;
    for (size_t i = 0; i < n; i++) over_target += c[i].token_count > o.target_tokens;
    assert_true(over_target < (int)n / 5);
    kc_chunks_free(c, n);
    kx_doc_free(d);

    /* A run of punctuation with no space is one word of 3000 tokens: it
     * goes out between code points, in 12 pieces of 250. */
    char dots[3000];
    memset(dots, '!', sizeof dots);
    d = doc_new();
    doc_add(d, KX_BLOCK_PARAGRAPH, 0, 1, dots, sizeof dots);
    chunk_ok(d, &o, bert_count, &bt, &c, &n);
    assert_int_equal(n, 12);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(c[i].len, 250);
        assert_int_equal(c[i].token_count, 250);
        assert_int_equal(bert_count(&bt, c[i].text, c[i].len), 250);
    }
    kc_chunks_free(c, n);
    kx_doc_free(d);
    bert_free(&bt);
}

static void test_megabyte_without_punctuation(void **state) {
    (void)state;
    size_t len = 1u << 20;
    char *t = xmalloc(len);
    rng_state = 5;
    size_t i = 0;
    while (i < len) {
        const char *w = WORDS[rnd(N_WORDS)];
        size_t wl = strlen(w);
        if (strchr(w, '.')) continue;
        if (i + wl + 1 > len) break;
        memcpy(t + i, w, wl);
        i += wl;
        t[i++] = rnd(40) == 0 ? '\n' : ' ';
    }
    while (i < len) t[i++] = ' ';
    kx_doc_t *d = doc_new();
    doc_add(d, KX_BLOCK_PARAGRAPH, 0, 3, t, len);
    kc_opts_t o;
    kc_opts_default(&o);
    kc_chunk_t *c;
    size_t n;
    double t0 = sal_mono_ms();
    chunk_ok(d, &o, ws_count, NULL, &c, &n);
    double ms = sal_mono_ms() - t0;
    print_message("1 MB without punctuation: %zu chunks in %.0f ms\n", n, ms);
    assert_true(ms < 2000);
    /* The pieces, joined by spaces, are the normalised paragraph. */
    char *norm;
    size_t nlen;
    assert_int_equal(kc_normalize(t, len, 0, &norm, &nlen), 0);
    size_t off = 0;
    int total = 0;
    for (size_t k = 0; k < n; k++) {
        assert_true(c[k].token_count <= o.max_tokens);
        assert_true(c[k].token_count > 0);
        assert_int_equal(c[k].page, 3);
        assert_memory_equal(norm + off, c[k].text, c[k].len);
        off += c[k].len + 1;
        total += c[k].token_count;
    }
    assert_int_equal(off, nlen + 1);
    assert_int_equal(total, ws_words(norm, nlen));
    free(norm);
    kc_chunks_free(c, n);
    kx_doc_free(d);
    free(t);
}

static void bench_one(const char *what, const kx_doc_t *d, size_t bytes, kc_count_fn count,
                      void *ud) {
    kc_opts_t o;
    kc_opts_default(&o);
    double best = 1e30;
    size_t n = 0;
    for (int r = 0; r < 3; r++) {
        kc_chunk_t *c;
        double t0 = sal_mono_ms();
        chunk_ok(d, &o, count, ud, &c, &n);
        double ms = sal_mono_ms() - t0;
        if (ms < best) best = ms;
        kc_chunks_free(c, n);
    }
    print_message("chunk throughput, %s: %.2f MB in %.0f ms = %.1f MB/s, %zu chunks\n", what,
                  (double)bytes / 1e6, best, (double)bytes / 1e6 / (best / 1000), n);
}

static void test_throughput(void **state) {
    (void)state;
    const char *on = getenv("SALIENT_CHUNK_BENCH");
    if (!on || strcmp(on, "1") != 0) skip();
    kx_doc_t *d = gen_doc(2024, 5 * 1000 * 1000, 0);
    size_t bytes = 0;
    for (size_t i = 0; i < d->n; i++) bytes += d->blocks[i].len;
    bench_one("whitespace counter", d, bytes, ws_count, NULL);
    bert_t bt;
    if (bert_load(&bt)) {
        bench_one("WordPiece counter", d, bytes, bert_count, &bt);
        bert_free(&bt);
    }
    kx_doc_free(d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_documents),
        cmocka_unit_test(test_empty_document),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_counter_error_fails_the_call),
        cmocka_unit_test(test_long_sentence_cut_evenly),
        cmocka_unit_test(test_overlap_dropped_when_it_would_pass_max),
        cmocka_unit_test(test_generated_word_counter),
        cmocka_unit_test(test_generated_small_windows),
        cmocka_unit_test(test_counter_that_does_not_add_up),
        cmocka_unit_test(test_real_tokenizer),
        cmocka_unit_test(test_megabyte_without_punctuation),
        cmocka_unit_test(test_throughput),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
