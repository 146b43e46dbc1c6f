/* SPDX-License-Identifier: MIT */
/*
 * The extraction front: limits, the document builder every extractor
 * uses, the dispatch by format, and reading a file under the input cap.
 */
#include "knowledge/extract/extract_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const FORMAT_NAMES[] = {
    [KX_FMT_UNKNOWN] = "unknown", [KX_FMT_PDF] = "pdf",   [KX_FMT_DOCX] = "docx",
    [KX_FMT_PPTX] = "pptx",       [KX_FMT_HTML] = "html", [KX_FMT_MARKDOWN] = "markdown",
    [KX_FMT_TEXT] = "text",
};

static const char *const MEDIA_TYPES[] = {
    [KX_FMT_UNKNOWN] = "application/octet-stream",
    [KX_FMT_PDF] = "application/pdf",
    [KX_FMT_DOCX] = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    [KX_FMT_PPTX] = "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    [KX_FMT_HTML] = "text/html",
    [KX_FMT_MARKDOWN] = "text/markdown",
    [KX_FMT_TEXT] = "text/plain",
};

const char *kx_format_name(kx_format_t f) {
    return f >= KX_FMT_UNKNOWN && f <= KX_FMT_TEXT ? FORMAT_NAMES[f] : "unknown";
}

const char *kx_format_media_type(kx_format_t f) {
    return f >= KX_FMT_UNKNOWN && f <= KX_FMT_TEXT ? MEDIA_TYPES[f] : MEDIA_TYPES[0];
}

kx_format_t kx_format_parse(const char *name) {
    for (int f = KX_FMT_PDF; f <= KX_FMT_TEXT; f++)
        if (name && strcmp(name, FORMAT_NAMES[f]) == 0) return (kx_format_t)f;
    return KX_FMT_UNKNOWN;
}

void kx_limits_default(kx_limits_t *lim) {
    *lim = (kx_limits_t){
        .max_input_bytes = 100u << 20,
        .max_zip_entries = 10000,
        .max_entry_bytes = 200ull << 20,
        .max_total_bytes = 500ull << 20,
        .max_ratio = 200.0,
        .max_xml_depth = 256,
        .max_text_bytes = 20u << 20,
        .max_pages = 5000,
        .timeout_ms = 60000,
    };
}

int kx_check_deadline(const kx_ctx_t *cx, char *err, size_t errcap) {
    if (sal_mono_ms() <= cx->deadline_ms) return 0;
    sal_errf(err, errcap, "the document took longer than %d s to parse",
             cx->lim->timeout_ms / 1000);
    return SAL_ELIMIT;
}

/* Length of the UTF-8 sequence at s (n bytes left), 0 when ill-formed. */
static size_t utf8_seq(const unsigned char *s, size_t n) {
    size_t k = s[0] < 0x80             ? 1
               : (s[0] & 0xE0) == 0xC0 ? 2
               : (s[0] & 0xF0) == 0xE0 ? 3
               : (s[0] & 0xF8) == 0xF0 ? 4
                                       : 0;
    if (k == 0 || k > n) return 0;
    return sal_utf8_valid((const char *)s, k) ? k : 0;
}

static bool is_space(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

int kx_doc_add(kx_ctx_t *cx, kx_doc_t *doc, kx_block_kind_t kind, int level, int page,
               const char *text, size_t len, char *err, size_t errcap) {
    while (len && is_space((unsigned char)*text)) text++, len--;
    while (len && is_space((unsigned char)text[len - 1])) len--;
    if (len == 0) return 0;
    if (cx->text_bytes + len > cx->lim->max_text_bytes) {
        sal_errf(err, errcap, "the document has more than %zu MB of text",
                 cx->lim->max_text_bytes >> 20);
        return SAL_ELIMIT;
    }
    /* Each ill-formed byte may grow to U+FFFD (3 bytes). */
    char *t = xmalloc(len * 3 + 1);
    size_t o = 0;
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < len;) {
        if (s[i] == 0) {
            i++;
            continue;
        }
        size_t k = utf8_seq(s + i, len - i);
        if (k == 0) {
            memcpy(t + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        } else {
            memcpy(t + o, s + i, k);
            o += k;
            i += k;
        }
    }
    t[o] = '\0';
    if (o == 0) {
        free(t);
        return 0;
    }
    if (doc->n == doc->cap) {
        doc->cap = doc->cap ? doc->cap * 2 : 64;
        doc->blocks = xrealloc(doc->blocks, doc->cap * sizeof *doc->blocks);
    }
    doc->blocks[doc->n++] =
        (kx_block_t){.kind = kind, .level = level, .page = page, .text = t, .len = o};
    cx->text_bytes += o;
    return 0;
}

void kx_doc_set_title(kx_doc_t *doc, const char *text, size_t len) {
    if (doc->title) return;
    while (len && is_space((unsigned char)*text)) text++, len--;
    while (len && is_space((unsigned char)text[len - 1])) len--;
    if (len == 0 || !sal_utf8_valid(text, len) || memchr(text, 0, len)) return;
    doc->title = xstrndup(text, len);
}

void kx_doc_free(kx_doc_t *doc) {
    if (!doc) return;
    for (size_t i = 0; i < doc->n; i++) free(doc->blocks[i].text);
    free(doc->blocks);
    free(doc->title);
    free(doc);
}

int kx_extract_mem(const void *buf, size_t len, kx_format_t f, const kx_limits_t *lim,
                   kx_doc_t **out, char *err, size_t errcap) {
    *out = NULL;
    kx_limits_t defaults;
    if (!lim) {
        kx_limits_default(&defaults);
        lim = &defaults;
    }
    if (len > lim->max_input_bytes) {
        sal_errf(err, errcap, "the file is larger than %zu MB", lim->max_input_bytes >> 20);
        return SAL_ELIMIT;
    }
    kx_ctx_t cx = {.lim = lim, .deadline_ms = sal_mono_ms() + lim->timeout_ms};
    kx_doc_t *doc = xcalloc(1, sizeof *doc);
    doc->format = f;
    int rc;
    switch (f) {
    case KX_FMT_PDF: rc = kx_pdf(&cx, buf, len, doc, err, errcap); break;
    case KX_FMT_DOCX: rc = kx_docx(&cx, buf, len, doc, err, errcap); break;
    case KX_FMT_PPTX: rc = kx_pptx(&cx, buf, len, doc, err, errcap); break;
    case KX_FMT_HTML: rc = kx_html(&cx, buf, len, doc, err, errcap); break;
    case KX_FMT_MARKDOWN: rc = kx_markdown(&cx, buf, len, doc, err, errcap); break;
    case KX_FMT_TEXT: rc = kx_text(&cx, buf, len, doc, err, errcap); break;
    default: sal_errf(err, errcap, "unsupported file type"); rc = SAL_EINVAL;
    }
    if (rc < 0) {
        kx_doc_free(doc);
        return rc;
    }
    *out = doc;
    return 0;
}

int kx_extract_file(const char *path, kx_format_t f, const kx_limits_t *lim, kx_doc_t **out,
                    char *err, size_t errcap) {
    *out = NULL;
    kx_limits_t defaults;
    if (!lim) {
        kx_limits_default(&defaults);
        lim = &defaults;
    }
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        sal_errf(err, errcap, "the stored file cannot be read");
        return SAL_EIO;
    }
    struct stat sb;
    if (fstat(fileno(fp), &sb) < 0 || !S_ISREG(sb.st_mode)) {
        fclose(fp);
        sal_errf(err, errcap, "the stored file cannot be read");
        return SAL_EIO;
    }
    if ((uint64_t)sb.st_size > lim->max_input_bytes) {
        fclose(fp);
        sal_errf(err, errcap, "the file is larger than %zu MB", lim->max_input_bytes >> 20);
        return SAL_ELIMIT;
    }
    size_t n = (size_t)sb.st_size;
    char *buf = xmalloc(n ? n : 1);
    size_t got = n ? fread(buf, 1, n, fp) : 0;
    fclose(fp);
    if (got != n) {
        free(buf);
        sal_errf(err, errcap, "the stored file cannot be read");
        return SAL_EIO;
    }
    int rc = kx_extract_mem(buf, n, f, lim, out, err, errcap);
    free(buf);
    return rc;
}
