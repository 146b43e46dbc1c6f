#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# HTTP benchmark: Salient against the same two endpoints in FastAPI
# (bench/http/fastapi_app.py) under the two common uvicorn setups, on this
# machine, with wrk.
#
#   bash bench/http/run.sh build/salient        (or: make bench)
#
# Salient runs with its default thread count (one per CPU), a rate limit too
# high to throttle and a fresh temporary data directory; it is started first
# and measured first, and keeps running until the end. FastAPI then runs
# with 2 uvicorn workers and no access log, once per setup, each on its own
# port with its own fresh database, one setup at a time (the first is
# stopped before the second starts, so each has the machine to itself):
#
#   asyncio_h11       "uvicorn (asyncio + h11)": plain `uvicorn`, the one the
#                     issue names; --loop asyncio --http h11
#   uvloop_httptools  "uvicorn[standard] (uvloop + httptools)": how FastAPI
#                     is usually deployed; --loop uvloop --http httptools
#
# Nothing logs a line per request. wrk drives GET /healthz and an
# authenticated GET /v1/keys on Salient and on each FastAPI setup.
#
# Results: a Markdown table on stdout, and bench/results/http-<time>.json and
# .md (gitignored), with Salient/FastAPI req/s ratios for both setups and
# whether each meets the target (at least 10x; reported, never fails the
# run). The run fails when any response is not 2xx.
#
# Knobs (environment): BENCH_DURATION (10s), BENCH_THREADS (2),
# BENCH_CONNECTIONS (64), BENCH_WARMUP (2s), BENCH_FASTAPI_WORKERS (2),
# BENCH_SALIENT_LOG_LEVEL (warn), BENCH_PYTHON (.venv/bin/python: the
# interpreter for FastAPI; it needs fastapi, uvicorn, uvloop and httptools,
# as tests/requirements.txt pins them), BENCH_KEEP=1 keeps the temp dir and
# logs.
set -euo pipefail

usage() { echo "usage: $0 SALIENT_BIN" >&2; exit 2; }
[ $# -eq 1 ] || usage
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SALIENT_BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -x "$SALIENT_BIN" ] || { echo "bench: $1 is not an executable" >&2; exit 2; }
PY=${BENCH_PYTHON:-$ROOT/.venv/bin/python}
[ -x "$PY" ] || { echo "bench: $PY missing; run scripts/setup.sh (make setup)" >&2; exit 2; }
"$PY" -c 'import fastapi, uvicorn, uvloop, httptools' 2>/dev/null || {
    echo "bench: $PY lacks fastapi, uvicorn, uvloop or httptools;" \
         "run scripts/setup.sh (make setup)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "bench: wrk not installed (apt-get install wrk)" >&2; exit 2; }
command -v curl >/dev/null || { echo "bench: curl not installed" >&2; exit 2; }
command -v setsid >/dev/null || { echo "bench: setsid not installed (util-linux)" >&2; exit 2; }

DURATION=${BENCH_DURATION:-10s}
THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_CONNECTIONS:-64}
WARMUP=${BENCH_WARMUP:-2s}
FA_WORKERS=${BENCH_FASTAPI_WORKERS:-2}
SAL_LOG=${BENCH_SALIENT_LOG_LEVEL:-warn}

# The FastAPI setups, measured in this order: id, uvicorn --loop, --http.
# The report (below) gives each id its label.
FA_SETUPS=("asyncio_h11 asyncio h11" "uvloop_httptools uvloop httptools")

TMP=$(mktemp -d "${TMPDIR:-/tmp}/salient-bench.XXXXXX")
# Every server runs in its own process group (setsid), so stopping one
# reaches all of its processes (uvicorn's workers too); PIDS lists the
# group leaders still running.
PIDS=()

# stop_server PID: TERM to the process group, up to 5 s to drain, then KILL.
stop_server() {
    kill -TERM -- "-$1" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 -- "-$1" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    local keep=() p
    for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    PIDS=("${keep[@]}")
}
cleanup() {
    local rc=$?
    while [ ${#PIDS[@]} -gt 0 ]; do stop_server "${PIDS[0]}"; done
    if [ "${BENCH_KEEP:-0}" = 1 ] || [ $rc -ne 0 ]; then
        echo "bench: logs and data kept in $TMP" >&2
    else
        rm -rf "$TMP"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_http URL PID LOG: polls URL until it answers 200, or fails when the
# process has exited or 15 s have passed.
wait_http() {
    for _ in $(seq 150); do
        if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
        if ! kill -0 "$2" 2>/dev/null; then
            echo "bench: server exited during start-up; its log ($3):" >&2
            tail -n 20 "$3" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "bench: $1 did not answer within 15 s; log ($3):" >&2
    tail -n 20 "$3" >&2
    return 1
}

# check_side NAME PORT: both endpoints answer 200 with the expected bodies.
check_side() {
    local h k
    h=$(curl -sS "http://127.0.0.1:$2/healthz")
    k=$(curl -sS -w '\n%{http_code}' -H "$AUTH" "http://127.0.0.1:$2/v1/keys")
    "$PY" - "$1" "$h" "$k" <<'PY'
import json, sys
name, h, k = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
body, code = k.rsplit("\n", 1)
assert h.get("status") == "ok", f"{name} /healthz: {h}"
assert code == "200", f"{name} /v1/keys answered {code}: {body}"
keys = json.loads(body)
assert len(keys["items"]) == 1 and keys["next_cursor"] is None, f"{name} /v1/keys: {keys}"
PY
}

# run_wrk NAME URL [HEADER]: a warm-up, then the measured run into $TMP/NAME.wrk.
run_wrk() {
    local name=$1 url=$2
    shift 2
    local hdr=()
    [ $# -gt 0 ] && hdr=(-H "$1")
    wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" "${hdr[@]}" "$url" >/dev/null
    echo "bench: $name ($DURATION, $CONNS connections)" >&2
    wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "${hdr[@]}" "$url" >"$TMP/$name.wrk"
}

# bench_side NAME PORT: checks, then measures both endpoints.
bench_side() {
    check_side "$1" "$2"
    run_wrk "$1-healthz" "http://127.0.0.1:$2/healthz"
    run_wrk "$1-keys" "http://127.0.0.1:$2/v1/keys" "$AUTH"
}

# start_fastapi ID LOOP HTTP: a fresh database and uvicorn on a free port;
# sets FA_PID and FA_PORT.
start_fastapi() {
    local id=$1 loop=$2 http=$3
    FA_PORT=$(free_port)
    BENCH_DB="$TMP/fastapi-$id.db" "$PY" "$ROOT/bench/http/fastapi_app.py" init
    (cd "$TMP" && exec setsid env BENCH_DB="$TMP/fastapi-$id.db" "$PY" -m uvicorn fastapi_app:app \
        --app-dir "$ROOT/bench/http" --host 127.0.0.1 --port "$FA_PORT" \
        --workers "$FA_WORKERS" --loop "$loop" --http "$http" \
        --log-level warning --no-access-log 2>"$TMP/fastapi-$id.log") &
    FA_PID=$!
    PIDS+=("$FA_PID")
    wait_http "http://127.0.0.1:$FA_PORT/healthz" "$FA_PID" "$TMP/fastapi-$id.log"
}

# ---- Salient ---------------------------------------------------------------
# Run from the temp dir so no .env from the checkout is read.
SAL_PORT=$(free_port)
SAL_ENV=(SALIENT_DATA_DIR="$TMP/salient-data" SALIENT_LISTEN="127.0.0.1:$SAL_PORT"
         SALIENT_RATE_LIMIT="1000000/s,burst=1000000" SALIENT_LOG_LEVEL="$SAL_LOG")
(cd "$TMP" && exec setsid env "${SAL_ENV[@]}" "$SALIENT_BIN" serve 2>"$TMP/salient.log") &
SAL_PID=$!
PIDS+=("$SAL_PID")
wait_http "http://127.0.0.1:$SAL_PORT/healthz" "$SAL_PID" "$TMP/salient.log"

KEY=$(cd "$TMP" && env "${SAL_ENV[@]}" "$SALIENT_BIN" keys create --tenant bench --name bench \
      --scopes admin,write,read 2>"$TMP/keys.log") || {
    echo "bench: salient keys create failed:" >&2; cat "$TMP/keys.log" >&2; exit 1; }
KEY=$(printf '%s' "$KEY" | tr -d '[:space:]')
export BENCH_KEY="$KEY"
AUTH="Authorization: Bearer $KEY"

bench_side salient "$SAL_PORT"

# ---- FastAPI, one setup at a time ------------------------------------------
for setup in "${FA_SETUPS[@]}"; do
    read -r id loop http <<<"$setup"
    start_fastapi "$id" "$loop" "$http"
    bench_side "fastapi-$id" "$FA_PORT"
    stop_server "$FA_PID"
done

# ---- report ----------------------------------------------------------------
mkdir -p "$ROOT/bench/results"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$ROOT/bench/results/http-$STAMP"
"$PY" - "$TMP" "$OUT" "$SALIENT_BIN" "$DURATION" "$THREADS" "$CONNS" "$FA_WORKERS" "$SAL_LOG" \
    "${FA_SETUPS[@]}" <<'PY'
import datetime, json, os, platform, re, subprocess, sys
from importlib.metadata import version
tmp, out, binpath, duration, threads, conns, fa_workers, sal_log = sys.argv[1:9]
setups = [s.split() for s in sys.argv[9:]]          # [id, loop, http]

# The ratio target from the issue; reported, it never fails the run.
TARGET_TEXT = "at least 10x FastAPI's requests/s"
TARGET_RATIO = 10.0
# Short name (table columns) and full label of each FastAPI setup.
LABELS = {"asyncio_h11": ("uvicorn", "uvicorn (asyncio + h11)"),
          "uvloop_httptools": ("uvicorn[standard]", "uvicorn[standard] (uvloop + httptools)")}
ENDPOINTS = (("healthz", "GET /healthz"), ("keys", "GET /v1/keys (Bearer, admin)"))

def parse(path):
    text = open(path).read()
    rps = float(re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M).group(1))
    m = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\b", text, re.M)
    p99_ms = float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]
    total = int(re.search(r"^\s+(\d+) requests in", text, re.M).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    return {"requests_per_s": rps, "p99_ms": round(p99_ms, 3), "requests": total,
            "non_2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": dict(zip(("connect", "read", "write", "timeout"),
                                      map(int, sock.groups()))) if sock else {}}

def sh(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:
        return ""

cpu = ""
for line in open("/proc/cpuinfo"):
    if line.lower().startswith(("model name", "hardware")):
        cpu = line.split(":", 1)[1].strip()
        break
res = {"benchmark": "http",
       "time": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
       "machine": {"nproc": os.cpu_count(), "cpu": cpu or platform.processor(),
                   "kernel": platform.release(), "os": sh(["sh", "-c", ". /etc/os-release; echo $PRETTY_NAME"])},
       "settings": {"tool": sh(["sh", "-c", "wrk -v 2>&1 | head -1"]), "duration": duration,
                    "threads": int(threads), "connections": int(conns),
                    "salient": {"binary": binpath, "threads": "default (one per CPU)",
                                "log_level": sal_log, "git": sh(["git", "-C", os.path.dirname(binpath), "describe", "--always", "--dirty"])},
                    "fastapi": {"fastapi": version("fastapi"), "uvicorn": version("uvicorn"),
                                "python": platform.python_version(), "workers": int(fa_workers),
                                "access_log": False,
                                "setups": {sid: {"label": LABELS[sid][1], "loop": loop, "http": http,
                                                 "versions": {m: version(m) for m in (loop, http)
                                                              if m != "asyncio"}}
                                           for sid, loop, http in setups}}},
       "target": {"text": TARGET_TEXT, "source": "issue", "min_rps_ratio": TARGET_RATIO,
                  "met": {}},
       "endpoints": {}}
bad, notes = [], []
for ep, request in ENDPOINTS:
    s = parse(f"{tmp}/salient-{ep}.wrk")
    e = res["endpoints"][ep] = {"request": request, "salient": s, "fastapi": {}, "ratios": {}}
    for sid, _, _ in setups:
        f = e["fastapi"][sid] = parse(f"{tmp}/fastapi-{sid}-{ep}.wrk")
        ratio = round(s["requests_per_s"] / f["requests_per_s"], 2)
        e["ratios"][sid] = {"rps_ratio": ratio,
                            "p99_ratio": round(f["p99_ms"] / s["p99_ms"], 2) if s["p99_ms"] else None,
                            "meets_target": ratio >= TARGET_RATIO}
        res["target"]["met"].setdefault(sid, {})[ep] = ratio >= TARGET_RATIO
    for side, r in [("salient", s)] + [(LABELS[sid][1], e["fastapi"][sid]) for sid, _, _ in setups]:
        if r["non_2xx"]:
            bad.append(f"{side} {request}: {r['non_2xx']} non-2xx responses")
        se = {k: v for k, v in r["socket_errors"].items() if v}
        if se:
            notes.append(f"{side} {request}: socket errors {se}")
res["ok"] = not bad
res["errors"] = bad
res["notes"] = notes

m, fa = res["machine"], res["settings"]["fastapi"]
short = [LABELS[sid][0] for sid, _, _ in setups]
lines = [f"HTTP benchmark, {res['time']}: {m['cpu']} ({m['nproc']} CPUs), Linux {m['kernel']}",
         f"wrk -t{threads} -c{conns} -d{duration}, server and client on the same machine; "
         f"Salient log level {sal_log}",
         f"FastAPI {fa['fastapi']}, uvicorn {fa['uvicorn']}, Python {fa['python']}, "
         f"{fa_workers} workers, no access log: "
         + "; ".join(LABELS[sid][1] for sid, _, _ in setups), "",
         "| endpoint | Salient req/s | "
         + " | ".join(f"{n} req/s | Salient / {n}" for n in short)
         + " | Salient p99 | " + " | ".join(f"{n} p99" for n in short) + " |",
         "|---|---:|" + "---:|---:|" * len(setups) + "---:|" + "---:|" * len(setups)]
for e in res["endpoints"].values():
    s = e["salient"]
    row = [e["request"], f"{s['requests_per_s']:,.0f}"]
    for sid, _, _ in setups:
        row += [f"{e['fastapi'][sid]['requests_per_s']:,.0f}", f"{e['ratios'][sid]['rps_ratio']:.1f}x"]
    row.append(f"{s['p99_ms']:.2f} ms")
    row += [f"{e['fastapi'][sid]['p99_ms']:.2f} ms" for sid, _, _ in setups]
    lines.append("| " + " | ".join(row) + " |")
verdicts = []
for sid, _, _ in setups:
    parts = [f"{e['request'].split(' (')[0]} {e['ratios'][sid]['rps_ratio']:.1f}x "
             f"{'met' if e['ratios'][sid]['meets_target'] else 'NOT met'}"
             for e in res["endpoints"].values()]
    verdicts.append(f"vs {LABELS[sid][0]}: " + ", ".join(parts))
lines += ["", f"Target (issue): {TARGET_TEXT}. " + "; ".join(verdicts) + "."]
lines += [f"\nnote: {n}" for n in notes]
if bad:
    lines.append("\nFAILED: " + "; ".join(bad))
md = "\n".join(lines) + "\n"
json.dump(res, open(out + ".json", "w"), indent=2)
open(out + ".md", "w").write(md)
print(md)
print(f"results: {out}.json", file=sys.stderr)
sys.exit(0 if res["ok"] else 1)
PY
