/* SPDX-License-Identifier: MIT */
/*
 * Sentence splitting (kc_sentences in chunk.h), rule-based and linear in
 * the text. A sentence ends at a run of terminators (. ! ? … and the
 * fullwidth 。！？), together with any closing quotes or brackets after
 * it, when the next thing is the end of the text, or a space and then an
 * upper-case or title-case letter, a letter of a caseless script, a digit
 * or an opening quote or bracket. A lower-case continuation never starts
 * a sentence, so "Yahoo! is", "wait... and" and "(i.e. the" stay whole.
 *
 * A lone "." does not end a sentence after:
 *   - a known abbreviation (ABBREVIATIONS below: e.g., etc., Mr., Inc.,
 *     No., Fig., Jan. …), also with its first letter capitalised;
 *   - letters with periods ("U.S.", "a.m.", "J.R.R.") and a single
 *     upper-case initial ("J. Smith");
 *   - a bare number that opens the sentence ("1. Introduction").
 * Decimals, version numbers, URLs and e-mail addresses never have a space
 * after their inner periods, so they are never split; one at the end of a
 * sentence ("… at sales@acme.com. Then …") ends it as any word would.
 * The fullwidth terminators end a sentence with or without a space, as
 * CJK text has none.
 */
#include "knowledge/chunk/chunk.h"

#include <string.h>

#include "knowledge/chunk/chunk_int.h"

/* Ordered by nothing in particular: a linear scan runs only at a period
 * followed by a space and a capital. Lower-case entries also match with
 * their first letter capitalised ("E.g.", "Approx."). */
static const char *const ABBREVIATIONS[] = {
    "e.g.",  "i.e.", "etc.",  "vs.",   "cf.",   "viz.",  "approx.", "ca.",   "al.",   "Mr.",
    "Mrs.",  "Ms.",  "Mx.",   "Dr.",   "Prof.", "Sr.",   "Jr.",     "St.",   "Mt.",   "Rev.",
    "Hon.",  "Gen.", "Col.",  "Capt.", "Lt.",   "Sgt.",  "Gov.",    "Sen.",  "Rep.",  "Pres.",
    "Inc.",  "Ltd.", "Co.",   "Corp.", "Bros.", "LLC.",  "Plc.",    "No.",   "Nos.",  "Fig.",
    "Figs.", "Eq.",  "Vol.",  "vol.",  "pp.",   "p.",    "ch.",     "Ch.",   "Sec.",  "Art.",
    "ed.",   "eds.", "est.",  "dept.", "Dept.", "Univ.", "Ph.D.",   "Jan.",  "Feb.",  "Mar.",
    "Apr.",  "Jun.", "Jul.",  "Aug.",  "Sep.",  "Sept.", "Oct.",    "Nov.",  "Dec.",  "Mon.",
    "Tue.",  "Wed.", "Thu.",  "Fri.",  "Sat.",  "Sun.",  "incl.",   "excl.", "resp.", "esp.",
    "govt.", "ft.",  "lb.",   "lbs.",  "oz.",   "hr.",   "hrs.",    "yr.",   "yrs.",  "mo.",
    "wk.",   "Ave.", "Blvd.", "Rd.",   "Ste.",  "Apt.",  "Messrs."};

static int is_terminator(int32_t cp) {
    return cp == '.' || cp == '!' || cp == '?' || cp == 0x2026 || cp == 0x3002 || cp == 0xFF01 ||
           cp == 0xFF1F;
}

static int is_fullwidth_terminator(int32_t cp) {
    return cp == 0x3002 || cp == 0xFF01 || cp == 0xFF1F;
}

static int is_closer(int32_t cp) {
    return cp == '"' || cp == '\'' || cp == ')' || cp == ']' || cp == '}' || cp == 0x2019 ||
           cp == 0x201D || cp == 0xBB || cp == 0x203A || cp == 0x300D || cp == 0x300F ||
           cp == 0xFF09;
}

static int is_opener(int32_t cp) {
    return cp == '"' || cp == '\'' || cp == '(' || cp == '[' || cp == 0x2018 || cp == 0x201C ||
           cp == 0xAB || cp == 0x2039 || cp == 0xBF || cp == 0xA1 || cp == 0x300C || cp == 0x300E ||
           cp == 0xFF08;
}

/* Can a sentence start with this code point? */
static int starts_sentence(int32_t cp) {
    if (kc_is_upper(cp) || kc_is_digit(cp) || is_opener(cp)) return 1;
    /* Scripts without case (CJK, Arabic, Hebrew, …) cannot signal it. */
    return cp >= 0x80 && utf8proc_category(cp) == UTF8PROC_CATEGORY_LO;
}

static int is_abbreviation(const char *w, size_t n) {
    for (size_t i = 0; i < sizeof ABBREVIATIONS / sizeof ABBREVIATIONS[0]; i++) {
        const char *a = ABBREVIATIONS[i];
        if (strlen(a) != n) continue;
        if (memcmp(a, w, n) == 0) return 1;
        if (a[0] >= 'a' && a[0] <= 'z' && w[0] == a[0] - 'a' + 'A' &&
            memcmp(a + 1, w + 1, n - 1) == 0)
            return 1;
    }
    return 0;
}

/* "U.S.", "e.g.", "J.R.R.": letters each followed by a period, at least
 * two of them; or a single upper-case initial "J.". w[0..n) ends in '.'. */
static int is_initials(const unsigned char *w, size_t n) {
    size_t letters = 0;
    int32_t first = 0;
    for (size_t i = 0; i < n;) {
        int32_t cp;
        size_t k = kc_utf8_decode(w + i, n - i, &cp);
        if (!kc_is_letter(cp) || i + k >= n || w[i + k] != '.') return 0;
        if (letters++ == 0) first = cp;
        i += k + 1;
    }
    return letters >= 2 || (letters == 1 && kc_is_upper(first));
}

static int is_number(const char *w, size_t n) {
    if (n == 0) return 0;
    for (size_t i = 0; i < n; i++)
        if (w[i] < '0' || w[i] > '9') return 0;
    return 1;
}

/* Decides whether the terminator run text[t..e) (e past any closers; the
 * run itself ends at run_end) ends the sentence that began at start. */
static int ends_here(const char *text, size_t len, size_t start, size_t t, size_t run_end, size_t e,
                     int32_t term) {
    const unsigned char *s = (const unsigned char *)text;
    if (e >= len) return 1;
    if (is_fullwidth_terminator(term)) return 1;
    if (!kc_space_byte(s[e])) return 0;
    size_t j = e;
    while (j < len && kc_space_byte(s[j])) j++;
    if (j >= len) return 1;
    int32_t next;
    kc_utf8_decode(s + j, len - j, &next);
    if (!starts_sentence(next)) return 0;
    if (run_end - t != 1 || term != '.') return 1; /* "!", "?!", "...", "…" */

    /* The word before the period, without opening quotes or brackets. */
    size_t w = t;
    while (w > start && !kc_space_byte(s[w - 1])) w--;
    while (w < t) {
        int32_t cp;
        size_t k = kc_utf8_decode(s + w, t - w, &cp);
        if (!is_opener(cp)) break;
        w += k;
    }
    size_t wn = t + 1 - w;
    if (wn < 2) return 1;
    if (is_abbreviation(text + w, wn) || is_initials(s + w, wn)) return 0;
    if (w == start && is_number(text + w, wn - 1)) return 0;
    return 1;
}

static void put(size_t *starts, size_t *ends, size_t cap, size_t *n, const char *text, size_t a,
                size_t b) {
    while (b > a && kc_space_byte((unsigned char)text[b - 1])) b--;
    if (b == a) return;
    if (*n < cap) {
        starts[*n] = a;
        ends[*n] = b;
    }
    (*n)++;
}

size_t kc_sentences(const char *text, size_t len, size_t *starts, size_t *ends, size_t cap) {
    if (!text) return 0;
    const unsigned char *s = (const unsigned char *)text;
    size_t n = 0;
    size_t start = 0;
    while (start < len && kc_space_byte(s[start])) start++;
    size_t i = start;
    while (i < len) {
        int32_t cp;
        size_t k = kc_utf8_decode(s + i, len - i, &cp);
        if (!is_terminator(cp)) {
            i += k;
            continue;
        }
        size_t run_end = i + k;
        while (run_end < len) {
            int32_t c2;
            size_t k2 = kc_utf8_decode(s + run_end, len - run_end, &c2);
            if (!is_terminator(c2)) break;
            run_end += k2;
        }
        size_t e = run_end;
        while (e < len) {
            int32_t c2;
            size_t k2 = kc_utf8_decode(s + e, len - e, &c2);
            if (!is_closer(c2)) break;
            e += k2;
        }
        if (ends_here(text, len, start, i, run_end, e, cp)) {
            put(starts, ends, cap, &n, text, start, e);
            start = e;
            while (start < len && kc_space_byte(s[start])) start++;
            i = start;
        } else {
            i = e;
        }
    }
    if (start < len) put(starts, ends, cap, &n, text, start, len);
    return n;
}
