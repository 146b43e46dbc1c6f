/* SPDX-License-Identifier: MIT */
/*
 * salient ingest | search | seed: the knowledge service from the command
 * line, on the same data directory (or DATABASE_URL) as the server. Ingest
 * and seed queue each document like an upload would and then run the
 * queued jobs right here; a server running on the same data sees the new
 * knowledge at its next search.
 */
#include "cli/cli.h"
#include "knowledge/knowledge.h"

#include <dirent.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Everything a knowledge command needs, opened in order, closed in
 * reverse. */
typedef struct {
    sal_config_t cfg;
    store_t *st;
    embed_model_t *model;
    queue_t *q;
    knowledge_t *kn;
    store_tenant_t tenant;
} kctx_t;

static void kctx_close(kctx_t *c) {
    knowledge_close(c->kn);
    queue_close(c->q);
    embed_model_free(c->model);
    store_close(c->st);
    sal_config_free(&c->cfg);
}

/* create_tenant: make the tenant when missing (ingest, seed), or require
 * it (search). */
static int kctx_open(kctx_t *c, const char *cmd, const char *tenant, bool need_model,
                     bool create_tenant) {
    memset(c, 0, sizeof *c);
    int rc = cli_config(&c->cfg);
    if (rc) return rc;
    if ((rc = cli_store(&c->cfg, &c->st))) {
        sal_config_free(&c->cfg);
        return rc;
    }
    rc = create_tenant ? store_tenant_ensure(c->st, tenant, &c->tenant)
                       : store_tenant_find(c->st, tenant, &c->tenant);
    if (rc < 0) {
        fprintf(stderr, "salient %s: %s tenant %s\n", cmd,
                rc == SAL_ENOTFOUND ? "no such" : "cannot open the", tenant);
        kctx_close(c);
        return 1;
    }
    char err[512];
    if (embed_model_load(c->cfg.model_dir, &c->model, err, sizeof err) < 0) {
        if (need_model) {
            fprintf(stderr, "salient %s: %s (run `make model` or `salient model fetch`)\n", cmd,
                    err);
            kctx_close(c);
            return 1;
        }
        c->model = NULL;
    }
    knowledge_opts_t o = {
        .store = c->st, .model = c->model, .data_dir = c->cfg.data_dir, .embed_threads = 0};
    if (queue_open(c->st, &c->q) < 0 || (o.queue = c->q, knowledge_open(&o, &c->kn) < 0)) {
        fprintf(stderr, "salient %s: cannot open the knowledge store\n", cmd);
        kctx_close(c);
        return 1;
    }
    return 0;
}

/* ---- ingest ------------------------------------------------------------------ */

/* Reads a whole file of at most 100 MB. */
static int read_file(const char *path, char **out, size_t *len, char *err, size_t errcap) {
    FILE *f = fopen(path, "rb");
    struct stat sb;
    if (!f || fstat(fileno(f), &sb) < 0 || !S_ISREG(sb.st_mode)) {
        if (f) fclose(f);
        sal_errf(err, errcap, "cannot read the file");
        return SAL_EIO;
    }
    if (sb.st_size > (off_t)100 << 20) {
        fclose(f);
        sal_errf(err, errcap, "the file is larger than 100 MB");
        return SAL_ELIMIT;
    }
    *len = (size_t)sb.st_size;
    *out = xmalloc(*len + 1);
    size_t got = fread(*out, 1, *len, f);
    fclose(f);
    if (got != *len) {
        free(*out);
        sal_errf(err, errcap, "cannot read the file");
        return SAL_EIO;
    }
    return 0;
}

/* Waits until the source is no longer pending or processing: the job ran
 * here, or on a server's worker that claimed it first. */
static void wait_done(kctx_t *c, store_source_t *s) {
    for (int i = 0; i < 6000; i++) {
        int ran = 0;
        queue_drain(c->q, &ran);
        if (store_source_get(c->st, c->tenant.id, s->id, s) < 0) return;
        bool busy = strcmp(s->status, "pending") == 0 || strcmp(s->status, "processing") == 0;
        if (!busy) return;
        if (!ran) usleep(100 * 1000);
    }
}

typedef struct {
    int ready, failed, duplicates, chunks;
    size_t done, total;
    bool tty, json;
} tally_t;

static void progress(const tally_t *t, const char *name) {
    if (!t->tty) return;
    int width = 30, filled = t->total ? (int)(width * t->done / t->total) : width;
    fprintf(stderr, "\r[%.*s%*s] %zu/%zu %-40.40s", filled, "##############################",
            width - filled, "", t->done, t->total, name);
    if (t->done == t->total) fputc('\n', stderr);
    fflush(stderr);
}

/* Adds one file and runs its ingestion; reports the outcome. */
static void ingest_one(kctx_t *c, const char *path, const char *type, const char *tags,
                       tally_t *t) {
    char err[512] = "";
    char *buf = NULL;
    size_t len = 0;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    store_source_t s;
    bool dup = false;
    int rc = read_file(path, &buf, &len, err, sizeof err);
    if (rc == 0) {
        knowledge_add_t a = {.tenant_id = c->tenant.id,
                             .filename = base,
                             .source_type = type,
                             .tags = tags,
                             .actor = "cli"};
        rc = knowledge_source_add_bytes(c->kn, &a, buf, len, &s, &dup, err, sizeof err);
        free(buf);
    }
    if (rc == 0 && !dup) wait_done(c, &s);
    t->done++;
    if (rc < 0 || strcmp(s.status, "failed") == 0) {
        t->failed++;
        if (t->tty) fputc('\n', stderr);
        fprintf(stderr, "salient ingest: %s: %s\n", path, rc < 0 ? err : s.error);
    } else if (dup) {
        t->duplicates++;
    } else {
        t->ready += strcmp(s.status, "ready") == 0;
        t->chunks += s.chunk_count;
    }
    if (t->json && rc == 0) {
        json_t *j = knowledge_source_json(&s);
        json_object_set_new(j, "duplicate", json_boolean(dup));
        json_object_set_new(j, "path", json_string(path));
        json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
        json_decref(j);
    }
    progress(t, base);
}

static int ingest_usage(const char *cmd) {
    fprintf(stderr,
            "usage: salient %s [--tenant NAME] [--type SOURCE_TYPE] [--tags a,b] [--json] %s\n",
            cmd, strcmp(cmd, "seed") == 0 ? "[DIR]" : "FILE...");
    return 2;
}

static void summary(const tally_t *t, double ms) {
    fprintf(stderr,
            "ingested %zu file(s): %d ready, %d failed, %d already present; %d chunks in %.1f s\n",
            t->total, t->ready, t->failed, t->duplicates, t->chunks, ms / 1000.0);
}

typedef struct {
    const char *tenant, *type, *tags;
    bool json;
} ingest_opts_t;

static int parse_ingest(int argc, char **argv, ingest_opts_t *o) {
    static const struct option LONG[] = {{"tenant", required_argument, NULL, 't'},
                                         {"type", required_argument, NULL, 'y'},
                                         {"tags", required_argument, NULL, 'g'},
                                         {"json", no_argument, NULL, 'j'},
                                         {NULL, 0, NULL, 0}};
    *o = (ingest_opts_t){.tenant = "acme"};
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "", LONG, NULL)) != -1) {
        if (ch == 't')
            o->tenant = optarg;
        else if (ch == 'y')
            o->type = optarg;
        else if (ch == 'g')
            o->tags = optarg;
        else if (ch == 'j')
            o->json = true;
        else
            return -1;
    }
    if (o->type) {
        bool ok = false;
        for (const char *const *t = knowledge_source_types; *t && !ok; t++)
            ok = !strcmp(*t, o->type);
        if (!ok) {
            fprintf(stderr, "salient: --type must be one of product_sheet, playbook, case_study, "
                            "pricing, battlecard, faq, other\n");
            return -1;
        }
    }
    return 0;
}

int cmd_ingest(int argc, char **argv) {
    ingest_opts_t o;
    if (parse_ingest(argc, argv, &o) < 0 || optind >= argc) return ingest_usage("ingest");
    kctx_t c;
    int rc = kctx_open(&c, "ingest", o.tenant, true, true);
    if (rc) return rc;
    tally_t t = {.total = (size_t)(argc - optind), .tty = isatty(2), .json = o.json};
    double t0 = sal_mono_ms();
    for (int i = optind; i < argc; i++) ingest_one(&c, argv[i], o.type, o.tags, &t);
    summary(&t, sal_mono_ms() - t0);
    kctx_close(&c);
    return t.failed ? 1 : 0;
}

/* ---- seed --------------------------------------------------------------------- */

/* A source type from a sample's file name. */
static const char *type_from_name(const char *name) {
    static const struct {
        const char *part, *type;
    } MAP[] = {{"product", "product_sheet"}, {"pricing", "pricing"},   {"playbook", "playbook"},
               {"case", "case_study"},       {"battle", "battlecard"}, {"faq", "faq"}};
    for (size_t i = 0; i < sizeof MAP / sizeof MAP[0]; i++)
        if (strstr(name, MAP[i].part)) return MAP[i].type;
    return "other";
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int cmd_seed(int argc, char **argv) {
    ingest_opts_t o;
    if (parse_ingest(argc, argv, &o) < 0 || argc - optind > 1) return ingest_usage("seed");
    const char *dir = optind < argc ? argv[optind] : "samples/knowledge";
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr,
                "salient seed: cannot open %s (run it from the repository root, or "
                "name the directory)\n",
                dir);
        return 1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) names = xrealloc(names, (cap = cap ? cap * 2 : 16) * sizeof *names);
        names[n++] = xstrdup(e->d_name);
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, by_name);
    kctx_t c;
    int rc = kctx_open(&c, "seed", o.tenant, true, true);
    if (rc == 0) {
        tally_t t = {.total = n, .tty = isatty(2), .json = o.json};
        double t0 = sal_mono_ms();
        for (size_t i = 0; i < n; i++) {
            char path[4096];
            if (!sal_path_join(path, sizeof path, dir, names[i])) continue;
            ingest_one(&c, path, o.type ? o.type : type_from_name(names[i]),
                       o.tags ? o.tags : "sample", &t);
        }
        summary(&t, sal_mono_ms() - t0);
        fprintf(stderr, "seeded tenant %s (%s) from %s\n", c.tenant.name, c.tenant.id, dir);
        rc = t.failed ? 1 : 0;
        kctx_close(&c);
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    return rc;
}

/* ---- search -------------------------------------------------------------------- */

int cmd_search(int argc, char **argv) {
    static const struct option LONG[] = {{"tenant", required_argument, NULL, 't'},
                                         {"mode", required_argument, NULL, 'm'},
                                         {"top-k", required_argument, NULL, 'k'},
                                         {"json", no_argument, NULL, 'j'},
                                         {NULL, 0, NULL, 0}};
    const char *tenant = "acme", *mode = "hybrid";
    int top_k = 5;
    bool as_json = false;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "", LONG, NULL)) != -1) {
        if (ch == 't')
            tenant = optarg;
        else if (ch == 'm')
            mode = optarg;
        else if (ch == 'k')
            top_k = atoi(optarg);
        else if (ch == 'j')
            as_json = true;
        else
            optind = argc + 1;
    }
    kix_mode_t m = !strcmp(mode, "hybrid")    ? KIX_HYBRID
                   : !strcmp(mode, "vector")  ? KIX_VECTOR
                   : !strcmp(mode, "lexical") ? KIX_LEXICAL
                                              : (kix_mode_t)-1;
    if (optind != argc - 1 || (int)m < 0 || top_k < 1 || top_k > 100) {
        fprintf(stderr, "usage: salient search [--tenant NAME] [--mode hybrid|vector|lexical] "
                        "[--top-k 1..100] [--json] TEXT\n");
        return 2;
    }
    const char *text = argv[optind];
    if (!*text || !sal_utf8_valid(text, strlen(text))) {
        fprintf(stderr, "salient search: the query must be non-empty UTF-8 text\n");
        return 2;
    }
    kctx_t c;
    int rc = kctx_open(&c, "search", tenant, m == KIX_VECTOR, false);
    if (rc) return rc;
    knowledge_query_t q = {.tenant_id = c.tenant.id, .query = text, .mode = m, .top_k = top_k};
    knowledge_results_t r;
    rc = knowledge_search(c.kn, &q, &r);
    if (rc < 0) {
        fprintf(stderr, "salient search: %s\n", sal_strerror(rc));
        kctx_close(&c);
        return 1;
    }
    if (as_json) {
        json_t *j = knowledge_results_json(text, mode, &r);
        json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
        json_decref(j);
    }
    for (size_t i = 0; i < r.n && !as_json; i++) {
        const knowledge_result_t *x = &r.items[i];
        char where[64] = "";
        if (x->chunk.page > 0) snprintf(where, sizeof where, ", p. %d", x->chunk.page);
        printf("%2zu. %.4f  %s%s%s%s\n", i + 1, x->hit.fused, x->source_title, where,
               x->chunk.section && *x->chunk.section ? " — " : "",
               x->chunk.section ? x->chunk.section : "");
        size_t len = strlen(x->chunk.text), cut = len < 240 ? len : 240;
        while (cut < len && ((unsigned char)x->chunk.text[cut] & 0xC0) == 0x80) cut++;
        printf("    %.*s%s\n", (int)cut, x->chunk.text, cut < len ? "…" : "");
    }
    if (!as_json) fprintf(stderr, "%zu result(s) in %.1f ms (%s)\n", r.n, r.took_ms, mode);
    knowledge_results_free(&r);
    kctx_close(&c);
    return 0;
}
