/* SPDX-License-Identifier: MIT */
/*
 * Tests for kix_highlight (src/knowledge/index/highlight.c): exact
 * snippets for stemmed matches, HTML escaping, several clusters, UTF-8
 * text, "…" at cut ends only, whitespace, over-long words cut at word
 * starts, no match, and argument errors; every snippet valid UTF-8.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "knowledge/index/index.h"
#include "testutil.h"

/* Highlights text for query and compares with want[0..nwant). */
static void check(const char *text, const char *query, size_t max, size_t chars,
                  const char *const *want, size_t nwant) {
    char **s = NULL;
    size_t n = 99;
    assert_int_equal(kix_highlight(text, strlen(text), query, strlen(query), max, chars, &s, &n),
                     0);
    if (n != nwant) {
        for (size_t i = 0; i < n; i++) print_error("  got [%s]\n", s[i]);
        fail_msg("\"%s\" / \"%s\": %zu snippets, want %zu", text, query, n, nwant);
    }
    for (size_t i = 0; i < n; i++) {
        assert_true(sal_utf8_valid(s[i], strlen(s[i])));
        if (strcmp(s[i], want[i]) != 0)
            fail_msg("snippet %zu:\n  got  [%s]\n  want [%s]", i, s[i], want[i]);
    }
    kix_highlights_free(s, n);
}

#define CHECK(text, query, max, chars, ...)                                                        \
    do {                                                                                           \
        const char *const w_[] = {__VA_ARGS__};                                                    \
        check(text, query, max, chars, w_, sizeof w_ / sizeof w_[0]);                              \
    } while (0)

static void test_whole_text(void **state) {
    (void)state;
    /* Fits: no ellipsis; the stem matches "pricing" for "price". */
    CHECK("Our pricing is simple.", "price", 3, 100, "Our <mark>pricing</mark> is simple.");
    CHECK("price price price cost", "prices costs", 5, 200,
          "<mark>price</mark> <mark>price</mark> <mark>price</mark> <mark>cost</mark>");
    /* Whitespace runs print as one space; invalid bytes as U+FFFD. */
    CHECK("Line one has\n\n   the   price.\tEnd \xff here", "price end", 3, 200,
          "Line one has the <mark>price</mark>. <mark>End</mark> \xef\xbf\xbd here");
}

static void test_escaping(void **state) {
    (void)state;
    CHECK("Tom's <script>alert('x')</script> & \"quotes\" customer's view", "customer script", 1,
          200,
          "Tom&#39;s &lt;<mark>script</mark>&gt;alert(&#39;x&#39;)&lt;/<mark>script</mark>&gt; "
          "&amp; &quot;quotes&quot; <mark>customer&#39;s</mark> view");
    /* A query cannot inject markup: it only selects words. */
    CHECK("a <b>bold</b> claim", "<b>", 1, 100,
          "a &lt;<mark>b</mark>&gt;bold&lt;/<mark>b</mark>&gt; claim");
}

static void test_clusters(void **state) {
    (void)state;
    const char *text =
        "Alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi "
        "rho sigma tau upsilon phi chi psi omega. The price of the integration is fair. More "
        "words follow here to pad the text until the end of it, and then integrations again at "
        "the end.";
    CHECK(text, "price integrations", 2, 40,
          "…The <mark>price</mark> of the <mark>integration</mark> is…",
          "…it, and then <mark>integrations</mark> again at the…");
    /* One snippet: the cluster with both terms wins over the later one. */
    CHECK(text, "price integrations", 1, 40,
          "…The <mark>price</mark> of the <mark>integration</mark> is…");
    /* Centred: about as much before as after. */
    CHECK("one two three four five six seven eight nine ten eleven price twelve thirteen "
          "fourteen fifteen",
          "price", 1, 30, "…ten eleven <mark>price</mark> twelve…");
    /* At the start of the text the window shifts right, no leading "…". */
    CHECK("price one two three four five six seven eight nine ten", "price", 1, 20,
          "<mark>price</mark> one two three…");
    /* At the end it shifts left, no trailing "…". */
    CHECK("one two three four five six seven eight nine ten price", "price", 1, 20,
          "…eight nine ten <mark>price</mark>");
}

static void test_utf8(void **state) {
    (void)state;
    /* Case-folded non-ASCII matches; windows count characters, not bytes. */
    CHECK("Ärger über die Preise: «Straße» kostet 40% mehr — Ärger!", "ärger 40", 2, 20,
          "<mark>Ärger</mark> über die…", "…<mark>40</mark>% mehr — <mark>Ärger</mark>!");
    CHECK("東京 の 価格 は 安い", "価格", 1, 6, "…の <mark>価格</mark> は…");
    /* A unit longer than a snippet is cut at word starts. */
    CHECK("see https://example.com/pricing/enterprise/plans/annual-billing-discounts-and-more for "
          "the details",
          "discount", 1, 20, "…<mark>discounts</mark>-and-…");
}

static void test_no_match(void **state) {
    (void)state;
    char **s = (char **)1;
    size_t n = 7;
    assert_int_equal(kix_highlight("nothing here", 12, "price", 5, 3, 100, &s, &n), 0);
    assert_int_equal(n, 0);
    assert_null(s);
    /* Stopword-only query, empty text, no snippets wanted. */
    assert_int_equal(kix_highlight("the price", 9, "the", 3, 3, 100, &s, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(kix_highlight("", 0, "price", 5, 3, 100, &s, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(kix_highlight("the price", 9, "price", 5, 0, 100, &s, &n), 0);
    assert_int_equal(n, 0);
    /* Only the first len bytes count. */
    assert_int_equal(kix_highlight("the cost; price", 8, "price", 5, 3, 100, &s, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(kix_highlight(NULL, 3, "price", 5, 3, 100, &s, &n), SAL_EINVAL);
    assert_int_equal(kix_highlight("x", 1, NULL, 0, 3, 100, &s, &n), SAL_EINVAL);
    assert_int_equal(kix_highlight("x", 1, "x", 1, 3, 100, NULL, &n), SAL_EINVAL);
    kix_highlights_free(NULL, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_text), cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_clusters),   cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_no_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
