/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the .env reader: the input is written to a temporary .env file
 * and loaded with sal_config_load from a clean environment. A load either
 * fails with SAL_EINVAL and a one-line message, or yields a configuration
 * that satisfies API.md's constraints; sal_config_to_json never shows a
 * (recognisable) OpenAI key.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"

extern char **environ;

static char dir[400];
static char dotenv[512];

static void cleanup(void) {
    unlink(dotenv);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/salient-fuzz-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) abort();
    snprintf(dotenv, sizeof dotenv, "%s/.env", dir);
    atexit(cleanup);
    return 0;
}

static int is_config_var(const char *e) {
    return strncmp(e, "SALIENT_", 8) == 0 || strncmp(e, "DATABASE_URL", 12) == 0 ||
           strncmp(e, "REDIS_URL", 9) == 0 || strncmp(e, "OPENAI_", 7) == 0;
}

/* The loader may export what it read; start every run from nothing. */
static void clear_env(void) {
    for (;;) {
        char name[256] = "";
        for (char **e = environ; e && *e; e++) {
            if (!is_config_var(*e)) continue;
            size_t n = strcspn(*e, "=");
            if (n >= sizeof name) n = sizeof name - 1;
            memcpy(name, *e, n);
            name[n] = '\0';
            break;
        }
        if (name[0] == '\0') return;
        unsetenv(name);
    }
}

static int plain(const char *s) {
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_'))
            return 0;
    return 1;
}

static int contains(const char *hay, const char *needle) {
    return hay != NULL && strstr(hay, needle) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    clear_env();
    FILE *f = fopen(dotenv, "wb");
    if (f == NULL) abort();
    if (size > 0 && fwrite(data, 1, size, f) != size) abort();
    fclose(f);

    sal_config_t cfg;
    char err[256];
    memset(&cfg, 0, sizeof cfg);
    memset(err, 'x', sizeof err);
    int rc = sal_config_load(&cfg, dotenv, err, sizeof err);
    if (rc != 0) {
        if (rc != SAL_EINVAL || memchr(err, '\0', sizeof err) == NULL ||
            strchr(err, '\n') != NULL || err[0] == '\0')
            abort();
        return 0;
    }
    if (cfg.listen == NULL || cfg.listen_host == NULL || cfg.data_dir == NULL ||
        cfg.database_url == NULL || cfg.model_dir == NULL || cfg.rate_limit == NULL ||
        cfg.llm_provider == NULL || cfg.openai_base_url == NULL || cfg.openai_model == NULL)
        abort();
    if (cfg.listen_port < 0 || cfg.listen_port > 65535) abort();
    if (cfg.max_body_bytes == 0 || !(cfg.rate_per_s > 0) || !(cfg.rate_burst > 0)) abort();
    if (strcmp(cfg.llm_provider, "local") != 0 && strcmp(cfg.llm_provider, "openai") != 0) abort();
    if (strcmp(cfg.llm_provider, "openai") == 0 &&
        (cfg.openai_api_key == NULL || cfg.openai_api_key[0] == '\0'))
        abort();
    if (cfg.log_level < SAL_LOG_DEBUG || cfg.log_level > SAL_LOG_ERROR) abort();

    json_t *j = sal_config_to_json(&cfg);
    if (j == NULL) abort();
    char *text = json_dumps(j, JSON_COMPACT);
    if (text == NULL) abort();
    const char *key = cfg.openai_api_key;
    if (key != NULL && strlen(key) >= 12 && plain(key) && !contains(cfg.listen, key) &&
        !contains(cfg.data_dir, key) && !contains(cfg.database_url, key) &&
        !contains(cfg.redis_url, key) && !contains(cfg.model_dir, key) &&
        !contains(cfg.rate_limit, key) && !contains(cfg.openai_base_url, key) &&
        !contains(cfg.openai_model, key) && strstr(text, key) != NULL)
        abort(); /* the secret leaked */
    free(text);
    json_decref(j);
    sal_config_free(&cfg);
    return 0;
}
