/* SPDX-License-Identifier: MIT */
/*
 * Differential fuzzing of sal_utf8_valid against a plain reference
 * decoder written from RFC 3629 (no overlongs, no surrogates, nothing
 * above U+10FFFF, no truncated sequences). They must agree on the whole
 * input and on a prefix of it, so the len argument is exercised too.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/core.h"

static bool ref_valid(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t len;
        uint32_t cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (n - i < len) return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += len;
    }
    return true;
}

static void check(const uint8_t *data, size_t n) {
    bool got = sal_utf8_valid((const char *)data, n);
    bool want = ref_valid(data, n);
    if (got != want) {
        fprintf(stderr, "sal_utf8_valid says %d, reference %d, on %zu bytes\n", got, want, n);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    check(data, size);
    if (size > 0) check(data, data[0] % (size + 1));
    return 0;
}
