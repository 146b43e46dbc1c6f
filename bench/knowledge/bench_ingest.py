# SPDX-License-Identifier: MIT
"""Ingestion throughput of the whole pipeline, where the time goes.

Generates a deterministic corpus of sales documents (Markdown "pages" of
~450 words with headings, and the four samples as PDF/DOCX/PPTX/MD), runs
`salient ingest --json` on a fresh data dir, and reads the per-source log
line ("source ingested": extract/chunk/concepts/embed/index ms, chunks,
tokens). Reports pages/s and tokens/s overall and per stage, and each
stage's share of the time; the DESIGN.md expectation is that embedding
dominates. Writes bench/results/knowledge-ingest.json.

    .venv/bin/python bench/knowledge/bench_ingest.py [--bin build/salient] [--docs 40]
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import random
import shutil
import subprocess
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[2]
STAGES = ("extract", "chunk", "concepts", "embed", "index")
WORDS = ("pipeline forecast quota renewal onboarding integration security pricing discount "
         "champion procurement rollout adoption coaching territory cadence sequence reply "
         "meeting prospect account executive manager dashboard analytics compliance audit "
         "migration workflow template playbook objection budget approval contract seat").split()


def page(rng: random.Random, n: int) -> str:
    out = [f"## Section {n}: {rng.choice(WORDS).title()} and {rng.choice(WORDS)}"]
    for _ in range(5):
        sents = []
        for _ in range(rng.randint(4, 7)):
            w = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
            sents.append(" ".join(w).capitalize() + f", cutting cycle time by {rng.randint(5, 60)}%.")
        out.append(" ".join(sents))
    return "\n\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(REPO / "build" / "salient"))
    ap.add_argument("--docs", type=int, default=40, help="generated documents of 5 pages each")
    ap.add_argument("--out", default=str(REPO / "bench" / "results" / "knowledge-ingest.json"))
    a = ap.parse_args()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="salient-bench-ingest-"))
    rng = random.Random(20261202)
    files = []
    for d in range(a.docs):
        p = tmp / f"doc-{d:03d}.md"
        p.write_text(f"# Playbook {d}\n\n" + "\n\n".join(page(rng, i) for i in range(5)))
        files.append(p)
    files += sorted((REPO / "samples" / "knowledge").iterdir())
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALIENT_")}
    env.update(SALIENT_DATA_DIR=str(tmp / "data"), SALIENT_LOG_LEVEL="info",
               SALIENT_MODEL_DIR=str(REPO / "models" / "all-MiniLM-L6-v2"))
    t0 = time.monotonic()
    cp = subprocess.run([a.bin, "ingest", "--tenant", "bench", *map(str, files)], env=env,
                        capture_output=True, text=True, cwd=tmp)
    wall = time.monotonic() - t0
    if cp.returncode != 0:
        print(cp.stderr[-3000:])
        return 1
    logs = [json.loads(l) for l in cp.stderr.splitlines() if l.startswith("{")]
    done = [l for l in logs if l.get("msg") == "source ingested"]
    ms = {s: sum(l[f"{s}_ms"] for l in done) for s in STAGES}
    total_ms = sum(ms.values())
    chunks = sum(l["chunks"] for l in done)
    tokens = sum(l["tokens"] for l in done)
    pages = a.docs * 5 + 3 + 6 + 1  # generated pages + PDF (3) + PPTX (6 slides) + FAQ
    print(f"machine: {os.cpu_count()} cores; {len(done)} sources, ~{pages} pages, "
          f"{chunks} chunks, {tokens} tokens; wall {wall:.1f} s (process start and model "
          f"load included)")
    print(f"{'stage':10} {'ms':>9} {'share':>7} {'pages/s':>9} {'tokens/s':>10}")
    for s in STAGES:
        sec = ms[s] / 1000
        print(f"{s:10} {ms[s]:9.1f} {ms[s] / total_ms:7.1%} {pages / sec if sec else 0:9.0f} "
              f"{tokens / sec if sec else 0:10.0f}")
    sec = total_ms / 1000
    print(f"{'pipeline':10} {total_ms:9.1f} {1:7.0%} {pages / sec:9.1f} {tokens / sec:10.0f}")
    out = {"sources": len(done), "pages": pages, "chunks": chunks, "tokens": tokens,
           "wall_s": wall, "stage_ms": ms, "pages_per_s": pages / sec, "tokens_per_s": tokens / sec,
           "embed_share": ms["embed"] / total_ms, "cores": os.cpu_count()}
    pathlib.Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(a.out).write_text(json.dumps(out, indent=2) + "\n")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
