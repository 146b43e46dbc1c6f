/* SPDX-License-Identifier: MIT */
/*
 * Format sniffing: libmagic's MIME type for the first bytes of an upload,
 * together with the client's file name. The content decides whenever it
 * is unambiguous (a PDF, an OOXML zip, binary junk); the extension only
 * chooses between the text flavours and names a generic zip, so a file
 * called report.pdf that holds random bytes or text is not a PDF.
 *
 * libmagic handles are not thread-safe, so each thread loads its own on
 * first use and keeps it in a _Thread_local; a pthread key closes it when
 * the thread exits. Where libmagic cannot be loaded at all the sniffer
 * falls back on the few signatures it needs (%PDF-, PK\3\4, text).
 */
#include "knowledge/extract/extract_int.h"

#include <magic.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static pthread_key_t magic_key;
static pthread_once_t magic_once = PTHREAD_ONCE_INIT;
static _Thread_local magic_t tl_magic;
static _Thread_local bool tl_magic_failed;

static void magic_close_cb(void *m) { magic_close((magic_t)m); }

static void magic_key_init(void) {
    if (pthread_key_create(&magic_key, magic_close_cb) != 0) abort();
}

/* This thread's libmagic handle, or NULL when the database cannot be
 * loaded (then the built-in checks decide). */
static magic_t thread_magic(void) {
    if (tl_magic || tl_magic_failed) return tl_magic;
    pthread_once(&magic_once, magic_key_init);
    /* No decompression: a gzip is not a document, and looking inside
     * would let a small upload cost a large inflate. */
    magic_t m = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR);
    if (m == NULL || magic_load(m, NULL) != 0) {
        if (m) magic_close(m);
        sal_logf(SAL_LOG_WARN, "extract: libmagic database not loaded; using built-in checks");
        tl_magic_failed = true;
        return NULL;
    }
    tl_magic = m;
    pthread_setspecific(magic_key, m);
    return m;
}

/* The extension of the base name of filename ("" when none), lower case,
 * into out. Both '/' and '\\' separate directories: browsers on Windows
 * have been known to send full paths. */
static void file_ext(const char *filename, char *out, size_t cap) {
    out[0] = '\0';
    if (!filename) return;
    const char *base = filename;
    for (const char *p = filename; *p; p++)
        if (*p == '/' || *p == '\\') base = p + 1;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base || strlen(dot + 1) >= cap) return;
    size_t i = 0;
    for (const char *p = dot + 1; *p; p++) {
        char c = *p;
        out[i++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    out[i] = '\0';
}

/* True when head looks like text: no NUL, few control characters, and
 * either valid UTF-8 (a sequence cut at the end of the head is allowed)
 * or an 8-bit text (Latin-1, Windows-1252) the text extractor decodes.
 * UTF-16 with a byte order mark counts too. */
static bool looks_text(const unsigned char *s, size_t len) {
    if (len >= 2 && ((s[0] == 0xFF && s[1] == 0xFE) || (s[0] == 0xFE && s[1] == 0xFF))) return true;
    size_t ctrl = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = s[i];
        if (c == 0) return false;
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f')
            ctrl++;
        else if (c == 0x7F)
            ctrl++;
    }
    /* Control characters are rare in real text and common in binary. */
    return ctrl * 100 <= len;
}

static bool mime_is(const char *mime, const char *want) {
    return mime && strcasecmp(mime, want) == 0;
}

static bool ext_is(const char *ext, const char *a, const char *b) {
    return strcmp(ext, a) == 0 || (b && strcmp(ext, b) == 0);
}

kx_format_t kx_sniff(const void *head, size_t len, const char *filename, char *detected,
                     size_t detected_cap) {
    const unsigned char *s = head;
    if (!s) len = 0;
    char ext[16];
    file_ext(filename, ext, sizeof ext);

    const char *mime = NULL;
    magic_t m = thread_magic();
    if (m) mime = magic_buffer(m, len ? head : "", len);
    if (detected && detected_cap)
        sal_strlcpy(detected, mime ? mime : "application/octet-stream", detected_cap);

    bool pdf_sig = len >= 5 && memcmp(s, "%PDF-", 5) == 0;
    bool zip_sig = len >= 4 && memcmp(s, "PK\3\4", 4) == 0;

    if (mime_is(mime, "application/pdf") || (!mime && pdf_sig)) return KX_FMT_PDF;
    if (mime_is(mime, kx_format_media_type(KX_FMT_DOCX))) return KX_FMT_DOCX;
    if (mime_is(mime, kx_format_media_type(KX_FMT_PPTX))) return KX_FMT_PPTX;
    /* libmagic names an OOXML file only when [Content_Types].xml and the
     * part names come early in the zip; otherwise the name decides. */
    if (mime_is(mime, "application/zip") || mime_is(mime, "application/x-zip") ||
        (zip_sig && (!mime || mime_is(mime, "application/octet-stream")))) {
        if (ext_is(ext, "docx", NULL)) return KX_FMT_DOCX;
        if (ext_is(ext, "pptx", NULL)) return KX_FMT_PPTX;
        return KX_FMT_UNKNOWN;
    }

    /* Text: whatever libmagic calls text (except RTF, whose control words
     * would come out as text), or what it could not name (a head cut in
     * the middle of a UTF-8 sequence reads as octet-stream) when the
     * bytes look like text. An empty file is text with nothing in it. */
    bool text = false;
    if (mime && strncasecmp(mime, "text/", 5) == 0)
        text = !mime_is(mime, "text/rtf");
    else if (!mime || mime_is(mime, "application/octet-stream") ||
             mime_is(mime, "application/json") || mime_is(mime, "application/javascript") ||
             mime_is(mime, "application/xml") || mime_is(mime, "application/x-empty") ||
             mime_is(mime, "inode/x-empty"))
        text = looks_text(s, len);
    if (!text) return KX_FMT_UNKNOWN;

    /* A name that promises a binary format the bytes are not. */
    if (ext_is(ext, "pdf", NULL) || ext_is(ext, "docx", "pptx")) return KX_FMT_UNKNOWN;
    /* Markdown may be mostly raw HTML; the author's extension wins. */
    if (ext_is(ext, "md", "markdown")) return KX_FMT_MARKDOWN;
    if (mime_is(mime, "text/html") || ext_is(ext, "html", "htm")) return KX_FMT_HTML;
    return KX_FMT_TEXT;
}
