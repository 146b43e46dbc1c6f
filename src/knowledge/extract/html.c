/* SPDX-License-Identifier: MIT */
/*
 * HTML through libxml2's forgiving HTML parser, without the network,
 * without DTDs and without entity substitution beyond HTML's own named
 * characters. The tree is walked iteratively (no recursion, so a deep
 * document cannot exhaust the stack) and read the way a browser shows
 * it: scripts, styles, templates, frames, SVG, navigation and the head
 * (but for its <title>) are skipped; whitespace collapses to one space
 * except inside <pre>; <br> is a newline. Each block element starts a
 * block: h1–h6 headings, li list items, tr table rows (cells joined with
 * " | "), pre code, everything else paragraphs; inline elements add their
 * text to the block around them. libxml2 honours a <meta charset> and
 * hands back UTF-8.
 */
#include "knowledge/extract/extract_int.h"

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
    EL_INLINE,
    EL_DROP,
    EL_HEAD,
    EL_BLOCK,
    EL_HEADING,
    EL_ITEM,
    EL_ROW,
    EL_CELL,
    EL_PRE,
    EL_BR,
} el_class_t;

static const char *const DROP[] = {"script", "style",  "noscript", "template", "iframe",
                                   "svg",    "nav",    "object",   "embed",    "canvas",
                                   "math",   "select", "frameset", "noframes", NULL};
static const char *const BLOCKS[] = {
    "p",          "div",     "section", "article",    "main",    "header",   "footer", "aside",
    "blockquote", "address", "figure",  "figcaption", "caption", "table",    "thead",  "tbody",
    "tfoot",      "ul",      "ol",      "dl",         "form",    "fieldset", "legend", "body",
    "html",       "hr",      "center",  "details",    "summary", "option",   "hgroup", NULL};

static bool in_list(const char *name, const char *const *list) {
    for (size_t i = 0; list[i]; i++)
        if (strcmp(name, list[i]) == 0) return true;
    return false;
}

static el_class_t classify(const xmlNode *n, int *level) {
    const char *name = (const char *)n->name;
    *level = 0;
    if (name[0] == 'h' && name[1] >= '1' && name[1] <= '6' && name[2] == '\0') {
        *level = name[1] - '0';
        return EL_HEADING;
    }
    if (strcmp(name, "br") == 0) return EL_BR;
    if (strcmp(name, "head") == 0) return EL_HEAD;
    if (strcmp(name, "li") == 0 || strcmp(name, "dt") == 0 || strcmp(name, "dd") == 0)
        return EL_ITEM;
    if (strcmp(name, "tr") == 0) return EL_ROW;
    if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0) return EL_CELL;
    if (strcmp(name, "pre") == 0 || strcmp(name, "listing") == 0 || strcmp(name, "xmp") == 0)
        return EL_PRE;
    if (in_list(name, DROP)) return EL_DROP;
    if (in_list(name, BLOCKS)) return EL_BLOCK;
    return EL_INLINE;
}

/* One open block element: what the text inside it becomes. */
typedef struct {
    kx_block_kind_t kind;
    int level;
} frame_t;

typedef struct {
    kx_ctx_t *cx;
    kx_doc_t *doc;
    sal_buf_t text;
    bool space;     /* whitespace seen since the last character written */
    frame_t cur;    /* the innermost block */
    frame_t *stack; /* enclosing blocks, one per open block element */
    int sp;
    int row;   /* depth of the open <tr>, 0 when none */
    int cells; /* cells written into the open row */
    int pre;   /* open <pre> elements */
    char *err;
    size_t errcap;
} walk_t;

static int text_limit(walk_t *w) {
    sal_errf(w->err, w->errcap, "the document has more than %zu MB of text",
             w->cx->lim->max_text_bytes >> 20);
    return SAL_ELIMIT;
}

static bool is_ws(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Appends s with runs of whitespace folded to one space (none at the
 * start of a block or after a newline). */
static int put_text(walk_t *w, const char *s, size_t len) {
    if (w->pre) {
        if (sal_buf_append(&w->text, s, len) < 0) return text_limit(w);
        return 0;
    }
    size_t i = 0;
    while (i < len) {
        if (is_ws((unsigned char)s[i])) {
            w->space = true;
            i++;
            continue;
        }
        size_t j = i;
        while (j < len && !is_ws((unsigned char)s[j])) j++;
        if (w->space && w->text.len && w->text.data[w->text.len - 1] != '\n' &&
            w->text.data[w->text.len - 1] != ' ' && sal_buf_append(&w->text, " ", 1) < 0)
            return text_limit(w);
        w->space = false;
        if (sal_buf_append(&w->text, s + i, j - i) < 0) return text_limit(w);
        i = j;
    }
    return 0;
}

static int flush(walk_t *w) {
    w->space = false;
    if (w->text.len == 0) return 0;
    frame_t f = w->cur;
    if (f.kind == KX_BLOCK_HEADING && !w->doc->title && f.level == 1)
        kx_doc_set_title(w->doc, w->text.data, w->text.len);
    int rc =
        kx_doc_add(w->cx, w->doc, f.kind, f.level, 0, w->text.data, w->text.len, w->err, w->errcap);
    sal_buf_reset(&w->text);
    return rc;
}

/* Entering element n at depth. Returns 1 to descend into its children,
 * 0 to skip them, or an error. */
static int enter(walk_t *w, const xmlNode *n, int depth) {
    int level;
    el_class_t c = classify(n, &level);
    if (c == EL_DROP || c == EL_HEAD) return 0;
    if (c == EL_BR) {
        w->space = false;
        return sal_buf_append(&w->text, "\n", 1) < 0 ? text_limit(w) : 0;
    }
    if (c == EL_INLINE) return 1;
    if (w->row) {
        /* Inside a row every block folds into the row's one line. */
        if (c == EL_CELL && depth > w->row) {
            if (w->cells++ && sal_buf_append(&w->text, " | ", 3) < 0) return text_limit(w);
            w->space = false;
        } else {
            w->space = true;
        }
        if (c == EL_PRE) w->pre++;
        return 1;
    }
    int rc = flush(w);
    if (rc < 0) return rc;
    w->stack[w->sp++] = w->cur;
    switch (c) {
    case EL_HEADING: w->cur = (frame_t){KX_BLOCK_HEADING, level}; break;
    case EL_ITEM: w->cur = (frame_t){KX_BLOCK_LIST_ITEM, 0}; break;
    case EL_PRE:
        w->cur = (frame_t){KX_BLOCK_CODE, 0};
        w->pre++;
        break;
    case EL_ROW:
        w->cur = (frame_t){KX_BLOCK_TABLE_ROW, 0};
        w->row = depth;
        w->cells = 0;
        break;
    default:
        /* A paragraph inside a list item is still the item's text; a
         * heading's inner blocks are still the heading. */
        if (w->cur.kind != KX_BLOCK_LIST_ITEM && w->cur.kind != KX_BLOCK_CODE &&
            w->cur.kind != KX_BLOCK_HEADING)
            w->cur = (frame_t){KX_BLOCK_PARAGRAPH, 0};
    }
    return 1;
}

static int leave(walk_t *w, const xmlNode *n, int depth) {
    int level;
    el_class_t c = classify(n, &level);
    if (c == EL_DROP || c == EL_HEAD || c == EL_BR || c == EL_INLINE) return 0;
    if (c == EL_PRE) w->pre--;
    if (w->row && depth > w->row) {
        w->space = true;
        return 0;
    }
    int rc = flush(w);
    if (c == EL_ROW) w->row = 0;
    w->cur = w->stack[--w->sp];
    return rc;
}

/* The <title> among head's children, whitespace folded. */
static void read_title(walk_t *w, const xmlNode *head) {
    for (const xmlNode *c = head->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "title") != 0) continue;
        xmlChar *t = xmlNodeGetContent(c);
        if (!t) return;
        sal_buf_t b;
        sal_buf_init(&b, 4096);
        for (const char *p = (const char *)t; *p;) {
            size_t k = strcspn(p, " \t\r\n\f");
            if (k && b.len && sal_buf_append(&b, " ", 1) < 0) break;
            if (k && sal_buf_append(&b, p, k) < 0) break;
            p += k;
            p += strspn(p, " \t\r\n\f");
        }
        if (b.len) kx_doc_set_title(w->doc, b.data, b.len);
        sal_buf_free(&b);
        xmlFree(t);
        return;
    }
}

static void silent_generic(void *ctx, const char *msg, ...) {
    (void)ctx;
    (void)msg;
}

static void silent_structured(void *ctx, xmlErrorPtr e) {
    (void)ctx;
    (void)e;
}

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;
static void xml_init(void) { xmlInitParser(); }

int kx_html(kx_ctx_t *cx, const void *buf, size_t len, kx_doc_t *doc, char *err, size_t errcap) {
    pthread_once(&xml_once, xml_init);
    /* Per thread in libxml2: encoding errors found outside a parser
     * context would otherwise reach stderr. */
    xmlSetGenericErrorFunc(NULL, silent_generic);
    xmlSetStructuredErrorFunc(NULL, silent_structured);

    int rc = 0;
    walk_t w = {.cx = cx, .doc = doc, .cur = {KX_BLOCK_PARAGRAPH, 0}, .err = err, .errcap = errcap};
    sal_buf_init(&w.text, cx->lim->max_text_bytes + 1);
    int maxd = cx->lim->max_xml_depth > 0 ? cx->lim->max_xml_depth : 1;
    w.stack = xmalloc(((size_t)maxd + 2) * sizeof *w.stack);

    htmlDocPtr hd = NULL;
    if (len > 0 && len <= (size_t)INT32_MAX)
        hd = htmlReadMemory(buf, (int)len, NULL, NULL,
                            HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                HTML_PARSE_RECOVER | HTML_PARSE_NOBLANKS);
    if (!hd) {
        sal_errf(err, errcap, len ? "the HTML is unreadable" : "the file has no text");
        rc = SAL_EINVAL;
        goto done;
    }
    if ((rc = kx_check_deadline(cx, err, errcap)) < 0) goto done;

    xmlNode *n = hd->children;
    int depth = 1;
    size_t visited = 0;
    while (n) {
        if ((++visited & 1023) == 0 && (rc = kx_check_deadline(cx, err, errcap)) < 0) goto done;
        int down = 0;
        if (n->type == XML_ELEMENT_NODE) {
            if (depth > maxd) {
                sal_errf(err, errcap, "the HTML nests elements deeper than %d levels", maxd);
                rc = SAL_ELIMIT;
                goto done;
            }
            if (strcmp((const char *)n->name, "head") == 0) read_title(&w, n);
            if ((down = enter(&w, n, depth)) < 0) {
                rc = down;
                goto done;
            }
        } else if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            if (n->content &&
                (rc = put_text(&w, (const char *)n->content, strlen((const char *)n->content))) < 0)
                goto done;
        }
        if (down && n->children) {
            n = n->children;
            depth++;
            continue;
        }
        if (n->type == XML_ELEMENT_NODE && (rc = leave(&w, n, depth)) < 0) goto done;
        while (!n->next) {
            n = n->parent;
            depth--;
            if (!n || n == (xmlNode *)hd) goto walked;
            if (n->type == XML_ELEMENT_NODE && (rc = leave(&w, n, depth)) < 0) goto done;
        }
        n = n->next;
    }
walked:
    if ((rc = flush(&w)) < 0) goto done;
    if (!doc->title)
        for (size_t i = 0; i < doc->n; i++)
            if (doc->blocks[i].kind == KX_BLOCK_HEADING) {
                kx_doc_set_title(doc, doc->blocks[i].text, doc->blocks[i].len);
                break;
            }
    if (doc->n == 0) {
        sal_errf(err, errcap, "the file has no text");
        rc = SAL_EINVAL;
    }
done:
    if (hd) xmlFreeDoc(hd);
    free(w.stack);
    sal_buf_free(&w.text);
    return rc;
}
