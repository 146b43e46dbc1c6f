# SPDX-License-Identifier: MIT
"""The embedding model from the operator's side: `salient model info`,
`salient model fetch` (a no-op on a verified install), `salient embed`, and
/readyz naming a missing or corrupt model directory."""
from __future__ import annotations

import json
import math
import shutil

from api_helpers import REPO, text

MODEL = REPO / "models" / "all-MiniLM-L6-v2"


def test_model_info_json_describes_minilm(cli):
    cp = cli("model", "info", "--json")
    out, err = text(cp)
    assert cp.returncode == 0, err
    info = json.loads(out)
    assert info["name"] == "all-MiniLM-L6-v2"
    assert info["architecture"] == "BertModel"
    assert (info["layers"], info["hidden_size"], info["heads"]) == (6, 384, 12)
    assert info["dimensions"] == 384
    assert info["pooling"] == "mean" and info["normalize"] is True
    assert info["max_seq_length"] == 256
    assert info["verified"] == "yes"
    assert info["sha256"]["model.safetensors"] == (
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db")


def test_model_fetch_keeps_a_verified_install(cli):
    cp = cli("model", "fetch", env={"SALIENT_MODEL_DIR": str(MODEL),
                                    "SALIENT_PYTHON": "/nonexistent/python"})
    _, err = text(cp)
    assert cp.returncode == 0, err
    assert "verified" in err


def test_model_fetch_unknown_name_fails_clearly(cli):
    cp = cli("model", "fetch", "no-such-model")
    _, err = text(cp)
    assert cp.returncode == 1
    assert "unknown model no-such-model" in err


def test_embed_prints_one_unit_vector_per_text(cli):
    cp = cli("embed", "How do we prove ROI to a CFO?", "")
    out, err = text(cp)
    assert cp.returncode == 0, err
    lines = out.strip().split("\n")
    assert len(lines) == 2
    for line in lines:
        v = json.loads(line)
        assert len(v) == 384
        assert abs(math.sqrt(sum(x * x for x in v)) - 1.0) < 1e-4


def test_embed_reads_stdin_and_json_mode(cli, tmp_path):
    from api_helpers import base_env, run_cli
    env = base_env({"SALIENT_DATA_DIR": str(tmp_path / "data")})
    cp = run_cli(["embed", "--json"], env, tmp_path,
                 input="pricing for enterprise\nsecurity review\n".encode())
    out, err = text(cp)
    assert cp.returncode == 0, err
    rows = [json.loads(line) for line in out.strip().split("\n")]
    assert [r["text"] for r in rows] == ["pricing for enterprise", "security review"]
    a, b = (r["embedding"] for r in rows)
    cos = sum(x * y for x, y in zip(a, b))
    assert -1.0 <= cos < 0.99


def test_embed_similar_texts_are_closer(cli):
    cp = cli("embed", "What does the enterprise plan cost?",
             "How much is the enterprise tier per year?", "The weather is nice in Lisbon.")
    out, err = text(cp)
    assert cp.returncode == 0, err
    a, b, c = (json.loads(line) for line in out.strip().split("\n"))
    dot = lambda x, y: sum(p * q for p, q in zip(x, y))
    assert dot(a, b) > dot(a, c) + 0.2


def test_embed_without_model_exits_1_with_hint(cli):
    cp = cli("embed", "x", env={"SALIENT_MODEL_DIR": "/nonexistent/model"})
    _, err = text(cp)
    assert cp.returncode == 1
    assert "/nonexistent/model" in err and "salient model fetch" in err


def test_readyz_names_a_missing_model(server):
    s = server(env={"SALIENT_MODEL_DIR": "/nonexistent/model"})
    r = s.get("/readyz")
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "not_ready"
    assert body["checks"]["store"] == "ok"
    assert "/nonexistent/model" in body["checks"]["model"]
    assert r.headers.get("Retry-After")


def test_readyz_names_a_corrupt_model(server, tmp_path):
    bad = tmp_path / "all-MiniLM-L6-v2"
    shutil.copytree(MODEL, bad, ignore=shutil.ignore_patterns("model.safetensors"))
    (bad / "model.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}")
    s = server(env={"SALIENT_MODEL_DIR": str(bad)})
    r = s.get("/readyz")
    assert r.status_code == 503
    assert "model.safetensors" in r.json()["checks"]["model"]
    assert s.get("/healthz").status_code == 200
