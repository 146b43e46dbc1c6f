# SPDX-License-Identifier: MIT
"""CLI of the knowledge pipeline: `salient ingest FILE...`, `salient search
TEXT`, `salient seed`, run against a data dir given by SALIENT_DATA_DIR, and
checked through the HTTP API of a server started on that data dir.

Marked cli_contract: the exact output formats are not fixed yet, so these
tests assert robust properties only (exit codes, a reason on failure, the
sample's file name or title in search output, --json where it exists).
Assumptions beyond API.md/DESIGN.md: `--tenant NAME` on ingest and search
(default "acme", like seed), ingestion runs inline so the sources are ready
when the command exits, and seed finds samples/knowledge/ relative to the
working directory (the repository root, as `make run` uses it).
"""
from __future__ import annotations

import json
import os
import pathlib

import pytest

from api_helpers import REPO, text
from knowledge_helpers import SAMPLE_FILES, SAMPLES, list_all, sha256, sample_bytes

pytestmark = pytest.mark.cli_contract

TIMEOUT = 300.0  # four documents embedded inline; the ASan build is slow


@pytest.fixture
def data_env(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    return {"SALIENT_DATA_DIR": str(d)}


def sources_via_api(server, data_env, tenant="acme"):
    """Starts a server on the CLI's data dir; returns (server, key of
    tenant, its sources)."""
    srv = server(data_dir=pathlib.Path(data_env["SALIENT_DATA_DIR"]))
    key = srv.create_key(tenant=tenant, name="cli-check")["key"]
    return srv, key, list_all(srv, key, "/v1/knowledge/sources")


def test_ingest_files_then_serve_sees_them_ready(cli, server, data_env):
    files = [str(SAMPLES / "faq.md"), str(SAMPLES / "product-sheet.pdf")]
    cp = cli("ingest", "--tenant", "acme", *files, env=data_env, timeout=TIMEOUT)
    out, err = text(cp)
    assert cp.returncode == 0, (out, err)
    assert (out + err).strip(), "no summary printed"
    assert "\r" not in out, "progress bar drawn on a non-terminal"
    srv, key, sources = sources_via_api(server, data_env)
    by_name = {s["filename"]: s for s in sources}
    assert set(by_name) == {"faq.md", "product-sheet.pdf"}, by_name
    for name, s in by_name.items():
        assert s["status"] == "ready", s
        assert s["sha256"] == sha256(sample_bytes(name))
    assert by_name["product-sheet.pdf"]["page_count"] == 3


def test_ingest_same_file_twice_is_one_source(cli, server, data_env):
    f = str(SAMPLES / "faq.md")
    for _ in range(2):
        cp = cli("ingest", "--tenant", "acme", f, env=data_env, timeout=TIMEOUT)
        assert cp.returncode == 0, text(cp)
    _, _, sources = sources_via_api(server, data_env)
    assert len(sources) == 1


def test_ingest_bad_file_fails_with_reason(cli, data_env, tmp_path):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(os.urandom(8192))
    cp = cli("ingest", "--tenant", "acme", str(bad), env=data_env, timeout=TIMEOUT)
    out, err = text(cp)
    assert cp.returncode != 0, (out, err)
    assert "broken.pdf" in out + err, (out, err)
    missing = tmp_path / "nope.docx"
    cp = cli("ingest", "--tenant", "acme", str(missing), env=data_env)
    out, err = text(cp)
    assert cp.returncode != 0 and "nope.docx" in out + err, (out, err)


def test_ingest_without_files_is_usage_error(cli, data_env):
    cp = cli("ingest", env=data_env)
    assert cp.returncode not in (0, None) and text(cp)[1].strip()


def test_search_prints_results(cli, data_env):
    cp = cli("ingest", "--tenant", "acme", str(SAMPLES / "product-sheet.pdf"),
             str(SAMPLES / "faq.md"), env=data_env, timeout=TIMEOUT)
    assert cp.returncode == 0, text(cp)
    cp = cli("search", "Bramblecrest", "--mode", "lexical", "--top-k", "3", "--tenant", "acme",
             env=data_env, timeout=60)
    out, err = text(cp)
    assert cp.returncode == 0, (out, err)
    assert "product-sheet.pdf" in out or SAMPLE_FILES["product-sheet.pdf"][0] in out, out
    assert "Bramblecrest" in out, out
    cp = cli("search", "Bramblecrest", "--mode", "lexical", "--top-k", "3", "--tenant", "acme",
             "--json", env=data_env, timeout=60)
    out, err = text(cp)
    if cp.returncode != 0 and "json" in err.lower():
        pytest.skip("salient search has no --json (yet)")
    assert cp.returncode == 0, (out, err)
    body = json.loads(out)
    assert body["mode"] == "lexical" and 1 <= len(body["results"]) <= 3
    assert body["results"][0]["filename"] == "product-sheet.pdf"
    assert body["results"][0]["page"] == 3


def test_search_bad_arguments(cli, data_env):
    for args in (["search"], ["search", "x", "--mode", "fuzzy"], ["search", "x", "--top-k", "0"],
                 ["search", "x", "--top-k", "101"]):
        cp = cli(*args, env=data_env)
        assert cp.returncode != 0, args
        assert text(cp)[1].strip(), args


def test_seed_loads_samples_into_acme_and_is_idempotent(cli, server, data_env):
    for _ in range(2):
        cp = cli("seed", env=data_env, cwd=REPO, timeout=TIMEOUT)
        assert cp.returncode == 0, text(cp)
    srv, key, sources = sources_via_api(server, data_env)
    names = [s["filename"] for s in sources]
    for name in SAMPLE_FILES:
        assert names.count(name) == 1, (name, names)
    assert all(s["status"] == "ready" for s in sources if s["filename"] in SAMPLE_FILES)
    other = srv.create_key(tenant="globex", name="g")["key"]
    assert list_all(srv, other, "/v1/knowledge/sources") == []


def test_seed_into_named_tenant(cli, server, data_env):
    cp = cli("seed", "--tenant", "globex", env=data_env, cwd=REPO, timeout=TIMEOUT)
    assert cp.returncode == 0, text(cp)
    srv, key, sources = sources_via_api(server, data_env, tenant="globex")
    assert set(SAMPLE_FILES) <= {s["filename"] for s in sources}
    acme = srv.create_key(tenant="acme", name="a")["key"]
    assert list_all(srv, acme, "/v1/knowledge/sources") == []
