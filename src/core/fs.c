/* SPDX-License-Identifier: MIT */
/*
 * Small file-system and error-message helpers shared by the modules that
 * touch the disk (store, model acquisition and loading).
 */
#include "core/core.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

int sal_mkdir_p(const char *dir, unsigned mode) {
    char tmp[4096];
    if (sal_strlcpy(tmp, dir, sizeof tmp) >= sizeof tmp) return SAL_EINVAL;
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(tmp, (mode_t)mode) < 0 && errno != EEXIST) return SAL_EIO;
        *p = '/';
    }
    if (mkdir(tmp, (mode_t)mode) < 0 && errno != EEXIST) return SAL_EIO;
    return 0;
}

bool sal_path_join(char *out, size_t cap, const char *dir, const char *name) {
    size_t dl = strlen(dir), nl = strlen(name);
    if (dl + 1 + nl + 1 > cap) return false;
    memcpy(out, dir, dl);
    out[dl] = '/';
    memcpy(out + dl + 1, name, nl + 1);
    return true;
}

void sal_errf(char *err, size_t errcap, const char *fmt, ...) {
    if (err == NULL || errcap == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errcap, fmt, ap);
    va_end(ap);
}
