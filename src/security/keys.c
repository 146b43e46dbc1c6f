/* SPDX-License-Identifier: MIT */
/*
 * API keys and scopes: generation, hashing, parsing, and the key service
 * (create, authenticate, revoke) over the store, with audit records.
 */
#include "security/security.h"

#include <sodium.h>
#include <string.h>

#define KEY_TAG        "sal_"
#define KEY_TAG_LEN    4
#define KEY_ID_LEN     8
#define KEY_SECRET_LEN 43 /* 43 base62 chars ~ 256 bits */
#define KEY_LEN        (KEY_TAG_LEN + KEY_ID_LEN + 1 + KEY_SECRET_LEN)

static const char BASE62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static const struct {
    const char *name;
    unsigned bit;
} SCOPES[] = {{"admin", SEC_SCOPE_ADMIN}, {"write", SEC_SCOPE_WRITE}, {"read", SEC_SCOPE_READ}};

static int scope_bit(const char *s, size_t n) {
    for (size_t i = 0; i < 3; i++)
        if (strlen(SCOPES[i].name) == n && memcmp(SCOPES[i].name, s, n) == 0)
            return (int)SCOPES[i].bit;
    return 0;
}

int sec_scopes_parse(const char *csv, unsigned *out) {
    unsigned acc = 0;
    const char *p = csv;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        int bit = scope_bit(p, n);
        if (!bit || (acc & (unsigned)bit)) return SAL_EINVAL;
        acc |= (unsigned)bit;
        if (!comma) break;
        p = comma + 1;
    }
    *out = acc;
    return 0;
}

json_t *sec_scopes_json(unsigned scopes) {
    json_t *a = json_array();
    for (size_t i = 0; i < 3; i++)
        if (scopes & SCOPES[i].bit) json_array_append_new(a, json_string(SCOPES[i].name));
    return a;
}

int sec_scopes_from_json(const json_t *arr, unsigned *out, char *err, size_t errcap) {
    unsigned acc = 0;
    size_t i;
    const json_t *v;
    if (!json_is_array(arr) || json_array_size(arr) == 0) {
        snprintf(err, errcap, "must be a non-empty array of read, write, admin");
        return SAL_EINVAL;
    }
    json_array_foreach(arr, i, v) {
        const char *s = json_string_value(v);
        int bit = s ? scope_bit(s, strlen(s)) : 0;
        if (!bit || (acc & (unsigned)bit)) {
            snprintf(err, errcap, "must be distinct values of read, write, admin");
            return SAL_EINVAL;
        }
        acc |= (unsigned)bit;
    }
    *out = acc;
    return 0;
}

static void random_base62(char *out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = BASE62[randombytes_uniform(62)];
}

void sec_key_hash(const char *key, unsigned char hash[STORE_HASH_LEN]) {
    crypto_generichash(hash, STORE_HASH_LEN, (const unsigned char *)key, strlen(key), NULL, 0);
}

void sec_key_generate(char *key, char *prefix, unsigned char hash[STORE_HASH_LEN]) {
    memcpy(key, KEY_TAG, KEY_TAG_LEN);
    random_base62(key + KEY_TAG_LEN, KEY_ID_LEN);
    key[KEY_TAG_LEN + KEY_ID_LEN] = '_';
    random_base62(key + KEY_TAG_LEN + KEY_ID_LEN + 1, KEY_SECRET_LEN);
    key[KEY_LEN] = '\0';
    memcpy(prefix, key, SEC_KEY_PREFIX_LEN);
    prefix[SEC_KEY_PREFIX_LEN] = '\0';
    sec_key_hash(key, hash);
}

static bool all_base62(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!s[i] || !strchr(BASE62, s[i])) return false;
    return true;
}

int sec_key_prefix(const char *key, char *prefix, size_t cap) {
    if (strlen(key) != KEY_LEN || memcmp(key, KEY_TAG, KEY_TAG_LEN) != 0 ||
        !all_base62(key + KEY_TAG_LEN, KEY_ID_LEN) || key[KEY_TAG_LEN + KEY_ID_LEN] != '_' ||
        !all_base62(key + KEY_TAG_LEN + KEY_ID_LEN + 1, KEY_SECRET_LEN) ||
        cap <= SEC_KEY_PREFIX_LEN)
        return SAL_EINVAL;
    memcpy(prefix, key, SEC_KEY_PREFIX_LEN);
    prefix[SEC_KEY_PREFIX_LEN] = '\0';
    return 0;
}

/* ---- service ------------------------------------------------------------ */

typedef struct {
    store_key_t *key;
    const char *actor, *request_id;
} create_ctx_t;

static int create_tx(store_t *st, void *arg) {
    create_ctx_t *cx = arg;
    int rc = store_key_insert(st, cx->key);
    if (rc < 0) return rc;
    json_t *d =
        json_pack("{s:s,s:o}", "name", cx->key->name, "scopes", sec_scopes_json(cx->key->scopes));
    char *detail = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    store_audit_t a = {.tenant_id = cx->key->tenant_id,
                       .actor = cx->actor,
                       .action = "key.create",
                       .target_id = cx->key->id,
                       .request_id = cx->request_id,
                       .detail = detail};
    rc = store_audit_append(st, &a);
    free(detail);
    return rc;
}

int sec_key_create(store_t *st, const char *tenant_id, const char *name, unsigned scopes,
                   const char *actor, const char *request_id, store_key_t *out, char *secret) {
    size_t nl = strlen(name), chars = 0;
    for (size_t i = 0; i < nl; i++) chars += ((unsigned char)name[i] & 0xc0) != 0x80;
    if (chars == 0 || chars > 100 || !sal_utf8_valid(name, nl) || scopes == 0 ||
        (scopes & ~(unsigned)SEC_SCOPE_ALL))
        return SAL_EINVAL;
    memset(out, 0, sizeof *out);
    sal_id_new("key", out->id, sizeof out->id);
    sal_strlcpy(out->tenant_id, tenant_id, sizeof out->tenant_id);
    sal_strlcpy(out->name, name, sizeof out->name);
    out->scopes = scopes;
    out->created_ms = sal_now_ms();
    create_ctx_t cx = {.key = out, .actor = actor, .request_id = request_id};
    int rc;
    /* A prefix collision (1 in 62^8 per pair) is retried with a new key. */
    for (int attempt = 0; attempt < 3; attempt++) {
        sec_key_generate(secret, out->prefix, out->hash);
        rc = store_tx(st, create_tx, &cx);
        if (rc != SAL_EEXIST) break;
    }
    if (rc < 0) sodium_memzero(secret, SEC_KEY_CAP);
    return rc;
}

int sec_key_authenticate(store_t *st, const char *presented, store_key_t *out) {
    char prefix[STORE_PREFIX_CAP];
    if (sec_key_prefix(presented, prefix, sizeof prefix) < 0) return SAL_ENOTFOUND;
    int rc = store_key_by_prefix(st, prefix, out);
    if (rc < 0) return rc;
    unsigned char hash[STORE_HASH_LEN];
    sec_key_hash(presented, hash);
    if (sodium_memcmp(hash, out->hash, STORE_HASH_LEN) != 0 || out->revoked_ms)
        return SAL_ENOTFOUND;
    return 0;
}

typedef struct {
    const char *tenant_id, *id, *actor, *request_id;
} revoke_ctx_t;

static int revoke_tx(store_t *st, void *arg) {
    revoke_ctx_t *cx = arg;
    int rc = store_key_revoke(st, cx->tenant_id, cx->id, sal_now_ms());
    if (rc < 0) return rc;
    store_audit_t a = {.tenant_id = cx->tenant_id,
                       .actor = cx->actor,
                       .action = "key.revoke",
                       .target_id = cx->id,
                       .request_id = cx->request_id};
    return store_audit_append(st, &a);
}

int sec_key_revoke(store_t *st, const char *tenant_id, const char *id, const char *actor,
                   const char *request_id) {
    revoke_ctx_t cx = {tenant_id, id, actor, request_id};
    return store_tx(st, revoke_tx, &cx);
}

json_t *sec_key_json(const store_key_t *k) {
    char created[SAL_TIME_CAP], used[SAL_TIME_CAP];
    sal_time_format(k->created_ms, created);
    if (k->last_used_ms) sal_time_format(k->last_used_ms, used);
    return json_pack("{s:s,s:s,s:o,s:s,s:s,s:o}", "id", k->id, "name", k->name, "scopes",
                     sec_scopes_json(k->scopes), "prefix", k->prefix, "created_at", created,
                     "last_used_at", k->last_used_ms ? json_string(used) : json_null());
}
