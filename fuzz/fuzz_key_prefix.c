/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the small string parsers of security/ and http/ against
 * straightforward reference implementations written from the contract:
 * sec_key_prefix (accepts exactly "sal_" + 8 base62 + "_" + 43 base62),
 * sec_scopes_parse (comma-separated admin/write/read, no repeats, no
 * empties; round-trips through sec_scopes_json) and http_request_id_valid
 * (1..128 chars of [A-Za-z0-9._-]). Any disagreement aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "security/security.h"

static int base62(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int ref_key_ok(const char *s) {
    if (strlen(s) != 56 || memcmp(s, "sal_", 4) != 0 || s[12] != '_') return 0;
    for (size_t i = 4; i < 56; i++)
        if (i != 12 && !base62(s[i])) return 0;
    return 1;
}

static int ref_scopes(const char *s, unsigned *out) {
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {{"read", SEC_SCOPE_READ}, {"write", SEC_SCOPE_WRITE}, {"admin", SEC_SCOPE_ADMIN}};
    unsigned got = 0;
    for (;;) {
        size_t n = strcspn(s, ",");
        unsigned bit = 0;
        for (size_t i = 0; i < 3; i++)
            if (strlen(names[i].name) == n && memcmp(names[i].name, s, n) == 0) bit = names[i].bit;
        if (bit == 0 || (got & bit)) return -1;
        got |= bit;
        if (s[n] == '\0') break;
        s += n + 1;
    }
    *out = got;
    return 0;
}

static int ref_request_id(const char *s) {
    size_t n = strlen(s);
    if (n < 1 || n > 128) return 0;
    for (size_t i = 0; i < n; i++)
        if (!base62(s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-') return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (s == NULL) abort();
    memcpy(s, data, size);
    s[size] = '\0';

    char prefix[STORE_PREFIX_CAP];
    memset(prefix, 'x', sizeof prefix);
    int rc = sec_key_prefix(s, prefix, sizeof prefix);
    if ((rc == 0) != ref_key_ok(s)) abort();
    if (rc == 0 &&
        (strlen(prefix) != SEC_KEY_PREFIX_LEN || memcmp(prefix, s, SEC_KEY_PREFIX_LEN) != 0))
        abort();
    if (rc != 0 && rc != SAL_EINVAL) abort();

    unsigned scopes = 0, want = 0;
    rc = sec_scopes_parse(s, &scopes);
    int ref = ref_scopes(s, &want);
    if ((rc == 0) != (ref == 0) || (rc == 0 && scopes != want)) abort();
    if (rc != 0 && rc != SAL_EINVAL) abort();
    if (rc == 0) {
        /* Round trip through the JSON form. */
        json_t *arr = sec_scopes_json(scopes);
        unsigned back = 0;
        char err[128];
        if (sec_scopes_from_json(arr, &back, err, sizeof err) != 0 || back != scopes) abort();
        json_decref(arr);
    }

    if (http_request_id_valid(s) != (ref_request_id(s) != 0)) abort();
    free(s);
    return 0;
}
