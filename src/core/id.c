/* SPDX-License-Identifier: MIT */
/*
 * Clocks, RFC 3339 timestamps, time-ordered ids and UTF-8 validation.
 *
 * Ids are ULID-like: 48 bits of milliseconds then 80 random bits, in
 * Crockford base32. Within one millisecond the random part is incremented,
 * so ids made by this process sort in creation order (cursor pagination
 * relies on it).
 */
#include "core/core.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

int64_t sal_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double sal_mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void sal_time_format(int64_t ms, char out[SAL_TIME_CAP]) {
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(out, SAL_TIME_CAP, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char CROCKFORD[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static pthread_mutex_t id_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t id_last_ms;
static unsigned char id_last_rand[10];

void sal_id_new(const char *prefix, char *out, size_t cap) {
    unsigned char bytes[16];
    int64_t ms = sal_now_ms();

    pthread_mutex_lock(&id_lock);
    if (ms <= id_last_ms) {
        /* Same (or earlier: clock stepped back) millisecond: keep the last
         * time and increment the random part so order is preserved. */
        ms = id_last_ms;
        for (int i = 9; i >= 0; i--)
            if (++id_last_rand[i] != 0) break;
    } else {
        id_last_ms = ms;
        randombytes_buf(id_last_rand, sizeof id_last_rand);
        id_last_rand[0] &= 0x7f; /* headroom so increments never wrap */
    }
    for (int i = 0; i < 6; i++) bytes[i] = (unsigned char)(ms >> (8 * (5 - i)));
    memcpy(bytes + 6, id_last_rand, 10);
    pthread_mutex_unlock(&id_lock);

    /* 128 bits -> 26 base32 chars, most significant first (2 pad bits). */
    char body[27];
    unsigned acc = 0;
    int bits = 2; /* the 2 leading zero bits of the 130-bit field */
    int o = 0;
    for (int i = 0; i < 16; i++) {
        acc = (acc << 8) | bytes[i];
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            body[o++] = CROCKFORD[(acc >> bits) & 31];
        }
    }
    body[o] = '\0';
    snprintf(out, cap, "%s_%s", prefix, body);
}

bool sal_id_valid(const char *id, const char *prefix) {
    size_t pl = strlen(prefix);
    if (strncmp(id, prefix, pl) != 0 || id[pl] != '_') return false;
    const char *body = id + pl + 1;
    if (strlen(body) != 26) return false;
    if (body[0] > '7') return false; /* first char carries only 3 bits */
    for (int i = 0; i < 26; i++)
        if (!strchr(CROCKFORD, body[i]) || body[i] == '\0') return false;
    return true;
}

bool sal_utf8_valid(const char *str, size_t len) {
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        unsigned cp;
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (len - i <= n) return false;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000)) return false;
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
        i += n + 1;
    }
    return true;
}
