/* SPDX-License-Identifier: MIT */
/*
 * extract — text with its structure out of the documents a sales team
 * uploads: PDF (poppler-glib, text per page), DOCX and PPTX (libzip +
 * libxml2: paragraphs, headings from styles, tables as rows, slide text,
 * speaker notes), HTML (libxml2's HTML parser, no scripts or styles),
 * Markdown (cmark) and plain text. The format is chosen by content
 * sniffing (libmagic) together with the file name's extension.
 *
 * Every extractor runs under limits (kx_limits_t) against hostile files:
 * zip entry count, per-entry and total uncompressed size, compression
 * ratio, XML depth, no DTD loading, no entity substitution, no network,
 * a bound on the extracted text and a parse deadline. A corrupt,
 * encrypted, image-only, bomb or XXE file fails with a clear, client-safe
 * reason and never crashes or hangs the process.
 *
 *     kx_limits_t lim;
 *     kx_limits_default(&lim);
 *     kx_format_t f = kx_sniff(head, head_len, "pricing.docx", NULL);
 *     kx_doc_t *doc;
 *     char err[256];
 *     if (kx_extract_file("/data/blobs/ab/ab12…", f, &lim, &doc, err, sizeof err) < 0)
 *         fail(err);                  // "the DOCX file is corrupt: …"
 *     for (size_t i = 0; i < doc->n; i++)
 *         use(doc->blocks[i].kind, doc->blocks[i].page, doc->blocks[i].text);
 *     kx_doc_free(doc);
 */
#ifndef SALIENT_EXTRACT_H
#define SALIENT_EXTRACT_H

#include "core/core.h"

typedef enum {
    KX_FMT_UNKNOWN = 0,
    KX_FMT_PDF,
    KX_FMT_DOCX,
    KX_FMT_PPTX,
    KX_FMT_HTML,
    KX_FMT_MARKDOWN,
    KX_FMT_TEXT,
} kx_format_t;

/* "pdf", "docx", "pptx", "html", "markdown", "text" ("unknown"). */
const char *kx_format_name(kx_format_t f);
/* Parses a name as above; KX_FMT_UNKNOWN when it is none of them. */
kx_format_t kx_format_parse(const char *name);
/* The media type to record for a format ("application/pdf", ...). */
const char *kx_format_media_type(kx_format_t f);

/* Picks the format from the first bytes of the file (libmagic, at least
 * the first 64 KiB are best) and the client's file name (may be NULL):
 * the content decides where it is unambiguous (PDF magic, an OOXML zip
 * whose [Content_Types] or name says docx/pptx, HTML), the extension
 * decides between text flavours (.md/.markdown → Markdown, .txt →
 * text). KX_FMT_UNKNOWN for anything else (images, executables, other
 * zips, random bytes that are not text). detected (may be NULL) gets
 * libmagic's MIME type, for logs. Thread-safe. */
kx_format_t kx_sniff(const void *head, size_t len, const char *filename, char *detected,
                     size_t detected_cap);

/* Limits against hostile files. */
typedef struct {
    size_t max_input_bytes;   /* whole file */
    size_t max_zip_entries;   /* OOXML */
    uint64_t max_entry_bytes; /* one uncompressed zip entry */
    uint64_t max_total_bytes; /* all uncompressed entries read */
    double max_ratio;         /* uncompressed / compressed per entry */
    int max_xml_depth;        /* element nesting */
    size_t max_text_bytes;    /* extracted text in all */
    size_t max_pages;         /* PDF pages, PPTX slides */
    int timeout_ms;           /* parse deadline (checked between pages/nodes) */
} kx_limits_t;

/* Fills defaults: 100 MB input, 10,000 entries, 200 MB per entry, 500 MB
 * total, ratio 200, depth 256, 20 MB text, 5,000 pages, 60 s. */
void kx_limits_default(kx_limits_t *lim);

typedef enum {
    KX_BLOCK_HEADING, /* level 1..6 */
    KX_BLOCK_PARAGRAPH,
    KX_BLOCK_LIST_ITEM,
    KX_BLOCK_TABLE_ROW, /* cells joined with " | " */
    KX_BLOCK_NOTE,      /* speaker notes of a slide */
    KX_BLOCK_CODE,
} kx_block_kind_t;

/* One structural block of text: valid UTF-8, no NUL, whitespace as found
 * (normalisation comes later). page is the 1-based page or slide, 0 when
 * the format has none. */
typedef struct {
    kx_block_kind_t kind;
    int level; /* headings: 1..6; else 0 */
    int page;
    char *text;
    size_t len;
} kx_block_t;

/* An extracted document. Owns its blocks and strings. */
typedef struct {
    kx_format_t format;
    kx_block_t *blocks;
    size_t n, cap;
    int page_count; /* pages or slides; 0 for flat formats */
    char *title;    /* document title from metadata or the first heading; may be NULL */
} kx_doc_t;

void kx_doc_free(kx_doc_t *doc); /* accepts NULL */

/* Extracts buf[0..len) as format f. Returns 0 and a new document in *out
 * (free with kx_doc_free), or: SAL_EINVAL with a client-safe reason in err
 * for a corrupt, encrypted, image-only (no text at all) or unsupported
 * file; SAL_ELIMIT for a file over a limit (bomb, too deep, too long,
 * deadline). Never reads outside buf, never touches the network or the
 * file system. Thread-safe. */
int kx_extract_mem(const void *buf, size_t len, kx_format_t f, const kx_limits_t *lim,
                   kx_doc_t **out, char *err, size_t errcap);
/* The same over a file (read whole, up to max_input_bytes). SAL_EIO when
 * it cannot be read. */
int kx_extract_file(const char *path, kx_format_t f, const kx_limits_t *lim, kx_doc_t **out,
                    char *err, size_t errcap);

#endif
