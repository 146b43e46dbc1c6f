/* SPDX-License-Identifier: MIT */
/*
 * Text analysis for BM25: the word scanner (runs of Unicode letters,
 * digits and combining marks, apostrophes inside words dropped, case
 * folded with utf8proc), English stopwords, Snowball stemming through
 * libstemmer, and the terms blob — the encoded per-chunk term counts that
 * the store keeps beside each chunk and kix_add reads back.
 *
 * Blob layout (version 1), all integers unsigned LEB128 varints of at
 * most 32 bits:
 *
 *     u8 version = 1 | doc_len | nterms | nterms × (len, bytes[len],
 *                                                   tf_text, tf_section, tf_title)
 *
 * Terms are distinct, 1..KIX_TERM_MAX bytes of UTF-8 without spaces or
 * control bytes, in strictly increasing byte order (which makes the blob
 * deterministic and duplicates detectable), and doc_len = Σ tf_text. The
 * reader treats the blob as untrusted: it comes back from the database.
 */
#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "knowledge/index/index_int.h"

/* Distinct terms a query contributes at most: bounds the postings one
 * search walks whatever a client sends. */
#define KIX_QUERY_TERMS_MAX 64

/* ---- word scanner -------------------------------------------------------- */

typedef enum { CH_OTHER, CH_WORD, CH_MARK, CH_APOS } ch_class_t;

static ch_class_t classify(utf8proc_int32_t cp) {
    if (cp < 0x80) {
        if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9'))
            return CH_WORD;
        return cp == '\'' ? CH_APOS : CH_OTHER;
    }
    if (cp == 0x2019) return CH_APOS; /* right single quotation mark, as typed by word processors */
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO: return CH_WORD;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME: return CH_MARK;
    default: return CH_OTHER;
    }
}

/* Decodes one code point at p; invalid bytes come back as -1, one byte. */
static size_t decode(const char *text, size_t len, size_t pos, utf8proc_int32_t *cp) {
    utf8proc_ssize_t n =
        utf8proc_iterate((const utf8proc_uint8_t *)text + pos, (utf8proc_ssize_t)(len - pos), cp);
    if (n <= 0) {
        *cp = -1;
        return 1;
    }
    return (size_t)n;
}

static void fold_append(kix_word_t *w, utf8proc_int32_t cp) {
    if (w->too_long) return;
    utf8proc_uint8_t enc[4];
    utf8proc_ssize_t n = utf8proc_encode_char(utf8proc_tolower(cp), enc);
    if (w->len + (size_t)n > KIX_TERM_MAX) {
        w->too_long = true;
        return;
    }
    memcpy(w->folded + w->len, enc, (size_t)n);
    w->len += (size_t)n;
}

bool kix_word_next(const char *text, size_t len, size_t *pos, kix_word_t *w) {
    size_t p = *pos;
    utf8proc_int32_t cp;
    /* Skip to a word character (a mark or apostrophe cannot start one). */
    for (;;) {
        if (p >= len) {
            *pos = p;
            return false;
        }
        size_t n = decode(text, len, p, &cp);
        if (cp >= 0 && classify(cp) == CH_WORD) break;
        p += n;
    }
    w->start = p;
    w->len = 0;
    w->too_long = false;
    while (p < len) {
        size_t n = decode(text, len, p, &cp);
        ch_class_t c = cp < 0 ? CH_OTHER : classify(cp);
        if (c == CH_WORD || c == CH_MARK) {
            fold_append(w, cp);
            p += n;
            continue;
        }
        if (c == CH_APOS && p + n < len) {
            /* Inside a word ("customer's", "don't") the apostrophe goes. */
            utf8proc_int32_t next;
            decode(text, len, p + n, &next);
            if (next >= 0 && classify(next) == CH_WORD) {
                p += n;
                continue;
            }
        }
        break;
    }
    w->end = p;
    w->folded[w->len] = '\0';
    *pos = p;
    return true;
}

/* ---- stopwords and stemming --------------------------------------------- */

/* English stopwords (the common NLTK / Lucene list, with apostrophes
 * removed the way the scanner removes them), sorted for bsearch. Negations
 * are stopwords as in those lists: BM25 cannot use them anyway. */
static const char *const STOPWORDS[] = {
    "a",          "about",   "above",   "after",   "again",    "against",    "all",     "also",
    "am",         "an",      "and",     "any",     "are",      "arent",      "as",      "at",
    "be",         "because", "been",    "before",  "being",    "below",      "between", "both",
    "but",        "by",      "can",     "cannot",  "cant",     "could",      "couldnt", "did",
    "didnt",      "do",      "does",    "doesnt",  "doing",    "dont",       "down",    "during",
    "each",       "few",     "for",     "from",    "further",  "had",        "hadnt",   "has",
    "hasnt",      "have",    "havent",  "having",  "he",       "her",        "here",    "hers",
    "herself",    "hes",     "him",     "himself", "his",      "how",        "i",       "if",
    "im",         "in",      "into",    "is",      "isnt",     "it",         "its",     "itself",
    "ive",        "just",    "lets",    "me",      "more",     "most",       "my",      "myself",
    "no",         "nor",     "not",     "now",     "of",       "off",        "on",      "once",
    "only",       "or",      "other",   "our",     "ours",     "ourselves",  "out",     "over",
    "own",        "same",    "she",     "shes",    "should",   "shouldnt",   "so",      "some",
    "such",       "than",    "that",    "thats",   "the",      "their",      "theirs",  "them",
    "themselves", "then",    "there",   "theres",  "these",    "they",       "theyre",  "theyve",
    "this",       "those",   "through", "to",      "too",      "under",      "until",   "up",
    "us",         "very",    "was",     "wasnt",   "we",       "were",       "werent",  "weve",
    "what",       "whats",   "when",    "where",   "which",    "while",      "who",     "whom",
    "why",        "will",    "with",    "wont",    "would",    "wouldnt",    "you",     "youd",
    "youll",      "your",    "youre",   "yours",   "yourself", "yourselves", "youve",
};
#define NSTOPWORDS (sizeof STOPWORDS / sizeof STOPWORDS[0])

static int stop_cmp(const void *key, const void *elem) {
    return strcmp((const char *)key, *(const char *const *)elem);
}

static bool is_stopword(const char *w, size_t len) {
    if (len > 10) return false; /* "yourselves" is the longest */
    return bsearch(w, STOPWORDS, NSTOPWORDS, sizeof STOPWORDS[0], stop_cmp) != NULL;
}

/* libstemmer's stemmers are not thread-safe: one per thread, made on
 * first use and freed when the thread exits. */
static pthread_key_t stem_key;
static pthread_once_t stem_once = PTHREAD_ONCE_INIT;

static void stem_free(void *p) { sb_stemmer_delete(p); }
static void stem_key_make(void) {
    if (pthread_key_create(&stem_key, stem_free) != 0) abort();
}

static struct sb_stemmer *thread_stemmer(void) {
    pthread_once(&stem_once, stem_key_make);
    struct sb_stemmer *st = pthread_getspecific(stem_key);
    if (st == NULL) {
        st = sb_stemmer_new("english", NULL);
        if (st == NULL) {
            fprintf(stderr, "salient: out of memory creating the stemmer\n");
            abort();
        }
        pthread_setspecific(stem_key, st);
    }
    return st;
}

bool kix_word_term(const kix_word_t *w, char out[KIX_TERM_MAX + 1], size_t *out_len) {
    if (w->too_long || w->len == 0 || is_stopword(w->folded, w->len)) return false;
    struct sb_stemmer *st = thread_stemmer();
    const sb_symbol *s = sb_stemmer_stem(st, (const sb_symbol *)w->folded, (int)w->len);
    size_t n = s != NULL ? (size_t)sb_stemmer_length(st) : 0;
    if (s == NULL || n == 0 || n > KIX_TERM_MAX) {
        /* The stemmer failed (out of memory) or grew the word: keep it. */
        s = (const sb_symbol *)w->folded;
        n = w->len;
    }
    memcpy(out, s, n);
    out[n] = '\0';
    *out_len = n;
    return true;
}

/* ---- encoding ------------------------------------------------------------- */

enum { F_TEXT, F_SECTION, F_TITLE };

typedef struct {
    const char *p;
    uint8_t len;
    uint8_t field;
} tok_t;

typedef struct {
    char *pool;
    size_t pool_len, pool_cap;
    size_t *offs; /* pool offsets until the pool is complete */
    uint8_t *lens, *fields;
    size_t n, cap;
} toks_t;

static void toks_add_field(toks_t *t, const char *s, size_t len, uint8_t field) {
    size_t pos = 0;
    kix_word_t w;
    char term[KIX_TERM_MAX + 1];
    size_t tl;
    while (kix_word_next(s, len, &pos, &w)) {
        if (!kix_word_term(&w, term, &tl)) continue;
        if (t->n == t->cap) {
            t->cap = t->cap ? t->cap * 2 : 64;
            t->offs = xrealloc(t->offs, t->cap * sizeof *t->offs);
            t->lens = xrealloc(t->lens, t->cap);
            t->fields = xrealloc(t->fields, t->cap);
        }
        if (t->pool_len + tl > t->pool_cap) {
            t->pool_cap = (t->pool_cap + tl) * 2;
            t->pool = xrealloc(t->pool, t->pool_cap);
        }
        memcpy(t->pool + t->pool_len, term, tl);
        t->offs[t->n] = t->pool_len;
        t->lens[t->n] = (uint8_t)tl;
        t->fields[t->n] = field;
        t->pool_len += tl;
        t->n++;
    }
}

static int term_cmp(const char *a, size_t alen, const char *b, size_t blen) {
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c != 0) return c;
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

static int tok_cmp(const void *pa, const void *pb) {
    const tok_t *a = pa, *b = pb;
    return term_cmp(a->p, a->len, b->p, b->len);
}

static size_t varint_size(uint32_t v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static unsigned char *varint_put(unsigned char *p, uint32_t v) {
    while (v >= 0x80) {
        *p++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *p++ = (unsigned char)v;
    return p;
}

static uint32_t sat32(uint64_t v) { return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v; }

int kix_terms_encode(const char *text, size_t len, const char *section, const char *title,
                     unsigned char **out, size_t *out_len) {
    if (out == NULL || out_len == NULL || (text == NULL && len > 0)) return SAL_EINVAL;
    toks_t t = {0};
    if (text != NULL) toks_add_field(&t, text, len, F_TEXT);
    if (section != NULL) toks_add_field(&t, section, strlen(section), F_SECTION);
    if (title != NULL) toks_add_field(&t, title, strlen(title), F_TITLE);

    tok_t *toks = xmalloc((t.n ? t.n : 1) * sizeof *toks);
    for (size_t i = 0; i < t.n; i++)
        toks[i] = (tok_t){.p = t.pool + t.offs[i], .len = t.lens[i], .field = t.fields[i]};
    qsort(toks, t.n, sizeof *toks, tok_cmp);

    /* Merge runs of equal terms into (term, tf per field): the run's
     * first token moves to toks[nterms], its counts to tfs[nterms]. */
    uint32_t(*tfs)[3] = xmalloc((t.n ? t.n : 1) * sizeof *tfs);
    uint64_t doc_len = 0;
    size_t nterms = 0, size = 0;
    for (size_t i = 0; i < t.n;) {
        size_t j = i;
        uint64_t tf[3] = {0, 0, 0};
        while (j < t.n && tok_cmp(&toks[i], &toks[j]) == 0) tf[toks[j++].field]++;
        toks[nterms] = toks[i];
        for (int f = 0; f < 3; f++) tfs[nterms][f] = sat32(tf[f]);
        doc_len += tfs[nterms][F_TEXT];
        size += varint_size(toks[nterms].len) + toks[nterms].len;
        for (int f = 0; f < 3; f++) size += varint_size(tfs[nterms][f]);
        nterms++;
        i = j;
    }
    /* doc_len is Σ tf_text, which the reader checks; it only saturates
     * past 4G words, which no chunk reaches. */
    size += 1 + varint_size(sat32(doc_len)) + varint_size((uint32_t)nterms);

    unsigned char *blob = xmalloc(size);
    unsigned char *p = blob;
    *p++ = KIX_BLOB_VERSION;
    p = varint_put(p, sat32(doc_len));
    p = varint_put(p, (uint32_t)nterms);
    for (size_t k = 0; k < nterms; k++) {
        p = varint_put(p, toks[k].len);
        memcpy(p, toks[k].p, toks[k].len);
        p += toks[k].len;
        for (int f = 0; f < 3; f++) p = varint_put(p, tfs[k][f]);
    }
    free(tfs);
    free(toks);
    free(t.pool);
    free(t.offs);
    free(t.lens);
    free(t.fields);
    *out = blob;
    *out_len = (size_t)(p - blob);
    return 0;
}

/* ---- decoding --------------------------------------------------------------- */

static bool varint_get(const unsigned char **p, const unsigned char *end, uint32_t *v) {
    uint64_t x = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        if (*p >= end) return false;
        unsigned char b = *(*p)++;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            if (x > UINT32_MAX) return false;
            *v = (uint32_t)x;
            return true;
        }
    }
    return false; /* more than five bytes */
}

int kix_blob_walk(const unsigned char *blob, size_t len, uint32_t *doc_len, size_t *nterms,
                  kix_term_cb cb, void *ctx) {
    if (blob == NULL || len < 1 || blob[0] != KIX_BLOB_VERSION) return SAL_EINVAL;
    const unsigned char *p = blob + 1, *end = blob + len;
    uint32_t dl, n;
    if (!varint_get(&p, end, &dl) || !varint_get(&p, end, &n)) return SAL_EINVAL;
    /* Each term takes at least 5 bytes: a cheap bound before the loop. */
    if ((size_t)n > (size_t)(end - p) / 5) return SAL_EINVAL;
    const char *prev = NULL;
    size_t prev_len = 0;
    uint64_t sum_text = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t tl, a, b, c;
        if (!varint_get(&p, end, &tl) || tl == 0 || tl > KIX_TERM_MAX || (size_t)(end - p) < tl)
            return SAL_EINVAL;
        const char *term = (const char *)p;
        p += tl;
        for (uint32_t k = 0; k < tl; k++)
            if ((unsigned char)term[k] <= 0x20 || term[k] == 0x7f) return SAL_EINVAL;
        if (!sal_utf8_valid(term, tl)) return SAL_EINVAL;
        if (prev != NULL && term_cmp(prev, prev_len, term, tl) >= 0) return SAL_EINVAL;
        if (!varint_get(&p, end, &a) || !varint_get(&p, end, &b) || !varint_get(&p, end, &c))
            return SAL_EINVAL;
        if ((uint64_t)a + b + c == 0) return SAL_EINVAL;
        sum_text += a;
        if (cb != NULL) cb(ctx, term, tl, a, b, c);
        prev = term;
        prev_len = tl;
    }
    if (p != end || sum_text != dl) return SAL_EINVAL;
    if (doc_len != NULL) *doc_len = dl;
    if (nterms != NULL) *nterms = n;
    return 0;
}

uint16_t kix_weighted_tf(uint32_t tf_text, uint32_t tf_section, uint32_t tf_title) {
    double w = KIX_W_TEXT * tf_text + KIX_W_SECTION * tf_section + KIX_W_TITLE * tf_title;
    return w >= 65535.0 ? 65535 : (uint16_t)(w + 0.5);
}

/* ---- query terms ------------------------------------------------------------ */

void kix_qterms_parse(const char *text, size_t len, kix_qterms_t *out) {
    char buf[KIX_QUERY_TERMS_MAX][KIX_TERM_MAX + 1];
    size_t lens[KIX_QUERY_TERMS_MAX], n = 0, bytes = 0;
    size_t pos = 0;
    kix_word_t w;
    while (text != NULL && n < KIX_QUERY_TERMS_MAX && kix_word_next(text, len, &pos, &w)) {
        size_t tl;
        if (!kix_word_term(&w, buf[n], &tl)) continue;
        bool dup = false;
        for (size_t i = 0; i < n && !dup; i++)
            dup = lens[i] == tl && memcmp(buf[i], buf[n], tl) == 0;
        if (dup) continue;
        lens[n++] = tl;
        bytes += tl + 1;
    }
    out->n = n;
    /* One block: the pointer array, the lengths, then the strings. */
    char *block = xmalloc(n * (sizeof(char *) + sizeof(size_t)) + bytes + 1);
    out->terms = (char **)(void *)block;
    out->lens = (size_t *)(void *)(block + n * sizeof(char *));
    char *s = block + n * (sizeof(char *) + sizeof(size_t));
    for (size_t i = 0; i < n; i++) {
        memcpy(s, buf[i], lens[i] + 1);
        out->terms[i] = s;
        out->lens[i] = lens[i];
        s += lens[i] + 1;
    }
}

void kix_qterms_free(kix_qterms_t *q) {
    if (q == NULL) return;
    free(q->terms);
    q->terms = NULL;
    q->lens = NULL;
    q->n = 0;
}

bool kix_qterms_has(const kix_qterms_t *q, const char *term, size_t len) {
    for (size_t i = 0; i < q->n; i++)
        if (q->lens[i] == len && memcmp(q->terms[i], term, len) == 0) return true;
    return false;
}

char *kix_query_terms(const char *text, size_t len) {
    kix_qterms_t q;
    kix_qterms_parse(text, len, &q);
    size_t total = 1;
    for (size_t i = 0; i < q.n; i++) total += q.lens[i] + 1;
    char *s = xmalloc(total), *p = s;
    for (size_t i = 0; i < q.n; i++) {
        if (i) *p++ = ' ';
        memcpy(p, q.terms[i], q.lens[i]);
        p += q.lens[i];
    }
    *p = '\0';
    kix_qterms_free(&q);
    return s;
}
