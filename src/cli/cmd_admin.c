/* SPDX-License-Identifier: MIT */
/*
 * The operator subcommands: migrate, config, and keys create|list|revoke.
 */
#include "cli/cli.h"
#include "security/security.h"

#include <getopt.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

int cmd_migrate(int argc, char **argv) {
    sal_config_t cfg;
    int rc = cli_config(&cfg);
    if (rc) return rc;
    store_t *st;
    char url[1024];
    sal_url_redact(cfg.database_url, url, sizeof url);
    rc = store_open(cfg.database_url, &st);
    if (rc < 0) {
        fprintf(stderr, "salient: cannot open the database %s: %s\n", url, sal_strerror(rc));
        sal_config_free(&cfg);
        return 1;
    }
    int from = 0, to = 0;
    rc = store_migrate(st, &from, &to);
    if (rc == 0)
        fprintf(stderr, "salient: %s schema at version %d (was %d)\n", url, to, from);
    else
        fprintf(stderr, "salient: migration failed: %s\n", sal_strerror(rc));
    store_close(st);
    sal_config_free(&cfg);
    return rc == 0 ? 0 : 1;
}

int cmd_config(int argc, char **argv) {
    bool as_json = argc > 1 && strcmp(argv[1], "--json") == 0;
    if (argc > (as_json ? 2 : 1)) {
        fprintf(stderr, "usage: salient config [--json]\n");
        return 2;
    }
    sal_config_t cfg;
    int rc = cli_config(&cfg);
    if (rc) return rc;
    json_t *o = sal_config_to_json(&cfg);
    if (as_json) {
        json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
    } else {
        const char *name;
        json_t *v;
        json_object_foreach(o, name, v) {
            json_t *val = json_object_get(v, "value");
            char *text = json_is_string(val) ? NULL : json_dumps(val, JSON_ENCODE_ANY);
            printf("%-24s %-44s (%s)\n", name, text ? text : json_string_value(val),
                   json_string_value(json_object_get(v, "source")));
            free(text);
        }
    }
    json_decref(o);
    sal_config_free(&cfg);
    return 0;
}

/* ---- keys --------------------------------------------------------------- */

static int keys_usage(void) {
    fputs("usage: salient keys create --tenant NAME [--name NAME] --scopes admin,write,read "
          "[--json]\n"
          "       salient keys list --tenant NAME [--json]\n"
          "       salient keys revoke KEY_ID\n",
          stderr);
    return 2;
}

typedef struct {
    const char *tenant, *name, *scopes;
    bool json;
} keys_opts_t;

static int keys_parse(int argc, char **argv, keys_opts_t *o) {
    static const struct option longopts[] = {{"tenant", required_argument, NULL, 't'},
                                             {"name", required_argument, NULL, 'n'},
                                             {"scopes", required_argument, NULL, 's'},
                                             {"json", no_argument, NULL, 'j'},
                                             {NULL, 0, NULL, 0}};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 't': o->tenant = optarg; break;
        case 'n': o->name = optarg; break;
        case 's': o->scopes = optarg; break;
        case 'j': o->json = true; break;
        default: return SAL_EINVAL;
        }
    }
    return 0;
}

static int keys_create(store_t *st, const keys_opts_t *o) {
    unsigned scopes;
    if (!o->tenant || !*o->tenant || strlen(o->tenant) > 100) {
        fprintf(stderr, "salient keys create: --tenant NAME (1..100 chars) is required\n");
        return 2;
    }
    if (!o->scopes || sec_scopes_parse(o->scopes, &scopes) < 0) {
        fprintf(stderr, "salient keys create: --scopes must list distinct scopes of "
                        "admin,write,read\n");
        return 2;
    }
    const char *name = o->name ? o->name : "cli";
    if (!*name || strlen(name) > 100) {
        fprintf(stderr, "salient keys create: --name must be 1..100 chars\n");
        return 2;
    }
    store_tenant_t t;
    if (store_tenant_ensure(st, o->tenant, &t) < 0) {
        fprintf(stderr, "salient keys create: cannot create tenant %s\n", o->tenant);
        return 1;
    }
    store_key_t k;
    char secret[SEC_KEY_CAP];
    if (sec_key_create(st, t.id, name, scopes, "cli", NULL, &k, secret) < 0) {
        fprintf(stderr, "salient keys create: cannot create the key\n");
        return 1;
    }
    if (o->json) {
        json_t *j = sec_key_json(&k);
        json_object_set_new(j, "key", json_string(secret));
        json_object_set_new(j, "tenant_id", json_string(t.id));
        json_object_set_new(j, "tenant", json_string(t.name));
        json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
        json_decref(j);
    } else {
        printf("%s\n", secret);
        fprintf(stderr,
                "created key %s (%s) \"%s\" for tenant %s (%s)\n"
                "this is the only time the key is shown; store it now\n",
                k.id, k.prefix, k.name, t.name, t.id);
    }
    sodium_memzero(secret, sizeof secret);
    return 0;
}

static int keys_list(store_t *st, const keys_opts_t *o) {
    if (!o->tenant) {
        fprintf(stderr, "salient keys list: --tenant NAME is required\n");
        return 2;
    }
    store_tenant_t t;
    if (store_tenant_find(st, o->tenant, &t) < 0) {
        fprintf(stderr, "salient keys list: no tenant named %s\n", o->tenant);
        return 1;
    }
    json_t *items = json_array();
    char after[SAL_ID_CAP] = "";
    for (;;) {
        store_key_t keys[100];
        size_t n;
        if (store_key_list(st, t.id, after, keys, 100, &n) < 0) {
            json_decref(items);
            return 1;
        }
        for (size_t i = 0; i < n; i++) json_array_append_new(items, sec_key_json(&keys[i]));
        if (n < 100) break;
        sal_strlcpy(after, keys[n - 1].id, sizeof after);
    }
    if (o->json) {
        json_dumpf(items, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
    } else {
        printf("%-32s %-14s %-20s %-21s %s\n", "ID", "PREFIX", "SCOPES", "CREATED", "NAME");
        size_t i;
        json_t *k;
        json_array_foreach(items, i, k) {
            char scopes[32] = "";
            size_t j, off = 0;
            json_t *s;
            json_array_foreach(json_object_get(k, "scopes"), j, s) {
                off += (size_t)snprintf(scopes + off, sizeof scopes - off, "%s%s", j ? "," : "",
                                        json_string_value(s));
            }
            printf("%-32s %-14s %-20s %-21s %s\n", json_string_value(json_object_get(k, "id")),
                   json_string_value(json_object_get(k, "prefix")), scopes,
                   json_string_value(json_object_get(k, "created_at")),
                   json_string_value(json_object_get(k, "name")));
        }
    }
    json_decref(items);
    return 0;
}

static int keys_revoke(store_t *st, int argc, char **argv) {
    if (optind != argc - 1) return keys_usage();
    const char *id = argv[optind];
    store_key_t k;
    int rc = sal_id_valid(id, "key") ? store_key_get(st, id, &k) : SAL_ENOTFOUND;
    if (rc == 0) rc = sec_key_revoke(st, k.tenant_id, id, "cli", NULL);
    if (rc == SAL_ENOTFOUND) {
        fprintf(stderr, "salient keys revoke: no active key %s\n", id);
        return 1;
    }
    if (rc < 0) {
        fprintf(stderr, "salient keys revoke: %s\n", sal_strerror(rc));
        return 1;
    }
    fprintf(stderr, "revoked key %s (%s)\n", id, k.prefix);
    return 0;
}

int cmd_keys(int argc, char **argv) {
    if (argc < 2) return keys_usage();
    const char *sub = argv[1];
    keys_opts_t o = {0};
    if (keys_parse(argc - 1, argv + 1, &o) < 0) return keys_usage();
    bool known =
        strcmp(sub, "create") == 0 || strcmp(sub, "list") == 0 || strcmp(sub, "revoke") == 0;
    if (!known) return keys_usage();
    if (strcmp(sub, "revoke") != 0 && optind != argc - 1) return keys_usage();

    sal_config_t cfg;
    int rc = cli_config(&cfg);
    if (rc) return rc;
    store_t *st;
    if ((rc = cli_store(&cfg, &st))) {
        sal_config_free(&cfg);
        return rc;
    }
    if (strcmp(sub, "create") == 0)
        rc = keys_create(st, &o);
    else if (strcmp(sub, "list") == 0)
        rc = keys_list(st, &o);
    else
        rc = keys_revoke(st, argc - 1, argv + 1);
    store_close(st);
    sal_config_free(&cfg);
    return rc;
}
