/* SPDX-License-Identifier: MIT */
/*
 * security — tenants, API keys, scopes, the per-key rate limiter, and the
 * auth and rate-limit middlewares and /v1/keys handlers built on them.
 *
 * An API key looks like "sal_" + 8 base62 chars (the visible prefix,
 * stored) + "_" + 43 base62 chars of secret. Only the BLAKE2b-256 hash of
 * the whole key is stored; the key is shown once, at creation.
 *
 *     char key[SEC_KEY_CAP];
 *     store_key_t k;
 *     sec_key_create(st, tenant_id, "laptop", SEC_SCOPE_READ, "cli", NULL,
 *                    &k, key);
 *     ...
 *     if (sec_key_authenticate(st, presented, &k) == 0) ...
 */
#ifndef SALIENT_SECURITY_H
#define SALIENT_SECURITY_H

#include "core/core.h"
#include "http/http.h"
#include "store/store.h"

enum {
    SEC_SCOPE_READ = HTTP_SCOPE_READ,
    SEC_SCOPE_WRITE = HTTP_SCOPE_WRITE,
    SEC_SCOPE_ADMIN = HTTP_SCOPE_ADMIN,
    SEC_SCOPE_ALL = SEC_SCOPE_READ | SEC_SCOPE_WRITE | SEC_SCOPE_ADMIN,
};

/* Parses "admin,write,read" (any order, no repeats, no empties).
 * SAL_EINVAL on an unknown or empty scope. */
int sec_scopes_parse(const char *csv, unsigned *out);
/* Returns a new JSON array of scope names in the order admin, write, read. */
json_t *sec_scopes_json(unsigned scopes);
/* Reads a JSON array of scope names; SAL_EINVAL with a message in err. */
int sec_scopes_from_json(const json_t *arr, unsigned *out, char *err, size_t errcap);

/* ---- keys -------------------------------------------------------------- */

#define SEC_KEY_CAP        64
#define SEC_KEY_PREFIX_LEN 12 /* "sal_" + 8 */

/* Makes a new random key; writes it to key (SEC_KEY_CAP), its visible
 * prefix to prefix (STORE_PREFIX_CAP) and its hash to hash. */
void sec_key_generate(char *key, char *prefix, unsigned char hash[STORE_HASH_LEN]);
/* Hashes a presented key. */
void sec_key_hash(const char *key, unsigned char hash[STORE_HASH_LEN]);
/* Extracts the visible prefix of a well-formed key; SAL_EINVAL when the
 * string is not shaped like a key. */
int sec_key_prefix(const char *key, char *prefix, size_t cap);

/* Creates a key for a tenant and records it in the audit log, in one
 * transaction. name is 1..100 chars. The secret is written to secret
 * (SEC_KEY_CAP) and never stored. */
int sec_key_create(store_t *st, const char *tenant_id, const char *name, unsigned scopes,
                   const char *actor, const char *request_id, store_key_t *out, char *secret);
/* Checks a presented key: SAL_ENOTFOUND when unknown, malformed or
 * revoked (callers answer 401 for all three alike). */
int sec_key_authenticate(store_t *st, const char *presented, store_key_t *out);
/* Revokes a key of this tenant and audits it, in one transaction. */
int sec_key_revoke(store_t *st, const char *tenant_id, const char *id, const char *actor,
                   const char *request_id);
/* Returns a new JSON object for a key (never the secret or hash). */
json_t *sec_key_json(const store_key_t *k);

/* ---- rate limiting ----------------------------------------------------- */

typedef struct sec_limiter sec_limiter_t;

typedef struct {
    double limit;         /* bucket size (burst) */
    double remaining;     /* whole tokens left */
    double reset_s;       /* seconds until the bucket is full again */
    double retry_after_s; /* when limited: seconds until one token */
} sec_limit_info_t;

/* A token bucket per key: refills rate_per_s, holds at most burst.
 * Returns a new limiter; free with sec_limiter_free(). Thread-safe. */
sec_limiter_t *sec_limiter_new(double rate_per_s, double burst);
void sec_limiter_free(sec_limiter_t *l);
/* Takes one token for key_id at time now_s (monotonic seconds). Returns 0
 * when allowed, SAL_ELIMIT when the bucket is empty; info is filled in
 * both cases. */
int sec_limiter_take(sec_limiter_t *l, const char *key_id, double now_s, sec_limit_info_t *info);

/* ---- HTTP glue --------------------------------------------------------- */

/* The middlewares, in the order serve installs them; each passes open
 * routes through untouched.
 * sec_mw_auth: authenticates Bearer / X-API-Key against the store (401).
 * sec_mw_ratelimit: per-key token bucket, RateLimit-* headers, 429; ud is
 *   the sec_limiter_t.
 * sec_mw_scope: the key must hold the route's scope (403). */
int sec_mw_auth(http_req_t *req, void *ud);
int sec_mw_ratelimit(http_req_t *req, void *ud);
int sec_mw_scope(http_req_t *req, void *ud);

/* /v1/keys routes, static, for http_router_add_all. */
extern const http_route_t sec_routes[];
extern const size_t sec_routes_n;

#endif
