/* SPDX-License-Identifier: MIT */
/*
 * temporary: removed at merge. Weak stand-ins for the extractors that
 * extract.c dispatches to and that are written on other branches, so the
 * chunk tests link (they use kx_doc_free from extract.c) before those
 * branches are merged. Each one refuses every input.
 */
#include "knowledge/extract/extract_int.h"

#define KX_WEAK_EXTRACTOR(name)                                                                    \
    __attribute__((weak)) int name(kx_ctx_t *cx, const void *buf, size_t len, kx_doc_t *doc,       \
                                   char *err, size_t errcap) {                                     \
        (void)cx;                                                                                  \
        (void)buf;                                                                                 \
        (void)len;                                                                                 \
        (void)doc;                                                                                 \
        sal_errf(err, errcap, "unsupported file type");                                            \
        return SAL_EINVAL;                                                                         \
    }

KX_WEAK_EXTRACTOR(kx_pdf)
KX_WEAK_EXTRACTOR(kx_docx)
KX_WEAK_EXTRACTOR(kx_pptx)
KX_WEAK_EXTRACTOR(kx_html)
KX_WEAK_EXTRACTOR(kx_markdown)
KX_WEAK_EXTRACTOR(kx_text)

__attribute__((weak)) kx_format_t kx_sniff(const void *head, size_t len, const char *filename,
                                           char *detected, size_t detected_cap) {
    (void)head;
    (void)len;
    (void)filename;
    if (detected && detected_cap) detected[0] = '\0';
    return KX_FMT_UNKNOWN;
}
