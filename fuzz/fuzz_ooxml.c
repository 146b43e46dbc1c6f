/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the DOCX and PPTX extractors under small limits (200 entries,
 * 4 MB per entry, 16 MB in all, 2 s). The first byte picks what the rest
 * is, so the fuzzer reaches the XML handlers and not only libzip's CRC
 * checks:
 *   0  a whole package, extracted as DOCX and as PPTX
 *   1  word/document.xml of a DOCX with a fixed styles.xml
 *   2  word/styles.xml of a DOCX with a fixed document.xml
 *   3  a slide (and its notes slide) of a PPTX with a fixed presentation
 * Every call must return 0 with a document whose blocks are valid UTF-8
 * without NUL, of a known kind, headings at level 1..6, slides within
 * page_count; or SAL_EINVAL / SAL_ELIMIT with a reason and no document.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tests/unit/knowledge/zipbuild.h"
#include "knowledge/extract/extract.h"

#define W_NS "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\""
#define P_NS                                                                                       \
    "xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" "                           \
    "xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\" "                      \
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""
#define REL "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"

static const char STYLES[] =
    "<w:styles " W_NS "><w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\">"
    "<w:name w:val=\"Normal\"/></w:style><w:style w:type=\"paragraph\" w:styleId=\"Heading1\">"
    "<w:name w:val=\"heading 1\"/><w:basedOn w:val=\"Normal\"/><w:pPr><w:outlineLvl w:val=\"0\"/>"
    "</w:pPr></w:style><w:style w:type=\"paragraph\" w:styleId=\"ListBullet\">"
    "<w:name w:val=\"List Bullet\"/><w:pPr><w:numPr><w:numId w:val=\"1\"/></w:numPr></w:pPr>"
    "</w:style></w:styles>";
static const char DOCUMENT[] =
    "<w:document " W_NS "><w:body><w:p><w:pPr><w:pStyle w:val=\"Heading1\"/></w:pPr><w:r>"
    "<w:t>Title</w:t></w:r></w:p><w:p><w:pPr><w:pStyle w:val=\"ListBullet\"/></w:pPr><w:r>"
    "<w:t>item</w:t></w:r></w:p></w:body></w:document>";
static const char PRES[] = "<p:presentation " P_NS "><p:sldIdLst><p:sldId id=\"256\" "
                           "r:id=\"rId2\"/><p:sldId id=\"257\" r:id=\"rId2\"/></p:sldIdLst>"
                           "</p:presentation>";
static const char PRES_RELS[] =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId2\" Type=\"" REL "slide\" Target=\"slides/slide1.xml\"/>"
    "</Relationships>";
static const char SLIDE_RELS[] =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"" REL "notesSlide\" Target=\"../notesSlides/n1.xml\"/>"
    "</Relationships>";

static kx_limits_t lim;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    kx_limits_default(&lim);
    lim.max_zip_entries = 200;
    lim.max_entry_bytes = 4u << 20;
    lim.max_total_bytes = 16u << 20;
    lim.timeout_ms = 2000;
    return 0;
}

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_ooxml: %s failed (%s, rc %d, %s)\n", #cond, kx_format_name(f),   \
                    rc, err);                                                                      \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void run(const void *buf, size_t len, kx_format_t f) {
    kx_doc_t *doc = (kx_doc_t *)1;
    char err[256] = "";
    int rc = kx_extract_mem(buf, len, f, &lim, &doc, err, sizeof err);
    if (rc != 0) {
        CHECK(rc == SAL_EINVAL || rc == SAL_ELIMIT);
        CHECK(doc == NULL);
        CHECK(err[0] != '\0' && sal_utf8_valid(err, strlen(err)));
        return;
    }
    CHECK(doc != NULL && doc->format == f && doc->n > 0);
    CHECK(f == KX_FMT_PPTX ? doc->page_count >= 0 : doc->page_count == 0);
    for (size_t i = 0; i < doc->n; i++) {
        const kx_block_t *b = &doc->blocks[i];
        CHECK(b->text != NULL && b->len > 0 && strlen(b->text) == b->len);
        CHECK(sal_utf8_valid(b->text, b->len));
        CHECK(b->kind >= KX_BLOCK_HEADING && b->kind <= KX_BLOCK_CODE);
        CHECK(b->kind == KX_BLOCK_HEADING ? b->level >= 1 && b->level <= 6 : b->level == 0);
        CHECK(f == KX_FMT_PPTX ? b->page >= 1 && b->page <= doc->page_count : b->page == 0);
    }
    if (doc->title) CHECK(sal_utf8_valid(doc->title, strlen(doc->title)));
    kx_doc_free(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    const char *rest = (const char *)data + 1;
    size_t n = size - 1;
    char *zip = NULL;
    size_t zip_len = 0;
    /* zipbuild takes len 0 as "strlen": an empty part is one space instead. */
    const char *part = n ? rest : " ";
    size_t part_len = n ? n : 1;
    switch (data[0] % 4) {
    case 0:
        run(rest, n, KX_FMT_DOCX);
        run(rest, n, KX_FMT_PPTX);
        return 0;
    case 1: {
        zb_entry_t e[] = {{"word/document.xml", part, part_len}, {"word/styles.xml", STYLES, 0}};
        if (zb_build(e, 2, false, &zip, &zip_len) < 0) abort();
        run(zip, zip_len, KX_FMT_DOCX);
        break;
    }
    case 2: {
        zb_entry_t e[] = {{"word/document.xml", DOCUMENT, 0}, {"word/styles.xml", part, part_len}};
        if (zb_build(e, 2, false, &zip, &zip_len) < 0) abort();
        run(zip, zip_len, KX_FMT_DOCX);
        break;
    }
    default: {
        zb_entry_t e[] = {{"ppt/presentation.xml", PRES, 0},
                          {"ppt/_rels/presentation.xml.rels", PRES_RELS, 0},
                          {"ppt/slides/slide1.xml", part, part_len},
                          {"ppt/slides/_rels/slide1.xml.rels", SLIDE_RELS, 0},
                          {"ppt/notesSlides/n1.xml", part, part_len}};
        if (zb_build(e, 5, false, &zip, &zip_len) < 0) abort();
        run(zip, zip_len, KX_FMT_PPTX);
        break;
    }
    }
    free(zip);
    return 0;
}
