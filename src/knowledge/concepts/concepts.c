/* SPDX-License-Identifier: MIT */
/*
 * Concept extraction: one pass over each chunk's tokens runs the rules
 * (prices and proof points around numbers, gazetteer phrases, feature,
 * benefit and competitive cues, capitalised runs, keyphrase candidates),
 * then the source-wide decisions are made at the end: which capitalised
 * runs are products or competitors (recurrence, the title, cues), which
 * keyphrases score high enough and are not already a typed concept, and
 * the caps. Everything lives in one context per call (hash tables over a
 * key pool, link and surface-form pools), so calls share nothing but the
 * read-only tables of gazetteers.c, and the Snowball stemmer, which is
 * not thread-safe, is made per call.
 *
 * Input bytes are decoded with utf8proc; an invalid sequence is a hard
 * boundary like a line break, so names are always valid UTF-8.
 */
#include "knowledge/concepts/concepts.h"

#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "knowledge/concepts/concepts_int.h"

#define NAME_MAX_CHARS 100
#define MAX_CONCEPTS   200
#define MAX_KEYPHRASES 50
#define MAX_FORMS      8   /* surface forms kept per concept */
#define MAX_RUN        8   /* capitalised run longer than this: a heading */
#define MAX_NAME_RUN   4   /* product / competitor names: 1-4 words */
#define MAX_WORD_BYTES 100 /* longer "words" are junk (hashes, base64) */
#define TITLE_MAX      64
/* A source with fewer words than this is "tiny": a phrase seen once may
 * still be a keyphrase. */
#define TINY_WORDS 60
#define NONE       UINT32_MAX
#define TITLE      (UINT32_MAX - 1) /* pseudo chunk index of the title */

static const char *const TYPE_NAMES[KCON_TYPE_COUNT] = {
    "product",    "feature",   "benefit",  "metric",  "price",
    "competitor", "objection", "industry", "persona", "keyphrase",
};

const char *kcon_type_name(kcon_type_t t) {
    return (unsigned)t < KCON_TYPE_COUNT ? TYPE_NAMES[t] : "unknown";
}

int kcon_type_parse(const char *name, kcon_type_t *out) {
    if (name == NULL) return SAL_EINVAL;
    for (int i = 0; i < KCON_TYPE_COUNT; i++)
        if (strcmp(name, TYPE_NAMES[i]) == 0) {
            if (out != NULL) *out = (kcon_type_t)i;
            return 0;
        }
    return SAL_EINVAL;
}

/* ---- pools, hash tables -------------------------------------------------- */

typedef struct {
    char *p;
    size_t len, cap;
} pool_t;

static size_t pool_add(pool_t *b, const void *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 65536;
        while (cap < b->len + n + 1) cap *= 2;
        b->p = xrealloc(b->p, cap);
        b->cap = cap;
    }
    size_t off = b->len;
    if (n > 0) memcpy(b->p + off, s, n);
    b->len += n;
    return off;
}

#define VEC_GROW(v, n, cap)                                                                        \
    do {                                                                                           \
        if ((n) == (cap)) {                                                                        \
            (cap) = (cap) ? (cap)*2 : 256;                                                         \
            (v) = xrealloc((v), (cap) * sizeof *(v));                                              \
        }                                                                                          \
    } while (0)

typedef struct {
    uint64_t h;
    size_t off;
    uint32_t len;
    uint32_t val; /* NONE: empty */
} slot_t;

typedef struct {
    slot_t *s;
    size_t cap, n;
} htab_t;

static uint64_t hash_bytes(const void *p, size_t n) {
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 1099511628211ull;
    return h ^ (h >> 29);
}

static void ht_init(htab_t *t, size_t cap) {
    t->cap = cap;
    t->n = 0;
    t->s = xmalloc(cap * sizeof *t->s);
    memset(t->s, 0xff, cap * sizeof *t->s);
}

static void ht_grow(htab_t *t) {
    htab_t nt;
    ht_init(&nt, t->cap * 2);
    for (size_t i = 0; i < t->cap; i++) {
        if (t->s[i].val == NONE) continue;
        size_t j = t->s[i].h & (nt.cap - 1);
        while (nt.s[j].val != NONE) j = (j + 1) & (nt.cap - 1);
        nt.s[j] = t->s[i];
    }
    nt.n = t->n;
    free(t->s);
    *t = nt;
}

/* Finds key k (copying it into the pool when new); *isnew tells which. */
static slot_t *ht_slot(pool_t *keys, htab_t *t, const void *k, size_t n, bool *isnew) {
    if ((t->n + 1) * 10 >= t->cap * 7) ht_grow(t);
    uint64_t h = hash_bytes(k, n);
    size_t i = h & (t->cap - 1);
    for (;;) {
        slot_t *s = &t->s[i];
        if (s->val == NONE) {
            s->h = h;
            s->off = pool_add(keys, k, n);
            s->len = (uint32_t)n;
            t->n++;
            *isnew = true;
            return s;
        }
        if (s->h == h && s->len == n && memcmp(keys->p + s->off, k, n) == 0) {
            *isnew = false;
            return s;
        }
        i = (i + 1) & (t->cap - 1);
    }
}

static uint32_t ht_get(const pool_t *keys, const htab_t *t, const void *k, size_t n) {
    uint64_t h = hash_bytes(k, n);
    size_t i = h & (t->cap - 1);
    for (;;) {
        const slot_t *s = &t->s[i];
        if (s->val == NONE) return NONE;
        if (s->h == h && s->len == n && memcmp(keys->p + s->off, k, n) == 0) return s->val;
        i = (i + 1) & (t->cap - 1);
    }
}

/* ---- the extraction context ---------------------------------------------- */

typedef struct {
    size_t off; /* exact bytes in keys */
    uint32_t len;
    uint32_t lower;       /* word id of the lower-case form (self when lower) */
    uint32_t stem;        /* stem id, NONE until needed (lower entries) */
    uint32_t bits;        /* KL_* of the lower-case form */
    const char *base;     /* benefit verb base form */
    const uint32_t *pats; /* gazetteer patterns starting with this word */
    uint32_t npats;
    uint8_t seen_lower; /* lower entries: met in running text in lower case */
    uint8_t seen_cap;   /* lower entries: met capitalised inside a sentence */
} word_t;

typedef struct {
    uint32_t chunk, mentions, next;
} link_t;

typedef struct {
    size_t off; /* string forms: bytes in keys */
    uint32_t len;
    uint32_t ids[3]; /* keyphrase forms: word ids */
    uint32_t count, next;
} form_t;

typedef struct {
    size_t key_off;
    uint32_t key_len;
    uint32_t link_head, link_tail;
    uint32_t total, nchunks;
    uint32_t form_head;
    uint32_t ids[MAX_NAME_RUN]; /* runs: lower word ids; keyphrases: stems */
    uint8_t type, ntok, comp, covered;
    uint32_t featocc; /* runs: mentions that were a feature's name */
    double score;
} ent_t;

typedef struct {
    htab_t h;
    ent_t *v;
    size_t n, cap;
} etab_t;

/* A capitalised run as met, decided at the end once every chunk has shown
 * which words also occur in lower case. */
typedef struct {
    uint32_t chunk;
    uint32_t wid[MAX_RUN];
    uint8_t nw, si, comps, compe; /* comps/compe: per-word cue bits */
    uint8_t feat;                 /* inside a feature ("integrates with X") */
} runocc_t;

enum { TK_WORD, TK_NUM, TK_SYM };
enum {
    F_SPACE = 1 << 0,   /* whitespace before */
    F_CAP = 1 << 1,     /* first letter upper case */
    F_ALLCAP = 1 << 2,  /* two or more letters, none lower case */
    F_SI = 1 << 3,      /* first word of a sentence */
    F_GLUED = 1 << 4,   /* a word stuck to the number before ("3x") */
    F_USED = 1 << 5,    /* part of a price or metric */
    F_COMPS = 1 << 6,   /* a competitive cue names the run starting here */
    F_COMPE = 1 << 7,   /* ... or the run ending here ("Gong alternative") */
    F_BREAK = 1 << 8,   /* a cue word: ends a capitalised run */
    F_POSS = 1 << 9,    /* had "'s" */
    F_FEAT = 1 << 10,   /* part of a feature already taken */
    F_BEN = 1 << 11,    /* verb of a benefit already taken */
    F_LETTER = 1 << 12, /* has a letter */
    F_GAZ = 1 << 13,    /* part of a gazetteer phrase */
};

typedef struct {
    uint32_t off, len; /* bytes in the chunk */
    uint32_t wid;      /* WORD/NUM: word id */
    uint32_t cp;       /* SYM: code point (0xFFFD for a hard break) */
    uint16_t flags;
    uint8_t kind;
} tok_t;

typedef struct {
    struct sb_stemmer *stemmer;
    pool_t keys;
    htab_t wordh, stemh, covh;
    word_t *words;
    size_t nwords, capwords;
    uint32_t nstems;
    etab_t typed, runs, kp;
    link_t *links;
    size_t nlinks, caplinks;
    form_t *forms;
    size_t nforms, capforms;
    runocc_t *occ;
    size_t nocc, capocc;
    tok_t *tok;
    size_t ntok, captok;
    const char *text; /* the chunk being read */
    uint32_t chunk;
    bool title_pass;
    uint32_t title_w[TITLE_MAX];
    uint8_t title_comp[TITLE_MAX];
    size_t ntitle;
    size_t words_total;
    char name[1024];
} kc_t;

static word_t *W(kc_t *c, uint32_t wid) { return &c->words[wid]; }
static word_t *WL(kc_t *c, uint32_t wid) { return &c->words[c->words[wid].lower]; }
static const char *wstr(kc_t *c, uint32_t wid) { return c->keys.p + c->words[wid].off; }

/* ---- UTF-8 --------------------------------------------------------------- */

/* Decodes one code point at s[i]; -1 (length 1) for an invalid sequence. */
static int32_t dec(const unsigned char *s, size_t n, size_t i, size_t *len) {
    if (s[i] < 0x80) {
        *len = 1;
        return s[i];
    }
    utf8proc_int32_t cp;
    size_t rem = n - i < 4 ? n - i : 4;
    utf8proc_ssize_t r = utf8proc_iterate(s + i, (utf8proc_ssize_t)rem, &cp);
    if (r <= 0) {
        *len = 1;
        return -1;
    }
    *len = (size_t)r;
    return cp;
}

enum { CL_OTHER, CL_LOWER, CL_UPPER, CL_LETTER, CL_MARK, CL_DIGIT, CL_SPACE, CL_NEWLINE };

static int cp_class(int32_t cp) {
    if (cp < 0) return CL_NEWLINE;
    if (cp < 128) {
        if (cp >= 'a' && cp <= 'z') return CL_LOWER;
        if (cp >= 'A' && cp <= 'Z') return CL_UPPER;
        if (cp >= '0' && cp <= '9') return CL_DIGIT;
        if (cp == ' ' || cp == '\t') return CL_SPACE;
        if (cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f') return CL_NEWLINE;
        if (cp < 0x20 || cp == 0x7f) return CL_NEWLINE;
        return CL_OTHER;
    }
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LT: return CL_UPPER;
    case UTF8PROC_CATEGORY_LL: return CL_LOWER;
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO: return CL_LETTER;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ND: return CL_MARK; /* inside words only */
    case UTF8PROC_CATEGORY_ZS: return CL_SPACE;
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
    case UTF8PROC_CATEGORY_CC: return CL_NEWLINE;
    default: return CL_OTHER;
    }
}

static bool cl_alnum(int k) { return k >= CL_LOWER && k <= CL_DIGIT; }

/* Lower-cases valid UTF-8 s[0..n) into out (cap >= 2n + 4), folding the
 * typographic apostrophe to ASCII so "don’t" meets "don't". */
static size_t lower_utf8(const char *s, size_t n, char *out) {
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (u[i] < 0x80) {
            char ch = (char)u[i++];
            out[o++] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
            continue;
        }
        size_t l;
        int32_t cp = dec(u, n, i, &l);
        i += l;
        if (cp < 0) continue;
        if (cp == 0x2019) cp = '\'';
        cp = utf8proc_tolower(cp);
        o += (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)out + o);
    }
    return o;
}

/* ---- words and stems ----------------------------------------------------- */

static uint32_t intern(kc_t *c, const char *s, size_t n) {
    bool isnew;
    slot_t *sl = ht_slot(&c->keys, &c->wordh, s, n, &isnew);
    if (!isnew) return sl->val;
    VEC_GROW(c->words, c->nwords, c->capwords);
    uint32_t id = (uint32_t)c->nwords++;
    sl->val = id;
    word_t w = {.off = sl->off, .len = (uint32_t)n, .lower = id, .stem = NONE};
    char lb[2 * MAX_WORD_BYTES + 8];
    size_t ln = n <= MAX_WORD_BYTES ? lower_utf8(s, n, lb) : 0;
    if (ln > 0 && (ln != n || memcmp(lb, s, n) != 0)) {
        uint32_t lo = intern(c, lb, ln);
        w.lower = lo;
        w.bits = W(c, lo)->bits;
        w.base = W(c, lo)->base;
        w.pats = W(c, lo)->pats;
        w.npats = W(c, lo)->npats;
    } else {
        const kcon_lex_t *lx = kcon_lex_find(s, n);
        if (lx != NULL) {
            w.bits = lx->bits;
            w.base = lx->base;
        }
        const uint32_t *p;
        size_t np;
        kcon_pat_first(s, n, &p, &np);
        w.pats = p;
        w.npats = (uint32_t)np;
    }
    c->words[id] = w;
    return id;
}

static uint32_t stem_of(kc_t *c, uint32_t wid) {
    word_t *w = WL(c, wid);
    if (w->stem != NONE) return w->stem;
    const char *s = c->keys.p + w->off;
    size_t n = w->len;
    const sb_symbol *st =
        c->stemmer ? sb_stemmer_stem(c->stemmer, (const sb_symbol *)s, (int)n) : NULL;
    char buf[2 * MAX_WORD_BYTES + 8];
    if (st != NULL) {
        size_t sn = (size_t)sb_stemmer_length(c->stemmer);
        if (sn > sizeof buf) sn = sizeof buf;
        memcpy(buf, st, sn);
        n = sn;
    } else {
        memcpy(buf, s, n);
    }
    bool isnew;
    slot_t *sl = ht_slot(&c->keys, &c->stemh, buf, n, &isnew);
    if (isnew) sl->val = c->nstems++;
    w = WL(c, wid); /* the pool may have moved, the word array did not */
    w->stem = sl->val;
    return w->stem;
}

/* ---- tokens -------------------------------------------------------------- */

static void tok_push(kc_t *c, tok_t t) {
    VEC_GROW(c->tok, c->ntok, c->captok);
    c->tok[c->ntok++] = t;
}

static void push_break(kc_t *c, uint32_t off) {
    if (c->ntok > 0 && c->tok[c->ntok - 1].kind == TK_SYM && c->tok[c->ntok - 1].cp == 0xFFFD)
        return;
    tok_push(c, (tok_t){.off = off, .len = 0, .wid = NONE, .cp = 0xFFFD, .kind = TK_SYM});
}

static bool is_bullet(int32_t cp) {
    return cp == 0x2022 || cp == 0x00B7 || cp == 0x25AA || cp == 0x2023 || cp == 0x25E6 ||
           cp == '*' || cp == 0x25A0 || cp == 0x25BA || cp == 0x2713 || cp == 0x2714 ||
           cp == 0x2192;
}

static void tokenize(kc_t *c, const char *text, size_t n) {
    const unsigned char *s = (const unsigned char *)text;
    c->ntok = 0;
    c->text = text;
    bool si = true, space = true;
    size_t i = 0;
    while (i < n) {
        size_t l;
        int32_t cp = dec(s, n, i, &l);
        int k = cp_class(cp);
        if (cp == 0x2122 || cp == 0xAE) { /* ™ ®: invisible to the rules */
            i += l;
            continue;
        }
        if (k == CL_SPACE) {
            space = true;
            i += l;
            continue;
        }
        if (k == CL_NEWLINE) {
            push_break(c, (uint32_t)i);
            si = space = true;
            i += l;
            continue;
        }
        uint16_t fl = space ? F_SPACE : 0;
        bool glued = !space && c->ntok > 0 && c->tok[c->ntok - 1].kind == TK_NUM;
        space = false;
        if (k == CL_DIGIT) {
            size_t j = i + 1;
            while (j < n) {
                if (s[j] >= '0' && s[j] <= '9') {
                    j++;
                } else if ((s[j] == ',' || s[j] == '.') && j + 1 < n && s[j + 1] >= '0' &&
                           s[j + 1] <= '9') {
                    j += 2;
                } else {
                    break;
                }
            }
            if (j - i > 30) {
                push_break(c, (uint32_t)i);
                si = true;
            } else {
                if (si) fl |= F_SI;
                si = false;
                tok_push(c, (tok_t){(uint32_t)i, (uint32_t)(j - i), intern(c, text + i, j - i), 0,
                                    fl, TK_NUM});
            }
            i = j;
            continue;
        }
        if (k == CL_LOWER || k == CL_UPPER || k == CL_LETTER) {
            size_t j = i;
            bool lower = false, upper = false, first = true, cap = false;
            int letters = 0, prevk = k;
            while (j < n) {
                size_t l2;
                int32_t c2 = dec(s, n, j, &l2);
                int k2 = cp_class(c2);
                if (cl_alnum(k2)) {
                    if (k2 == CL_LOWER) lower = true;
                    if (k2 == CL_UPPER) upper = true;
                    if (k2 <= CL_LETTER) letters++;
                    if (first) cap = k2 == CL_UPPER;
                    first = false;
                    prevk = k2;
                    j += l2;
                    continue;
                }
                if ((c2 == '-' || c2 == '\'' || c2 == 0x2019 || c2 == '.' || c2 == '&') &&
                    j + l2 < n) {
                    size_t l3;
                    int k3 = cp_class(dec(s, n, j + l2, &l3));
                    bool ok = cl_alnum(k3);
                    if (c2 == '.') ok = ok && prevk != CL_DIGIT && k3 != CL_DIGIT;
                    if (ok) {
                        j += l2;
                        continue;
                    }
                }
                break;
            }
            size_t len = j - i;
            if (len > MAX_WORD_BYTES) {
                push_break(c, (uint32_t)i);
                si = true;
                i = j;
                continue;
            }
            if (len > 2 && (text[i + len - 1] == 's' || text[i + len - 1] == 'S')) {
                if (text[i + len - 2] == '\'') {
                    len -= 2;
                    fl |= F_POSS;
                } else if (len > 4 && memcmp(text + i + len - 4, "\xe2\x80\x99", 3) == 0) {
                    len -= 4;
                    fl |= F_POSS;
                }
            }
            if (cap) fl |= F_CAP;
            if (upper && !lower && letters >= 2) fl |= F_ALLCAP;
            if (glued) fl |= F_GLUED;
            if (si) fl |= F_SI;
            fl |= F_LETTER;
            si = false;
            uint32_t wid = intern(c, text + i, len);
            if (!c->title_pass) {
                word_t *lw = W(c, W(c, wid)->lower);
                if (!upper) lw->seen_lower = 1;
                if (upper && !(fl & F_SI)) lw->seen_cap = 1;
                c->words_total++;
            }
            tok_push(c, (tok_t){(uint32_t)i, (uint32_t)len, wid, 0, fl, TK_WORD});
            i = j;
            continue;
        }
        if (cp < 0) {
            push_break(c, (uint32_t)i);
            si = space = true;
            i += l;
            continue;
        }
        /* One symbol. */
        tok_push(c, (tok_t){(uint32_t)i, (uint32_t)l, NONE, (uint32_t)cp, fl, TK_SYM});
        if (cp == '.' || cp == '!' || cp == '?' || cp == 0x2026) {
            size_t l2 = 0;
            int k2 = i + l < n ? cp_class(dec(s, n, i + l, &l2)) : CL_SPACE;
            bool end = k2 == CL_SPACE || k2 == CL_NEWLINE || k2 == CL_OTHER;
            if (end && cp == '.' && c->ntok >= 2) {
                const tok_t *p = &c->tok[c->ntok - 2];
                if (p->kind == TK_WORD) {
                    if ((WL(c, p->wid)->bits & KL_ABBREV) != 0) end = false;
                    if (p->len == 1 && (p->flags & F_CAP)) end = false; /* an initial */
                }
            }
            if (end) si = true;
        } else if (is_bullet(cp)) {
            si = true;
        }
        i += l;
    }
}

/* ---- token predicates ---------------------------------------------------- */

static bool is_word(const tok_t *t) { return t->kind == TK_WORD; }
static bool is_sym(const tok_t *t, uint32_t cp) { return t->kind == TK_SYM && t->cp == cp; }
static uint32_t tbits(kc_t *c, const tok_t *t) { return is_word(t) ? W(c, t->wid)->bits : 0; }

static bool tok_is(kc_t *c, const tok_t *t, const char *lw) {
    if (!is_word(t)) return false;
    const word_t *w = WL(c, t->wid);
    size_t n = strlen(lw);
    return w->len == n && memcmp(c->keys.p + w->off, lw, n) == 0;
}

static bool is_dash(uint32_t cp) { return cp == '-' || cp == 0x2013 || cp == 0x2014; }

/* Ends a clause: the context of a number does not reach across it. */
static bool is_break(const tok_t *t) {
    if (t->kind != TK_SYM) return false;
    switch (t->cp) {
    case ',':
    case ';':
    case ':':
    case '(':
    case ')':
    case '[':
    case ']':
    case '{':
    case '}':
    case '"':
    case '|':
    case '!':
    case '?':
    case '.':
    case 0x2026:
    case 0x201C:
    case 0x201D:
    case 0x201E:
    case 0xAB:
    case 0xBB:
    case 0xFFFD: return true;
    default: return is_bullet((int32_t)t->cp) || (is_dash(t->cp) && (t->flags & F_SPACE));
    }
}

/* A proper-noun-looking word: capitalised inside a sentence, or all caps. */
static bool is_proper(kc_t *c, const tok_t *t) {
    if (!is_word(t)) return false;
    if (t->flags & F_ALLCAP) return true;
    if (!(t->flags & F_CAP)) return false;
    if (t->flags & F_SI) return (tbits(c, t) & KL_COMMON) == 0 && !WL(c, t->wid)->seen_lower;
    return true;
}

/* A content word for phrases: not a stopword, not glued to a number. */
static bool is_content(kc_t *c, const tok_t *t) {
    return is_word(t) && !(t->flags & (F_GLUED | F_USED)) &&
           (tbits(c, t) & (KL_STOP | KL_DET)) == 0;
}

/* ---- names --------------------------------------------------------------- */

/* Cleans bytes into c->name: valid UTF-8 only, one space between words,
 * no ™/®, no trailing punctuation, at most NAME_MAX_CHARS characters cut
 * at a word boundary. Returns the length (0: nothing left). */
static size_t name_make(kc_t *c, const char *s, size_t n, bool lower_first) {
    const unsigned char *u = (const unsigned char *)s;
    char *o = c->name;
    size_t on = 0, chars = 0, last_space = 0, chars_at_space = 0;
    bool pend_space = false, first = true;
    if (n > 600) n = 600;
    for (size_t i = 0; i < n;) {
        size_t l;
        int32_t cp = dec(u, n, i, &l);
        int k = cp_class(cp);
        i += l;
        if (cp == 0x2122 || cp == 0xAE) continue;
        if (cp < 0 || k == CL_SPACE || k == CL_NEWLINE) {
            pend_space = on > 0;
            continue;
        }
        if (pend_space) {
            if (chars + 1 > NAME_MAX_CHARS) break;
            last_space = on;
            chars_at_space = chars;
            o[on++] = ' ';
            chars++;
            pend_space = false;
        }
        if (chars + 1 > NAME_MAX_CHARS) {
            /* Cut at the last word boundary when there is one. */
            if (last_space > 0) {
                on = last_space;
                chars = chars_at_space;
            }
            break;
        }
        if (first && lower_first) cp = utf8proc_tolower(cp);
        first = false;
        on += (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)o + on);
        chars++;
    }
    while (on > 0 && strchr(" ,.;:-", o[on - 1]) != NULL) on--;
    o[on] = '\0';
    return on;
}

/* ---- concepts ------------------------------------------------------------ */

static void etab_init(etab_t *t) {
    ht_init(&t->h, 1024);
    t->v = NULL;
    t->n = t->cap = 0;
}

static uint32_t etab_get(kc_t *c, etab_t *t, const void *key, size_t n, bool *isnew) {
    slot_t *sl = ht_slot(&c->keys, &t->h, key, n, isnew);
    if (!*isnew) return sl->val;
    VEC_GROW(t->v, t->n, t->cap);
    uint32_t id = (uint32_t)t->n++;
    sl->val = id;
    t->v[id] = (ent_t){.key_off = sl->off,
                       .key_len = (uint32_t)n,
                       .link_head = NONE,
                       .link_tail = NONE,
                       .form_head = NONE};
    return id;
}

static void ent_mention(kc_t *c, ent_t *e, uint32_t chunk, uint32_t k) {
    if (chunk >= TITLE) return;
    e->total += k;
    if (e->link_tail != NONE && c->links[e->link_tail].chunk == chunk) {
        c->links[e->link_tail].mentions += k;
        return;
    }
    VEC_GROW(c->links, c->nlinks, c->caplinks);
    uint32_t id = (uint32_t)c->nlinks++;
    c->links[id] = (link_t){chunk, k, NONE};
    if (e->link_tail == NONE)
        e->link_head = id;
    else
        c->links[e->link_tail].next = id;
    e->link_tail = id;
    e->nchunks++;
}

/* Counts a surface form (a string, or up to three word ids). */
static void ent_form(kc_t *c, ent_t *e, const char *s, size_t n, const uint32_t *ids, size_t nids,
                     uint32_t k) {
    uint32_t *prev = &e->form_head;
    int count = 0;
    while (*prev != NONE) {
        form_t *f = &c->forms[*prev];
        /* Either s or ids is given. */
        bool same = s != NULL ? (f->len == n && memcmp(c->keys.p + f->off, s, n) == 0)
                              // cppcheck-suppress nullPointer
                              : memcmp(f->ids, ids, nids * sizeof *ids) == 0;
        if (same) {
            f->count += k;
            return;
        }
        prev = &f->next;
        count++;
    }
    if (count >= MAX_FORMS) return;
    VEC_GROW(c->forms, c->nforms, c->capforms);
    uint32_t id = (uint32_t)c->nforms++;
    form_t f = {.count = k, .next = NONE, .ids = {NONE, NONE, NONE}};
    if (s != NULL) {
        f.off = pool_add(&c->keys, s, n);
        f.len = (uint32_t)n;
    } else {
        memcpy(f.ids, ids, nids * sizeof *ids);
    }
    c->forms[id] = f;
    /* prev may point into the old forms array: walk again to the end. */
    prev = &e->form_head;
    while (*prev != NONE) prev = &c->forms[*prev].next;
    *prev = id;
}

/* Adds one mention of a typed concept named s[0..n) (cleaned here). */
static void add_typed(kc_t *c, kcon_type_t type, const char *s, size_t n, bool lower_first) {
    if (c->chunk >= TITLE) return;
    size_t nn = name_make(c, s, n, lower_first);
    if (nn == 0) return;
    char key[2 * sizeof c->name + 8];
    key[0] = (char)('A' + type);
    size_t kn = 1 + lower_utf8(c->name, nn, key + 1);
    bool isnew;
    uint32_t id = etab_get(c, &c->typed, key, kn, &isnew);
    ent_t *e = &c->typed.v[id];
    e->type = (uint8_t)type;
    ent_form(c, e, c->name, nn, NULL, 0, 1);
    ent_mention(c, &c->typed.v[id], c->chunk, 1);
}

static void add_span(kc_t *c, kcon_type_t type, size_t a, size_t b) {
    const tok_t *t = c->tok;
    size_t from = t[a].off, to = t[b].off + t[b].len;
    bool lf = (t[a].flags & F_SI) && (t[a].flags & F_CAP) && !(t[a].flags & F_ALLCAP) &&
              t[a].kind == TK_WORD;
    add_typed(c, type, c->text + from, to - from, lf);
}

/* Joins words (proper ones as written, others lower case) plus a suffix. */
static void add_words(kc_t *c, kcon_type_t type, const char *prefix, const size_t *w, size_t nw,
                      const char *suffix) {
    char buf[1024];
    size_t bn = 0;
    if (prefix != NULL) {
        size_t pn = strlen(prefix);
        memcpy(buf, prefix, pn);
        bn = pn;
    }
    for (size_t i = 0; i < nw; i++) {
        const tok_t *t = &c->tok[w[i]];
        uint32_t wid = is_proper(c, t) ? t->wid : W(c, t->wid)->lower;
        const word_t *x = W(c, wid);
        if (bn + x->len + 2 > sizeof buf) break;
        if (bn > 0) buf[bn++] = ' ';
        memcpy(buf + bn, wstr(c, wid), x->len);
        bn += x->len;
    }
    if (suffix != NULL && bn + strlen(suffix) + 2 < sizeof buf) {
        buf[bn++] = ' ';
        memcpy(buf + bn, suffix, strlen(suffix));
        bn += strlen(suffix);
    }
    add_typed(c, type, buf, bn, false);
}

/* ---- prices and metrics -------------------------------------------------- */

static bool is_cur_sym(uint32_t cp) {
    return cp == '$' || cp == 0x20AC || cp == 0xA3 || cp == 0xA5;
}

static bool is_code(kc_t *c, const tok_t *t) {
    return is_word(t) && (t->flags & F_ALLCAP) && (tbits(c, t) & KL_CURCODE);
}

/* After a number: "k"/"M" stuck to it, "million", a "+". */
static size_t money_suffix(kc_t *c, size_t k) {
    const tok_t *t = c->tok;
    size_t n = c->ntok;
    if (k < n && is_word(&t[k]) && (tbits(c, &t[k]) & KL_MSUFFIX) &&
        (!(t[k].flags & F_SPACE) || t[k].len > 2))
        k++;
    if (k < n && is_sym(&t[k], '+') && !(t[k].flags & F_SPACE)) k++;
    return k;
}

/* A money amount starting at i: returns the index after it, or 0. */
static size_t amount_at(kc_t *c, size_t i) {
    const tok_t *t = c->tok;
    size_t n = c->ntok, k = i;
    bool lead = false;
    if (t[k].kind == TK_SYM && is_cur_sym(t[k].cp)) {
        lead = true;
        k++;
    } else if (is_code(c, &t[k])) {
        lead = true;
        k++;
    }
    if (k >= n || t[k].kind != TK_NUM || (t[k].flags & F_USED)) return 0;
    k = money_suffix(c, k + 1);
    /* A range: "$10–$20", "$10-20", "$10 to $20". */
    if (k + 1 < n && ((t[k].kind == TK_SYM && is_dash(t[k].cp)) || tok_is(c, &t[k], "to"))) {
        size_t m = k + 1;
        bool cur = m < n && t[m].kind == TK_SYM && is_cur_sym(t[m].cp);
        if (cur) m++;
        if (m < n && t[m].kind == TK_NUM && (lead || !tok_is(c, &t[k], "to")) &&
            (cur || !tok_is(c, &t[k], "to")))
            k = money_suffix(c, m + 1);
    }
    if (!lead) {
        if (k < n &&
            ((t[k].kind == TK_SYM && is_cur_sym(t[k].cp) && t[k].cp != '$') || is_code(c, &t[k])))
            k++;
        else
            return 0;
    }
    return k;
}

/* What a price is per: "/user/mo", "per seat per month", "a month",
 * "annually", "billed annually", "one-time". Returns the index after. */
static size_t price_unit(kc_t *c, size_t k) {
    const tok_t *t = c->tok;
    size_t n = c->ntok;
    for (int step = 0; step < 4 && k < n; step++) {
        if (is_sym(&t[k], '/') && k + 1 < n && is_word(&t[k + 1])) {
            k += 2;
        } else if (tok_is(c, &t[k], "per") && k + 1 < n && is_word(&t[k + 1])) {
            size_t m = k + 2;
            if (m < n && is_word(&t[m]) &&
                (tok_is(c, &t[k + 1], "active") || tok_is(c, &t[k + 1], "named") ||
                 tok_is(c, &t[k + 1], "additional") || tok_is(c, &t[k + 1], "extra")))
                m++;
            k = m;
        } else if ((tok_is(c, &t[k], "a") || tok_is(c, &t[k], "an")) && k + 1 < n &&
                   (tbits(c, &t[k + 1]) & (KL_PUNIT | KL_TIME))) {
            k += 2;
        } else if (tok_is(c, &t[k], "each") || (tbits(c, &t[k]) & KL_PERIOD)) {
            k++;
        } else if (tok_is(c, &t[k], "billed") && k + 1 < n && (tbits(c, &t[k + 1]) & KL_PERIOD)) {
            k += 2;
        } else if (is_sym(&t[k], ',') && k + 2 < n && tok_is(c, &t[k + 1], "billed") &&
                   (tbits(c, &t[k + 2]) & KL_PERIOD)) {
            k += 3;
        } else {
            break;
        }
    }
    return k;
}

enum { MK_PCT = 1, MK_MULT, MK_DUR, MK_COUNT, MK_MONEY };

static bool is_year(kc_t *c, const tok_t *t) {
    if (t->kind != TK_NUM || t->len != 4) return false;
    const char *s = c->text + t->off;
    int v = 0;
    for (int i = 0; i < 4; i++) v = v * 10 + (s[i] - '0');
    return v >= 1900 && v <= 2100;
}

/* Is there a proof-point number at i? Sets its kind and last token. */
static bool anchor_at(kc_t *c, size_t i, int *kind, size_t *aend) {
    const tok_t *t = c->tok;
    size_t n = c->ntok, k = i + 1;
    if (i >= n || t[i].kind != TK_NUM || (t[i].flags & F_USED)) return false;
    /* Times, dates, "24/7". */
    if (i > 0 && !(t[i].flags & F_SPACE) && (is_sym(&t[i - 1], ':') || is_sym(&t[i - 1], '/')))
        return false;
    if (k + 1 < n && (is_sym(&t[k], ':') || is_sym(&t[k], '/')) && t[k + 1].kind == TK_NUM &&
        !(t[k + 1].flags & F_SPACE))
        return false;
    if (k >= n) return false;
    if (is_sym(&t[k], '%') || (tbits(c, &t[k]) & KL_PERCENT)) {
        *kind = MK_PCT;
        *aend = k;
        return true;
    }
    if ((tok_is(c, &t[k], "x") && !(t[k].flags & F_SPACE) &&
         !(k + 1 < n && t[k + 1].kind == TK_NUM && !(t[k + 1].flags & F_SPACE))) ||
        is_sym(&t[k], 0xD7) ||
        ((tok_is(c, &t[k], "times") || tok_is(c, &t[k], "x")) && k + 1 < n &&
         (tbits(c, &t[k + 1]) & KL_COMPAR))) {
        *kind = MK_MULT;
        *aend = k;
        return true;
    }
    size_t u = k;
    if (u < n && is_sym(&t[u], '+') && !(t[u].flags & F_SPACE)) u++;
    if (u + 1 < n && is_sym(&t[u], '-') && !(t[u].flags & F_SPACE) && is_word(&t[u + 1]) &&
        !(t[u + 1].flags & F_SPACE) && (tbits(c, &t[u + 1]) & KL_TIME)) {
        *kind = MK_DUR;
        *aend = u + 1;
        return true;
    }
    if (u < n && is_word(&t[u]) && (t[u].flags & F_SPACE) && !(t[u].flags & (F_CAP | F_ALLCAP))) {
        uint32_t b = tbits(c, &t[u]);
        if (b & KL_TIME) {
            *kind = MK_DUR;
            *aend = u;
            return true;
        }
        if (!is_year(c, &t[i]) && !(b & (KL_STOP | KL_MONTH | KL_DET)) && t[u].len >= 2) {
            *kind = MK_COUNT;
            *aend = u;
            return true;
        }
    }
    return false;
}

/* Grows a proof point around its number [astart, aend] to the clause
 * phrase that says what changed, and adds it. */
static void metric_emit(kc_t *c, size_t astart, size_t aend, int kind, size_t mend) {
    const tok_t *t = c->tok;
    size_t n = c->ntok, e = mend > aend ? mend : aend;
    bool compar = false;
    if (kind == MK_PCT || kind == MK_MULT) {
        if (e + 1 < n && (tbits(c, &t[e + 1]) & KL_COMPAR) && !(t[e + 1].flags & F_USED)) {
            compar = true;
            e++;
            if (e + 2 < n &&
                (tok_is(c, &t[e + 1], "in") || tok_is(c, &t[e + 1], "of") ||
                 tok_is(c, &t[e + 1], "on")) &&
                is_content(c, &t[e + 2])) {
                e += 2;
                if (e + 1 < n && is_content(c, &t[e + 1])) e++;
            } else {
                for (int k = 0; k < 2 && e + 1 < n && is_content(c, &t[e + 1]); k++) e++;
            }
        }
    } else if (kind == MK_COUNT) {
        if (e + 1 < n && is_content(c, &t[e + 1]) && !(t[e + 1].flags & (F_CAP | F_ALLCAP))) e++;
    }
    /* The change verb before the number, within the clause. */
    size_t s = astart;
    bool found = false;
    for (size_t j = astart, steps = 0; j > 0 && steps < 8; steps++) {
        j--;
        if (is_break(&t[j])) break;
        if (is_word(&t[j]) && (tbits(c, &t[j]) & KL_CHANGE)) {
            s = j;
            found = true;
            break;
        }
    }
    if (found) {
        /* "support tickets dropped 25%": the subject is what changed. */
        if ((tbits(c, &t[s]) & KL_INTRANS) &&
            (s + 1 == astart || (tbits(c, &t[s + 1]) & KL_MPREP))) {
            size_t j = s;
            for (int k = 0; k < 3 && j > 0; k++) {
                const tok_t *p = &t[j - 1];
                if (!is_content(c, p) || (p->flags & F_POSS) ||
                    ((p->flags & F_CAP) && !(p->flags & (F_SI | F_ALLCAP))))
                    break;
                j--;
            }
            s = j;
        }
    } else if (!compar) {
        size_t j = astart;
        for (int k = 0; k < 3 && j > 0 && is_word(&t[j - 1]) && (tbits(c, &t[j - 1]) & KL_MPREP);
             k++)
            j--;
        for (int k = 0; k < 2 && j > 0; k++) {
            const tok_t *p = &t[j - 1];
            if (!is_content(c, p) || (p->flags & F_POSS) ||
                ((p->flags & F_CAP) && !(p->flags & (F_SI | F_ALLCAP))))
                break;
            j--;
        }
        s = j;
        while (s < astart && is_word(&t[s]) && (tbits(c, &t[s]) & (KL_STOP | KL_DET)) &&
               !(tbits(c, &t[s]) & KL_MPREP))
            s++;
    }
    for (size_t j = s; j <= e; j++) c->tok[j].flags |= F_USED;
    add_span(c, KCON_METRIC, s, e);
}

static void prices_and_metrics(kc_t *c) {
    tok_t *t = c->tok;
    size_t n = c->ntok;
    for (size_t i = 0; i < n; i++) {
        if (t[i].flags & F_USED) continue;
        size_t ae = amount_at(c, i);
        if (ae == 0) continue;
        size_t ue = price_unit(c, ae);
        /* Money after a change verb, or "in savings", is a proof point. */
        bool metric = false;
        for (size_t j = i, steps = 0; j > 0 && steps < 6; steps++) {
            j--;
            if (is_break(&t[j])) break;
            if (tbits(c, &t[j]) & KL_CHANGE) {
                metric = true;
                break;
            }
        }
        size_t mend = ue - 1;
        size_t k = ue;
        if (k + 1 < n && (tok_is(c, &t[k], "in") || tok_is(c, &t[k], "of"))) {
            size_t m = k + 1;
            if (m + 1 < n && is_content(c, &t[m]) && !(tbits(c, &t[m]) & KL_MNOUN)) m++;
            if (tbits(c, &t[m]) & KL_MNOUN) {
                metric = true;
                mend = m;
            }
        }
        if (metric) {
            metric_emit(c, i, ue - 1, MK_MONEY, mend);
        } else {
            add_span(c, KCON_PRICE, i, ue - 1);
        }
        for (size_t j = i; j < ue; j++) t[j].flags |= F_USED;
        i = ue - 1;
    }
    for (size_t i = 0; i < n; i++) {
        int kind;
        size_t aend;
        if (!anchor_at(c, i, &kind, &aend)) continue;
        size_t astart = i;
        if (i >= 2 && t[i - 2].kind == TK_NUM && !(t[i - 2].flags & F_USED) &&
            t[i - 1].kind == TK_SYM && is_dash(t[i - 1].cp) && !(t[i - 1].flags & F_SPACE) &&
            !(t[i].flags & F_SPACE))
            astart = i - 2; /* "2–3x", "20-30%" */
        /* "from 3 days to 4 hours": one proof point. */
        if (astart > 0 && tok_is(c, &t[astart - 1], "from") && aend + 2 < n &&
            tok_is(c, &t[aend + 1], "to")) {
            int k2;
            size_t e2;
            if (anchor_at(c, aend + 2, &k2, &e2)) aend = e2;
        }
        metric_emit(c, astart, aend, kind, aend);
        i = aend;
    }
}

/* ---- gazetteers and cues ------------------------------------------------- */

static bool word_eq(const char *s, size_t n, const char *p, size_t pn, bool plural) {
    if (n == pn && memcmp(s, p, n) == 0) return true;
    if (!plural || n <= pn || memcmp(s, p, pn) != 0) return false;
    return (n == pn + 1 && s[pn] == 's') || (n == pn + 2 && s[pn] == 'e' && s[pn + 1] == 's');
}

/* Matches pattern words pi.. at token ti; returns the end token or 0. */
static size_t pat_match(kc_t *c, const kcon_pat_t *p, size_t ti, size_t pi) {
    const tok_t *t = c->tok;
    size_t n = c->ntok;
    if (pi == p->nw) return ti;
    if (p->wlen[pi] == 1 && p->w[pi][0] == '*') {
        for (size_t k = 0; k <= 2; k++) {
            if (k > 0 && (ti + k - 1 >= n || !is_word(&t[ti + k - 1]))) break;
            size_t r = pat_match(c, p, ti + k, pi + 1);
            if (r) return r;
        }
        return 0;
    }
    if (ti >= n || !is_word(&t[ti])) return 0;
    bool last = pi + 1 == p->nw;
    const word_t *w = p->exact[pi] ? W(c, t[ti].wid) : WL(c, t[ti].wid);
    if (!word_eq(c->keys.p + w->off, w->len, p->w[pi], p->wlen[pi], last && p->plural)) {
        /* Plural "CFOs" with a case-exact pattern word. */
        return 0;
    }
    return pat_match(c, p, ti + 1, pi + 1);
}

/* Reads a noun phrase at i (after up to two determiners): a capitalised
 * name (then more lower-case words), or up to maxw content words. Returns
 * its word count; w[] gets the token indices, *end the index after. */
static size_t np_read(kc_t *c, size_t i, size_t *w, size_t maxw, size_t *end) {
    const tok_t *t = c->tok;
    size_t n = c->ntok, j = i, nw = 0;
    for (int d = 0;
         d < 2 && j < n && is_word(&t[j]) && (tbits(c, &t[j]) & KL_DET) && !(t[j].flags & F_ALLCAP);
         d++)
        j++;
    if (j < n && is_proper(c, &t[j]) && !(t[j].flags & (F_USED | F_GLUED))) {
        while (j < n && nw < MAX_NAME_RUN && is_proper(c, &t[j]) &&
               !(t[j].flags & (F_USED | F_GLUED | F_BREAK)) &&
               (nw == 0 || (t[j].flags & F_SPACE))) {
            w[nw++] = j++;
            if (t[j - 1].flags & F_POSS) break;
        }
    }
    while (j < n && nw < maxw && is_content(c, &t[j]) && !(t[j].flags & F_POSS && nw > 0)) {
        w[nw++] = j++;
        if (t[j - 1].flags & F_POSS) break;
    }
    *end = j;
    return nw;
}

static bool np_has_proper(kc_t *c, const size_t *w, size_t nw) {
    for (size_t i = 0; i < nw; i++)
        if (is_proper(c, &c->tok[w[i]])) return true;
    return false;
}

static void feature_list(kc_t *c, size_t j, int mode) {
    tok_t *t = c->tok;
    size_t n = c->ntok;
    for (int item = 0; item < 8 && j < n; item++) {
        size_t w[8], e;
        size_t nw = np_read(c, j, w, 3, &e);
        if (nw == 0) break;
        bool taken = false;
        for (size_t k = 0; k < nw; k++) taken |= (t[w[k]].flags & F_FEAT) != 0;
        if (taken) break;
        /* "built-in call recording captures ...": end at the feature noun. */
        if (mode != KM_INTEG) {
            size_t last = nw;
            for (size_t k = 0; k < nw; k++)
                if (tbits(c, &t[w[k]]) & KL_FHEAD) last = k + 1;
            if (last < nw) {
                nw = last;
                e = w[nw - 1] + 1;
            }
        }
        const tok_t *head = &t[w[nw - 1]];
        bool hyphen = false;
        for (size_t k = 0; k < nw; k++)
            hyphen |= memchr(c->text + t[w[k]].off, '-', t[w[k]].len) != NULL;
        bool ok;
        switch (mode) {
        case KM_INTEG: ok = is_proper(c, &t[w[0]]); break;
        case KM_STRONG: ok = true; break;
        case KM_WEAK: ok = np_has_proper(c, w, nw) || hyphen || (tbits(c, head) & KL_FHEAD); break;
        default: ok = (tbits(c, head) & KL_FHEAD) != 0; break;
        }
        if (!ok) break;
        for (size_t k = j; k < e; k++) t[k].flags |= F_FEAT;
        const char *suffix = NULL;
        if (mode == KM_INTEG && !tok_is(c, head, "integration") && !tok_is(c, head, "integrations"))
            suffix = "integration";
        add_words(c, KCON_FEATURE, NULL, w, nw, suffix);
        size_t k = e;
        bool sep = false;
        if (k < n && is_sym(&t[k], '(')) { /* "single sign-on (SSO)" */
            size_t m = k + 1;
            while (m < n && m < k + 5 && !is_sym(&t[m], ')')) m++;
            if (m < n && is_sym(&t[m], ')')) {
                for (size_t q = k; q <= m; q++) t[q].flags |= F_FEAT;
                k = m + 1;
            }
        }
        if (k < n && is_sym(&t[k], ',')) {
            k++;
            sep = true;
        }
        if (k < n && (tok_is(c, &t[k], "and") || tok_is(c, &t[k], "or"))) {
            k++;
            sep = true;
        }
        if (!sep) break;
        j = k;
    }
}

/* A verb and its object at j ("close deals faster", "focus on selling");
 * adds the benefit. */
static void benefit_at(kc_t *c, size_t j, bool need_known_verb) {
    tok_t *t = c->tok;
    size_t n = c->ntok;
    if (j >= n || !is_word(&t[j]) || (t[j].flags & (F_BEN | F_USED))) return;
    uint32_t b = tbits(c, &t[j]);
    if (b & (KL_STOP | KL_DET)) return;
    if (need_known_verb && !(b & KL_BENEFIT)) return;
    const word_t *lw = WL(c, t[j].wid);
    char verb[256];
    size_t vn;
    const char *base = (b & KL_BENEFIT) ? lw->base : NULL;
    if (base != NULL) {
        vn = strlen(base);
        memcpy(verb, base, vn + 1);
    } else {
        vn = lw->len < sizeof verb - 1 ? lw->len : sizeof verb - 1;
        memcpy(verb, c->keys.p + lw->off, vn);
        verb[vn] = '\0';
    }
    size_t k = j + 1;
    if (strcmp(verb, "speed") == 0) {
        if (k >= n || !tok_is(c, &t[k], "up")) return;
        memcpy(verb, "speed up", 9);
        k++;
    }
    static const char *const PREPS[] = {"on", "for", "with", "into", "more", "to", "in"};
    for (size_t p = 0; p < sizeof PREPS / sizeof PREPS[0]; p++)
        if (k + 1 < n && tok_is(c, &t[k], PREPS[p]) && is_content(c, &t[k + 1])) {
            size_t vl = strlen(verb);
            size_t pl = strlen(PREPS[p]);
            if (vl + pl + 2 < sizeof verb) {
                verb[vl] = ' ';
                memcpy(verb + vl + 1, PREPS[p], pl + 1);
            }
            k++;
            break;
        }
    size_t w[8], e;
    size_t nw = np_read(c, k, w, 3, &e);
    if (nw == 0 && (need_known_verb || !(b & KL_BENEFIT))) return;
    t[j].flags |= F_BEN;
    for (size_t q = 0; q < nw; q++) t[w[q]].flags |= F_BEN;
    add_words(c, KCON_BENEFIT, verb, w, nw, NULL);
}

/* After a competitive cue ending at j: flag the capitalised name(s). */
static void competitor_list(kc_t *c, size_t j) {
    tok_t *t = c->tok;
    size_t n = c->ntok;
    for (int s = 0; s < 3 && j < n; s++) {
        if ((is_word(&t[j]) && (tbits(c, &t[j]) & KL_SKIPCOMP) && !(t[j].flags & F_ALLCAP)) ||
            is_sym(&t[j], ':') || is_sym(&t[j], '(') || is_sym(&t[j], '.'))
            j++;
        else
            break;
    }
    for (int item = 0; item < 8 && j < n; item++) {
        if (!is_word(&t[j]) || !(t[j].flags & (F_CAP | F_ALLCAP))) return;
        t[j].flags |= F_COMPS;
        while (j < n && is_word(&t[j]) && (t[j].flags & (F_CAP | F_ALLCAP))) {
            j++;
            if (t[j - 1].flags & F_POSS) break;
        }
        bool sep = false;
        if (j < n && is_sym(&t[j], ',')) {
            j++;
            sep = true;
        }
        if (j < n && (tok_is(c, &t[j], "and") || tok_is(c, &t[j], "or"))) {
            j++;
            sep = true;
        }
        if (!sep) return;
    }
}

static void phrase_rules(kc_t *c) {
    tok_t *t = c->tok;
    size_t n = c->ntok;
    size_t next_ok[KP_KIND_COUNT] = {0};
    for (size_t i = 0; i < n; i++) {
        if (!is_word(&t[i])) continue;
        const word_t *w = W(c, t[i].wid);
        size_t best[KP_KIND_COUNT] = {0};
        const kcon_pat_t *bestp[KP_KIND_COUNT] = {NULL};
        for (uint32_t q = 0; q < w->npats; q++) {
            const kcon_pat_t *p = kcon_pat_get(w->pats[q]);
            if (i < next_ok[p->kind]) continue;
            if (c->title_pass && p->kind != KP_COMPCUE) continue;
            if (p->not_after != NULL && i > 0 && tok_is(c, &t[i - 1], p->not_after)) continue;
            size_t e = pat_match(c, p, i, 0);
            if (e > best[p->kind]) {
                best[p->kind] = e;
                bestp[p->kind] = p;
            }
        }
        for (int k = 0; k < KP_KIND_COUNT; k++) {
            const kcon_pat_t *p = bestp[k];
            if (p == NULL) continue;
            size_t e = best[k];
            next_ok[k] = e;
            if (k <= KP_PERSONA)
                for (size_t q = i; q < e; q++) t[q].flags |= F_GAZ;
            switch (k) {
            case KP_OBJECTION:
                add_typed(c, KCON_OBJECTION, p->canon, strlen(p->canon), false);
                break;
            case KP_INDUSTRY: add_typed(c, KCON_INDUSTRY, p->canon, strlen(p->canon), false); break;
            case KP_PERSONA: add_typed(c, KCON_PERSONA, p->canon, strlen(p->canon), false); break;
            case KP_FEATURE: {
                bool taken = false;
                for (size_t q = i; q < e; q++) taken |= (t[q].flags & F_FEAT) != 0;
                if (taken) break;
                for (size_t q = i; q < e; q++) t[q].flags |= F_FEAT;
                add_typed(c, KCON_FEATURE, p->canon, strlen(p->canon), false);
                break;
            }
            case KP_FEATCUE:
                if (t[i].flags & F_FEAT) break;
                for (size_t q = i; q < e; q++) t[q].flags |= F_FEAT;
                feature_list(c, e, p->mode);
                break;
            case KP_BENCUE: benefit_at(c, e, false); break;
            case KP_COMPCUE:
                for (size_t q = i; q < e; q++) t[q].flags |= F_BREAK;
                competitor_list(c, e);
                break;
            default: break;
            }
        }
    }
}

/* Rules keyed on one word: "X integration", "the X feature", benefit
 * verbs, "helps (teams) VERB ...", "Gong alternative". */
static void word_rules(kc_t *c) {
    tok_t *t = c->tok;
    size_t n = c->ntok;
    for (size_t i = 0; i < n; i++) {
        if (!is_word(&t[i])) continue;
        uint32_t b = tbits(c, &t[i]);
        if (b & KL_COMPCUE_AFTER) {
            if (i > 0 && is_word(&t[i - 1]) && (t[i - 1].flags & (F_CAP | F_ALLCAP)) &&
                !(t[i].flags & (F_CAP | F_ALLCAP)))
                t[i - 1].flags |= F_COMPE;
        }
        if (c->title_pass) continue;
        if ((tok_is(c, &t[i], "integration") || tok_is(c, &t[i], "integrations") ||
             tok_is(c, &t[i], "connector") || tok_is(c, &t[i], "connectors")) &&
            !(t[i].flags & F_FEAT)) {
            size_t j = i, w[4];
            while (j > 0 && i - j < 3 && is_word(&t[j - 1]) && !(t[j - 1].flags & F_FEAT) &&
                   ((t[j - 1].flags & F_ALLCAP) ||
                    ((t[j - 1].flags & F_CAP) && !(tbits(c, &t[j - 1]) & KL_COMMON))) &&
                   (t[j].flags & F_SPACE))
                j--;
            if (j < i) {
                size_t nw = 0;
                for (size_t q = j; q < i; q++) {
                    w[nw++] = q;
                    t[q].flags |= F_FEAT;
                }
                t[i].flags |= F_FEAT;
                add_words(c, KCON_FEATURE, NULL, w, nw, "integration");
            }
        }
        if ((tok_is(c, &t[i], "feature") || tok_is(c, &t[i], "features")) &&
            !(t[i].flags & F_FEAT)) {
            size_t j = i, w[2];
            while (j > 0 && i - j < 2 && is_content(c, &t[j - 1]) &&
                   !(tbits(c, &t[j - 1]) & KL_FADJ) && !(t[j - 1].flags & (F_FEAT | F_POSS)))
                j--;
            if (j < i) {
                size_t nw = 0;
                for (size_t q = j; q <= i; q++) t[q].flags |= F_FEAT;
                for (size_t q = j; q < i; q++) w[nw++] = q;
                add_words(c, KCON_FEATURE, NULL, w, nw, NULL);
            }
        }
        if (b & KL_HELP) {
            if (i > 0 && is_word(&t[i - 1]) && (tbits(c, &t[i - 1]) & KL_DET)) continue;
            size_t j = i + 1;
            for (int k = 0;
                 k < 3 && j < n && is_word(&t[j]) && (tbits(c, &t[j]) & (KL_PEOPLE | KL_DET)); k++)
                j++;
            if (j < n && tok_is(c, &t[j], "to")) j++;
            benefit_at(c, j, false);
            continue;
        }
        if ((b & KL_BENEFIT) && !(t[i].flags & (F_BEN | F_USED))) {
            if (i > 0 && is_word(&t[i - 1]) && (tbits(c, &t[i - 1]) & KL_DET)) continue;
            benefit_at(c, i, true);
        }
    }
}

/* ---- capitalised runs ---------------------------------------------------- */

static bool run_word(kc_t *c, const tok_t *t) {
    (void)c;
    return is_word(t) && (t->flags & (F_CAP | F_ALLCAP)) && !(t->flags & (F_GLUED | F_BREAK));
}

static void cap_runs(kc_t *c) {
    const tok_t *t = c->tok;
    size_t n = c->ntok;
    uint32_t amp = NONE;
    for (size_t i = 0; i < n;) {
        if (!run_word(c, &t[i])) {
            i++;
            continue;
        }
        runocc_t o = {.chunk = c->chunk, .si = (t[i].flags & F_SI) != 0};
        size_t j = i;
        bool overlong = false;
        for (;;) {
            if (o.nw == MAX_RUN) {
                overlong = true;
            } else {
                if (t[j].flags & F_COMPS) o.comps |= (uint8_t)(1u << o.nw);
                if (t[j].flags & F_COMPE) o.compe |= (uint8_t)(1u << o.nw);
                if (t[j].flags & F_FEAT) o.feat = 1;
                o.wid[o.nw++] = t[j].wid;
            }
            if (t[j].flags & F_POSS) {
                j++;
                break;
            }
            j++;
            if (j < n && run_word(c, &t[j]) && (t[j].flags & F_SPACE)) continue;
            /* "Bank of America", "Procter & Gamble". */
            if (j + 1 < n && (tok_is(c, &t[j], "of") || is_sym(&t[j], '&')) &&
                (t[j].flags & F_SPACE) && run_word(c, &t[j + 1]) && (t[j + 1].flags & F_SPACE) &&
                !(t[j + 1].flags & F_SI)) {
                if (o.nw < MAX_RUN) {
                    if (is_sym(&t[j], '&')) {
                        if (amp == NONE) amp = intern(c, "&", 1);
                        o.wid[o.nw++] = amp;
                    } else {
                        o.wid[o.nw++] = t[j].wid;
                    }
                } else {
                    overlong = true;
                }
                j++;
                continue;
            }
            break;
        }
        i = j;
        if (overlong) continue;
        VEC_GROW(c->occ, c->nocc, c->capocc);
        c->occ[c->nocc++] = o;
    }
}

/* ---- keyphrase candidates ------------------------------------------------ */

static bool kp_word(kc_t *c, const tok_t *t) {
    /* Words a typed concept was read from are that concept's already. */
    if (!is_word(t) || (t->flags & (F_GLUED | F_USED | F_FEAT | F_GAZ | F_BEN))) return false;
    if (tbits(c, t) & KL_STOP) return false;
    return t->len >= 2;
}

static void kp_emit(kc_t *c, size_t a, size_t b) {
    const tok_t *t = c->tok;
    uint32_t key[3], form[3] = {NONE, NONE, NONE};
    size_t nk = b - a;
    for (size_t i = 0; i < nk; i++) {
        const tok_t *x = &t[a + i];
        key[i] = stem_of(c, x->wid);
        form[i] = x->wid; /* case decided at the end, from the whole source */
    }
    bool isnew;
    uint32_t id = etab_get(c, &c->kp, key, nk * sizeof key[0], &isnew);
    ent_t *e = &c->kp.v[id];
    if (isnew) {
        e->type = KCON_KEYPHRASE;
        e->ntok = (uint8_t)nk;
        memcpy(e->ids, key, nk * sizeof key[0]);
    }
    ent_form(c, e, NULL, 0, form, 3, 1);
    ent_mention(c, &c->kp.v[id], c->chunk, 1);
}

static void keyphrases(kc_t *c) {
    const tok_t *t = c->tok;
    size_t n = c->ntok;
    for (size_t i = 0; i < n;) {
        if (!kp_word(c, &t[i])) {
            i++;
            continue;
        }
        /* A name and the words after it are two phrases ("Acme Cloud |
         * hosts"). */
        bool proper = is_proper(c, &t[i]);
        size_t j = i + 1;
        while (j < n && kp_word(c, &t[j]) && !(t[j - 1].flags & F_POSS) &&
               is_proper(c, &t[j]) == proper)
            j++;
        /* Every 1-3-gram inside the run; the selection at the end drops
         * the ones nested in a better phrase. */
        for (size_t a = i; a < j; a++)
            for (size_t l = 1; l <= 3 && a + l <= j; l++) kp_emit(c, a, a + l);
        i = j;
    }
}

/* ---- the source-wide decisions -------------------------------------------- */

static bool run_is_gazetteer(kc_t *c, const uint32_t *w, size_t nw) {
    const word_t *first = WL(c, w[0]);
    for (uint32_t q = 0; q < first->npats; q++) {
        const kcon_pat_t *p = kcon_pat_get(first->pats[q]);
        if (p->kind != KP_PERSONA && p->kind != KP_INDUSTRY && p->kind != KP_OBJECTION &&
            p->kind != KP_FEATURE)
            continue;
        if (p->nw != nw) continue;
        bool ok = true;
        for (size_t i = 0; i < nw && ok; i++) {
            const word_t *x = WL(c, w[i]);
            char pw[64] = {0};
            size_t pn = p->wlen[i] < sizeof pw ? p->wlen[i] : sizeof pw;
            for (size_t k = 0; k < pn; k++)
                pw[k] =
                    (p->w[i][k] >= 'A' && p->w[i][k] <= 'Z') ? (char)(p->w[i][k] + 32) : p->w[i][k];
            ok = word_eq(c->keys.p + x->off, x->len, pw, pn, i + 1 == nw);
        }
        if (ok) return true;
    }
    return false;
}

/* Builds the lower-case key of run words [a, b) into key; returns its length. */
static size_t run_key(kc_t *c, const runocc_t *o, size_t a, size_t b, char *key, char *surf,
                      size_t *sn) {
    size_t kn = 0;
    *sn = 0;
    for (size_t i = a; i < b; i++) {
        const word_t *lw = WL(c, o->wid[i]), *xw = W(c, o->wid[i]);
        if (i > a) key[kn++] = surf[(*sn)++] = ' ';
        memcpy(key + kn, c->keys.p + lw->off, lw->len);
        kn += lw->len;
        memcpy(surf + *sn, c->keys.p + xw->off, xw->len);
        *sn += xw->len;
    }
    return kn;
}

#define RUN_KEY_CAP (MAX_RUN * (MAX_WORD_BYTES + 1) + 1)

static void resolve_runs(kc_t *c) {
    uint32_t amp = ht_get(&c->keys, &c->wordh, "&", 1);
    char key[RUN_KEY_CAP], surf[RUN_KEY_CAP];
    size_t sn;
    /* Runs met inside a sentence (after any common leading word) are
     * confirmed names: "Salient Cloud runs ..." at a sentence start keeps
     * "Salient" when "Meet Salient Cloud" showed it, even if "salient"
     * also occurs in lower case. */
    htab_t confirmed;
    ht_init(&confirmed, 1024);
    for (size_t r = 0; r < c->nocc; r++) {
        const runocc_t *o = &c->occ[r];
        size_t a = 0, b = o->nw;
        while (a < b && (o->wid[a] == amp || (WL(c, o->wid[a])->bits & KL_COMMON))) a++;
        while (b > a && (o->wid[b - 1] == amp || (WL(c, o->wid[b - 1])->bits & KL_COMMON))) b--;
        if (b <= a || (o->si && a == 0)) continue;
        bool isnew;
        ht_slot(&c->keys, &confirmed, key, run_key(c, o, a, b, key, surf, &sn), &isnew)->val = 1;
    }
    for (size_t r = 0; r < c->nocc; r++) {
        const runocc_t *o = &c->occ[r];
        size_t a = 0, b = o->nw;
        /* Leading words: common ones always; at a sentence start also any
         * word the source writes in lower case elsewhere ("Teams love"). */
        while (a < b && (o->wid[a] == amp || (WL(c, o->wid[a])->bits & KL_COMMON))) a++;
        while (b > a && (o->wid[b - 1] == amp || (WL(c, o->wid[b - 1])->bits & KL_COMMON))) b--;
        bool conf =
            a < b && ht_get(&c->keys, &confirmed, key, run_key(c, o, a, b, key, surf, &sn)) != NONE;
        if (o->si && a < b && WL(c, o->wid[a])->seen_lower && !conf) {
            while (a < b && (o->wid[a] == amp || (WL(c, o->wid[a])->bits & KL_COMMON) ||
                             WL(c, o->wid[a])->seen_lower))
                a++;
        }
        if (b <= a || b - a > MAX_NAME_RUN) continue;
        size_t nw = b - a;
        /* Title-case common words ("Pricing Plans"): every word common, or
         * written in lower case elsewhere while the run itself was never
         * met inside a sentence. */
        bool all_common = true;
        for (size_t i = a; i < b; i++) {
            const word_t *lw = WL(c, o->wid[i]);
            if (!(lw->bits & KL_COMMON) && !(lw->seen_lower && !conf) && o->wid[i] != amp)
                all_common = false;
        }
        if (all_common) continue;
        if (nw == 1) {
            const word_t *lw = WL(c, o->wid[a]);
            if ((lw->bits & (KL_ACRONYM | KL_MONTH | KL_CURCODE)) || lw->len < 2) continue;
        }
        if (run_is_gazetteer(c, o->wid + a, nw)) continue;
        size_t kn = run_key(c, o, a, b, key, surf, &sn);
        bool comp = ((o->comps >> a) & 1) || ((o->compe >> (b - 1)) & 1);
        bool isnew;
        uint32_t id = etab_get(c, &c->runs, key, kn, &isnew);
        ent_t *e = &c->runs.v[id];
        if (isnew) {
            e->ntok = (uint8_t)nw;
            for (size_t i = 0; i < nw; i++) e->ids[i] = W(c, o->wid[a + i])->lower;
        }
        if (comp) e->comp = 1;
        if (o->chunk == TITLE) continue;
        if (o->feat) e->featocc++;
        ent_form(c, e, surf, sn, NULL, 0, 1);
        ent_mention(c, &c->runs.v[id], o->chunk, 1);
    }
    free(confirmed.s);
}

/* True when the run's words appear together in the title outside a
 * competitor's name. */
static bool in_title(kc_t *c, const ent_t *e) {
    for (size_t s = 0; s + e->ntok <= c->ntitle; s++) {
        bool ok = true;
        for (size_t i = 0; i < e->ntok && ok; i++)
            ok = c->title_w[s + i] == e->ids[i] && !c->title_comp[s + i];
        if (ok) return true;
    }
    return false;
}

/* Copies a finished entry's links into the typed table entry of type. */
static void typed_from(kc_t *c, kcon_type_t type, const ent_t *src) {
    const form_t *best = NULL;
    for (uint32_t f = src->form_head; f != NONE; f = c->forms[f].next)
        if (best == NULL || c->forms[f].count > best->count) best = &c->forms[f];
    if (best == NULL) return;
    char key[2 * sizeof c->name + 8];
    size_t nn = name_make(c, c->keys.p + best->off, best->len, false);
    if (nn == 0) return;
    key[0] = (char)('A' + type);
    size_t kn = 1 + lower_utf8(c->name, nn, key + 1);
    bool isnew;
    uint32_t id = etab_get(c, &c->typed, key, kn, &isnew);
    c->typed.v[id].type = (uint8_t)type;
    for (uint32_t f = src->form_head; f != NONE; f = c->forms[f].next) {
        size_t fn = name_make(c, c->keys.p + c->forms[f].off, c->forms[f].len, false);
        ent_form(c, &c->typed.v[id], c->name, fn, NULL, 0, c->forms[f].count);
    }
    for (uint32_t l = src->link_head; l != NONE; l = c->links[l].next)
        ent_mention(c, &c->typed.v[id], c->links[l].chunk, c->links[l].mentions);
}

/* Stems of the words of a name, for "already a typed concept". */
static size_t name_stems(kc_t *c, const char *s, size_t n, uint32_t *out, bool *stop, size_t cap) {
    /* Tokenising reuses c->tok; the caller is past the chunks. */
    bool tp = c->title_pass;
    c->title_pass = true;
    tokenize(c, s, n);
    c->title_pass = tp;
    size_t k = 0;
    for (size_t i = 0; i < c->ntok && k < cap; i++) {
        if (!is_word(&c->tok[i])) continue;
        stop[k] = (tbits(c, &c->tok[i]) & KL_STOP) != 0 || c->tok[i].len < 2;
        out[k++] = stem_of(c, c->tok[i].wid);
    }
    return k;
}

static void cover(kc_t *c, const uint32_t *st, size_t n) {
    bool isnew;
    slot_t *sl = ht_slot(&c->keys, &c->covh, st, n * sizeof *st, &isnew);
    sl->val = 1;
}

typedef struct {
    kc_t *c;
    const ent_t *e;
    char *name;
} pick_t;

/* Score, then frequency, then the stem ids (assigned in reading order, so
 * deterministic) — names are made only for the ones examined. */
static int kp_cmp(const void *a, const void *b) {
    const pick_t *x = a, *y = b;
    if (x->e->score != y->e->score) return x->e->score > y->e->score ? -1 : 1;
    if (x->e->total != y->e->total) return x->e->total > y->e->total ? -1 : 1;
    if (x->e->ntok != y->e->ntok) return x->e->ntok < y->e->ntok ? -1 : 1;
    for (int i = 0; i < x->e->ntok; i++)
        if (x->e->ids[i] != y->e->ids[i]) return x->e->ids[i] < y->e->ids[i] ? -1 : 1;
    return 0;
}

/* y's stems hold x's as a contiguous part. */
static bool kp_contains(const ent_t *y, const ent_t *x) {
    for (int s = 0; s + x->ntok <= y->ntok; s++)
        if (memcmp(y->ids + s, x->ids, x->ntok * sizeof x->ids[0]) == 0) return true;
    return false;
}

static int typed_value_cmp(const void *a, const void *b) {
    const pick_t *x = a, *y = b;
    if (x->e->total != y->e->total) return x->e->total > y->e->total ? -1 : 1;
    if (x->e->type != y->e->type) return x->e->type < y->e->type ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int out_cmp(const void *a, const void *b) {
    const pick_t *x = a, *y = b;
    if (x->e->type != y->e->type) return x->e->type < y->e->type ? -1 : 1;
    if (x->e->total != y->e->total) return x->e->total > y->e->total ? -1 : 1;
    return strcmp(x->name, y->name);
}

static bool same_ci(const char *a, const char *b) {
    size_t an = strlen(a), bn = strlen(b);
    if (an > 400 || bn > 400) return false;
    char x[808], y[808];
    size_t xn = lower_utf8(a, an, x), yn = lower_utf8(b, bn, y);
    return xn == yn && memcmp(x, y, xn) == 0;
}

static char *best_string(kc_t *c, const ent_t *e) {
    const form_t *best = NULL;
    for (uint32_t f = e->form_head; f != NONE; f = c->forms[f].next)
        if (best == NULL || c->forms[f].count > best->count) best = &c->forms[f];
    if (best == NULL) return xstrdup("");
    if (e->type != KCON_KEYPHRASE) return xstrndup(c->keys.p + best->off, best->len);
    /* Keyphrase forms are the words as written; shown in lower case unless
     * the source never writes them so (a name) or writes them in capitals.
     * Forms that look alike then pool their counts. */
    uint32_t disp[MAX_FORMS][3], cnt[MAX_FORMS];
    size_t nd = 0, bi = 0;
    for (uint32_t f = e->form_head; f != NONE; f = c->forms[f].next) {
        uint32_t d[3] = {NONE, NONE, NONE};
        for (int i = 0; i < 3 && c->forms[f].ids[i] != NONE; i++) {
            uint32_t wid = c->forms[f].ids[i];
            const word_t *lw = WL(c, wid);
            bool caps = W(c, wid)->len >= 2;
            const char *ws = wstr(c, wid);
            for (uint32_t k = 0; k < W(c, wid)->len && caps; k++)
                caps = !(ws[k] >= 'a' && ws[k] <= 'z');
            d[i] = (caps || (lw->seen_cap && !lw->seen_lower)) ? wid : W(c, wid)->lower;
        }
        size_t k = 0;
        while (k < nd && memcmp(disp[k], d, sizeof d) != 0) k++;
        if (k == nd) {
            memcpy(disp[nd], d, sizeof d);
            cnt[nd++] = 0;
        }
        cnt[k] += c->forms[f].count;
        if (cnt[k] > cnt[bi]) bi = k;
    }
    char buf[3 * (MAX_WORD_BYTES + 1) + 1];
    size_t bn = 0;
    for (int i = 0; i < 3 && disp[bi][i] != NONE; i++) {
        const word_t *w = W(c, disp[bi][i]);
        if (bn > 0) buf[bn++] = ' ';
        memcpy(buf + bn, c->keys.p + w->off, w->len);
        bn += w->len;
    }
    size_t nn = name_make(c, buf, bn, false);
    return xstrndup(c->name, nn);
}

static void finish(kc_t *c, kcon_result_t *r) {
    resolve_runs(c);
    for (size_t i = 0; i < c->runs.n; i++) {
        const ent_t *e = &c->runs.v[i];
        if (e->total == 0) continue;
        bool title = in_title(c, e);
        if (e->comp && !title)
            typed_from(c, KCON_COMPETITOR, e);
        else if ((e->total >= 2 || title) && (e->featocc < e->total || title))
            typed_from(c, KCON_PRODUCT, e);
    }

    /* Typed concepts: names, then what they cover among keyphrases. */
    size_t nt = c->typed.n;
    pick_t *typed = xcalloc(nt ? nt : 1, sizeof *typed);
    for (size_t i = 0; i < nt; i++) {
        typed[i] = (pick_t){c, &c->typed.v[i], best_string(c, &c->typed.v[i])};
    }
    for (size_t i = 0; i < nt; i++) {
        uint32_t st[16];
        bool stop[16];
        size_t ns = name_stems(c, typed[i].name, strlen(typed[i].name), st, stop, 16);
        if (ns == 0) continue;
        cover(c, st, ns);
        if (typed[i].e->type == KCON_PRODUCT || typed[i].e->type == KCON_COMPETITOR) {
            for (size_t a = 0; a < ns; a++)
                for (size_t l = 1; l <= 3 && a + l <= ns; l++) {
                    bool any_stop = false;
                    for (size_t q = a; q < a + l; q++) any_stop |= stop[q];
                    if (!any_stop) cover(c, st + a, l);
                }
        }
    }

    /* Keyphrases: frequency x spread x length, not already typed. */
    bool tiny = c->words_total < TINY_WORDS;
    size_t nk = 0;
    pick_t *kps = xcalloc(c->kp.n ? c->kp.n : 1, sizeof *kps);
    for (size_t i = 0; i < c->kp.n; i++) {
        ent_t *e = &c->kp.v[i];
        if (e->total < 2 && !tiny) continue;
        if (ht_get(&c->keys, &c->covh, e->ids, e->ntok * sizeof e->ids[0]) != NONE) continue;
        static const double LEN_FACTOR[4] = {0, 1.0, 2.0, 2.5};
        e->score = (double)e->total * (1.0 + (double)e->nchunks) * LEN_FACTOR[e->ntok];
        kps[nk++] = (pick_t){c, e, NULL};
    }
    qsort(kps, nk, sizeof *kps, kp_cmp);
    /* Greedy, best first: a phrase inside a chosen one goes unless it is
     * much more frequent on its own; a phrase around a chosen one goes;
     * one keyphrase per display name. */
    size_t nkeep = 0;
    for (size_t i = 0; i < nk && nkeep < MAX_KEYPHRASES; i++) {
        const ent_t *e = kps[i].e;
        bool skip = false;
        for (size_t j = 0; j < nkeep && !skip; j++) {
            const ent_t *y = kps[j].e;
            if (y->ntok > e->ntok && kp_contains(y, e) && e->total < 2 * y->total) skip = true;
            if (e->ntok > y->ntok && kp_contains(e, y)) skip = true;
        }
        if (skip) continue;
        char *name = best_string(c, e);
        bool dup = name[0] == '\0';
        for (size_t j = 0; j < nkeep && !dup; j++) dup = same_ci(kps[j].name, name);
        if (dup) {
            free(name);
            continue;
        }
        kps[nkeep] = kps[i];
        kps[nkeep++].name = name;
    }

    /* Caps: keyphrases go first, then the least-mentioned typed ones. */
    size_t ntk = nt;
    if (ntk + nkeep > MAX_CONCEPTS) {
        size_t room = ntk >= MAX_CONCEPTS ? 0 : MAX_CONCEPTS - ntk;
        for (size_t i = room; i < nkeep; i++) free(kps[i].name);
        nkeep = room;
    }
    if (ntk > MAX_CONCEPTS) {
        qsort(typed, ntk, sizeof *typed, typed_value_cmp);
        for (size_t i = MAX_CONCEPTS; i < ntk; i++) free(typed[i].name);
        ntk = MAX_CONCEPTS;
    }
    size_t total = ntk + nkeep;
    pick_t *all = xcalloc(total ? total : 1, sizeof *all);
    memcpy(all, typed, ntk * sizeof *all);
    memcpy(all + ntk, kps, nkeep * sizeof *all);
    free(typed);
    free(kps);
    qsort(all, total, sizeof *all, out_cmp);

    r->items = total ? xcalloc(total, sizeof *r->items) : NULL;
    r->n = total;
    for (size_t i = 0; i < total; i++) {
        const ent_t *e = all[i].e;
        kcon_concept_t *o = &r->items[i];
        o->name = all[i].name;
        o->type = (kcon_type_t)e->type;
        o->nlinks = e->nchunks;
        o->links = xcalloc(e->nchunks ? e->nchunks : 1, sizeof *o->links);
        size_t k = 0;
        for (uint32_t l = e->link_head; l != NONE && k < e->nchunks; l = c->links[l].next)
            o->links[k++] = (kcon_link_t){c->links[l].chunk, c->links[l].mentions};
    }
    free(all);
}

/* ---- the entry point ------------------------------------------------------ */

static void read_title(kc_t *c, const char *title) {
    size_t n = strlen(title);
    if (n > 1000) n = 1000;
    c->title_pass = true;
    c->chunk = TITLE;
    tokenize(c, title, n);
    phrase_rules(c);
    word_rules(c);
    cap_runs(c);
    /* Title words, with the competitor runs masked out. */
    const tok_t *t = c->tok;
    size_t map[TITLE_MAX];
    for (size_t i = 0; i < c->ntok && c->ntitle < TITLE_MAX; i++) {
        if (!is_word(&t[i])) continue;
        map[c->ntitle] = i;
        c->title_w[c->ntitle] = W(c, t[i].wid)->lower;
        c->title_comp[c->ntitle] = 0;
        c->ntitle++;
    }
    for (size_t i = 0; i < c->ntok;) {
        if (!(t[i].flags & (F_COMPS | F_COMPE))) {
            i++;
            continue;
        }
        /* Mask the whole capitalised run around the cue-marked word. */
        size_t a = i, b = i + 1;
        while (a > 0 && is_word(&t[a - 1]) && (t[a - 1].flags & (F_CAP | F_ALLCAP)) &&
               !(t[a - 1].flags & F_BREAK) && (t[i].flags & F_COMPE))
            a--;
        while (b < c->ntok && is_word(&t[b]) && (t[b].flags & (F_CAP | F_ALLCAP)) &&
               (t[i].flags & F_COMPS))
            b++;
        for (size_t w = 0; w < c->ntitle; w++)
            if (map[w] >= a && map[w] < b) c->title_comp[w] = 1;
        i = b;
    }
    c->title_pass = false;
}

int kcon_extract(const char *const *texts, const size_t *lens, size_t n, const char *title,
                 kcon_result_t *r) {
    if (r == NULL) return SAL_EINVAL;
    r->items = NULL;
    r->n = 0;
    if (n > 0 && (texts == NULL || lens == NULL)) return SAL_EINVAL;
    kc_t *c = xcalloc(1, sizeof *c);
    c->stemmer = sb_stemmer_new("english", NULL);
    ht_init(&c->wordh, 4096);
    ht_init(&c->stemh, 4096);
    ht_init(&c->covh, 1024);
    etab_init(&c->typed);
    etab_init(&c->runs);
    etab_init(&c->kp);
    if (title != NULL && title[0] != '\0') read_title(c, title);
    for (size_t i = 0; i < n && i < TITLE; i++) {
        if (texts[i] == NULL || lens[i] == 0) continue;
        c->chunk = (uint32_t)i;
        tokenize(c, texts[i], lens[i]);
        prices_and_metrics(c);
        phrase_rules(c);
        word_rules(c);
        cap_runs(c);
        keyphrases(c);
    }
    c->chunk = TITLE;
    finish(c, r);
    if (c->stemmer != NULL) sb_stemmer_delete(c->stemmer);
    free(c->keys.p);
    free(c->wordh.s);
    free(c->stemh.s);
    free(c->covh.s);
    free(c->typed.h.s);
    free(c->typed.v);
    free(c->runs.h.s);
    free(c->runs.v);
    free(c->kp.h.s);
    free(c->kp.v);
    free(c->words);
    free(c->links);
    free(c->forms);
    free(c->occ);
    free(c->tok);
    free(c);
    return 0;
}

void kcon_result_free(kcon_result_t *r) {
    if (r == NULL) return;
    for (size_t i = 0; i < r->n; i++) {
        free(r->items[i].name);
        free(r->items[i].links);
    }
    free(r->items);
    r->items = NULL;
    r->n = 0;
}
