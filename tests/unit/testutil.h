/* SPDX-License-Identifier: MIT */
/*
 * Small helpers shared by the unit tests: fresh temporary directories
 * (under $TMPDIR, which CTest points at the test's own working directory),
 * recursive removal, writing a file in one call, and clearing every
 * variable the configuration loader reads so a test starts from a known
 * environment. Include after <cmocka.h>.
 */
#ifndef SALIENT_TESTUTIL_H
#define SALIENT_TESTUTIL_H

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

/* Makes a new empty directory and writes its path to out. */
static inline void tu_mkdtemp(char *out, size_t cap) {
    const char *base = getenv("TMPDIR");
    if (base == NULL || base[0] == '\0') base = "/tmp";
    int n = snprintf(out, cap, "%s/salient-test-XXXXXX", base);
    assert_true(n > 0 && (size_t)n < cap);
    assert_non_null(mkdtemp(out));
}

static inline int tu_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Removes path and everything under it (best effort). */
static inline void tu_rmrf(const char *path) {
    if (path != NULL && path[0] != '\0') nftw(path, tu_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes exactly len bytes of data to path, replacing it. */
static inline void tu_write(const char *path, const char *data, size_t len) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static inline void tu_write_str(const char *path, const char *s) { tu_write(path, s, strlen(s)); }

/* Joins dir and name into out. */
static inline void tu_path(char *out, size_t cap, const char *dir, const char *name) {
    int n = snprintf(out, cap, "%s/%s", dir, name);
    assert_true(n > 0 && (size_t)n < cap);
}

static inline int tu_is_config_var(const char *entry) {
    static const char *const prefixes[] = {"SALIENT_", "DATABASE_URL", "REDIS_URL", "OPENAI_"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(entry, prefixes[i], strlen(prefixes[i])) == 0) return 1;
    return 0;
}

/* Unsets every SALIENT_*, DATABASE_URL*, REDIS_URL* and OPENAI_* variable
 * (the _FILE forms included). Names are collected first because unsetenv
 * rewrites environ. */
static inline void tu_clear_config_env(void) {
    for (;;) {
        char name[256] = "";
        for (char **e = environ; e != NULL && *e != NULL; e++) {
            if (!tu_is_config_var(*e)) continue;
            const char *eq = strchr(*e, '=');
            size_t n = eq ? (size_t)(eq - *e) : strlen(*e);
            if (n >= sizeof name) n = sizeof name - 1;
            memcpy(name, *e, n);
            name[n] = '\0';
            break;
        }
        if (name[0] == '\0') return;
        assert_int_equal(unsetenv(name), 0);
    }
}

#endif
