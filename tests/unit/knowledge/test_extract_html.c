/* SPDX-License-Identifier: MIT */
/*
 * Tests for the HTML extractor (src/knowledge/extract/html.c): the exact
 * blocks of a page with a head, scripts, styles, navigation, headings, a
 * table, a list, <pre> and <br>; a Windows-1252 page decoded through its
 * <meta> charset; nothing from script, style, noscript, template, svg or
 * an external entity in the output; deep nesting, text and time limits
 * as SAL_ELIMIT; invalid UTF-8 never in the output.
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

static const kx_want_t PAGE[] = {
    {KX_BLOCK_HEADING, 1, 0, "Widget Catalogue"},
    {KX_BLOCK_PARAGRAPH, 0, 0, "Our widgets are caf\xc3\xa9-grade and built to last."},
    {KX_BLOCK_HEADING, 2, 0, "Prices"},
    {KX_BLOCK_TABLE_ROW, 0, 0, "Model | Price"},
    {KX_BLOCK_TABLE_ROW, 0, 0,
     "W-100 | \xe2\x82\xac"
     "10"},
    {KX_BLOCK_TABLE_ROW, 0, 0,
     "W-200 | \xe2\x82\xac"
     "18"},
    {KX_BLOCK_HEADING, 3, 0, "Options"},
    {KX_BLOCK_LIST_ITEM, 0, 0, "Blue finish"},
    {KX_BLOCK_LIST_ITEM, 0, 0, "Extended warranty"},
    {KX_BLOCK_CODE, 0, 0, "price = base * 0.88\n  total = price + tax"},
    {KX_BLOCK_PARAGRAPH, 0, 0, "Line one\nLine two"},
};

static bool doc_contains(const kx_doc_t *doc, const char *needle) {
    for (size_t i = 0; i < doc->n; i++)
        if (strstr(doc->blocks[i].text, needle)) return true;
    return doc->title && strstr(doc->title, needle);
}

static void test_page_blocks(void **state) {
    (void)state;
    kx_doc_t *doc = kx_ok_fixture("page.html", KX_FMT_HTML, NULL);
    kx_expect(doc, PAGE, KX_N(PAGE));
    assert_string_equal(doc->title, "Acme Widgets & Gadgets");
    assert_int_equal(doc->page_count, 0);
    static const char *const hidden[] = {"secret",   "color", "JavaScript", "template text",
                                         "svg text", "Home",  "About"};
    for (size_t i = 0; i < KX_N(hidden); i++)
        if (doc_contains(doc, hidden[i])) fail_msg("\"%s\" leaked into the text", hidden[i]);
    kx_doc_free(doc);
}

static void test_windows_1252_meta_charset(void **state) {
    (void)state;
    kx_doc_t *doc = kx_ok_fixture("cp1252.html", KX_FMT_HTML, NULL);
    static const kx_want_t want[] = {
        {KX_BLOCK_HEADING, 1, 0, "Caf\xc3\xa9 \xe2\x80\x9cSpecial\xe2\x80\x9d"},
        {KX_BLOCK_PARAGRAPH, 0, 0,
         "Cr\xc3\xa8me br\xc3\xbbl\xc3\xa9"
         "e costs \xe2\x82\xac"
         "10 \xe2\x80\x93 ask "
         "Ren\xc3\xa9"
         "e."},
    };
    kx_expect(doc, want, KX_N(want));
    assert_string_equal(doc->title, "Caf\xc3\xa9 Menu");
    kx_doc_free(doc);
}

static void test_title_from_first_h1_and_nested_blocks(void **state) {
    (void)state;
    static const char html[] =
        "<body><h2>Intro</h2><h1>Main <em>Title</em></h1>"
        "<ul><li>one<p>inner para</p>tail</li><li><ol><li>nested</li></ol></li></ul>"
        "<table><tr><td>a<div>b</div></td><td></td><td> c </td></tr></table>"
        "<blockquote>quoted <span>words</span></blockquote></body>";
    kx_doc_t *doc = kx_ok(html, sizeof html - 1, KX_FMT_HTML, NULL);
    static const kx_want_t want[] = {
        {KX_BLOCK_HEADING, 2, 0, "Intro"},        {KX_BLOCK_HEADING, 1, 0, "Main Title"},
        {KX_BLOCK_LIST_ITEM, 0, 0, "one"},        {KX_BLOCK_LIST_ITEM, 0, 0, "inner para"},
        {KX_BLOCK_LIST_ITEM, 0, 0, "tail"},       {KX_BLOCK_LIST_ITEM, 0, 0, "nested"},
        {KX_BLOCK_TABLE_ROW, 0, 0, "a b |  | c"}, {KX_BLOCK_PARAGRAPH, 0, 0, "quoted words"},
    };
    kx_expect(doc, want, KX_N(want));
    assert_string_equal(doc->title, "Main Title");
    kx_doc_free(doc);
}

static void test_no_external_entities(void **state) {
    (void)state;
    static const char html[] = "<!DOCTYPE html [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
                               "<html><body><p>before &xxe; after</p>"
                               "<img src=\"http://127.0.0.1:1/x.png\"></body></html>";
    kx_doc_t *doc = kx_ok(html, sizeof html - 1, KX_FMT_HTML, NULL);
    assert_false(doc_contains(doc, "root:"));
    assert_true(doc_contains(doc, "before"));
    kx_doc_free(doc);
}

static void test_invalid_utf8_is_replaced(void **state) {
    (void)state;
    static const char html[] =
        "<meta charset=\"utf-8\"><p>bad \xff\xfe bytes \xc3 here \xed\xa0\x80</p>";
    kx_doc_t *doc = kx_ok(html, sizeof html - 1, KX_FMT_HTML, NULL);
    assert_int_equal(doc->n, 1);
    assert_true(strstr(doc->blocks[0].text, "bad") && strstr(doc->blocks[0].text, "here"));
    kx_doc_free(doc);
}

static void test_no_text(void **state) {
    (void)state;
    static const char only_script[] = "<html><head><script>alert(1)</script></head></html>";
    kx_fails(only_script, sizeof only_script - 1, KX_FMT_HTML, NULL, SAL_EINVAL,
             "the file has no text");
    kx_fails("", 0, KX_FMT_HTML, NULL, SAL_EINVAL, "the file has no text");
}

/* depth nested <div>s around a word. */
static char *nested(size_t depth, size_t *len) {
    sal_buf_t b;
    sal_buf_init(&b, 0);
    for (size_t i = 0; i < depth; i++) sal_buf_puts(&b, "<div>");
    sal_buf_puts(&b, "deep");
    for (size_t i = 0; i < depth; i++) sal_buf_puts(&b, "</div>");
    *len = b.len;
    return b.data;
}

static void test_depth_limit(void **state) {
    (void)state;
    size_t len;
    char *deep = nested(100000, &len);
    kx_fails(deep, len, KX_FMT_HTML, NULL, SAL_ELIMIT,
             "the HTML nests elements deeper than 256 levels");
    free(deep);
    /* html + body + 200 divs is within the default 256. */
    char *ok = nested(200, &len);
    kx_doc_t *doc = kx_ok(ok, len, KX_FMT_HTML, NULL);
    assert_int_equal(doc->n, 1);
    assert_string_equal(doc->blocks[0].text, "deep");
    kx_doc_free(doc);
    free(ok);
}

static char *many_paragraphs(size_t n, size_t *len) {
    sal_buf_t b;
    sal_buf_init(&b, 0);
    for (size_t i = 0; i < n; i++) sal_buf_printf(&b, "<p>Paragraph number %zu.</p>\n", i);
    *len = b.len;
    return b.data;
}

static void test_text_and_time_limits(void **state) {
    (void)state;
    size_t len;
    char *big = many_paragraphs(20000, &len);
    kx_limits_t lim;
    kx_limits_default(&lim);
    lim.max_text_bytes = 1000;
    kx_fails(big, len, KX_FMT_HTML, &lim, SAL_ELIMIT, "the document has more than 0 MB of text");
    kx_limits_default(&lim);
    lim.timeout_ms = 0;
    kx_fails(big, len, KX_FMT_HTML, &lim, SAL_ELIMIT, "the document took longer than 0 s to parse");
    kx_doc_t *doc = kx_ok(big, len, KX_FMT_HTML, NULL);
    assert_int_equal(doc->n, 20000);
    assert_string_equal(doc->blocks[19999].text, "Paragraph number 19999.");
    kx_doc_free(doc);
    free(big);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_blocks),
        cmocka_unit_test(test_windows_1252_meta_charset),
        cmocka_unit_test(test_title_from_first_h1_and_nested_blocks),
        cmocka_unit_test(test_no_external_entities),
        cmocka_unit_test(test_invalid_utf8_is_replaced),
        cmocka_unit_test(test_no_text),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_text_and_time_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
