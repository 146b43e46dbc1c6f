/* SPDX-License-Identifier: MIT */
/*
 * Tests for the DOCX extractor (src/knowledge/extract/ooxml.c): the exact
 * blocks of tests/data/extract/good.docx (python-docx: title, headings
 * from styles, list items, a 3×3 table) and of documents spelled out here
 * (style chains, outline levels, tracked changes, fields, text boxes,
 * nested tables, UTF-16), and for every hostile package — bombs, lying
 * headers, entity bombs, XXE, traversal names, truncation, OLE, deep
 * nesting, 10,001 entries, each limit — the exact error code, a
 * meaningful reason, and a finish well under two seconds. Fixtures come
 * from scripts/fixtures/make_ooxml_fixtures.py.
 */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "knowledge/extract/extract.h"
#include "ooxml_testutil.h"
#include "testutil.h"
#include "zipbuild.h"

#define W_NS  "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\""
#define MC_NS "xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\""
#define DOC(body)                                                                                  \
    "<?xml version=\"1.0\"?><w:document " W_NS " " MC_NS "><w:body>" body "</w:body></w:document>"
#define P(text) "<w:p><w:r><w:t>" text "</w:t></w:r></w:p>"

static kx_limits_t defaults(void) {
    kx_limits_t lim;
    kx_limits_default(&lim);
    return lim;
}

/* Packs document.xml (and styles.xml when not NULL) and extracts it. */
static int docx_of(const char *document, const char *styles, const kx_limits_t *lim, kx_doc_t **out,
                   char *err, size_t errcap) {
    zb_entry_t e[3] = {{"[Content_Types].xml", "<Types/>", 0}, {"word/document.xml", document, 0}};
    size_t n = 2;
    if (styles) e[n++] = (zb_entry_t){"word/styles.xml", styles, 0};
    char *zip;
    size_t len;
    assert_int_equal(zb_build(e, n, true, &zip, &len), 0);
    kx_limits_t d = defaults();
    int rc = extract_timed(zip, len, KX_FMT_DOCX, lim ? lim : &d, out, err, errcap);
    free(zip);
    return rc;
}

static void test_good_docx(void **state) {
    (void)state;
    size_t len;
    char *buf = fixture_read("good.docx", &len);
    kx_doc_t *doc = NULL;
    char err[256];
    kx_limits_t lim = defaults();
    int rc = extract_timed(buf, len, KX_FMT_DOCX, &lim, &doc, err, sizeof err);
    if (rc != 0) fail_msg("rc %d: %s", rc, err);
    static const want_block_t want[] = {
        {KX_BLOCK_HEADING, 1, 0, "Pricing Overview"}, /* style Title */
        {KX_BLOCK_HEADING, 1, 0, "Plans"},
        {KX_BLOCK_PARAGRAPH, 0, 0, "Every plan includes onboarding and support."},
        {KX_BLOCK_HEADING, 2, 0, "Enterprise"},
        {KX_BLOCK_PARAGRAPH, 0, 0, "Volume discounts start at 50 seats."},
        {KX_BLOCK_LIST_ITEM, 0, 0, "Single sign-on"},
        {KX_BLOCK_LIST_ITEM, 0, 0, "Audit log"},
        {KX_BLOCK_TABLE_ROW, 0, 0, "Plan | Seats | Price"},
        {KX_BLOCK_TABLE_ROW, 0, 0, "Team | 10 | $99"},
        {KX_BLOCK_TABLE_ROW, 0, 0, "Business | 50 | $399"},
        {KX_BLOCK_PARAGRAPH, 0, 0, "Prices\tin USD."},
    };
    expect_blocks(doc, want, N_OF(want));
    assert_int_equal(doc->format, KX_FMT_DOCX);
    assert_string_equal(doc->title, "Acme Pricing Guide"); /* docProps/core.xml */
    assert_int_equal(doc->page_count, 0);
    kx_doc_free(doc);
    free(buf);
}

static const char STYLES[] =
    "<w:styles " W_NS ">"
    "<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/>"
    "<w:rPr><w:t>not text</w:t></w:rPr></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"Kop1\"><w:name w:val=\"heading 1\"/>"
    "<w:basedOn w:val=\"Normal\"/><w:pPr><w:outlineLvl w:val=\"0\"/></w:pPr></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"Custom\"><w:name w:val=\"My Section\"/>"
    "<w:basedOn w:val=\"Kop3\"/></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"Kop3\"><w:name w:val=\"Heading 3\"/></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"Chapter\"><w:name w:val=\"Chapter\"/>"
    "<w:pPr><w:outlineLvl w:val=\"1\"/></w:pPr></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"Deep\"><w:name w:val=\"heading 9\"/></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"Steps\"><w:name w:val=\"Steps\"/>"
    "<w:pPr><w:numPr><w:ilvl w:val=\"0\"/><w:numId w:val=\"3\"/></w:numPr></w:pPr></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"ListPara\"><w:name w:val=\"List Paragraph\"/>"
    "</w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"Loop1\"><w:name w:val=\"a\"/>"
    "<w:basedOn w:val=\"Loop2\"/></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"Loop2\"><w:name w:val=\"b\"/>"
    "<w:basedOn w:val=\"Loop1\"/></w:style>"
    "</w:styles>";

#define PS(style, text)                                                                            \
    "<w:p><w:pPr><w:pStyle w:val=\"" style "\"/></w:pPr><w:r><w:t>" text "</w:t></w:r></w:p>"

static const char FEATURES[] = DOC(
    PS("Kop1", "Introduction") PS("Custom", "Scope") PS("Chapter", "Chapter two")
        PS("Deep", "Deepest")
    /* direct outline level wins over the style */
    "<w:p><w:pPr><w:pStyle w:val=\"Normal\"/><w:outlineLvl w:val=\"3\"/></w:pPr>"
    "<w:r><w:t>Direct outline</w:t></w:r></w:p>"
    "<w:p><w:pPr><w:pStyle w:val=\"Kop1\"/><w:outlineLvl w:val=\"9\"/></w:pPr>"
    "<w:r><w:t>Body level</w:t></w:r></w:p>" PS("Steps", "First step")
        PS("ListPara", "Listed by name") "<w:p><w:pPr><w:pStyle w:val=\"Steps\"/><w:numPr><w:numId "
                                         "w:val=\"0\"/></w:numPr></w:pPr>"
                                         "<w:r><w:t>Not a step</w:t></w:r></w:p>"
                                         "<w:p><w:pPr><w:numPr><w:ilvl w:val=\"1\"/><w:numId "
                                         "w:val=\"2\"/></w:numPr></w:pPr>"
                                         "<w:r><w:t>Direct numbering</w:t></w:r></w:p>" PS(
                                             "Loop1", "Loop style") PS("Missing", "Unknown style")
    /* the tracked change's old style is not the paragraph's */
    "<w:p><w:pPr><w:pPrChange><w:pPr><w:pStyle w:val=\"Kop1\"/></w:pPr></w:pPrChange>"
    "<w:tabs><w:tab w:val=\"left\" w:pos=\"720\"/></w:tabs></w:pPr>"
    "<w:r><w:t>Changed style</w:t></w:r></w:p>"
    "<w:p><w:r><w:t xml:space=\"preserve\">Kept </w:t></w:r>"
    "<w:ins><w:r><w:t xml:space=\"preserve\">inserted </w:t></w:r></w:ins>"
    "<w:del><w:r><w:delText>deleted </w:delText></w:r></w:del>"
    "<w:del><w:r><w:t>deleted run </w:t></w:r></w:del>"
    "<w:moveFrom><w:r><w:t>moved away </w:t></w:r></w:moveFrom>"
    "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>"
    "<w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>7</w:t></w:r>"
    "<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>"
    "<w:r><w:br/><w:t>next line</w:t></w:r></w:p>"
    "<w:p><w:hyperlink><w:r><w:t>a</w:t><w:tab/><w:t>b</w:t><w:noBreakHyphen/>"
    "<w:t>c</w:t><w:cr/><w:t><![CDATA[<cdata>]]></w:t></w:r></w:hyperlink>"
    "<w:r><w:t xml:space=\"preserve\"> </w:t><w:t>&amp;&#x263A;</w:t></w:r></w:p>"
    /* a text box: its paragraph comes out once (Choice), before its anchor */
    "<w:p><w:r><w:t>Anchor text</w:t></w:r><w:r><mc:AlternateContent><mc:Choice Requires=\"wps\">"
    "<w:drawing><w:txbxContent>" P(
        "In the box") "</w:txbxContent></w:drawing></mc:Choice>"
                      "<mc:Fallback><w:pict><w:txbxContent>" P(
                          "In the box") "</w:txbxContent></w:pict>"
                                        "</mc:Fallback></mc:AlternateContent></w:r></w:p>"
                                        "<w:tbl><w:tr><w:tc>" P("Outer A") "</w:tc><w:tc>" P(
                                            "Outer"
                                            " B") "<w:tbl><w:tr><w:tc>" P("inner 1") "</"
                                                                                     "w:tc><w:"
                                                                                     "tc>" P(
                                                                                         "inner"
                                                                                         " 2") "</"
                                                                                               "w:"
                                                                                               "tc>"
                                                                                               "</"
                                                                                               "w:"
                                                                                               "tr>"
                                                                                               "</"
                                                                                               "w:"
                                                                                               "tbl"
                                                                                               ">"
                                                                                               "</"
                                                                                               "w:"
                                                                                               "tc>"
                                                                                               "<w:"
                                                                                               "tc"
                                                                                               ">" P(
                                                                                                   "Outer C") "</w:tc></w:tr>"
                                                                                                              "<w:tr><w:tc><w:p/></"
                                                                                                              "w:tc><w:tc><w:p/></"
                                                                                                              "w:tc><w:tc><w:p/></w:tc></"
                                                                                                              "w:tr>"
                                                                                                              "<w:tr><w:tc>" PS(
                                                                                                                  "Kop1",
                                                                                                                  "Ce"
                                                                                                                  "ll"
                                                                                                                  " h"
                                                                                                                  "ea"
                                                                                                                  "di"
                                                                                                                  "n"
                                                                                                                  "g")
                                                                                                                  P("second para") "</"
                                                                                                                                   "w:tc><w:"
                                                                                                                                   "tc><w:p/"
                                                                                                                                   "></w:tc>"
                                                                                                                                   "<w:tc>" P(
                                                                                                                                       "z") "</w:tc></w:tr></w:tbl>"
                                                                                                                                            "<w:p/><w:p><w:r><w:t>   </w:t></w:r></w:p>" P(
                                                                                                                                                "The end") "<w:sectPr><w:pgSz w:w=\"12240\"/></w:sectPr>");

static void test_docx_structure(void **state) {
    (void)state;
    kx_doc_t *doc = NULL;
    char err[256];
    int rc = docx_of(FEATURES, STYLES, NULL, &doc, err, sizeof err);
    if (rc != 0) fail_msg("rc %d: %s", rc, err);
    static const want_block_t want[] = {
        {KX_BLOCK_HEADING, 1, 0, "Introduction"},
        {KX_BLOCK_HEADING, 3, 0, "Scope"},       /* basedOn "Heading 3" */
        {KX_BLOCK_HEADING, 2, 0, "Chapter two"}, /* style outlineLvl 1 */
        {KX_BLOCK_HEADING, 6, 0, "Deepest"},
        {KX_BLOCK_HEADING, 4, 0, "Direct outline"},
        {KX_BLOCK_PARAGRAPH, 0, 0, "Body level"},
        {KX_BLOCK_LIST_ITEM, 0, 0, "First step"},
        {KX_BLOCK_LIST_ITEM, 0, 0, "Listed by name"},
        {KX_BLOCK_PARAGRAPH, 0, 0, "Not a step"},
        {KX_BLOCK_LIST_ITEM, 0, 0, "Direct numbering"},
        {KX_BLOCK_PARAGRAPH, 0, 0, "Loop style"},
        {KX_BLOCK_PARAGRAPH, 0, 0, "Unknown style"},
        {KX_BLOCK_PARAGRAPH, 0, 0, "Changed style"},
        {KX_BLOCK_PARAGRAPH, 0, 0, "Kept inserted 7\nnext line"},
        {KX_BLOCK_PARAGRAPH, 0, 0, "a\tb-c\n<cdata> &\xE2\x98\xBA"},
        {KX_BLOCK_PARAGRAPH, 0, 0, "In the box"},
        {KX_BLOCK_PARAGRAPH, 0, 0, "Anchor text"},
        {KX_BLOCK_TABLE_ROW, 0, 0, "Outer A | Outer B inner 1 inner 2 | Outer C"},
        {KX_BLOCK_TABLE_ROW, 0, 0, "Cell heading second para |  | z"},
        {KX_BLOCK_PARAGRAPH, 0, 0, "The end"},
    };
    expect_blocks(doc, want, N_OF(want));
    assert_string_equal(doc->title, "Introduction"); /* no core.xml: the first heading */
    kx_doc_free(doc);
}

static void test_docx_without_styles(void **state) {
    (void)state;
    kx_doc_t *doc = NULL;
    char err[256];
    /* No styles.xml, then a malformed one: the text still comes out, unstyled. */
    const char *styles[] = {NULL, "<w:styles " W_NS "><w:style>"};
    for (int i = 0; i < 2; i++) {
        int rc =
            docx_of(DOC(PS("Kop1", "Hello") P("World")), styles[i], NULL, &doc, err, sizeof err);
        if (rc != 0) fail_msg("rc %d: %s", rc, err);
        static const want_block_t want[] = {{KX_BLOCK_PARAGRAPH, 0, 0, "Hello"},
                                            {KX_BLOCK_PARAGRAPH, 0, 0, "World"}};
        expect_blocks(doc, want, N_OF(want));
        assert_null(doc->title);
        kx_doc_free(doc);
    }
}

static void test_docx_utf16(void **state) {
    (void)state;
    const char *xml = DOC(P("Gr\xC3\xBC\xC3\x9F"
                            "e"));
    /* UTF-16LE with a BOM, ASCII widened and ü/ß as their code units. */
    char u16[1024];
    size_t o = 0;
    u16[o++] = (char)0xFF;
    u16[o++] = (char)0xFE;
    for (const unsigned char *s = (const unsigned char *)xml; *s; s++) {
        unsigned cp = *s;
        if (*s == 0xC3) cp = 0xC0 | (s[1] & 0x3F), s++;
        u16[o++] = (char)(cp & 0xFF);
        u16[o++] = (char)(cp >> 8);
    }
    zb_entry_t e[] = {{"word/document.xml", u16, o}};
    char *zip;
    size_t len;
    assert_int_equal(zb_build(e, 1, false, &zip, &len), 0);
    kx_doc_t *doc = NULL;
    char err[256];
    kx_limits_t lim = defaults();
    int rc = extract_timed(zip, len, KX_FMT_DOCX, &lim, &doc, err, sizeof err);
    if (rc != 0) fail_msg("rc %d: %s", rc, err);
    static const want_block_t want[] = {{KX_BLOCK_PARAGRAPH, 0, 0,
                                         "Gr\xC3\xBC\xC3\x9F"
                                         "e"}};
    expect_blocks(doc, want, N_OF(want));
    kx_doc_free(doc);
    free(zip);

    /* The same with a DOCTYPE in UTF-16: refused before parsing. */
    static const char dt[] = "<\0!\0D\0O\0C\0T\0Y\0P\0E\0 \0x\0>\0";
    memmove(u16 + 2 + sizeof dt - 1, u16 + 2, o - 2);
    memcpy(u16 + 2, dt, sizeof dt - 1);
    e[0].len = o + sizeof dt - 1;
    assert_int_equal(zb_build(e, 1, false, &zip, &len), 0);
    rc = extract_timed(zip, len, KX_FMT_DOCX, &lim, &doc, err, sizeof err);
    assert_int_equal(rc, SAL_EINVAL);
    assert_non_null(strstr(err, "DTD"));
    free(zip);
}

static void test_hostile_fixtures(void **state) {
    (void)state;
    kx_limits_t lim = defaults();
    expect_fixture_error("bomb.docx", KX_FMT_DOCX, &lim, SAL_ELIMIT,
                         "the DOCX looks like a zip bomb (word/document.xml expands more than "
                         "200\xC3\x97)");
    expect_fixture_error("lying_header.docx", KX_FMT_DOCX, &lim, SAL_ELIMIT,
                         "inflates past the size its header declares");
    /* Only the local header lies: libzip's consistency check catches it. */
    expect_fixture_error("lying_local_header.docx", KX_FMT_DOCX, &lim, SAL_EINVAL,
                         "the DOCX file is corrupt or not a DOCX");
    expect_fixture_error("billion_laughs.docx", KX_FMT_DOCX, &lim, SAL_EINVAL,
                         "the DOCX contains a DTD (not allowed in Office files)");
    expect_fixture_error("truncated.docx", KX_FMT_DOCX, &lim, SAL_EINVAL,
                         "the DOCX file is corrupt or not a DOCX");
    expect_fixture_error("no_document.docx", KX_FMT_DOCX, &lim, SAL_EINVAL,
                         "not a DOCX (it has no word/document.xml)");
    expect_fixture_error("ole.docx", KX_FMT_DOCX, &lim, SAL_EINVAL,
                         "the DOCX is password-protected or in the old binary format");
    expect_fixture_error("deep.docx", KX_FMT_DOCX, &lim, SAL_ELIMIT,
                         "nested too deeply (more than 256 levels in word/document.xml)");
    /* Above libxml2's own cap (256 without XML_PARSE_HUGE) it is still a limit. */
    lim.max_xml_depth = 1000;
    expect_fixture_error("deep.docx", KX_FMT_DOCX, &lim, SAL_ELIMIT, "nested too deeply");
    lim.max_xml_depth = 100;
    expect_fixture_error("deep.docx", KX_FMT_DOCX, &lim, SAL_ELIMIT, "more than 100 levels");
    /* Not a zip at all, and nothing. */
    kx_doc_t *doc = (kx_doc_t *)1;
    char err[256];
    lim = defaults();
    assert_int_equal(extract_timed("hello", 5, KX_FMT_DOCX, &lim, &doc, err, sizeof err),
                     SAL_EINVAL);
    assert_string_equal(err, "the DOCX file is corrupt or not a DOCX");
    assert_int_equal(extract_timed(NULL, 0, KX_FMT_DOCX, &lim, &doc, err, sizeof err), SAL_EINVAL);
    assert_null(doc);
}

static void test_xxe_never_reads_files(void **state) {
    (void)state;
    size_t len;
    char *buf = fixture_read("xxe.docx", &len);
    kx_doc_t *doc = (kx_doc_t *)1;
    char err[256];
    kx_limits_t lim = defaults();
    assert_int_equal(extract_timed(buf, len, KX_FMT_DOCX, &lim, &doc, err, sizeof err), SAL_EINVAL);
    assert_null(doc);
    assert_string_equal(err, "the DOCX contains a DTD (not allowed in Office files)");
    assert_null(strstr(err, "root:"));
    free(buf);
    /* An external entity without the DOCTYPE is just an undeclared one. */
    int rc =
        docx_of(DOC("<w:p><w:r><w:t>&xxe;</w:t></w:r></w:p>"), NULL, NULL, &doc, err, sizeof err);
    assert_int_equal(rc, SAL_EINVAL);
    assert_non_null(strstr(err, "not well-formed XML"));
    /* A DTD in styles.xml is refused as well, not ignored. */
    rc = docx_of(DOC(P("x")), "<!DOCTYPE s [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><s>&e;</s>",
                 NULL, &doc, err, sizeof err);
    assert_int_equal(rc, SAL_EINVAL);
    assert_non_null(strstr(err, "DTD"));
}

static void test_traversal_names_are_harmless(void **state) {
    (void)state;
    size_t len;
    char *buf = fixture_read("traversal.docx", &len);
    kx_doc_t *doc = NULL;
    char err[256];
    kx_limits_t lim = defaults();
    int rc = extract_timed(buf, len, KX_FMT_DOCX, &lim, &doc, err, sizeof err);
    if (rc != 0) fail_msg("rc %d: %s", rc, err);
    static const want_block_t want[] = {{KX_BLOCK_PARAGRAPH, 0, 0, "Safe text"}};
    expect_blocks(doc, want, N_OF(want));
    kx_doc_free(doc);
    free(buf);
    /* Nothing is written anywhere (cwd is the test's scratch dir). */
    assert_int_equal(access("../../evil.txt", F_OK), -1);
    assert_int_equal(access("evil.txt", F_OK), -1);
    assert_int_equal(access("/abs/path", F_OK), -1);
}

static void test_too_many_entries(void **state) {
    (void)state;
    enum { N = 10001 };
    zb_entry_t *e = calloc(N + 1, sizeof *e);
    char(*names)[16] = calloc(N, sizeof *names);
    assert_non_null(e);
    assert_non_null(names);
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "f%05d", i);
        e[i] = (zb_entry_t){names[i], "x", 1};
    }
    e[N] = (zb_entry_t){"word/document.xml", DOC(P("x")), 0};
    char *zip;
    size_t len;
    assert_int_equal(zb_build(e, N + 1, false, &zip, &len), 0);
    kx_doc_t *doc = (kx_doc_t *)1;
    char err[256];
    kx_limits_t lim = defaults();
    assert_int_equal(extract_timed(zip, len, KX_FMT_DOCX, &lim, &doc, err, sizeof err), SAL_ELIMIT);
    assert_string_equal(err, "the DOCX has more than 10000 files inside");
    assert_null(doc);
    /* With room for them it reads fine. */
    lim.max_zip_entries = N + 1;
    assert_int_equal(extract_timed(zip, len, KX_FMT_DOCX, &lim, &doc, err, sizeof err), 0);
    assert_int_equal(doc->n, 1);
    kx_doc_free(doc);
    free(zip);
    free(names);
    free(e);
}

/* An entry encrypted inside the zip (not the CFB wrapper Office uses). */
static void test_encrypted_entry(void **state) {
    (void)state;
    if (!zip_encryption_method_supported(ZIP_EM_AES_256, 1)) skip();
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, NULL);
    assert_non_null(src);
    zip_source_keep(src);
    zip_t *za = zip_open_from_source(src, ZIP_TRUNCATE, NULL);
    assert_non_null(za);
    static const char xml[] = DOC(P("secret"));
    zip_int64_t idx =
        zip_file_add(za, "word/document.xml", zip_source_buffer(za, xml, sizeof xml - 1, 0), 0);
    assert_true(idx >= 0);
    assert_int_equal(zip_file_set_encryption(za, (zip_uint64_t)idx, ZIP_EM_AES_256, "pw"), 0);
    assert_int_equal(zip_close(za), 0);
    zip_stat_t st;
    assert_int_equal(zip_source_stat(src, &st), 0);
    assert_int_equal(zip_source_open(src), 0);
    char *zip = malloc(st.size);
    assert_non_null(zip);
    assert_int_equal(zip_source_read(src, zip, st.size), (zip_int64_t)st.size);
    zip_source_close(src);
    zip_source_free(src);
    kx_doc_t *doc = (kx_doc_t *)1;
    char err[256];
    kx_limits_t lim = defaults();
    assert_int_equal(extract_timed(zip, st.size, KX_FMT_DOCX, &lim, &doc, err, sizeof err),
                     SAL_EINVAL);
    assert_string_equal(err, "the DOCX is password-protected or in the old binary format");
    assert_null(doc);
    free(zip);
}

static void test_each_limit(void **state) {
    (void)state;
    kx_limits_t lim = defaults();
    lim.max_total_bytes = 4000;
    expect_fixture_error("good.docx", KX_FMT_DOCX, &lim, SAL_ELIMIT,
                         "the DOCX expands to more than 4000 bytes");
    lim = defaults();
    lim.max_entry_bytes = 3000;
    expect_fixture_error("good.docx", KX_FMT_DOCX, &lim, SAL_ELIMIT,
                         "the DOCX has a part larger than 3000 bytes");
    lim = defaults();
    lim.max_ratio = 1.5;
    expect_fixture_error("good.docx", KX_FMT_DOCX, &lim, SAL_ELIMIT, "expands more than 2\xC3\x97");
    lim = defaults();
    lim.max_text_bytes = 40;
    expect_fixture_error("good.docx", KX_FMT_DOCX, &lim, SAL_ELIMIT, "MB of text");
    lim = defaults();
    lim.max_zip_entries = 3;
    expect_fixture_error("good.docx", KX_FMT_DOCX, &lim, SAL_ELIMIT, "more than 3 files inside");
    lim = defaults();
    lim.timeout_ms = 0;
    expect_fixture_error("good.docx", KX_FMT_DOCX, &lim, SAL_ELIMIT, "took longer than");
    /* A paragraph longer than the text cap stops while it is read. */
    lim = defaults();
    lim.max_text_bytes = 10;
    kx_doc_t *doc = (kx_doc_t *)1;
    char err[256];
    assert_int_equal(docx_of(DOC(P("0123456789abcdef")), NULL, &lim, &doc, err, sizeof err),
                     SAL_ELIMIT);
    assert_null(doc);
}

static void test_no_text_and_malformed(void **state) {
    (void)state;
    kx_doc_t *doc = (kx_doc_t *)1;
    char err[256];
    assert_int_equal(
        docx_of(DOC("<w:p/><w:p><w:r><w:t> </w:t></w:r></w:p>"), NULL, NULL, &doc, err, sizeof err),
        SAL_EINVAL);
    assert_string_equal(err, "the DOCX contains no text");
    assert_int_equal(
        docx_of("<w:document " W_NS "><w:body>" P("x"), NULL, NULL, &doc, err, sizeof err),
        SAL_EINVAL);
    assert_string_equal(err, "the DOCX file is corrupt (word/document.xml is not well-formed XML)");
    /* UCS-4 is not an OOXML encoding. */
    static const char ucs4[] = "\0\0\0<\0\0\0x\0\0\0/\0\0\0>";
    zb_entry_t e[] = {{"word/document.xml", ucs4, sizeof ucs4 - 1}};
    char *zip;
    size_t len;
    assert_int_equal(zb_build(e, 1, false, &zip, &len), 0);
    kx_limits_t lim = defaults();
    assert_int_equal(extract_timed(zip, len, KX_FMT_DOCX, &lim, &doc, err, sizeof err), SAL_EINVAL);
    free(zip);
    assert_null(doc);
}

/* libxml2 must print nothing, whatever the input. */
static void test_parser_is_silent(void **state) {
    (void)state;
    char dir[512], path[600];
    tu_mkdtemp(dir, sizeof dir);
    tu_path(path, sizeof path, dir, "stderr.txt");
    fflush(stderr);
    int saved = dup(2);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    kx_doc_t *doc = NULL;
    char err[256];
    int rc1 =
        docx_of("<w:document " W_NS "><w:p>&bogus;<w:t>x</w:t>", NULL, NULL, &doc, err, sizeof err);
    int rc2 =
        docx_of(DOC("<x:p>" P("undeclared prefix") "</x:p>"), NULL, NULL, &doc, err, sizeof err);
    if (rc2 == 0) kx_doc_free(doc);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    assert_int_equal(rc1, SAL_EINVAL);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_size, 0);
    tu_rmrf(dir);
}

static void *extract_thread(void *arg) {
    const char *buf = arg;
    size_t len = *(const size_t *)(buf - sizeof(size_t));
    kx_limits_t lim = defaults();
    for (int i = 0; i < 20; i++) {
        kx_doc_t *doc = NULL;
        char err[256];
        if (kx_extract_mem(buf, len, KX_FMT_DOCX, &lim, &doc, err, sizeof err) != 0 || doc->n != 11)
            return (void *)1;
        kx_doc_free(doc);
        if (kx_extract_mem(buf, len / 2, KX_FMT_DOCX, &lim, &doc, err, sizeof err) != SAL_EINVAL)
            return (void *)1;
    }
    return NULL;
}

static void test_threads(void **state) {
    (void)state;
    size_t len;
    char *raw = fixture_read("good.docx", &len);
    char *box = malloc(sizeof(size_t) + len);
    assert_non_null(box);
    memcpy(box, &len, sizeof len);
    memcpy(box + sizeof len, raw, len);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, extract_thread, box + sizeof len), 0);
    for (int i = 0; i < 4; i++) {
        void *res;
        assert_int_equal(pthread_join(t[i], &res), 0);
        assert_null(res);
    }
    free(box);
    free(raw);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_docx),
        cmocka_unit_test(test_docx_structure),
        cmocka_unit_test(test_docx_without_styles),
        cmocka_unit_test(test_docx_utf16),
        cmocka_unit_test(test_hostile_fixtures),
        cmocka_unit_test(test_xxe_never_reads_files),
        cmocka_unit_test(test_traversal_names_are_harmless),
        cmocka_unit_test(test_too_many_entries),
        cmocka_unit_test(test_encrypted_entry),
        cmocka_unit_test(test_each_limit),
        cmocka_unit_test(test_no_text_and_malformed),
        cmocka_unit_test(test_parser_is_silent),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
