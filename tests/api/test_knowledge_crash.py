# SPDX-License-Identifier: MIT
"""Crash safety of ingestion and the knowledge CLI.

The server is SIGKILLed while ingestion jobs run; after a restart on the
same data dir every source ends ready exactly once: chunk ordinals are
0..n-1 with no duplicates, search never returns the same chunk twice, and
the interrupted job ran again (attempts >= 2). Then `salient ingest`,
`salient search` and `salient seed` on a data dir a server also uses.
"""
from __future__ import annotations

import json
import time

from api_helpers import REPO, Server, base_env, new_tmpdir, run_cli, text
from knowledge_helpers import (SAMPLE_FILES, chunks_of, get_job, list_all, search_ok, upload_sample,
                               upload_text, wait_source)

WORDS = ("pipeline forecast quota renewal onboarding integration security pricing discount "
         "champion procurement rollout adoption coaching territory cadence").split()


def _long_text(seed: int, sentences: int) -> str:
    out = []
    for i in range(sentences):
        w = [WORDS[(seed * 7 + i * 3 + k) % len(WORDS)] for k in range(12)]
        out.append(f"Note {seed}-{i}: the " + " ".join(w) + " keeps the account on track.")
    return " ".join(out)


def test_kill9_during_ingestion_leaves_exactly_one_copy(server):
    data = new_tmpdir()
    srv = server(data_dir=data)
    key = srv.create_key()["key"]
    ids = []
    for s in range(4):  # large enough that embedding takes a while
        r = upload_text(srv, key, _long_text(s, 600), title=f"Long notes {s}")
        assert r.status_code == 202, r.text
        ids.append((r.json()["id"], r.json()["job_id"]))
    for name in SAMPLE_FILES:
        r = upload_sample(srv, key, name)
        assert r.status_code == 202, r.text
        ids.append((r.json()["id"], r.json()["job_id"]))
    # Kill it while a job is running (not before, not after everything).
    deadline = time.time() + 60
    while time.time() < deadline:
        if any(get_job(srv, key, j)["status"] == "running" for _, j in ids):
            break
        time.sleep(0.05)
    else:
        raise AssertionError("no job started running")
    interrupted = [j for _, j in ids if get_job(srv, key, j)["status"] == "running"]
    srv.kill()

    again = server(data_dir=data)
    for sid, _ in ids:
        src = wait_source(again, key, sid, timeout=180)
        assert src["status"] == "ready", src
        chunks = chunks_of(again, key, sid)
        assert [c["ordinal"] for c in chunks] == list(range(len(chunks))), sid
        assert len({c["id"] for c in chunks}) == len(chunks)
        assert src["chunk_count"] == len(chunks), src
    assert any(get_job(again, key, j)["attempts"] >= 2 for j in interrupted), interrupted
    out = search_ok(again, key, "renewal onboarding integration", top_k=50)
    seen = [h["chunk_id"] for h in out["results"]]
    assert len(seen) == len(set(seen)) and seen
    assert len(list_all(again, key, "/v1/knowledge/sources")) == len(ids)


def test_cli_ingest_search_seed_and_a_running_server_sees_them(server):
    data = new_tmpdir()
    env = base_env({"SALIENT_DATA_DIR": str(data)})
    sample = REPO / "samples" / "knowledge" / "pricing-playbook.docx"
    cp = run_cli(["ingest", "--tenant", "acme", "--json", str(sample)], env, data)
    out, err = text(cp)
    assert cp.returncode == 0, err
    assert "1 ready, 0 failed" in err, err
    src = json.loads(out.splitlines()[0])
    assert src["status"] == "ready" and src["chunk_count"] > 0, src

    # The same file again is recognised; a file we cannot read fails clearly.
    cp = run_cli(["ingest", "--tenant", "acme", str(sample)], env, data)
    assert cp.returncode == 0 and "1 already present" in text(cp)[1], text(cp)
    bad = data / "photo.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    cp = run_cli(["ingest", "--tenant", "acme", str(bad)], env, data)
    assert cp.returncode == 1 and "unsupported file type" in text(cp)[1], text(cp)

    cp = run_cli(["search", "--tenant", "acme", "--mode", "lexical", "--top-k", "3",
                  "Discount Desk"], env, data)
    out, err = text(cp)
    assert cp.returncode == 0, err
    assert "Pricing Playbook" in out and "Discount Desk" in out, out

    # A server on the same data; seed beside it; its next search sees the rest.
    srv = server(data_dir=data)
    key = srv.create_key(tenant="acme")["key"]
    cp = run_cli(["seed", "--tenant", "acme", str(REPO / "samples" / "knowledge")], env, data)
    assert cp.returncode == 0, text(cp)[1]
    time.sleep(0.5)
    hits = search_ok(srv, key, "Gantry", mode="lexical")["results"]
    assert any(h["filename"] == "case-study.pptx" for h in hits), hits
    cp = run_cli(["search", "--tenant", "nobody", "x"], env, data)
    assert cp.returncode == 1 and "no such tenant" in text(cp)[1]
