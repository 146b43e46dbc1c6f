/* SPDX-License-Identifier: MIT */
/*
 * Tests for the safetensors loader (embed_st_*): a well-formed file opens
 * and its tensors are found with the right dtype, shape and bytes (F32,
 * F16, BF16 and the integer dtypes real checkpoints carry); every kind of
 * corruption (empty or truncated file, header length past the end or over
 * the cap, header that is not a JSON object, unknown dtype, shape and size
 * that disagree, offsets outside the data, overlapping tensors, dimensions
 * whose product overflows) gives SAL_EINVAL with a message; and no
 * truncation or byte flip of a good file crashes the loader.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "knowledge/embed/embed.h"
#include "testutil.h"

typedef struct {
    char dir[512];
    char path[600];
    char err[512];
} fixture_t;

static int setup(void **state) {
    fixture_t *fx = calloc(1, sizeof *fx);
    if (fx == NULL) return -1;
    tu_mkdtemp(fx->dir, sizeof fx->dir);
    tu_path(fx->path, sizeof fx->path, fx->dir, "t.safetensors");
    *state = fx;
    return 0;
}

static int teardown(void **state) {
    fixture_t *fx = *state;
    tu_rmrf(fx->dir);
    free(fx);
    return 0;
}

/* Writes a safetensors file: the 8-byte little-endian length of header
 * (declared_len, or the real length when negative), header, then data. */
static void write_st(const char *path, const char *header, long long declared_len, const void *data,
                     size_t data_len) {
    size_t hl = strlen(header);
    uint64_t n = declared_len < 0 ? hl : (uint64_t)declared_len;
    size_t total = 8 + hl + data_len;
    char *buf = malloc(total ? total : 1);
    assert_non_null(buf);
    for (int i = 0; i < 8; i++) buf[i] = (char)((n >> (8 * i)) & 0xff);
    memcpy(buf + 8, header, hl);
    if (data_len) memcpy(buf + 8 + hl, data, data_len);
    tu_write(path, buf, total);
    free(buf);
}

/* Opens the file expecting SAL_EINVAL with a message containing needle. */
static void open_fails(fixture_t *fx, const char *needle) {
    embed_st_t *st = (embed_st_t *)0x1;
    fx->err[0] = '\0';
    int rc = embed_st_open(fx->path, &st, fx->err, sizeof fx->err);
    if (rc != SAL_EINVAL) fail_msg("expected SAL_EINVAL (\"%s\"), got %d: %s", needle, rc, fx->err);
    assert_null(st);
    if (fx->err[0] == '\0') fail_msg("no error message for \"%s\"", needle);
    if (needle != NULL && strstr(fx->err, needle) == NULL)
        fail_msg("error \"%s\" does not mention \"%s\"", fx->err, needle);
}

/* A header with one F32 tensor "x" of the given shape and offsets over a
 * data area of data_len bytes. */
static void write_one(fixture_t *fx, const char *dtype, const char *shape, const char *offsets,
                      size_t data_len) {
    char header[512];
    snprintf(header, sizeof header, "{\"x\":{\"dtype\":\"%s\",\"shape\":%s,\"data_offsets\":%s}}",
             dtype, shape, offsets);
    unsigned char *data = calloc(data_len ? data_len : 1, 1);
    assert_non_null(data);
    write_st(fx->path, header, -1, data, data_len);
    free(data);
}

static const char GOOD_HEADER[] =
    "{\"__metadata__\":{\"format\":\"pt\"},"
    "\"b.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
    "\"a.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[24,36]},"
    "\"c.half\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[36,40]},"
    "\"d.bf\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[40,44]},"
    "\"e.ids\":{\"dtype\":\"I64\",\"shape\":[1,2],\"data_offsets\":[48,64]},"
    "\"f.empty\":{\"dtype\":\"F32\",\"shape\":[0,4],\"data_offsets\":[64,64]}}    ";

static void write_good(const char *path, size_t *len_out) {
    unsigned char data[64] = {0};
    float w[9] = {1, 2, 3, 4, 5, 6, 0.5f, -1, 7};
    memcpy(data, w, sizeof w);
    uint16_t half[2] = {0x3c00, 0xc000}; /* 1.0, -2.0 */
    uint16_t bf[2] = {0x3f80, 0x4040};   /* 1.0, 3.0 */
    memcpy(data + 36, half, sizeof half);
    memcpy(data + 40, bf, sizeof bf);
    int64_t ids[2] = {0, 1};
    memcpy(data + 48, ids, sizeof ids);
    write_st(path, GOOD_HEADER, -1, data, sizeof data);
    if (len_out) *len_out = 8 + strlen(GOOD_HEADER) + sizeof data;
}

static void good_file_opens(void **state) {
    fixture_t *fx = *state;
    write_good(fx->path, NULL);
    embed_st_t *st = NULL;
    int rc = embed_st_open(fx->path, &st, fx->err, sizeof fx->err);
    if (rc != 0) fail_msg("open: %s", fx->err);
    assert_int_equal(embed_st_count(st), 6); /* __metadata__ is not a tensor */

    embed_tensor_t t;
    assert_int_equal(embed_st_find(st, "b.weight", &t), 0);
    assert_string_equal(t.name, "b.weight");
    assert_int_equal(t.dtype, EMBED_F32);
    assert_int_equal(t.ndim, 2);
    assert_int_equal(t.shape[0], 2);
    assert_int_equal(t.shape[1], 3);
    assert_int_equal(t.nbytes, 24);
    float w[6];
    memcpy(w, t.data, sizeof w);
    assert_true(w[0] == 1.0f && w[5] == 6.0f);

    assert_int_equal(embed_st_find(st, "a.bias", &t), 0);
    memcpy(w, t.data, 12);
    assert_true(w[0] == 0.5f && w[1] == -1.0f && w[2] == 7.0f);

    assert_int_equal(embed_st_find(st, "c.half", &t), 0);
    assert_int_equal(t.dtype, EMBED_F16);
    assert_int_equal(t.nbytes, 4);
    uint16_t h[2];
    memcpy(h, t.data, sizeof h);
    assert_int_equal(h[0], 0x3c00);
    assert_int_equal(embed_st_find(st, "d.bf", &t), 0);
    assert_int_equal(t.dtype, EMBED_BF16);
    memcpy(h, t.data, sizeof h);
    assert_int_equal(h[1], 0x4040);
    assert_int_equal(embed_st_find(st, "e.ids", &t), 0);
    assert_int_equal(t.dtype, EMBED_I64);
    assert_int_equal(t.nbytes, 16);
    assert_int_equal(embed_st_find(st, "f.empty", &t), 0);
    assert_int_equal(t.nbytes, 0);
    assert_int_equal(t.shape[0], 0);

    assert_int_equal(embed_st_find(st, "nope", &t), SAL_ENOTFOUND);
    assert_int_equal(embed_st_find(st, "__metadata__", &t), SAL_ENOTFOUND);

    /* embed_st_at lists every tensor once, sorted by name */
    const char *prev = "";
    for (size_t i = 0; i < embed_st_count(st); i++) {
        assert_int_equal(embed_st_at(st, i, &t), 0);
        assert_true(strcmp(prev, t.name) < 0);
        prev = t.name;
    }
    assert_int_equal(embed_st_at(st, embed_st_count(st), &t), SAL_EINVAL);
    embed_st_close(st);
    embed_st_close(NULL);
}

static void missing_file_is_not_found(void **state) {
    fixture_t *fx = *state;
    embed_st_t *st = NULL;
    assert_int_equal(embed_st_open(fx->path, &st, fx->err, sizeof fx->err), SAL_ENOTFOUND);
    assert_null(st);
    assert_non_null(strstr(fx->err, "t.safetensors"));
}

static void empty_file_fails(void **state) {
    fixture_t *fx = *state;
    tu_write(fx->path, "", 0);
    open_fails(fx, "too short");
    tu_write(fx->path, "\x02\0\0\0", 4);
    open_fails(fx, "too short");
}

static void header_length_past_eof_fails(void **state) {
    fixture_t *fx = *state;
    write_st(fx->path, "{}", 3, NULL, 0);
    open_fails(fx, "past the end");
    write_st(fx->path, "{}", (long long)1 << 40, NULL, 0);
    open_fails(fx, "100 MB");
    write_st(fx->path, "{}", INT64_MAX, NULL, 0);
    open_fails(fx, "100 MB");
}

static void header_not_json_fails(void **state) {
    fixture_t *fx = *state;
    write_st(fx->path, "{\"x\": [1, 2", -1, NULL, 0);
    open_fails(fx, "JSON");
    write_st(fx->path, "", -1, NULL, 0);
    open_fails(fx, "JSON");
    write_st(fx->path, "[1, 2, 3]", -1, NULL, 0);
    open_fails(fx, "object");
    write_st(fx->path, "{\"x\": 1}", -1, NULL, 0);
    open_fails(fx, "\"x\"");
    write_st(fx->path, "{\"__metadata__\": 5}", -1, NULL, 0);
    open_fails(fx, "__metadata__");
    /* duplicate names would make lookups ambiguous */
    write_st(fx->path,
             "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
             "\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
             -1, "12345678", 8);
    open_fails(fx, "JSON");
    /* a NUL inside the header */
    write_st(fx->path, "{\"x\\u0000y\":{}}", -1, NULL, 0);
    open_fails(fx, NULL);
}

static void bad_tensor_entries_fail(void **state) {
    fixture_t *fx = *state;
    write_one(fx, "F128", "[1]", "[0,16]", 16);
    open_fails(fx, "unknown dtype");
    write_one(fx, "f32", "[1]", "[0,4]", 4);
    open_fails(fx, "unknown dtype");
    write_st(fx->path, "{\"x\":{\"shape\":[1],\"data_offsets\":[0,4]}}", -1, "abcd", 4);
    open_fails(fx, "dtype");
    write_st(fx->path, "{\"x\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", -1, "abcd", 4);
    open_fails(fx, "shape");
    write_one(fx, "F32", "[]", "[0,4]", 4);
    open_fails(fx, "dimensions");
    write_one(fx, "F32", "[1,1,1,1,1]", "[0,4]", 4);
    open_fails(fx, "dimensions");
    write_one(fx, "F32", "[-1]", "[0,4]", 4);
    open_fails(fx, "dimension");
    write_one(fx, "F32", "[1.5]", "[0,4]", 4);
    open_fails(fx, "dimension");
    write_one(fx, "F32", "[\"1\"]", "[0,4]", 4);
    open_fails(fx, "dimension");
    write_one(fx, "F32", "[1]", "[0]", 4);
    open_fails(fx, "data_offsets");
    write_one(fx, "F32", "[1]", "[0,4,8]", 8);
    open_fails(fx, "data_offsets");
    write_one(fx, "F32", "[1]", "[-4,0]", 4);
    open_fails(fx, "data_offsets");
}

static void shape_size_mismatch_fails(void **state) {
    fixture_t *fx = *state;
    write_one(fx, "F32", "[2,3]", "[0,20]", 24);
    open_fails(fx, "need 24");
    write_one(fx, "F16", "[2,3]", "[0,24]", 24);
    open_fails(fx, "need 12");
    write_one(fx, "F32", "[0]", "[0,4]", 4);
    open_fails(fx, "need 0");
}

static void offsets_out_of_range_fail(void **state) {
    fixture_t *fx = *state;
    write_one(fx, "F32", "[250]", "[0,1000]", 16);
    open_fails(fx, "larger than the file");
    write_one(fx, "F32", "[1]", "[16,20]", 16);
    open_fails(fx, "data_offsets");
    write_one(fx, "F32", "[1]", "[8,4]", 16);
    open_fails(fx, "data_offsets");
    write_one(fx, "F32", "[1]", "[0,18446744073709551612]", 16);
    open_fails(fx, NULL);
}

static void overlapping_tensors_fail(void **state) {
    fixture_t *fx = *state;
    unsigned char data[24] = {0};
    write_st(fx->path,
             "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
             "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}",
             -1, data, sizeof data);
    open_fails(fx, "overlap");
    write_st(fx->path,
             "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]},"
             "\"b\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[0,24]}}",
             -1, data, sizeof data);
    open_fails(fx, "overlap");
    /* the same bytes twice */
    write_st(fx->path,
             "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
             "\"b\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
             -1, data, sizeof data);
    open_fails(fx, "overlap");
}

static void huge_dims_overflow_fails(void **state) {
    fixture_t *fx = *state;
    /* 2^32 · 2^32 · 2^32 wraps a 64-bit product to 0, which would "match"
     * an empty tensor if the product were not checked as it grows. */
    write_one(fx, "F32", "[4294967296,4294967296,4294967296]", "[0,0]", 16);
    open_fails(fx, "larger than the file");
    write_one(fx, "F32", "[9223372036854775807,2]", "[0,8]", 16);
    open_fails(fx, "larger than the file");
    write_one(fx, "F64", "[2305843009213693952]", "[0,0]", 16);
    open_fails(fx, "larger than the file");
    write_one(fx, "F32", "[99999999999999999999999]", "[0,4]", 16);
    open_fails(fx, NULL);
}

/* Every prefix of a good file, and the good file with any one header byte
 * changed, opens cleanly or fails with SAL_EINVAL; never anything else (and
 * never a crash, which the sanitizer build would report). */
static void truncations_and_byte_flips_never_crash(void **state) {
    fixture_t *fx = *state;
    size_t len;
    write_good(fx->path, &len);
    FILE *f = fopen(fx->path, "rb");
    assert_non_null(f);
    char *good = malloc(len);
    assert_non_null(good);
    assert_int_equal(fread(good, 1, len, f), len);
    fclose(f);

    for (size_t cut = 0; cut < len; cut++) {
        tu_write(fx->path, good, cut);
        embed_st_t *st = NULL;
        int rc = embed_st_open(fx->path, &st, fx->err, sizeof fx->err);
        if (rc != SAL_EINVAL) fail_msg("prefix of %zu bytes: rc %d", cut, rc);
    }
    char *bad = malloc(len);
    assert_non_null(bad);
    const unsigned char flips[] = {0x00, 0x01, 0x7f, 0x80, 0xff, '"', '{', '}', ',', '9', '-'};
    size_t opened = 0;
    for (size_t pos = 0; pos < 8 + strlen(GOOD_HEADER); pos++) {
        for (size_t k = 0; k < sizeof flips; k++) {
            memcpy(bad, good, len);
            bad[pos] = (char)flips[k];
            tu_write(fx->path, bad, len);
            embed_st_t *st = NULL;
            int rc = embed_st_open(fx->path, &st, fx->err, sizeof fx->err);
            if (rc == 0) {
                /* whatever opened must be self-consistent */
                for (size_t i = 0; i < embed_st_count(st); i++) {
                    embed_tensor_t t;
                    assert_int_equal(embed_st_at(st, i, &t), 0);
                    volatile unsigned char sink = 0;
                    for (size_t b = 0; b < t.nbytes; b++)
                        sink ^= ((const unsigned char *)t.data)[b];
                    (void)sink;
                }
                embed_st_close(st);
                opened++;
            } else if (rc != SAL_EINVAL) {
                fail_msg("byte %zu = 0x%02x: rc %d", pos, flips[k], rc);
            }
        }
    }
    assert_true(opened > 0); /* e.g. a changed name still opens */
    free(bad);
    free(good);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(good_file_opens, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_file_is_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(empty_file_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(header_length_past_eof_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(header_not_json_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_tensor_entries_fail, setup, teardown),
        cmocka_unit_test_setup_teardown(shape_size_mismatch_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(offsets_out_of_range_fail, setup, teardown),
        cmocka_unit_test_setup_teardown(overlapping_tensors_fail, setup, teardown),
        cmocka_unit_test_setup_teardown(huge_dims_overflow_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(truncations_and_byte_flips_never_crash, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
