#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The knowledge index benchmark in one go: builds bench_index in BUILD_DIR
# and runs it at 10k and 100k chunks; prints the table and writes
# bench/results/knowledge-index.json (bench/results/ is gitignored).
#
#   bash bench/knowledge/run.sh [BUILD_DIR] [bench_index options...]
#
#   BUILD_DIR   CMake build directory (default: build)
#   options     passed on, e.g. --sizes 10000 --queries 1000 --no-model
#
# Takes about 3 minutes on 2 cores (35 s of it embedding the corpus).
# Run it on an otherwise idle machine; see bench/knowledge/README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."

BUILD=build
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
  BUILD=$1
  shift
fi

if [ ! -f "$BUILD/build.ninja" ] && [ ! -f "$BUILD/Makefile" ]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$BUILD" --target bench_index >/dev/null
mkdir -p bench/results
[ -f models/all-MiniLM-L6-v2/model.safetensors ] ||
  echo "run.sh: no model under models/: random vectors and no query embedding time" >&2
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$BUILD/bench/knowledge/bench_index" --json bench/results/knowledge-index.json "$@"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
