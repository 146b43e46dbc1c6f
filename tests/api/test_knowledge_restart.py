# SPDX-License-Identifier: MIT
"""Restart safety of ingestion: SIGKILL the server while ingestion jobs run,
restart it on the same data dir, and every source ends ready exactly once
with ordinals 0..n-1, no duplicate chunks in search, and attempts >= 2 on
the interrupted jobs. The graceful variant (SIGTERM mid-job) must exit 0
within the stop timeout and leave the jobs resumable.
"""
from __future__ import annotations

import os
import random
import time

import pytest

from api_helpers import BIN
from knowledge_helpers import (JOB_TIMEOUT_S, accepted, assert_job_object, chunks_of, get_job,
                               list_all, search_ok, upload_text, wait_job, wait_source)

# After a restart the interrupted jobs are claimed again once their lease
# has expired (or at once, when start-up reclaims what a dead process held):
# allow for a lease of up to a minute on top of the work itself.
RESUME_TIMEOUT_S = JOB_TIMEOUT_S + 90

WORDS = ("pipeline forecast quota territory cadence sequence reply meeting prospect account "
         "renewal upsell discount pilot onboarding integration dashboard coaching enablement "
         "persona champion procurement security compliance rollout adoption churn expansion "
         "signal intent scoring dialer voicemail template calendar workflow handoff").split()


NATO = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]


def marker(seed: int) -> str:
    """A word unique to one document (no digits: a tokenizer may split them off)."""
    return f"{NATO[seed]}crashdoc"


def big_text(seed: int, target_bytes: int) -> str:
    """Deterministic prose-like text of about target_bytes in which every
    sentence names the document's marker word."""
    rng = random.Random(seed)
    marker_word = marker(seed)
    out = [f"{marker_word} handbook. This document belongs to {marker_word} only."]
    size = len(out[0])
    n = 0
    while size < target_bytes:
        words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
        words[0] = words[0].capitalize()
        s = " ".join(words) + f" in section {n} of {marker_word}."
        out.append(s)
        size += len(s) + 1
        n += 1
        if n % 12 == 0:
            out.append("\n\n")
    return " ".join(out)


# Big enough that ingestion is still running when the kill comes. The
# sanitizer build embeds many times slower, so it gets smaller documents
# (override with SALIENT_TEST_CRASH_SCALE).
SCALE = float(os.environ.get("SALIENT_TEST_CRASH_SCALE", "0.25" if "asan" in BIN else "1"))
DOC_SIZES = [int(n * SCALE) for n in (300_000, 300_000, 200_000, 20_000, 5_000, 2_000)]


def upload_all(srv, key, sizes=DOC_SIZES) -> list[dict]:
    """Uploads the documents, largest first, so the job seen running is a
    long one."""
    return [accepted(upload_text(srv, key, big_text(i, size), title=f"Crash doc {i}",
                                 source_type="playbook", timeout=60))
            for i, size in enumerate(sizes)]


def wait_running(srv, key, sources, timeout: float = 30.0) -> list[str]:
    """Polls until at least one ingestion job is running; returns the ids
    of the running ones."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running = [s["job_id"] for s in sources
                   if get_job(srv, key, s["job_id"])["status"] == "running"]
        if running:
            return running
        time.sleep(0.01)
    pytest.fail("no ingestion job was ever seen running")


def assert_all_ready_once(srv, key, sources) -> None:
    for s in sources:
        job = wait_job(srv, key, s["job_id"], timeout=RESUME_TIMEOUT_S)
        assert_job_object(job, "ingest")
        assert job["status"] == "succeeded", job
        done = wait_source(srv, key, s["id"], timeout=RESUME_TIMEOUT_S)
        assert done["status"] == "ready", done
    listed = list_all(srv, key, "/v1/knowledge/sources")
    assert sorted(x["id"] for x in listed) == sorted(s["id"] for s in sources)
    assert len({x["sha256"] for x in listed}) == len(sources)
    assert all(x["status"] == "ready" for x in listed), listed
    for i, s in enumerate(sources):
        src = next(x for x in listed if x["id"] == s["id"])
        chunks = chunks_of(srv, key, s["id"])
        assert [c["ordinal"] for c in chunks] == list(range(len(chunks))), s["id"]
        assert len(chunks) == src["chunk_count"] > 0
        assert len({c["id"] for c in chunks}) == len(chunks)
        hits = search_ok(srv, key, marker(i), mode="lexical", top_k=100)["results"]
        mine = [h for h in hits if h["source_id"] == s["id"]]
        assert mine, i
        assert {h["source_id"] for h in hits} == {s["id"]}, i
        texts = [h["text"] for h in mine]
        assert len(texts) == len(set(texts)), f"duplicate chunks of doc {i} in search"
        for mode in ("vector", "hybrid"):
            res = search_ok(srv, key, f"{marker(i)} handbook", mode=mode, top_k=100)["results"]
            keys = [(h["source_id"], h["text"]) for h in res]
            assert len(keys) == len(set(keys)), mode


def test_sigkill_during_ingestion_resumes_with_one_copy(server, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    first = server(data_dir=data)
    key = first.create_key(tenant="acme", name="crash")["key"]
    sources = upload_all(first, key)
    running = wait_running(first, key, sources)
    first.kill()  # at once: the job seen running is still running

    second = server(data_dir=data)
    assert_all_ready_once(second, key, sources)
    for job_id in running:
        job = get_job(second, key, job_id)
        assert job["attempts"] >= 2, job
    for s in sources:
        job = get_job(second, key, s["job_id"])
        assert 1 <= job["attempts"] <= 3, job


def test_sigterm_during_ingestion_exits_0_and_resumes(server, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    first = server(data_dir=data)
    key = first.create_key(tenant="acme", name="term")["key"]
    sources = upload_all(first, key, [DOC_SIZES[0], DOC_SIZES[2], DOC_SIZES[4]])
    wait_running(first, key, sources)
    t0 = time.monotonic()
    assert first.stop() == 0, first.stderr()[-3000:]
    assert time.monotonic() - t0 < 10.0
    second = server(data_dir=data)
    assert_all_ready_once(second, key, sources)


def test_kill_twice_still_converges(server, tmp_path):
    """Two crashes in a row (the second one soon after the restart) do not
    leave half-written sources or duplicate chunks behind."""
    data = tmp_path / "data"
    data.mkdir()
    first = server(data_dir=data)
    key = first.create_key(tenant="acme", name="crash2")["key"]
    sources = upload_all(first, key, [DOC_SIZES[0], DOC_SIZES[3], DOC_SIZES[4]])
    wait_running(first, key, sources)
    first.kill()
    second = server(data_dir=data)
    time.sleep(0.5)
    second.kill()
    third = server(data_dir=data)
    assert_all_ready_once(third, key, sources)
