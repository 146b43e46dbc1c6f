/* SPDX-License-Identifier: MIT */
/*
 * PDF through poppler-glib: the text of each page with its page number,
 * cut into paragraphs and headings from the text layout poppler gives.
 *
 * Two passes. The first reads every page (checking the deadline between
 * pages): its text, the font size of each character and each character's
 * box, grouped into lines. From all pages together come the body font
 * size (the median over characters), the heading sizes (lines at least
 * 1.15 times the body size; the largest is level 1, the next 2, the rest
 * 3) and the usual distance between the baselines of wrapped lines. The
 * second pass emits blocks: a heading line (or several of the same size
 * in a row, a wrapped title) becomes a heading; body lines join into a
 * paragraph until a blank line, a gap wider than the usual line pitch,
 * or a line that ends a sentence short of the right margin. A line that
 * starts with a bullet starts a list item. Paragraphs never span pages.
 *
 * Working on the whole document rather than page by page keeps a title
 * page (one big line, nothing else) from being its own body size.
 */
#include "knowledge/extract/extract_int.h"

#include <math.h>
#include <poppler.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define HEADING_RATIO     1.15
#define HEADING_MAX_BYTES 200
#define MAX_LEVELS        3

typedef struct {
    size_t off, len;   /* bytes into the page text */
    size_t chars;      /* non-space characters */
    double size;       /* the font size most of its characters have */
    double x1, x2, y2; /* left, right, bottom of its characters */
    int level;         /* heading level, 0 for body */
} line_t;

typedef struct {
    char *text; /* g_malloc'd by poppler */
    line_t *lines;
    size_t n;
    double right; /* the right edge of the widest body line */
    double left;
} page_t;

typedef struct {
    double size;
    size_t count;
} size_count_t;

static void quiet_log(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data) {
    (void)domain, (void)level, (void)msg, (void)data;
}

static pthread_once_t poppler_once = PTHREAD_ONCE_INIT;

/* poppler-glib makes its global parameters on the first document it
 * opens, without a lock: open one (invalid, it does not matter) here,
 * once, before two threads can race to it. Its warnings on broken files
 * are for developers, not the server's log. */
static void poppler_init(void) {
    g_log_set_handler("Poppler", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
                      quiet_log, NULL);
    static const char stub[] = "%PDF-1.0\n";
    GBytes *b = g_bytes_new_static(stub, sizeof stub - 1);
    GError *e = NULL;
    PopplerDocument *d = poppler_document_new_from_bytes(b, NULL, &e);
    if (d) g_object_unref(d);
    if (e) g_error_free(e);
    g_bytes_unref(b);
}

static bool is_space_cp(gunichar c) { return c == ' ' || c == '\t' || c == '\r' || c == 0xA0; }

static int cmp_size(const void *a, const void *b) {
    double x = ((const size_count_t *)a)->size, y = ((const size_count_t *)b)->size;
    return (x < y) - (x > y); /* descending */
}

/* Adds count characters of a size (rounded to half a point) to hist. */
static void hist_add(size_count_t **hist, size_t *n, size_t *cap, double size, size_t count) {
    size = round(size * 2) / 2;
    for (size_t i = 0; i < *n; i++)
        if ((*hist)[i].size == size) {
            (*hist)[i].count += count;
            return;
        }
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        *hist = xrealloc(*hist, *cap * sizeof **hist);
    }
    (*hist)[(*n)++] = (size_count_t){size, count};
}

/* Splits the page's text into lines with their font size and extent. */
static void read_page(PopplerPage *pp, page_t *pg) {
    pg->text = poppler_page_get_text(pp);
    if (!pg->text) return;
    size_t tlen = strlen(pg->text);
    if (tlen == 0) return;

    size_t nchars = (size_t)g_utf8_strlen(pg->text, (gssize)tlen);
    double *sizes = xcalloc(nchars + 1, sizeof *sizes);
    GList *attrs = poppler_page_get_text_attributes(pp);
    for (GList *l = attrs; l; l = l->next) {
        const PopplerTextAttributes *a = l->data;
        for (int i = a->start_index < 0 ? 0 : a->start_index;
             i <= a->end_index && (size_t)i < nchars; i++)
            sizes[i] = a->font_size;
    }
    poppler_page_free_text_attributes(attrs);
    PopplerRectangle *rects = NULL;
    guint nrects = 0;
    if (!poppler_page_get_text_layout(pp, &rects, &nrects)) nrects = 0;

    size_t cap = 0, ci = 0;
    const char *s = pg->text;
    for (size_t off = 0; off <= tlen;) {
        size_t end = off;
        while (end < tlen && s[end] != '\n') end++;
        line_t ln = {.off = off, .len = end - off, .x1 = HUGE_VAL, .x2 = -HUGE_VAL, .y2 = 0};
        /* The size covering most characters: lines rarely have more than
         * two or three, so a short list does. */
        size_count_t local[8];
        size_t nl = 0;
        for (const char *p = s + off; p < s + end; p = g_utf8_next_char(p), ci++) {
            gunichar c = g_utf8_get_char(p);
            if (is_space_cp(c)) continue;
            ln.chars++;
            if (ci < nrects) {
                if (rects[ci].x1 < ln.x1) ln.x1 = rects[ci].x1;
                if (rects[ci].x2 > ln.x2) ln.x2 = rects[ci].x2;
                if (rects[ci].y2 > ln.y2) ln.y2 = rects[ci].y2;
            }
            double sz = ci < nchars ? round(sizes[ci] * 2) / 2 : 0;
            size_t k = 0;
            while (k < nl && local[k].size != sz) k++;
            if (k == nl && nl < 8) local[nl++] = (size_count_t){sz, 0};
            if (k < nl) local[k].count++;
        }
        size_t best = 0;
        for (size_t k = 1; k < nl; k++)
            if (local[k].count > local[best].count) best = k;
        ln.size = nl ? local[best].size : 0;
        if (pg->n == cap) {
            cap = cap ? cap * 2 : 64;
            pg->lines = xrealloc(pg->lines, cap * sizeof *pg->lines);
        }
        pg->lines[pg->n++] = ln;
        if (end >= tlen) break;
        off = end + 1;
        ci++; /* the newline */
    }
    g_free(rects);
    free(sizes);
}

static int text_limit(const kx_ctx_t *cx, char *err, size_t errcap) {
    sal_errf(err, errcap, "the document has more than %zu MB of text",
             cx->lim->max_text_bytes >> 20);
    return SAL_ELIMIT;
}

/* True when the line starts with a bullet; *skip gets its length. */
static bool bullet(const char *s, size_t len, size_t *skip) {
    static const char *const BULLETS[] = {
        "\xE2\x80\xA2", "\xE2\x97\xA6", "\xE2\x96\xAA", "\xE2\x80\x93 ",
        "\xEF\x82\xB7", "- ",           "* ",           NULL};
    for (size_t i = 0; BULLETS[i]; i++) {
        size_t k = strlen(BULLETS[i]);
        if (len > k && memcmp(s, BULLETS[i], k) == 0) {
            *skip = k;
            return true;
        }
    }
    return false;
}

static bool ends_sentence(const char *s, size_t len) {
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t')) len--;
    if (len && (s[len - 1] == '"' || s[len - 1] == ')')) len--;
    return len &&
           (s[len - 1] == '.' || s[len - 1] == '!' || s[len - 1] == '?' || s[len - 1] == ':');
}

int kx_pdf(kx_ctx_t *cx, const void *buf, size_t len, kx_doc_t *doc, char *err, size_t errcap) {
    pthread_once(&poppler_once, poppler_init);
    int rc = 0;
    GBytes *bytes = g_bytes_new_static(buf, len);
    GError *gerr = NULL;
    PopplerDocument *pd = poppler_document_new_from_bytes(bytes, NULL, &gerr);
    page_t *pages = NULL;
    size_count_t *hist = NULL;
    size_t nhist = 0, histcap = 0;
    int npages = 0;
    sal_buf_t para;
    sal_buf_init(&para, cx->lim->max_text_bytes + 1);

    if (!pd) {
        if (gerr && gerr->domain == POPPLER_ERROR && gerr->code == POPPLER_ERROR_ENCRYPTED)
            sal_errf(err, errcap, "the PDF is encrypted (password-protected)");
        else
            sal_errf(err, errcap, "the PDF is corrupt or unreadable");
        rc = SAL_EINVAL;
        goto done;
    }
    npages = poppler_document_get_n_pages(pd);
    if (npages <= 0) {
        sal_errf(err, errcap, "the PDF is corrupt or unreadable");
        rc = SAL_EINVAL;
        goto done;
    }
    if ((size_t)npages > cx->lim->max_pages) {
        sal_errf(err, errcap, "the PDF has more than %zu pages", cx->lim->max_pages);
        rc = SAL_ELIMIT;
        goto done;
    }
    doc->page_count = npages;
    gchar *title = poppler_document_get_title(pd);
    if (title) kx_doc_set_title(doc, title, strlen(title));
    g_free(title);
    pages = xcalloc((size_t)npages, sizeof *pages);

    /* Pass 1: lines of every page, and the character count per size. */
    size_t total = 0;
    for (int i = 0; i < npages; i++) {
        if ((rc = kx_check_deadline(cx, err, errcap)) < 0) goto done;
        PopplerPage *pp = poppler_document_get_page(pd, i);
        if (!pp) continue;
        read_page(pp, &pages[i]);
        g_object_unref(pp);
        if (pages[i].text) total += strlen(pages[i].text);
        if (cx->text_bytes + total > cx->lim->max_text_bytes) {
            rc = text_limit(cx, err, errcap);
            goto done;
        }
        for (size_t k = 0; k < pages[i].n; k++)
            if (pages[i].lines[k].chars)
                hist_add(&hist, &nhist, &histcap, pages[i].lines[k].size, pages[i].lines[k].chars);
    }
    size_t chars = 0;
    for (size_t k = 0; k < nhist; k++) chars += hist[k].count;
    if (chars == 0) {
        sal_errf(err, errcap,
                 "the PDF has no extractable text (scanned or image-only; OCR is not supported)");
        rc = SAL_EINVAL;
        goto done;
    }

    /* The body size: the median character's. */
    qsort(hist, nhist, sizeof *hist, cmp_size);
    double body = 0;
    for (size_t k = nhist, seen = 0; k-- > 0;) {
        seen += hist[k].count;
        if (seen * 2 >= chars) {
            body = hist[k].size;
            break;
        }
    }
    /* Heading sizes, largest first (hist is sorted that way). */
    double levels[MAX_LEVELS];
    int nlevels = 0;
    for (size_t k = 0; k < nhist && nlevels < MAX_LEVELS; k++)
        if (body > 0 && hist[k].size >= body * HEADING_RATIO) levels[nlevels++] = hist[k].size;
    /* The distance between baselines of wrapped body lines: the smallest
     * seen, ignoring lines that overlap (superscripts, table cells). */
    double pitch = HUGE_VAL;
    for (int i = 0; i < npages; i++) {
        page_t *pg = &pages[i];
        pg->left = HUGE_VAL;
        pg->right = -HUGE_VAL;
        for (size_t k = 0; k < pg->n; k++) {
            line_t *ln = &pg->lines[k];
            if (!ln->chars) continue;
            if (ln->size >= body * HEADING_RATIO && ln->len <= HEADING_MAX_BYTES)
                for (int l = 0; l < nlevels; l++)
                    if (ln->size >= levels[l]) {
                        ln->level = l + 1;
                        break;
                    }
            if (ln->size >= body * HEADING_RATIO && ln->len <= HEADING_MAX_BYTES && !ln->level)
                ln->level = MAX_LEVELS;
            if (ln->level) continue;
            if (ln->x1 < pg->left) pg->left = ln->x1;
            if (ln->x2 > pg->right) pg->right = ln->x2;
            if (k > 0) {
                const line_t *pv = &pg->lines[k - 1];
                double d = ln->y2 - pv->y2;
                if (pv->chars && !pv->level && pv->size == ln->size && d >= 0.9 * ln->size &&
                    d < pitch)
                    pitch = d;
            }
        }
    }

    /* Pass 2: blocks. */
    for (int i = 0; i < npages; i++) {
        if ((rc = kx_check_deadline(cx, err, errcap)) < 0) goto done;
        const page_t *pg = &pages[i];
        kx_block_kind_t kind = KX_BLOCK_PARAGRAPH;
        int level = 0;
        const line_t *prev = NULL; /* the last line in para */
        for (size_t k = 0; k <= pg->n; k++) {
            const line_t *ln = k < pg->n ? &pg->lines[k] : NULL;
            const char *t = ln ? pg->text + ln->off : NULL;
            size_t tl = ln ? ln->len : 0, skip = 0;
            bool is_bullet = ln && !ln->level && bullet(t, tl, &skip);
            bool join = false;
            if (ln && ln->chars && prev) {
                if (ln->level)
                    join = kind == KX_BLOCK_HEADING && level == ln->level &&
                           ln->y2 - prev->y2 < 2.0 * ln->size;
                else if (kind != KX_BLOCK_HEADING && !is_bullet) {
                    double d = ln->y2 - prev->y2;
                    double width = pg->right - pg->left;
                    bool gap = d < 0 || (pitch < HUGE_VAL ? d > pitch * 1.3 : d > 2.0 * ln->size);
                    bool short_end = ends_sentence(pg->text + prev->off, prev->len) &&
                                     prev->x2 - pg->left < 0.9 * width;
                    join = !gap && !short_end && fabs(ln->size - prev->size) < 0.75;
                }
            }
            if (!join && para.len) {
                rc = kx_doc_add(cx, doc, kind, level, i + 1, para.data, para.len, err, errcap);
                if (rc < 0) goto done;
                sal_buf_reset(&para);
                prev = NULL;
            }
            if (!ln || !ln->chars) {
                prev = NULL;
                continue;
            }
            if (!para.len) {
                kind = ln->level   ? KX_BLOCK_HEADING
                       : is_bullet ? KX_BLOCK_LIST_ITEM
                                   : KX_BLOCK_PARAGRAPH;
                level = ln->level;
                t += skip;
                tl -= skip;
            } else {
                /* A word hyphenated at the end of the line keeps its
                 * hyphen (it may be "mid-sized") but gets no space. */
                bool hyphen = para.data[para.len - 1] == '-' && para.len > 1 &&
                              para.data[para.len - 2] != ' ';
                if (!hyphen && sal_buf_append(&para, " ", 1) < 0) {
                    rc = text_limit(cx, err, errcap);
                    goto done;
                }
            }
            if (sal_buf_append(&para, t, tl) < 0) {
                rc = text_limit(cx, err, errcap);
                goto done;
            }
            prev = ln;
        }
    }

    if (!doc->title)
        for (size_t k = 0; k < doc->n; k++)
            if (doc->blocks[k].kind == KX_BLOCK_HEADING) {
                kx_doc_set_title(doc, doc->blocks[k].text, doc->blocks[k].len);
                break;
            }

done:
    if (pages)
        for (int i = 0; i < npages; i++) {
            g_free(pages[i].text);
            free(pages[i].lines);
        }
    free(pages);
    free(hist);
    sal_buf_free(&para);
    if (pd) g_object_unref(pd);
    if (gerr) g_error_free(gerr);
    g_bytes_unref(bytes);
    return rc;
}
