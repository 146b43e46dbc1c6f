/* SPDX-License-Identifier: MIT */
/* Private to extract/: the document builder and deadline every extractor
 * shares, and the extractors behind kx_extract_mem(). */
#ifndef SALIENT_EXTRACT_INT_H
#define SALIENT_EXTRACT_INT_H

#include "knowledge/extract/extract.h"

/* Where an extractor stands against its limits. */
typedef struct {
    const kx_limits_t *lim;
    double deadline_ms; /* sal_mono_ms() value */
    size_t text_bytes;  /* added so far */
} kx_ctx_t;

/* SAL_ELIMIT (with a reason in err) once the deadline has passed. */
int kx_check_deadline(const kx_ctx_t *cx, char *err, size_t errcap);

/* Appends a block with a copy of text[0..len) (invalid UTF-8 replaced,
 * NULs dropped, leading/trailing whitespace trimmed; an empty result adds
 * nothing). SAL_ELIMIT with a reason in err past max_text_bytes. */
int kx_doc_add(kx_ctx_t *cx, kx_doc_t *doc, kx_block_kind_t kind, int level, int page,
               const char *text, size_t len, char *err, size_t errcap);
/* Sets doc->title to a trimmed copy of text when it has none yet. */
void kx_doc_set_title(kx_doc_t *doc, const char *text, size_t len);

/* The extractors: each fills an empty doc from buf[0..len). Same return
 * codes as kx_extract_mem. */
int kx_pdf(kx_ctx_t *cx, const void *buf, size_t len, kx_doc_t *doc, char *err, size_t errcap);
int kx_docx(kx_ctx_t *cx, const void *buf, size_t len, kx_doc_t *doc, char *err, size_t errcap);
int kx_pptx(kx_ctx_t *cx, const void *buf, size_t len, kx_doc_t *doc, char *err, size_t errcap);
int kx_html(kx_ctx_t *cx, const void *buf, size_t len, kx_doc_t *doc, char *err, size_t errcap);
int kx_markdown(kx_ctx_t *cx, const void *buf, size_t len, kx_doc_t *doc, char *err, size_t errcap);
int kx_text(kx_ctx_t *cx, const void *buf, size_t len, kx_doc_t *doc, char *err, size_t errcap);

#endif
