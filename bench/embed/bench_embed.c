/* SPDX-License-Identifier: MIT */
/*
 * bench_embed — throughput, latency and achieved GFLOP/s of our embedding
 * engine, measured only through the public embed.h, printed as one JSON
 * object (bench/embed/run.sh puts it beside ONNX Runtime's numbers).
 *
 * Over the corpus (one text per line, file order) in consecutive batches of
 * 1, 8 and 32 texts, every call tokenising inside the timed region:
 *   t1           embed_texts on one context, OpenBLAS on 1 thread
 *   t2-blas      embed_texts on one context, OpenBLAS on 2 threads
 *   t2-parallel  embed_texts_parallel(threads = 2) per batch
 * then the whole corpus in one embed_texts_parallel call (mode "stream", the
 * ingestion path), and the latency of one 12-token query (p50/p95/p99 after
 * a warm-up) on one context with OpenBLAS on 1 and on 2 threads.
 *
 * FLOPs counted: the encoder's, on the real (unpadded) tokens of each text,
 * per layer 2·T·(4·H² + 2·H·I) + 4·T²·H. Peak: cores × GHz × 32 (AVX2 FMA
 * fp32: 2 FMA units × 8 lanes × 2); GHz from cpufreq's cpuinfo_max_freq when
 * the kernel has it, else the "cpu MHz" line of /proc/cpuinfo.
 *
 *     build/bench/embed/bench_embed --model models/all-MiniLM-L6-v2 \
 *         --corpus bench/embed/corpus.txt [--quick] > ours.json
 */
#include <cblas.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "knowledge/embed/embed.h"

#define DEFAULT_QUERY            "How do we prove ROI to a skeptical CFO" /* 12 tokens */
#define MAX_BATCHES              8
#define FLOPS_PER_CYCLE_AVX2_FMA 32

typedef struct {
    const char *model_dir;
    const char *corpus;
    const char *query;
    const char *vectors_out;
    const char *modes;
    int batches[MAX_BATCHES];
    int n_batches;
    int latency_runs;
    int warmup;
    size_t limit;
    embed_kernel_t kernel;
} opts_t;

typedef struct {
    char model[128];
    int cores;
    double ghz;
    const char *ghz_source;
    int flops_per_cycle;
    double load_start[3];
} machine_t;

typedef struct {
    char **texts;
    size_t *lens;
    int *tokens;
    size_t n;
    long long total_tokens;
    double total_flops;
    char *data;
} corpus_t;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, const char *detail) {
    fprintf(stderr, "bench_embed: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static void usage(void) {
    fprintf(stderr,
            "usage: bench_embed [--model DIR] [--corpus FILE] [--batches 1,8,32]\n"
            "                   [--modes t1,t2-blas,t2-parallel,stream,latency]\n"
            "                   [--latency-runs N] [--warmup N] [--limit N] [--query TEXT]\n"
            "                   [--kernel fast|ref] [--vectors-out FILE] [--quick]\n");
    exit(2);
}

static bool mode_on(const opts_t *o, const char *mode) {
    size_t n = strlen(mode);
    for (const char *p = o->modes; (p = strstr(p, mode)) != NULL; p += n)
        if ((p == o->modes || p[-1] == ',') && (p[n] == ',' || p[n] == '\0')) return true;
    return false;
}

static void parse_batches(opts_t *o, const char *s) {
    o->n_batches = 0;
    char *end;
    while (*s && o->n_batches < MAX_BATCHES) {
        long b = strtol(s, &end, 10);
        if (end == s || b < 1 || b > EMBED_MAX_BATCH) die("bad --batches", s);
        o->batches[o->n_batches++] = (int)b;
        s = *end == ',' ? end + 1 : end;
        if (*end != ',' && *end != '\0') die("bad --batches", s);
    }
}

static void parse_args(int argc, char **argv, opts_t *o) {
    *o = (opts_t){.model_dir = "models/all-MiniLM-L6-v2",
                  .corpus = "bench/embed/corpus.txt",
                  .query = DEFAULT_QUERY,
                  .modes = "t1,t2-blas,t2-parallel,stream,latency",
                  .latency_runs = 500,
                  .warmup = 50,
                  .kernel = EMBED_KERNEL_FAST};
    parse_batches(o, "1,8,32");
    bool quick = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--quick") == 0) {
            quick = true;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 || v == NULL) usage();
        i++;
        if (strcmp(a, "--model") == 0)
            o->model_dir = v;
        else if (strcmp(a, "--corpus") == 0)
            o->corpus = v;
        else if (strcmp(a, "--query") == 0)
            o->query = v;
        else if (strcmp(a, "--vectors-out") == 0)
            o->vectors_out = v;
        else if (strcmp(a, "--modes") == 0)
            o->modes = v;
        else if (strcmp(a, "--batches") == 0)
            parse_batches(o, v);
        else if (strcmp(a, "--latency-runs") == 0)
            o->latency_runs = atoi(v);
        else if (strcmp(a, "--warmup") == 0)
            o->warmup = atoi(v);
        else if (strcmp(a, "--limit") == 0)
            o->limit = (size_t)strtoull(v, NULL, 10);
        else if (strcmp(a, "--kernel") == 0) {
            if (strcmp(v, "fast") == 0)
                o->kernel = EMBED_KERNEL_FAST;
            else if (strcmp(v, "ref") == 0)
                o->kernel = EMBED_KERNEL_REF;
            else
                usage();
        } else
            usage();
    }
    if (quick) {
        if (o->limit == 0) o->limit = 500;
        if (o->latency_runs > 300) o->latency_runs = 300;
    }
    if (o->latency_runs < 1 || o->warmup < 0) usage();
}

/* ---- machine ------------------------------------------------------------- */

static void read_machine(machine_t *mc) {
    memset(mc, 0, sizeof *mc);
    snprintf(mc->model, sizeof mc->model, "unknown");
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    mc->cores = cores > 0 ? (int)cores : 1;
    bool avx2 = false, fma = false, avx = false;
    double mhz = 0;
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[4096];
        bool got_model = false, got_mhz = false, got_flags = false;
        while (fgets(line, sizeof line, f)) {
            char *colon = strchr(line, ':');
            if (colon == NULL) continue;
            const char *val = colon + 1;
            while (*val == ' ' || *val == '\t') val++;
            if (!got_model && strncmp(line, "model name", 10) == 0) {
                snprintf(mc->model, sizeof mc->model, "%.*s", (int)strcspn(val, "\n"), val);
                got_model = true;
            } else if (!got_mhz && strncmp(line, "cpu MHz", 7) == 0) {
                mhz = strtod(val, NULL);
                got_mhz = true;
            } else if (!got_flags && strncmp(line, "flags", 5) == 0) {
                avx2 = strstr(val, " avx2 ") != NULL;
                fma = strstr(val, " fma ") != NULL;
                avx = strstr(val, " avx ") != NULL;
                got_flags = true;
            }
        }
        fclose(f);
    }
    mc->ghz_source = "/proc/cpuinfo cpu MHz";
    f = fopen("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", "r");
    if (f) {
        long khz = 0;
        if (fscanf(f, "%ld", &khz) == 1 && khz > 0) {
            mhz = (double)khz / 1000.0;
            mc->ghz_source = "cpufreq cpuinfo_max_freq";
        }
        fclose(f);
    }
    mc->ghz = mhz / 1000.0;
    mc->flops_per_cycle = avx2 && fma ? FLOPS_PER_CYCLE_AVX2_FMA : avx ? 16 : 8;
    f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf %lf %lf", &mc->load_start[0], &mc->load_start[1], &mc->load_start[2]) !=
            3)
            memset(mc->load_start, 0, sizeof mc->load_start);
        fclose(f);
    }
}

static double peak_gflops(const machine_t *mc, int threads) {
    int c = threads < mc->cores ? threads : mc->cores;
    return (double)c * mc->ghz * mc->flops_per_cycle;
}

/* ---- corpus -------------------------------------------------------------- */

static double encoder_flops(const embed_info_t *in, int t) {
    /* (no variable named I: OpenBLAS's cblas.h pulls in <complex.h>) */
    const double h = in->hidden, inter = in->intermediate, tk = t;
    return in->layers * (2.0 * tk * (4.0 * h * h + 2.0 * h * inter) + 4.0 * tk * tk * h);
}

static void load_corpus(const opts_t *o, const embed_model_t *m, corpus_t *c) {
    memset(c, 0, sizeof *c);
    FILE *f = fopen(o->corpus, "rb");
    if (f == NULL) die(o->corpus, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0) die(o->corpus, strerror(errno));
    long size = ftell(f);
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0) die(o->corpus, strerror(errno));
    c->data = malloc((size_t)size + 1);
    if (c->data == NULL) die("out of memory", NULL);
    if (fread(c->data, 1, (size_t)size, f) != (size_t)size) die(o->corpus, "short read");
    fclose(f);
    c->data[size] = '\0';

    size_t cap = 1;
    for (long i = 0; i < size; i++) cap += c->data[i] == '\n';
    c->texts = calloc(cap, sizeof *c->texts);
    c->lens = calloc(cap, sizeof *c->lens);
    c->tokens = calloc(cap, sizeof *c->tokens);
    if (!c->texts || !c->lens || !c->tokens) die("out of memory", NULL);
    for (char *p = c->data; *p && c->n < cap;) {
        char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (nl) *nl = '\0';
        c->texts[c->n] = p;
        c->lens[c->n] = len;
        c->n++;
        if (nl == NULL) break;
        p = nl + 1;
    }
    if (o->limit && o->limit < c->n) c->n = o->limit;
    if (c->n == 0) die(o->corpus, "no lines");

    const embed_info_t *in = embed_model_info(m);
    const embed_tokenizer_t *tok = embed_model_tokenizer(m);
    int32_t *ids = malloc((size_t)in->max_seq_len * sizeof *ids);
    if (ids == NULL) die("out of memory", NULL);
    for (size_t i = 0; i < c->n; i++) {
        size_t got = 0;
        if (embed_tokenize(tok, c->texts[i], c->lens[i], ids, (size_t)in->max_seq_len, &got) < 0)
            die("embed_tokenize failed on a corpus line", NULL);
        c->tokens[i] = (int)got;
        c->total_tokens += (long long)got;
        c->total_flops += encoder_flops(in, (int)got);
    }
    free(ids);
}

static void free_corpus(corpus_t *c) {
    free(c->texts);
    free(c->lens);
    free(c->tokens);
    free(c->data);
}

/* ---- measurements -------------------------------------------------------- */

typedef enum { RUN_CTX, RUN_PARALLEL } run_kind_t;

static bool first_result = true;

static void result_sep(void) {
    printf("%s\n  ", first_result ? "" : ",");
    first_result = false;
}

static void print_throughput(const char *mode, int threads, const char *api, int batch,
                             const corpus_t *c, double dt, const machine_t *mc) {
    double gf = c->total_flops / dt / 1e9;
    result_sep();
    printf("{\"backend\": \"salient\", \"mode\": \"%s\", \"threads\": %d, \"api\": \"%s\", "
           "\"batch\": %d, \"texts\": %zu, \"tokens\": %lld, \"seconds\": %.4f, "
           "\"sentences_per_s\": %.2f, \"tokens_per_s\": %.1f, \"gflops\": %.2f, "
           "\"peak_fraction\": %.4f}",
           mode, threads, api, batch, c->n, c->total_tokens, dt, (double)c->n / dt,
           (double)c->total_tokens / dt, gf, gf / peak_gflops(mc, threads));
    fprintf(stderr, "  salient %-11s b=%-2d: %8.2f sent/s %9.1f tok/s %7.2f GFLOP/s\n", mode, batch,
            (double)c->n / dt, (double)c->total_tokens / dt, gf);
}

/* Embeds the corpus in consecutive batches of b; returns seconds. */
static double run_batches(run_kind_t kind, const embed_model_t *m, embed_ctx_t *ctx,
                          const corpus_t *c, int b, int threads, float *out, size_t dims) {
    double t0 = now_s();
    for (size_t i = 0; i < c->n; i += (size_t)b) {
        size_t cnt = c->n - i < (size_t)b ? c->n - i : (size_t)b;
        const char *const *texts = (const char *const *)c->texts + i;
        int rc = kind == RUN_CTX
                     ? embed_texts(ctx, texts, c->lens + i, cnt, out + i * dims)
                     : embed_texts_parallel(m, texts, c->lens + i, cnt, threads, out + i * dims);
        if (rc < 0) die("embedding failed", sal_strerror(rc));
    }
    return now_s() - t0;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(const double *sorted, int n, double p) {
    double k = (n - 1) * p / 100.0;
    int lo = (int)k, hi = lo + 1 < n ? lo + 1 : n - 1;
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (k - lo);
}

static void json_str(const char *s) {
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

static void run_latency(const opts_t *o, embed_ctx_t *ctx, const embed_info_t *in, int threads,
                        int qtokens, float *v) {
    openblas_set_num_threads(threads);
    const char *q = o->query;
    size_t ql = strlen(q);
    for (int i = 0; i < o->warmup; i++)
        if (embed_texts(ctx, &q, &ql, 1, v) < 0) die("embedding the query failed", NULL);
    double *ms = malloc((size_t)o->latency_runs * sizeof *ms);
    if (ms == NULL) die("out of memory", NULL);
    double sum = 0;
    for (int i = 0; i < o->latency_runs; i++) {
        double t0 = now_s();
        if (embed_texts(ctx, &q, &ql, 1, v) < 0) die("embedding the query failed", NULL);
        ms[i] = (now_s() - t0) * 1e3;
        sum += ms[i];
    }
    qsort(ms, (size_t)o->latency_runs, sizeof *ms, cmp_double);
    double p50 = pct(ms, o->latency_runs, 50), p95 = pct(ms, o->latency_runs, 95);
    double p99 = pct(ms, o->latency_runs, 99);
    result_sep();
    printf("{\"backend\": \"salient\", \"mode\": \"latency\", \"threads\": %d, "
           "\"api\": \"embed_texts\", \"query\": ",
           threads);
    json_str(q);
    printf(", \"query_tokens\": %d, \"runs\": %d, \"p50_ms\": %.4f, \"p95_ms\": %.4f, "
           "\"p99_ms\": %.4f, \"mean_ms\": %.4f, \"min_ms\": %.4f, \"gflops_p50\": %.2f}",
           qtokens, o->latency_runs, p50, p95, p99, sum / o->latency_runs, ms[0],
           encoder_flops(in, qtokens) / (p50 / 1e3) / 1e9);
    fprintf(stderr, "  salient latency t=%d: p50 %.3f ms p95 %.3f ms p99 %.3f ms\n", threads, p50,
            p95, p99);
    free(ms);
}

int main(int argc, char **argv) {
    opts_t o;
    parse_args(argc, argv, &o);
    machine_t mc;
    read_machine(&mc);

    char err[256];
    embed_model_t *m = NULL;
    double t_load = now_s();
    int rc = embed_model_load(o.model_dir, &m, err, sizeof err);
    if (rc < 0) die("loading the model failed", err);
    t_load = now_s() - t_load;
    const embed_info_t *in = embed_model_info(m);
    const size_t dims = (size_t)in->dims;

    corpus_t c;
    load_corpus(&o, m, &c);
    int32_t qids[64];
    size_t qtok = 0;
    size_t qlen = strlen(o.query);
    if (embed_tokenize(embed_model_tokenizer(m), o.query, qlen, qids, 64, &qtok) < 0)
        die("tokenizing the query failed", NULL);

    embed_ctx_t *ctx = embed_ctx_new(m);
    if (ctx == NULL) die("embed_ctx_new failed", NULL);
    embed_ctx_set_kernel(ctx, o.kernel);
    float *out = malloc(c.n * dims * sizeof *out);
    if (out == NULL) die("out of memory", NULL);
    int blas_default = openblas_get_num_threads();

    printf("{\n\"tool\": \"bench_embed\",\n\"machine\": {\"model\": ");
    json_str(mc.model);
    printf(", \"cores\": %d, \"ghz\": %.3f, \"ghz_source\": \"%s\", \"flops_per_cycle\": %d, "
           "\"peak_gflops\": %.1f, \"peak_gflops_1core\": %.1f, \"loadavg_start\": [%.2f, %.2f, "
           "%.2f], \"openblas_threads_default\": %d, \"openblas_config\": ",
           mc.cores, mc.ghz, mc.ghz_source, mc.flops_per_cycle, peak_gflops(&mc, mc.cores),
           peak_gflops(&mc, 1), mc.load_start[0], mc.load_start[1], mc.load_start[2], blas_default);
    json_str(openblas_get_config());
    printf("},\n\"model\": {\"name\": ");
    json_str(in->name);
    printf(", \"layers\": %d, \"hidden\": %d, \"heads\": %d, \"intermediate\": %d, "
           "\"max_seq_len\": %d, \"dims\": %d, \"load_seconds\": %.4f, \"kernel\": \"%s\"},\n",
           in->layers, in->hidden, in->heads, in->intermediate, in->max_seq_len, in->dims, t_load,
           o.kernel == EMBED_KERNEL_FAST ? "fast" : "ref");
    printf("\"corpus\": ");
    json_str(o.corpus);
    printf(", \"texts\": %zu, \"tokens\": %lld, \"gflop_total\": %.3f,\n\"results\": [", c.n,
           c.total_tokens, c.total_flops / 1e9);
    fflush(stdout);

    /* Warm-up: page in the weights, size the workspaces. */
    openblas_set_num_threads(1);
    run_batches(RUN_CTX, m, ctx, &c, 32, 1, out, dims);

    struct {
        const char *mode, *api;
        run_kind_t kind;
        int threads;
    } const plans[] = {
        {"t1", "embed_texts", RUN_CTX, 1},
        {"t2-blas", "embed_texts", RUN_CTX, 2},
        {"t2-parallel", "embed_texts_parallel", RUN_PARALLEL, 2},
    };
    for (size_t p = 0; p < sizeof plans / sizeof plans[0]; p++) {
        if (!mode_on(&o, plans[p].mode)) continue;
        for (int bi = 0; bi < o.n_batches; bi++) {
            /* embed_texts_parallel sets OpenBLAS to 1 thread for its
             * workers and restores it; leave it at the default there. */
            openblas_set_num_threads(plans[p].kind == RUN_CTX ? plans[p].threads : blas_default);
            double dt =
                run_batches(plans[p].kind, m, ctx, &c, o.batches[bi], plans[p].threads, out, dims);
            print_throughput(plans[p].mode, plans[p].threads, plans[p].api, o.batches[bi], &c, dt,
                             &mc);
            fflush(stdout);
        }
    }
    if (mode_on(&o, "stream")) {
        openblas_set_num_threads(blas_default);
        double t0 = now_s();
        rc = embed_texts_parallel(m, (const char *const *)c.texts, c.lens, c.n, mc.cores, out);
        if (rc < 0) die("embedding failed", sal_strerror(rc));
        print_throughput("stream", mc.cores, "embed_texts_parallel", (int)c.n, &c, now_s() - t0,
                         &mc);
    }
    if (mode_on(&o, "latency")) {
        run_latency(&o, ctx, in, 1, (int)qtok, out);
        run_latency(&o, ctx, in, 2, (int)qtok, out);
    }
    if (o.vectors_out) {
        openblas_set_num_threads(1);
        run_batches(RUN_CTX, m, ctx, &c, 32, 1, out, dims);
        FILE *f = fopen(o.vectors_out, "wb");
        if (f == NULL || fwrite(out, sizeof *out, c.n * dims, f) != c.n * dims)
            die(o.vectors_out, strerror(errno));
        fclose(f);
    }
    openblas_set_num_threads(blas_default);

    double load_end[3] = {0, 0, 0};
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf %lf %lf", &load_end[0], &load_end[1], &load_end[2]) != 3)
            load_end[0] = 0;
        fclose(f);
    }
    printf("\n],\n\"loadavg_end\": [%.2f, %.2f, %.2f]\n}\n", load_end[0], load_end[1], load_end[2]);

    free(out);
    embed_ctx_free(ctx);
    free_corpus(&c);
    embed_model_free(m);
    return 0;
}
