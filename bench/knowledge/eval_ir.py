# SPDX-License-Identifier: MIT
"""Retrieval quality of Salient's knowledge search, through the public API.

Starts `salient serve` on a fresh data dir, uploads every document of a
collection as JSON text (POST /v1/knowledge/sources), waits for the
ingestion jobs, runs every query in hybrid, vector and lexical mode
(POST /v1/knowledge/search, top_k=100 chunks, folded to documents by their
best chunk) and scores the rankings against graded judgments:

    mode     nDCG@10  Recall@10  MRR@10  p50 ms  p95 ms

nDCG uses the judgment grade as the gain (trec_eval's ndcg_cut, as BEIR
reports it); Recall@10 and MRR@10 count grade > 0 as relevant. Results go
to bench/results/knowledge-ir.json.

The collection is a directory in BEIR layout: corpus.jsonl
({"_id","title","text"}), queries.jsonl ({"_id","text"}) and
qrels/test.tsv (query-id, corpus-id, score; a header line is allowed).
No public collection with judgments is installable from the registries
this project may use without a download at run time (see README.md), so
the default is bench/knowledge/smoke: a SMALL SELF-MADE SET over the
project's samples, a smoke test and not a public benchmark.

    .venv/bin/python bench/knowledge/eval_ir.py [--collection DIR] [--bin build/salient]
        [--max-docs N] [--max-queries N] [--out FILE] [--self-test]

Only the standard library and requests (in .venv) are needed.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import pathlib
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import requests

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[1]
MODES = ("hybrid", "vector", "lexical")
K = 10
CHUNKS_PER_QUERY = 100


# ---- collection -----------------------------------------------------------------

def load_beir(path: pathlib.Path, max_docs: int | None, max_queries: int | None):
    corpus = {}
    with open(path / "corpus.jsonl", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                corpus[str(d["_id"])] = d
    queries = {}
    with open(path / "queries.jsonl", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                q = json.loads(line)
                queries[str(q["_id"])] = q["text"]
    qrels: dict[str, dict[str, int]] = {}
    qfile = path / "qrels" / "test.tsv"
    with open(qfile, encoding="utf-8") as f:
        for n, line in enumerate(f):
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3 or (n == 0 and not parts[2].lstrip("-").isdigit()):
                continue
            qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    queries = {q: t for q, t in queries.items() if q in qrels}
    if max_queries:
        queries = dict(list(queries.items())[:max_queries])
    if max_docs and len(corpus) > max_docs:
        # Keep every judged document of the kept queries, then fill up.
        keep = {d for q in queries for d in qrels[q] if d in corpus}
        for d in corpus:
            if len(keep) >= max_docs:
                break
            keep.add(d)
        corpus = {d: corpus[d] for d in corpus if d in keep}
    return corpus, queries, {q: qrels[q] for q in queries}


# ---- metrics ----------------------------------------------------------------------

def ndcg_at(ranking: list[str], rels: dict[str, int], k: int = K) -> float:
    dcg = sum(max(rels.get(d, 0), 0) / math.log2(i + 2) for i, d in enumerate(ranking[:k]))
    ideal = sorted((g for g in rels.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at(ranking: list[str], rels: dict[str, int], k: int = K) -> float:
    relevant = {d for d, g in rels.items() if g > 0}
    if not relevant:
        return 0.0
    return len(relevant & set(ranking[:k])) / len(relevant)


def mrr_at(ranking: list[str], rels: dict[str, int], k: int = K) -> float:
    for i, d in enumerate(ranking[:k]):
        if rels.get(d, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def self_test() -> None:
    rels = {"a": 2, "b": 1, "c": 0}
    assert ndcg_at(["a", "b"], rels) == 1.0
    assert abs(ndcg_at(["b", "a"], rels) - (1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3))) < 1e-12
    assert ndcg_at(["x", "y"], rels) == 0.0
    assert recall_at(["c", "b"], rels) == 0.5
    assert mrr_at(["c", "x", "a"], rels) == 1 / 3
    assert mrr_at(["x"] * 10 + ["a"], rels) == 0.0
    print("metrics self-test passed")


# ---- server ------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Salient:
    def __init__(self, binary: str, model_dir: str):
        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix="salient-ir-"))
        self.port = free_port()
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("SALIENT_", "DATABASE_URL", "REDIS_URL", "OPENAI_"))}
        self.env.update({"SALIENT_LISTEN": f"127.0.0.1:{self.port}",
                         "SALIENT_DATA_DIR": str(self.tmp / "data"),
                         "SALIENT_MODEL_DIR": model_dir, "SALIENT_LOG_LEVEL": "warn",
                         "SALIENT_RATE_LIMIT": "100000/s,burst=100000"})
        self.binary = binary
        self.base = f"http://127.0.0.1:{self.port}"
        self.http = requests.Session()
        self.log = open(self.tmp / "stderr.log", "wb")
        self.proc = subprocess.Popen([binary, "serve"], env=self.env, cwd=self.tmp,
                                     stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"salient serve exited: {(self.tmp / 'stderr.log').read_text()}")
            try:
                if requests.get(self.base + "/readyz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.1)
        else:
            raise SystemExit("salient serve not ready after 60 s")
        cp = subprocess.run([binary, "keys", "create", "--tenant", "ir", "--name", "eval",
                             "--scopes", "write,read"], env=self.env, cwd=self.tmp,
                            capture_output=True, text=True, check=True)
        self.http.headers["Authorization"] = "Bearer " + cp.stdout.strip()

    def post(self, path: str, body: dict) -> requests.Response:
        return self.http.post(self.base + path, json=body, timeout=120)

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.base + path, timeout=60)

    def close(self) -> None:
        self.http.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def ingest(srv: Salient, corpus: dict[str, dict]) -> dict[str, str]:
    """Uploads every document; returns source id -> doc id once all are
    ready."""
    src_to_doc, jobs = {}, {}
    t0 = time.monotonic()
    for n, (doc_id, d) in enumerate(corpus.items(), start=1):
        title = (d.get("title") or "").strip()[:200] or f"doc {doc_id}"
        text = d.get("text") or ""
        if not text.strip():
            text = title
        r = srv.post("/v1/knowledge/sources", {"title": title, "text": text, "format": "text",
                                               "tags": ["ir"]})
        if r.status_code == 200 and r.json().get("duplicate"):
            print(f"  {doc_id}: duplicate of another document, skipped", file=sys.stderr)
            continue
        if r.status_code != 202:
            raise SystemExit(f"upload of {doc_id} failed: {r.status_code} {r.text[:300]}")
        src = r.json()
        src_to_doc[src["id"]] = doc_id
        jobs[src["job_id"]] = doc_id
        if n % 500 == 0:
            print(f"  uploaded {n}/{len(corpus)}", file=sys.stderr)
    pending = set(jobs)
    while pending:
        for job_id in list(pending):
            job = srv.get(f"/v1/jobs/{job_id}").json()
            if job["status"] == "succeeded":
                pending.discard(job_id)
            elif job["status"] == "failed":
                raise SystemExit(f"ingestion of {jobs[job_id]} failed: {job['error']}")
        if pending:
            time.sleep(0.2)
    print(f"  ingested {len(src_to_doc)} documents in {time.monotonic() - t0:.1f} s",
          file=sys.stderr)
    return src_to_doc


def run_queries(srv: Salient, queries: dict[str, str], qrels, src_to_doc, mode: str) -> dict:
    ndcg, rec, mrr, lat = [], [], [], []
    for qid, text in queries.items():
        t0 = time.perf_counter()
        r = srv.post("/v1/knowledge/search", {"query": text, "mode": mode,
                                              "top_k": CHUNKS_PER_QUERY})
        lat.append((time.perf_counter() - t0) * 1000)
        if r.status_code != 200:
            raise SystemExit(f"search {qid} ({mode}) failed: {r.status_code} {r.text[:300]}")
        ranking, seen = [], set()
        for hit in r.json()["results"]:
            doc = src_to_doc.get(hit["source_id"])
            if doc is not None and doc not in seen:
                seen.add(doc)
                ranking.append(doc)
        ndcg.append(ndcg_at(ranking, qrels[qid]))
        rec.append(recall_at(ranking, qrels[qid]))
        mrr.append(mrr_at(ranking, qrels[qid]))
    lat.sort()
    return {"ndcg@10": statistics.fmean(ndcg), "recall@10": statistics.fmean(rec),
            "mrr@10": statistics.fmean(mrr), "p50_ms": lat[len(lat) // 2],
            "p95_ms": lat[min(len(lat) - 1, int(len(lat) * 0.95))], "queries": len(lat)}


def main() -> int:
    ap = argparse.ArgumentParser(description="nDCG@10 of Salient's knowledge search per mode")
    ap.add_argument("--collection", type=pathlib.Path, default=HERE / "smoke",
                    help="directory in BEIR layout (default: the self-made smoke set)")
    ap.add_argument("--bin", default=os.environ.get("SALIENT_BIN", str(REPO / "build" / "salient")))
    ap.add_argument("--model-dir", default=str(REPO / "models" / "all-MiniLM-L6-v2"))
    ap.add_argument("--max-docs", type=int, default=None)
    ap.add_argument("--max-queries", type=int, default=None)
    ap.add_argument("--out", type=pathlib.Path, default=REPO / "bench" / "results" /
                    "knowledge-ir.json")
    ap.add_argument("--self-test", action="store_true", help="check the metrics and exit")
    args = ap.parse_args()
    self_test()
    if args.self_test:
        return 0
    coll = args.collection.resolve()
    smoke = coll == (HERE / "smoke").resolve()
    corpus, queries, qrels = load_beir(coll, args.max_docs, args.max_queries)
    label = ("SMOKE TEST: self-made set over the samples, not a public collection" if smoke
             else f"collection {coll}")
    print(f"{label}: {len(corpus)} documents, {len(queries)} judged queries")
    srv = Salient(args.bin, args.model_dir)
    try:
        src_to_doc = ingest(srv, corpus)
        results = {m: run_queries(srv, queries, qrels, src_to_doc, m) for m in MODES}
    finally:
        srv.close()
    print(f"\n{'mode':8} {'nDCG@10':>8} {'Recall@10':>10} {'MRR@10':>8} {'p50 ms':>8} {'p95 ms':>8}")
    for m, r in results.items():
        print(f"{m:8} {r['ndcg@10']:8.4f} {r['recall@10']:10.4f} {r['mrr@10']:8.4f} "
              f"{r['p50_ms']:8.1f} {r['p95_ms']:8.1f}")
    out = {"collection": "smoke" if smoke else coll.name, "path": str(coll),
           "public_collection": not smoke, "documents": len(corpus), "queries": len(queries),
           "chunks_per_query": CHUNKS_PER_QUERY, "k": K, "gain": "grade (trec_eval ndcg_cut)",
           "binary": args.bin, "modes": results,
           "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
