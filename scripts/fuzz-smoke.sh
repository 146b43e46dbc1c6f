#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets (`make fuzz`, clang) and runs each for a
# short while from its seed corpus in fuzz/corpus/<target>/. Fails on the
# first crash, leak, sanitizer report or timeout; the input that did it is
# kept under build-fuzz/artifacts/<target>/ for reproduction:
#   build-fuzz/fuzz/<target> build-fuzz/artifacts/<target>/crash-…
#
# usage: scripts/fuzz-smoke.sh [SECONDS_PER_TARGET] [TARGET…]
#   SECONDS_PER_TARGET  default 20 (or $FUZZ_SECONDS)
#   TARGET              default: every fuzz/fuzz_*.c
# FUZZ_NO_BUILD=1 skips `make fuzz` (use targets already built).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

seconds=${1:-${FUZZ_SECONDS:-20}}
[ $# -gt 0 ] && shift
case $seconds in
  '' | *[!0-9]*) echo "fuzz-smoke: seconds must be a whole number, got '$seconds'" >&2; exit 2 ;;
esac

build=${FUZZ_BUILD:-build-fuzz}
if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
  make fuzz FUZZ_BUILD="$build"
fi

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for src in fuzz/fuzz_*.c; do
    targets+=("$(basename "$src" .c)")
  done
fi

# Fuzzers run in a scratch directory: whatever a target writes (a .env
# file, a data dir) lands there, and the grown corpus is thrown away so
# the seeds in git stay small.
scratch=$(mktemp -d "${TMPDIR:-/tmp}/salient-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

failed=()
for t in "${targets[@]}"; do
  bin="$root/$build/fuzz/$t"
  if [ ! -x "$bin" ]; then
    echo "fuzz-smoke: $bin is missing" >&2
    failed+=("$t")
    continue
  fi
  dirs=("$scratch/$t/corpus")
  [ -d "$root/fuzz/corpus/$t" ] && dirs+=("$root/fuzz/corpus/$t")
  mkdir -p "$scratch/$t/corpus" "$root/$build/artifacts/$t"
  echo "fuzz-smoke: $t for ${seconds}s" >&2
  set +e
  (cd "$scratch/$t" &&
    TMPDIR="$scratch/$t" \
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="$root/$build/artifacts/$t/" \
      "${dirs[@]}" \
      >"$scratch/$t.log" 2>&1)
  rc=$?
  set -e
  if [ $rc -ne 0 ]; then
    echo "fuzz-smoke: $t FAILED (exit $rc); last lines of its log:" >&2
    tail -n 60 "$scratch/$t.log" >&2
    failed+=("$t")
  else
    grep -E '^stat::number_of_executed_units|^Done ' "$scratch/$t.log" | tail -n 2 >&2 || true
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz-smoke: failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz-smoke: ok (${#targets[@]} targets, ${seconds}s each)" >&2
