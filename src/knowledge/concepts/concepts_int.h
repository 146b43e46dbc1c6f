/* SPDX-License-Identifier: MIT */
/*
 * Private to the concepts module: the word lexicon and the phrase
 * gazetteers (gazetteers.c) that the extractor (concepts.c) consults.
 *
 * Both are plain static const tables compiled once, on first use, into
 * sorted indexes (pthread_once); after that they are only read, so any
 * number of threads may extract at the same time.
 */
#ifndef SALIENT_CONCEPTS_INT_H
#define SALIENT_CONCEPTS_INT_H

#include <stddef.h>
#include <stdint.h>

/* ---- lexicon: what a lower-case word is to the rules -------------------- */

enum {
    KL_STOP = 1u << 0,           /* not part of a keyphrase */
    KL_COMMON = 1u << 1,         /* a common word, not a name when capitalised */
    KL_MONTH = 1u << 2,          /* months and weekdays */
    KL_ACRONYM = 1u << 3,        /* generic acronyms (API, CRM): never a product */
    KL_DET = 1u << 4,            /* determiners and possessives before a noun phrase */
    KL_CHANGE = 1u << 5,         /* change verbs that introduce a proof point */
    KL_INTRANS = 1u << 6,        /* change verbs that can stand without an object */
    KL_COMPAR = 1u << 7,         /* comparatives and change nouns after "3x", "40%" */
    KL_MPREP = 1u << 8,          /* words between a verb and its number ("by", "to") */
    KL_TIME = 1u << 9,           /* time units */
    KL_PEOPLE = 1u << 10,        /* who a product helps ("teams", "you") */
    KL_FHEAD = 1u << 11,         /* nouns that name a feature ("dashboards") */
    KL_FADJ = 1u << 12,          /* adjectives before "feature" that are not one */
    KL_ABBREV = 1u << 13,        /* abbreviations whose period ends no sentence */
    KL_CURCODE = 1u << 14,       /* currency codes */
    KL_MSUFFIX = 1u << 15,       /* money magnitude suffixes ("k", "million") */
    KL_PERIOD = 1u << 16,        /* billing periods ("monthly", "one-time") */
    KL_MNOUN = 1u << 17,         /* what money in a proof point is ("savings") */
    KL_BENEFIT = 1u << 18,       /* benefit verbs; base form in kcon_lex_t.base */
    KL_HELP = 1u << 19,          /* "help", "helps", "helping" */
    KL_PERCENT = 1u << 20,       /* "percent", "pct" */
    KL_COMPCUE_AFTER = 1u << 21, /* "alternative(s)": the name comes before */
    KL_PUNIT = 1u << 22,         /* what a price is per ("seat", "user", "month") */
    KL_SKIPCOMP = 1u << 23,      /* words skipped between a competitive cue and a name */
};

typedef struct {
    const char *word; /* lower case, UTF-8 */
    uint32_t bits;    /* KL_* */
    const char *base; /* base form of a benefit verb, else NULL */
} kcon_lex_t;

/* Returns the lexicon entry for the lower-case word w[0..len), or NULL. */
const kcon_lex_t *kcon_lex_find(const char *w, size_t len);

/* ---- phrase gazetteers --------------------------------------------------- */

typedef enum {
    KP_OBJECTION = 0, /* canon: the objection's canonical name */
    KP_INDUSTRY,      /* canon: the industry */
    KP_PERSONA,       /* canon: the role */
    KP_FEATURE,       /* canon: a well-known feature named anywhere */
    KP_FEATCUE,       /* mode: KM_* how to read the noun phrase after it */
    KP_BENCUE,        /* a verb phrase follows ("so you can …") */
    KP_COMPCUE,       /* a competitor's name follows ("switched from …") */
    KP_KIND_COUNT
} kcon_pat_kind_t;

enum {
    KM_INTEG = 1,  /* "integrates with X": feature "X integration" */
    KM_STRONG = 2, /* "built-in X": any noun phrase is a feature */
    KM_WEAK = 3,   /* "supports X": a name, a hyphenated term or a feature noun */
    KM_HEAD = 4,   /* "with X": only when X ends in a feature noun */
};

#define KCON_PAT_MAXW 6

typedef struct {
    uint8_t kind;          /* kcon_pat_kind_t */
    uint8_t mode;          /* KM_* for KP_FEATCUE */
    uint8_t nw;            /* words, '*' (0-2 any words) included */
    uint8_t plural;        /* the last word may take "s" or "es" */
    const char *canon;     /* canonical name (KP_OBJECTION..KP_FEATURE) */
    const char *not_after; /* lower-case word that must not precede, or NULL */
    const char *w[KCON_PAT_MAXW];
    uint8_t wlen[KCON_PAT_MAXW];
    uint8_t exact[KCON_PAT_MAXW]; /* written with capitals: match case exactly */
} kcon_pat_t;

/* Patterns whose first word is the lower-case word w[0..len) (a plural of
 * a one-word pattern counts): *out points at n pattern indices. */
void kcon_pat_first(const char *w, size_t len, const uint32_t **out, size_t *n);
const kcon_pat_t *kcon_pat_get(uint32_t i);

#endif
