#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make run`: applies migrations and serves the embedded default (SQLite
# under ./data) in the foreground. Ctrl-C stops it cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-build/salient}
"$BIN" migrate
cat >&2 <<MSG

Salient is starting on ${SALIENT_LISTEN:-127.0.0.1:8080} (data in ${SALIENT_DATA_DIR:-./data}).
Make your first API key from another terminal in this directory:

  build/salient keys create --tenant acme --name admin --scopes admin,write,read

then:  curl -H "Authorization: Bearer <key>" http://${SALIENT_LISTEN:-127.0.0.1:8080}/v1/keys
API reference: http://${SALIENT_LISTEN:-127.0.0.1:8080}/docs

MSG
exec "$BIN" serve
