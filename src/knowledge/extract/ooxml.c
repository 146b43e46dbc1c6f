/* SPDX-License-Identifier: MIT */
/*
 * DOCX and PPTX (Office Open XML) on libzip + libxml2, hardened against
 * hostile packages. The zip is opened from memory and only the few parts
 * we need are read, by exact name (nothing is ever written to disk, so
 * entry names like "../../x" are harmless). Each entry's declared size
 * and compression ratio are checked before it is read, and the bytes
 * actually inflated are counted while reading, so a lying header stops
 * at the same caps. XML is read with libxml2's streaming reader (memory
 * stays flat on a 200 MB document.xml), never with entity substitution,
 * DTD loading or the network; a part that carries a DOCTYPE at all is
 * refused, which rules out XXE and entity bombs. Depth and the parse
 * deadline are checked as elements stream by.
 *
 * DOCX: word/document.xml in order — paragraphs (headings resolved from
 * word/styles.xml names or outline levels, list items from numbering),
 * tables one row per block. PPTX: slides in ppt/presentation.xml order,
 * slide titles as level-2 headings, other shapes' paragraphs, table rows
 * and the speaker notes of each slide.
 */
#include "knowledge/extract/extract_int.h"

#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zip.h>

#define PART_CAP  512 /* longest part name we follow */
#define ATTR_CAP  128 /* longest attribute value we look at */
#define WALK_SKIP 1   /* a start handler's "ignore this element's subtree" */

/* ---- the package: zip entries read under the limits -------------------- */

typedef struct {
    kx_ctx_t *cx;
    const char *what; /* "DOCX" or "PPTX", for messages */
    zip_t *za;
    uint64_t total; /* bytes inflated so far, all entries together */
    char *err;
    size_t errcap;
} pkg_t;

static const unsigned char CFB_MAGIC[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};

/* Copies a part name for a message: printable ASCII only, bounded, since
 * names reached through relationships come from the file. */
static const char *safe_name(const char *name, char *out, size_t cap) {
    size_t o = 0;
    for (const char *s = name; *s && o + 1 < cap && o < 80; s++)
        out[o++] = (*s >= 0x21 && *s < 0x7F) ? *s : '?';
    out[o] = '\0';
    return out;
}

/* "200 MB", or "4096 bytes" below a megabyte (tests use tiny limits). */
static const char *fmt_size(uint64_t n, char *out, size_t cap) {
    if (n >= (1u << 20))
        snprintf(out, cap, "%llu MB", (unsigned long long)(n >> 20));
    else
        snprintf(out, cap, "%llu bytes", (unsigned long long)n);
    return out;
}

static int pkg_corrupt(pkg_t *pk) {
    sal_errf(pk->err, pk->errcap, "the %s file is corrupt or not a %s", pk->what, pk->what);
    return SAL_EINVAL;
}

static int pkg_open(pkg_t *pk, kx_ctx_t *cx, const char *what, const void *buf, size_t len,
                    char *err, size_t errcap) {
    *pk = (pkg_t){.cx = cx, .what = what, .err = err, .errcap = errcap};
    if (len >= sizeof CFB_MAGIC && memcmp(buf, CFB_MAGIC, sizeof CFB_MAGIC) == 0) {
        /* Office wraps encrypted OOXML in a CFB container; .doc/.ppt are CFB too. */
        sal_errf(err, errcap, "the %s is password-protected or in the old binary format", what);
        return SAL_EINVAL;
    }
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(len ? buf : "", len, 0, &ze);
    if (!src) {
        zip_error_fini(&ze);
        return pkg_corrupt(pk);
    }
    pk->za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    zip_error_fini(&ze);
    if (!pk->za) {
        zip_source_free(src);
        return pkg_corrupt(pk);
    }
    zip_int64_t n = zip_get_num_entries(pk->za, 0);
    if (n < 0) return pkg_corrupt(pk);
    if ((uint64_t)n > cx->lim->max_zip_entries) {
        sal_errf(err, errcap, "the %s has more than %zu files inside", what,
                 cx->lim->max_zip_entries);
        return SAL_ELIMIT;
    }
    return 0;
}

static void pkg_close(pkg_t *pk) {
    if (pk->za) zip_discard(pk->za);
    pk->za = NULL;
}

static int pkg_bomb(pkg_t *pk, const char *name, const char *why) {
    char shown[96];
    sal_errf(pk->err, pk->errcap, "the %s looks like a zip bomb (%s %s)", pk->what,
             safe_name(name, shown, sizeof shown), why);
    return SAL_ELIMIT;
}

/* Reads entry `name` whole into a new NUL-terminated buffer (*out, free
 * with free()). SAL_ENOTFOUND without a message when there is no such
 * entry; SAL_ELIMIT / SAL_EINVAL with a reason otherwise. */
static int pkg_read(pkg_t *pk, const char *name, char **out, size_t *out_len) {
    *out = NULL;
    *out_len = 0;
    const kx_limits_t *lim = pk->cx->lim;
    char shown[96], why[64];
    zip_int64_t idx = zip_name_locate(pk->za, name, 0);
    if (idx < 0) idx = zip_name_locate(pk->za, name, ZIP_FL_NOCASE); /* OPC names ignore case */
    if (idx < 0) return SAL_ENOTFOUND;
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(pk->za, (zip_uint64_t)idx, 0, &st) < 0 || !(st.valid & ZIP_STAT_SIZE) ||
        !(st.valid & ZIP_STAT_COMP_SIZE))
        return pkg_corrupt(pk);
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
        sal_errf(pk->err, pk->errcap, "the %s is password-protected or in the old binary format",
                 pk->what);
        return SAL_EINVAL;
    }
    /* The declared sizes first: most bombs stop here without inflating. */
    if (st.size > 0 &&
        (st.comp_size == 0 || (double)st.size / (double)st.comp_size > lim->max_ratio)) {
        snprintf(why, sizeof why, "expands more than %.0f\xC3\x97", lim->max_ratio);
        return pkg_bomb(pk, name, why);
    }
    if (st.size > lim->max_entry_bytes) {
        char sz[32];
        sal_errf(pk->err, pk->errcap, "the %s has a part larger than %s (%s)", pk->what,
                 fmt_size(lim->max_entry_bytes, sz, sizeof sz),
                 safe_name(name, shown, sizeof shown));
        return SAL_ELIMIT;
    }
    if (st.size > lim->max_total_bytes || pk->total > lim->max_total_bytes - st.size) {
        char sz[32];
        sal_errf(pk->err, pk->errcap, "the %s expands to more than %s", pk->what,
                 fmt_size(lim->max_total_bytes, sz, sizeof sz));
        return SAL_ELIMIT;
    }
    zip_file_t *zf = zip_fopen_index(pk->za, (zip_uint64_t)idx, 0);
    if (!zf) {
        int ze = zip_error_code_zip(zip_get_error(pk->za));
        if (ze == ZIP_ER_NOPASSWD || ze == ZIP_ER_WRONGPASSWD || ze == ZIP_ER_ENCRNOTSUPP) {
            sal_errf(pk->err, pk->errcap,
                     "the %s is password-protected or in the old binary format", pk->what);
            return SAL_EINVAL;
        }
        if (ze == ZIP_ER_COMPNOTSUPP) {
            sal_errf(pk->err, pk->errcap, "the %s uses a compression method not supported",
                     pk->what);
            return SAL_EINVAL;
        }
        return pkg_corrupt(pk);
    }
    /* Then the bytes themselves: never more than declared (one byte past
     * shows a lying header), never past the total, checked per 1 MiB. */
    int rc = 0;
    char *data = NULL;
    size_t cap = 0, got = 0;
    uint64_t want = st.size + 1;
    for (;;) {
        if (got == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            if (ncap > want) ncap = (size_t)want;
            data = xrealloc(data, ncap + 1);
            cap = ncap;
        }
        size_t chunk = cap - got < (1u << 20) ? cap - got : (1u << 20);
        zip_int64_t n = zip_fread(zf, data + got, chunk);
        if (n < 0) {
            sal_errf(pk->err, pk->errcap, "the %s file is corrupt (%s cannot be read)", pk->what,
                     safe_name(name, shown, sizeof shown));
            rc = SAL_EINVAL;
            goto fail;
        }
        if (n == 0) break;
        got += (size_t)n;
        pk->total += (uint64_t)n;
        if (got > st.size) {
            rc = pkg_bomb(pk, name, "inflates past the size its header declares");
            goto fail;
        }
        if (pk->total > lim->max_total_bytes) {
            char sz[32];
            sal_errf(pk->err, pk->errcap, "the %s expands to more than %s", pk->what,
                     fmt_size(lim->max_total_bytes, sz, sizeof sz));
            rc = SAL_ELIMIT;
            goto fail;
        }
        if ((rc = kx_check_deadline(pk->cx, pk->err, pk->errcap)) < 0) goto fail;
    }
    zip_fclose(zf);
    data[got] = '\0';
    *out = data;
    *out_len = got;
    return 0;
fail:
    zip_fclose(zf);
    free(data);
    return rc;
}

/* ---- part names --------------------------------------------------------- */

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Resolves a relationship target against the folder of its source part
 * (base_dir, "" for the root): "/x" starts at the package root, "." and
 * ".." are folded, percent escapes decoded. False when it climbs above
 * the root, is empty or does not fit. */
static bool part_resolve(const char *base_dir, const char *target, char *out, size_t cap) {
    char path[PART_CAP * 2];
    size_t o = 0;
    if (target[0] != '/' && base_dir[0]) {
        size_t n = strlen(base_dir);
        if (n + 1 >= sizeof path) return false;
        memcpy(path, base_dir, n);
        path[n] = '/';
        o = n + 1;
    }
    for (const char *s = target; *s; s++) {
        char c = *s;
        if (c == '#' || c == '?') break;
        if (c == '%' && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
            c = (char)(hexval(s[1]) * 16 + hexval(s[2]));
            s += 2;
            if (c == '\0') return false;
        }
        if (o + 1 >= sizeof path) return false;
        path[o++] = c == '\\' ? '/' : c;
    }
    path[o] = '\0';
    /* Fold the segments into out. */
    size_t n = 0;
    char *save = NULL;
    for (char *seg = strtok_r(path, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
        if (strcmp(seg, ".") == 0) continue;
        if (strcmp(seg, "..") == 0) {
            if (n == 0) return false;
            while (n > 0 && out[n - 1] != '/') n--;
            if (n > 0) n--; /* the slash */
            continue;
        }
        size_t k = strlen(seg);
        if (n + (n ? 1 : 0) + k + 1 > cap) return false;
        if (n) out[n++] = '/';
        memcpy(out + n, seg, k);
        n += k;
    }
    if (n == 0) return false;
    out[n] = '\0';
    return true;
}

/* "ppt/slides/slide1.xml" → dir "ppt/slides", rels "ppt/slides/_rels/slide1.xml.rels". */
static void part_dir(const char *part, char *out, size_t cap) {
    const char *slash = strrchr(part, '/');
    size_t n = slash ? (size_t)(slash - part) : 0;
    if (n >= cap) n = cap - 1;
    memcpy(out, part, n);
    out[n] = '\0';
}

static bool part_rels(const char *part, char *out, size_t cap) {
    const char *slash = strrchr(part, '/');
    int n = slash ? snprintf(out, cap, "%.*s/_rels/%s.rels", (int)(slash - part), part, slash + 1)
                  : snprintf(out, cap, "_rels/%s.rels", part);
    return n > 0 && (size_t)n < cap;
}

/* ---- streaming XML under the limits ------------------------------------ */

enum { NS_NONE, NS_OTHER, NS_W, NS_A, NS_P, NS_R, NS_REL, NS_DC, NS_MC };

static const struct {
    const char *uri;
    int ns;
} NAMESPACES[] = {
    {"http://schemas.openxmlformats.org/wordprocessingml/2006/main", NS_W},
    {"http://purl.oclc.org/ooxml/wordprocessingml/main", NS_W},
    {"http://schemas.openxmlformats.org/drawingml/2006/main", NS_A},
    {"http://purl.oclc.org/ooxml/drawingml/main", NS_A},
    {"http://schemas.openxmlformats.org/presentationml/2006/main", NS_P},
    {"http://purl.oclc.org/ooxml/presentationml/main", NS_P},
    {"http://schemas.openxmlformats.org/officeDocument/2006/relationships", NS_R},
    {"http://purl.oclc.org/ooxml/officeDocument/relationships", NS_R},
    {"http://schemas.openxmlformats.org/package/2006/relationships", NS_REL},
    {"http://purl.org/dc/elements/1.1/", NS_DC},
    {"http://schemas.openxmlformats.org/markup-compatibility/2006", NS_MC},
};

static int ns_class(const xmlChar *uri) {
    if (!uri) return NS_NONE;
    for (size_t i = 0; i < sizeof NAMESPACES / sizeof NAMESPACES[0]; i++)
        if (strcmp((const char *)uri, NAMESPACES[i].uri) == 0) return NAMESPACES[i].ns;
    return NS_OTHER;
}

typedef struct walker walker_t;
struct walker {
    pkg_t *pk;
    const char *part;
    /* start returns 0, WALK_SKIP or a negative code (with err set). */
    int (*start)(walker_t *w, xmlTextReaderPtr r, int ns, const char *name, int depth);
    int (*end)(walker_t *w, int ns, const char *name, int depth);
    int (*text)(walker_t *w, const char *s, size_t len);
    void *st;
    bool malformed; /* set when the part was not well-formed XML */
};

typedef struct {
    bool depth_hit; /* libxml2's own nesting cap fired */
} xml_errs_t;

#if LIBXML_VERSION >= 21200
static void xml_error_sink(void *arg, const xmlError *e) {
#else
static void xml_error_sink(void *arg, xmlErrorPtr e) {
#endif
    xml_errs_t *x = arg;
    if (e && e->message && strstr(e->message, "Excessive depth")) x->depth_hit = true;
}

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;
static void xml_init(void) { xmlInitParser(); }

/* True when a DOCTYPE appears anywhere, in UTF-8 or either UTF-16 order
 * (the LE pattern without its last NUL matches BE too). */
static bool has_doctype(const char *s, size_t len) {
    static const char U16[] = "<\0!\0D\0O\0C\0T\0Y\0P\0E";
    return memmem(s, len, "<!DOCTYPE", 9) || memmem(s, len, U16, sizeof U16 - 1);
}

/* UCS-4 and EBCDIC, which libxml2 would auto-detect; OOXML allows
 * UTF-8 and UTF-16 only, and the DOCTYPE scan covers only those. */
static bool odd_encoding(const unsigned char *s, size_t len) {
    if (len < 4) return false;
    static const unsigned char BAD[][4] = {
        {0, 0, 0, 0x3C},          {0x3C, 0, 0, 0},    {0, 0, 0x3C, 0},   {0, 0x3C, 0, 0},
        {0x4C, 0x6F, 0xA7, 0x94}, {0, 0, 0xFE, 0xFF}, {0xFF, 0xFE, 0, 0}};
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++)
        if (memcmp(s, BAD[i], 4) == 0) return true;
    return false;
}

static int xml_dtd(walker_t *w) {
    sal_errf(w->pk->err, w->pk->errcap, "the %s contains a DTD (not allowed in Office files)",
             w->pk->what);
    return SAL_EINVAL;
}

static int xml_too_deep(walker_t *w) {
    char shown[96];
    sal_errf(w->pk->err, w->pk->errcap, "the %s is nested too deeply (more than %d levels in %s)",
             w->pk->what, w->pk->cx->lim->max_xml_depth, safe_name(w->part, shown, sizeof shown));
    return SAL_ELIMIT;
}

static int xml_malformed(walker_t *w) {
    char shown[96];
    w->malformed = true;
    sal_errf(w->pk->err, w->pk->errcap, "the %s file is corrupt (%s is not well-formed XML)",
             w->pk->what, safe_name(w->part, shown, sizeof shown));
    return SAL_EINVAL;
}

/* Streams data[0..len) through the walker's handlers. */
static int xml_walk(walker_t *w, const char *data, size_t len) {
    const kx_limits_t *lim = w->pk->cx->lim;
    if (has_doctype(data, len)) return xml_dtd(w);
    if (odd_encoding((const unsigned char *)data, len)) return xml_malformed(w);
    if (len > INT_MAX) return xml_malformed(w);
    pthread_once(&xml_once, xml_init);
    /* NOENT, DTDLOAD, DTDATTR and HUGE stay off; IGNORE_ENC keeps the
     * input UTF-8 or UTF-16 as the DOCTYPE scan assumes. */
    xmlTextReaderPtr r = xmlReaderForMemory(data, (int)len, NULL, NULL,
                                            XML_PARSE_NONET | XML_PARSE_NOERROR |
                                                XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC);
    if (!r) return xml_malformed(w);
    xml_errs_t xe = {0};
    xmlTextReaderSetStructuredErrorHandler(r, xml_error_sink, &xe);
    int rc = 0, ret, skip = 0;
    unsigned long count = 0;
    while ((ret = xmlTextReaderRead(r)) == 1) {
        int type = xmlTextReaderNodeType(r);
        switch (type) {
        case XML_READER_TYPE_DOCUMENT_TYPE:
        case XML_READER_TYPE_ENTITY_REFERENCE:
        case XML_READER_TYPE_ENTITY:
        case XML_READER_TYPE_NOTATION: rc = xml_dtd(w); goto done;
        case XML_READER_TYPE_ELEMENT: {
            int depth = xmlTextReaderDepth(r) + 1;
            if (depth > lim->max_xml_depth) {
                rc = xml_too_deep(w);
                goto done;
            }
            if ((++count & 1023) == 0 &&
                (rc = kx_check_deadline(w->pk->cx, w->pk->err, w->pk->errcap)) < 0)
                goto done;
            if (skip) break;
            bool empty = xmlTextReaderIsEmptyElement(r) == 1;
            int ns = ns_class(xmlTextReaderConstNamespaceUri(r));
            const char *name = (const char *)xmlTextReaderConstLocalName(r);
            if (!name) break;
            rc = w->start ? w->start(w, r, ns, name, depth) : 0;
            if (rc < 0) goto done;
            if (rc == WALK_SKIP) {
                rc = 0;
                if (!empty) skip = depth;
                break;
            }
            if (empty && w->end && (rc = w->end(w, ns, name, depth)) < 0) goto done;
            break;
        }
        case XML_READER_TYPE_END_ELEMENT: {
            int depth = xmlTextReaderDepth(r) + 1;
            if (skip) {
                if (depth == skip) skip = 0;
                break;
            }
            const char *name = (const char *)xmlTextReaderConstLocalName(r);
            if (name && w->end &&
                (rc = w->end(w, ns_class(xmlTextReaderConstNamespaceUri(r)), name, depth)) < 0)
                goto done;
            break;
        }
        case XML_READER_TYPE_TEXT:
        case XML_READER_TYPE_CDATA:
        case XML_READER_TYPE_WHITESPACE:
        case XML_READER_TYPE_SIGNIFICANT_WHITESPACE: {
            if (skip || !w->text) break;
            const char *v = (const char *)xmlTextReaderConstValue(r);
            if (v && (rc = w->text(w, v, strlen(v))) < 0) goto done;
            break;
        }
        default: break;
        }
    }
    if (ret < 0) rc = xe.depth_hit ? xml_too_deep(w) : xml_malformed(w);
done:
    xmlFreeTextReader(r);
    return rc;
}

/* Copies the value of attribute ns:local of the current element into
 * out (truncated to cap); false when it has none. */
static bool attr_get(xmlTextReaderPtr r, int ns, const char *local, char *out, size_t cap) {
    bool found = false;
    if (xmlTextReaderMoveToFirstAttribute(r) != 1) return false;
    do {
        const char *name = (const char *)xmlTextReaderConstLocalName(r);
        if (name && strcmp(name, local) == 0 && ns_class(xmlTextReaderConstNamespaceUri(r)) == ns) {
            const char *v = (const char *)xmlTextReaderConstValue(r);
            sal_strlcpy(out, v ? v : "", cap);
            found = true;
            break;
        }
    } while (xmlTextReaderMoveToNextAttribute(r) == 1);
    xmlTextReaderMoveToElement(r);
    return found;
}

/* A capped text buffer's append, with the extractor's text-limit reason. */
static int buf_add(pkg_t *pk, sal_buf_t *b, const char *s, size_t len) {
    if (sal_buf_append(b, s, len) == 0) return 0;
    sal_errf(pk->err, pk->errcap, "the document has more than %zu MB of text",
             pk->cx->lim->max_text_bytes >> 20);
    return SAL_ELIMIT;
}

/* Appends s to b, after sep when b already holds text. */
static int buf_join(pkg_t *pk, sal_buf_t *b, const char *sep, const char *s, size_t len) {
    int rc;
    if (b->len && (rc = buf_add(pk, b, sep, strlen(sep))) < 0) return rc;
    return buf_add(pk, b, s, len);
}

static bool is_blank(const char *s, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') return false;
    return true;
}

/* Reads and walks an optional part: missing or malformed is no error
 * (nothing is taken from it), but limits and DTDs still are. */
static int walk_optional(walker_t *w, const char *part) {
    char *data = NULL;
    size_t len = 0;
    w->part = part;
    int rc = pkg_read(w->pk, part, &data, &len);
    if (rc == SAL_ENOTFOUND) return 0;
    if (rc < 0) return rc;
    rc = xml_walk(w, data, len);
    free(data);
    if (rc == SAL_EINVAL && w->malformed) {
        if (w->pk->err && w->pk->errcap) w->pk->err[0] = '\0';
        rc = 0;
    }
    return rc;
}

/* ---- relationships ------------------------------------------------------ */

typedef struct {
    char id[64];
    char type[48]; /* the last segment of the Type URI: "slide", "notesSlide" */
    char *target;
} rel_t;

typedef struct {
    rel_t *items;
    size_t n, cap;
} rels_t;

static void rels_free(rels_t *rs) {
    for (size_t i = 0; i < rs->n; i++) free(rs->items[i].target);
    free(rs->items);
    *rs = (rels_t){0};
}

static int rels_start(walker_t *w, xmlTextReaderPtr r, int ns, const char *name, int depth) {
    rels_t *rs = w->st;
    if (ns != NS_REL || depth != 2 || strcmp(name, "Relationship") != 0) return 0;
    char id[64], type[256], target[PART_CAP], mode[32];
    if (!attr_get(r, NS_NONE, "Id", id, sizeof id) ||
        !attr_get(r, NS_NONE, "Type", type, sizeof type) ||
        !attr_get(r, NS_NONE, "Target", target, sizeof target))
        return 0;
    if (attr_get(r, NS_NONE, "TargetMode", mode, sizeof mode) && strcmp(mode, "External") == 0)
        return 0;
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 16;
        rs->items = xrealloc(rs->items, rs->cap * sizeof *rs->items);
    }
    rel_t *rel = &rs->items[rs->n++];
    sal_strlcpy(rel->id, id, sizeof rel->id);
    const char *slash = strrchr(type, '/');
    sal_strlcpy(rel->type, slash ? slash + 1 : type, sizeof rel->type);
    rel->target = xstrdup(target);
    return 0;
}

static int rels_load(pkg_t *pk, const char *part, rels_t *out) {
    walker_t w = {.pk = pk, .start = rels_start, .st = out};
    return walk_optional(&w, part);
}

/* The resolved part name of relationship id (or, id NULL, of the first of
 * that type) from a source part in folder base_dir. */
static bool rels_target(const rels_t *rs, const char *id, const char *type, const char *base_dir,
                        char *out, size_t cap) {
    for (size_t i = 0; i < rs->n; i++) {
        const rel_t *rel = &rs->items[i];
        if (id && strcmp(rel->id, id) != 0) continue;
        if (type && strcmp(rel->type, type) != 0) continue;
        if (part_resolve(base_dir, rel->target, out, cap)) return true;
        if (id) return false;
    }
    return false;
}

/* ---- docProps/core.xml: the title ------------------------------------- */

typedef struct {
    bool in_title;
    sal_buf_t title;
} core_t;

static int core_start(walker_t *w, xmlTextReaderPtr r, int ns, const char *name, int depth) {
    (void)r;
    core_t *c = w->st;
    if (ns == NS_DC && depth == 2 && strcmp(name, "title") == 0) c->in_title = true;
    return 0;
}

static int core_end(walker_t *w, int ns, const char *name, int depth) {
    (void)ns;
    (void)name;
    core_t *c = w->st;
    if (depth == 2) c->in_title = false;
    return 0;
}

static int core_text(walker_t *w, const char *s, size_t len) {
    core_t *c = w->st;
    if (c->in_title) (void)sal_buf_append(&c->title, s, len); /* past its cap: cut, no error */
    return 0;
}

static int core_title(pkg_t *pk, kx_doc_t *doc) {
    core_t c = {0};
    sal_buf_init(&c.title, 1024);
    walker_t w = {.pk = pk, .start = core_start, .end = core_end, .text = core_text, .st = &c};
    int rc = walk_optional(&w, "docProps/core.xml");
    if (rc == 0 && c.title.len) kx_doc_set_title(doc, c.title.data, c.title.len);
    sal_buf_free(&c.title);
    return rc;
}

/* ---- DOCX: styles ------------------------------------------------------- */

typedef struct {
    char id[64], name[64], based[64];
    int outline; /* -1 unset, 0..9 */
    int num;     /* -1 unset, 0 numbering off, 1 on */
    bool para, is_default;
    int level; /* resolved heading level, 0 none */
    bool list; /* resolved list style */
} wstyle_t;

typedef struct {
    wstyle_t *items;
    size_t n, cap;
    int cur_depth; /* depth of the w:style being read, 0 none */
    const wstyle_t *dflt;
} wstyles_t;

static int val_int(const char *v) {
    char *end;
    long x = strtol(v, &end, 10);
    return end == v || x < 0 || x > 1000 ? -1 : (int)x;
}

static int styles_start(walker_t *w, xmlTextReaderPtr r, int ns, const char *name, int depth) {
    wstyles_t *ss = w->st;
    char v[ATTR_CAP];
    if (ns != NS_W) return 0;
    if (depth == 2 && strcmp(name, "style") == 0) {
        if (ss->n == ss->cap) {
            ss->cap = ss->cap ? ss->cap * 2 : 64;
            ss->items = xrealloc(ss->items, ss->cap * sizeof *ss->items);
        }
        wstyle_t *s = &ss->items[ss->n++];
        *s = (wstyle_t){.outline = -1, .num = -1};
        if (attr_get(r, NS_W, "styleId", v, sizeof v)) sal_strlcpy(s->id, v, sizeof s->id);
        s->para = !attr_get(r, NS_W, "type", v, sizeof v) || strcmp(v, "paragraph") == 0;
        s->is_default = attr_get(r, NS_W, "default", v, sizeof v) &&
                        (strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || strcmp(v, "on") == 0);
        ss->cur_depth = depth;
        return 0;
    }
    if (!ss->cur_depth) return 0;
    wstyle_t *s = &ss->items[ss->n - 1];
    int rel = depth - ss->cur_depth;
    if (rel == 1 && strcmp(name, "name") == 0 && attr_get(r, NS_W, "val", v, sizeof v))
        sal_strlcpy(s->name, v, sizeof s->name);
    else if (rel == 1 && strcmp(name, "basedOn") == 0 && attr_get(r, NS_W, "val", v, sizeof v))
        sal_strlcpy(s->based, v, sizeof s->based);
    else if (rel == 2 && strcmp(name, "outlineLvl") == 0 && attr_get(r, NS_W, "val", v, sizeof v))
        s->outline = val_int(v) <= 9 ? val_int(v) : -1;
    else if (rel == 2 && strcmp(name, "numPr") == 0)
        s->num = 1;
    else if (rel == 3 && strcmp(name, "numId") == 0 && attr_get(r, NS_W, "val", v, sizeof v) &&
             strcmp(v, "0") == 0)
        s->num = 0;
    else if (rel == 1 && strcmp(name, "pPr") != 0)
        return WALK_SKIP; /* rPr, tblPr...: nothing we need */
    return 0;
}

static int styles_end(walker_t *w, int ns, const char *name, int depth) {
    (void)ns;
    (void)name;
    wstyles_t *ss = w->st;
    if (depth == ss->cur_depth) ss->cur_depth = 0;
    return 0;
}

static int style_cmp(const void *a, const void *b) {
    return strcmp(((const wstyle_t *)a)->id, ((const wstyle_t *)b)->id);
}

static int style_key_cmp(const void *key, const void *item) {
    return strcmp(key, ((const wstyle_t *)item)->id);
}

/* Both sides are cut to the same 63 bytes, so long ids still match. */
static const wstyle_t *style_find(const wstyles_t *ss, const char *id) {
    if (!id[0] || ss->n == 0) return NULL;
    return bsearch(id, ss->items, ss->n, sizeof *ss->items, style_key_cmp);
}

/* "Title" → 1, "heading N" → N (at most 6), else 0. */
static int heading_from_name(const char *name) {
    if (strcasecmp(name, "title") == 0) return 1;
    if (strncasecmp(name, "heading ", 8) == 0 && name[8] >= '1' && name[8] <= '9' && !name[9])
        return name[8] - '0' > 6 ? 6 : name[8] - '0';
    return 0;
}

static int outline_level(int outline) {
    return outline < 0 || outline >= 9 ? 0 : outline + 1 > 6 ? 6 : outline + 1;
}

/* Resolves every style's heading level and list-ness through its basedOn
 * chain (sorted first, so each hop is a binary search). */
static void styles_resolve(wstyles_t *ss) {
    if (ss->n) qsort(ss->items, ss->n, sizeof *ss->items, style_cmp);
    for (size_t i = 0; i < ss->n; i++) {
        wstyle_t *s = &ss->items[i];
        int level = -1, num = -1;
        bool list_name = false;
        const wstyle_t *c = s;
        for (int hop = 0; c && hop < 32 && (level < 0 || num < 0); hop++) {
            if (level < 0) {
                int h = heading_from_name(c->name);
                if (h)
                    level = h;
                else if (c->outline >= 0)
                    level = outline_level(c->outline);
            }
            if (num < 0 && c->num >= 0) num = c->num;
            if (strncasecmp(c->name, "list", 4) == 0) list_name = true;
            c = style_find(ss, c->based);
        }
        s->level = level > 0 ? level : 0;
        s->list = num == 1 || (num < 0 && list_name);
        if (s->para && s->is_default && !ss->dflt) ss->dflt = s;
    }
}

/* ---- DOCX: the body ----------------------------------------------------- */

typedef struct {
    sal_buf_t text;
    int depth, ppr_depth, r_depth, t_depth;
    char style[64];
    int num, outline;
} wpara_t;

typedef struct {
    kx_doc_t *doc;
    const wstyles_t *styles;
    wpara_t *ps;
    size_t np, capp;
    int tbl_depth;
    sal_buf_t cell, row;
    int ncells;
    bool row_text;
} docx_t;

static int docx_emit(walker_t *w, wpara_t *p) {
    docx_t *d = w->st;
    pkg_t *pk = w->pk;
    if (p->text.len == 0) return 0;
    if (d->tbl_depth > 0) return buf_join(pk, &d->cell, " ", p->text.data, p->text.len);
    const wstyle_t *s = p->style[0] ? style_find(d->styles, p->style) : d->styles->dflt;
    int level = p->outline >= 0 ? outline_level(p->outline) : s ? s->level : 0;
    bool list = p->num == 1 || (p->num < 0 && s && s->list);
    kx_block_kind_t kind = level  ? KX_BLOCK_HEADING
                           : list ? KX_BLOCK_LIST_ITEM
                                  : KX_BLOCK_PARAGRAPH;
    return kx_doc_add(pk->cx, d->doc, kind, level, 0, p->text.data, p->text.len, pk->err,
                      pk->errcap);
}

static int docx_start(walker_t *w, xmlTextReaderPtr r, int ns, const char *name, int depth) {
    docx_t *d = w->st;
    char v[ATTR_CAP];
    if (ns == NS_MC) return strcmp(name, "Fallback") == 0 ? WALK_SKIP : 0; /* dup of Choice */
    if (ns != NS_W) return 0;
    wpara_t *p = d->np ? &d->ps[d->np - 1] : NULL;
    if (strcmp(name, "p") == 0) {
        if (d->np == d->capp) {
            size_t ncap = d->capp ? d->capp * 2 : 8;
            d->ps = xrealloc(d->ps, ncap * sizeof *d->ps);
            for (size_t i = d->capp; i < ncap; i++)
                sal_buf_init(&d->ps[i].text, w->pk->cx->lim->max_text_bytes);
            d->capp = ncap;
        }
        p = &d->ps[d->np++];
        sal_buf_reset(&p->text);
        p->depth = depth;
        p->ppr_depth = p->r_depth = p->t_depth = 0;
        p->style[0] = '\0';
        p->num = p->outline = -1;
        return 0;
    }
    if (strcmp(name, "tbl") == 0) {
        d->tbl_depth++;
        return 0;
    }
    if (d->tbl_depth == 1 && strcmp(name, "tr") == 0) {
        sal_buf_reset(&d->row);
        d->ncells = 0;
        d->row_text = false;
        return 0;
    }
    if (d->tbl_depth == 1 && strcmp(name, "tc") == 0) {
        sal_buf_reset(&d->cell);
        return 0;
    }
    /* Deleted and moved-away text, field codes, property changes. */
    if (strcmp(name, "del") == 0 || strcmp(name, "moveFrom") == 0 ||
        strcmp(name, "instrText") == 0 || strcmp(name, "delText") == 0 ||
        strcmp(name, "pPrChange") == 0 || strcmp(name, "rPrChange") == 0)
        return WALK_SKIP;
    if (!p) return 0;
    if (depth == p->depth + 1 && strcmp(name, "pPr") == 0) {
        p->ppr_depth = depth;
        return 0;
    }
    if (p->ppr_depth && depth == p->ppr_depth + 1) {
        if (strcmp(name, "pStyle") == 0 && attr_get(r, NS_W, "val", v, sizeof v))
            sal_strlcpy(p->style, v, sizeof p->style);
        else if (strcmp(name, "numPr") == 0 && p->num < 0)
            p->num = 1;
        else if (strcmp(name, "outlineLvl") == 0 && attr_get(r, NS_W, "val", v, sizeof v))
            p->outline = val_int(v) <= 9 ? val_int(v) : -1;
        return 0;
    }
    if (p->ppr_depth && depth == p->ppr_depth + 2 && strcmp(name, "numId") == 0 &&
        attr_get(r, NS_W, "val", v, sizeof v) && strcmp(v, "0") == 0) {
        p->num = 0;
        return 0;
    }
    if (strcmp(name, "r") == 0) {
        p->r_depth = depth;
        return 0;
    }
    if (!p->r_depth || depth != p->r_depth + 1) return 0;
    if (strcmp(name, "t") == 0)
        p->t_depth = depth;
    else if (strcmp(name, "tab") == 0)
        return buf_add(w->pk, &p->text, "\t", 1);
    else if (strcmp(name, "br") == 0 || strcmp(name, "cr") == 0)
        return buf_add(w->pk, &p->text, "\n", 1);
    else if (strcmp(name, "noBreakHyphen") == 0)
        return buf_add(w->pk, &p->text, "-", 1);
    return 0;
}

static int docx_end(walker_t *w, int ns, const char *name, int depth) {
    docx_t *d = w->st;
    pkg_t *pk = w->pk;
    int rc;
    if (ns != NS_W) return 0;
    wpara_t *p = d->np ? &d->ps[d->np - 1] : NULL;
    if (p && depth == p->depth && strcmp(name, "p") == 0) {
        rc = docx_emit(w, p);
        d->np--;
        return rc;
    }
    if (strcmp(name, "tbl") == 0) {
        if (d->tbl_depth > 0) d->tbl_depth--;
        return 0;
    }
    if (d->tbl_depth == 1 && strcmp(name, "tc") == 0) {
        if (d->ncells++ && (rc = buf_add(pk, &d->row, " | ", 3)) < 0) return rc;
        if (d->cell.len && !is_blank(d->cell.data, d->cell.len)) d->row_text = true;
        rc = d->cell.len ? buf_add(pk, &d->row, d->cell.data, d->cell.len) : 0;
        sal_buf_reset(&d->cell);
        return rc;
    }
    if (d->tbl_depth == 1 && strcmp(name, "tr") == 0) {
        rc = d->row_text ? kx_doc_add(pk->cx, d->doc, KX_BLOCK_TABLE_ROW, 0, 0, d->row.data,
                                      d->row.len, pk->err, pk->errcap)
                         : 0;
        sal_buf_reset(&d->row);
        d->ncells = 0;
        d->row_text = false;
        return rc;
    }
    if (!p) return 0;
    if (depth == p->ppr_depth)
        p->ppr_depth = 0;
    else if (depth == p->r_depth)
        p->r_depth = 0;
    else if (depth == p->t_depth)
        p->t_depth = 0;
    return 0;
}

static int docx_text(walker_t *w, const char *s, size_t len) {
    docx_t *d = w->st;
    wpara_t *p = d->np ? &d->ps[d->np - 1] : NULL;
    if (!p || !p->t_depth) return 0;
    return buf_add(w->pk, &p->text, s, len);
}

int kx_docx(kx_ctx_t *cx, const void *buf, size_t len, kx_doc_t *doc, char *err, size_t errcap) {
    pkg_t pk;
    wstyles_t styles = {0};
    docx_t d = {.doc = doc, .styles = &styles};
    char *body = NULL;
    size_t body_len = 0;
    sal_buf_init(&d.cell, cx->lim->max_text_bytes);
    sal_buf_init(&d.row, cx->lim->max_text_bytes);
    int rc = pkg_open(&pk, cx, "DOCX", buf, len, err, errcap);
    if (rc < 0) goto fail;
    if ((rc = core_title(&pk, doc)) < 0) goto fail;
    walker_t sw = {.pk = &pk, .start = styles_start, .end = styles_end, .st = &styles};
    if ((rc = walk_optional(&sw, "word/styles.xml")) < 0) goto fail;
    styles_resolve(&styles);
    rc = pkg_read(&pk, "word/document.xml", &body, &body_len);
    if (rc == SAL_ENOTFOUND) {
        sal_errf(err, errcap,
                 "the DOCX file is corrupt or not a DOCX (it has no word/document.xml)");
        rc = SAL_EINVAL;
    }
    if (rc < 0) goto fail;
    walker_t bw = {.pk = &pk,
                   .part = "word/document.xml",
                   .start = docx_start,
                   .end = docx_end,
                   .text = docx_text,
                   .st = &d};
    if ((rc = xml_walk(&bw, body, body_len)) < 0) goto fail;
    if (doc->n == 0) {
        sal_errf(err, errcap, "the DOCX contains no text");
        rc = SAL_EINVAL;
        goto fail;
    }
    for (size_t i = 0; i < doc->n && !doc->title; i++)
        if (doc->blocks[i].kind == KX_BLOCK_HEADING)
            kx_doc_set_title(doc, doc->blocks[i].text, doc->blocks[i].len);
    doc->page_count = 0;
    rc = 0;
fail:
    free(body);
    for (size_t i = 0; i < d.capp; i++) sal_buf_free(&d.ps[i].text);
    free(d.ps);
    sal_buf_free(&d.cell);
    sal_buf_free(&d.row);
    free(styles.items);
    pkg_close(&pk);
    return rc;
}

/* ---- PPTX --------------------------------------------------------------- */

/* Placeholder kinds of a shape. */
enum { PH_NONE, PH_TITLE, PH_BODY, PH_SUB, PH_SKIP, PH_OTHER };

typedef struct {
    kx_doc_t *doc;
    int page;
    bool notes_mode;
    int sp_depth, ph;
    int p_depth, ppr_depth, t_depth;
    int lvl, bullet; /* bullet: -1 unset, 0 none, 1 yes */
    int tbl_depth;
    bool in_tc;
    int ncells;
    bool row_text;
    sal_buf_t para, title, cell, row, notes;
} slide_t;

static int ph_kind(xmlTextReaderPtr r) {
    char v[ATTR_CAP];
    if (!attr_get(r, NS_NONE, "type", v, sizeof v)) return PH_BODY; /* the default is "obj" */
    if (strcmp(v, "title") == 0 || strcmp(v, "ctrTitle") == 0) return PH_TITLE;
    if (strcmp(v, "body") == 0 || strcmp(v, "obj") == 0) return PH_BODY;
    if (strcmp(v, "subTitle") == 0) return PH_SUB;
    if (strcmp(v, "sldNum") == 0 || strcmp(v, "dt") == 0 || strcmp(v, "hdr") == 0 ||
        strcmp(v, "ftr") == 0 || strcmp(v, "sldImg") == 0)
        return PH_SKIP;
    return PH_OTHER;
}

static int slide_start(walker_t *w, xmlTextReaderPtr r, int ns, const char *name, int depth) {
    slide_t *s = w->st;
    char v[ATTR_CAP];
    if (ns == NS_MC) return strcmp(name, "Fallback") == 0 ? WALK_SKIP : 0;
    if (ns == NS_P) {
        if (strcmp(name, "sp") == 0 && !s->sp_depth) {
            s->sp_depth = depth;
            s->ph = PH_NONE;
            sal_buf_reset(&s->title);
        } else if (strcmp(name, "ph") == 0 && s->sp_depth && s->ph == PH_NONE) {
            s->ph = ph_kind(r);
        }
        return 0;
    }
    if (ns != NS_A) return 0;
    if (strcmp(name, "tbl") == 0) {
        s->tbl_depth++;
    } else if (s->tbl_depth == 1 && strcmp(name, "tr") == 0) {
        sal_buf_reset(&s->row);
        s->ncells = 0;
        s->row_text = false;
    } else if (s->tbl_depth == 1 && strcmp(name, "tc") == 0) {
        if (attr_get(r, NS_NONE, "hMerge", v, sizeof v) &&
            (strcmp(v, "1") == 0 || strcmp(v, "true") == 0))
            return WALK_SKIP; /* covered by the cell it merges into */
        sal_buf_reset(&s->cell);
        s->in_tc = true;
    } else if (strcmp(name, "p") == 0 && !s->p_depth) {
        s->p_depth = depth;
        s->ppr_depth = s->t_depth = 0;
        s->lvl = 0;
        s->bullet = -1;
        sal_buf_reset(&s->para);
    } else if (s->p_depth && depth == s->p_depth + 1 && strcmp(name, "pPr") == 0) {
        s->ppr_depth = depth;
        if (attr_get(r, NS_NONE, "lvl", v, sizeof v)) s->lvl = val_int(v) > 0 ? val_int(v) : 0;
    } else if (s->ppr_depth && depth == s->ppr_depth + 1) {
        if (strcmp(name, "buChar") == 0 || strcmp(name, "buAutoNum") == 0 ||
            strcmp(name, "buBlip") == 0)
            s->bullet = 1;
        else if (strcmp(name, "buNone") == 0)
            s->bullet = 0;
    } else if (s->p_depth && strcmp(name, "t") == 0) {
        s->t_depth = depth;
    } else if (s->p_depth && strcmp(name, "br") == 0) {
        return buf_add(w->pk, &s->para, "\n", 1);
    } else if (strcmp(name, "pPr") == 0 || strcmp(name, "rPr") == 0 ||
               strcmp(name, "endParaRPr") == 0) {
        return WALK_SKIP;
    }
    return 0;
}

/* Where a finished a:p goes: a table cell, the shape's title, the notes,
 * or a block of its own. */
static int slide_para_done(walker_t *w) {
    slide_t *s = w->st;
    pkg_t *pk = w->pk;
    if (s->para.len == 0 || is_blank(s->para.data, s->para.len)) return 0;
    if (s->in_tc) return buf_join(pk, &s->cell, " ", s->para.data, s->para.len);
    if (s->notes_mode) {
        if (s->ph != PH_NONE && s->ph != PH_BODY) return 0;
        return buf_join(pk, &s->notes, "\n", s->para.data, s->para.len);
    }
    if (s->ph == PH_SKIP) return 0;
    if (s->ph == PH_TITLE) return buf_join(pk, &s->title, " ", s->para.data, s->para.len);
    bool list = s->bullet == 1 || s->lvl > 0 || (s->ph == PH_BODY && s->bullet != 0);
    return kx_doc_add(pk->cx, s->doc, list ? KX_BLOCK_LIST_ITEM : KX_BLOCK_PARAGRAPH, 0, s->page,
                      s->para.data, s->para.len, pk->err, pk->errcap);
}

static int slide_end(walker_t *w, int ns, const char *name, int depth) {
    slide_t *s = w->st;
    pkg_t *pk = w->pk;
    int rc = 0;
    if (ns == NS_P && depth == s->sp_depth && strcmp(name, "sp") == 0) {
        if (s->title.len) {
            rc = kx_doc_add(pk->cx, s->doc, KX_BLOCK_HEADING, 2, s->page, s->title.data,
                            s->title.len, pk->err, pk->errcap);
            if (rc == 0 && s->page == 1) kx_doc_set_title(s->doc, s->title.data, s->title.len);
        }
        sal_buf_reset(&s->title);
        s->sp_depth = 0;
        s->ph = PH_NONE;
        return rc;
    }
    if (ns != NS_A) return 0;
    if (depth == s->p_depth && strcmp(name, "p") == 0) {
        rc = slide_para_done(w);
        s->p_depth = 0;
    } else if (depth == s->ppr_depth) {
        s->ppr_depth = 0;
    } else if (depth == s->t_depth) {
        s->t_depth = 0;
    } else if (strcmp(name, "tbl") == 0) {
        if (s->tbl_depth > 0) s->tbl_depth--;
    } else if (s->tbl_depth == 1 && s->in_tc && strcmp(name, "tc") == 0) {
        if (s->ncells++ && (rc = buf_add(pk, &s->row, " | ", 3)) < 0) return rc;
        if (s->cell.len) {
            s->row_text = true;
            rc = buf_add(pk, &s->row, s->cell.data, s->cell.len);
        }
        s->in_tc = false;
    } else if (s->tbl_depth == 1 && strcmp(name, "tr") == 0) {
        if (s->row_text)
            rc = s->notes_mode ? buf_join(pk, &s->notes, "\n", s->row.data, s->row.len)
                               : kx_doc_add(pk->cx, s->doc, KX_BLOCK_TABLE_ROW, 0, s->page,
                                            s->row.data, s->row.len, pk->err, pk->errcap);
        sal_buf_reset(&s->row);
        s->ncells = 0;
        s->row_text = false;
    }
    return rc;
}

static int slide_text(walker_t *w, const char *str, size_t len) {
    slide_t *s = w->st;
    if (!s->p_depth || !s->t_depth) return 0;
    return buf_add(w->pk, &s->para, str, len);
}

typedef struct {
    char (*ids)[64];
    size_t n, cap;
    size_t max;
    bool over;
} sldlist_t;

static int pres_start(walker_t *w, xmlTextReaderPtr r, int ns, const char *name, int depth) {
    (void)depth;
    sldlist_t *l = w->st;
    char v[64];
    if (ns != NS_P || strcmp(name, "sldId") != 0 || !attr_get(r, NS_R, "id", v, sizeof v)) return 0;
    if (l->n >= l->max) {
        sal_errf(w->pk->err, w->pk->errcap, "the PPTX has more than %zu slides", l->max);
        return SAL_ELIMIT;
    }
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 32;
        l->ids = xrealloc(l->ids, l->cap * sizeof *l->ids);
    }
    sal_strlcpy(l->ids[l->n++], v, sizeof l->ids[0]);
    return 0;
}

/* Walks one slide (or its notes) part; a missing part adds nothing. */
static int pptx_part(pkg_t *pk, slide_t *s, const char *part) {
    walker_t w = {.pk = pk,
                  .part = part,
                  .start = slide_start,
                  .end = slide_end,
                  .text = slide_text,
                  .st = s};
    char *data = NULL;
    size_t len = 0;
    int rc = pkg_read(pk, part, &data, &len);
    if (rc == SAL_ENOTFOUND) return 0;
    if (rc < 0) return rc;
    s->sp_depth = s->p_depth = s->ppr_depth = s->t_depth = s->tbl_depth = 0;
    s->in_tc = false;
    s->ph = PH_NONE;
    rc = xml_walk(&w, data, len);
    free(data);
    return rc;
}

int kx_pptx(kx_ctx_t *cx, const void *buf, size_t len, kx_doc_t *doc, char *err, size_t errcap) {
    pkg_t pk;
    rels_t prels = {0}, srels = {0};
    sldlist_t list = {.max = cx->lim->max_pages};
    slide_t s = {.doc = doc};
    char *pres = NULL;
    size_t pres_len = 0;
    size_t cap = cx->lim->max_text_bytes;
    sal_buf_init(&s.para, cap);
    sal_buf_init(&s.title, cap);
    sal_buf_init(&s.cell, cap);
    sal_buf_init(&s.row, cap);
    sal_buf_init(&s.notes, cap);
    int rc = pkg_open(&pk, cx, "PPTX", buf, len, err, errcap);
    if (rc < 0) goto fail;
    if ((rc = core_title(&pk, doc)) < 0) goto fail;
    rc = pkg_read(&pk, "ppt/presentation.xml", &pres, &pres_len);
    if (rc == SAL_ENOTFOUND) {
        sal_errf(err, errcap,
                 "the PPTX file is corrupt or not a PPTX (it has no ppt/presentation.xml)");
        rc = SAL_EINVAL;
    }
    if (rc < 0) goto fail;
    walker_t pw = {.pk = &pk, .part = "ppt/presentation.xml", .start = pres_start, .st = &list};
    if ((rc = xml_walk(&pw, pres, pres_len)) < 0) goto fail;
    if ((rc = rels_load(&pk, "ppt/_rels/presentation.xml.rels", &prels)) < 0) goto fail;
    doc->page_count = (int)list.n;
    for (size_t i = 0; i < list.n; i++) {
        char part[PART_CAP], dir[PART_CAP], relsname[PART_CAP], notes[PART_CAP];
        if ((rc = kx_check_deadline(cx, err, errcap)) < 0) goto fail;
        if (!rels_target(&prels, list.ids[i], NULL, "ppt", part, sizeof part)) continue;
        s.page = (int)i + 1;
        s.notes_mode = false;
        if ((rc = pptx_part(&pk, &s, part)) < 0) goto fail;
        part_dir(part, dir, sizeof dir);
        rels_free(&srels);
        if (!part_rels(part, relsname, sizeof relsname)) continue;
        if ((rc = rels_load(&pk, relsname, &srels)) < 0) goto fail;
        if (!rels_target(&srels, NULL, "notesSlide", dir, notes, sizeof notes)) continue;
        s.notes_mode = true;
        sal_buf_reset(&s.notes);
        if ((rc = pptx_part(&pk, &s, notes)) < 0) goto fail;
        if (s.notes.len && (rc = kx_doc_add(cx, doc, KX_BLOCK_NOTE, 0, s.page, s.notes.data,
                                            s.notes.len, err, errcap)) < 0)
            goto fail;
    }
    if (doc->n == 0) {
        sal_errf(err, errcap, "the PPTX contains no text");
        rc = SAL_EINVAL;
        goto fail;
    }
    rc = 0;
fail:
    free(pres);
    free(list.ids);
    rels_free(&prels);
    rels_free(&srels);
    sal_buf_free(&s.para);
    sal_buf_free(&s.title);
    sal_buf_free(&s.cell);
    sal_buf_free(&s.row);
    sal_buf_free(&s.notes);
    pkg_close(&pk);
    return rc;
}
