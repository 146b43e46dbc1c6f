#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs everything Salient needs to build, run and test on Debian 12:
# the Debian packages and the Python virtualenv for the test tools.
# Idempotent and quick when nothing is missing. Run as root (or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl
  libmicrohttpd-dev libjansson-dev libsqlite3-dev libsodium-dev libcmocka-dev
  libutf8proc-dev libopenblas-dev libzip-dev unzip
  libpoppler-glib-dev libxml2-dev libcmark-dev libmagic-dev libstemmer-dev
  sqlite3 python3 python3-venv python3-pip
  clang libclang-rt-14-dev clang-format cppcheck wrk
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's own python3 (a fresh machine has nothing else).
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
VENV=.venv
stamp="$VENV/.requirements.sha256"
want=$(sha256sum tests/requirements.txt | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: creating the test virtualenv in $VENV" >&2
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -r tests/requirements.txt
  echo "$want" > "$stamp"
fi
echo "setup: ok" >&2
