/* SPDX-License-Identifier: MIT */
/*
 * Tests for the PDF extractor (src/knowledge/extract/pdf.c) on the
 * fixtures scripts/fixtures/make_extract_fixtures.py wrote: the exact
 * blocks of a three-page guide (headings from font sizes, paragraphs,
 * page numbers, the title from metadata or the first heading), the
 * failures for encrypted, image-only, truncated and non-PDF files, and
 * the page, text and time limits. Every prefix of a good file must fail
 * cleanly or give valid text; four threads at once must agree.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"
#include "knowledge/kx_testutil.h"

static const kx_want_t GUIDE[] = {
    {KX_BLOCK_HEADING, 1, 1, "Acme Pricing Guide"},
    {KX_BLOCK_HEADING, 2, 1, "Overview"},
    {KX_BLOCK_PARAGRAPH, 0, 1, "Acme sells industrial widgets to mid-sized manufacturers."},
    {KX_BLOCK_PARAGRAPH, 0, 1,
     "This guide explains list prices, discounts and contract terms for the 2024 season, and "
     "it is meant for the sales team only."},
    {KX_BLOCK_HEADING, 2, 2, "Discounts"},
    {KX_BLOCK_PARAGRAPH, 0, 2,
     "Volume discounts start at 500 units and reach 12 percent at 5000 units."},
    {KX_BLOCK_PARAGRAPH, 0, 2,
     "Multi-year contracts signed in Z\xc3\xbcrich earn an extra 3 percent."},
    {KX_BLOCK_HEADING, 2, 3, "Contract Terms"},
    {KX_BLOCK_PARAGRAPH, 0, 3, "Payment is due within 30 days of the invoice date."},
    {KX_BLOCK_HEADING, 2, 3, "Support"},
    {KX_BLOCK_PARAGRAPH, 0, 3, "Premium support answers within four hours on business days."},
};

static void test_guide_blocks_pages_title(void **state) {
    (void)state;
    kx_doc_t *doc = kx_ok_fixture("guide.pdf", KX_FMT_PDF, NULL);
    kx_expect(doc, GUIDE, KX_N(GUIDE));
    assert_int_equal(doc->page_count, 3);
    assert_string_equal(doc->title, "Acme Pricing Guide 2024"); /* the metadata's */
    kx_doc_free(doc);
}

static void test_title_falls_back_to_first_heading(void **state) {
    (void)state;
    kx_doc_t *doc = kx_ok_fixture("guide_notitle.pdf", KX_FMT_PDF, NULL);
    kx_expect(doc, GUIDE, KX_N(GUIDE));
    assert_string_equal(doc->title, "Acme Pricing Guide");
    kx_doc_free(doc);
}

static void test_extract_file_reads_the_same(void **state) {
    (void)state;
    char path[4096];
    tu_path(path, sizeof path, getenv("SALIENT_SOURCE_DIR"), "tests/data/extract/guide.pdf");
    kx_doc_t *doc = NULL;
    char err[256] = "";
    assert_int_equal(kx_extract_file(path, KX_FMT_PDF, NULL, &doc, err, sizeof err), 0);
    kx_expect(doc, GUIDE, KX_N(GUIDE));
    kx_doc_free(doc);
}

static void fails_fixture(const char *name, const kx_limits_t *lim, int rc, const char *msg) {
    size_t len;
    char *buf = kx_fixture(name, &len);
    kx_fails(buf, len, KX_FMT_PDF, lim, rc, msg);
    free(buf);
}

static void test_encrypted(void **state) {
    (void)state;
    fails_fixture("encrypted.pdf", NULL, SAL_EINVAL, "the PDF is encrypted (password-protected)");
}

static void test_image_only(void **state) {
    (void)state;
    fails_fixture("image_only.pdf", NULL, SAL_EINVAL,
                  "the PDF has no extractable text (scanned or image-only; OCR is not supported)");
}

static void test_truncated_and_not_pdf(void **state) {
    (void)state;
    fails_fixture("truncated.pdf", NULL, SAL_EINVAL, "the PDF is corrupt or unreadable");
    fails_fixture("random.pdf", NULL, SAL_EINVAL, "the PDF is corrupt or unreadable");
    fails_fixture("page.html", NULL, SAL_EINVAL, "the PDF is corrupt or unreadable");
    kx_fails("", 0, KX_FMT_PDF, NULL, SAL_EINVAL, "the PDF is corrupt or unreadable");
}

static void test_every_prefix_fails_cleanly_or_reads(void **state) {
    (void)state;
    size_t len;
    char *buf = kx_fixture("guide.pdf", &len);
    for (size_t cut = 0; cut < len; cut += len / 40 + 1) {
        kx_doc_t *doc = NULL;
        char err[256] = "";
        int rc = kx_extract_mem(buf, cut, KX_FMT_PDF, NULL, &doc, err, sizeof err);
        if (rc == 0) {
            kx_check_blocks(doc);
            kx_doc_free(doc);
        } else {
            assert_int_equal(rc, SAL_EINVAL);
            assert_null(doc);
            assert_true(err[0] != '\0');
        }
    }
    free(buf);
}

static void test_page_limit(void **state) {
    (void)state;
    kx_limits_t lim;
    kx_limits_default(&lim);
    lim.max_pages = 2;
    fails_fixture("guide.pdf", &lim, SAL_ELIMIT, "the PDF has more than 2 pages");
    lim.max_pages = 3;
    size_t len;
    char *buf = kx_fixture("guide.pdf", &len);
    kx_doc_free(kx_ok(buf, len, KX_FMT_PDF, &lim));
    free(buf);
}

static void test_text_limit(void **state) {
    (void)state;
    kx_limits_t lim;
    kx_limits_default(&lim);
    lim.max_text_bytes = 100;
    fails_fixture("guide.pdf", &lim, SAL_ELIMIT, "the document has more than 0 MB of text");
}

static void test_deadline(void **state) {
    (void)state;
    kx_limits_t lim;
    kx_limits_default(&lim);
    lim.timeout_ms = 0;
    fails_fixture("many_pages.pdf", &lim, SAL_ELIMIT, "the document took longer than 0 s to parse");
    /* With time, all 60 pages come out in order. */
    kx_doc_t *doc = kx_ok_fixture("many_pages.pdf", KX_FMT_PDF, NULL);
    assert_int_equal(doc->page_count, 60);
    assert_int_equal(doc->n, 60);
    assert_int_equal(doc->blocks[59].page, 60);
    assert_string_equal(doc->blocks[59].text, "Page 60 says hello.");
    assert_string_equal(doc->title, "Many Pages");
    kx_doc_free(doc);
}

static char *guide_buf;
static size_t guide_len;

static void *extract_thread(void *arg) {
    int *ok = arg;
    *ok = 1;
    for (int i = 0; i < 5; i++) {
        kx_doc_t *doc = NULL;
        char err[256];
        if (kx_extract_mem(guide_buf, guide_len, KX_FMT_PDF, NULL, &doc, err, sizeof err) != 0 ||
            doc->n != KX_N(GUIDE) || strcmp(doc->blocks[5].text, GUIDE[5].text) != 0)
            *ok = 0;
        kx_doc_free(doc);
    }
    return NULL;
}

static void test_threads(void **state) {
    (void)state;
    guide_buf = kx_fixture("guide.pdf", &guide_len);
    pthread_t th[4];
    int ok[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, extract_thread, &ok[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(ok[i], 1);
    }
    free(guide_buf);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guide_blocks_pages_title),
        cmocka_unit_test(test_title_falls_back_to_first_heading),
        cmocka_unit_test(test_extract_file_reads_the_same),
        cmocka_unit_test(test_encrypted),
        cmocka_unit_test(test_image_only),
        cmocka_unit_test(test_truncated_and_not_pdf),
        cmocka_unit_test(test_every_prefix_fails_cleanly_or_reads),
        cmocka_unit_test(test_page_limit),
        cmocka_unit_test(test_text_limit),
        cmocka_unit_test(test_deadline),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
