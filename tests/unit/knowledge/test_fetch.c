/* SPDX-License-Identifier: MIT */
/*
 * Model acquisition without the network: the catalogue, checksums of the
 * installed all-MiniLM-L6-v2 files, and that a damaged or incomplete copy
 * is caught by name. (The download itself runs for real in `make model`.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "knowledge/embed/embed.h"
#include "testutil.h"

static void model_dir(char *out, size_t cap) {
    const char *src = getenv("SALIENT_SOURCE_DIR");
    assert_non_null(src);
    int n = snprintf(out, cap, "%s/models/all-MiniLM-L6-v2", src);
    assert_true(n > 0 && (size_t)n < cap);
}

/* Copies the small files of the model into dir/all-MiniLM-L6-v2 and links
 * the weights, so a test can damage its own copy. */
static void copy_model(const char *src, char *dst, size_t cap, const char *tmp) {
    tu_path(dst, cap, tmp, "all-MiniLM-L6-v2");
    assert_int_equal(mkdir(dst, 0755), 0);
    char sub[4096];
    tu_path(sub, sizeof sub, dst, "1_Pooling");
    assert_int_equal(mkdir(sub, 0755), 0);
    static const char *const files[] = {"config.json",
                                        "vocab.txt",
                                        "tokenizer_config.json",
                                        "special_tokens_map.json",
                                        "modules.json",
                                        "1_Pooling/config.json",
                                        "sentence_bert_config.json",
                                        "tokenizer.json",
                                        NULL};
    for (const char *const *f = files; *f; f++) {
        char from[4096], to[4096];
        tu_path(from, sizeof from, src, *f);
        tu_path(to, sizeof to, dst, *f);
        FILE *in = fopen(from, "rb");
        assert_non_null(in);
        FILE *out = fopen(to, "wb");
        assert_non_null(out);
        char buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, in)) > 0) assert_int_equal(fwrite(buf, 1, n, out), n);
        fclose(in);
        assert_int_equal(fclose(out), 0);
    }
    char from[4096], to[4096];
    tu_path(from, sizeof from, src, "model.safetensors");
    tu_path(to, sizeof to, dst, "model.safetensors");
    assert_int_equal(symlink(from, to), 0);
}

static void test_catalog_lists_the_default_model(void **state) {
    (void)state;
    assert_true(embed_catalog_count() >= 1);
    assert_string_equal(embed_catalog_name(0), "all-MiniLM-L6-v2");
    assert_null(embed_catalog_name(embed_catalog_count()));
}

static void test_installed_model_verifies(void **state) {
    (void)state;
    char dir[4096], err[512];
    model_dir(dir, sizeof dir);
    int rc = embed_model_verify(dir, err, sizeof err);
    if (rc != 0) fail_msg("verify %s: %s", dir, err);
}

static void test_sha256_of_known_file(void **state) {
    (void)state;
    char dir[4096], path[4096], sum[65];
    model_dir(dir, sizeof dir);
    tu_path(path, sizeof path, dir, "modules.json");
    assert_int_equal(embed_file_sha256(path, sum), 0);
    assert_string_equal(sum, "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf");
    tu_path(path, sizeof path, dir, "no-such-file");
    assert_int_equal(embed_file_sha256(path, sum), SAL_ENOTFOUND);
}

static void test_damaged_copy_is_named(void **state) {
    (void)state;
    char src[4096], tmp[4096], dst[4096], path[4096], err[512];
    model_dir(src, sizeof src);
    tu_mkdtemp(tmp, sizeof tmp);
    copy_model(src, dst, sizeof dst, tmp);
    assert_int_equal(embed_model_verify(dst, err, sizeof err), 0);

    /* One changed byte in vocab.txt. */
    tu_path(path, sizeof path, dst, "vocab.txt");
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, 10, SEEK_SET);
    fputc('#', f);
    fclose(f);
    assert_int_equal(embed_model_verify(dst, err, sizeof err), SAL_EINVAL);
    assert_non_null(strstr(err, "vocab.txt"));
    assert_non_null(strstr(err, "SHA-256"));

    /* A missing file. */
    tu_path(path, sizeof path, dst, "1_Pooling/config.json");
    assert_int_equal(remove(path), 0);
    assert_int_equal(embed_model_verify(dst, err, sizeof err), SAL_EINVAL);
    tu_rmrf(tmp);
}

static void test_unknown_models(void **state) {
    (void)state;
    char err[512];
    assert_int_equal(embed_model_verify("/nonexistent/my-custom-bert", err, sizeof err),
                     SAL_ENOTFOUND);
    assert_int_equal(embed_model_fetch("no-such-model", "/nonexistent", NULL, err, sizeof err),
                     SAL_ENOTFOUND);
    assert_non_null(strstr(err, "no-such-model"));
}

static void test_fetch_is_a_no_op_when_installed(void **state) {
    (void)state;
    /* A verified directory is kept without running pip: an interpreter that
     * does not exist proves nothing was spawned. */
    char src[4096], err[512];
    model_dir(src, sizeof src);
    char parent[4096];
    snprintf(parent, sizeof parent, "%.*s", (int)(strrchr(src, '/') - src), src);
    assert_int_equal(
        embed_model_fetch("all-MiniLM-L6-v2", parent, "/nonexistent/python", err, sizeof err), 0);
}

static void test_fetch_reports_a_missing_python(void **state) {
    (void)state;
    char tmp[4096], err[512];
    tu_mkdtemp(tmp, sizeof tmp);
    int rc = embed_model_fetch("all-MiniLM-L6-v2", tmp, "/nonexistent/python", err, sizeof err);
    assert_int_equal(rc, SAL_EIO);
    assert_non_null(strstr(err, "/nonexistent/python"));
    /* Nothing half-installed is left behind. */
    char dst[4096];
    tu_path(dst, sizeof dst, tmp, "all-MiniLM-L6-v2");
    struct stat sb;
    assert_int_not_equal(stat(dst, &sb), 0);
    tu_rmrf(tmp);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalog_lists_the_default_model),
        cmocka_unit_test(test_installed_model_verifies),
        cmocka_unit_test(test_sha256_of_known_file),
        cmocka_unit_test(test_damaged_copy_is_named),
        cmocka_unit_test(test_unknown_models),
        cmocka_unit_test(test_fetch_is_a_no_op_when_installed),
        cmocka_unit_test(test_fetch_reports_a_missing_python),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
