/* SPDX-License-Identifier: MIT */
/*
 * Text normalisation for the chunker (kc_normalize in chunk.h): what the
 * extractors hand over is text as laid out in the document, with PDF line
 * breaks inside words, ligature glyphs, soft hyphens, no-break spaces and
 * invisible joiners. Search, concepts and the embedding model want one
 * canonical form of each word, so this makes it in three passes:
 *
 *   clean  decode (ill-formed bytes become U+FFFD), drop controls except
 *          tab and line breaks (CR, FF, VT, NEL, U+2028/2029 count as line
 *          breaks), drop soft hyphens (one before a line break joins the
 *          word across it), zero-width spaces/joiners, word joiner and BOM,
 *          turn the other Unicode spaces into ' ', spell out the Latin
 *          ligatures (U+FB00..FB06)
 *   NFC    utf8proc, composing but never case folding (skipped for ASCII)
 *   join   repair words hyphenated at a line end: a fragment of two or
 *          more letters, lower-case but for maybe the first, then "-", a
 *          line break and a lower-case continuation is one word again
 *          ("manage-\nment" → "management"); any other hyphen between a
 *          letter or digit and a line break is a real one, and only the
 *          break goes ("e-\nMail" → "e-Mail", "COVID-\n19" → "COVID-19",
 *          "X-\nray" → "X-ray"); then every whitespace run becomes one
 *          space and the ends are trimmed
 *
 * Curly quotes and dashes are kept: they carry meaning the tokenizer
 * handles itself.
 */
#include "knowledge/chunk/chunk.h"

#include <stdlib.h>
#include <string.h>

#include "knowledge/chunk/chunk_int.h"

/* A growable output for the clean pass: it can grow by a factor of three
 * (an ill-formed byte becomes U+FFFD), so it grows on demand rather than
 * reserving 3 × len up front. */
typedef struct {
    char *p;
    size_t len, cap;
} obuf_t;

static void ob_reserve(obuf_t *b, size_t extra) {
    if (b->len + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) cap += cap / 2 + 64;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
}

static void ob_byte(obuf_t *b, char c) {
    ob_reserve(b, 1);
    b->p[b->len++] = c;
}

static void ob_cp(obuf_t *b, int32_t cp) {
    ob_reserve(b, 4);
    b->len += (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)b->p + b->len);
}

static void ob_str(obuf_t *b, const char *s) {
    size_t n = strlen(s);
    ob_reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static int is_line_break(int32_t cp) {
    return cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v' || cp == 0x85 || cp == 0x2028 ||
           cp == 0x2029;
}

static int is_unicode_space(int32_t cp) {
    return cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000;
}

static int is_invisible(int32_t cp) {
    return (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || cp == 0xFEFF;
}

static const char *ligature(int32_t cp) {
    switch (cp) {
    case 0xFB00: return "ff";
    case 0xFB01: return "fi";
    case 0xFB02: return "fl";
    case 0xFB03: return "ffi";
    case 0xFB04: return "ffl";
    case 0xFB05: /* long s + t */
    case 0xFB06: return "st";
    default: return NULL;
    }
}

/* After a soft hyphen at s[i]: the index past "spaces, one line break,
 * whitespace" when a line break follows, else i (no join). */
static size_t soft_hyphen_join(const unsigned char *s, size_t len, size_t i) {
    size_t j = i;
    while (j < len && (s[j] == ' ' || s[j] == '\t')) j++;
    if (j >= len) return i;
    int32_t cp;
    size_t k = kc_utf8_decode(s + j, len - j, &cp);
    if (!is_line_break(cp)) return i;
    j += k;
    while (j < len) {
        k = kc_utf8_decode(s + j, len - j, &cp);
        if (!(cp == ' ' || cp == '\t' || is_line_break(cp) || is_unicode_space(cp))) break;
        j += k;
    }
    return j;
}

/* The clean pass; *ascii says whether the result is pure ASCII (then NFC
 * has nothing to do). */
static void clean_pass(const unsigned char *s, size_t len, obuf_t *b, int *ascii) {
    *ascii = 1;
    for (size_t i = 0; i < len;) {
        unsigned char c = s[i];
        if (c >= 0x20 && c < 0x7F) {
            ob_byte(b, (char)c);
            i++;
            continue;
        }
        int32_t cp;
        i += kc_utf8_decode(s + i, len - i, &cp);
        if (cp == '\t') {
            ob_byte(b, '\t');
        } else if (is_line_break(cp)) {
            ob_byte(b, '\n');
        } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
            continue;
        } else if (cp == 0xAD) {
            i = soft_hyphen_join(s, len, i);
        } else if (is_invisible(cp)) {
            continue;
        } else if (is_unicode_space(cp)) {
            ob_byte(b, ' ');
        } else if (ligature(cp)) {
            ob_str(b, ligature(cp));
        } else {
            ob_cp(b, cp);
            *ascii = 0;
        }
    }
}

static int is_hyphen(int32_t cp) { return cp == '-' || cp == 0x2010; }

/* The join pass over valid UTF-8 in[0..len) into out (at least len + 1
 * bytes); returns the output length. */
static size_t join_pass(const char *in, size_t len, char *out) {
    const unsigned char *s = (const unsigned char *)in;
    size_t o = 0;
    int pending_space = 0;
    int32_t prev = 0; /* the last code point written */
    /* The run of letters just written: its length, and whether all of it
     * but its first letter is lower-case. */
    size_t frag = 0;
    int frag_lower = 0;
    for (size_t i = 0; i < len;) {
        int32_t cp;
        size_t k = kc_utf8_decode(s + i, len - i, &cp);
        if (cp == ' ' || cp == '\t' || cp == '\n') {
            pending_space = o > 0;
            i += k;
            continue;
        }
        if (is_hyphen(cp) && !pending_space && kc_is_alnum(prev)) {
            /* A hyphen at a line end: "-", spaces, a line break, then the
             * continuation after any whitespace. */
            size_t j = i + k;
            while (j < len && (s[j] == ' ' || s[j] == '\t')) j++;
            if (j < len && s[j] == '\n') {
                while (j < len && kc_space_byte(s[j])) j++;
                int32_t next = 0;
                if (j < len) kc_utf8_decode(s + j, len - j, &next);
                if (j < len && kc_is_alnum(next)) {
                    if (!(frag >= 2 && frag_lower && kc_is_lower(next))) {
                        memcpy(out + o, s + i, k); /* a real hyphen: keep it */
                        o += k;
                        prev = cp;
                        frag = 0;
                    }
                    i = j;
                    continue;
                }
            }
        }
        if (pending_space) {
            out[o++] = ' ';
            pending_space = 0;
            frag = 0;
        }
        memcpy(out + o, s + i, k);
        o += k;
        prev = cp;
        i += k;
        if (!kc_is_letter(cp)) {
            frag = 0;
        } else {
            frag_lower = frag == 0 || (frag_lower && kc_is_lower(cp));
            frag++;
        }
    }
    out[o] = '\0';
    return o;
}

int kc_normalize(const char *text, size_t len, size_t max_bytes, char **out, size_t *out_len) {
    *out = NULL;
    if (out_len) *out_len = 0;
    if (!text && len) return SAL_EINVAL;

    obuf_t clean = {0};
    int ascii;
    clean_pass((const unsigned char *)text, len, &clean, &ascii);
    ob_reserve(&clean, 0);
    clean.p[clean.len] = '\0';

    char *nfc = clean.p;
    size_t nfc_len = clean.len;
    if (!ascii) {
        utf8proc_uint8_t *m = NULL;
        utf8proc_ssize_t r =
            utf8proc_map((const utf8proc_uint8_t *)clean.p, (utf8proc_ssize_t)clean.len, &m,
                         UTF8PROC_COMPOSE | UTF8PROC_STABLE);
        free(clean.p);
        if (r < 0) {
            /* The clean pass leaves only valid UTF-8, so this is memory. */
            free(m);
            return SAL_ENOMEM;
        }
        nfc = (char *)m;
        nfc_len = (size_t)r;
    }

    /* Joining and collapsing only shrink, so the result fits in place. */
    char *res = xmalloc(nfc_len + 1);
    size_t n = join_pass(nfc, nfc_len, res);
    free(nfc);
    if (max_bytes && n > max_bytes) {
        free(res);
        return SAL_ENOMEM;
    }
    *out = res;
    if (out_len) *out_len = n;
    return 0;
}
