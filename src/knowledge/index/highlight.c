/* SPDX-License-Identifier: MIT */
/*
 * Highlights: snippets of a chunk's text around the words whose stems are
 * the query's, the words wrapped in <mark>…</mark>, everything else
 * HTML-escaped, ready to drop into a page.
 *
 * The text is cut into units at whitespace (a unit longer than a whole
 * snippet is cut again at word starts), so a snippet never splits a word
 * or a UTF-8 sequence, and keeps the punctuation attached to its words.
 * Matches are grouped into clusters that fit in snippet_chars; the best
 * clusters (most distinct query terms, then most matches, then earliest)
 * become snippets, each centred on its cluster and filled out to about
 * snippet_chars characters with whole units, shown in text order.
 * Whitespace runs print as one space; "…" marks each cut end.
 */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "knowledge/index/index_int.h"

#define ELLIPSIS "\xe2\x80\xa6"

typedef struct {
    size_t bs, be; /* bytes */
    size_t cs, ce; /* characters */
    bool space_before;
} unit_t;

typedef struct {
    size_t bs, be, cs, ce;
    size_t unit;
    size_t term;
} match_t;

typedef struct {
    size_t first, last; /* match indices, inclusive */
    size_t score;
} cluster_t;

typedef struct {
    unit_t *u;
    size_t n, cap;
} units_t;

static void units_push(units_t *us, unit_t u) {
    if (us->n == us->cap) {
        us->cap = us->cap ? us->cap * 2 : 64;
        us->u = xrealloc(us->u, us->cap * sizeof *us->u);
    }
    us->u[us->n++] = u;
}

static bool is_space(utf8proc_int32_t cp) {
    if (cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0x85) return true;
    if (cp < 0x80) return false;
    utf8proc_category_t c = utf8proc_category(cp);
    return c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL || c == UTF8PROC_CATEGORY_ZP;
}

static size_t next_cp(const char *text, size_t len, size_t pos, utf8proc_int32_t *cp) {
    utf8proc_ssize_t k =
        utf8proc_iterate((const utf8proc_uint8_t *)text + pos, (utf8proc_ssize_t)(len - pos), cp);
    if (k <= 0) {
        *cp = -1;
        return 1;
    }
    return (size_t)k;
}

/* Characters in text[from, to): code points, an invalid byte counting one. */
static size_t count_chars(const char *text, size_t len, size_t from, size_t to) {
    size_t c = 0;
    utf8proc_int32_t cp;
    while (from < to) {
        from += next_cp(text, len, from, &cp);
        c++;
    }
    return c;
}

/* Appends text[bs, be) escaped; invalid UTF-8 becomes U+FFFD and control
 * characters are dropped, so snippets are always valid text. */
static void put_escaped(sal_buf_t *b, const char *text, size_t len, size_t bs, size_t be) {
    size_t p = bs;
    while (p < be) {
        utf8proc_int32_t cp;
        size_t k = next_cp(text, len, p, &cp);
        switch (cp) {
        case '&': sal_buf_puts(b, "&amp;"); break;
        case '<': sal_buf_puts(b, "&lt;"); break;
        case '>': sal_buf_puts(b, "&gt;"); break;
        case '"': sal_buf_puts(b, "&quot;"); break;
        case '\'': sal_buf_puts(b, "&#39;"); break;
        case -1: sal_buf_puts(b, "\xef\xbf\xbd"); break;
        default:
            if (cp >= 0x20 && cp != 0x7f) sal_buf_append(b, text + p, k);
        }
        p += k;
    }
}

/* Cuts text into units; char positions counted once, left to right. */
static void make_units(const char *text, size_t len, size_t snippet_chars, units_t *us) {
    size_t p = 0, chars = 0;
    bool space = false;
    while (p < len) {
        utf8proc_int32_t cp;
        size_t k = next_cp(text, len, p, &cp);
        if (cp >= 0 && is_space(cp)) {
            space = true;
            p += k;
            chars++;
            continue;
        }
        unit_t u = {.bs = p, .cs = chars, .space_before = space && us->n > 0};
        while (p < len) {
            k = next_cp(text, len, p, &cp);
            if (cp >= 0 && is_space(cp)) break;
            p += k;
            chars++;
        }
        u.be = p;
        u.ce = chars;
        space = false;
        if (snippet_chars == 0 || u.ce - u.cs <= snippet_chars) {
            units_push(us, u);
            continue;
        }
        /* Too long for any snippet (a URL, a path): split at word starts. */
        size_t start = u.bs, cstart = u.cs;
        size_t wp = start;
        bool sb = u.space_before;
        kix_word_t w;
        while (kix_word_next(text, u.be, &wp, &w)) {
            if (w.start == start) continue;
            size_t c = cstart + count_chars(text, len, start, w.start);
            units_push(
                us,
                (unit_t){.bs = start, .be = w.start, .cs = cstart, .ce = c, .space_before = sb});
            start = w.start;
            cstart = c;
            sb = false;
        }
        units_push(us,
                   (unit_t){.bs = start, .be = u.be, .cs = cstart, .ce = u.ce, .space_before = sb});
    }
}

static int cluster_cmp(const void *a, const void *b) {
    const cluster_t *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return x->first < y->first ? -1 : x->first > y->first;
}

static int cluster_pos_cmp(const void *a, const void *b) {
    const cluster_t *x = a, *y = b;
    return x->first < y->first ? -1 : x->first > y->first;
}

int kix_highlight(const char *text, size_t len, const char *query, size_t query_len,
                  size_t max_snippets, size_t snippet_chars, char ***out, size_t *n) {
    if (out == NULL || n == NULL || query == NULL || (text == NULL && len > 0)) return SAL_EINVAL;
    *out = NULL;
    *n = 0;
    if (max_snippets == 0 || len == 0) return 0;
    if (query_len == 0) query_len = strlen(query);
    kix_qterms_t qt;
    kix_qterms_parse(query, query_len, &qt);
    units_t us = {0};
    match_t *m = NULL;
    cluster_t *cl = NULL;
    size_t nm = 0, mcap = 0, ncl = 0;
    if (qt.n == 0) goto done;

    make_units(text, len, snippet_chars, &us);
    /* Matches, with their units and char positions (both in text order). */
    size_t pos = 0, ui = 0;
    kix_word_t w;
    char term[KIX_TERM_MAX + 1];
    size_t tl;
    while (kix_word_next(text, len, &pos, &w)) {
        if (!kix_word_term(&w, term, &tl)) continue;
        size_t t;
        for (t = 0; t < qt.n; t++)
            if (qt.lens[t] == tl && memcmp(qt.terms[t], term, tl) == 0) break;
        if (t == qt.n) continue;
        while (ui + 1 < us.n && us.u[ui].be <= w.start) ui++;
        if (nm == mcap) {
            mcap = mcap ? mcap * 2 : 16;
            m = xrealloc(m, mcap * sizeof *m);
        }
        size_t cs = us.u[ui].cs + count_chars(text, len, us.u[ui].bs, w.start);
        m[nm++] = (match_t){.bs = w.start,
                            .be = w.end,
                            .cs = cs,
                            .ce = cs + count_chars(text, len, w.start, w.end),
                            .unit = ui,
                            .term = t};
    }
    if (nm == 0) goto done;

    /* Clusters: consecutive matches spanning at most snippet_chars. */
    cl = xmalloc(nm * sizeof *cl);
    for (size_t i = 0; i < nm;) {
        size_t j = i + 1;
        while (j < nm && m[j].ce - m[i].cs <= snippet_chars) j++;
        size_t distinct = 0;
        for (size_t a = i; a < j; a++) {
            bool seen = false;
            for (size_t b = i; b < a && !seen; b++) seen = m[b].term == m[a].term;
            distinct += !seen;
        }
        cl[ncl++] = (cluster_t){.first = i, .last = j - 1, .score = distinct * nm + (j - i)};
        i = j;
    }
    qsort(cl, ncl, sizeof *cl, cluster_cmp);
    if (ncl > max_snippets) ncl = max_snippets;
    qsort(cl, ncl, sizeof *cl, cluster_pos_cmp);

    char **snips = xmalloc(ncl * sizeof *snips);
    size_t ns = 0, total = us.u[us.n - 1].ce;
    size_t next_unit = 0; /* snippets never share units */
    for (size_t c = 0; c < ncl; c++) {
        const match_t *ma = &m[cl[c].first], *mb = &m[cl[c].last];
        size_t pa = ma->unit, pb = mb->unit;
        if (pb < next_unit) continue;
        if (pa < next_unit) pa = next_unit;
        /* Centre the window on the cluster, shifting it off the text's
         * ends so the whole budget is used. */
        size_t a = us.u[pa].cs, b = mb->ce;
        size_t ws = a, we = b;
        if (b - a < snippet_chars) {
            size_t extra = snippet_chars - (b - a), left = extra / 2, right = extra - left;
            if (left > a) {
                right += left - a;
                left = a;
            }
            if (b + right > total) {
                size_t over = b + right - total;
                right = total - b;
                left = left + over > a ? a : left + over;
            }
            ws = a - left;
            we = b + right;
        }
        size_t p0 = pa, p1 = pb;
        while (p0 > next_unit && us.u[p0 - 1].cs >= ws) p0--;
        while (p1 + 1 < us.n && us.u[p1 + 1].ce <= we) p1++;

        sal_buf_t buf;
        sal_buf_init(&buf, 0);
        if (p0 > 0) sal_buf_puts(&buf, ELLIPSIS);
        size_t mi = cl[c].first;
        while (mi > 0 && m[mi - 1].unit >= p0) mi--; /* matches of a shared first unit */
        for (size_t u = p0; u <= p1; u++) {
            if (u > p0 && us.u[u].space_before) sal_buf_puts(&buf, " ");
            size_t p = us.u[u].bs;
            while (mi < nm && m[mi].unit < u) mi++;
            for (; mi < nm && m[mi].unit == u; mi++) {
                put_escaped(&buf, text, len, p, m[mi].bs);
                sal_buf_puts(&buf, "<mark>");
                put_escaped(&buf, text, len, m[mi].bs, m[mi].be);
                sal_buf_puts(&buf, "</mark>");
                p = m[mi].be;
            }
            put_escaped(&buf, text, len, p, us.u[u].be);
        }
        if (p1 + 1 < us.n) sal_buf_puts(&buf, ELLIPSIS);
        snips[ns++] = buf.data;
        next_unit = p1 + 1;
    }
    *out = snips;
    *n = ns;
done:
    free(cl);
    free(m);
    free(us.u);
    kix_qterms_free(&qt);
    return 0;
}

void kix_highlights_free(char **s, size_t n) {
    if (s == NULL) return;
    for (size_t i = 0; i < n; i++) free(s[i]);
    free(s);
}
