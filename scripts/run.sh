#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make run`: applies migrations, loads the sample knowledge into the
# tenant "acme" (once: the same files again are recognised as duplicates),
# and serves the embedded default (SQLite under ./data) in the foreground.
# Ctrl-C stops it cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-build/salient}
"$BIN" migrate
"$BIN" seed --tenant acme samples/knowledge
cat >&2 <<MSG

Salient is starting on ${SALIENT_LISTEN:-127.0.0.1:8080} (data in ${SALIENT_DATA_DIR:-./data}).
Make your first API key from another terminal in this directory:

  build/salient keys create --tenant acme --name admin --scopes admin,write,read

then search the sample knowledge:

  curl -H "Authorization: Bearer <key>" -H "Content-Type: application/json" \\
       -d '{"query": "how do we prove ROI to a CFO", "top_k": 3}' \\
       http://${SALIENT_LISTEN:-127.0.0.1:8080}/v1/knowledge/search
API reference: http://${SALIENT_LISTEN:-127.0.0.1:8080}/docs

MSG
exec "$BIN" serve
