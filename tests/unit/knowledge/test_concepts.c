/* SPDX-License-Identifier: MIT */
/*
 * Tests for concept extraction (src/knowledge/concepts): exact concepts
 * and chunk links on the hand-written sales passages in tests/data/concepts
 * (a product sheet, a pricing page, a case study, a battlecard), keyphrase
 * merging by stem, names cut at 100 characters, trademark symbols, the
 * caps and speed on a 5,000-chunk source, empty input, arbitrary bytes,
 * determinism, several threads at once, and the extraction throughput on
 * a few MB of generated sales prose (printed, not asserted).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "knowledge/concepts/concepts.h"
#include "testutil.h"

#if defined(__SANITIZE_ADDRESS__)
#define SLOW 5.0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLOW 5.0
#endif
#endif
#ifndef SLOW
#define SLOW 1.0
#endif

/* ---- fixtures ------------------------------------------------------------ */

#define MAX_CHUNKS 32

typedef struct {
    char *buf;
    char *title;
    const char *texts[MAX_CHUNKS];
    size_t lens[MAX_CHUNKS];
    size_t n;
} fixture_t;

/* Collapses whitespace runs to one space and trims, as the normaliser does. */
static void collapse(char *s) {
    char *o = s;
    int sp = 1;
    for (char *p = s; *p; p++) {
        if (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') {
            if (!sp) *o++ = ' ';
            sp = 1;
        } else {
            *o++ = *p;
            sp = 0;
        }
    }
    if (o > s && o[-1] == ' ') o--;
    *o = '\0';
}

static void fixture_load(fixture_t *f, const char *name) {
    const char *root = getenv("SALIENT_SOURCE_DIR");
    if (root == NULL || root[0] == '\0') fail_msg("SALIENT_SOURCE_DIR is not set (run via ctest)");
    char path[4096];
    int k = snprintf(path, sizeof path, "%s/tests/data/concepts/%s", root, name);
    assert_true(k > 0 && (size_t)k < sizeof path);
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) fail_msg("cannot open %s", path);
    memset(f, 0, sizeof *f);
    f->buf = malloc(1 << 20);
    assert_non_null(f->buf);
    size_t n = fread(f->buf, 1, (1 << 20) - 1, fp);
    fclose(fp);
    f->buf[n] = '\0';
    char *p = f->buf;
    assert_int_equal(strncmp(p, "title: ", 7), 0);
    f->title = p + 7;
    char *nl = strchr(p, '\n');
    assert_non_null(nl);
    *nl = '\0';
    p = nl + 1;
    for (;;) {
        assert_true(f->n < MAX_CHUNKS);
        char *sep = strstr(p, "\n---\n");
        if (sep != NULL) *sep = '\0';
        collapse(p);
        f->texts[f->n] = p;
        f->lens[f->n] = strlen(p);
        f->n++;
        if (sep == NULL) break;
        p = sep + 5;
    }
}

static void fixture_extract(const fixture_t *f, kcon_result_t *r) {
    assert_int_equal(kcon_extract(f->texts, f->lens, f->n, f->title, r), 0);
}

/* ---- checks -------------------------------------------------------------- */

static const kcon_concept_t *find(const kcon_result_t *r, kcon_type_t t, const char *name) {
    for (size_t i = 0; i < r->n; i++)
        if (r->items[i].type == t && strcmp(r->items[i].name, name) == 0) return &r->items[i];
    return NULL;
}

static void dump(const kcon_result_t *r) {
    for (size_t i = 0; i < r->n; i++) {
        print_error("  %-10s %s", kcon_type_name(r->items[i].type), r->items[i].name);
        for (size_t j = 0; j < r->items[i].nlinks; j++)
            print_error(" %u:%u", r->items[i].links[j].chunk, r->items[i].links[j].mentions);
        print_error("\n");
    }
}

/* The concept exists with exactly these links ("0:2 3:1": chunk:mentions). */
static void expect(const kcon_result_t *r, kcon_type_t t, const char *name, const char *links) {
    const kcon_concept_t *c = find(r, t, name);
    if (c == NULL) {
        dump(r);
        fail_msg("missing %s \"%s\"", kcon_type_name(t), name);
    }
    char got[512] = "";
    size_t gn = 0;
    for (size_t j = 0; j < c->nlinks && gn < sizeof got - 24; j++)
        gn += (size_t)snprintf(got + gn, sizeof got - gn, "%s%u:%u", j ? " " : "",
                               c->links[j].chunk, c->links[j].mentions);
    if (strcmp(got, links) != 0)
        fail_msg("%s \"%s\": links %s, expected %s", kcon_type_name(t), name, got, links);
}

static void expect_none(const kcon_result_t *r, kcon_type_t t, const char *name) {
    if (find(r, t, name) != NULL) {
        dump(r);
        fail_msg("unexpected %s \"%s\"", kcon_type_name(t), name);
    }
}

static size_t count_type(const kcon_result_t *r, kcon_type_t t) {
    size_t k = 0;
    for (size_t i = 0; i < r->n; i++) k += r->items[i].type == t;
    return k;
}

/* Exactly these names of type t (any order). */
static void expect_only(const kcon_result_t *r, kcon_type_t t, const char *const *names, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (find(r, t, names[i]) == NULL) {
            dump(r);
            fail_msg("missing %s \"%s\"", kcon_type_name(t), names[i]);
        }
    if (count_type(r, t) != n) {
        dump(r);
        fail_msg("%zu %s concepts, expected %zu", count_type(r, t), kcon_type_name(t), n);
    }
}
#define EXPECT_ONLY(r, t, ...)                                                                     \
    do {                                                                                           \
        static const char *const names_[] = {__VA_ARGS__};                                         \
        expect_only(r, t, names_, sizeof names_ / sizeof names_[0]);                               \
    } while (0)

static size_t utf8_chars(const char *s) {
    size_t k = 0;
    for (; *s; s++) k += ((unsigned char)*s & 0xC0) != 0x80;
    return k;
}

static void lower_ascii(const char *s, char *out, size_t cap) {
    size_t i = 0;
    for (; s[i] && i + 1 < cap; i++)
        out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
    out[i] = '\0';
}

/* What every result must satisfy, whatever the input. */
static void check_invariants(const kcon_result_t *r, size_t nchunks) {
    assert_true(r->n <= 200);
    assert_true(count_type(r, KCON_KEYPHRASE) <= 50);
    for (size_t i = 0; i < r->n; i++) {
        const kcon_concept_t *c = &r->items[i];
        assert_true((unsigned)c->type < KCON_TYPE_COUNT);
        assert_non_null(c->name);
        size_t len = strlen(c->name);
        assert_true(len > 0);
        assert_true(sal_utf8_valid(c->name, len));
        assert_true(utf8_chars(c->name) <= 100);
        assert_true(c->name[0] != ' ' && c->name[len - 1] != ' ');
        assert_null(strstr(c->name, "  "));
        assert_null(strstr(c->name, "\xe2\x84\xa2")); /* ™ */
        assert_true(c->nlinks >= 1);
        uint32_t total = 0;
        for (size_t j = 0; j < c->nlinks; j++) {
            assert_true(c->links[j].chunk < nchunks);
            assert_true(c->links[j].mentions >= 1);
            if (j > 0) assert_true(c->links[j].chunk > c->links[j - 1].chunk);
            total += c->links[j].mentions;
        }
        if (i > 0) {
            const kcon_concept_t *p = &r->items[i - 1];
            uint32_t pt = 0;
            for (size_t j = 0; j < p->nlinks; j++) pt += p->links[j].mentions;
            assert_true(p->type <= c->type);
            if (p->type == c->type) {
                assert_true(pt >= total);
                if (pt == total) assert_true(strcmp(p->name, c->name) < 0);
            }
        }
        char a[512], b[512];
        lower_ascii(c->name, a, sizeof a);
        for (size_t j = 0; j < i; j++) {
            if (r->items[j].type != c->type) continue;
            lower_ascii(r->items[j].name, b, sizeof b);
            if (strcmp(a, b) == 0) fail_msg("duplicate %s \"%s\"", kcon_type_name(c->type), a);
        }
    }
}

static bool results_equal(const kcon_result_t *a, const kcon_result_t *b) {
    if (a->n != b->n) return false;
    for (size_t i = 0; i < a->n; i++) {
        const kcon_concept_t *x = &a->items[i], *y = &b->items[i];
        if (x->type != y->type || strcmp(x->name, y->name) != 0 || x->nlinks != y->nlinks)
            return false;
        if (memcmp(x->links, y->links, x->nlinks * sizeof x->links[0]) != 0) return false;
    }
    return true;
}

/* ---- the passages -------------------------------------------------------- */

static void test_product_sheet(void **state) {
    (void)state;
    fixture_t f;
    fixture_load(&f, "product_sheet.txt");
    kcon_result_t r;
    fixture_extract(&f, &r);
    check_invariants(&r, f.n);

    /* Products recur or are in the title; "Acme Insight" twice in chunk 0. */
    expect(&r, KCON_PRODUCT, "Acme Insight", "0:2 1:1 2:1");
    expect(&r, KCON_PRODUCT, "Acme Cloud", "2:1 3:1");
    /* Salesforce is only ever an integration here: a feature, not ours. */
    EXPECT_ONLY(&r, KCON_PRODUCT, "Acme Insight", "Acme Cloud");

    expect(&r, KCON_FEATURE, "Salesforce integration", "0:1 2:1");
    expect(&r, KCON_FEATURE, "HubSpot integration", "0:1");
    expect(&r, KCON_FEATURE, "Slack integration", "0:1");
    expect(&r, KCON_FEATURE, "single sign-on", "1:1"); /* "(SSO)" is the same mention */
    expect(&r, KCON_FEATURE, "call recording", "0:1");
    EXPECT_ONLY(&r, KCON_FEATURE, "Salesforce integration", "HubSpot integration",
                "Slack integration", "single sign-on", "role-based permissions", "forecasting",
                "call recording", "alerts");

    EXPECT_ONLY(&r, KCON_BENEFIT, "reduce churn", "save time", "close deals faster",
                "improve win rates");
    expect(&r, KCON_BENEFIT, "reduce churn", "2:1");

    EXPECT_ONLY(&r, KCON_INDUSTRY, "healthcare", "financial services", "manufacturing");
    EXPECT_ONLY(&r, KCON_PERSONA, "CISO", "IT admin", "sales manager", "VP of Sales", "RevOps");
    expect(&r, KCON_PERSONA, "IT admin", "3:1");
    assert_int_equal(count_type(&r, KCON_PRICE), 0);
    assert_int_equal(count_type(&r, KCON_COMPETITOR), 0);
    /* The one phrase the typed rules leave that recurs. */
    expect(&r, KCON_KEYPHRASE, "sales teams", "0:1 2:1");
    kcon_result_free(&r);
    free(f.buf);
}

static void test_pricing_page(void **state) {
    (void)state;
    fixture_t f;
    fixture_load(&f, "pricing.txt");
    kcon_result_t r;
    fixture_extract(&f, &r);
    check_invariants(&r, f.n);
    EXPECT_ONLY(&r, KCON_PRICE, "$49 per seat per month, billed annually", "$89/user/mo",
                "$25,000 per year",
                "\xe2\x82\xac"
                "5,000",
                "$10\xe2\x80\x93$20 per user per month");
    expect(&r, KCON_PRICE, "$10\xe2\x80\x93$20 per user per month", "1:1");
    expect(&r, KCON_METRIC, "save 20%", "1:1");
    /* "too expensive" and "price is too high" are one objection. */
    expect(&r, KCON_OBJECTION, "price too high", "2:2");
    expect(&r, KCON_OBJECTION, "no budget", "2:1");
    expect(&r, KCON_FEATURE, "Slack integration", "0:1");
    /* Once in the body, but in the title. */
    expect(&r, KCON_PRODUCT, "Acme", "2:1");
    /* Plan names start sentences and are common words: not products. */
    expect_none(&r, KCON_PRODUCT, "Starter");
    expect_none(&r, KCON_PRODUCT, "Enterprise");
    kcon_result_free(&r);
    free(f.buf);
}

static void test_case_study(void **state) {
    (void)state;
    fixture_t f;
    fixture_load(&f, "case_study.txt");
    kcon_result_t r;
    fixture_extract(&f, &r);
    check_invariants(&r, f.n);
    EXPECT_ONLY(&r, KCON_METRIC, "cut onboarding time by 40%",
                "shortened ramp time from 3 days to 4 hours", "support tickets dropped 25%",
                "3x faster deployments", "win rates increased by 15%",
                "saved $1.2M annually in tooling costs", "rollout took 6 weeks");
    expect(&r, KCON_METRIC, "cut onboarding time by 40%", "1:1");
    expect(&r, KCON_METRIC, "3x faster deployments", "2:1");
    /* Money in a proof point is not a price. */
    assert_int_equal(count_type(&r, KCON_PRICE), 0);
    /* A proof point's clause is not also a benefit. */
    assert_int_equal(count_type(&r, KCON_BENEFIT), 0);
    EXPECT_ONLY(&r, KCON_OBJECTION, "implementation risk", "security concerns");
    EXPECT_ONLY(&r, KCON_PERSONA, "CFO", "head of sales");
    expect(&r, KCON_INDUSTRY, "logistics", "0:1 3:1");
    expect(&r, KCON_PRODUCT, "Northwind Logistics", "0:1 3:1");
    expect(&r, KCON_PRODUCT, "Northwind", "1:1 2:1 3:1");
    expect(&r, KCON_PRODUCT, "Acme Insight", "0:1 1:1 3:1");
    kcon_result_free(&r);
    free(f.buf);
}

static void test_battlecard(void **state) {
    (void)state;
    fixture_t f;
    fixture_load(&f, "battlecard.txt");
    kcon_result_t r;
    fixture_extract(&f, &r);
    check_invariants(&r, f.n);
    /* Every mention of a competitor counts, not only those near a cue. */
    expect(&r, KCON_COMPETITOR, "Gong", "0:2 1:2 2:4");
    expect(&r, KCON_COMPETITOR, "Clari", "0:1");
    expect(&r, KCON_COMPETITOR, "Chorus", "0:1");
    EXPECT_ONLY(&r, KCON_COMPETITOR, "Gong", "Clari", "Chorus");
    /* Gong recurs and is in the title, but on the far side of "vs". */
    expect_none(&r, KCON_PRODUCT, "Gong");
    EXPECT_ONLY(&r, KCON_PRODUCT, "Acme Insight");
    expect(&r, KCON_PRODUCT, "Acme Insight", "0:2 2:2");
    EXPECT_ONLY(&r, KCON_OBJECTION, "using a competitor", "price too high", "timing",
                "not a priority", "locked into a contract");
    expect(&r, KCON_OBJECTION, "using a competitor", "1:1");
    expect(&r, KCON_FEATURE, "forecasting", "0:1");
    kcon_result_free(&r);
    free(f.buf);
}

/* ---- smaller behaviours --------------------------------------------------- */

static void extract_strs(const char *const *texts, size_t n, const char *title, kcon_result_t *r) {
    size_t lens[64];
    assert_true(n <= 64);
    for (size_t i = 0; i < n; i++) lens[i] = strlen(texts[i]);
    assert_int_equal(kcon_extract(texts, lens, n, title, r), 0);
    check_invariants(r, n);
}

static void test_keyphrase_stems_merge(void **state) {
    (void)state;
    /* Filler makes the source more than tiny, so single sightings drop. */
    const char *texts[] = {
        "The integration is where onboarding stalls. Managers review the pipeline weekly and "
        "the pipeline review takes an hour.",
        "Our integrations are simple, and the integrations are documented for every admin who "
        "asks about onboarding.",
        "We are integrating it with the warehouse before the quarterly pipeline review, which "
        "matters to finance.",
        "Nothing else here: a sentence about weather, lunch, parking and holidays.",
    };
    kcon_result_t r;
    extract_strs(texts, 4, NULL, &r);
    /* integration, integrations x2, integrating: one stem "integr"; the
     * most frequent surface form names it. */
    expect(&r, KCON_KEYPHRASE, "integrations", "0:1 1:2 2:1");
    expect_none(&r, KCON_KEYPHRASE, "integration");
    expect_none(&r, KCON_KEYPHRASE, "integrating");
    expect(&r, KCON_KEYPHRASE, "pipeline review", "0:1 2:1");
    expect(&r, KCON_KEYPHRASE, "onboarding", "0:1 1:1");
    /* Seen once in one chunk: not a keyphrase. */
    expect_none(&r, KCON_KEYPHRASE, "weather");
    expect_none(&r, KCON_KEYPHRASE, "warehouse");
    /* The bigram outranks its parts: it spans two chunks at length 2. */
    const kcon_concept_t *kp = find(&r, KCON_KEYPHRASE, "integrations");
    assert_non_null(kp);
    kcon_result_free(&r);
}

static void test_keyphrase_not_typed(void **state) {
    (void)state;
    const char *texts[] = {
        "Acme Insight gives every CFO a forecast. Acme Insight gives every CFO a forecast.",
        "The CFO trusts the forecast, and the forecast trusts the data in Acme Insight.",
    };
    kcon_result_t r;
    extract_strs(texts, 2, NULL, &r);
    expect(&r, KCON_PRODUCT, "Acme Insight", "0:2 1:1");
    expect(&r, KCON_PERSONA, "CFO", "0:2 1:1");
    expect(&r, KCON_KEYPHRASE, "forecast", "0:2 1:2");
    expect_none(&r, KCON_KEYPHRASE, "Acme Insight");
    expect_none(&r, KCON_KEYPHRASE, "Acme");
    expect_none(&r, KCON_KEYPHRASE, "CFO");
    kcon_result_free(&r);
}

static void test_trademarks_and_case(void **state) {
    (void)state;
    const char *texts[] = {
        "Meet Salient Cloud\xe2\x84\xa2, the assistant for sales teams.",
        "salient cloud\xc2\xae is priced per seat. Salient Cloud runs in your data center.",
    };
    kcon_result_t r;
    extract_strs(texts, 2, NULL, &r);
    /* ™ and ® stripped; "salient cloud" folds into the most frequent form. */
    expect(&r, KCON_PRODUCT, "Salient Cloud", "0:1 1:1");
    kcon_result_free(&r);
}

static void test_persona_case_rules(void **state) {
    (void)state;
    const char *texts[] = {
        "Our CFOs and the cfo office like it. IT Admins and it admins both approve. Ask "
        "three SDRs and any Account Executive.",
    };
    kcon_result_t r;
    extract_strs(texts, 1, NULL, &r);
    /* Acronyms match in capitals only (plural allowed); phrases in any case. */
    expect(&r, KCON_PERSONA, "CFO", "0:1");
    expect(&r, KCON_PERSONA, "IT admin", "0:1");
    expect(&r, KCON_PERSONA, "SDR", "0:1");
    expect(&r, KCON_PERSONA, "account executive", "0:1");
    kcon_result_free(&r);
}

static void test_industry_variants(void **state) {
    (void)state;
    const char *texts[] = {
        "We serve hospitals, banks, insurers and e-commerce brands.",
        "Retailers and manufacturers too, plus the public sector and Telcos.",
    };
    kcon_result_t r;
    extract_strs(texts, 2, NULL, &r);
    EXPECT_ONLY(&r, KCON_INDUSTRY, "healthcare", "banking", "insurance", "e-commerce", "retail",
                "manufacturing", "government", "telecommunications");
    kcon_result_free(&r);
}

static void test_objection_variants(void **state) {
    (void)state;
    const char *texts[] = {
        "We don't have the budget. Honestly we're happy with our current vendor.",
        "It costs too much and we need approval from the board. You can set it up in no time.",
    };
    kcon_result_t r;
    extract_strs(texts, 2, NULL, &r);
    expect(&r, KCON_OBJECTION, "no budget", "0:1");
    expect(&r, KCON_OBJECTION, "happy with current solution", "0:1");
    expect(&r, KCON_OBJECTION, "price too high", "1:1");
    expect(&r, KCON_OBJECTION, "needs approval", "1:1");
    /* "in no time" is a promise, not an objection. */
    expect_none(&r, KCON_OBJECTION, "no time");
    kcon_result_free(&r);
}

static void test_metric_and_price_shapes(void **state) {
    (void)state;
    const char *texts[] = {
        "Teams go live in 6 weeks. Onboarding is 2\xe2\x80\x93"
        "3x faster than before.",
        "Plans cost \xc2\xa3"
        "12 a month or USD 99 per year. Budget $10k-$15k one-time for "
        "setup.",
        "Acme boosted pipeline by 30% and reduced churn from 12% to 4%.",
    };
    kcon_result_t r;
    extract_strs(texts, 3, NULL, &r);
    expect(&r, KCON_METRIC, "go live in 6 weeks", "0:1");
    expect(&r, KCON_METRIC,
           "2\xe2\x80\x93"
           "3x faster",
           "0:1");
    expect(&r, KCON_PRICE,
           "\xc2\xa3"
           "12 a month",
           "1:1");
    expect(&r, KCON_PRICE, "USD 99 per year", "1:1");
    expect(&r, KCON_PRICE, "$10k-$15k one-time", "1:1");
    expect(&r, KCON_METRIC, "boosted pipeline by 30%", "2:1");
    expect(&r, KCON_METRIC, "reduced churn from 12% to 4%", "2:1");
    kcon_result_free(&r);
}

static void test_name_cut_at_word_boundary(void **state) {
    (void)state;
    const char *texts[] = {
        "We cut reconciliationeffort onboardingoverhead procurementlatency "
        "implementationfriction by 40%.",
    };
    kcon_result_t r;
    extract_strs(texts, 1, NULL, &r);
    const kcon_concept_t *m = NULL;
    for (size_t i = 0; i < r.n; i++)
        if (r.items[i].type == KCON_METRIC) m = &r.items[i];
    assert_non_null(m);
    size_t len = strlen(m->name);
    assert_true(len <= 100);
    assert_true(len > 40);
    /* A prefix of the clause that ends where a word ends. */
    const char *full = "cut reconciliationeffort onboardingoverhead procurementlatency "
                       "implementationfriction by 40%";
    assert_int_equal(strncmp(m->name, full, len), 0);
    assert_true(full[len] == ' ' || full[len] == '\0');
    kcon_result_free(&r);
}

static void test_empty_input(void **state) {
    (void)state;
    kcon_result_t r = {(kcon_concept_t *)1, 7};
    assert_int_equal(kcon_extract(NULL, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.n, 0);
    kcon_result_free(&r);
    const char *texts[] = {"", "   ", NULL};
    size_t lens[] = {0, 3, 0};
    assert_int_equal(kcon_extract(texts, lens, 3, "", &r), 0);
    assert_int_equal(r.n, 0);
    kcon_result_free(&r);
    assert_int_equal(kcon_extract(texts, lens, 3, "Acme Insight Overview", &r), 0);
    assert_int_equal(r.n, 0); /* the title alone links to no chunk */
    kcon_result_free(&r);
    assert_int_equal(kcon_extract(texts, lens, 1, NULL, NULL), SAL_EINVAL);
    assert_int_equal(kcon_extract(NULL, lens, 1, NULL, &r), SAL_EINVAL);
    kcon_result_free(NULL);
}

static void test_type_names(void **state) {
    (void)state;
    for (int t = 0; t < KCON_TYPE_COUNT; t++) {
        kcon_type_t back;
        assert_int_equal(kcon_type_parse(kcon_type_name((kcon_type_t)t), &back), 0);
        assert_int_equal(back, t);
    }
    assert_string_equal(kcon_type_name(KCON_METRIC), "metric");
    assert_string_equal(kcon_type_name(KCON_KEYPHRASE), "keyphrase");
    kcon_type_t x;
    assert_int_equal(kcon_type_parse("Product", &x), SAL_EINVAL);
    assert_int_equal(kcon_type_parse(NULL, &x), SAL_EINVAL);
}

/* ---- generated inputs ---------------------------------------------------- */

static uint64_t rng_state;
static uint32_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}

/* A pseudo-word from a large space, so most words are distinct. */
static size_t pseudo_word(char *out, uint32_t v, bool cap) {
    static const char *const syl[] = {"ka", "lo", "mi",  "nu",  "pe",  "ra",  "si",  "to",
                                      "vu", "ze", "bar", "dex", "fin", "gor", "hul", "jin"};
    size_t n = 0;
    do {
        const char *s = syl[v % 16];
        v /= 16;
        while (*s) out[n++] = *s++;
    } while (v > 0 && n < 20);
    if (cap) out[0] = (char)(out[0] - 32);
    return n;
}

typedef struct {
    char **texts;
    size_t *lens;
    size_t n;
    size_t bytes;
} gen_t;

static void gen_free(gen_t *g) {
    for (size_t i = 0; i < g->n; i++) free(g->texts[i]);
    free(g->texts);
    free(g->lens);
}

/* n chunks of words drawn from `vocab` pseudo-words and a few stopwords;
 * with `numbers`, also capitalised names, percentages and prices. */
static void gen_many(gen_t *g, size_t n, uint32_t vocab, size_t words, uint64_t seed,
                     bool numbers) {
    rng_state = seed;
    g->n = n;
    g->bytes = 0;
    g->texts = calloc(n, sizeof *g->texts);
    g->lens = calloc(n, sizeof *g->lens);
    assert_non_null(g->texts);
    for (size_t i = 0; i < n; i++) {
        char *b = malloc(words * 32 + 64);
        assert_non_null(b);
        size_t bn = 0;
        for (size_t w = 0; w < words; w++) {
            uint32_t k = rnd() % 100;
            if (!numbers && k < 16) k += 30; /* lower-case words only */
            if (bn) b[bn++] = ' ';
            if (k < 4) {
                bn += (size_t)snprintf(b + bn, 32, "%u%%", rnd() % 100);
            } else if (k < 6) {
                bn += (size_t)snprintf(b + bn, 32, "$%u per seat", rnd() % 1000);
            } else if (k < 16) {
                bn += pseudo_word(b + bn, rnd() % 3000, true);
            } else if (k < 30) {
                static const char *const sw[] = {"the", "and", "of", "to", "with", "for"};
                const char *s = sw[rnd() % 6];
                size_t l = strlen(s);
                memcpy(b + bn, s, l);
                bn += l;
            } else {
                bn += pseudo_word(b + bn, rnd() % vocab, false);
            }
            if (rnd() % 12 == 0) b[bn++] = '.';
        }
        b[bn] = '\0';
        g->texts[i] = b;
        g->lens[i] = bn;
        g->bytes += bn;
    }
}

static void test_caps_and_speed(void **state) {
    (void)state;
    for (int numbers = 0; numbers <= 1; numbers++) {
        gen_t g;
        gen_many(&g, 5000, 200000, 60, 42, numbers);
        kcon_result_t r;
        double t0 = sal_mono_ms();
        assert_int_equal(kcon_extract((const char *const *)g.texts, g.lens, g.n, NULL, &r), 0);
        double ms = sal_mono_ms() - t0;
        check_invariants(&r, g.n);
        size_t nkp = count_type(&r, KCON_KEYPHRASE);
        print_message("5,000 chunks (%.1f MB, many distinct words%s): %zu concepts, %zu "
                      "keyphrases in %.0f ms\n",
                      (double)g.bytes / 1e6, numbers ? ", prices and percentages" : "", r.n, nkp,
                      ms);
        if (numbers) {
            /* Over 200 typed concepts (distinct prices and proof points):
             * keyphrases go first, then the least-mentioned typed ones. */
            assert_int_equal(r.n, 200);
            assert_int_equal(nkp, 0);
        } else {
            assert_int_equal(nkp, 50);
        }
        assert_true(ms < 2000.0 * SLOW);
        kcon_result_free(&r);
        gen_free(&g);
    }
}

static void test_random_bytes(void **state) {
    (void)state;
    /* Bytes biased towards what the rules look at, so the loop reaches
     * them with broken UTF-8 around. */
    static const char *const bits[] = {
        "$",
        "%",
        "3",
        "x",
        "40",
        ".",
        ",",
        " ",
        "Acme ",
        "vs ",
        "integrates with ",
        "\xe2\x84\xa2",
        "\xc3",
        "\xe2\x80",
        "per seat",
        " from 3 days to ",
        "CFO",
        "-",
        "\xe2\x80\x93",
        "Gong",
        "'s",
        "\xf0\x9f\x98",
        "helps teams ",
        "so you can ",
        "\n",
        "(",
        ")",
        "k",
        "M",
        "too expensive",
        "e-commerce",
        "\xff",
        "\xc0\xaf",
        "\xed\xa0\x80",
    };
    char buf[600];
    for (int iter = 0; iter < 3000; iter++) {
        rng_state = 0x9E3779B97F4A7C15ull + (uint64_t)iter;
        const char *texts[4];
        size_t lens[4], nch = 1 + rnd() % 4, bn = 0, cut[4];
        size_t want = rnd() % 500;
        while (bn < want) {
            if (rnd() % 3 == 0) {
                buf[bn++] = (char)(rnd() & 0xff);
            } else {
                const char *b = bits[rnd() % (sizeof bits / sizeof bits[0])];
                size_t l = strlen(b);
                if (bn + l >= sizeof buf) break;
                memcpy(buf + bn, b, l);
                bn += l;
            }
        }
        for (size_t k = 0; k < nch; k++) cut[k] = bn ? rnd() % (bn + 1) : 0;
        for (size_t k = 0; k < nch; k++) {
            size_t a = cut[k] < cut[(k + 1) % nch] ? cut[k] : cut[(k + 1) % nch];
            texts[k] = buf + a;
            lens[k] = bn - a;
        }
        char title[64];
        size_t tn = rnd() % 40;
        for (size_t k = 0; k < tn; k++) title[k] = (char)(1 + rnd() % 255);
        title[tn] = '\0';
        kcon_result_t r;
        assert_int_equal(kcon_extract(texts, lens, nch, title, &r), 0);
        check_invariants(&r, nch);
        kcon_result_free(&r);
    }
}

static void test_deterministic(void **state) {
    (void)state;
    fixture_t f;
    fixture_load(&f, "product_sheet.txt");
    kcon_result_t a, b;
    fixture_extract(&f, &a);
    fixture_extract(&f, &b);
    assert_true(results_equal(&a, &b));
    kcon_result_free(&a);
    kcon_result_free(&b);
    free(f.buf);
    gen_t g;
    gen_many(&g, 800, 5000, 40, 7, true);
    assert_int_equal(kcon_extract((const char *const *)g.texts, g.lens, g.n, "Zeka Cloud", &a), 0);
    assert_int_equal(kcon_extract((const char *const *)g.texts, g.lens, g.n, "Zeka Cloud", &b), 0);
    assert_true(a.n > 50);
    assert_true(results_equal(&a, &b));
    kcon_result_free(&a);
    kcon_result_free(&b);
    gen_free(&g);
}

typedef struct {
    const fixture_t *f;
    const kcon_result_t *want;
    int ok;
} thread_arg_t;

static void *thread_main(void *p) {
    thread_arg_t *a = p;
    a->ok = 1;
    for (int i = 0; i < 20; i++) {
        kcon_result_t r;
        if (kcon_extract(a->f->texts, a->f->lens, a->f->n, a->f->title, &r) != 0 ||
            !results_equal(&r, a->want))
            a->ok = 0;
        kcon_result_free(&r);
    }
    return NULL;
}

static void test_threads(void **state) {
    (void)state;
    static const char *const names[] = {"product_sheet.txt", "pricing.txt", "case_study.txt",
                                        "battlecard.txt"};
    fixture_t f[4];
    kcon_result_t want[4];
    for (int i = 0; i < 4; i++) {
        fixture_load(&f[i], names[i]);
        fixture_extract(&f[i], &want[i]);
    }
    pthread_t th[8];
    thread_arg_t args[8];
    for (int i = 0; i < 8; i++) {
        args[i] = (thread_arg_t){&f[i % 4], &want[i % 4], 0};
        assert_int_equal(pthread_create(&th[i], NULL, thread_main, &args[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        assert_true(args[i].ok);
    }
    for (int i = 0; i < 4; i++) {
        kcon_result_free(&want[i]);
        free(f[i].buf);
    }
}

/* Sales prose: fixture chunks with their numbers and names varied, so
 * every rule fires at its real rate. */
static void test_throughput(void **state) {
    (void)state;
    static const char *const names[] = {"product_sheet.txt", "pricing.txt", "case_study.txt",
                                        "battlecard.txt"};
    fixture_t f[4];
    const char *pieces[64];
    size_t np = 0;
    for (int i = 0; i < 4; i++) {
        fixture_load(&f[i], names[i]);
        for (size_t k = 0; k < f[i].n; k++) pieces[np++] = f[i].texts[k];
    }
    rng_state = 99;
    gen_t g = {0};
    size_t n = 4000;
    g.n = n;
    g.texts = calloc(n, sizeof *g.texts);
    g.lens = calloc(n, sizeof *g.lens);
    for (size_t i = 0; i < n; i++) {
        char *b = malloc(4096);
        size_t bn = 0;
        for (int s = 0; s < 3; s++) {
            const char *p = pieces[rnd() % np];
            for (; *p && bn < 4000; p++) {
                char ch = *p;
                if (ch >= '0' && ch <= '9') ch = (char)('0' + rnd() % 10);
                b[bn++] = ch;
            }
            if (bn < 4000) b[bn++] = ' ';
            char w[32];
            size_t wl = pseudo_word(w, rnd() % 50000, rnd() % 4 == 0);
            if (bn + wl + 2 < 4000) {
                memcpy(b + bn, w, wl);
                bn += wl;
                b[bn++] = ' ';
            }
        }
        b[bn] = '\0';
        g.texts[i] = b;
        g.lens[i] = bn;
        g.bytes += bn;
    }
    kcon_result_t r;
    double t0 = sal_mono_ms();
    assert_int_equal(kcon_extract((const char *const *)g.texts, g.lens, g.n, NULL, &r), 0);
    double ms = sal_mono_ms() - t0;
    check_invariants(&r, g.n);
    assert_true(count_type(&r, KCON_METRIC) > 0 && count_type(&r, KCON_COMPETITOR) > 0);
    print_message("throughput: %zu chunks, %.2f MB in %.0f ms: %.0f chunks/s, %.1f MB/s\n", n,
                  (double)g.bytes / 1e6, ms, (double)n / ms * 1000.0,
                  (double)g.bytes / 1e6 / (ms / 1000.0));
    kcon_result_free(&r);
    gen_free(&g);
    for (int i = 0; i < 4; i++) free(f[i].buf);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_product_sheet),
        cmocka_unit_test(test_pricing_page),
        cmocka_unit_test(test_case_study),
        cmocka_unit_test(test_battlecard),
        cmocka_unit_test(test_keyphrase_stems_merge),
        cmocka_unit_test(test_keyphrase_not_typed),
        cmocka_unit_test(test_trademarks_and_case),
        cmocka_unit_test(test_persona_case_rules),
        cmocka_unit_test(test_industry_variants),
        cmocka_unit_test(test_objection_variants),
        cmocka_unit_test(test_metric_and_price_shapes),
        cmocka_unit_test(test_name_cut_at_word_boundary),
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_caps_and_speed),
        cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_throughput),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
