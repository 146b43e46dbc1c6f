/* SPDX-License-Identifier: MIT */
/*
 * Tests for the PPTX extractor (src/knowledge/extract/ooxml.c): the exact
 * blocks of tests/data/extract/good.pptx (python-pptx: three slides with
 * titles, bullets, a table, notes on two) and of a presentation spelled
 * out here (slide order from p:sldIdLst, not part names; absolute,
 * escaping and dangling targets; group shapes; placeholders to skip;
 * bullets and levels; merged cells; notes placeholders), and the errors
 * for hostile or wrong packages, each well under two seconds.
 */
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

#define NS_DECL                                                                                    \
    "xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" "                           \
    "xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\" "                      \
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""
#define REL_NS      "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\""
#define RT          "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
#define SLD(tree)   "<p:sld " NS_DECL "><p:cSld><p:spTree>" tree "</p:spTree></p:cSld></p:sld>"
#define NOTES(tree) "<p:notes " NS_DECL "><p:cSld><p:spTree>" tree "</p:spTree></p:cSld></p:notes>"
#define SP(ph, paras)                                                                              \
    "<p:sp><p:nvSpPr><p:cNvPr id=\"2\" name=\"s\"/><p:cNvSpPr/><p:nvPr>" ph "</p:nvPr>"            \
    "</p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/><a:lstStyle/>" paras "</p:txBody></p:sp>"
#define AP(text) "<a:p><a:r><a:rPr lang=\"en-US\"/><a:t>" text "</a:t></a:r></a:p>"

static kx_limits_t defaults(void) {
    kx_limits_t lim;
    kx_limits_default(&lim);
    return lim;
}

static const char PRES[] = "<p:presentation " NS_DECL "><p:sldIdLst>"
                           "<p:sldId id=\"256\" r:id=\"rId2\"/><p:sldId id=\"257\" r:id=\"rId3\"/>"
                           "<p:sldId id=\"258\" r:id=\"rId4\"/><p:sldId id=\"259\" r:id=\"rId5\"/>"
                           "</p:sldIdLst></p:presentation>";
static const char PRES_RELS[] =
    "<Relationships " REL_NS ">"
    "<Relationship Id=\"rId1\" Type=\"" RT "slideMaster\" Target=\"slideMasters/m1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"" RT "slide\" Target=\"slides/slide2.xml\"/>"
    "<Relationship Id=\"rId3\" Type=\"" RT "slide\" Target=\"/ppt/slides/slide%31.xml\"/>"
    "<Relationship Id=\"rId4\" Type=\"" RT "slide\" Target=\"../../../evil.xml\"/>"
    "<Relationship Id=\"rId5\" Type=\"" RT "slide\" Target=\"slides/missing.xml\"/>"
    "</Relationships>";

static const char SLIDE_A[] = SLD(
    "<p:grpSp><p:nvGrpSpPr/>" SP(
        "<p:ph type=\"ctrTitle\"/>",
        AP("Line one") AP(
            "Line two")) "</p:grpSp>" SP("", "<a:p><a:pPr lvl=\"2\"/><a:r><a:t>Level "
                                             "two</a:t></a:r></a:p>"
                                             "<a:p><a:pPr><a:buChar "
                                             "char=\"-\"/></a:pPr><a:r><a:t>Bullet</a:t></a:r>"
                                             "</a:p>" AP(
                                                 "Plain") "<a:p><a:r><a:t>Page </a:t></a:r>"
                                                          "<a:fld "
                                                          "type=\"slidenum\"><a:t>1</a:t></"
                                                          "a:fld><a:br/>"
                                                          "<a:r><a:t>after break</a:t></a:r></a:p>")
        SP("<p:ph type=\"sldNum\" idx=\"12\"/>", AP("3")) SP(
            "<p:ph type=\"ftr\" idx=\"11\"/>",
            AP("Confidential")) SP("<p:ph idx=\"1\"/>",
                                   AP("Body bullet") "<a:p><a:pPr><a:buNone/></a:pPr>"
                                                     "<a:r><a:t>No bullet</a:t></a:r></a:p>")
            SP("<p:ph type=\"subTitle\" idx=\"1\"/>",
               AP("Subtitle")) "<p:graphicFrame><p:nvGraphicFramePr/"
                               "><a:graphic><a:graphicData><a:tbl><a:tblGrid/>"
                               "<a:tr><a:tc gridSpan=\"2\"><a:txBody>" AP(
                                   "Merged") "</a:txBody></a:tc>"
                                             "<a:tc hMerge=\"1\"><a:txBody>" AP(
                                                 "hidden") "</a:txBody></a:tc>"
                                                           "<a:tc><a:txBody>" AP("C") AP(
                                                               "C2") "</a:txBody></a:tc></a:tr>"
                                                                     "<a:tr><a:tc><a:txBody><a:p/"
                                                                     "></a:txBody></"
                                                                     "a:tc><a:tc><a:txBody><a:p/></"
                                                                     "a:txBody></a:tc>"
                                                                     "</a:tr></a:tbl></"
                                                                     "a:graphicData></a:graphic></"
                                                                     "p:graphicFrame>");
static const char SLIDE_A_RELS[] =
    "<Relationships " REL_NS ">"
    "<Relationship Id=\"rId1\" Type=\"" RT "slideLayout\" Target=\"../slideLayouts/l1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"" RT "notesSlide\" Target=\"../notesSlides/n9.xml\"/>"
    "</Relationships>";
static const char NOTES_A[] =
    NOTES(SP("<p:ph type=\"sldImg\"/>", "")
              SP("<p:ph type=\"body\" idx=\"1\"/>", AP("Note one") AP("Note two"))
                  SP("<p:ph type=\"sldNum\" idx=\"5\"/>", AP("1")));
static const char SLIDE_B[] = SLD(SP("", AP("Second slide text")));

static int pptx_of(const zb_entry_t *e, size_t n, const kx_limits_t *lim, kx_doc_t **out, char *err,
                   size_t errcap) {
    char *zip;
    size_t len;
    assert_int_equal(zb_build(e, n, true, &zip, &len), 0);
    kx_limits_t d = defaults();
    int rc = extract_timed(zip, len, KX_FMT_PPTX, lim ? lim : &d, out, err, errcap);
    free(zip);
    return rc;
}

static void test_good_pptx(void **state) {
    (void)state;
    size_t len;
    char *buf = fixture_read("good.pptx", &len);
    kx_doc_t *doc = NULL;
    char err[256];
    kx_limits_t lim = defaults();
    int rc = extract_timed(buf, len, KX_FMT_PPTX, &lim, &doc, err, sizeof err);
    if (rc != 0) fail_msg("rc %d: %s", rc, err);
    static const want_block_t want[] = {
        {KX_BLOCK_HEADING, 2, 1, "Acme Platform"},
        {KX_BLOCK_PARAGRAPH, 0, 1, "Sales kickoff 2024"}, /* subtitle */
        {KX_BLOCK_NOTE, 0, 1, "Welcome everyone.\nIntroduce the team."},
        {KX_BLOCK_HEADING, 2, 2, "Why Acme"},
        {KX_BLOCK_LIST_ITEM, 0, 2, "Fast setup"},
        {KX_BLOCK_LIST_ITEM, 0, 2, "Works offline"},
        {KX_BLOCK_NOTE, 0, 2, "Stress the setup time."},
        {KX_BLOCK_HEADING, 2, 3, "Pricing"},
        {KX_BLOCK_TABLE_ROW, 0, 3, "Plan | Seats | Price"},
        {KX_BLOCK_TABLE_ROW, 0, 3, "Team | 10 | $99"},
        {KX_BLOCK_PARAGRAPH, 0, 3, "Prices exclude VAT."},
    };
    expect_blocks(doc, want, N_OF(want));
    assert_int_equal(doc->format, KX_FMT_PPTX);
    assert_int_equal(doc->page_count, 3);
    assert_string_equal(doc->title, "Acme Sales Deck"); /* docProps/core.xml */
    kx_doc_free(doc);
    free(buf);
}

static void test_pptx_structure(void **state) {
    (void)state;
    const zb_entry_t e[] = {
        {"ppt/presentation.xml", PRES, 0},
        {"ppt/_rels/presentation.xml.rels", PRES_RELS, 0},
        {"ppt/slides/slide1.xml", SLIDE_B, 0},
        {"ppt/slides/slide2.xml", SLIDE_A, 0},
        {"ppt/slides/_rels/slide2.xml.rels", SLIDE_A_RELS, 0},
        {"ppt/notesSlides/n9.xml", NOTES_A, 0},
        {"evil.xml", SLD(SP("", AP("EVIL"))), 0},
    };
    kx_doc_t *doc = NULL;
    char err[256];
    int rc = pptx_of(e, N_OF(e), NULL, &doc, err, sizeof err);
    if (rc != 0) fail_msg("rc %d: %s", rc, err);
    static const want_block_t want[] = {
        {KX_BLOCK_HEADING, 2, 1, "Line one Line two"},
        {KX_BLOCK_LIST_ITEM, 0, 1, "Level two"},
        {KX_BLOCK_LIST_ITEM, 0, 1, "Bullet"},
        {KX_BLOCK_PARAGRAPH, 0, 1, "Plain"},
        {KX_BLOCK_PARAGRAPH, 0, 1, "Page 1\nafter break"},
        {KX_BLOCK_LIST_ITEM, 0, 1, "Body bullet"},
        {KX_BLOCK_PARAGRAPH, 0, 1, "No bullet"},
        {KX_BLOCK_PARAGRAPH, 0, 1, "Subtitle"},
        {KX_BLOCK_TABLE_ROW, 0, 1, "Merged | C C2"},
        {KX_BLOCK_NOTE, 0, 1, "Note one\nNote two"},
        {KX_BLOCK_PARAGRAPH, 0, 2, "Second slide text"},
    };
    expect_blocks(doc, want, N_OF(want));
    assert_int_equal(doc->page_count, 4);                 /* slides 3 and 4 do not resolve */
    assert_string_equal(doc->title, "Line one Line two"); /* no core.xml: slide 1's title */
    kx_doc_free(doc);
}

static void test_pptx_errors(void **state) {
    (void)state;
    kx_limits_t lim = defaults();
    expect_fixture_error("good.docx", KX_FMT_PPTX, &lim, SAL_EINVAL,
                         "the PPTX file is corrupt or not a PPTX (it has no ppt/presentation.xml)");
    expect_fixture_error("ole.docx", KX_FMT_PPTX, &lim, SAL_EINVAL,
                         "the PPTX is password-protected or in the old binary format");
    expect_fixture_error("truncated.docx", KX_FMT_PPTX, &lim, SAL_EINVAL,
                         "the PPTX file is corrupt or not a PPTX");
    lim.max_pages = 2;
    expect_fixture_error("good.pptx", KX_FMT_PPTX, &lim, SAL_ELIMIT,
                         "the PPTX has more than 2 slides");
    lim = defaults();
    lim.max_ratio = 1.5;
    expect_fixture_error("good.pptx", KX_FMT_PPTX, &lim, SAL_ELIMIT,
                         "the PPTX looks like a zip bomb");
    lim = defaults();
    lim.timeout_ms = 0;
    expect_fixture_error("good.pptx", KX_FMT_PPTX, &lim, SAL_ELIMIT, "took longer than");
}

static void test_pptx_hostile_parts(void **state) {
    (void)state;
    kx_doc_t *doc = (kx_doc_t *)1;
    char err[256];
    /* A DTD in a notes slide, an entity bomb in a slide, deep nesting, a bomb. */
    zb_entry_t e[] = {
        {"ppt/presentation.xml", PRES, 0},
        {"ppt/_rels/presentation.xml.rels", PRES_RELS, 0},
        {"ppt/slides/slide2.xml", SLIDE_A, 0},
        {"ppt/slides/_rels/slide2.xml.rels", SLIDE_A_RELS, 0},
        {"ppt/notesSlides/n9.xml",
         "<!DOCTYPE n [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><p:notes " NS_DECL ">&x;"
         "</p:notes>",
         0},
    };
    assert_int_equal(pptx_of(e, N_OF(e), NULL, &doc, err, sizeof err), SAL_EINVAL);
    assert_string_equal(err, "the PPTX contains a DTD (not allowed in Office files)");
    assert_null(doc);

    enum { DEPTH = 300 };
    size_t cap = DEPTH * 20 + 512, o = 0;
    char *deep = malloc(cap);
    assert_non_null(deep);
    o += (size_t)snprintf(deep + o, cap - o, "<p:sld %s><p:cSld><p:spTree>", NS_DECL);
    for (int i = 0; i < DEPTH; i++) o += (size_t)snprintf(deep + o, cap - o, "<p:grpSp>");
    for (int i = 0; i < DEPTH; i++) o += (size_t)snprintf(deep + o, cap - o, "</p:grpSp>");
    snprintf(deep + o, cap - o, "</p:spTree></p:cSld></p:sld>");
    e[2].data = deep;
    assert_int_equal(pptx_of(e, 4, NULL, &doc, err, sizeof err), SAL_ELIMIT);
    assert_string_equal(err, "the PPTX is nested too deeply (more than 256 levels in "
                             "ppt/slides/slide2.xml)");
    free(deep);

    size_t big = 4u << 20;
    char *bomb = malloc(big);
    assert_non_null(bomb);
    memset(bomb, ' ', big);
    e[2].data = bomb;
    e[2].len = big;
    assert_int_equal(pptx_of(e, 4, NULL, &doc, err, sizeof err), SAL_ELIMIT);
    assert_string_equal(err, "the PPTX looks like a zip bomb (ppt/slides/slide2.xml expands more "
                             "than 200\xC3\x97)");
    free(bomb);

    /* No slides at all: no text. */
    const zb_entry_t empty[] = {{"ppt/presentation.xml", "<p:presentation " NS_DECL "/>", 0}};
    assert_int_equal(pptx_of(empty, 1, NULL, &doc, err, sizeof err), SAL_EINVAL);
    assert_string_equal(err, "the PPTX contains no text");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_pptx),
        cmocka_unit_test(test_pptx_structure),
        cmocka_unit_test(test_pptx_errors),
        cmocka_unit_test(test_pptx_hostile_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
