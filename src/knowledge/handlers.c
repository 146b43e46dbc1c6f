/* SPDX-License-Identifier: MIT */
/*
 * HTTP glue of knowledge/: the /v1/knowledge handlers and the JSON forms
 * of sources, chunks and concepts. Thin: validate, call the service,
 * render.
 */
#include "knowledge/knowledge_int.h"

#include "knowledge/concepts/concepts.h"

#include <stdlib.h>
#include <string.h>

#define MAX_TAGS      20
#define MAX_TAG_CHARS 50
#define MAX_TEXT      (10u << 20) /* characters of a JSON text source */

static const char *const STATUSES[] = {"pending", "processing", "ready", "failed", NULL};
static const char *const FORMATS[] = {"text", "markdown", "html", NULL};
static const char *const MODES[] = {"hybrid", "vector", "lexical", NULL};
static const char *const CONCEPT_TYPES[] = {"product", "feature",    "benefit",   "metric",
                                            "price",   "competitor", "objection", "industry",
                                            "persona", "keyphrase",  NULL};

/* ---- rendering ------------------------------------------------------------ */

static json_t *str_or_null(const char *s) { return s && *s ? json_string(s) : json_null(); }

static json_t *time_json(int64_t ms) {
    if (ms <= 0) return json_null();
    char t[SAL_TIME_CAP];
    sal_time_format(ms, t);
    return json_string(t);
}

static json_t *tags_json(const char *tags) {
    json_t *a = json_array();
    for (const char *p = tags; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len) json_array_append_new(a, json_stringn(p, len));
        if (!e) break;
        p = e + 1;
    }
    return a;
}

static bool paged(const char *format) {
    return strcmp(format, "pdf") == 0 || strcmp(format, "pptx") == 0;
}

json_t *knowledge_source_json(const store_source_t *s) {
    bool done = strcmp(s->status, "ready") == 0;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(s->id));
    json_object_set_new(o, "title", json_string(s->title));
    json_object_set_new(o, "filename", str_or_null(s->filename));
    json_object_set_new(o, "media_type", json_string(s->media_type));
    json_object_set_new(o, "format", json_string(s->format));
    json_object_set_new(o, "size_bytes", json_integer(s->size_bytes));
    json_object_set_new(o, "sha256", json_string(s->sha256));
    json_object_set_new(o, "source_type", json_string(s->source_type));
    json_object_set_new(o, "tags", tags_json(s->tags));
    json_object_set_new(o, "status", json_string(s->status));
    json_object_set_new(o, "error", str_or_null(s->error));
    json_object_set_new(o, "page_count",
                        done && paged(s->format) ? json_integer(s->page_count) : json_null());
    json_object_set_new(o, "chunk_count", json_integer(s->chunk_count));
    json_object_set_new(o, "concept_count", json_integer(s->concept_count));
    json_object_set_new(o, "token_count", json_integer(s->token_count));
    json_object_set_new(o, "embedding_model", str_or_null(s->embedding_model));
    json_object_set_new(o, "processing_ms", json_integer(s->processing_ms)); /* 0 until done */
    json_object_set_new(o, "job_id", str_or_null(s->job_id));
    json_object_set_new(o, "created_at", time_json(s->created_ms));
    json_object_set_new(o, "updated_at", time_json(s->updated_ms));
    return o;
}

static json_t *concept_ref_json(const store_concept_t *c) {
    return json_pack("{s:s,s:s,s:s}", "id", c->id, "name", c->name, "type", c->type);
}

json_t *knowledge_chunk_json(const store_chunk_t *c, const store_concept_t *concepts, size_t n) {
    json_t *cs = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(cs, concept_ref_json(&concepts[i]));
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(c->id));
    json_object_set_new(o, "source_id", json_string(c->source_id));
    json_object_set_new(o, "ordinal", json_integer(c->ordinal));
    json_object_set_new(o, "text", json_string(c->text ? c->text : ""));
    json_object_set_new(o, "page", c->page > 0 ? json_integer(c->page) : json_null());
    json_object_set_new(o, "section", str_or_null(c->section));
    json_object_set_new(o, "token_count", json_integer(c->token_count));
    json_object_set_new(o, "concepts", cs);
    return o;
}

json_t *knowledge_concept_json(const store_concept_t *c) {
    return json_pack("{s:s,s:s,s:s,s:I,s:I}", "id", c->id, "name", c->name, "type", c->type,
                     "mentions", (json_int_t)c->mentions, "source_count",
                     (json_int_t)c->source_count);
}

/* ---- helpers ---------------------------------------------------------------- */

static knowledge_t *kn_of(http_req_t *req) { return http_req_app(req)->knowledge; }
static const char *tenant_of(http_req_t *req) { return http_req_auth(req)->tenant_id; }

static int field_error(http_req_t *req, const char *field, const char *message) {
    return http_problem_send(req, 400, "the request has invalid fields",
                             json_pack("[{s:s,s:s}]", "field", field, "message", message));
}

static bool one_of(const char *v, const char *const *list) {
    for (; *list; list++)
        if (strcmp(v, *list) == 0) return true;
    return false;
}

/* Characters (code points) of valid UTF-8. */
static size_t u8_chars(const char *s) {
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Checks one tag; NULL when fine, else why not. */
static const char *tag_problem(const char *t, size_t len) {
    if (len == 0) return "tags must not be empty";
    if (!sal_utf8_valid(t, len)) return "tags must be UTF-8";
    size_t chars = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c < 0x20 || c == 0x7f || c == ',') return "tags must not contain commas or controls";
        chars += (c & 0xC0) != 0x80;
    }
    return chars > MAX_TAG_CHARS ? "a tag has at most 50 characters" : NULL;
}

/* Appends a trimmed tag to the comma-joined list. */
static const char *tags_append(char *out, size_t cap, size_t *count, const char *t, size_t len) {
    while (len && (*t == ' ' || *t == '\t')) t++, len--;
    while (len && (t[len - 1] == ' ' || t[len - 1] == '\t')) len--;
    const char *why = tag_problem(t, len);
    if (why) return why;
    if (++*count > MAX_TAGS) return "at most 20 tags";
    size_t o = strlen(out);
    if (o + len + 2 > cap) return "the tags are too long";
    if (o) out[o++] = ',';
    memcpy(out + o, t, len);
    out[o + len] = '\0';
    return NULL;
}

static int add_failed(http_req_t *req, int rc, const char *err) {
    if (rc == SAL_EINVAL) return http_problem_send(req, 415, err, NULL);
    return http_problem_send(req, 500, NULL, NULL);
}

static int send_added(http_req_t *req, const store_source_t *s, bool duplicate) {
    json_t *o = knowledge_source_json(s);
    json_object_set_new(o, "duplicate", json_boolean(duplicate));
    char loc[96];
    snprintf(loc, sizeof loc, "/v1/knowledge/sources/%s", s->id);
    http_header_add(req, "Location", loc);
    return http_send_json(req, duplicate ? 200 : 202, o);
}

/* ---- POST /v1/knowledge/sources ------------------------------------------- */

static int create_multipart(http_req_t *req, const http_part_t *parts, size_t np) {
    const http_part_t *file = http_form_get(parts, np, "file");
    if (!file || !file->path) return field_error(req, "file", "is required (a file part)");
    if (file->size == 0) return field_error(req, "file", "is empty");
    const http_part_t *title = http_form_get(parts, np, "title");
    const http_part_t *type = http_form_get(parts, np, "source_type");
    const http_part_t *tags = http_form_get(parts, np, "tags");
    if (title && (!title->value || !sal_utf8_valid(title->value, title->len) ||
                  memchr(title->value, 0, title->len) || u8_chars(title->value) > 200))
        return field_error(req, "title", "must be UTF-8 text of at most 200 characters");
    if (type && (!type->value || !one_of(type->value, knowledge_source_types)))
        return field_error(req, "source_type",
                           "must be one of product_sheet, playbook, "
                           "case_study, pricing, battlecard, faq, other");
    char tagbuf[STORE_TAGS_CAP] = "";
    size_t ntags = 0;
    if (tags && tags->value) {
        const char *p = tags->value, *end = tags->value + tags->len;
        while (p < end) {
            const char *c = memchr(p, ',', (size_t)(end - p));
            size_t len = c ? (size_t)(c - p) : (size_t)(end - p);
            const char *why = tags_append(tagbuf, sizeof tagbuf, &ntags, p, len);
            if (why) return field_error(req, "tags", why);
            p += len + 1;
        }
    }
    const http_auth_t *auth = http_req_auth(req);
    knowledge_add_t a = {.tenant_id = auth->tenant_id,
                         .title = title ? title->value : NULL,
                         .filename = file->filename,
                         .source_type = type ? type->value : NULL,
                         .tags = tagbuf,
                         .actor = auth->key_id,
                         .request_id = http_req_id(req)};
    store_source_t *s = sal_arena_alloc(http_req_arena(req), sizeof *s);
    bool dup = false;
    char err[256] = "";
    int rc = knowledge_source_add_file(kn_of(req), &a, file->path, file->size, file->sha256, s,
                                       &dup, err, sizeof err);
    if (rc < 0) return add_failed(req, rc, err);
    return send_added(req, s, dup);
}

static const sal_field_t TEXT_FIELDS[] = {
    {"title", SAL_JT_STRING, false, 1, 200, NULL},
    {"text", SAL_JT_STRING, true, 1, MAX_TEXT, NULL},
    {"format", SAL_JT_STRING, false, 0, 0, FORMATS},
    {"source_type", SAL_JT_STRING, false, 0, 0, knowledge_source_types},
    {"tags", SAL_JT_STRING_ARRAY, false, 0, MAX_TAGS, NULL},
};

/* Fields sent as null: an error each (these bodies have no nullable
 * fields; leave a field out to get its default). */
static void reject_nulls(const json_t *body, json_t *errors) {
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)body, k, v) {
        if (json_is_null(v))
            json_array_append_new(errors, json_pack("{s:s,s:s}", "field", k, "message",
                                                    "must not be null; leave it out instead"));
    }
}

static bool blank(const char *s) {
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r') return false;
    return true;
}

static int create_json(http_req_t *req) {
    json_t *body;
    if (http_req_json(req, &body) < 0) return 0;
    json_t *errors = sal_json_validate(body, TEXT_FIELDS, 5, true);
    reject_nulls(body, errors);
    const char *text = json_string_value(json_object_get(body, "text"));
    if (json_array_size(errors) == 0 && text && blank(text))
        json_array_append_new(
            errors, json_pack("{s:s,s:s}", "field", "text", "message", "must not be empty"));
    char tagbuf[STORE_TAGS_CAP] = "";
    size_t ntags = 0, i;
    json_t *t;
    json_array_foreach(
        json_is_array(json_object_get(body, "tags")) ? json_object_get(body, "tags") : NULL, i, t) {
        if (json_array_size(errors)) break;
        const char *why = json_is_string(t)
                              ? tags_append(tagbuf, sizeof tagbuf, &ntags, json_string_value(t),
                                            json_string_length(t))
                              : "must be strings";
        if (why)
            json_array_append_new(errors, json_pack("{s:s,s:s}", "field", "tags", "message", why));
    }
    if (json_array_size(errors)) {
        json_decref(body);
        return http_problem_send(req, 400, "the request body has invalid fields", errors);
    }
    json_decref(errors);
    const char *fmt = json_string_value(json_object_get(body, "format"));
    kx_format_t f = !fmt || strcmp(fmt, "text") == 0 ? KX_FMT_TEXT
                    : strcmp(fmt, "markdown") == 0   ? KX_FMT_MARKDOWN
                                                     : KX_FMT_HTML;
    const char *title = json_string_value(json_object_get(body, "title"));
    char derived[256];
    if (!title) { /* the first line, cut at a word near 80 characters */
        size_t n = strcspn(text, "\r\n");
        while (n && (unsigned char)text[0] <= ' ') text++, n--;
        size_t cut = n < 80 ? n : 80;
        while (cut < n && ((unsigned char)text[cut] & 0xC0) == 0x80) cut++;
        snprintf(derived, sizeof derived, "%.*s", (int)cut, text);
        title = derived;
        text = json_string_value(json_object_get(body, "text"));
    }
    const http_auth_t *auth = http_req_auth(req);
    knowledge_add_t a = {.tenant_id = auth->tenant_id,
                         .title = title,
                         .source_type = json_string_value(json_object_get(body, "source_type")),
                         .tags = tagbuf,
                         .format = f,
                         .actor = auth->key_id,
                         .request_id = http_req_id(req)};
    store_source_t *s = sal_arena_alloc(http_req_arena(req), sizeof *s);
    bool dup = false;
    char err[256] = "";
    int rc =
        knowledge_source_add_bytes(kn_of(req), &a, text, strlen(text), s, &dup, err, sizeof err);
    json_decref(body);
    if (rc < 0) return add_failed(req, rc, err);
    return send_added(req, s, dup);
}

static int sources_create(http_req_t *req) {
    const http_part_t *parts;
    size_t np;
    int rc = http_req_form(req, &parts, &np);
    if (rc == 0) return create_multipart(req, parts, np);
    if (rc != SAL_ENOTFOUND) return 0; /* the 400 was sent */
    return create_json(req);
}

/* ---- sources ---------------------------------------------------------------- */

static int sources_list(http_req_t *req) {
    int limit;
    char cursor[64];
    if (http_req_page(req, &limit, cursor, sizeof cursor) < 0) return 0;
    store_source_filter_t f = {.status = http_req_query(req, "status"),
                               .source_type = http_req_query(req, "source_type"),
                               .tag = http_req_query(req, "tag")};
    if (f.status && !one_of(f.status, STATUSES))
        return field_error(req, "status", "must be pending, processing, ready or failed");
    if (f.source_type && !one_of(f.source_type, knowledge_source_types))
        return field_error(req, "source_type", "is not a source type");
    store_source_t *page = sal_arena_alloc(http_req_arena(req), 101 * sizeof *page);
    size_t n = 0;
    if (store_source_list(http_req_app(req)->store, tenant_of(req), &f, cursor, page,
                          (size_t)limit + 1, &n) < 0)
        return http_problem_send(req, 500, NULL, NULL);
    size_t shown = n > (size_t)limit ? (size_t)limit : n;
    json_t *items = json_array();
    for (size_t i = 0; i < shown; i++)
        json_array_append_new(items, knowledge_source_json(&page[i]));
    return http_send_page(req, items, n > (size_t)limit ? page[shown - 1].id : NULL);
}

/* Loads the source named by the {id} parameter, or answers 404. */
static int source_param(http_req_t *req, store_source_t *out) {
    const char *id = http_req_param(req, "id");
    int rc = sal_id_valid(id, "src")
                 ? store_source_get(http_req_app(req)->store, tenant_of(req), id, out)
                 : SAL_ENOTFOUND;
    if (rc == SAL_ENOTFOUND)
        http_problem_send(req, 404, "no such source", NULL);
    else if (rc < 0)
        http_problem_send(req, 500, NULL, NULL);
    return rc;
}

static int sources_get(http_req_t *req) {
    store_source_t *s = sal_arena_alloc(http_req_arena(req), sizeof *s);
    if (source_param(req, s) < 0) return 0;
    return http_send_json(req, 200, knowledge_source_json(s));
}

static int sources_delete(http_req_t *req) {
    const char *id = http_req_param(req, "id");
    const http_auth_t *auth = http_req_auth(req);
    int rc = sal_id_valid(id, "src") ? knowledge_source_delete(kn_of(req), auth->tenant_id, id,
                                                               auth->key_id, http_req_id(req))
                                     : SAL_ENOTFOUND;
    if (rc == SAL_ENOTFOUND) return http_problem_send(req, 404, "no such source", NULL);
    if (rc < 0) return http_problem_send(req, 500, NULL, NULL);
    return http_send_json(req, 204, NULL);
}

static int sources_reindex(http_req_t *req) {
    const char *id = http_req_param(req, "id");
    char job[SAL_ID_CAP];
    int rc = sal_id_valid(id, "src") ? knowledge_source_reindex(kn_of(req), tenant_of(req), id, job)
                                     : SAL_ENOTFOUND;
    if (rc == SAL_ENOTFOUND) return http_problem_send(req, 404, "no such source", NULL);
    if (rc < 0) return http_problem_send(req, 500, NULL, NULL);
    char loc[96];
    snprintf(loc, sizeof loc, "/v1/jobs/%s", job);
    http_header_add(req, "Location", loc);
    return http_send_json(req, 202, json_pack("{s:s,s:s}", "job_id", job, "source_id", id));
}

/* ---- chunks ------------------------------------------------------------------ */

static json_t *chunk_with_concepts(http_req_t *req, const store_chunk_t *c) {
    store_concept_t *cs = sal_arena_alloc(http_req_arena(req), 64 * sizeof *cs);
    size_t n = 0;
    if (store_chunk_concepts(http_req_app(req)->store, tenant_of(req), c->id, cs, 64, &n) < 0)
        n = 0;
    return knowledge_chunk_json(c, cs, n);
}

static int chunks_list(http_req_t *req) {
    store_source_t *s = sal_arena_alloc(http_req_arena(req), sizeof *s);
    if (source_param(req, s) < 0) return 0;
    int limit;
    char cursor[64];
    if (http_req_page(req, &limit, cursor, sizeof cursor) < 0) return 0;
    int after = -1;
    if (cursor[0]) {
        char *end;
        long v = strtol(cursor, &end, 10);
        if (*end || v < 0 || v > 10000000)
            return field_error(req, "cursor", "is not a cursor this API returned");
        after = (int)v;
    }
    store_chunk_t *page = sal_arena_alloc(http_req_arena(req), 101 * sizeof *page);
    memset(page, 0, 101 * sizeof *page);
    size_t n = 0;
    if (store_chunk_list(http_req_app(req)->store, tenant_of(req), s->id, after, page,
                         (size_t)limit + 1, &n) < 0)
        return http_problem_send(req, 500, NULL, NULL);
    size_t shown = n > (size_t)limit ? (size_t)limit : n;
    json_t *items = json_array();
    for (size_t i = 0; i < shown; i++)
        json_array_append_new(items, chunk_with_concepts(req, &page[i]));
    char ord[24] = "";
    if (n > (size_t)limit) snprintf(ord, sizeof ord, "%d", page[shown - 1].ordinal);
    for (size_t i = 0; i < n; i++) store_chunk_clear(&page[i]);
    return http_send_page(req, items, ord[0] ? ord : NULL);
}

static int chunks_get(http_req_t *req) {
    const char *id = http_req_param(req, "id");
    store_chunk_t c = {0};
    int rc = sal_id_valid(id, "chk")
                 ? store_chunk_get(http_req_app(req)->store, tenant_of(req), id, &c)
                 : SAL_ENOTFOUND;
    if (rc == SAL_ENOTFOUND) return http_problem_send(req, 404, "no such chunk", NULL);
    if (rc < 0) return http_problem_send(req, 500, NULL, NULL);
    json_t *o = chunk_with_concepts(req, &c);
    store_chunk_clear(&c);
    return http_send_json(req, 200, o);
}

/* ---- concepts ------------------------------------------------------------------ */

static int concepts_list(http_req_t *req) {
    int limit;
    char cursor[64];
    if (http_req_page(req, &limit, cursor, sizeof cursor) < 0) return 0;
    const char *q = http_req_query(req, "q");
    const char *type = http_req_query(req, "type");
    if (type && !one_of(type, CONCEPT_TYPES))
        return field_error(req, "type", "is not a concept type");
    if (q && (!sal_utf8_valid(q, strlen(q)) || u8_chars(q) > 200))
        return field_error(req, "q", "must be UTF-8 text of at most 200 characters");
    store_concept_t *page = sal_arena_alloc(http_req_arena(req), 101 * sizeof *page);
    size_t n = 0;
    if (store_concept_list(http_req_app(req)->store, tenant_of(req), q && *q ? q : NULL, type,
                           cursor, page, (size_t)limit + 1, &n) < 0)
        return http_problem_send(req, 500, NULL, NULL);
    size_t shown = n > (size_t)limit ? (size_t)limit : n;
    json_t *items = json_array();
    for (size_t i = 0; i < shown; i++)
        json_array_append_new(items, knowledge_concept_json(&page[i]));
    return http_send_page(req, items, n > (size_t)limit ? page[shown - 1].id : NULL);
}

/* ---- search -------------------------------------------------------------------- */

static const sal_field_t SEARCH_FIELDS[] = {
    {"query", SAL_JT_STRING, true, 0, 1000, NULL},
    {"top_k", SAL_JT_INT, false, 1, 100, NULL},
    {"mode", SAL_JT_STRING, false, 0, 0, MODES},
    {"filters", SAL_JT_OBJECT, false, 0, 0, NULL},
};
static const sal_field_t FILTER_FIELDS[] = {
    {"source_ids", SAL_JT_STRING_ARRAY, false, 0, 100, NULL},
    {"source_types", SAL_JT_STRING_ARRAY, false, 0, 0, knowledge_source_types},
    {"tags", SAL_JT_STRING_ARRAY, false, 0, MAX_TAGS, NULL},
    {"concept_types", SAL_JT_STRING_ARRAY, false, 0, 0, CONCEPT_TYPES},
};

/* The strings of a validated array as an arena list. */
static const char *const *str_list(sal_arena_t *a, const json_t *arr, size_t *n) {
    *n = json_array_size(arr);
    const char **l = sal_arena_alloc(a, (*n ? *n : 1) * sizeof *l);
    for (size_t i = 0; i < *n; i++) l[i] = json_string_value(json_array_get(arr, i));
    return l;
}

static json_t *result_json(const knowledge_result_t *r) {
    json_t *hl = json_array();
    for (size_t i = 0; i < r->nhighlights; i++)
        json_array_append_new(hl, json_string(r->highlights[i]));
    json_t *cs = json_array();
    for (size_t i = 0; i < r->nconcepts; i++)
        json_array_append_new(cs, concept_ref_json(&r->concepts[i]));
    json_t *scores = json_object();
    /* 0 when the chunk was not in that list (ranks say which it was in). */
    json_object_set_new(scores, "vector", json_real(r->hit.vector_rank ? r->hit.vector_score : 0));
    json_object_set_new(scores, "lexical",
                        json_real(r->hit.lexical_rank ? r->hit.lexical_score : 0));
    json_object_set_new(scores, "fused", json_real(r->hit.fused));
    json_t *o = json_object();
    json_object_set_new(o, "chunk_id", json_string(r->hit.chunk_id));
    json_object_set_new(o, "source_id", json_string(r->hit.source_id));
    json_object_set_new(o, "source_title", json_string(r->source_title));
    json_object_set_new(o, "filename", str_or_null(r->filename));
    json_object_set_new(o, "page", r->chunk.page > 0 ? json_integer(r->chunk.page) : json_null());
    json_object_set_new(o, "section", str_or_null(r->chunk.section));
    json_object_set_new(o, "ordinal", json_integer(r->chunk.ordinal));
    json_object_set_new(o, "text", json_string(r->chunk.text));
    json_object_set_new(o, "highlights", hl);
    json_object_set_new(o, "score", json_real(r->hit.fused));
    json_object_set_new(o, "scores", scores);
    json_object_set_new(o, "concepts", cs);
    return o;
}

json_t *knowledge_results_json(const char *query, const char *mode, const knowledge_results_t *r) {
    json_t *results = json_array();
    for (size_t i = 0; i < r->n; i++) json_array_append_new(results, result_json(&r->items[i]));
    return json_pack("{s:s,s:s,s:f,s:f,s:o}", "query", query, "mode", mode, "took_ms", r->took_ms,
                     "embed_ms", r->embed_ms, "results", results);
}

static int search(http_req_t *req) {
    json_t *body;
    if (http_req_json(req, &body) < 0) return 0;
    json_t *errors = sal_json_validate(body, SEARCH_FIELDS, 4, true);
    reject_nulls(body, errors);
    json_t *filters = json_object_get(body, "filters");
    if (json_is_object(filters)) {
        json_t *fe = sal_json_validate(filters, FILTER_FIELDS, 4, true);
        size_t i;
        json_t *e;
        json_array_foreach(fe, i, e) {
            const char *f = json_string_value(json_object_get(e, "field"));
            char name[96];
            snprintf(name, sizeof name, "filters.%s", f ? f : "");
            json_object_set_new(e, "field", json_string(name));
            json_array_append(errors, e);
        }
        json_decref(fe);
    }
    const char *query = json_string_value(json_object_get(body, "query"));
    if (json_array_size(errors) == 0 && query && blank(query))
        json_array_append_new(
            errors, json_pack("{s:s,s:s}", "field", "query", "message", "must not be empty"));
    if (json_array_size(errors)) {
        json_decref(body);
        return http_problem_send(req, 400, "the request body has invalid fields", errors);
    }
    json_decref(errors);
    sal_arena_t *a = http_req_arena(req);
    const char *mode = json_string_value(json_object_get(body, "mode"));
    knowledge_query_t q = {
        .tenant_id = tenant_of(req),
        .query = query,
        .mode = !mode || strcmp(mode, "hybrid") == 0 ? KIX_HYBRID
                : strcmp(mode, "vector") == 0        ? KIX_VECTOR
                                                     : KIX_LEXICAL,
        .top_k = json_is_integer(json_object_get(body, "top_k"))
                     ? (int)json_integer_value(json_object_get(body, "top_k"))
                     : 10,
    };
    q.source_ids = str_list(a, json_object_get(filters, "source_ids"), &q.nsource_ids);
    q.source_types = str_list(a, json_object_get(filters, "source_types"), &q.nsource_types);
    q.tags = str_list(a, json_object_get(filters, "tags"), &q.ntags);
    size_t nct, i;
    const char *const *ct = str_list(a, json_object_get(filters, "concept_types"), &nct);
    for (i = 0; i < nct; i++) {
        kcon_type_t t;
        if (kcon_type_parse(ct[i], &t) == 0) q.concept_types |= 1u << t;
    }
    knowledge_results_t r;
    int rc = knowledge_search(kn_of(req), &q, &r);
    if (rc == SAL_EUNAVAIL) {
        json_decref(body);
        http_header_add(req, "Retry-After", "30");
        return http_problem_send(req, 503,
                                 "vector search needs the embedding model, which is "
                                 "not loaded",
                                 NULL);
    }
    if (rc < 0) {
        json_decref(body);
        return http_problem_send(req, 500, NULL, NULL);
    }
    json_t *out = knowledge_results_json(query, mode ? mode : "hybrid", &r);
    knowledge_results_free(&r);
    json_decref(body);
    return http_send_json(req, 200, out);
}

const http_route_t knowledge_routes[] = {
    {"POST", "/v1/knowledge/sources", sources_create, HTTP_SCOPE_WRITE, HTTP_ROUTE_UPLOAD},
    {"GET", "/v1/knowledge/sources", sources_list, HTTP_SCOPE_READ},
    {"GET", "/v1/knowledge/sources/{id}", sources_get, HTTP_SCOPE_READ},
    {"DELETE", "/v1/knowledge/sources/{id}", sources_delete, HTTP_SCOPE_WRITE},
    {"POST", "/v1/knowledge/sources/{id}/reindex", sources_reindex, HTTP_SCOPE_WRITE},
    {"GET", "/v1/knowledge/sources/{id}/chunks", chunks_list, HTTP_SCOPE_READ},
    {"GET", "/v1/knowledge/chunks/{id}", chunks_get, HTTP_SCOPE_READ},
    {"POST", "/v1/knowledge/search", search, HTTP_SCOPE_READ},
    {"GET", "/v1/knowledge/concepts", concepts_list, HTTP_SCOPE_READ},
};
const size_t knowledge_routes_n = sizeof knowledge_routes / sizeof knowledge_routes[0];
