# SPDX-License-Identifier: MIT
"""Helpers for the knowledge API tests: uploads (multipart and JSON), job
and source polling, pagination, searches, the object shapes of API.md, and
what the sample documents under samples/knowledge/ contain (see
scripts/samples/content.py, which makes them).

Where API.md leaves a detail open these helpers pin one reading; the
assumptions are listed in tests/api/KNOWLEDGE_ASSUMPTIONS.md.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import pathlib
import re
import sys
import time
import uuid
from typing import Any, Iterable

import pytest
import requests

from api_helpers import REPO, TIME_RE, Server

SAMPLES = REPO / "samples" / "knowledge"
sys.path.insert(0, str(REPO / "scripts" / "samples"))
import content as SAMPLE_CONTENT  # noqa: E402  (the facts the samples state)

# Ingestion of a sample takes well under a second on the normal build; the
# ASan+UBSan build is many times slower, so waits are generous.
JOB_TIMEOUT_S = float(os.environ.get("SALIENT_TEST_JOB_TIMEOUT", "90"))
POLL_S = 0.05

SRC_ID_RE = re.compile(r"^src_[0-9A-Za-z]+$")
CHK_ID_RE = re.compile(r"^chk_[0-9A-Za-z]+$")
CON_ID_RE = re.compile(r"^con_[0-9A-Za-z]+$")
JOB_ID_RE = re.compile(r"^job_[0-9A-Za-z]+$")
SHA_RE = re.compile(r"^[0-9a-f]{64}$")

SOURCE_FIELDS = {"id", "title", "filename", "media_type", "size_bytes", "sha256", "source_type",
                 "tags", "status", "error", "page_count", "chunk_count", "concept_count",
                 "token_count", "embedding_model", "processing_ms", "job_id", "created_at",
                 "updated_at"}
CHUNK_FIELDS = {"id", "source_id", "ordinal", "text", "page", "section", "token_count",
                "concepts"}
JOB_FIELDS = {"id", "type", "status", "attempts", "error", "progress", "created_at",
              "started_at", "finished_at"}
CONCEPT_FIELDS = {"id", "name", "type", "mentions", "source_count"}
RESULT_FIELDS = {"chunk_id", "source_id", "source_title", "filename", "page", "section", "text",
                 "highlights", "score", "scores", "concepts"}
SOURCE_TYPES = ["product_sheet", "playbook", "case_study", "pricing", "battlecard", "faq",
                "other"]
CONCEPT_TYPES = ["product", "feature", "benefit", "metric", "price", "competitor", "objection",
                 "industry", "persona", "keyphrase"]
SOURCE_STATUSES = ["pending", "processing", "ready", "failed"]
JOB_STATUSES = ["queued", "running", "succeeded", "failed"]
MODEL_ID = "all-MiniLM-L6-v2"
# The chunker aims at 256 model tokens and may run over to finish a
# sentence; none of the samples has a sentence near the 510 hard cap.
MAX_CHUNK_TOKENS = 384

MEDIA = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".md": "text/markdown",
    ".txt": "text/plain",
    ".html": "text/html",
}
FORMAT_MEDIA = {"text": "text/plain", "markdown": "text/markdown", "html": "text/html"}

# name -> (title given at upload, source_type, tags, page_count or None)
SAMPLE_FILES = {
    "product-sheet.pdf": (SAMPLE_CONTENT.PRODUCT_SHEET_TITLE, "product_sheet",
                          ["product", "2026"], len(SAMPLE_CONTENT.PRODUCT_SHEET)),
    "pricing-playbook.docx": (SAMPLE_CONTENT.PLAYBOOK_TITLE, "pricing", ["pricing", "2026"],
                              None),
    "case-study.pptx": (SAMPLE_CONTENT.CASE_STUDY_TITLE, "case_study", ["proof", "logistics"],
                        len(SAMPLE_CONTENT.CASE_STUDY)),
    "faq.md": (SAMPLE_CONTENT.FAQ_TITLE, "faq", ["faq"], None),
}
MARKERS = SAMPLE_CONTENT.MARKERS

# Paraphrases that share no content word with the passage they are about
# (checked with the model on the samples' sections): vector search must
# find the file anyway.
PARAPHRASES = [
    ("third-party auditors and hackers probing our defences", "product-sheet.pdf"),
    ("cost of a user licence", "pricing-playbook.docx"),
    ("faster productivity for newly hired sellers at a shipping firm", "case-study.pptx"),
    ("wiping a person's details entirely when they ask", "faq.md"),
]


def sample_bytes(name: str) -> bytes:
    path = SAMPLES / name
    if not path.is_file():
        pytest.fail(f"{path} missing: run .venv/bin/python scripts/samples/make_samples.py")
    return path.read_bytes()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def unique_tenant(tag: str = "t") -> str:
    return f"{tag}-{uuid.uuid4().hex[:12]}"


def parse_time(s: str) -> dt.datetime:
    assert isinstance(s, str) and TIME_RE.match(s), s
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


# ---- uploads ------------------------------------------------------------------

def upload_file(srv: Server, key: str | None, data: bytes, filename: str,
                title: str | None = None, source_type: str | None = None,
                tags: str | None = None, content_type: str = "application/octet-stream",
                **kw: Any) -> requests.Response:
    """POSTs one file as multipart/form-data (field "file")."""
    fields: dict[str, Any] = {}
    if title is not None:
        fields["title"] = (None, title)
    if source_type is not None:
        fields["source_type"] = (None, source_type)
    if tags is not None:
        fields["tags"] = (None, tags)
    fields["file"] = (filename, data, content_type)
    kw.setdefault("timeout", 60.0)
    return srv.post("/v1/knowledge/sources", key, files=fields, **kw)


def upload_sample(srv: Server, key: str, name: str, **kw: Any) -> requests.Response:
    title, stype, tags, _ = SAMPLE_FILES[name]
    return upload_file(srv, key, sample_bytes(name), name, title=title, source_type=stype,
                       tags=",".join(tags), content_type=MEDIA[pathlib.Path(name).suffix], **kw)


def upload_text(srv: Server, key: str | None, text: str, title: str = "A note",
                fmt: str | None = "text", source_type: str | None = None,
                tags: list[str] | None = None, **kw: Any) -> requests.Response:
    body: dict[str, Any] = {"title": title, "text": text}
    if fmt is not None:
        body["format"] = fmt
    if source_type is not None:
        body["source_type"] = source_type
    if tags is not None:
        body["tags"] = tags
    return srv.post("/v1/knowledge/sources", key, json=body, **kw)


# ---- polling --------------------------------------------------------------------

def get_job(srv: Server, key: str, job_id: str) -> dict:
    r = srv.get(f"/v1/jobs/{job_id}", key)
    assert r.status_code == 200, (r.status_code, r.text[:500])
    return r.json()


def wait_job(srv: Server, key: str, job_id: str, timeout: float = JOB_TIMEOUT_S) -> dict:
    """Polls a job until it is succeeded or failed; returns it."""
    deadline = time.monotonic() + timeout
    job = None
    while time.monotonic() < deadline:
        job = get_job(srv, key, job_id)
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(POLL_S)
    pytest.fail(f"job {job_id} not finished after {timeout}s: {job}\n{srv.stderr()[-3000:]}")


def get_source(srv: Server, key: str, source_id: str) -> dict:
    r = srv.get(f"/v1/knowledge/sources/{source_id}", key)
    assert r.status_code == 200, (r.status_code, r.text[:500])
    return r.json()


def wait_source(srv: Server, key: str, source_id: str, timeout: float = JOB_TIMEOUT_S) -> dict:
    """Polls a source until it is ready or failed; returns it."""
    deadline = time.monotonic() + timeout
    src = None
    while time.monotonic() < deadline:
        src = get_source(srv, key, source_id)
        assert src["status"] in SOURCE_STATUSES, src
        if src["status"] in ("ready", "failed"):
            return src
        time.sleep(POLL_S)
    pytest.fail(f"source {source_id} not done after {timeout}s: {src}\n{srv.stderr()[-3000:]}")


def accepted(r: requests.Response) -> dict:
    """Asserts a 202 pending source with a job id; returns it."""
    assert r.status_code == 202, (r.status_code, r.text[:800])
    assert r.headers["Content-Type"].split(";")[0].strip() == "application/json"
    src = r.json()
    assert SRC_ID_RE.match(src.get("id", "")), src
    assert src["status"] == "pending", src
    assert JOB_ID_RE.match(src.get("job_id") or ""), src
    assert src.get("duplicate") in (None, False), src
    return src


def ready(srv: Server, key: str, r: requests.Response) -> dict:
    """Asserts the upload was accepted and became ready; returns the
    ready source."""
    src = accepted(r)
    job = wait_job(srv, key, src["job_id"])
    assert job["status"] == "succeeded", job
    done = wait_source(srv, key, src["id"])
    assert done["status"] == "ready", done
    return done


def ingest_samples(srv: Server, key: str, names: Iterable[str] = tuple(SAMPLE_FILES)) -> dict:
    """Uploads samples (all of them, at once) and waits until each is
    ready; returns {filename: source}."""
    pending = {n: accepted(upload_sample(srv, key, n)) for n in names}
    out = {}
    for n, src in pending.items():
        job = wait_job(srv, key, src["job_id"])
        assert job["status"] == "succeeded", (n, job)
        out[n] = wait_source(srv, key, src["id"])
        assert out[n]["status"] == "ready", (n, out[n])
    return out


def ingest_text(srv: Server, key: str, text: str, **kw: Any) -> dict:
    return ready(srv, key, upload_text(srv, key, text, **kw))


# ---- lists and searches ---------------------------------------------------------

def list_all(srv: Server, key: str, path: str, params: dict | None = None,
             limit: int = 100) -> list[dict]:
    """Follows next_cursor to the end; asserts the page shape and limit."""
    items: list[dict] = []
    cursor = None
    for _ in range(1000):
        q = dict(params or {})
        q["limit"] = limit
        if cursor is not None:
            q["cursor"] = cursor
        r = srv.get(path, key, params=q)
        assert r.status_code == 200, (r.status_code, r.text[:500])
        body = r.json()
        assert set(body) >= {"items", "next_cursor"}, body
        assert isinstance(body["items"], list) and len(body["items"]) <= limit, body
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items
        assert isinstance(cursor, str) and cursor, body
    pytest.fail(f"pagination of {path} does not end")


def chunks_of(srv: Server, key: str, source_id: str, limit: int = 100) -> list[dict]:
    return list_all(srv, key, f"/v1/knowledge/sources/{source_id}/chunks", limit=limit)


def search(srv: Server, key: str | None, query: Any, **body: Any) -> requests.Response:
    payload = {"query": query}
    payload.update(body)
    return srv.post("/v1/knowledge/search", key, json=payload)


def search_ok(srv: Server, key: str, query: str, **body: Any) -> dict:
    r = search(srv, key, query, **body)
    assert r.status_code == 200, (r.status_code, r.text[:800])
    out = r.json()
    assert_search_response(out, query, body.get("mode", "hybrid"), body.get("top_k", 10))
    return out


# ---- shapes -------------------------------------------------------------------------

def assert_concept_ref(c: dict) -> None:
    assert {"id", "name", "type"} <= set(c), c
    assert CON_ID_RE.match(c["id"]), c
    assert isinstance(c["name"], str) and c["name"].strip(), c
    assert c["type"] in CONCEPT_TYPES, c


def assert_source_object(src: dict) -> None:
    """Every field of API.md's source object, with its type."""
    assert SOURCE_FIELDS <= set(src), SOURCE_FIELDS - set(src)
    assert SRC_ID_RE.match(src["id"]), src
    assert isinstance(src["title"], str) and src["title"], src
    assert len(src["title"]) <= 200, src
    assert src["filename"] is None or isinstance(src["filename"], str), src
    assert isinstance(src["media_type"], str) and "/" in src["media_type"], src
    assert isinstance(src["size_bytes"], int) and src["size_bytes"] > 0, src
    assert SHA_RE.match(src["sha256"]), src
    assert src["source_type"] in SOURCE_TYPES, src
    assert isinstance(src["tags"], list) and all(isinstance(t, str) for t in src["tags"]), src
    assert src["status"] in SOURCE_STATUSES, src
    if src["status"] == "failed":
        assert isinstance(src["error"], str) and src["error"].strip(), src
    else:
        assert src["error"] in (None, ""), src
    assert src["page_count"] is None or (isinstance(src["page_count"], int)
                                         and src["page_count"] >= 0), src
    for f in ("chunk_count", "concept_count", "token_count", "processing_ms"):
        assert isinstance(src[f], int) and src[f] >= 0, (f, src)
    assert JOB_ID_RE.match(src["job_id"] or ""), src
    created, updated = parse_time(src["created_at"]), parse_time(src["updated_at"])
    assert updated >= created, src
    now = dt.datetime.now(dt.timezone.utc)
    assert abs((now - created).total_seconds()) < 3600, src
    if src["status"] == "ready":
        assert src["chunk_count"] > 0 and src["token_count"] > 0, src
        assert src["embedding_model"] == MODEL_ID, src


def assert_chunk_object(c: dict, source_id: str | None = None) -> None:
    assert CHUNK_FIELDS <= set(c), CHUNK_FIELDS - set(c)
    assert CHK_ID_RE.match(c["id"]), c
    if source_id is not None:
        assert c["source_id"] == source_id, c
    assert isinstance(c["ordinal"], int) and c["ordinal"] >= 0, c
    assert isinstance(c["text"], str) and c["text"].strip(), c
    assert c["page"] is None or (isinstance(c["page"], int) and c["page"] >= 1), c
    assert c["section"] is None or isinstance(c["section"], str), c
    assert isinstance(c["token_count"], int) and 0 < c["token_count"] <= MAX_CHUNK_TOKENS, c
    assert isinstance(c["concepts"], list), c
    for con in c["concepts"]:
        assert_concept_ref(con)
    assert len({con["id"] for con in c["concepts"]}) == len(c["concepts"]), c


def assert_job_object(job: dict, job_type: str | None = None) -> None:
    assert JOB_FIELDS <= set(job), JOB_FIELDS - set(job)
    assert JOB_ID_RE.match(job["id"]), job
    if job_type is not None:
        assert job["type"] == job_type, job
    assert job["status"] in JOB_STATUSES, job
    assert isinstance(job["attempts"], int) and job["attempts"] >= 0, job
    assert isinstance(job["progress"], (int, float)) and 0 <= job["progress"] <= 1, job
    created = parse_time(job["created_at"])
    if job["status"] == "queued":
        assert job["finished_at"] is None, job
    if job["status"] in ("running", "succeeded", "failed"):
        assert job["attempts"] >= 1, job
        assert parse_time(job["started_at"]) >= created, job
    if job["status"] in ("succeeded", "failed"):
        assert parse_time(job["finished_at"]) >= parse_time(job["started_at"]), job
    if job["status"] == "succeeded":
        assert job["error"] in (None, ""), job
        assert job["progress"] == 1, job
    if job["status"] == "failed":
        assert isinstance(job["error"], str) and job["error"].strip(), job


def assert_search_response(body: dict, query: str, mode: str, top_k: int) -> None:
    assert {"query", "mode", "took_ms", "results"} <= set(body), body
    assert body["query"] == query, body
    assert body["mode"] == mode, body
    assert isinstance(body["took_ms"], (int, float)) and body["took_ms"] >= 0, body
    results = body["results"]
    assert isinstance(results, list) and len(results) <= top_k, body
    for h in results:
        assert RESULT_FIELDS <= set(h), RESULT_FIELDS - set(h)
        assert CHK_ID_RE.match(h["chunk_id"]) and SRC_ID_RE.match(h["source_id"]), h
        assert isinstance(h["source_title"], str) and h["source_title"], h
        assert h["filename"] is None or isinstance(h["filename"], str), h
        assert h["page"] is None or (isinstance(h["page"], int) and h["page"] >= 1), h
        assert h["section"] is None or isinstance(h["section"], str), h
        assert isinstance(h["text"], str) and h["text"], h
        assert isinstance(h["highlights"], list), h
        assert all(isinstance(s, str) for s in h["highlights"]), h
        assert isinstance(h["score"], (int, float)), h
        assert {"vector", "lexical", "fused"} <= set(h["scores"]), h
        for v in h["scores"].values():
            assert isinstance(v, (int, float)), h
        assert abs(h["score"] - h["scores"]["fused"]) < 1e-6, h
        for con in h["concepts"]:
            assert_concept_ref(con)
    scores = [h["score"] for h in results]
    assert scores == sorted(scores, reverse=True), scores
    assert len({h["chunk_id"] for h in results}) == len(results), body


def section_parts(section: str | None) -> list[str]:
    return [p.strip() for p in (section or "").split(">") if p.strip()]
