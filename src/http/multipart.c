/* SPDX-License-Identifier: MIT */
/*
 * A streaming (push) parser for multipart/form-data bodies, RFC 7578 on
 * RFC 2046. The body arrives in chunks cut anywhere; the parser keeps only
 * the header block of the current part (capped) and how much of the
 * delimiter "\r\n--boundary" the last bytes matched. Each byte is looked
 * at once (memchr skips to the next CR), so the work is O(n) for any
 * input, and bytes held back as a possible delimiter are always a prefix
 * of the delimiter itself: when they turn out to be data they are handed
 * on from the delimiter string, so no data is ever copied.
 * The conventions it enforces are described in http_int.h.
 */
#include "http/http_int.h"

#include <string.h>
#include <strings.h>

#define DEFAULT_MAX_PARTS        32
#define DEFAULT_MAX_HEADER_BYTES (8 * 1024)
#define DEFAULT_MAX_FIELD_BYTES  (64 * 1024)
#define DELIM_MAX                (4 + HTTP_MP_BOUNDARY_MAX)

enum mp_state {
    ST_PREAMBLE,   /* before the first delimiter: ignored */
    ST_DELIM_TAIL, /* just after a delimiter: "--", padding or CRLF */
    ST_CLOSE_DASH, /* after "--boundary-": the second '-' */
    ST_PAD,        /* spaces and tabs after a delimiter */
    ST_DELIM_LF,   /* the LF ending a boundary line */
    ST_HEADERS,    /* a part's header block */
    ST_DATA,       /* a part's data */
    ST_EPILOGUE,   /* after the closing delimiter: ignored */
    ST_ERROR,
};

struct http_mp {
    http_mp_limits_t lim;
    http_mp_callbacks_t cb;
    void *ud;
    enum mp_state state;
    char delim[DELIM_MAX + 1]; /* "\r\n--" + boundary */
    size_t dlen;
    size_t match; /* delimiter bytes matched by the last bytes */
    size_t nparts;
    bool tail_from_preamble; /* the delimiter being checked ended the preamble */
    bool saw_bad_line;       /* the preamble had a delimiter without a boundary line */
    bool is_file;
    size_t field_bytes;
    char *hdr; /* the current part's header block, lim.max_header_bytes */
    size_t hlen;
    char *str; /* decoded name, filename, content type */
    size_t slen, scap;
    http_mp_part_t info;
    int rc;
    int status;
    const char *msg;
};

/* ---- boundaries ---------------------------------------------------------- */

/* bchars of RFC 2046 section 5.1.1 (space is allowed, but not last). */
static bool is_bchar(unsigned char c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
    return c != '\0' && strchr("'()+_,-./:=? ", c) != NULL;
}

static bool boundary_valid(const char *b, size_t n) {
    if (n < 1 || n > HTTP_MP_BOUNDARY_MAX || b[n - 1] == ' ') return false;
    for (size_t i = 0; i < n; i++)
        if (!is_bchar((unsigned char)b[i])) return false;
    return true;
}

static bool is_ows(char c) { return c == ' ' || c == '\t'; }

/* tchar of RFC 9110. */
static bool is_tchar(unsigned char c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Reads the next "; name=value" parameter of a header value s[*pos..len).
 * The name is returned in place; the value (a token, or a quoted-string
 * with its backslash escapes undone) is written to val (vcap bytes, NUL
 * terminated). Returns 1 for a parameter, 0 at the end, SAL_EINVAL when
 * the syntax is broken or the value does not fit. A lone trailing ';' is
 * tolerated, as some clients send one. */
static int next_param(const char *s, size_t len, size_t *pos, const char **name, size_t *nlen,
                      char *val, size_t vcap, size_t *vlen) {
    size_t i = *pos;
    while (i < len && is_ows(s[i])) i++;
    if (i == len) return 0;
    if (s[i] != ';') return SAL_EINVAL;
    i++;
    while (i < len && is_ows(s[i])) i++;
    if (i == len) return 0;
    size_t n0 = i;
    while (i < len && is_tchar((unsigned char)s[i])) i++;
    if (i == n0) return SAL_EINVAL;
    *name = s + n0;
    *nlen = i - n0;
    while (i < len && is_ows(s[i])) i++;
    if (i == len || s[i] != '=') return SAL_EINVAL;
    i++;
    while (i < len && is_ows(s[i])) i++;
    size_t o = 0;
    if (i < len && s[i] == '"') {
        for (i++;; i++) {
            if (i == len) return SAL_EINVAL; /* unterminated */
            char c = s[i];
            if (c == '"') break;
            if (c == '\\') {
                if (++i == len) return SAL_EINVAL;
                c = s[i];
            }
            if (o + 1 >= vcap) return SAL_EINVAL;
            val[o++] = c;
        }
        i++;
    } else {
        /* Lenient about what an unquoted value holds: anything up to ';'
         * or whitespace, since clients put '/', '=' or ':' there. */
        for (; i < len && s[i] != ';' && !is_ows(s[i]); i++) {
            if (o + 1 >= vcap) return SAL_EINVAL;
            val[o++] = s[i];
        }
        if (o == 0) return SAL_EINVAL;
    }
    val[o] = '\0';
    *vlen = o;
    *pos = i;
    return 1;
}

static bool name_is(const char *name, size_t nlen, const char *want) {
    return nlen == strlen(want) && strncasecmp(name, want, nlen) == 0;
}

int http_mp_boundary(const char *content_type, char *out, size_t cap) {
    if (cap) out[0] = '\0';
    if (content_type == NULL) return SAL_ENOTFOUND;
    const char *s = content_type;
    size_t len = strlen(s), i = 0;
    while (i < len && is_ows(s[i])) i++;
    size_t t0 = i;
    while (i < len && s[i] != ';' && !is_ows(s[i])) i++;
    if (!name_is(s + t0, i - t0, "multipart/form-data")) return SAL_ENOTFOUND;
    bool found = false;
    char val[256];
    for (;;) {
        const char *name;
        size_t nlen, vlen;
        int r = next_param(s, len, &i, &name, &nlen, val, sizeof val, &vlen);
        if (r < 0) return SAL_EINVAL;
        if (r == 0) break;
        if (!name_is(name, nlen, "boundary")) continue;
        if (found || !boundary_valid(val, vlen) || vlen + 1 > cap) return SAL_EINVAL;
        memcpy(out, val, vlen + 1);
        found = true;
    }
    return found ? 0 : SAL_EINVAL;
}

/* ---- life cycle ---------------------------------------------------------- */

http_mp_t *http_mp_new(const char *boundary, const http_mp_limits_t *lim,
                       const http_mp_callbacks_t *cb, void *ud) {
    size_t blen = boundary ? strlen(boundary) : 0;
    if (!boundary_valid(boundary ? boundary : "", blen)) return NULL;
    http_mp_t *p = xcalloc(1, sizeof *p);
    p->lim.max_parts = lim && lim->max_parts ? lim->max_parts : DEFAULT_MAX_PARTS;
    p->lim.max_header_bytes =
        lim && lim->max_header_bytes ? lim->max_header_bytes : DEFAULT_MAX_HEADER_BYTES;
    p->lim.max_field_bytes =
        lim && lim->max_field_bytes ? lim->max_field_bytes : DEFAULT_MAX_FIELD_BYTES;
    if (cb) p->cb = *cb;
    p->ud = ud;
    memcpy(p->delim, "\r\n--", 4);
    memcpy(p->delim + 4, boundary, blen);
    p->dlen = 4 + blen;
    p->delim[p->dlen] = '\0';
    /* The first delimiter may open the body with no CRLF before it: start
     * as if a CRLF had just been seen. */
    p->state = ST_PREAMBLE;
    p->match = 2;
    p->hdr = xmalloc(p->lim.max_header_bytes);
    /* Each decoded string is shorter than the header text it came from
     * (which holds at least "x=" or a header name), so this always fits. */
    p->scap = p->lim.max_header_bytes + 16;
    p->str = xmalloc(p->scap);
    return p;
}

void http_mp_free(http_mp_t *p) {
    if (!p) return;
    free(p->hdr);
    free(p->str);
    free(p);
}

const char *http_mp_error(const http_mp_t *p) { return p->msg ? p->msg : ""; }
int http_mp_error_status(const http_mp_t *p) { return p->rc ? p->status : 0; }
size_t http_mp_parts(const http_mp_t *p) { return p->nparts; }

static int fail(http_mp_t *p, int rc, int status, const char *msg) {
    if (p->rc) return p->rc;
    p->rc = rc;
    p->status = status;
    p->msg = msg;
    p->state = ST_ERROR;
    return rc;
}

static int bad(http_mp_t *p, const char *msg) { return fail(p, SAL_EINVAL, 400, msg); }

static int callback_failed(http_mp_t *p, int rc) {
    return fail(p, rc < 0 ? rc : SAL_EINVAL, 0, "multipart body: rejected");
}

/* ---- part headers -------------------------------------------------------- */

/* Copies n bytes into the string area; NULL when they do not fit (cannot
 * happen, see http_mp_new, but checked all the same). */
static const char *str_add(http_mp_t *p, const char *s, size_t n) {
    if (p->slen + n + 1 > p->scap) return NULL;
    char *d = p->str + p->slen;
    memcpy(d, s, n);
    d[n] = '\0';
    p->slen += n + 1;
    return d;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes an RFC 5987 ext-value (charset'language'pct-encoded) in place.
 * Only UTF-8 is accepted; the result must be valid UTF-8 without NUL. */
static int ext_value_decode(http_mp_t *p, char *v, size_t *len) {
    size_t n = *len;
    char *q1 = memchr(v, '\'', n);
    if (!q1) return bad(p, "multipart body: malformed filename*");
    if (!name_is(v, (size_t)(q1 - v), "utf-8"))
        return bad(p, "multipart body: filename* must be UTF-8");
    char *q2 = memchr(q1 + 1, '\'', n - (size_t)(q1 + 1 - v));
    if (!q2) return bad(p, "multipart body: malformed filename*");
    size_t o = 0;
    for (size_t i = (size_t)(q2 + 1 - v); i < n; i++) {
        char c = v[i];
        if (c == '%') {
            int hi = i + 2 < n ? hexval(v[i + 1]) : -1, lo = i + 2 < n ? hexval(v[i + 2]) : -1;
            if (hi < 0 || lo < 0) return bad(p, "multipart body: malformed filename*");
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        v[o++] = c;
    }
    if (memchr(v, '\0', o) || !sal_utf8_valid(v, o))
        return bad(p, "multipart body: malformed filename*");
    v[o] = '\0';
    *len = o;
    return 0;
}

static int parse_disposition(http_mp_t *p, const char *s, size_t len) {
    size_t i = 0;
    while (i < len && is_tchar((unsigned char)s[i])) i++;
    if (!name_is(s, i, "form-data")) return bad(p, "multipart body: part is not form-data");
    bool have_name = false, have_fn = false, have_fnx = false;
    const char *fn = NULL;
    for (;;) {
        const char *name;
        size_t nlen, vlen;
        /* Values are decoded straight into the string area and kept only
         * when they are one we use. */
        char *val = p->str + p->slen;
        int r = next_param(s, len, &i, &name, &nlen, val, p->scap - p->slen, &vlen);
        if (r < 0) return bad(p, "multipart body: malformed Content-Disposition");
        if (r == 0) break;
        bool *seen = name_is(name, nlen, "name")        ? &have_name
                     : name_is(name, nlen, "filename")  ? &have_fn
                     : name_is(name, nlen, "filename*") ? &have_fnx
                                                        : NULL;
        if (!seen) continue; /* other parameters carry nothing we use */
        if (*seen) return bad(p, "multipart body: duplicate Content-Disposition parameter");
        *seen = true;
        if (seen == &have_fnx && ext_value_decode(p, val, &vlen) < 0) return p->rc;
        p->slen += vlen + 1;
        if (seen == &have_name) p->info.name = val;
        if (seen == &have_fn && !have_fnx) fn = val;
        if (seen == &have_fnx) fn = val;
    }
    p->info.filename = fn;
    return 0;
}

/* Parses the header block hdr[0..hlen) (CRLF line ends, checked as it
 * came in, ending with an empty line) into p->info. */
static int parse_headers(http_mp_t *p) {
    bool have_cd = false;
    p->slen = 0;
    p->info = (http_mp_part_t){0};
    size_t end = p->hlen - 2; /* drop the empty line's CRLF */
    for (size_t i = 0; i < end;) {
        const char *line = p->hdr + i;
        const char *eol = memchr(line, '\r', end - i); /* never NULL: each line ends CRLF */
        size_t n = (size_t)(eol - line);
        i += n + 2;
        if (is_ows(line[0])) return bad(p, "multipart body: folded part header");
        for (size_t k = 0; k < n; k++)
            if (((unsigned char)line[k] < 0x20 && line[k] != '\t') || line[k] == 0x7f)
                return bad(p, "multipart body: malformed part header");
        size_t c = 0;
        while (c < n && is_tchar((unsigned char)line[c])) c++;
        if (c == 0 || c == n || line[c] != ':')
            return bad(p, "multipart body: malformed part header");
        const char *v = line + c + 1;
        size_t vlen = n - c - 1;
        while (vlen && is_ows(v[0])) v++, vlen--;
        while (vlen && is_ows(v[vlen - 1])) vlen--;
        if (name_is(line, c, "content-disposition")) {
            if (have_cd) return bad(p, "multipart body: duplicate Content-Disposition");
            have_cd = true;
            if (parse_disposition(p, v, vlen) < 0) return p->rc;
        } else if (name_is(line, c, "content-type")) {
            if (p->info.content_type)
                return bad(p, "multipart body: duplicate Content-Type in a part");
            p->info.content_type = str_add(p, v, vlen);
            if (!p->info.content_type)
                return fail(p, SAL_ELIMIT, 400, "multipart body: part headers too large");
        }
    }
    if (!have_cd) return bad(p, "multipart body: part without Content-Disposition");
    if (!p->info.name || !p->info.name[0]) return bad(p, "multipart body: part without a name");
    return 0;
}

/* Consumes header bytes from data[i..len); returns the new index. */
static size_t feed_headers(http_mp_t *p, const char *data, size_t len, size_t i) {
    for (; i < len; i++) {
        char c = data[i];
        char prev = p->hlen ? p->hdr[p->hlen - 1] : '\0';
        if ((prev == '\r') != (c == '\n')) {
            bad(p, "multipart body: part header line not ended by CRLF");
            return len;
        }
        if (p->hlen == p->lim.max_header_bytes) {
            fail(p, SAL_ELIMIT, 400, "multipart body: part headers too large");
            return len;
        }
        p->hdr[p->hlen++] = c;
        if (c == '\n' && (p->hlen == 2 || p->hdr[p->hlen - 3] == '\n')) {
            if (parse_headers(p) < 0) return len;
            p->is_file = p->info.filename != NULL;
            p->field_bytes = 0;
            p->match = 0;
            p->state = ST_DATA;
            if (p->cb.part_begin) {
                int r = p->cb.part_begin(p->ud, &p->info);
                if (r != 0) {
                    callback_failed(p, r);
                    return len;
                }
            }
            return i + 1;
        }
    }
    return len;
}

/* ---- part data ----------------------------------------------------------- */

/* Hands n data bytes to the part, enforcing the plain-field limit. At the
 * limit the field gets exactly max_field_bytes before the error, however
 * the body was cut, so that chunking never changes what callbacks see. */
static void deliver(http_mp_t *p, const char *d, size_t n) {
    if (p->rc || n == 0 || p->state != ST_DATA) return;
    bool over = false;
    if (!p->is_file) {
        size_t room = p->lim.max_field_bytes - p->field_bytes;
        if (n > room) {
            n = room;
            over = true;
        }
        p->field_bytes += n;
    }
    if (n && p->cb.part_data) {
        int r = p->cb.part_data(p->ud, d, n);
        if (r != 0) {
            callback_failed(p, r);
            return;
        }
    }
    if (over) fail(p, SAL_ELIMIT, 413, "multipart body: field value too large");
}

/* Releases the stream bytes [*rel, to) as data, positions relative to the
 * start of this chunk's scan: negative ones are the `carry` bytes held
 * back from earlier chunks, which equal delim[0..carry). */
static void release(http_mp_t *p, const char *base, size_t carry, ptrdiff_t *rel, ptrdiff_t to) {
    ptrdiff_t from = *rel;
    *rel = to;
    if (from < 0) {
        ptrdiff_t e = to < 0 ? to : 0;
        deliver(p, p->delim + carry + from, (size_t)(e - from));
        from = 0;
    }
    if (to > from) deliver(p, base + from, (size_t)(to - from));
}

/* Scans data[i..len) for the delimiter in the preamble or a part's data;
 * returns the index after it, or len. */
static size_t scan(http_mp_t *p, const char *data, size_t len, size_t i) {
    const char *base = data + i;
    size_t start = i, carry = p->match, m = p->match;
    ptrdiff_t rel = -(ptrdiff_t)carry;
    while (i < len) {
        if (m == 0) { /* the delimiter starts with CR: skip to the next one */
            const char *cr = memchr(data + i, '\r', len - i);
            if (!cr) {
                i = len;
                break;
            }
            i = (size_t)(cr - data);
        }
        char c = data[i++];
        /* On a mismatch the match restarts from nothing: CR occurs in the
         * delimiter only at its start (bchars exclude it), so no proper
         * suffix of a partial match can begin another one (the KMP
         * failure function is all zeros) and the byte itself is checked
         * as a new start. */
        if (p->delim[m] != c) m = 0;
        if (p->delim[m] == c) m++;
        if (m == p->dlen) {
            release(p, base, carry, &rel, (ptrdiff_t)(i - start) - (ptrdiff_t)p->dlen);
            if (p->rc) return len;
            p->match = 0;
            if (p->state == ST_DATA && p->cb.part_end) {
                int r = p->cb.part_end(p->ud);
                if (r != 0) {
                    callback_failed(p, r);
                    return len;
                }
            }
            p->tail_from_preamble = p->state == ST_PREAMBLE;
            p->state = ST_DELIM_TAIL;
            return i;
        }
    }
    p->match = m;
    release(p, base, carry, &rel, (ptrdiff_t)(len - start) - (ptrdiff_t)m);
    return len;
}

/* ---- feeding ------------------------------------------------------------- */

/* A delimiter not followed by a proper boundary line: an error after a
 * part, but in the preamble only more preamble (scanning resumes at the
 * current byte; the bytes skipped, "-", padding or a CR not followed by
 * LF, cannot begin a delimiter). Returns true to rescan the byte. */
static bool bad_line(http_mp_t *p) {
    if (!p->tail_from_preamble) {
        bad(p, "multipart body: malformed boundary line");
        return false;
    }
    p->saw_bad_line = true;
    p->state = ST_PREAMBLE;
    p->match = 0;
    return true;
}

int http_mp_feed(http_mp_t *p, const char *data, size_t len) {
    size_t i = 0;
    while (i < len && !p->rc) {
        switch (p->state) {
        case ST_PREAMBLE:
        case ST_DATA: i = scan(p, data, len, i); break;
        case ST_HEADERS: i = feed_headers(p, data, len, i); break;
        case ST_EPILOGUE: i = len; break;
        case ST_DELIM_TAIL: {
            char c = data[i++];
            if (c == '-')
                p->state = ST_CLOSE_DASH;
            else if (is_ows(c))
                p->state = ST_PAD;
            else if (c == '\r')
                p->state = ST_DELIM_LF;
            else if (bad_line(p))
                i--;
            break;
        }
        case ST_CLOSE_DASH:
            if (data[i++] == '-')
                p->state = ST_EPILOGUE;
            else if (bad_line(p))
                i--;
            break;
        case ST_PAD: {
            char c = data[i++];
            if (c == '\r')
                p->state = ST_DELIM_LF;
            else if (!is_ows(c) && bad_line(p))
                i--;
            break;
        }
        case ST_DELIM_LF:
            if (data[i++] != '\n') {
                if (bad_line(p)) i--;
                break;
            }
            if (++p->nparts > p->lim.max_parts) {
                fail(p, SAL_ELIMIT, 400, "multipart body: too many parts");
                break;
            }
            p->hlen = 0;
            p->state = ST_HEADERS;
            break;
        case ST_ERROR: break;
        }
    }
    return p->rc;
}

int http_mp_finish(http_mp_t *p) {
    if (p->rc) return p->rc;
    /* A body that closes with no parts after a broken first boundary line
     * (say, LF line ends) was not meant to be empty. */
    if (p->state == ST_EPILOGUE && p->nparts == 0 && p->saw_bad_line)
        return bad(p, "multipart body: malformed boundary line");
    if (p->state == ST_EPILOGUE) return 0;
    if (p->state == ST_PREAMBLE && p->nparts == 0)
        return bad(p, p->saw_bad_line ? "multipart body: malformed boundary line"
                                      : "multipart body: no boundary delimiter found");
    return bad(p, "multipart body: missing closing boundary");
}
