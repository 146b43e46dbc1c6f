/* SPDX-License-Identifier: MIT */
/*
 * Tests for the knowledge and jobs functions of the SQLite store, on a
 * real database file in a fresh temporary directory: sources (insert,
 * lookups, per-tenant sha256 uniqueness, filtered and paged listing,
 * update, cascading delete, blob references, the all-tenant walk),
 * chunks (replace, get, list, the index-loading walk with exact vector
 * and term bytes), concepts (case-insensitive ensure, links, aggregated
 * listing), the knowledge version, tenant isolation of every read,
 * rollback of a failed transaction, and the jobs table (claim order,
 * future and expired leases, retry, finish, counts, and two threads
 * claiming concurrently).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>

#include "store/store.h"
#include "testutil.h"

typedef struct {
    char dir[512];
    store_t *st;
    store_tenant_t ta, tb;
} fixture_t;

static int setup(void **state) {
    fixture_t *fx = calloc(1, sizeof *fx);
    if (fx == NULL) return -1;
    tu_mkdtemp(fx->dir, sizeof fx->dir);
    char url[600];
    snprintf(url, sizeof url, "sqlite://%s/salient.db", fx->dir);
    assert_int_equal(store_open(url, &fx->st), 0);
    assert_int_equal(store_migrate(fx->st, NULL, NULL), 0);
    assert_int_equal(store_tenant_ensure(fx->st, "acme", &fx->ta), 0);
    assert_int_equal(store_tenant_ensure(fx->st, "globex", &fx->tb), 0);
    *state = fx;
    return 0;
}

static int teardown(void **state) {
    fixture_t *fx = *state;
    store_close(fx->st);
    tu_rmrf(fx->dir);
    free(fx);
    return 0;
}

/* A source with a fresh id; sha256 and the other text fields derive
 * from n. */
static void make_source(store_source_t *s, const char *tenant_id, int n, const char *status,
                        const char *source_type, const char *tags) {
    memset(s, 0, sizeof *s);
    sal_id_new("src", s->id, sizeof s->id);
    sal_strlcpy(s->tenant_id, tenant_id, sizeof s->tenant_id);
    snprintf(s->title, sizeof s->title, "Source %d", n);
    snprintf(s->filename, sizeof s->filename, "doc%d.pdf", n);
    sal_strlcpy(s->media_type, "application/pdf", sizeof s->media_type);
    sal_strlcpy(s->format, "pdf", sizeof s->format);
    s->size_bytes = 1000 + n;
    snprintf(s->sha256, sizeof s->sha256, "%064d", n);
    sal_strlcpy(s->source_type, source_type, sizeof s->source_type);
    sal_strlcpy(s->tags, tags, sizeof s->tags);
    sal_strlcpy(s->status, status, sizeof s->status);
    sal_id_new("job", s->job_id, sizeof s->job_id);
    s->created_ms = 1700000000000LL + n;
    s->updated_ms = s->created_ms;
}

static void assert_source_equal(const store_source_t *got, const store_source_t *want) {
    assert_string_equal(got->id, want->id);
    assert_string_equal(got->tenant_id, want->tenant_id);
    assert_string_equal(got->title, want->title);
    assert_string_equal(got->filename, want->filename);
    assert_string_equal(got->media_type, want->media_type);
    assert_string_equal(got->format, want->format);
    assert_int_equal(got->size_bytes, want->size_bytes);
    assert_string_equal(got->sha256, want->sha256);
    assert_string_equal(got->source_type, want->source_type);
    assert_string_equal(got->tags, want->tags);
    assert_string_equal(got->status, want->status);
    assert_string_equal(got->error, want->error);
    assert_int_equal(got->page_count, want->page_count);
    assert_int_equal(got->chunk_count, want->chunk_count);
    assert_int_equal(got->concept_count, want->concept_count);
    assert_int_equal(got->token_count, want->token_count);
    assert_string_equal(got->embedding_model, want->embedding_model);
    assert_int_equal(got->processing_ms, want->processing_ms);
    assert_string_equal(got->job_id, want->job_id);
    assert_int_equal(got->created_ms, want->created_ms);
    assert_int_equal(got->updated_ms, want->updated_ms);
}

#define DIMS 8

/* n chunks of a source; texts, vectors and terms derive from seed and the
 * ordinal. Strings and arrays live in bufs. */
typedef struct {
    store_chunk_t c[16];
    char text[16][64];
    char section[16][32];
    float vec[16][DIMS];
    unsigned char terms[16][12];
} chunkset_t;

static void make_chunks(chunkset_t *cs, size_t n, int seed) {
    memset(cs, 0, sizeof *cs);
    for (size_t i = 0; i < n; i++) {
        store_chunk_t *c = &cs->c[i];
        c->ordinal = (int)i;
        snprintf(cs->text[i], sizeof cs->text[i], "chunk %d of seed %d", (int)i, seed);
        if (i % 2) snprintf(cs->section[i], sizeof cs->section[i], "Pricing > Tier %d", (int)i);
        c->text = cs->text[i];
        c->section = cs->section[i];
        c->page = (int)i + 1;
        c->token_count = 10 + (int)i;
        c->concept_types = 1u << (i % 10);
        for (int d = 0; d < DIMS; d++) cs->vec[i][d] = (float)seed + 0.125f * (float)d - (float)i;
        c->vector = cs->vec[i];
        c->dims = DIMS;
        /* Bytes including NUL and 0xff, so a text round trip would fail. */
        for (size_t b = 0; b < sizeof cs->terms[i]; b++)
            cs->terms[i][b] = (unsigned char)(b == 3 ? 0 : b == 5 ? 0xff : seed * 7 + b + i);
        c->terms = cs->terms[i];
        c->terms_len = sizeof cs->terms[i] - i % 3;
    }
}

static size_t chunk_total(store_t *st, const char *tenant_id, const char *source_id) {
    store_chunk_t out[32];
    size_t n = 99;
    assert_int_equal(store_chunk_list(st, tenant_id, source_id, -1, out, 32, &n), 0);
    for (size_t i = 0; i < n; i++) store_chunk_clear(&out[i]);
    return n;
}

/* ---- sources ------------------------------------------------------------ */

static void test_source_insert_get_by_sha(void **state) {
    fixture_t *fx = *state;
    store_source_t s, got;
    make_source(&s, fx->ta.id, 1, "pending", "playbook", "emea,q3");
    sal_strlcpy(s.error, "", sizeof s.error);
    assert_int_equal(store_source_insert(fx->st, &s), 0);

    assert_int_equal(store_source_get(fx->st, fx->ta.id, s.id, &got), 0);
    assert_source_equal(&got, &s);
    assert_int_equal(store_source_by_sha(fx->st, fx->ta.id, s.sha256, &got), 0);
    assert_string_equal(got.id, s.id);

    /* Same bytes in the same tenant: refused. */
    store_source_t dup;
    make_source(&dup, fx->ta.id, 1, "pending", "other", "");
    assert_int_equal(store_source_insert(fx->st, &dup), SAL_EEXIST);
    /* The same bytes in another tenant are a different source. */
    make_source(&dup, fx->tb.id, 1, "pending", "other", "");
    assert_int_equal(store_source_insert(fx->st, &dup), 0);
    assert_int_equal(store_source_by_sha(fx->st, fx->tb.id, s.sha256, &got), 0);
    assert_string_equal(got.id, dup.id);

    int64_t refs = 0;
    assert_int_equal(store_blob_refs(fx->st, s.sha256, &refs), 0);
    assert_int_equal(refs, 2);
    assert_int_equal(store_blob_refs(fx->st, "feedface", &refs), 0);
    assert_int_equal(refs, 0);

    /* Tenant isolation: the other tenant's id and sha are not found. */
    assert_int_equal(store_source_get(fx->st, fx->tb.id, s.id, &got), SAL_ENOTFOUND);
    assert_int_equal(store_source_get(fx->st, fx->ta.id, dup.id, &got), SAL_ENOTFOUND);
    char other_sha[STORE_SHA256_CAP];
    snprintf(other_sha, sizeof other_sha, "%064d", 2);
    assert_int_equal(store_source_by_sha(fx->st, fx->ta.id, other_sha, &got), SAL_ENOTFOUND);

    /* Delete drops a reference. */
    assert_int_equal(store_source_delete(fx->st, fx->tb.id, dup.id), 0);
    assert_int_equal(store_blob_refs(fx->st, s.sha256, &refs), 0);
    assert_int_equal(refs, 1);
    assert_int_equal(store_source_delete(fx->st, fx->tb.id, dup.id), SAL_ENOTFOUND);
    assert_int_equal(store_source_delete(fx->st, fx->tb.id, s.id), SAL_ENOTFOUND);
    assert_int_equal(store_source_get(fx->st, fx->ta.id, s.id, &got), 0);
}

static void test_source_list_filters_and_pages(void **state) {
    fixture_t *fx = *state;
    /* 12 sources: status alternates ready/pending, types cycle, tags vary. */
    static const char *const types[] = {"playbook", "pricing", "faq"};
    static const char *const tags[] = {"emea,q3", "q3", "", "emea", "EMEA,q3x", "q%,_"};
    store_source_t s[12];
    for (int i = 0; i < 12; i++) {
        make_source(&s[i], fx->ta.id, 100 + i, i % 2 ? "pending" : "ready", types[i % 3],
                    tags[i % 6]);
        assert_int_equal(store_source_insert(fx->st, &s[i]), 0);
    }
    store_source_t other;
    make_source(&other, fx->tb.id, 200, "ready", "playbook", "emea");
    assert_int_equal(store_source_insert(fx->st, &other), 0);

    store_source_t out[20];
    size_t n = 0;
    assert_int_equal(store_source_list(fx->st, fx->ta.id, NULL, "", out, 20, &n), 0);
    assert_int_equal(n, 12);
    for (int i = 0; i < 12; i++) assert_string_equal(out[i].id, s[i].id); /* by id */

    /* Pages of 5, 5, 2 with after_id. */
    assert_int_equal(store_source_list(fx->st, fx->ta.id, NULL, "", out, 5, &n), 0);
    assert_int_equal(n, 5);
    assert_string_equal(out[4].id, s[4].id);
    assert_int_equal(store_source_list(fx->st, fx->ta.id, NULL, s[4].id, out, 5, &n), 0);
    assert_int_equal(n, 5);
    assert_string_equal(out[0].id, s[5].id);
    assert_int_equal(store_source_list(fx->st, fx->ta.id, NULL, s[9].id, out, 5, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(out[1].id, s[11].id);

    store_source_filter_t f = {.status = "ready"};
    assert_int_equal(store_source_list(fx->st, fx->ta.id, &f, "", out, 20, &n), 0);
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++) assert_string_equal(out[i].status, "ready");

    f = (store_source_filter_t){.source_type = "pricing"};
    assert_int_equal(store_source_list(fx->st, fx->ta.id, &f, "", out, 20, &n), 0);
    assert_int_equal(n, 4);
    assert_string_equal(out[0].id, s[1].id);

    f = (store_source_filter_t){.status = "pending", .source_type = "pricing"};
    assert_int_equal(store_source_list(fx->st, fx->ta.id, &f, "", out, 20, &n), 0);
    assert_int_equal(n, 2); /* i = 1, 7 */
    assert_string_equal(out[0].id, s[1].id);
    assert_string_equal(out[1].id, s[7].id);

    /* Whole-tag match: "emea" is in "emea,q3" and "emea" (i % 6 = 0, 3),
     * not in "EMEA,q3x" (case) and not in "q3". */
    f = (store_source_filter_t){.tag = "emea"};
    assert_int_equal(store_source_list(fx->st, fx->ta.id, &f, "", out, 20, &n), 0);
    assert_int_equal(n, 4); /* 0, 3, 6, 9 */
    assert_string_equal(out[0].id, s[0].id);
    assert_string_equal(out[1].id, s[3].id);
    assert_string_equal(out[2].id, s[6].id);
    assert_string_equal(out[3].id, s[9].id);
    f = (store_source_filter_t){.tag = "q3"};
    assert_int_equal(store_source_list(fx->st, fx->ta.id, &f, "", out, 20, &n), 0);
    assert_int_equal(n, 4); /* 0, 1, 6, 7; "q3x" is not "q3" */
    f = (store_source_filter_t){.tag = "q"};
    assert_int_equal(store_source_list(fx->st, fx->ta.id, &f, "", out, 20, &n), 0);
    assert_int_equal(n, 0);
    /* LIKE wildcards are plain characters. */
    f = (store_source_filter_t){.tag = "q%"};
    assert_int_equal(store_source_list(fx->st, fx->ta.id, &f, "", out, 20, &n), 0);
    assert_int_equal(n, 2); /* 5, 11 */
    assert_string_equal(out[0].id, s[5].id);
    f = (store_source_filter_t){.tag = "_"};
    assert_int_equal(store_source_list(fx->st, fx->ta.id, &f, "", out, 20, &n), 0);
    assert_int_equal(n, 2);
    f = (store_source_filter_t){.tag = "%"};
    assert_int_equal(store_source_list(fx->st, fx->ta.id, &f, "", out, 20, &n), 0);
    assert_int_equal(n, 0);
    /* A comma in the filter never spans two tags. */
    f = (store_source_filter_t){.tag = "emea,q3"};
    assert_int_equal(store_source_list(fx->st, fx->ta.id, &f, "", out, 20, &n), 0);
    assert_int_equal(n, 0);

    /* The other tenant sees only its own. */
    assert_int_equal(store_source_list(fx->st, fx->tb.id, NULL, "", out, 20, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(out[0].id, other.id);
}

static void test_source_update(void **state) {
    fixture_t *fx = *state;
    store_source_t s, got;
    make_source(&s, fx->ta.id, 1, "pending", "faq", "a");
    assert_int_equal(store_source_insert(fx->st, &s), 0);

    sal_strlcpy(s.status, "failed", sizeof s.status);
    sal_strlcpy(s.error, "the PDF is encrypted", sizeof s.error);
    s.page_count = 7;
    s.chunk_count = 31;
    s.concept_count = 12;
    s.token_count = 9876543210LL;
    sal_strlcpy(s.embedding_model, "all-MiniLM-L6-v2", sizeof s.embedding_model);
    s.processing_ms = 4321;
    sal_id_new("job", s.job_id, sizeof s.job_id);
    s.updated_ms = s.created_ms + 5000;
    assert_int_equal(store_source_update(fx->st, &s), 0);
    assert_int_equal(store_source_get(fx->st, fx->ta.id, s.id, &got), 0);
    assert_source_equal(&got, &s);

    /* In another tenant's name: not found, and nothing changes. */
    store_source_t wrong = s;
    sal_strlcpy(wrong.tenant_id, fx->tb.id, sizeof wrong.tenant_id);
    sal_strlcpy(wrong.status, "ready", sizeof wrong.status);
    assert_int_equal(store_source_update(fx->st, &wrong), SAL_ENOTFOUND);
    assert_int_equal(store_source_get(fx->st, fx->ta.id, s.id, &got), 0);
    assert_string_equal(got.status, "failed");

    assert_int_equal(store_source_delete(fx->st, fx->ta.id, s.id), 0);
    assert_int_equal(store_source_update(fx->st, &s), SAL_ENOTFOUND);
}

typedef struct {
    int n;
    char ids[8][SAL_ID_CAP];
    int stop_after;
} walk_t;

static int walk_source(void *ud, const store_source_t *src) {
    walk_t *w = ud;
    if (w->n < 8) sal_strlcpy(w->ids[w->n], src->id, SAL_ID_CAP);
    w->n++;
    return w->stop_after && w->n == w->stop_after ? 42 : 0;
}

static void test_source_each(void **state) {
    fixture_t *fx = *state;
    walk_t w = {0};
    assert_int_equal(store_source_each(fx->st, walk_source, &w), 0);
    assert_int_equal(w.n, 0);
    /* More than one internal page (32), across both tenants. */
    store_source_t s;
    char first[SAL_ID_CAP] = "";
    for (int i = 0; i < 70; i++) {
        make_source(&s, i % 2 ? fx->ta.id : fx->tb.id, i, "ready", "other", "");
        if (i == 0) sal_strlcpy(first, s.id, sizeof first);
        assert_int_equal(store_source_insert(fx->st, &s), 0);
    }
    assert_int_equal(store_source_each(fx->st, walk_source, &w), 0);
    assert_int_equal(w.n, 70);
    assert_string_equal(w.ids[0], first);
    /* A non-zero return stops the walk and is returned. */
    w = (walk_t){.stop_after = 3};
    assert_int_equal(store_source_each(fx->st, walk_source, &w), 42);
    assert_int_equal(w.n, 3);
}

/* ---- chunks ------------------------------------------------------------- */

static void test_chunks_replace_get_list(void **state) {
    fixture_t *fx = *state;
    store_source_t s;
    make_source(&s, fx->ta.id, 1, "ready", "faq", "");
    assert_int_equal(store_source_insert(fx->st, &s), 0);

    static chunkset_t cs;
    make_chunks(&cs, 5, 1);
    assert_int_equal(store_chunks_replace(fx->st, fx->ta.id, s.id, cs.c, 5), 0);
    assert_int_equal(chunk_total(fx->st, fx->ta.id, s.id), 5);
    /* Twice, with 3 new chunks: exactly one copy, the new one. */
    make_chunks(&cs, 3, 2);
    assert_int_equal(store_chunks_replace(fx->st, fx->ta.id, s.id, cs.c, 3), 0);

    store_chunk_t out[8];
    size_t n = 0;
    assert_int_equal(store_chunk_list(fx->st, fx->ta.id, s.id, -1, out, 8, &n), 0);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(out[i].ordinal, (int)i);
        assert_string_equal(out[i].text, cs.text[i]);
        assert_string_equal(out[i].section, cs.section[i]);
        assert_string_equal(out[i].source_id, s.id);
        assert_string_equal(out[i].tenant_id, fx->ta.id);
        assert_int_equal(out[i].page, (int)i + 1);
        assert_int_equal(out[i].token_count, 10 + (int)i);
        assert_int_equal(out[i].concept_types, 1u << i);
        assert_true(sal_id_valid(out[i].id, "chk"));
        assert_null(out[i].vector); /* list has no vectors */
        assert_null(out[i].terms);
    }
    store_chunk_t got;
    assert_int_equal(store_chunk_get(fx->st, fx->ta.id, out[1].id, &got), 0);
    assert_string_equal(got.text, "chunk 1 of seed 2");
    assert_string_equal(got.section, "Pricing > Tier 1");
    assert_int_equal(got.ordinal, 1);
    store_chunk_clear(&got);
    assert_null(got.text);
    store_chunk_clear(NULL);
    /* Another tenant: not found, and the list is empty. */
    assert_int_equal(store_chunk_get(fx->st, fx->tb.id, out[1].id, &got), SAL_ENOTFOUND);
    assert_int_equal(chunk_total(fx->st, fx->tb.id, s.id), 0);
    assert_int_equal(store_chunks_replace(fx->st, fx->tb.id, s.id, cs.c, 3), SAL_ENOTFOUND);
    assert_int_equal(chunk_total(fx->st, fx->ta.id, s.id), 3);

    /* Paging by ordinal. */
    char second[SAL_ID_CAP];
    sal_strlcpy(second, out[2].id, sizeof second);
    for (size_t i = 0; i < n; i++) store_chunk_clear(&out[i]);
    assert_int_equal(store_chunk_list(fx->st, fx->ta.id, s.id, 0, out, 1, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(out[0].ordinal, 1);
    store_chunk_clear(&out[0]);
    assert_int_equal(store_chunk_list(fx->st, fx->ta.id, s.id, 1, out, 8, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(out[0].id, second);
    store_chunk_clear(&out[0]);

    /* Replace with none: the source has no chunks. */
    assert_int_equal(store_chunks_replace(fx->st, fx->ta.id, s.id, NULL, 0), 0);
    assert_int_equal(chunk_total(fx->st, fx->ta.id, s.id), 0);
}

typedef struct {
    int n;
    char source_ids[16][SAL_ID_CAP];
    int ordinals[16];
    float vec[16][DIMS];
    int dims[16];
    unsigned char terms[16][12];
    size_t terms_len[16];
} each_t;

static int each_chunk(void *ud, const store_chunk_t *c) {
    each_t *e = ud;
    assert_true(e->n < 16);
    assert_null(c->text);
    sal_strlcpy(e->source_ids[e->n], c->source_id, SAL_ID_CAP);
    e->ordinals[e->n] = c->ordinal;
    e->dims[e->n] = c->dims;
    assert_non_null(c->vector);
    assert_int_equal(((uintptr_t)c->vector) % _Alignof(float), 0);
    memcpy(e->vec[e->n], c->vector, sizeof(float) * (size_t)c->dims);
    assert_true(c->terms_len <= 12);
    memcpy(e->terms[e->n], c->terms, c->terms_len);
    e->terms_len[e->n] = c->terms_len;
    e->n++;
    return 0;
}

static void test_chunk_each_ready_only_exact_bytes(void **state) {
    fixture_t *fx = *state;
    store_source_t ready, pending, other;
    make_source(&ready, fx->ta.id, 1, "ready", "faq", "");
    make_source(&pending, fx->ta.id, 2, "processing", "faq", "");
    make_source(&other, fx->tb.id, 3, "ready", "faq", "");
    assert_int_equal(store_source_insert(fx->st, &ready), 0);
    assert_int_equal(store_source_insert(fx->st, &pending), 0);
    assert_int_equal(store_source_insert(fx->st, &other), 0);
    static chunkset_t a, b, c;
    make_chunks(&a, 4, 10);
    make_chunks(&b, 2, 20);
    make_chunks(&c, 3, 30);
    assert_int_equal(store_chunks_replace(fx->st, fx->ta.id, ready.id, a.c, 4), 0);
    assert_int_equal(store_chunks_replace(fx->st, fx->ta.id, pending.id, b.c, 2), 0);
    assert_int_equal(store_chunks_replace(fx->st, fx->tb.id, other.id, c.c, 3), 0);

    static each_t e;
    memset(&e, 0, sizeof e);
    assert_int_equal(store_chunk_each(fx->st, fx->ta.id, each_chunk, &e), 0);
    assert_int_equal(e.n, 4); /* the processing source's chunks are left out */
    for (int i = 0; i < 4; i++) {
        assert_string_equal(e.source_ids[i], ready.id);
        assert_int_equal(e.ordinals[i], i);
        assert_int_equal(e.dims[i], DIMS);
        assert_memory_equal(e.vec[i], a.vec[i], sizeof(float) * DIMS);
        assert_int_equal(e.terms_len[i], a.c[i].terms_len);
        assert_memory_equal(e.terms[i], a.terms[i], a.c[i].terms_len);
    }
    /* NULL: every tenant. */
    memset(&e, 0, sizeof e);
    assert_int_equal(store_chunk_each(fx->st, NULL, each_chunk, &e), 0);
    assert_int_equal(e.n, 7);
    /* Becoming ready brings the source's chunks in. */
    store_source_t got;
    assert_int_equal(store_source_get(fx->st, fx->ta.id, pending.id, &got), 0);
    sal_strlcpy(got.status, "ready", sizeof got.status);
    assert_int_equal(store_source_update(fx->st, &got), 0);
    memset(&e, 0, sizeof e);
    assert_int_equal(store_chunk_each(fx->st, fx->ta.id, each_chunk, &e), 0);
    assert_int_equal(e.n, 6);
}

/* ---- concepts ----------------------------------------------------------- */

static void test_concepts(void **state) {
    fixture_t *fx = *state;
    store_source_t s1, s2;
    make_source(&s1, fx->ta.id, 1, "ready", "faq", "");
    make_source(&s2, fx->ta.id, 2, "ready", "faq", "");
    assert_int_equal(store_source_insert(fx->st, &s1), 0);
    assert_int_equal(store_source_insert(fx->st, &s2), 0);
    static chunkset_t cs;
    make_chunks(&cs, 3, 1);
    assert_int_equal(store_chunks_replace(fx->st, fx->ta.id, s1.id, cs.c, 3), 0);
    assert_int_equal(store_chunks_replace(fx->st, fx->ta.id, s2.id, cs.c, 2), 0);
    store_chunk_t k1[3], k2[2];
    size_t n1, n2;
    assert_int_equal(store_chunk_list(fx->st, fx->ta.id, s1.id, -1, k1, 3, &n1), 0);
    assert_int_equal(store_chunk_list(fx->st, fx->ta.id, s2.id, -1, k2, 2, &n2), 0);
    assert_int_equal(n1, 3);
    assert_int_equal(n2, 2);

    char acme[SAL_ID_CAP], acme2[SAL_ID_CAP], acme_feat[SAL_ID_CAP], sso[SAL_ID_CAP],
        umlaut[SAL_ID_CAP], umlaut2[SAL_ID_CAP], lone[SAL_ID_CAP];
    assert_int_equal(store_concept_ensure(fx->st, fx->ta.id, "product", "Acme Cloud", acme), 0);
    assert_true(sal_id_valid(acme, "con"));
    /* Idempotent and case-insensitive; the first spelling is kept. */
    assert_int_equal(store_concept_ensure(fx->st, fx->ta.id, "product", "ACME cloud", acme2), 0);
    assert_string_equal(acme, acme2);
    /* Same name, other type: another concept. */
    assert_int_equal(store_concept_ensure(fx->st, fx->ta.id, "feature", "Acme Cloud", acme_feat),
                     0);
    assert_string_not_equal(acme, acme_feat);
    assert_int_equal(store_concept_ensure(fx->st, fx->ta.id, "feature", "Single Sign-On", sso), 0);
    /* Non-ASCII case folding. */
    assert_int_equal(store_concept_ensure(fx->st, fx->ta.id, "competitor", "ÜBERSOFT", umlaut), 0);
    assert_int_equal(store_concept_ensure(fx->st, fx->ta.id, "competitor", "übersoft", umlaut2), 0);
    assert_string_equal(umlaut, umlaut2);
    assert_int_equal(store_concept_ensure(fx->st, fx->ta.id, "metric", "never linked", lone), 0);
    /* Another tenant has its own concept of the same name. */
    char acme_b[SAL_ID_CAP];
    assert_int_equal(store_concept_ensure(fx->st, fx->tb.id, "product", "Acme Cloud", acme_b), 0);
    assert_string_not_equal(acme, acme_b);

    /* acme: 2 + 3 in s1, 4 in s2; sso: 1 in s1; umlaut: 5 in s2. */
    assert_int_equal(store_concept_link(fx->st, fx->ta.id, k1[0].id, acme, 2), 0);
    assert_int_equal(store_concept_link(fx->st, fx->ta.id, k1[1].id, acme, 3), 0);
    assert_int_equal(store_concept_link(fx->st, fx->ta.id, k2[0].id, acme, 4), 0);
    assert_int_equal(store_concept_link(fx->st, fx->ta.id, k1[0].id, sso, 1), 0);
    assert_int_equal(store_concept_link(fx->st, fx->ta.id, k2[1].id, umlaut, 5), 0);
    assert_int_equal(store_concept_link(fx->st, fx->ta.id, k2[1].id, acme_feat, 1), 0);
    /* Links never cross tenants. */
    assert_int_equal(store_concept_link(fx->st, fx->ta.id, k1[0].id, acme_b, 1), SAL_ENOTFOUND);
    assert_int_equal(store_concept_link(fx->st, fx->tb.id, k1[0].id, acme_b, 1), SAL_ENOTFOUND);

    store_concept_t out[16];
    size_t n = 0;
    assert_int_equal(store_concept_list(fx->st, fx->ta.id, NULL, NULL, "", out, 16, &n), 0);
    assert_int_equal(n, 4); /* "never linked" is not listed */
    for (size_t i = 1; i < n; i++) assert_true(strcmp(out[i - 1].id, out[i].id) < 0);
    bool seen_acme = false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(out[i].id, acme) == 0) {
            seen_acme = true;
            assert_string_equal(out[i].name, "Acme Cloud");
            assert_string_equal(out[i].type, "product");
            assert_int_equal(out[i].mentions, 9);
            assert_int_equal(out[i].source_count, 2);
        }
    assert_true(seen_acme);

    /* q: case-insensitive substring; type filter. */
    assert_int_equal(store_concept_list(fx->st, fx->ta.id, "CLOUD", NULL, "", out, 16, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(store_concept_list(fx->st, fx->ta.id, "cloud", "product", "", out, 16, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(out[0].id, acme);
    assert_int_equal(store_concept_list(fx->st, fx->ta.id, "bersof", NULL, "", out, 16, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(out[0].name, "ÜBERSOFT");
    assert_int_equal(out[0].mentions, 5);
    assert_int_equal(out[0].source_count, 1);
    assert_int_equal(store_concept_list(fx->st, fx->ta.id, "ü", NULL, "", out, 16, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(store_concept_list(fx->st, fx->ta.id, "%", NULL, "", out, 16, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_concept_list(fx->st, fx->ta.id, "_", NULL, "", out, 16, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_concept_list(fx->st, fx->ta.id, NULL, "feature", "", out, 16, &n), 0);
    assert_int_equal(n, 2);
    /* Paging. */
    store_concept_t all[16];
    size_t total;
    assert_int_equal(store_concept_list(fx->st, fx->ta.id, NULL, NULL, "", all, 16, &total), 0);
    assert_int_equal(store_concept_list(fx->st, fx->ta.id, NULL, NULL, "", out, 3, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(store_concept_list(fx->st, fx->ta.id, NULL, NULL, out[2].id, out, 3, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(out[0].id, all[3].id);
    /* The other tenant's concept is unlinked: nothing listed. */
    assert_int_equal(store_concept_list(fx->st, fx->tb.id, NULL, NULL, "", out, 16, &n), 0);
    assert_int_equal(n, 0);

    /* Concepts of one chunk, most mentioned first. */
    assert_int_equal(store_chunk_concepts(fx->st, fx->ta.id, k1[0].id, out, 16, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(out[0].id, acme);
    assert_int_equal(out[0].mentions, 2);
    assert_string_equal(out[1].id, sso);
    assert_int_equal(out[1].mentions, 1);
    assert_int_equal(store_chunk_concepts(fx->st, fx->tb.id, k1[0].id, out, 16, &n), 0);
    assert_int_equal(n, 0);
    /* Relinking sets the count, never duplicates. */
    assert_int_equal(store_concept_link(fx->st, fx->ta.id, k1[0].id, acme, 7), 0);
    assert_int_equal(store_chunk_concepts(fx->st, fx->ta.id, k1[0].id, out, 16, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(out[0].mentions, 7);

    /* Deleting s2 removes its links and the concepts only it mentioned
     * (umlaut, acme_feat) and the never-linked one; acme and sso stay. */
    assert_int_equal(store_source_delete(fx->st, fx->ta.id, s2.id), 0);
    assert_int_equal(store_concept_list(fx->st, fx->ta.id, NULL, NULL, "", out, 16, &n), 0);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) {
        assert_true(strcmp(out[i].id, acme) == 0 || strcmp(out[i].id, sso) == 0);
        if (strcmp(out[i].id, acme) == 0) {
            assert_int_equal(out[i].mentions, 10);
            assert_int_equal(out[i].source_count, 1);
        }
    }
    char again[SAL_ID_CAP];
    assert_int_equal(store_concept_ensure(fx->st, fx->ta.id, "competitor", "Übersoft", again), 0);
    assert_string_not_equal(again, umlaut); /* it was deleted: a new row */
    assert_int_equal(store_concept_ensure(fx->st, fx->ta.id, "product", "acme cloud", again), 0);
    assert_string_equal(again, acme);
    /* The other tenant's concept is untouched by this tenant's delete. */
    assert_int_equal(store_concept_ensure(fx->st, fx->tb.id, "product", "Acme Cloud", again), 0);
    assert_string_equal(again, acme_b);
    assert_int_equal(chunk_total(fx->st, fx->ta.id, s2.id), 0);
    store_chunk_t gone;
    assert_int_equal(store_chunk_get(fx->st, fx->ta.id, k2[0].id, &gone), SAL_ENOTFOUND);

    for (size_t i = 0; i < n1; i++) store_chunk_clear(&k1[i]);
    for (size_t i = 0; i < n2; i++) store_chunk_clear(&k2[i]);
}

static void test_knowledge_version(void **state) {
    fixture_t *fx = *state;
    int64_t va = -1, vb = -1;
    assert_int_equal(store_knowledge_version(fx->st, fx->ta.id, &va), 0);
    assert_int_equal(va, 0);
    store_source_t s;
    make_source(&s, fx->ta.id, 1, "ready", "faq", "");
    assert_int_equal(store_source_insert(fx->st, &s), 0);
    static chunkset_t cs;
    make_chunks(&cs, 2, 1);
    assert_int_equal(store_chunks_replace(fx->st, fx->ta.id, s.id, cs.c, 2), 0);
    assert_int_equal(store_knowledge_version(fx->st, fx->ta.id, &va), 0);
    assert_int_equal(va, 1);
    assert_int_equal(store_chunks_replace(fx->st, fx->ta.id, s.id, cs.c, 2), 0);
    assert_int_equal(store_knowledge_version(fx->st, fx->ta.id, &va), 0);
    assert_int_equal(va, 2);
    assert_int_equal(store_source_delete(fx->st, fx->ta.id, s.id), 0);
    assert_int_equal(store_knowledge_version(fx->st, fx->ta.id, &va), 0);
    assert_int_equal(va, 3);
    /* A failed call does not bump. */
    assert_int_equal(store_source_delete(fx->st, fx->ta.id, s.id), SAL_ENOTFOUND);
    assert_int_equal(store_chunks_replace(fx->st, fx->ta.id, s.id, cs.c, 2), SAL_ENOTFOUND);
    assert_int_equal(store_knowledge_version(fx->st, fx->ta.id, &va), 0);
    assert_int_equal(va, 3);
    assert_int_equal(store_knowledge_version(fx->st, fx->tb.id, &vb), 0);
    assert_int_equal(vb, 0);
}

/* ---- transactions ------------------------------------------------------- */

typedef struct {
    const char *tenant_id, *source_id;
    chunkset_t *cs;
    size_t n;
    int result;
} replace_arg_t;

static int replace_then(store_t *st, void *arg) {
    replace_arg_t *a = arg;
    int rc = store_chunks_replace(st, a->tenant_id, a->source_id, a->cs->c, a->n);
    if (rc < 0) return rc;
    return a->result;
}

static void test_tx_rollback_keeps_previous_chunks(void **state) {
    fixture_t *fx = *state;
    store_source_t s;
    make_source(&s, fx->ta.id, 1, "ready", "faq", "");
    assert_int_equal(store_source_insert(fx->st, &s), 0);
    static chunkset_t old, fresh;
    make_chunks(&old, 4, 1);
    make_chunks(&fresh, 2, 2);
    assert_int_equal(store_chunks_replace(fx->st, fx->ta.id, s.id, old.c, 4), 0);
    int64_t v0;
    assert_int_equal(store_knowledge_version(fx->st, fx->ta.id, &v0), 0);

    replace_arg_t a = {fx->ta.id, s.id, &fresh, 2, SAL_EIO};
    assert_int_equal(store_tx(fx->st, replace_then, &a), SAL_EIO);
    store_chunk_t out[8];
    size_t n;
    assert_int_equal(store_chunk_list(fx->st, fx->ta.id, s.id, -1, out, 8, &n), 0);
    assert_int_equal(n, 4);
    assert_string_equal(out[3].text, "chunk 3 of seed 1");
    for (size_t i = 0; i < n; i++) store_chunk_clear(&out[i]);
    int64_t v1;
    assert_int_equal(store_knowledge_version(fx->st, fx->ta.id, &v1), 0);
    assert_int_equal(v1, v0);

    /* A failing insert inside the replace (duplicate ordinal) undoes the
     * whole replace even in autocommit mode. */
    make_chunks(&fresh, 2, 2);
    fresh.c[1].ordinal = 0;
    assert_int_equal(store_chunks_replace(fx->st, fx->ta.id, s.id, fresh.c, 2), SAL_EEXIST);
    assert_int_equal(chunk_total(fx->st, fx->ta.id, s.id), 4);

    /* Committed when the function succeeds. */
    make_chunks(&fresh, 2, 2);
    a.result = 0;
    assert_int_equal(store_tx(fx->st, replace_then, &a), 0);
    assert_int_equal(chunk_total(fx->st, fx->ta.id, s.id), 2);
    assert_int_equal(store_knowledge_version(fx->st, fx->ta.id, &v1), 0);
    assert_int_equal(v1, v0 + 1);
}

/* ---- jobs --------------------------------------------------------------- */

static void make_job(store_job_t *j, const char *tenant_id, const char *type, int64_t run_at_ms,
                     int64_t created_ms) {
    memset(j, 0, sizeof *j);
    sal_id_new("job", j->id, sizeof j->id);
    sal_strlcpy(j->tenant_id, tenant_id, sizeof j->tenant_id);
    sal_strlcpy(j->type, type, sizeof j->type);
    snprintf(j->payload, sizeof j->payload, "{\"n\":%lld}", (long long)created_ms);
    sal_strlcpy(j->status, "queued", sizeof j->status);
    j->max_attempts = 3;
    j->run_at_ms = run_at_ms;
    j->created_ms = created_ms;
}

static void test_jobs_claim_order_and_lifecycle(void **state) {
    fixture_t *fx = *state;
    const int64_t now = 1800000000000LL;
    store_job_t j1, j2, j3, future, got;
    make_job(&j2, fx->ta.id, "ingest", now - 500, now - 500);
    make_job(&j1, fx->ta.id, "ingest", now - 900, now - 900); /* inserted later, due earlier */
    make_job(&j3, fx->tb.id, "reindex", now, now);
    make_job(&future, fx->ta.id, "ingest", now + 60000, now - 1000);
    assert_int_equal(store_job_insert(fx->st, &j2), 0);
    assert_int_equal(store_job_insert(fx->st, &j1), 0);
    assert_int_equal(store_job_insert(fx->st, &j3), 0);
    assert_int_equal(store_job_insert(fx->st, &future), 0);
    assert_int_equal(store_job_insert(fx->st, &j1), SAL_EEXIST);

    assert_int_equal(store_job_get(fx->st, fx->ta.id, j1.id, &got), 0);
    assert_string_equal(got.status, "queued");
    assert_string_equal(got.type, "ingest");
    assert_string_equal(got.payload, j1.payload);
    assert_int_equal(got.attempts, 0);
    assert_int_equal(got.max_attempts, 3);
    assert_int_equal(got.run_at_ms, now - 900);
    assert_int_equal(got.created_ms, now - 900);
    assert_int_equal(got.started_ms, 0);
    assert_int_equal(got.finished_ms, 0);
    assert_string_equal(got.error, "");
    assert_int_equal(store_job_get(fx->st, fx->tb.id, j1.id, &got), SAL_ENOTFOUND);

    int64_t cnt;
    assert_int_equal(store_job_count(fx->st, "queued", &cnt), 0);
    assert_int_equal(cnt, 4);

    /* Oldest due first, across tenants; the future one is not due. */
    store_job_t c;
    assert_int_equal(store_job_claim(fx->st, "w1", now, 60000, &c), 0);
    assert_string_equal(c.id, j1.id);
    assert_string_equal(c.status, "running");
    assert_int_equal(c.attempts, 1);
    assert_int_equal(c.lease_until_ms, now + 60000);
    assert_int_equal(c.started_ms, now);
    assert_string_equal(c.worker, "w1");
    assert_string_equal(c.tenant_id, fx->ta.id);
    assert_int_equal(store_job_claim(fx->st, "w1", now, 60000, &c), 0);
    assert_string_equal(c.id, j2.id);
    assert_int_equal(store_job_claim(fx->st, "w1", now, 60000, &c), 0);
    assert_string_equal(c.id, j3.id);
    assert_string_equal(c.tenant_id, fx->tb.id);
    assert_int_equal(store_job_claim(fx->st, "w1", now, 60000, &c), SAL_ENOTFOUND);
    assert_int_equal(store_job_count(fx->st, "running", &cnt), 0);
    assert_int_equal(cnt, 3);

    /* Heartbeat extends the lease and records progress. */
    assert_int_equal(store_job_heartbeat(fx->st, j1.id, now + 90000, 0.25), 0);
    assert_int_equal(store_job_get(fx->st, fx->ta.id, j1.id, &got), 0);
    assert_int_equal(got.lease_until_ms, now + 90000);
    assert_true(got.progress > 0.2499 && got.progress < 0.2501);

    /* The lease of j2 expires: j2 is claimed again, attempts 2, started_ms
     * kept from the first run. j1's renewed lease has not expired. */
    assert_int_equal(store_job_claim(fx->st, "w2", now + 60000, 60000, &c), 0);
    assert_string_equal(c.id, j2.id);
    assert_int_equal(c.attempts, 2);
    assert_int_equal(c.started_ms, now);
    assert_string_equal(c.worker, "w2");
    /* Then j3 (expired lease, due at now) before the job that only now
     * became due (run_at now + 60 s). */
    assert_int_equal(store_job_claim(fx->st, "w2", now + 60000, 60000, &c), 0);
    assert_string_equal(c.id, j3.id);
    assert_int_equal(c.attempts, 2);
    assert_int_equal(store_job_claim(fx->st, "w2", now + 60000, 60000, &c), 0);
    assert_string_equal(c.id, future.id);
    assert_int_equal(c.attempts, 1);
    assert_int_equal(store_job_claim(fx->st, "w2", now + 60000, 60000, &c), SAL_ENOTFOUND);

    /* Retry: back in the queue at run_at with the error, progress reset. */
    assert_int_equal(store_job_heartbeat(fx->st, j2.id, now + 65000, 0.75), 0);
    assert_int_equal(store_job_retry(fx->st, j2.id, now + 70000, "timeout talking to x"), 0);
    assert_int_equal(store_job_get(fx->st, fx->ta.id, j2.id, &got), 0);
    assert_string_equal(got.status, "queued");
    assert_string_equal(got.error, "timeout talking to x");
    assert_int_equal(got.run_at_ms, now + 70000);
    assert_true(got.progress == 0.0);
    assert_int_equal(got.lease_until_ms, 0);
    assert_int_equal(store_job_claim(fx->st, "w3", now + 69999, 60000, &c), SAL_ENOTFOUND);
    assert_int_equal(store_job_claim(fx->st, "w3", now + 70000, 60000, &c), 0);
    assert_string_equal(c.id, j2.id);
    assert_int_equal(c.attempts, 3);

    /* Finish. */
    assert_int_equal(store_job_finish(fx->st, j2.id, "succeeded", "", now + 71000), 0);
    assert_int_equal(store_job_get(fx->st, fx->ta.id, j2.id, &got), 0);
    assert_string_equal(got.status, "succeeded");
    assert_string_equal(got.error, "");
    assert_int_equal(got.finished_ms, now + 71000);
    assert_true(got.progress == 1.0);
    assert_int_equal(store_job_finish(fx->st, j3.id, "failed", "bad PDF", now + 72000), 0);
    assert_int_equal(store_job_get(fx->st, fx->tb.id, j3.id, &got), 0);
    assert_string_equal(got.status, "failed");
    assert_string_equal(got.error, "bad PDF");
    assert_int_equal(store_job_finish(fx->st, j3.id, "done", "", now), SAL_EINVAL);
    assert_int_equal(store_job_finish(fx->st, "job_nope", "failed", "", now), SAL_ENOTFOUND);
    assert_int_equal(store_job_retry(fx->st, "job_nope", now, ""), SAL_ENOTFOUND);
    /* A finished job takes no heartbeat and is never claimed again. */
    assert_int_equal(store_job_heartbeat(fx->st, j2.id, now + 999999, 0.5), SAL_ENOTFOUND);
    assert_int_equal(store_job_claim(fx->st, "w4", now + 10000000, 60000, &c), 0);
    assert_true(strcmp(c.id, j2.id) != 0 && strcmp(c.id, j3.id) != 0);

    assert_int_equal(store_job_count(fx->st, "succeeded", &cnt), 0);
    assert_int_equal(cnt, 1);
    assert_int_equal(store_job_count(fx->st, "failed", &cnt), 0);
    assert_int_equal(cnt, 1);
    assert_int_equal(store_job_count(fx->st, "running", &cnt), 0);
    assert_int_equal(cnt, 2);
    assert_int_equal(store_job_count(fx->st, "queued", &cnt), 0);
    assert_int_equal(cnt, 0);
}

static void test_job_inserted_running_with_expired_lease(void **state) {
    fixture_t *fx = *state;
    const int64_t now = sal_now_ms();
    store_job_t j, c;
    make_job(&j, fx->ta.id, "ingest", now - 10000, now - 10000);
    sal_strlcpy(j.status, "running", sizeof j.status);
    j.attempts = 1;
    j.lease_until_ms = now + 5000;
    assert_int_equal(store_job_insert(fx->st, &j), 0);
    assert_int_equal(store_job_claim(fx->st, "w", now, 1000, &c), SAL_ENOTFOUND);
    assert_int_equal(store_job_claim(fx->st, "w", now + 5000, 1000, &c), 0);
    assert_string_equal(c.id, j.id);
    assert_int_equal(c.attempts, 2);
}

/* Claiming inside an outer transaction joins it: rolled back, the job is
 * claimable again. */
static int claim_then_fail(store_t *st, void *arg) {
    store_job_t c;
    int rc = store_job_claim(st, "tx", *(int64_t *)arg, 1000, &c);
    return rc < 0 ? rc : SAL_EIO;
}

static void test_job_claim_in_outer_tx(void **state) {
    fixture_t *fx = *state;
    int64_t now = 1800000000000LL;
    store_job_t j, c;
    make_job(&j, fx->ta.id, "ingest", now, now);
    assert_int_equal(store_job_insert(fx->st, &j), 0);
    assert_int_equal(store_tx(fx->st, claim_then_fail, &now), SAL_EIO);
    assert_int_equal(store_job_claim(fx->st, "w", now, 1000, &c), 0);
    assert_string_equal(c.id, j.id);
    assert_int_equal(c.attempts, 1);
}

#define CONC_JOBS 200

typedef struct {
    store_t *st;
    char name[16];
    char (*ids)[SAL_ID_CAP];
    int n;
    int errors;
} claimer_t;

static void *claimer(void *arg) {
    claimer_t *w = arg;
    for (;;) {
        store_job_t c;
        int rc = store_job_claim(w->st, w->name, sal_now_ms(), 600000, &c);
        if (rc == SAL_ENOTFOUND) break;
        if (rc < 0) {
            w->errors++;
            if (w->errors > 100) break;
            continue;
        }
        sal_strlcpy(w->ids[w->n++], c.id, SAL_ID_CAP);
        if (store_job_finish(w->st, c.id, "succeeded", "", sal_now_ms()) < 0) w->errors++;
    }
    return NULL;
}

static int cmp_id(const void *a, const void *b) { return strcmp(a, b); }

static void test_jobs_concurrent_claims_exactly_once(void **state) {
    fixture_t *fx = *state;
    int64_t now = sal_now_ms();
    for (int i = 0; i < CONC_JOBS; i++) {
        store_job_t j;
        make_job(&j, fx->ta.id, "ingest", now - CONC_JOBS + i, now);
        assert_int_equal(store_job_insert(fx->st, &j), 0);
    }
    static char ids_a[CONC_JOBS][SAL_ID_CAP], ids_b[CONC_JOBS][SAL_ID_CAP];
    claimer_t a = {.st = fx->st, .name = "a", .ids = ids_a};
    claimer_t b = {.st = fx->st, .name = "b", .ids = ids_b};
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, claimer, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, claimer, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_int_equal(a.errors + b.errors, 0);
    assert_int_equal(a.n + b.n, CONC_JOBS);
    static char all[CONC_JOBS][SAL_ID_CAP];
    memcpy(all, ids_a, sizeof all[0] * (size_t)a.n);
    memcpy(all + a.n, ids_b, sizeof all[0] * (size_t)b.n);
    qsort(all, CONC_JOBS, sizeof all[0], cmp_id);
    for (int i = 1; i < CONC_JOBS; i++) assert_string_not_equal(all[i - 1], all[i]);
    int64_t cnt;
    assert_int_equal(store_job_count(fx->st, "succeeded", &cnt), 0);
    assert_int_equal(cnt, CONC_JOBS);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_source_insert_get_by_sha, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_list_filters_and_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_each, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chunks_replace_get_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chunk_each_ready_only_exact_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concepts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_knowledge_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_rollback_keeps_previous_chunks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jobs_claim_order_and_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_job_inserted_running_with_expired_lease, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_job_claim_in_outer_tx, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jobs_concurrent_claims_exactly_once, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
