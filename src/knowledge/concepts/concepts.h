/* SPDX-License-Identifier: MIT */
/*
 * concepts — the typed sales concepts a source talks about, linked to the
 * chunks that mention them: product, feature, benefit, metric (a proof
 * point such as "cut onboarding time by 40%"), price ("$49 per seat per
 * month"), competitor, objection, industry, persona, and statistical
 * keyphrases.
 *
 * Rules find most of them: patterns for money, percentages, multipliers
 * and durations with the words around them (metric, price), capitalised
 * n-grams that recur (product, competitor when near "vs", "compared to",
 * "switch from"…), gazetteers of industries, personas (CFO, VP of Sales,
 * IT admin…), objection phrases ("too expensive", "no budget", "already
 * use"…), feature and benefit cue words ("integrates with", "reduces",
 * "saves"…). Keyphrases are scored statistically: candidate n-grams
 * between stopwords, stemmed with Snowball (libstemmer) so variants merge,
 * ranked by frequency × spread over chunks × phrase length.
 *
 *     kcon_result_t r;
 *     kcon_extract(texts, lens, n, "Acme Pricing 2026", &r);
 *     for (size_t i = 0; i < r.n; i++)
 *         printf("%s %s in %zu chunks\n", kcon_type_name(r.items[i].type),
 *                r.items[i].name, r.items[i].nlinks);
 *     kcon_result_free(&r);
 */
#ifndef SALIENT_CONCEPTS_H
#define SALIENT_CONCEPTS_H

#include "core/core.h"

typedef enum {
    KCON_PRODUCT = 0,
    KCON_FEATURE,
    KCON_BENEFIT,
    KCON_METRIC,
    KCON_PRICE,
    KCON_COMPETITOR,
    KCON_OBJECTION,
    KCON_INDUSTRY,
    KCON_PERSONA,
    KCON_KEYPHRASE,
    KCON_TYPE_COUNT
} kcon_type_t;

const char *kcon_type_name(kcon_type_t t); /* "product", ... "keyphrase" */
/* SAL_EINVAL for an unknown name. */
int kcon_type_parse(const char *name, kcon_type_t *out);

/* One mention site: the chunk (index into the texts passed in) and how
 * many times it mentions the concept there. */
typedef struct {
    uint32_t chunk;
    uint32_t mentions;
} kcon_link_t;

/* A concept: display name (owned, as written in its most frequent form,
 * at most 100 characters), type, and the chunks mentioning it. */
typedef struct {
    char *name;
    kcon_type_t type;
    kcon_link_t *links;
    size_t nlinks;
} kcon_concept_t;

typedef struct {
    kcon_concept_t *items;
    size_t n;
} kcon_result_t;

/* Extracts the concepts of one source from its chunk texts (normalised,
 * UTF-8) and title (may be NULL). At most 200 concepts per source, the
 * keyphrases capped at 50, so a long document stays useful to browse.
 * Deterministic. Returns 0 (r may be empty). Free with kcon_result_free. */
int kcon_extract(const char *const *texts, const size_t *lens, size_t n, const char *title,
                 kcon_result_t *r);
void kcon_result_free(kcon_result_t *r);

#endif
