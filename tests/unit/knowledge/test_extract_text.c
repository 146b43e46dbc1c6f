/* SPDX-License-Identifier: MIT */
/*
 * Tests for the plain-text extractor (src/knowledge/extract/text.c):
 * UTF-8 with a BOM, Latin-1/Windows-1252 and UTF-16 decoded to UTF-8;
 * paragraphs at blank lines; the title line; "===" / "---" underlines and
 * capitals as headings; line endings; limits; random bytes never give
 * invalid UTF-8.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"
#include "knowledge/kx_testutil.h"

static void test_report_with_bom(void **state) {
    (void)state;
    kx_doc_t *doc = kx_ok_fixture("report_bom.txt", KX_FMT_TEXT, NULL);
    static const kx_want_t want[] = {
        {KX_BLOCK_HEADING, 1, 0, "Quarterly Report"},
        {KX_BLOCK_PARAGRAPH, 0, 0, "Revenue grew 12% in the third quarter.\nCosts stayed flat."},
        {KX_BLOCK_HEADING, 2, 0, "HIGHLIGHTS"},
        {KX_BLOCK_PARAGRAPH, 0, 0, "New customers in Z\xc3\xbcrich and S\xc3\xa3o Paulo."},
        {KX_BLOCK_HEADING, 1, 0, "Outlook"},
        {KX_BLOCK_PARAGRAPH, 0, 0, "We expect more growth."},
        {KX_BLOCK_HEADING, 2, 0, "Risks"},
        {KX_BLOCK_PARAGRAPH, 0, 0, "Currency moves."},
    };
    kx_expect(doc, want, KX_N(want));
    assert_string_equal(doc->title, "Quarterly Report");
    kx_doc_free(doc);
}

static void test_latin1(void **state) {
    (void)state;
    kx_doc_t *doc = kx_ok_fixture("latin1.txt", KX_FMT_TEXT, NULL);
    static const kx_want_t want[] = {
        {KX_BLOCK_HEADING, 1, 0, "R\xc3\xa9sum\xc3\xa9 of the caf\xc3\xa9 meeting"},
        {KX_BLOCK_PARAGRAPH, 0, 0,
         "The cr\xc3\xa8me br\xc3\xbbl\xc3\xa9"
         "e was approved."},
    };
    kx_expect(doc, want, KX_N(want));
    kx_doc_free(doc);
    /* Windows-1252's extra characters, and its holes as U+FFFD. */
    static const char w[] = "\x93quoted\x94 \x80 5 \x96 \x81";
    doc = kx_ok(w, sizeof w - 1, KX_FMT_TEXT, NULL);
    assert_int_equal(doc->n, 1);
    assert_string_equal(doc->blocks[0].text, "\xe2\x80\x9cquoted\xe2\x80\x9d \xe2\x82\xac 5 "
                                             "\xe2\x80\x93 \xef\xbf\xbd");
    kx_doc_free(doc);
}

static void test_utf16(void **state) {
    (void)state;
    /* "Hi\n\nZ\u00fcrich \U0001F600." as UTF-16LE and BE with BOMs. */
    static const char le[] = "\xff\xfeH\0i\0\n\0\n\0Z\0\xfc\0r\0i\0"
                             "c\0h\0 \0\x3d\xd8\x00\xde.\0";
    static const char be[] = "\xfe\xff\0H\0i\0\n\0\n\0Z\0\xfc\0r\0i\0"
                             "c\0h\0 \xd8\x3d\xde\x00\0.";
    const char *want = "Z\xc3\xbcrich \xf0\x9f\x98\x80.";
    kx_doc_t *doc = kx_ok(le, sizeof le - 1, KX_FMT_TEXT, NULL);
    assert_int_equal(doc->n, 2);
    assert_string_equal(doc->blocks[0].text, "Hi");
    assert_string_equal(doc->blocks[1].text, want);
    kx_doc_free(doc);
    doc = kx_ok(be, sizeof be - 1, KX_FMT_TEXT, NULL);
    assert_int_equal(doc->n, 2);
    assert_string_equal(doc->blocks[1].text, want);
    kx_doc_free(doc);
}

static void test_paragraphs_line_endings_no_title(void **state) {
    (void)state;
    static const char t[] = "First line ends here.\r\n\r\nSecond para\rcontinues.\n \t\nThird, "
                            "with a rule below\n-----\n\nLast";
    kx_doc_t *doc = kx_ok(t, sizeof t - 1, KX_FMT_TEXT, NULL);
    static const kx_want_t want[] = {
        {KX_BLOCK_PARAGRAPH, 0, 0, "First line ends here."},
        {KX_BLOCK_PARAGRAPH, 0, 0, "Second para\rcontinues."},
        {KX_BLOCK_HEADING, 2, 0, "Third, with a rule below"},
        {KX_BLOCK_PARAGRAPH, 0, 0, "Last"},
    };
    kx_expect(doc, want, KX_N(want));
    assert_null(doc->title); /* the first line ends with a full stop */
    kx_doc_free(doc);
    static const char lone[] = "Just one line";
    doc = kx_ok(lone, sizeof lone - 1, KX_FMT_TEXT, NULL);
    assert_null(doc->title);
    assert_int_equal(doc->blocks[0].kind, KX_BLOCK_PARAGRAPH);
    kx_doc_free(doc);
}

static void test_caps_heading_inside_text(void **state) {
    (void)state;
    static const char t[] = "Intro text here.\nPRICING\nTen euros.\nNOT A HEADING.\n\xc3\x9c"
                            "BERSICHT\n";
    kx_doc_t *doc = kx_ok(t, sizeof t - 1, KX_FMT_TEXT, NULL);
    static const kx_want_t want[] = {
        {KX_BLOCK_PARAGRAPH, 0, 0, "Intro text here."},
        {KX_BLOCK_HEADING, 2, 0, "PRICING"},
        {KX_BLOCK_PARAGRAPH, 0, 0, "Ten euros.\nNOT A HEADING."},
        {KX_BLOCK_HEADING, 2, 0,
         "\xc3\x9c"
         "BERSICHT"},
    };
    kx_expect(doc, want, KX_N(want));
    kx_doc_free(doc);
}

static void test_empty_and_random(void **state) {
    (void)state;
    kx_fails("", 0, KX_FMT_TEXT, NULL, SAL_EINVAL, "the file has no text");
    kx_fails(" \n\n\t\n", 5, KX_FMT_TEXT, NULL, SAL_EINVAL, "the file has no text");
    size_t len;
    char *rnd = kx_fixture("random.pdf", &len);
    kx_doc_t *doc = kx_ok(rnd, len, KX_FMT_TEXT, NULL); /* decoded as 1252, checked */
    assert_true(doc->n > 0);
    kx_doc_free(doc);
    free(rnd);
}

static void test_limits(void **state) {
    (void)state;
    sal_buf_t b;
    sal_buf_init(&b, 0);
    for (int i = 0; i < 100000; i++) sal_buf_printf(&b, "Line %d of the text.\n\n", i);
    kx_limits_t lim;
    kx_limits_default(&lim);
    lim.max_text_bytes = 64;
    kx_fails(b.data, b.len, KX_FMT_TEXT, &lim, SAL_ELIMIT,
             "the document has more than 0 MB of text");
    kx_limits_default(&lim);
    lim.timeout_ms = 0;
    kx_fails(b.data, b.len, KX_FMT_TEXT, &lim, SAL_ELIMIT,
             "the document took longer than 0 s to parse");
    sal_buf_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_with_bom),
        cmocka_unit_test(test_latin1),
        cmocka_unit_test(test_utf16),
        cmocka_unit_test(test_paragraphs_line_endings_no_title),
        cmocka_unit_test(test_caps_heading_inside_text),
        cmocka_unit_test(test_empty_and_random),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
