/* SPDX-License-Identifier: MIT */
/*
 * cli — the subcommands of the salient binary. Each is a thin shell over
 * the same services the HTTP handlers call; each returns the process exit
 * status (0 ok, 1 failure, 2 usage or configuration error).
 */
#ifndef SALIENT_CLI_H
#define SALIENT_CLI_H

#include "core/core.h"
#include "store/store.h"

int cmd_serve(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_keys(int argc, char **argv);
int cmd_model(int argc, char **argv);
int cmd_embed(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_seed(int argc, char **argv);

/* Loads and validates the configuration (environment, ./.env, X_FILE) and
 * applies the log level; prints the one-line error and returns 2 on
 * failure. */
int cli_config(sal_config_t *cfg);
/* Opens the configured store and applies pending migrations; prints a
 * clear error and returns 1 on failure. */
int cli_store(const sal_config_t *cfg, store_t **out);

#endif
