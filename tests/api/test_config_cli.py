# SPDX-License-Identifier: MIT
"""The configuration contract: `salient config`, .env, *_FILE, secret
redaction, invalid values (exit 2, one line naming the variable), and small
CLI commands."""
from __future__ import annotations

import json
import re
import subprocess

import pytest

from api_helpers import free_port, iter_json_values, text


def config_json(cli, env=None, cwd=None) -> tuple[dict, str, str]:
    cp = cli("config", "--json", env=env, cwd=cwd)
    out, err = text(cp)
    assert cp.returncode == 0, (cp.returncode, err)
    doc = json.loads(out)
    assert isinstance(doc, dict) and doc
    return doc, out, err


def values(doc) -> list[str]:
    return [str(v) for v in iter_json_values(doc)]


def test_config_json_shows_effective_values(cli, tmp_path):
    port = free_port()
    env = {"SALIENT_LISTEN": f"127.0.0.1:{port}", "SALIENT_DATA_DIR": str(tmp_path / "d1"),
           "SALIENT_LOG_LEVEL": "debug", "SALIENT_RATE_LIMIT": "7/s,burst=9",
           "OPENAI_MODEL": "model-under-test"}
    doc, _, _ = config_json(cli, env)
    vals = values(doc)
    for want in env.values():
        assert want in vals, (want, doc)


def test_config_json_shows_documented_defaults(cli):
    doc, _, _ = config_json(cli)
    vals = values(doc)
    for want in ("127.0.0.1:8080", "info", "20/s,burst=40", "local", "gpt-4o-mini",
                 "https://api.openai.com/v1"):
        assert want in vals, (want, doc)


def test_config_plain_prints_something(cli):
    cp = cli("config", env={"SALIENT_LISTEN": "127.0.0.1:45999"})
    out, err = text(cp)
    assert cp.returncode == 0, err
    assert "127.0.0.1:45999" in out


SECRET = "sk-test-S3CR3TVALUE0123456789abcdefXYZ"


@pytest.mark.parametrize("args", [("config", "--json"), ("config",)])
def test_config_never_prints_openai_key(cli, args):
    cp = cli(*args, env={"OPENAI_API_KEY": SECRET})
    out, err = text(cp)
    assert cp.returncode == 0, err
    assert out.strip()
    for part in (SECRET, SECRET[-12:], SECRET[:16]):
        assert part not in out + err


def test_config_never_prints_openai_key_from_file(cli, tmp_path):
    f = tmp_path / "openai.key"
    f.write_text(SECRET + "\n")
    cp = cli("config", "--json", env={"OPENAI_API_KEY_FILE": str(f)})
    out, err = text(cp)
    assert cp.returncode == 0, err
    assert SECRET not in out + err and SECRET[-12:] not in out + err


@pytest.mark.parametrize("var,url,password,visible", [
    ("DATABASE_URL", "postgresql://alice:S3cretPw@db.example.org:5432/salient", "S3cretPw",
     "db.example.org"),
    ("DATABASE_URL", "postgres://bob:p%40ssWord9@db2.example.org/app", "p%40ssWord9",
     "db2.example.org"),
    ("REDIS_URL", "redis://:R3disPassw0rd@cache.example.org:6379/0", "R3disPassw0rd",
     "cache.example.org"),
    ("REDIS_URL", "redis://user:An0therPw@cache2.example.org:6380", "An0therPw",
     "cache2.example.org"),
])
@pytest.mark.parametrize("args", [("config", "--json"), ("config",)])
def test_config_redacts_url_passwords(cli, var, url, password, visible, args):
    cp = cli(*args, env={var: url})
    out, err = text(cp)
    assert cp.returncode == 0, err
    assert password not in out + err
    assert visible in out, out


def test_file_variant_supplies_a_value(cli, tmp_path):
    f = tmp_path / "listen"
    f.write_text("127.0.0.1:45678\n")
    doc, _, _ = config_json(cli, {"SALIENT_LISTEN_FILE": str(f)})
    assert "127.0.0.1:45678" in values(doc)


def test_dotenv_is_read_and_environment_wins(cli, tmp_path):
    (tmp_path / ".env").write_text(
        "SALIENT_LISTEN=127.0.0.1:47011\nSALIENT_RATE_LIMIT=5/s,burst=6\n")
    doc, _, _ = config_json(cli, {"SALIENT_DATA_DIR": str(tmp_path / "data")}, cwd=tmp_path)
    vals = values(doc)
    assert "127.0.0.1:47011" in vals and "5/s,burst=6" in vals
    doc, _, _ = config_json(cli, {"SALIENT_DATA_DIR": str(tmp_path / "data"),
                                  "SALIENT_LISTEN": "127.0.0.1:47022"}, cwd=tmp_path)
    vals = values(doc)
    assert "127.0.0.1:47022" in vals and "127.0.0.1:47011" not in vals
    assert "5/s,burst=6" in vals


INVALID = [
    ("SALIENT_MAX_BODY_MB", "abc"),
    ("SALIENT_MAX_BODY_MB", "0"),
    ("SALIENT_MAX_BODY_MB", "4097"),
    ("SALIENT_MAX_BODY_MB", "1.5"),
    ("SALIENT_MAX_BODY_MB", "-1"),
    ("SALIENT_RATE_LIMIT", "fast"),
    ("SALIENT_RATE_LIMIT", "10/s,burst=x"),
    ("SALIENT_RATE_LIMIT", "10/x"),
    ("SALIENT_LOG_LEVEL", "verbose"),
    ("SALIENT_LLM_PROVIDER", "anthropic"),
    ("SALIENT_LISTEN", "nonsense"),
    ("SALIENT_LISTEN", "127.0.0.1:70000"),
    ("SALIENT_THREADS", "abc"),
    ("SALIENT_THREADS", "0"),
    ("SALIENT_CONN_TIMEOUT_S", "abc"),
    ("SALIENT_CONN_TIMEOUT_S", "-5"),
    ("DATABASE_URL", "mysql://db/x"),
    ("OPENAI_BASE_URL", "ftp://example.org"),
]


def assert_bad_config(cp: subprocess.CompletedProcess, var: str) -> None:
    out, err = text(cp)
    assert cp.returncode == 2, (cp.returncode, err)
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1, err
    assert var in lines[0], lines[0]


@pytest.mark.parametrize("var,bad", INVALID)
def test_invalid_value_stops_serve_with_exit_2(cli, var, bad):
    env = {"SALIENT_LISTEN": f"127.0.0.1:{free_port()}", var: bad}
    try:
        cp = cli("serve", env=env, timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail(f"serve started with {var}={bad!r}")
    assert_bad_config(cp, var)


@pytest.mark.parametrize("var,bad", INVALID[::3])
def test_invalid_value_stops_config_with_exit_2(cli, var, bad):
    assert_bad_config(cli("config", "--json", env={var: bad}), var)


def test_invalid_value_from_dotenv_is_named(cli, tmp_path):
    (tmp_path / ".env").write_text("SALIENT_MAX_BODY_MB=lots\n")
    cp = cli("config", env={"SALIENT_DATA_DIR": str(tmp_path / "data")}, cwd=tmp_path)
    assert_bad_config(cp, "SALIENT_MAX_BODY_MB")


def test_missing_file_variant_is_named(cli, tmp_path):
    cp = cli("config", env={"SALIENT_MAX_BODY_MB_FILE": str(tmp_path / "absent")})
    assert_bad_config(cp, "SALIENT_MAX_BODY_MB")


def test_version_command(cli):
    cp = cli("version")
    out, err = text(cp)
    assert cp.returncode == 0, err
    assert re.search(r"\d+\.\d+\.\d+", out), out


def test_unknown_subcommand_fails(cli):
    cp = cli("frobnicate")
    out, err = text(cp)
    assert cp.returncode != 0
    assert err.strip()
