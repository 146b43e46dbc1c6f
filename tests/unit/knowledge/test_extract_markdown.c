/* SPDX-License-Identifier: MIT */
/*
 * Tests for the Markdown extractor (src/knowledge/extract/markdown.c):
 * the exact blocks of a playbook with headings, nested and ordered
 * lists, a quote, fenced code, raw HTML (dropped), a hard break and a
 * pipe table (a paragraph); the title from the first level-1 heading;
 * nesting, text and time limits; invalid UTF-8 replaced.
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

static void test_playbook_blocks(void **state) {
    (void)state;
    kx_doc_t *doc = kx_ok_fixture("playbook.md", KX_FMT_MARKDOWN, NULL);
    static const kx_want_t want[] = {
        {KX_BLOCK_HEADING, 1, 0, "Sales Playbook"},
        {KX_BLOCK_PARAGRAPH, 0, 0,
         "Intro paragraph with a link to docs and inline code. It continues on a second line."},
        {KX_BLOCK_HEADING, 2, 0, "Objections"},
        {KX_BLOCK_LIST_ITEM, 0, 0, "Too expensive"},
        {KX_BLOCK_LIST_ITEM, 0, 0, "Already have a vendor"},
        {KX_BLOCK_LIST_ITEM, 0, 0, "Ask which one"},
        {KX_BLOCK_LIST_ITEM, 0, 0, "First step"},
        {KX_BLOCK_LIST_ITEM, 0, 0, "Second step"},
        {KX_BLOCK_PARAGRAPH, 0, 0, "Customers who wait pay more."},
        {KX_BLOCK_CODE, 0, 0, "def discount(units):\n    return 0.12 if units >= 5000 else 0"},
        {KX_BLOCK_PARAGRAPH, 0, 0, "Text with inline html kept.\nHard break above."},
        {KX_BLOCK_HEADING, 3, 0, "Notes"},
        {KX_BLOCK_TABLE_ROW, 0, 0, "Plan | Price"},
        {KX_BLOCK_TABLE_ROW, 0, 0, "Pro | 10"},
    };
    kx_expect(doc, want, KX_N(want));
    assert_string_equal(doc->title, "Sales Playbook");
    for (size_t i = 0; i < doc->n; i++) {
        assert_null(strstr(doc->blocks[i].text, "raw html block"));
        assert_null(strstr(doc->blocks[i].text, "<span>"));
        assert_null(strstr(doc->blocks[i].text, "https://"));
    }
    kx_doc_free(doc);
}

static void test_title_needs_level_one(void **state) {
    (void)state;
    static const char md[] = "## Second\n\nBody.\n\nSetext One\n==========\n";
    kx_doc_t *doc = kx_ok(md, sizeof md - 1, KX_FMT_MARKDOWN, NULL);
    static const kx_want_t want[] = {{KX_BLOCK_HEADING, 2, 0, "Second"},
                                     {KX_BLOCK_PARAGRAPH, 0, 0, "Body."},
                                     {KX_BLOCK_HEADING, 1, 0, "Setext One"}};
    kx_expect(doc, want, KX_N(want));
    assert_string_equal(doc->title, "Setext One");
    kx_doc_free(doc);
    static const char none[] = "### Only three\n\ntext\n";
    doc = kx_ok(none, sizeof none - 1, KX_FMT_MARKDOWN, NULL);
    assert_null(doc->title);
    kx_doc_free(doc);
}

static void test_pipe_tables(void **state) {
    (void)state;
    static const char md[] =
        "a | b\n--|:-:\nx|  \n\n|no delimiter|\n|row|\n\n- | in | item |\n  |---|---|\n";
    kx_doc_t *doc = kx_ok(md, sizeof md - 1, KX_FMT_MARKDOWN, NULL);
    static const kx_want_t want[] = {
        {KX_BLOCK_TABLE_ROW, 0, 0, "a | b"},
        {KX_BLOCK_TABLE_ROW, 0, 0, "x"}, /* a trailing pipe closes the row */
        {KX_BLOCK_PARAGRAPH, 0, 0, "|no delimiter| |row|"},
        {KX_BLOCK_LIST_ITEM, 0, 0, "| in | item | |---|---|"},
    };
    kx_expect(doc, want, KX_N(want));
    kx_doc_free(doc);
}

static void test_invalid_utf8_and_bom(void **state) {
    (void)state;
    static const char md[] = "\xEF\xBB\xBF# T\xff"
                             "itle\n\nbad \xc3 byte \xed\xa0\x80 end\n";
    kx_doc_t *doc = kx_ok(md, sizeof md - 1, KX_FMT_MARKDOWN, NULL);
    assert_int_equal(doc->n, 2);
    assert_int_equal(doc->blocks[0].kind, KX_BLOCK_HEADING);
    assert_string_equal(doc->blocks[0].text, "T\xef\xbf\xbditle");
    kx_doc_free(doc);
}

static void test_no_text(void **state) {
    (void)state;
    static const char md[] = "<div>only html</div>\n\n---\n";
    kx_fails(md, sizeof md - 1, KX_FMT_MARKDOWN, NULL, SAL_EINVAL, "the file has no text");
    kx_fails("", 0, KX_FMT_MARKDOWN, NULL, SAL_EINVAL, "the file has no text");
}

static char *repeat(const char *unit, size_t n, const char *tail, size_t *len) {
    sal_buf_t b;
    sal_buf_init(&b, 0);
    for (size_t i = 0; i < n; i++) sal_buf_puts(&b, unit);
    sal_buf_puts(&b, tail);
    *len = b.len;
    return b.data;
}

static void test_depth_limit(void **state) {
    (void)state;
    size_t len;
    char *quotes = repeat(">", 5000, " deep\n", &len);
    kx_fails(quotes, len, KX_FMT_MARKDOWN, NULL, SAL_ELIMIT,
             "the Markdown nests deeper than 256 levels");
    free(quotes);
    /* Emphasis inside emphasis, 200 deep: inline nesting counts too. */
    sal_buf_t e;
    sal_buf_init(&e, 0);
    for (int i = 0; i < 200; i++) sal_buf_puts(&e, "*a ");
    sal_buf_puts(&e, "c");
    for (int i = 0; i < 200; i++) sal_buf_puts(&e, "*");
    char *emph = e.data;
    len = e.len;
    kx_limits_t lim;
    kx_limits_default(&lim);
    lim.max_xml_depth = 32;
    kx_fails(emph, len, KX_FMT_MARKDOWN, &lim, SAL_ELIMIT,
             "the Markdown nests deeper than 32 levels");
    free(emph);
    char *ok = repeat(">", 100, " fine\n", &len);
    kx_doc_t *doc = kx_ok(ok, len, KX_FMT_MARKDOWN, NULL);
    assert_int_equal(doc->n, 1);
    assert_string_equal(doc->blocks[0].text, "fine");
    kx_doc_free(doc);
    free(ok);
}

static void test_text_and_time_limits(void **state) {
    (void)state;
    size_t len;
    char *big = repeat("Paragraph of words.\n\n", 50000, "", &len);
    kx_limits_t lim;
    kx_limits_default(&lim);
    lim.max_text_bytes = 500;
    kx_fails(big, len, KX_FMT_MARKDOWN, &lim, SAL_ELIMIT,
             "the document has more than 0 MB of text");
    kx_limits_default(&lim);
    lim.timeout_ms = 0;
    kx_fails(big, len, KX_FMT_MARKDOWN, &lim, SAL_ELIMIT,
             "the document took longer than 0 s to parse");
    kx_doc_t *doc = kx_ok(big, len, KX_FMT_MARKDOWN, NULL);
    assert_int_equal(doc->n, 50000);
    kx_doc_free(doc);
    free(big);
    /* One block bigger than the limit fails before it is added. */
    char *one = repeat("word ", 1000, "\n", &len);
    kx_limits_default(&lim);
    lim.max_text_bytes = 100;
    kx_fails(one, len, KX_FMT_MARKDOWN, &lim, SAL_ELIMIT,
             "the document has more than 0 MB of text");
    free(one);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_playbook_blocks),
        cmocka_unit_test(test_title_needs_level_one),
        cmocka_unit_test(test_pipe_tables),
        cmocka_unit_test(test_invalid_utf8_and_bom),
        cmocka_unit_test(test_no_text),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_text_and_time_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
