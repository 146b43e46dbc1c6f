/* SPDX-License-Identifier: MIT */
/*
 * chunk — from extracted blocks to the passages we embed, index and cite:
 * text normalisation (NFC with utf8proc, whitespace runs to one space,
 * control characters dropped, words hyphenated across a line break
 * joined again, ligatures and soft hyphens repaired), sentence
 * splitting (abbreviations, decimals, initials, URLs and e-mail
 * addresses do not end a sentence), and heading- and sentence-aware
 * chunking: chunks of about target_tokens model tokens with about
 * overlap_tokens of the previous chunk's closing sentences repeated at
 * the start of the next, a new chunk at every heading of level <= 2 and
 * at every page or slide change, never splitting a sentence unless the
 * sentence alone is longer than max_tokens. Each chunk keeps its page
 * (or slide) and heading path ("Pricing > Enterprise").
 *
 * Token counts come from a callback, so the chunker counts the same
 * tokens the embedding model sees without depending on it.
 *
 *     kc_opts_t o;
 *     kc_opts_default(&o);                       // 256 / 38 / 510
 *     kc_chunk_t *chunks; size_t n;
 *     kc_chunk_doc(doc, &o, count_tokens, tok, &chunks, &n);
 *     ...
 *     kc_chunks_free(chunks, n);
 */
#ifndef SALIENT_CHUNK_H
#define SALIENT_CHUNK_H

#include "core/core.h"
#include "knowledge/extract/extract.h"

/* Normalises text[0..len) (see above) into a new NUL-terminated string
 * (*out, free with free()); *out_len gets its length. Invalid UTF-8 is
 * replaced by U+FFFD. Returns 0, or SAL_ENOMEM past max_bytes of output
 * (0: no cap). */
int kc_normalize(const char *text, size_t len, size_t max_bytes, char **out, size_t *out_len);

/* Splits normalised text into sentences: fills starts/ends (byte offsets,
 * ends exclusive, trimmed) up to cap and returns the count (which may
 * exceed cap: call again with more room). */
size_t kc_sentences(const char *text, size_t len, size_t *starts, size_t *ends, size_t cap);

/* Counts model tokens of text[0..len) (without [CLS]/[SEP]). */
typedef int (*kc_count_fn)(void *ud, const char *text, size_t len);

typedef struct {
    int target_tokens;  /* aim for this many tokens per chunk */
    int overlap_tokens; /* repeat about this many from the previous chunk */
    int max_tokens;     /* hard cap per chunk (the model's window less [CLS]/[SEP]) */
} kc_opts_t;

void kc_opts_default(kc_opts_t *o); /* 256, 38 (~15%), 510 */

/* A chunk: normalised text (owned), its page/slide (0: none) and heading
 * path (owned, "" when none), its token count. */
typedef struct {
    char *text;
    size_t len;
    char *section;
    int page;
    int token_count;
} kc_chunk_t;

/* Chunks a document. Headings become the section path of the chunks
 * under them (and are not chunk text on their own, except a heading with
 * nothing under it); table rows and list items are kept whole where they
 * fit; speaker notes are chunked with their slide. Returns 0 and a new
 * array in *out (free with kc_chunks_free); a document with no text gives
 * 0 chunks. */
int kc_chunk_doc(const kx_doc_t *doc, const kc_opts_t *opts, kc_count_fn count, void *ud,
                 kc_chunk_t **out, size_t *n);
void kc_chunks_free(kc_chunk_t *c, size_t n); /* accepts NULL */

#endif
