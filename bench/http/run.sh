#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# HTTP benchmark: Salient against the same two endpoints in FastAPI +
# uvicorn (bench/http/fastapi_app.py), on this machine, with wrk.
#
#   bash bench/http/run.sh build/salient        (or: make bench)
#
# Each side gets a fresh temporary data directory. Salient runs with its
# default thread count (one per CPU) and a rate limit too high to throttle;
# FastAPI runs 2 uvicorn workers without an access log. Both log at warning
# level, so neither writes a line per request. wrk then drives GET /healthz
# and an authenticated GET /v1/keys on each side in turn.
#
# Results: a Markdown table on stdout, and bench/results/http-<time>.json and
# .md (gitignored). The run fails when any response is not 2xx.
#
# Knobs (environment): BENCH_DURATION (10s), BENCH_THREADS (2),
# BENCH_CONNECTIONS (64), BENCH_WARMUP (2s), BENCH_FASTAPI_WORKERS (2),
# BENCH_SALIENT_LOG_LEVEL (warn), BENCH_PYTHON (.venv/bin/python: the
# interpreter for FastAPI; uvicorn uses uvloop and httptools when that
# environment has them, as `uvicorn[standard]` deployments do, else asyncio
# and h11, which is 2-3x slower; the results record which), BENCH_KEEP=1
# keeps the temp dir and logs.
set -euo pipefail

usage() { echo "usage: $0 SALIENT_BIN" >&2; exit 2; }
[ $# -eq 1 ] || usage
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SALIENT_BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -x "$SALIENT_BIN" ] || { echo "bench: $1 is not an executable" >&2; exit 2; }
PY=${BENCH_PYTHON:-$ROOT/.venv/bin/python}
[ -x "$PY" ] || { echo "bench: $PY missing; run scripts/setup.sh (make setup)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "bench: wrk not installed (apt-get install wrk)" >&2; exit 2; }
command -v curl >/dev/null || { echo "bench: curl not installed" >&2; exit 2; }

DURATION=${BENCH_DURATION:-10s}
THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_CONNECTIONS:-64}
WARMUP=${BENCH_WARMUP:-2s}
FA_WORKERS=${BENCH_FASTAPI_WORKERS:-2}
SAL_LOG=${BENCH_SALIENT_LOG_LEVEL:-warn}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/salient-bench.XXXXXX")
PIDS=()
cleanup() {
    local rc=$?
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        # Give each server a few seconds to drain, then make sure.
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
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

# ---- Salient ---------------------------------------------------------------
# Run from the temp dir so no .env from the checkout is read.
SAL_PORT=$(free_port)
SAL_ENV=(SALIENT_DATA_DIR="$TMP/salient-data" SALIENT_LISTEN="127.0.0.1:$SAL_PORT"
         SALIENT_RATE_LIMIT="1000000/s,burst=1000000" SALIENT_LOG_LEVEL="$SAL_LOG")
(cd "$TMP" && exec env "${SAL_ENV[@]}" "$SALIENT_BIN" serve 2>"$TMP/salient.log") &
SAL_PID=$!
PIDS+=("$SAL_PID")
wait_http "http://127.0.0.1:$SAL_PORT/healthz" "$SAL_PID" "$TMP/salient.log"

KEY=$(cd "$TMP" && env "${SAL_ENV[@]}" "$SALIENT_BIN" keys create --tenant bench --name bench \
      --scopes admin,write,read 2>"$TMP/keys.log") || {
    echo "bench: salient keys create failed:" >&2; cat "$TMP/keys.log" >&2; exit 1; }
KEY=$(printf '%s' "$KEY" | tr -d '[:space:]')

# ---- FastAPI ---------------------------------------------------------------
FA_PORT=$(free_port)
export BENCH_KEY="$KEY" BENCH_DB="$TMP/fastapi.db"
"$PY" "$ROOT/bench/http/fastapi_app.py" init
(cd "$TMP" && exec "$PY" -m uvicorn fastapi_app:app --app-dir "$ROOT/bench/http" \
    --host 127.0.0.1 --port "$FA_PORT" --workers "$FA_WORKERS" \
    --log-level warning --no-access-log 2>"$TMP/fastapi.log") &
FA_PID=$!
PIDS+=("$FA_PID")
wait_http "http://127.0.0.1:$FA_PORT/healthz" "$FA_PID" "$TMP/fastapi.log"

# ---- sanity: both sides answer 200 with the expected bodies -----------------
AUTH="Authorization: Bearer $KEY"
for side in salient:$SAL_PORT fastapi:$FA_PORT; do
    name=${side%%:*} port=${side#*:}
    h=$(curl -sS "http://127.0.0.1:$port/healthz")
    k=$(curl -sS -w '\n%{http_code}' -H "$AUTH" "http://127.0.0.1:$port/v1/keys")
    "$PY" - "$name" "$h" "$k" <<'PY'
import json, sys
name, h, k = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
body, code = k.rsplit("\n", 1)
assert h.get("status") == "ok", f"{name} /healthz: {h}"
assert code == "200", f"{name} /v1/keys answered {code}: {body}"
keys = json.loads(body)
assert len(keys["items"]) == 1 and keys["next_cursor"] is None, f"{name} /v1/keys: {keys}"
PY
done

# ---- wrk -------------------------------------------------------------------
# run_wrk NAME URL [HEADER]: writes $TMP/NAME.wrk.
run_wrk() {
    local name=$1 url=$2
    shift 2
    local hdr=()
    [ $# -gt 0 ] && hdr=(-H "$1")
    wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" "${hdr[@]}" "$url" >/dev/null
    echo "bench: $name ($DURATION, $CONNS connections)" >&2
    wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "${hdr[@]}" "$url" >"$TMP/$name.wrk"
}
run_wrk salient-healthz "http://127.0.0.1:$SAL_PORT/healthz"
run_wrk fastapi-healthz "http://127.0.0.1:$FA_PORT/healthz"
run_wrk salient-keys "http://127.0.0.1:$SAL_PORT/v1/keys" "$AUTH"
run_wrk fastapi-keys "http://127.0.0.1:$FA_PORT/v1/keys" "$AUTH"

# ---- report ----------------------------------------------------------------
mkdir -p "$ROOT/bench/results"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$ROOT/bench/results/http-$STAMP"
"$PY" - "$TMP" "$OUT" "$SALIENT_BIN" "$DURATION" "$THREADS" "$CONNS" "$FA_WORKERS" "$SAL_LOG" <<'PY'
import json, os, platform, re, subprocess, sys, datetime
tmp, out, binpath, duration, threads, conns, fa_workers, sal_log = sys.argv[1:9]

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
import fastapi, uvicorn, importlib.util
have = lambda m: importlib.util.find_spec(m) is not None
res = {"benchmark": "http",
       "time": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
       "machine": {"nproc": os.cpu_count(), "cpu": cpu or platform.processor(),
                   "kernel": platform.release(), "os": sh(["sh", "-c", ". /etc/os-release; echo $PRETTY_NAME"])},
       "settings": {"tool": sh(["sh", "-c", "wrk -v 2>&1 | head -1"]), "duration": duration,
                    "threads": int(threads), "connections": int(conns),
                    "salient": {"binary": binpath, "threads": "default (one per CPU)",
                                "log_level": sal_log, "git": sh(["git", "-C", os.path.dirname(binpath), "describe", "--always", "--dirty"])},
                    "fastapi": {"fastapi": fastapi.__version__, "uvicorn": uvicorn.__version__,
                                "python": platform.python_version(), "workers": int(fa_workers),
                                "http": "httptools" if have("httptools") else "h11",
                                "loop": "uvloop" if have("uvloop") else "asyncio",
                                "access_log": False}},
       "endpoints": {}}
bad = []
for ep, path in (("healthz", "GET /healthz"), ("keys", "GET /v1/keys (Bearer, admin)")):
    s, f = parse(f"{tmp}/salient-{ep}.wrk"), parse(f"{tmp}/fastapi-{ep}.wrk")
    for side, r in (("salient", s), ("fastapi", f)):
        if r["non_2xx"]:
            bad.append(f"{side} {path}: {r['non_2xx']} non-2xx responses")
    res["endpoints"][ep] = {"request": path, "salient": s, "fastapi": f,
                            "rps_ratio": round(s["requests_per_s"] / f["requests_per_s"], 2),
                            "p99_ratio": round(f["p99_ms"] / s["p99_ms"], 2) if s["p99_ms"] else None}
res["ok"] = not bad
res["errors"] = bad

m = res["machine"]
lines = [f"HTTP benchmark, {res['time']}: {m['cpu']} ({m['nproc']} CPUs), Linux {m['kernel']}",
         f"wrk -t{threads} -c{conns} -d{duration}, server and client on the same machine",
         f"FastAPI {fastapi.__version__} on uvicorn {uvicorn.__version__} ({fa_workers} workers, "
         f"{res['settings']['fastapi']['loop']} + {res['settings']['fastapi']['http']}); "
         f"Salient log level {sal_log}", "",
         "| endpoint | Salient req/s | FastAPI req/s | req/s ratio | Salient p99 | FastAPI p99 |",
         "|---|---:|---:|---:|---:|---:|"]
for ep in res["endpoints"].values():
    s, f = ep["salient"], ep["fastapi"]
    lines.append(f"| {ep['request']} | {s['requests_per_s']:,.0f} | {f['requests_per_s']:,.0f} | "
                 f"{ep['rps_ratio']:.1f}x | {s['p99_ms']:.2f} ms | {f['p99_ms']:.2f} ms |")
for ep in res["endpoints"].values():
    for side in ("salient", "fastapi"):
        se = {k: v for k, v in ep[side]["socket_errors"].items() if v}
        if se:
            lines.append(f"\nnote: {side} {ep['request']}: socket errors {se}")
if bad:
    lines.append("\nFAILED: " + "; ".join(bad))
md = "\n".join(lines) + "\n"
json.dump(res, open(out + ".json", "w"), indent=2)
open(out + ".md", "w").write(md)
print(md)
print(f"results: {out}.json", file=sys.stderr)
sys.exit(0 if res["ok"] else 1)
PY
