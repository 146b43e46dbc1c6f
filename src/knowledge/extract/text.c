/* SPDX-License-Identifier: MIT */
/*
 * Plain text: decoded to UTF-8 (UTF-8 as is, UTF-16 with a byte order
 * mark, anything else read as Windows-1252, of which Latin-1 is a
 * subset), then cut into paragraphs at blank lines. A few conventions of
 * hand-written text become headings: a line underlined with "===" (level
 * 1) or "---" (level 2), and a short line in capitals (level 2). A short
 * first line without a final full stop, standing alone before a blank
 * line, is the document's title (and a level-1 heading).
 */
#include "knowledge/extract/extract_int.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* Windows-1252 0x80..0x9F; 0 where the code page leaves a hole. */
static const uint16_t CP1252_HIGH[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

static size_t put_utf8(char *o, uint32_t cp) {
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Windows-1252 to UTF-8; the holes become U+FFFD. */
static char *decode_cp1252(const unsigned char *s, size_t len, size_t *out_len) {
    char *o = xmalloc(len * 3 + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        uint32_t cp = s[i];
        if (cp >= 0x80 && cp < 0xA0) cp = CP1252_HIGH[cp - 0x80] ? CP1252_HIGH[cp - 0x80] : 0xFFFD;
        n += put_utf8(o + n, cp);
    }
    o[n] = '\0';
    *out_len = n;
    return o;
}

/* UTF-16 (after its BOM) to UTF-8; unpaired surrogates become U+FFFD. */
static char *decode_utf16(const unsigned char *s, size_t len, bool be, size_t *out_len) {
    char *o = xmalloc(len / 2 * 3 + 4);
    size_t n = 0;
    for (size_t i = 0; i + 1 < len; i += 2) {
        uint32_t u = be ? (uint32_t)(s[i] << 8 | s[i + 1]) : (uint32_t)(s[i + 1] << 8 | s[i]);
        if (u >= 0xD800 && u < 0xDC00 && i + 3 < len) {
            uint32_t v =
                be ? (uint32_t)(s[i + 2] << 8 | s[i + 3]) : (uint32_t)(s[i + 3] << 8 | s[i + 2]);
            if (v >= 0xDC00 && v < 0xE000) {
                u = 0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00);
                i += 2;
            } else {
                u = 0xFFFD;
            }
        } else if (u >= 0xD800 && u < 0xE000) {
            u = 0xFFFD;
        }
        n += put_utf8(o + n, u);
    }
    o[n] = '\0';
    *out_len = n;
    return o;
}

/* One line of the input, without its line break. */
typedef struct {
    const char *s;
    size_t len;
} line_t;

static bool is_blank(line_t l) {
    for (size_t i = 0; i < l.len; i++)
        if (l.s[i] != ' ' && l.s[i] != '\t' && l.s[i] != '\f' && l.s[i] != '\v') return false;
    return true;
}

/* The text of l without surrounding blanks. */
static line_t trim(line_t l) {
    while (l.len && (l.s[0] == ' ' || l.s[0] == '\t')) l.s++, l.len--;
    while (l.len && (l.s[l.len - 1] == ' ' || l.s[l.len - 1] == '\t')) l.len--;
    return l;
}

/* '=' or '-' when l is an underline of at least three of that character. */
static char underline(line_t l) {
    l = trim(l);
    if (l.len < 3 || (l.s[0] != '=' && l.s[0] != '-')) return 0;
    for (size_t i = 1; i < l.len; i++)
        if (l.s[i] != l.s[0]) return 0;
    return l.s[0];
}

/* A short line of capitals: at least three letters, none lower case, and
 * no final full stop (a shouted sentence is not a heading). */
static bool all_caps(line_t l) {
    l = trim(l);
    if (l.len == 0 || l.len > 80 || l.s[l.len - 1] == '.') return false;
    size_t letters = 0;
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)l.s;
    utf8proc_ssize_t left = (utf8proc_ssize_t)l.len;
    while (left > 0) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p, left, &cp);
        if (k <= 0) return false;
        utf8proc_category_t cat = utf8proc_category(cp);
        if (cat == UTF8PROC_CATEGORY_LL || cat == UTF8PROC_CATEGORY_LT ||
            cat == UTF8PROC_CATEGORY_LO || cat == UTF8PROC_CATEGORY_LM)
            return false;
        if (cat == UTF8PROC_CATEGORY_LU) letters++;
        p += k;
        left -= k;
    }
    return letters >= 3;
}

/* A title line: short, and ending in no full stop, comma, colon or
 * semicolon ("Dear Anna," opens a letter, it does not name it). */
static bool title_like(line_t l) {
    l = trim(l);
    if (l.len == 0 || l.len >= 100) return false;
    char c = l.s[l.len - 1];
    return c != '.' && c != ',' && c != ':' && c != ';';
}

int kx_text(kx_ctx_t *cx, const void *buf, size_t len, kx_doc_t *doc, char *err, size_t errcap) {
    const unsigned char *s = buf;
    char *owned = NULL;
    line_t *lines = NULL;
    int rc = 0;
    size_t tlen = len;
    const char *t = (const char *)s;

    if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
        t += 3;
        tlen -= 3;
    } else if (len >= 2 && s[0] == 0xFF && s[1] == 0xFE) {
        t = owned = decode_utf16(s + 2, len - 2, false, &tlen);
    } else if (len >= 2 && s[0] == 0xFE && s[1] == 0xFF) {
        t = owned = decode_utf16(s + 2, len - 2, true, &tlen);
    }
    if (!owned && !sal_utf8_valid(t, tlen))
        t = owned = decode_cp1252((const unsigned char *)t, tlen, &tlen);

    /* Lines, with \r\n and a lone \r both ending one. */
    size_t n = 0, cap = 0;
    for (size_t i = 0; i <= tlen;) {
        size_t j = i;
        while (j < tlen && t[j] != '\n' && t[j] != '\r') j++;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            lines = xrealloc(lines, cap * sizeof *lines);
        }
        lines[n++] = (line_t){t + i, j - i};
        if (j >= tlen) break;
        i = j + (t[j] == '\r' && j + 1 < tlen && t[j + 1] == '\n' ? 2 : 1);
    }

    /* The title: a lone short first line followed by more text. */
    size_t first = 0;
    while (first < n && is_blank(lines[first])) first++;
    if (first + 2 < n && is_blank(lines[first + 1]) && title_like(lines[first]) &&
        !underline(lines[first])) {
        size_t more = first + 1;
        while (more < n && is_blank(lines[more])) more++;
        if (more < n) {
            line_t l = trim(lines[first]);
            kx_doc_set_title(doc, l.s, l.len);
            if ((rc = kx_doc_add(cx, doc, KX_BLOCK_HEADING, 1, 0, l.s, l.len, err, errcap)) < 0)
                goto done;
            first++;
        }
    }

    /* Paragraphs: runs of non-blank lines, cut before an underlined or
     * capitals heading. start is the first line of the open paragraph. */
    size_t start = first;
    for (size_t i = first; i <= n; i++) {
        if ((i & 1023) == 0 && (rc = kx_check_deadline(cx, err, errcap)) < 0) goto done;
        /* A line of dashes on its own is a rule: it ends the paragraph. */
        bool end = i == n || is_blank(lines[i]) || underline(lines[i]);
        char ul = !end && i + 1 < n && !underline(lines[i]) ? underline(lines[i + 1]) : 0;
        bool caps = !end && !ul && all_caps(lines[i]);
        if ((end || ul || caps) && i > start) {
            const char *p = lines[start].s;
            size_t plen = (size_t)(lines[i - 1].s + lines[i - 1].len - p);
            if ((rc = kx_doc_add(cx, doc, KX_BLOCK_PARAGRAPH, 0, 0, p, plen, err, errcap)) < 0)
                goto done;
        }
        if (end) {
            start = i + 1;
        } else if (ul || caps) {
            line_t l = trim(lines[i]);
            int level = ul == '=' ? 1 : 2;
            if ((rc = kx_doc_add(cx, doc, KX_BLOCK_HEADING, level, 0, l.s, l.len, err, errcap)) < 0)
                goto done;
            i += ul ? 1 : 0;
            start = i + 1;
        }
    }
    if (doc->n == 0) {
        sal_errf(err, errcap, "the file has no text");
        rc = SAL_EINVAL;
    }
done:
    free(lines);
    free(owned);
    return rc;
}
