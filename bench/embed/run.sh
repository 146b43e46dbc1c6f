#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The embedding benchmark in one go: our engine (bench_embed) and the
# references (ONNX Runtime fp32 / int8, sentence-transformers) on the same
# corpus, batches and threads; prints a Markdown table with ratios to ONNX
# Runtime fp32 and saves JSON + Markdown under bench/results/.
#
#   bash bench/embed/run.sh [BUILD_DIR] [--quick] [--limit N] [--setup-ref] [--no-ref] [--no-st]
#
#   BUILD_DIR    CMake build directory (default: build); bench_embed is built there
#   --quick      first 500 corpus lines and 300 latency runs (~15 min; full: ~55)
#   --limit N    first N corpus lines only
#   --setup-ref  create .venv-ref from scripts/embed/requirements-ref.txt if missing
#   --no-ref     our engine only
#   --no-st      skip sentence-transformers (the slowest reference)
#
# Run it on an otherwise idle machine: the load average at start and end is
# recorded in the results. See bench/embed/README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."

BUILD=build
QUICK=0
LIMIT=0
SETUP_REF=0
REF=1
ST=1
while [ $# -gt 0 ]; do
  a=$1
  shift
  case "$a" in
    --quick) QUICK=1 ;;
    --limit) LIMIT=${1:?--limit needs a number}; shift ;;
    --setup-ref) SETUP_REF=1 ;;
    --no-ref) REF=0 ;;
    --no-st) ST=0 ;;
    -h|--help) awk 'NR > 2 && !/^#/ { exit } NR > 2 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    -*) echo "run.sh: unknown option $a" >&2; exit 2 ;;
    *) BUILD=$a ;;
  esac
done

MODEL=models/all-MiniLM-L6-v2
CORPUS=bench/embed/corpus.txt
VENV=.venv-ref
PY=$VENV/bin/python
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUTDIR=bench/results
mkdir -p "$OUTDIR"
BASE=$OUTDIR/embed-$STAMP
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1

[ -f "$MODEL/model.safetensors" ] || {
  echo "run.sh: $MODEL missing: run 'make model' first" >&2
  exit 1
}

echo "== building bench_embed in $BUILD" >&2
if [ ! -f "$BUILD/build.ninja" ] && [ ! -f "$BUILD/Makefile" ]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$BUILD" --target bench_embed >/dev/null
BENCH=$BUILD/bench/embed/bench_embed

COMMON=()
REFARGS=()
if [ "$QUICK" = 1 ]; then
  COMMON+=(--quick)
  REFARGS+=(--quick)
fi
if [ "$LIMIT" != 0 ]; then
  COMMON+=(--limit "$LIMIT")
  REFARGS+=(--limit "$LIMIT")
fi

# --- reference venv -----------------------------------------------------
ref_ok() { [ -x "$PY" ] && "$PY" -c 'import onnxruntime, tokenizers, numpy' 2>/dev/null; }
if [ "$REF" = 1 ] && ! ref_ok; then
  if [ "$SETUP_REF" = 1 ]; then
    echo "== creating $VENV (torch from PyPI is about 6 GB)" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q -r scripts/embed/requirements-ref.txt
  else
    echo "run.sh: $VENV missing or incomplete: the reference side is skipped" >&2
    echo "        (bash bench/embed/run.sh --setup-ref creates it)" >&2
    REF=0
  fi
fi
if [ "$REF" = 1 ] && [ ! -f models/onnx/all-MiniLM-L6-v2.fp32.onnx ]; then
  echo "== exporting ONNX fp32 / int8-dynamic from $MODEL" >&2
  "$PY" bench/embed/export_onnx.py >&2
fi

# --- our engine ------------------------------------------------------------
echo "== salient (bench_embed)" >&2
"$BENCH" --model "$MODEL" --corpus "$CORPUS" --vectors-out "$BASE-salient.f32" \
  "${COMMON[@]}" >"$BASE-salient.json"

# --- references ------------------------------------------------------------
REPORT_ARGS=("$BASE-salient.json")
if [ "$REF" = 1 ]; then
  BACKENDS=ort-fp32,ort-int8,ort-int8-dynamic
  if [ "$ST" = 1 ]; then BACKENDS=$BACKENDS,st; fi
  echo "== references ($BACKENDS)" >&2
  "$PY" bench/embed/ref_bench.py --backends "$BACKENDS" --threads 2,1 \
    --vectors-out "$BASE-ort.f32" "${REFARGS[@]}" >"$BASE-ref.json"
  REPORT_ARGS+=("$BASE-ref.json" --vectors "$BASE-salient.f32" "$BASE-ort.f32" 384)
fi

python3 bench/embed/report.py "${REPORT_ARGS[@]}" | tee "$BASE.md"
rm -f "$BASE-salient.f32" "$BASE-ort.f32"
echo >&2
echo "saved $BASE.md and $BASE-*.json" >&2
