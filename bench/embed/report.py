#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Markdown report of one embedding benchmark run (bench/embed/run.sh).

    python3 report.py OURS.json [REF.json] [--vectors OURS.f32 REF.f32 DIMS]

Reads bench_embed's JSON and ref_bench.py's JSON and prints Markdown:
machine, throughput per (engine, threads, batch) with the ratio to ONNX
Runtime fp32 at the same threads and batch, single-query latency, and (with
--vectors) the cosine between our corpus vectors and ONNX Runtime's.
Standard library only, so it runs without the reference venv.
"""
import argparse
import json
import math
import struct
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def fmt(x, nd=1):
    return "-" if x is None else f"{x:,.{nd}f}"


def ratio(a, b):
    return "-" if not a or not b else f"{a / b:.2f}x"


def cosine_stats(ours, ref, dims):
    with open(ours, "rb") as f:
        a = f.read()
    with open(ref, "rb") as f:
        b = f.read()
    if len(a) != len(b) or len(a) % (4 * dims):
        return None
    n = len(a) // (4 * dims)
    fa = struct.unpack(f"<{n * dims}f", a)
    fb = struct.unpack(f"<{n * dims}f", b)
    worst, total, below = 1.0, 0.0, 0
    for i in range(n):
        x, y = fa[i * dims:(i + 1) * dims], fb[i * dims:(i + 1) * dims]
        dot = sum(p * q for p, q in zip(x, y))
        nx = math.sqrt(sum(p * p for p in x)) or 1e-12
        ny = math.sqrt(sum(q * q for q in y)) or 1e-12
        c = dot / (nx * ny)
        worst = min(worst, c)
        total += c
        below += c < 0.9999
    return {"texts": n, "cos_min": worst, "cos_mean": total / n, "below_0_9999": below}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ours")
    ap.add_argument("ref", nargs="?")
    ap.add_argument("--vectors", nargs=3, metavar=("OURS", "REF", "DIMS"))
    args = ap.parse_args()

    ours = load(args.ours)
    ref = load(args.ref) if args.ref else {"results": []}
    rows = [r for r in ours["results"]] + [r for r in ref["results"] if "skipped" not in r]
    skipped = [r for r in ref["results"] if "skipped" in r]

    mc = ours["machine"]
    out = []
    out.append("# Embedding benchmark: all-MiniLM-L6-v2\n")
    out.append(f"- machine: {mc['model']}, {mc['cores']} cores, {mc['ghz']:.3f} GHz "
               f"({mc['ghz_source']}); peak {mc['peak_gflops']} GFLOP/s fp32 "
               f"(cores x GHz x {mc['flops_per_cycle']} FLOPs/cycle, AVX2 FMA), "
               f"{mc['peak_gflops_1core']} on one core")
    out.append(f"- load average at start: {mc['loadavg_start']}, at end: "
               f"{ours.get('loadavg_end')} (the machine must be otherwise idle)")
    out.append(f"- OpenBLAS: {mc.get('openblas_config')}")
    out.append(f"- corpus: {ours['corpus']}, {ours['texts']} texts, {ours['tokens']:,} tokens "
               f"(after truncation at {ours['model']['max_seq_len']}), "
               f"{ours['gflop_total']:.1f} GFLOP of encoder work")
    if ref.get("versions"):
        v = ref["versions"]
        out.append("- reference: " + ", ".join(f"{k} {v[k]}" for k in v if v[k]))
    out.append("- every engine tokenises inside the timed region; batches are consecutive "
               "corpus lines; GFLOP/s counts real (unpadded) tokens only; % of peak is "
               "against the fp32 peak, so int8 rows can pass 100%\n")

    # Throughput.
    base = {(r["threads"], r["batch"]): r["sentences_per_s"] for r in rows
            if r.get("backend") == "ort-fp32" and r.get("mode") == "batch"}
    out.append("## Throughput\n")
    out.append("| engine | mode | threads | batch | sentences/s | tokens/s | GFLOP/s | "
               "% of peak | padded / real tokens | vs ORT fp32 |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    order = {"salient": 0, "ort-fp32": 1, "ort-int8": 2, "ort-int8-dynamic": 3, "st": 4}
    tput = [r for r in rows if r.get("mode") not in ("latency",)]
    tput.sort(key=lambda r: (-r["threads"], r.get("batch", 0), order.get(r["backend"], 9),
                             r.get("mode", "")))
    for r in tput:
        mode = r.get("mode") if r["backend"] == "salient" else "session" \
            if r["backend"].startswith("ort") else "encode()"
        b = base.get((r["threads"], r["batch"]))
        batch = "all" if r.get("mode") == "stream" else r["batch"]
        out.append(f"| {r['backend']} | {mode} | {r['threads']} | {batch} | "
                   f"{fmt(r['sentences_per_s'])} | {fmt(r['tokens_per_s'], 0)} | "
                   f"{fmt(r['gflops'])} | {fmt(100 * r['peak_fraction'])} | "
                   f"{fmt(r['padded_tokens'] / r['tokens'], 2) if r.get('padded_tokens') else '-'}"
                   f" | {ratio(r['sentences_per_s'], b) if r['mode'] != 'stream' else '-'} |")

    # Latency.
    lbase = {r["threads"]: r["p50_ms"] for r in rows
             if r.get("backend") == "ort-fp32" and r.get("mode") == "latency"}
    lat = [r for r in rows if r.get("mode") == "latency"]
    lat.sort(key=lambda r: (-r["threads"], order.get(r["backend"], 9)))
    if lat:
        q = lat[0]
        out.append(f"\n## Single-query latency ({q['query_tokens']} tokens: \"{q['query']}\", "
                   f"{q['runs']} runs after warm-up; target p50 < 5 ms)\n")
        out.append("| engine | threads | p50 ms | p95 ms | p99 ms | GFLOP/s at p50 | "
                   "speed vs ORT fp32 (its p50 / p50) |")
        out.append("|---|---:|---:|---:|---:|---:|---:|")
        for r in lat:
            b = lbase.get(r["threads"])
            sp = f"{b / r['p50_ms']:.2f}x" if b else "-"
            out.append(f"| {r['backend']} | {r['threads']} | {fmt(r['p50_ms'], 3)} | "
                       f"{fmt(r['p95_ms'], 3)} | {fmt(r.get('p99_ms'), 3)} | "
                       f"{fmt(r['gflops_p50'])} | {sp} |")

    if args.vectors:
        st = cosine_stats(args.vectors[0], args.vectors[1], int(args.vectors[2]))
        out.append("\n## Agreement with ONNX Runtime fp32 (corpus vectors, batch 32)\n")
        if st is None:
            out.append("vector files differ in size: not compared")
        else:
            out.append(f"{st['texts']} texts: cosine min {st['cos_min']:.7f}, mean "
                       f"{st['cos_mean']:.7f}, {st['below_0_9999']} below 0.9999")

    for r in skipped:
        out.append(f"\n- {r['backend']} (threads {r['threads']}) skipped: {r['skipped']}")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
