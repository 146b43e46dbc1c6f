/* SPDX-License-Identifier: MIT */
/*
 * Markdown through cmark (CommonMark): headings keep their level,
 * paragraphs inside list items become list items, code blocks stay code,
 * block quotes read as paragraphs. Raw HTML, block or inline, is dropped:
 * it is markup, and a <script> in a README is not knowledge. Inline text
 * keeps what a reader sees: text, code spans, link and image text; a soft
 * break is a space, a hard break a newline. Pipe tables are not
 * CommonMark, but a paragraph whose second line is a GFM delimiter row
 * ("|---|:--:|") is read as one: a table row per line, cells joined with
 * " | ".
 *
 * The input is fed to cmark in pieces so that the deadline is checked
 * while it parses; the tree is walked with cmark's iterator (no
 * recursion), which also gives the nesting depth to check.
 */
#include "knowledge/extract/extract_int.h"

#include <cmark.h>
#include <stdlib.h>
#include <string.h>

#define FEED_BYTES (64u << 10)

/* The text-limit error kx_doc_add gives, for a block that outgrows it
 * before it is added. */
static int text_limit(const kx_ctx_t *cx, char *err, size_t errcap) {
    sal_errf(err, errcap, "the document has more than %zu MB of text",
             cx->lim->max_text_bytes >> 20);
    return SAL_ELIMIT;
}

/* The line s[0..len) without blanks around it. */
static void trim(const char **s, size_t *len) {
    while (*len && (**s == ' ' || **s == '\t')) (*s)++, (*len)--;
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t')) (*len)--;
}

/* A GFM table delimiter row: pipes, dashes, colons and blanks only, with
 * at least one pipe and one dash. */
static bool delimiter_row(const char *s, size_t len) {
    bool pipe = false, dash = false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '|')
            pipe = true;
        else if (s[i] == '-')
            dash = true;
        else if (s[i] != ':' && s[i] != ' ' && s[i] != '\t')
            return false;
    }
    return pipe && dash;
}

/* Emits the paragraph text[0..len), whose lines end at the soft breaks
 * in soft[0..nsoft), as table rows when its second line is a delimiter
 * row. Returns 1 when it did, 0 when it is no table, or an error. */
static int table_rows(kx_ctx_t *cx, kx_doc_t *doc, const char *text, size_t len, const size_t *soft,
                      size_t nsoft, char *err, size_t errcap) {
    if (nsoft == 0) return 0;
    const char *d = text + soft[0] + 1;
    size_t dlen = (nsoft > 1 ? soft[1] : len) - soft[0] - 1;
    if (!delimiter_row(d, dlen)) return 0;
    sal_buf_t row;
    sal_buf_init(&row, 0);
    int rc = 0;
    for (size_t l = 0; l <= nsoft && rc == 0; l++) {
        if (l == 1) continue;
        size_t a = l ? soft[l - 1] + 1 : 0, b = l < nsoft ? soft[l] : len;
        const char *line = text + a;
        size_t n = b - a;
        trim(&line, &n);
        if (n && line[0] == '|') line++, n--;
        if (n && line[n - 1] == '|') n--;
        sal_buf_reset(&row);
        for (size_t i = 0; i <= n;) {
            size_t j = i;
            while (j < n && line[j] != '|') j++;
            const char *cell = line + i;
            size_t clen = j - i;
            trim(&cell, &clen);
            if (i) sal_buf_append(&row, " | ", 3);
            sal_buf_append(&row, cell, clen);
            i = j + 1;
        }
        rc = kx_doc_add(cx, doc, KX_BLOCK_TABLE_ROW, 0, 0, row.data, row.len, err, errcap);
    }
    sal_buf_free(&row);
    return rc < 0 ? rc : 1;
}

static bool is_leaf(cmark_node_type t) {
    switch (t) {
    case CMARK_NODE_HTML_BLOCK:
    case CMARK_NODE_THEMATIC_BREAK:
    case CMARK_NODE_CODE_BLOCK:
    case CMARK_NODE_TEXT:
    case CMARK_NODE_SOFTBREAK:
    case CMARK_NODE_LINEBREAK:
    case CMARK_NODE_CODE:
    case CMARK_NODE_HTML_INLINE: return true;
    default: return false;
    }
}

int kx_markdown(kx_ctx_t *cx, const void *buf, size_t len, kx_doc_t *doc, char *err,
                size_t errcap) {
    int rc = 0;
    cmark_node *root = NULL;
    cmark_iter *it = NULL;
    size_t *soft = NULL, nsoft = 0, softcap = 0; /* offsets of the soft breaks in text */
    sal_buf_t text;
    /* One byte over the cap, so that reaching it is told apart from
     * filling it exactly. */
    sal_buf_init(&text, cx->lim->max_text_bytes + 1);

    const char *s = buf;
    if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) s += 3, len -= 3;
    cmark_parser *parser = cmark_parser_new(CMARK_OPT_VALIDATE_UTF8);
    for (size_t off = 0; off < len; off += FEED_BYTES) {
        if ((rc = kx_check_deadline(cx, err, errcap)) < 0) {
            /* cmark_parser_free leaves the document to whoever finishes. */
            root = cmark_parser_finish(parser);
            cmark_parser_free(parser);
            goto done;
        }
        size_t k = len - off < FEED_BYTES ? len - off : FEED_BYTES;
        cmark_parser_feed(parser, s + off, k);
    }
    root = cmark_parser_finish(parser);
    cmark_parser_free(parser);
    if ((rc = kx_check_deadline(cx, err, errcap)) < 0) goto done;

    it = cmark_iter_new(root);
    int depth = 0, in_item = 0, level = 0;
    cmark_node_type open = CMARK_NODE_NONE; /* the paragraph or heading being read */
    size_t visited = 0;
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        if ((++visited & 1023) == 0 && (rc = kx_check_deadline(cx, err, errcap)) < 0) goto done;
        cmark_node *node = cmark_iter_get_node(it);
        cmark_node_type t = cmark_node_get_type(node);
        if (is_leaf(t)) {
            const char *lit = cmark_node_get_literal(node);
            if (t == CMARK_NODE_CODE_BLOCK) {
                if (lit && (rc = kx_doc_add(cx, doc, KX_BLOCK_CODE, 0, 0, lit, strlen(lit), err,
                                            errcap)) < 0)
                    goto done;
                continue;
            }
            if (open == CMARK_NODE_NONE) continue;
            int a = 0;
            if (t == CMARK_NODE_TEXT || t == CMARK_NODE_CODE)
                a = lit ? sal_buf_puts(&text, lit) : 0;
            else if (t == CMARK_NODE_SOFTBREAK) {
                if (nsoft == softcap) {
                    softcap = softcap ? softcap * 2 : 16;
                    soft = xrealloc(soft, softcap * sizeof *soft);
                }
                soft[nsoft++] = text.len;
                a = sal_buf_append(&text, " ", 1);
            } else if (t == CMARK_NODE_LINEBREAK)
                a = sal_buf_append(&text, "\n", 1);
            if (a < 0) {
                rc = text_limit(cx, err, errcap);
                goto done;
            }
            continue;
        }
        if (ev == CMARK_EVENT_ENTER) {
            if (++depth > cx->lim->max_xml_depth) {
                sal_errf(err, errcap, "the Markdown nests deeper than %d levels",
                         cx->lim->max_xml_depth);
                rc = SAL_ELIMIT;
                goto done;
            }
            if (t == CMARK_NODE_ITEM) in_item++;
            if (t == CMARK_NODE_PARAGRAPH || t == CMARK_NODE_HEADING) {
                open = t;
                level = t == CMARK_NODE_HEADING ? cmark_node_get_heading_level(node) : 0;
                sal_buf_reset(&text);
                nsoft = 0;
            }
            continue;
        }
        depth--;
        if (t == CMARK_NODE_ITEM) in_item--;
        if (t != open) continue;
        kx_block_kind_t kind = t == CMARK_NODE_HEADING ? KX_BLOCK_HEADING
                               : in_item               ? KX_BLOCK_LIST_ITEM
                                                       : KX_BLOCK_PARAGRAPH;
        if (kind == KX_BLOCK_PARAGRAPH &&
            (rc = table_rows(cx, doc, text.data, text.len, soft, nsoft, err, errcap)) != 0) {
            if (rc < 0) goto done;
            rc = 0;
            open = CMARK_NODE_NONE;
            continue;
        }
        if (kind == KX_BLOCK_HEADING && level == 1) kx_doc_set_title(doc, text.data, text.len);
        rc = kx_doc_add(cx, doc, kind, kind == KX_BLOCK_HEADING ? level : 0, 0, text.data, text.len,
                        err, errcap);
        if (rc < 0) goto done;
        open = CMARK_NODE_NONE;
    }
    if (doc->n == 0) {
        sal_errf(err, errcap, "the file has no text");
        rc = SAL_EINVAL;
    }
done:
    free(soft);
    if (it) cmark_iter_free(it);
    if (root) cmark_node_free(root);
    sal_buf_free(&text);
    return rc;
}
