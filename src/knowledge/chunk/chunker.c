/* SPDX-License-Identifier: MIT */
/*
 * The chunker (kc_chunk_doc in chunk.h): extracted blocks in, the passages
 * we embed, index and cite out.
 *
 * Every block is normalised, then cut into units: a paragraph or speaker
 * note into its sentences; a list item, table row, code block or lone
 * heading is one unit. A unit longer than max_tokens is cut further: a
 * list item into its sentences, a table row at its " | " cell boundaries,
 * anything else (and any cell or sentence still too long) at word
 * boundaries, and a single word longer than that between code points.
 * Those pieces are about equal, near target_tokens each, so a 600-token
 * sentence becomes two chunks of 300 rather than 510 + 90.
 *
 * Units are packed in document order into chunks of up to target_tokens
 * (a chunk still under a quarter of the target takes the next unit if the
 * two fit in max_tokens, so a long sentence does not leave a scrap behind
 * it). A chunk is closed, without overlap, at every heading that changes
 * the section path or has level <= 2, and at every page or slide change,
 * so a chunk never spans two pages or sections. A chunk closed because it
 * is full hands its last whole units of at most overlap_tokens, never all
 * of them, to the next chunk as its opening (none when the last one alone
 * is over); the overlap is given up where it would push the next chunk
 * over max_tokens.
 *
 * The section is the heading path, "Pricing > Enterprise": a heading of
 * level L replaces the entries of level >= L. A heading is chunk text only
 * when nothing is under it: the next block is another heading of the same
 * or a higher level, or the end. Speaker notes follow the text of their
 * slide: within a run of blocks on one page, notes are taken after the
 * rest, in their order.
 *
 * In a chunk, sentences of one block are joined with " ", units of
 * different blocks (and list items, rows, code) with "\n". Packing adds up
 * per-unit counts, which is exact for tokenizers that split at whitespace
 * (WordPiece, the word counters); the final count is taken on the chunk
 * text, and a chunk that a counter finds over max_tokens all the same is
 * cut back unit by unit, so no chunk is ever over the cap. Nothing depends
 * on the clock or on addresses: the same document gives the same chunks.
 */
#include "knowledge/chunk/chunk.h"

#include <stdlib.h>
#include <string.h>

#include "knowledge/chunk/chunk_int.h"

#define MAX_LEVEL 6

void kc_opts_default(kc_opts_t *o) {
    *o = (kc_opts_t){.target_tokens = 256, .overlap_tokens = 38, .max_tokens = 510};
}

void kc_chunks_free(kc_chunk_t *c, size_t n) {
    if (!c) return;
    for (size_t i = 0; i < n; i++) {
        free(c[i].text);
        free(c[i].section);
    }
    free(c);
}

/* A piece of a block's normalised text that is packed whole. */
typedef struct {
    const char *text; /* borrowed from the block's normalised text */
    size_t len;
    int tokens;
    size_t block; /* the block's place in processing order */
    bool line;    /* list item, table row, code, heading: joined with "\n" */
    bool whole;   /* a whole sentence or item: may be repeated as overlap */
} unit_t;

/* A segment of a unit that is being cut into pieces. */
typedef struct {
    size_t start, end;
    int tokens;
} seg_t;

typedef struct {
    kc_count_fn count;
    void *ud;
    int target, overlap, max;
    int err; /* the first negative count, which fails the whole call */

    /* The chunk being filled: u[0..n_ov) is overlap from the previous one. */
    unit_t *u;
    size_t n, cap, n_ov;
    int tokens, ov_tokens;
    int page;
    char *section; /* owned; the path when the chunk opened */

    /* The heading path and its joined form. */
    const char *path[MAX_LEVEL + 1];
    sal_buf_t path_str;

    sal_buf_t text; /* scratch for a chunk's text */

    kc_chunk_t *out;
    size_t nout, capout;
} ck_t;

static int count(ck_t *c, const char *text, size_t len) {
    if (c->err || len == 0) return 0;
    int r = c->count(c->ud, text, len);
    if (r < 0) {
        c->err = r;
        return 0;
    }
    return r;
}

static void chunk_reset(ck_t *c) {
    c->n = c->n_ov = 0;
    c->tokens = c->ov_tokens = 0;
    free(c->section);
    c->section = NULL;
}

static void build_text(ck_t *c, const unit_t *u, size_t n) {
    sal_buf_reset(&c->text);
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            bool same = u[i].block == u[i - 1].block && !u[i].line && !u[i - 1].line;
            sal_buf_append(&c->text, same ? " " : "\n", 1);
        }
        sal_buf_append(&c->text, u[i].text, u[i].len);
    }
}

static void push_chunk(ck_t *c, int tokens) {
    if (c->nout == c->capout) {
        c->capout = c->capout ? c->capout * 2 : 16;
        c->out = xrealloc(c->out, c->capout * sizeof *c->out);
    }
    c->out[c->nout++] = (kc_chunk_t){
        .text = xstrndup(c->text.data, c->text.len),
        .len = c->text.len,
        .section = xstrdup(c->section ? c->section : ""),
        .page = c->page,
        .token_count = tokens,
    };
}

/* Emits the current chunk (if it has more than overlap in it). A chunk
 * whose text counts over max_tokens, which only a counter that does not
 * add up across whitespace can cause, loses its overlap and goes out as
 * several chunks, each the longest run of its units that fits; nothing
 * of it is left to overlap. */
static void emit(ck_t *c) {
    if (c->n == c->n_ov) return;
    build_text(c, c->u, c->n);
    int tokens = count(c, c->text.data, c->text.len);
    if (tokens <= c->max || c->n == 1) {
        push_chunk(c, tokens);
        return;
    }
    for (size_t off = c->n_ov; off < c->n;) {
        size_t k = c->n - off;
        for (;;) {
            build_text(c, c->u + off, k);
            tokens = k == 1 ? c->u[off].tokens : count(c, c->text.data, c->text.len);
            if (tokens <= c->max || k == 1) break;
            k--;
        }
        push_chunk(c, tokens);
        off += k;
    }
    c->n = c->n_ov = 0;
}

/* Closes the current chunk; full: it closed because the next unit did not
 * fit, so its closing units open the next one. */
static void close_chunk(ck_t *c, bool full) {
    emit(c);
    if (!full || c->n == 0) {
        chunk_reset(c);
        return;
    }
    size_t k = 0;
    int sum = 0;
    while (k + 1 < c->n - c->n_ov) {
        const unit_t *u = &c->u[c->n - 1 - k];
        if (!u->whole || sum + u->tokens > c->overlap) break;
        sum += u->tokens;
        k++;
    }
    memmove(c->u, c->u + (c->n - k), k * sizeof *c->u);
    c->n = c->n_ov = k;
    c->tokens = c->ov_tokens = sum;
}

static void add_unit(ck_t *c, const unit_t *u, int page) {
    if (c->n > 0 && page != c->page) close_chunk(c, false);
    if (c->n > c->n_ov && c->tokens + u->tokens > c->target) {
        int content = c->tokens - c->ov_tokens;
        bool scrap = content < c->target / 4 && c->tokens + u->tokens <= c->max;
        if (!scrap) close_chunk(c, true);
    }
    while (c->n_ov > 0 && c->tokens + u->tokens > c->max) {
        c->tokens -= c->u[0].tokens;
        c->ov_tokens -= c->u[0].tokens;
        memmove(c->u, c->u + 1, (c->n - 1) * sizeof *c->u);
        c->n--;
        c->n_ov--;
    }
    if (c->n == 0) {
        c->page = page;
        free(c->section);
        c->section = xstrndup(c->path_str.data, c->path_str.len);
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 32;
        c->u = xrealloc(c->u, c->cap * sizeof *c->u);
    }
    c->u[c->n++] = *u;
    c->tokens += u->tokens;
}

/* ---- cutting a unit that is too long ------------------------------------ */

typedef enum { CUT_CELLS, CUT_WORDS, CUT_CODEPOINTS } cut_t;

/* The size to aim at when cutting total tokens into pieces: equal pieces
 * near target, none over max. */
static int piece_goal(const ck_t *c, int total) {
    int pieces = (total + c->target - 1) / c->target;
    if (pieces < 1) pieces = 1;
    int goal = (total + pieces - 1) / pieces;
    return goal > c->max ? c->max : goal < 1 ? 1 : goal;
}

typedef struct {
    seg_t *s;
    size_t n, cap;
    int sum;
} segs_t;

/* Adds the segments in sg as pieces of base: as many at a time as the
 * counter says fit in max_tokens. */
static void flush_segs(ck_t *c, const char *base, segs_t *sg, const unit_t *tmpl, int page) {
    size_t off = 0;
    while (off < sg->n) {
        size_t k = sg->n - off;
        int tokens = 0;
        for (;;) {
            const seg_t *a = &sg->s[off], *b = &sg->s[off + k - 1];
            tokens = k == 1 ? a->tokens : count(c, base + a->start, b->end - a->start);
            if (tokens <= c->max || k == 1) break;
            k--;
        }
        unit_t u = *tmpl;
        u.text = base + sg->s[off].start;
        u.len = sg->s[off + k - 1].end - sg->s[off].start;
        u.tokens = tokens;
        u.whole = false;
        add_unit(c, &u, page);
        off += k;
    }
    sg->n = 0;
    sg->sum = 0;
}

static void seg_push(segs_t *sg, size_t start, size_t end, int tokens) {
    if (sg->n == sg->cap) {
        sg->cap = sg->cap ? sg->cap * 2 : 64;
        sg->s = xrealloc(sg->s, sg->cap * sizeof *sg->s);
    }
    sg->s[sg->n++] = (seg_t){start, end, tokens};
    sg->sum += tokens;
}

/* Finds the next segment of text[0..len) at or after *pos for the cut;
 * false when there is none. */
static bool next_seg(const char *text, size_t len, cut_t how, size_t *pos, size_t *start,
                     size_t *end) {
    size_t i = *pos;
    if (how == CUT_CODEPOINTS) {
        if (i >= len) return false;
        int32_t cp;
        *start = i;
        *end = i + kc_utf8_decode((const unsigned char *)text + i, len - i, &cp);
        *pos = *end;
        return true;
    }
    if (how == CUT_WORDS) {
        while (i < len && kc_space_byte((unsigned char)text[i])) i++;
        if (i >= len) return false;
        *start = i;
        while (i < len && !kc_space_byte((unsigned char)text[i])) i++;
        *end = *pos = i;
        return true;
    }
    /* Cells: the text between " | " separators, trimmed. */
    if (i >= len) return false;
    const char *sep = NULL;
    for (size_t j = i; j + 3 <= len; j++)
        if (text[j] == ' ' && text[j + 1] == '|' && text[j + 2] == ' ') {
            sep = text + j;
            break;
        }
    size_t e = sep ? (size_t)(sep - text) : len;
    size_t s = i;
    while (s < e && kc_space_byte((unsigned char)text[s])) s++;
    size_t t = e;
    while (t > s && kc_space_byte((unsigned char)text[t - 1])) t--;
    *start = s;
    *end = t > s ? t : s;
    *pos = sep ? e + 3 : len;
    return true;
}

/* Cuts text[0..len) (total tokens, over max_tokens) into pieces and packs
 * them, the way `how` says, going finer for any segment still too long. */
static void cut_unit(ck_t *c, const char *text, size_t len, int total, cut_t how,
                     const unit_t *tmpl, int page) {
    int goal = piece_goal(c, total);
    int sep_tokens = how == CUT_CELLS ? count(c, " | ", 3) : 0;
    segs_t sg = {0};
    size_t pos = 0, s, e;
    while (!c->err && next_seg(text, len, how, &pos, &s, &e)) {
        if (e == s) continue;
        int t = count(c, text + s, e - s);
        if (t > c->max && how != CUT_CODEPOINTS) {
            flush_segs(c, text, &sg, tmpl, page);
            cut_unit(c, text + s, e - s, t, how == CUT_CELLS ? CUT_WORDS : CUT_CODEPOINTS, tmpl,
                     page);
            continue;
        }
        if (sg.n > 0 && sg.sum + sep_tokens * (int)sg.n + t > goal)
            flush_segs(c, text, &sg, tmpl, page);
        seg_push(&sg, s, e, t);
    }
    flush_segs(c, text, &sg, tmpl, page);
    free(sg.s);
}

/* ---- blocks into units ------------------------------------------------- */

static void add_text_unit(ck_t *c, const char *text, size_t len, cut_t how, const unit_t *tmpl,
                          int page) {
    int t = count(c, text, len);
    if (t <= c->max) {
        unit_t u = *tmpl;
        u.text = text;
        u.len = len;
        u.tokens = t;
        u.whole = true;
        add_unit(c, &u, page);
    } else {
        cut_unit(c, text, len, t, how, tmpl, page);
    }
}

static void add_sentences(ck_t *c, const char *text, size_t len, size_t block, int page) {
    size_t st_buf[128], en_buf[128];
    size_t *st = st_buf, *en = en_buf;
    size_t n = kc_sentences(text, len, st, en, 128);
    if (n > 128) {
        st = xmalloc(n * sizeof *st);
        en = xmalloc(n * sizeof *en);
        kc_sentences(text, len, st, en, n);
    }
    unit_t tmpl = {.block = block, .line = false};
    for (size_t i = 0; i < n && !c->err; i++)
        add_text_unit(c, text + st[i], en[i] - st[i], CUT_WORDS, &tmpl, page);
    if (st != st_buf) {
        free(st);
        free(en);
    }
}

static void add_block(ck_t *c, const kx_block_t *b, const char *text, size_t len, size_t block) {
    unit_t line = {.block = block, .line = true};
    switch (b->kind) {
    case KX_BLOCK_LIST_ITEM:
        if (count(c, text, len) <= c->max)
            add_text_unit(c, text, len, CUT_WORDS, &line, b->page);
        else
            add_sentences(c, text, len, block, b->page);
        break;
    case KX_BLOCK_TABLE_ROW: add_text_unit(c, text, len, CUT_CELLS, &line, b->page); break;
    case KX_BLOCK_CODE:
    case KX_BLOCK_HEADING: add_text_unit(c, text, len, CUT_WORDS, &line, b->page); break;
    case KX_BLOCK_PARAGRAPH:
    case KX_BLOCK_NOTE:
    default: add_sentences(c, text, len, block, b->page); break;
    }
}

/* Joins the entries of path with " > " into b (always NUL-terminated). */
static void path_join(const char *const path[MAX_LEVEL + 1], sal_buf_t *b) {
    sal_buf_reset(b);
    sal_buf_append(b, "", 0);
    for (int l = 1; l <= MAX_LEVEL; l++) {
        if (!path[l]) continue;
        if (b->len) sal_buf_append(b, " > ", 3);
        sal_buf_puts(b, path[l]);
    }
}

static int heading_level(const kx_block_t *b) {
    return b->level < 1 ? 1 : b->level > MAX_LEVEL ? MAX_LEVEL : b->level;
}

/* Processing order: document order, except that within a run of blocks
 * on one page the speaker notes come after the rest. */
static size_t *processing_order(const kx_doc_t *doc) {
    size_t *order = xmalloc((doc->n ? doc->n : 1) * sizeof *order);
    size_t k = 0;
    for (size_t i = 0; i < doc->n;) {
        size_t j = i;
        while (j < doc->n && doc->blocks[j].page == doc->blocks[i].page) j++;
        if (doc->blocks[i].page == 0) {
            for (size_t x = i; x < j; x++) order[k++] = x;
        } else {
            for (size_t x = i; x < j; x++)
                if (doc->blocks[x].kind != KX_BLOCK_NOTE) order[k++] = x;
            for (size_t x = i; x < j; x++)
                if (doc->blocks[x].kind == KX_BLOCK_NOTE) order[k++] = x;
        }
        i = j;
    }
    return order;
}

int kc_chunk_doc(const kx_doc_t *doc, const kc_opts_t *opts, kc_count_fn count_fn, void *ud,
                 kc_chunk_t **out, size_t *n) {
    *out = NULL;
    *n = 0;
    kc_opts_t def;
    if (!opts) {
        kc_opts_default(&def);
        opts = &def;
    }
    if (!doc || !count_fn || opts->max_tokens < 1 || opts->target_tokens < 1 ||
        opts->overlap_tokens < 0)
        return SAL_EINVAL;

    ck_t c = {.count = count_fn, .ud = ud, .max = opts->max_tokens};
    c.target = opts->target_tokens < c.max ? opts->target_tokens : c.max;
    c.overlap = opts->overlap_tokens < c.target / 2 ? opts->overlap_tokens : c.target / 2;
    sal_buf_init(&c.path_str, 0);
    sal_buf_init(&c.text, 0);
    sal_buf_t new_path;
    sal_buf_init(&new_path, 0);
    path_join(c.path, &c.path_str);

    size_t *order = processing_order(doc);
    char **norm = xcalloc(doc->n ? doc->n : 1, sizeof *norm);
    size_t *norm_len = xcalloc(doc->n ? doc->n : 1, sizeof *norm_len);
    int rc = 0;
    for (size_t i = 0; i < doc->n; i++) {
        const kx_block_t *b = &doc->blocks[order[i]];
        if (!b->text || b->len == 0) continue;
        rc = kc_normalize(b->text, b->len, 0, &norm[i], &norm_len[i]);
        if (rc < 0) goto fail;
    }

    for (size_t i = 0; i < doc->n && !c.err; i++) {
        const kx_block_t *b = &doc->blocks[order[i]];
        if (norm_len[i] == 0) continue;
        if (b->kind != KX_BLOCK_HEADING) {
            add_block(&c, b, norm[i], norm_len[i], i);
            continue;
        }
        int level = heading_level(b);
        const char *path[MAX_LEVEL + 1];
        memcpy(path, c.path, sizeof path);
        path[level] = norm[i];
        for (int l = level + 1; l <= MAX_LEVEL; l++) path[l] = NULL;
        path_join(path, &new_path);
        /* The open chunk is closed under the old path. */
        if (level <= 2 || strcmp(new_path.data, c.path_str.data) != 0) close_chunk(&c, false);
        memcpy(c.path, path, sizeof path);
        path_join(c.path, &c.path_str);
        /* Nothing under it: the next block with text is a heading of the
         * same or a higher level, or there is none. */
        size_t j = i + 1;
        while (j < doc->n && norm_len[j] == 0) j++;
        const kx_block_t *nb = j < doc->n ? &doc->blocks[order[j]] : NULL;
        if (!nb || (nb->kind == KX_BLOCK_HEADING && heading_level(nb) <= level)) {
            add_block(&c, b, norm[i], norm_len[i], i);
            close_chunk(&c, false);
        }
    }
    close_chunk(&c, false);
    if (c.err) {
        rc = c.err;
        goto fail;
    }
    *out = c.out;
    *n = c.nout;
    c.out = NULL;
    c.nout = 0;

fail:
    kc_chunks_free(c.out, c.nout);
    for (size_t i = 0; i < doc->n; i++) free(norm[i]);
    free(norm);
    free(norm_len);
    free(order);
    free(c.u);
    free(c.section);
    sal_buf_free(&c.path_str);
    sal_buf_free(&new_path);
    sal_buf_free(&c.text);
    return rc;
}
