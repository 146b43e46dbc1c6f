/* SPDX-License-Identifier: MIT */
/*
 * Markdown through cmark (CommonMark): headings keep their level,
 * paragraphs inside list items become list items, code blocks stay code,
 * block quotes read as paragraphs. Raw HTML, block or inline, is dropped:
 * it is markup, and a <script> in a README is not knowledge. Inline text
 * keeps what a reader sees: text, code spans, link and image text; a soft
 * break is a space, a hard break a newline. Pipe tables are not
 * CommonMark and stay paragraphs.
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
            else if (t == CMARK_NODE_SOFTBREAK)
                a = sal_buf_append(&text, " ", 1);
            else if (t == CMARK_NODE_LINEBREAK)
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
            }
            continue;
        }
        depth--;
        if (t == CMARK_NODE_ITEM) in_item--;
        if (t != open) continue;
        kx_block_kind_t kind = t == CMARK_NODE_HEADING ? KX_BLOCK_HEADING
                               : in_item               ? KX_BLOCK_LIST_ITEM
                                                       : KX_BLOCK_PARAGRAPH;
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
    if (it) cmark_iter_free(it);
    if (root) cmark_node_free(root);
    sal_buf_free(&text);
    return rc;
}
