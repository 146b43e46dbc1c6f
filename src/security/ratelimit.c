/* SPDX-License-Identifier: MIT */
/*
 * The per-key token bucket. Buckets live in a hash table under one mutex
 * (a take is a few arithmetic operations; contention is negligible next to
 * a request). A bucket that has refilled completely is indistinguishable
 * from a new one, so such buckets are pruned when the table grows large.
 */
#include "security/security.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

#define NSLOTS   4096
#define PRUNE_AT 65536

typedef struct bucket {
    struct bucket *next;
    char key[SAL_ID_CAP];
    double tokens;
    double last_s;
} bucket_t;

struct sec_limiter {
    pthread_mutex_t lock;
    double rate, burst;
    bucket_t *slot[NSLOTS];
    size_t n;
};

sec_limiter_t *sec_limiter_new(double rate_per_s, double burst) {
    sec_limiter_t *l = xcalloc(1, sizeof *l);
    pthread_mutex_init(&l->lock, NULL);
    l->rate = rate_per_s > 0 ? rate_per_s : 1;
    l->burst = burst >= 1 ? burst : 1;
    return l;
}

void sec_limiter_free(sec_limiter_t *l) {
    if (!l) return;
    for (size_t i = 0; i < NSLOTS; i++)
        for (bucket_t *b = l->slot[i], *next; b; b = next) {
            next = b->next;
            free(b);
        }
    pthread_mutex_destroy(&l->lock);
    free(l);
}

static size_t hash(const char *s) {
    size_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h % NSLOTS;
}

static void refill(const sec_limiter_t *l, bucket_t *b, double now_s) {
    double dt = now_s - b->last_s;
    if (dt > 0) b->tokens = fmin(l->burst, b->tokens + dt * l->rate);
    b->last_s = now_s;
}

static void prune(sec_limiter_t *l, double now_s) {
    for (size_t i = 0; i < NSLOTS; i++) {
        bucket_t **pp = &l->slot[i];
        while (*pp) {
            bucket_t *b = *pp;
            refill(l, b, now_s);
            if (b->tokens >= l->burst) {
                *pp = b->next;
                free(b);
                l->n--;
            } else {
                pp = &b->next;
            }
        }
    }
}

int sec_limiter_take(sec_limiter_t *l, const char *key_id, double now_s, sec_limit_info_t *info) {
    pthread_mutex_lock(&l->lock);
    size_t h = hash(key_id);
    bucket_t *b = l->slot[h];
    while (b && strcmp(b->key, key_id) != 0) b = b->next;
    if (!b) {
        if (l->n >= PRUNE_AT) prune(l, now_s);
        b = xcalloc(1, sizeof *b);
        sal_strlcpy(b->key, key_id, sizeof b->key);
        b->tokens = l->burst;
        b->last_s = now_s;
        b->next = l->slot[h];
        l->slot[h] = b;
        l->n++;
    }
    refill(l, b, now_s);
    int rc = 0;
    if (b->tokens >= 1) {
        b->tokens -= 1;
    } else {
        rc = SAL_ELIMIT;
    }
    info->limit = l->burst;
    info->remaining = floor(b->tokens);
    info->reset_s = (l->burst - b->tokens) / l->rate;
    info->retry_after_s = rc ? (1 - b->tokens) / l->rate : 0;
    pthread_mutex_unlock(&l->lock);
    return rc;
}
