/* SPDX-License-Identifier: MIT */
/*
 * Tests for sal_config_load and friends: the defaults of API.md's
 * configuration table, environment overrides, the .env file (comments,
 * blank lines, quotes, `export `) with the environment winning, X_FILE
 * secrets, one SAL_EINVAL with the variable's name for every bad value,
 * and redaction of secrets in sal_config_to_json / sal_url_redact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/core.h"
#include "testutil.h"

#define MIB ((size_t)1024 * 1024)

typedef struct {
    char dir[512];
    char err[256];
} fixture_t;

static int setup(void **state) {
    fixture_t *fx = calloc(1, sizeof *fx);
    if (fx == NULL) return -1;
    tu_clear_config_env();
    tu_mkdtemp(fx->dir, sizeof fx->dir);
    *state = fx;
    return 0;
}

static int teardown(void **state) {
    fixture_t *fx = *state;
    tu_clear_config_env();
    tu_rmrf(fx->dir);
    free(fx);
    return 0;
}

/* Loads with dotenv (may be NULL) and asserts success. */
static void load_ok(fixture_t *fx, sal_config_t *cfg, const char *dotenv) {
    memset(cfg, 0, sizeof *cfg);
    fx->err[0] = '\0';
    int rc = sal_config_load(cfg, dotenv, fx->err, sizeof fx->err);
    if (rc != 0) fail_msg("sal_config_load failed (%d): %s", rc, fx->err);
}

/* Loads and asserts SAL_EINVAL with a one-line message naming var. The
 * struct is not freed: per core.h's example a failed load owns nothing. */
static void load_fails_naming(fixture_t *fx, const char *dotenv, const char *var) {
    sal_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    memset(fx->err, 0, sizeof fx->err);
    int rc = sal_config_load(&cfg, dotenv, fx->err, sizeof fx->err);
    if (rc != SAL_EINVAL)
        fail_msg("expected SAL_EINVAL naming %s, got %d (err \"%s\")", var, rc, fx->err);
    if (strstr(fx->err, var) == NULL)
        fail_msg("error message \"%s\" does not name %s", fx->err, var);
    assert_null(strchr(fx->err, '\n'));
}

static void test_defaults(void **state) {
    fixture_t *fx = *state;
    sal_config_t cfg;
    load_ok(fx, &cfg, NULL);

    assert_string_equal(cfg.listen, "127.0.0.1:8080");
    assert_string_equal(cfg.listen_host, "127.0.0.1");
    assert_int_equal(cfg.listen_port, 8080);
    assert_string_equal(cfg.data_dir, "./data");
    assert_string_equal(cfg.database_url, "sqlite://./data/salient.db");
    assert_null(cfg.redis_url);
    assert_string_equal(cfg.model_dir, "./models/all-MiniLM-L6-v2");
    assert_int_equal(cfg.log_level, SAL_LOG_INFO);
    assert_int_equal(cfg.max_body_bytes, 50 * MIB);
    assert_string_equal(cfg.rate_limit, "20/s,burst=40");
    assert_true(cfg.rate_per_s == 20.0);
    assert_true(cfg.rate_burst == 40.0);
    assert_string_equal(cfg.llm_provider, "local");
    assert_null(cfg.openai_api_key);
    assert_string_equal(cfg.openai_base_url, "https://api.openai.com/v1");
    assert_string_equal(cfg.openai_model, "gpt-4o-mini");
    assert_true(cfg.threads > 0);
    assert_true(cfg.conn_timeout_s > 0);
    sal_config_free(&cfg);
}

static void test_missing_dotenv_is_fine(void **state) {
    fixture_t *fx = *state;
    char path[600];
    tu_path(path, sizeof path, fx->dir, "no-such.env");
    sal_config_t cfg;
    load_ok(fx, &cfg, path);
    assert_string_equal(cfg.listen, "127.0.0.1:8080");
    sal_config_free(&cfg);
}

static void test_free_accepts_zeroed_struct(void **state) {
    (void)state;
    sal_config_t zero;
    memset(&zero, 0, sizeof zero);
    sal_config_free(&zero);
}

static void test_data_dir_drives_database_default(void **state) {
    fixture_t *fx = *state;
    setenv("SALIENT_DATA_DIR", "/srv/salient", 1);
    sal_config_t cfg;
    load_ok(fx, &cfg, NULL);
    assert_string_equal(cfg.data_dir, "/srv/salient");
    assert_string_equal(cfg.database_url, "sqlite:///srv/salient/salient.db");
    sal_config_free(&cfg);
}

static void test_env_overrides(void **state) {
    fixture_t *fx = *state;
    setenv("SALIENT_LISTEN", "0.0.0.0:9090", 1);
    setenv("SALIENT_DATA_DIR", "/var/lib/salient", 1);
    setenv("DATABASE_URL", "postgresql://sal:pw@db.internal:5432/salient", 1);
    setenv("REDIS_URL", "redis://cache:6379/0", 1);
    setenv("SALIENT_MODEL_DIR", "/opt/models/bge-small-en-v1.5", 1);
    setenv("SALIENT_LOG_LEVEL", "debug", 1);
    setenv("SALIENT_MAX_BODY_MB", "5", 1);
    setenv("SALIENT_RATE_LIMIT", "5/s,burst=10", 1);
    setenv("SALIENT_LLM_PROVIDER", "openai", 1);
    setenv("OPENAI_API_KEY", "sk-test-123", 1);
    setenv("OPENAI_BASE_URL", "http://localhost:11434/v1", 1);
    setenv("OPENAI_MODEL", "llama3.1:8b", 1);

    sal_config_t cfg;
    load_ok(fx, &cfg, NULL);
    assert_string_equal(cfg.listen, "0.0.0.0:9090");
    assert_string_equal(cfg.listen_host, "0.0.0.0");
    assert_int_equal(cfg.listen_port, 9090);
    assert_string_equal(cfg.data_dir, "/var/lib/salient");
    /* An explicit DATABASE_URL is not derived from the data dir. */
    assert_string_equal(cfg.database_url, "postgresql://sal:pw@db.internal:5432/salient");
    assert_non_null(cfg.redis_url);
    assert_string_equal(cfg.redis_url, "redis://cache:6379/0");
    assert_string_equal(cfg.model_dir, "/opt/models/bge-small-en-v1.5");
    assert_int_equal(cfg.log_level, SAL_LOG_DEBUG);
    assert_int_equal(cfg.max_body_bytes, 5 * MIB);
    assert_string_equal(cfg.rate_limit, "5/s,burst=10");
    assert_true(cfg.rate_per_s == 5.0);
    assert_true(cfg.rate_burst == 10.0);
    assert_string_equal(cfg.llm_provider, "openai");
    assert_non_null(cfg.openai_api_key);
    assert_string_equal(cfg.openai_api_key, "sk-test-123");
    assert_string_equal(cfg.openai_base_url, "http://localhost:11434/v1");
    assert_string_equal(cfg.openai_model, "llama3.1:8b");
    sal_config_free(&cfg);
}

static void test_each_log_level(void **state) {
    fixture_t *fx = *state;
    static const struct {
        const char *s;
        sal_log_level_t level;
    } cases[] = {{"debug", SAL_LOG_DEBUG},
                 {"info", SAL_LOG_INFO},
                 {"warn", SAL_LOG_WARN},
                 {"error", SAL_LOG_ERROR}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        setenv("SALIENT_LOG_LEVEL", cases[i].s, 1);
        sal_config_t cfg;
        load_ok(fx, &cfg, NULL);
        assert_int_equal(cfg.log_level, cases[i].level);
        sal_config_free(&cfg);
    }
}

static void test_listen_port_zero_means_any(void **state) {
    fixture_t *fx = *state;
    setenv("SALIENT_LISTEN", "127.0.0.1:0", 1);
    sal_config_t cfg;
    load_ok(fx, &cfg, NULL);
    assert_string_equal(cfg.listen_host, "127.0.0.1");
    assert_int_equal(cfg.listen_port, 0);
    sal_config_free(&cfg);
}

static void test_dotenv_file(void **state) {
    fixture_t *fx = *state;
    char path[600];
    tu_path(path, sizeof path, fx->dir, ".env");
    tu_write_str(path, "# Salient settings for this machine\n"
                       "\n"
                       "SALIENT_LOG_LEVEL=warn\n"
                       "   \n"
                       "export SALIENT_MODEL_DIR=\"/opt/models/my model\"\n"
                       "SALIENT_DATA_DIR='/tmp/dotenv data'\n"
                       "  # an indented comment\n"
                       "SALIENT_MAX_BODY_MB=7\n"
                       "UNRELATED_TOOL_SETTING=ignored\n"
                       "OPENAI_MODEL=gpt-4.1\n");
    sal_config_t cfg;
    load_ok(fx, &cfg, path);
    assert_int_equal(cfg.log_level, SAL_LOG_WARN);
    assert_string_equal(cfg.model_dir, "/opt/models/my model");
    assert_string_equal(cfg.data_dir, "/tmp/dotenv data");
    assert_string_equal(cfg.database_url, "sqlite:///tmp/dotenv data/salient.db");
    assert_int_equal(cfg.max_body_bytes, 7 * MIB);
    assert_string_equal(cfg.openai_model, "gpt-4.1");
    /* Untouched variables keep their defaults. */
    assert_string_equal(cfg.listen, "127.0.0.1:8080");
    sal_config_free(&cfg);
}

static void test_dotenv_crlf_and_no_final_newline(void **state) {
    fixture_t *fx = *state;
    char path[600];
    tu_path(path, sizeof path, fx->dir, ".env");
    tu_write_str(path, "SALIENT_LOG_LEVEL=error\r\nOPENAI_MODEL=m1");
    sal_config_t cfg;
    load_ok(fx, &cfg, path);
    assert_int_equal(cfg.log_level, SAL_LOG_ERROR);
    assert_string_equal(cfg.openai_model, "m1");
    sal_config_free(&cfg);
}

static void test_environment_wins_over_dotenv(void **state) {
    fixture_t *fx = *state;
    char path[600];
    tu_path(path, sizeof path, fx->dir, ".env");
    tu_write_str(path, "SALIENT_LISTEN=127.0.0.1:9999\n"
                       "SALIENT_LOG_LEVEL=debug\n");
    setenv("SALIENT_LISTEN", "127.0.0.1:7777", 1);
    sal_config_t cfg;
    load_ok(fx, &cfg, path);
    assert_string_equal(cfg.listen, "127.0.0.1:7777");
    assert_int_equal(cfg.listen_port, 7777);
    assert_int_equal(cfg.log_level, SAL_LOG_DEBUG);
    sal_config_free(&cfg);
}

static void test_bad_value_in_dotenv_names_variable(void **state) {
    fixture_t *fx = *state;
    char path[600];
    tu_path(path, sizeof path, fx->dir, ".env");
    tu_write_str(path, "SALIENT_LOG_LEVEL=loud\n");
    load_fails_naming(fx, path, "SALIENT_LOG_LEVEL");
}

static void test_file_secret(void **state) {
    fixture_t *fx = *state;
    char path[600];
    tu_path(path, sizeof path, fx->dir, "openai.key");
    tu_write_str(path, "sk-from-file-42\n");
    setenv("SALIENT_LLM_PROVIDER", "openai", 1);
    setenv("OPENAI_API_KEY_FILE", path, 1);
    sal_config_t cfg;
    load_ok(fx, &cfg, NULL);
    assert_non_null(cfg.openai_api_key);
    assert_string_equal(cfg.openai_api_key, "sk-from-file-42");
    assert_string_equal(cfg.llm_provider, "openai");
    sal_config_free(&cfg);
}

static void test_file_any_variable(void **state) {
    fixture_t *fx = *state;
    char path[600];
    tu_path(path, sizeof path, fx->dir, "db.url");
    tu_write_str(path, "postgresql://u:pw@h/db\n");
    setenv("DATABASE_URL_FILE", path, 1);
    sal_config_t cfg;
    load_ok(fx, &cfg, NULL);
    assert_string_equal(cfg.database_url, "postgresql://u:pw@h/db");
    sal_config_free(&cfg);
}

static void test_file_named_in_dotenv(void **state) {
    fixture_t *fx = *state;
    char key[600], env[600], line[700];
    tu_path(key, sizeof key, fx->dir, "openai.key");
    tu_write_str(key, "sk-dotenv-file\n");
    tu_path(env, sizeof env, fx->dir, ".env");
    snprintf(line, sizeof line, "OPENAI_API_KEY_FILE=%s\n", key);
    tu_write_str(env, line);
    sal_config_t cfg;
    load_ok(fx, &cfg, env);
    assert_non_null(cfg.openai_api_key);
    assert_string_equal(cfg.openai_api_key, "sk-dotenv-file");
    sal_config_free(&cfg);
}

static void test_file_without_trailing_newline(void **state) {
    fixture_t *fx = *state;
    char path[600];
    tu_path(path, sizeof path, fx->dir, "model");
    tu_write_str(path, "gpt-x");
    setenv("OPENAI_MODEL_FILE", path, 1);
    sal_config_t cfg;
    load_ok(fx, &cfg, NULL);
    assert_string_equal(cfg.openai_model, "gpt-x");
    sal_config_free(&cfg);
}

static void test_file_and_plain_both_set_fails(void **state) {
    fixture_t *fx = *state;
    char path[600];
    tu_path(path, sizeof path, fx->dir, "openai.key");
    tu_write_str(path, "sk-from-file\n");
    setenv("OPENAI_API_KEY", "sk-plain", 1);
    setenv("OPENAI_API_KEY_FILE", path, 1);
    load_fails_naming(fx, NULL, "OPENAI_API_KEY");
}

static void test_file_missing_fails(void **state) {
    fixture_t *fx = *state;
    char path[600];
    tu_path(path, sizeof path, fx->dir, "does-not-exist");
    setenv("OPENAI_API_KEY_FILE", path, 1);
    load_fails_naming(fx, NULL, "OPENAI_API_KEY_FILE");
}

static void test_bad_values_fail_naming_the_variable(void **state) {
    fixture_t *fx = *state;
    static const struct {
        const char *var;
        const char *value;
    } cases[] = {
        {"SALIENT_LISTEN", "nope"},         {"SALIENT_LISTEN", "127.0.0.1:70000"},
        {"SALIENT_LISTEN", "127.0.0.1:-1"}, {"SALIENT_LISTEN", "127.0.0.1:http"},
        {"SALIENT_MAX_BODY_MB", "abc"},     {"SALIENT_MAX_BODY_MB", "0"},
        {"SALIENT_MAX_BODY_MB", "-5"},      {"SALIENT_MAX_BODY_MB", "12abc"},
        {"SALIENT_RATE_LIMIT", "fast"},     {"SALIENT_RATE_LIMIT", "20/s,burst=lots"},
        {"SALIENT_LOG_LEVEL", "loud"},      {"SALIENT_LLM_PROVIDER", "magic"},
        {"DATABASE_URL", "mysql://x"},      {"OPENAI_BASE_URL", "ftp://x"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tu_clear_config_env();
        setenv(cases[i].var, cases[i].value, 1);
        print_message("  %s=%s\n", cases[i].var, cases[i].value);
        load_fails_naming(fx, NULL, cases[i].var);
    }
}

static void test_openai_provider_needs_key(void **state) {
    fixture_t *fx = *state;
    setenv("SALIENT_LLM_PROVIDER", "openai", 1);
    load_fails_naming(fx, NULL, "OPENAI_API_KEY");

    setenv("OPENAI_API_KEY", "sk-ok", 1);
    sal_config_t cfg;
    load_ok(fx, &cfg, NULL);
    assert_string_equal(cfg.llm_provider, "openai");
    sal_config_free(&cfg);
}

static void test_to_json_redacts_secrets(void **state) {
    fixture_t *fx = *state;
    setenv("SALIENT_LLM_PROVIDER", "openai", 1);
    setenv("OPENAI_API_KEY", "sk-live-abcdef123456", 1);
    setenv("DATABASE_URL", "postgresql://sal:hunter2pw@db.example/sal", 1);
    setenv("REDIS_URL", "redis://:redispw99@cache:6379/0", 1);
    sal_config_t cfg;
    load_ok(fx, &cfg, NULL);

    json_t *j = sal_config_to_json(&cfg);
    assert_non_null(j);
    assert_true(json_is_object(j));
    char *text = json_dumps(j, JSON_COMPACT);
    assert_non_null(text);
    if (strstr(text, "sk-live-abcdef123456") != NULL || strstr(text, "hunter2pw") != NULL ||
        strstr(text, "redispw99") != NULL)
        fail_msg("secret leaked in %s", text);
    /* Redacted, not dropped: the rest of the URL is still useful. */
    assert_non_null(strstr(text, "postgresql://sal:***@db.example/sal"));
    assert_non_null(strstr(text, "redis://:***@cache:6379/0"));
    assert_non_null(strstr(text, "gpt-4o-mini"));
    assert_non_null(strstr(text, "127.0.0.1:8080"));
    free(text);
    json_decref(j);
    sal_config_free(&cfg);
}

static void check_redact(const char *url, const char *want) {
    char out[256];
    memset(out, 'Z', sizeof out);
    sal_url_redact(url, out, sizeof out);
    if (strcmp(out, want) != 0)
        fail_msg("sal_url_redact(\"%s\") = \"%s\", want \"%s\"", url, out, want);
}

static void test_url_redact(void **state) {
    (void)state;
    check_redact("postgresql://u:secret@h/db", "postgresql://u:***@h/db");
    check_redact("postgresql://u:p%40ss@h:5432/db?sslmode=require",
                 "postgresql://u:***@h:5432/db?sslmode=require");
    check_redact("redis://:pw@h:6379/0", "redis://:***@h:6379/0");
    /* Nothing to redact. */
    check_redact("sqlite:///tmp/x.db", "sqlite:///tmp/x.db");
    check_redact("redis://user@h", "redis://user@h");
    check_redact("https://api.openai.com/v1", "https://api.openai.com/v1");
    /* '@' after the authority is not user info. */
    check_redact("postgresql://h/db?application_name=a@b",
                 "postgresql://h/db?application_name=a@b");
    check_redact("", "");

    char out[256];
    sal_url_redact("postgresql://u:secret@h/db", out, sizeof out);
    assert_null(strstr(out, "secret"));
}

/* A raw '@' in the password (libpq and redis accept it): the user info
 * ends at the last '@' before the path, so no part of the password shows. */
static void test_url_redact_raw_at_in_password(void **state) {
    (void)state;
    check_redact("postgresql://u:a@b@h/db", "postgresql://u:***@h/db");
    check_redact("redis://:p@ss@cache:6379", "redis://:***@cache:6379");
}

static void test_url_redact_truncates_without_leaking(void **state) {
    (void)state;
    for (size_t cap = 1; cap <= 28; cap++) {
        char out[64];
        memset(out, 'Z', sizeof out);
        sal_url_redact("postgresql://u:secretpw@h/db", out, cap);
        assert_true(memchr(out, '\0', cap) != NULL);
        assert_int_equal(out[cap], 'Z'); /* nothing written past cap */
        if (strstr(out, "sec") != NULL || strstr(out, "cretpw") != NULL)
            fail_msg("cap %zu leaked part of the password: \"%s\"", cap, out);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_dotenv_is_fine, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_accepts_zeroed_struct, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_dir_drives_database_default, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_overrides, setup, teardown),
        cmocka_unit_test_setup_teardown(test_each_log_level, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listen_port_zero_means_any, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dotenv_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dotenv_crlf_and_no_final_newline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_environment_wins_over_dotenv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_value_in_dotenv_names_variable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_secret, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_any_variable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_named_in_dotenv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_without_trailing_newline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_and_plain_both_set_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_missing_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_values_fail_naming_the_variable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_openai_provider_needs_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_to_json_redacts_secrets, setup, teardown),
        cmocka_unit_test(test_url_redact),
        cmocka_unit_test(test_url_redact_raw_at_in_password),
        cmocka_unit_test(test_url_redact_truncates_without_leaking),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
