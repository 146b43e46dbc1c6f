# SPDX-License-Identifier: MIT
"""JSON-lines logging on stderr: the listening line, one access-log line per
request with the contract's fields, and no secrets."""
from __future__ import annotations

import json

from api_helpers import (SHARED_OPENAI_KEY, TENANT_ID_RE, TIME_RE, raw_http, status_of,
                         unique_rid)

ACCESS_FIELDS = {"ts", "level", "msg", "request_id", "method", "route", "status",
                 "duration_ms", "bytes"}


def one_access_line(srv, rid: str) -> dict:
    lines = srv.access_logs(rid)
    assert len(lines) == 1, lines
    line = lines[0]
    assert ACCESS_FIELDS <= set(line), line
    assert TIME_RE.match(line["ts"]), line
    assert line["level"] == "info"
    assert isinstance(line["status"], int)
    assert isinstance(line["duration_ms"], (int, float)) and 0 <= line["duration_ms"] < 10_000
    assert isinstance(line["bytes"], int) and line["bytes"] >= 0
    return line


def test_listening_line_names_the_port(shared):
    lines = [l for l in shared.log_lines() if l.get("msg") == "listening"]
    assert len(lines) == 1, lines
    assert lines[0]["port"] == shared.port
    assert lines[0]["level"] == "info"
    assert TIME_RE.match(lines[0]["ts"])


def test_access_line_for_open_route(shared):
    rid = unique_rid("log-open")
    r = shared.get("/healthz", headers={"X-Request-ID": rid})
    line = one_access_line(shared, rid)
    assert line["method"] == "GET"
    assert line["route"] == "/healthz"
    assert line["status"] == 200
    assert line["bytes"] >= len(r.content) > 0
    assert "tenant" not in line and "key_prefix" not in line


def test_access_line_uses_route_template_and_names_the_caller(shared, admin):
    rid = unique_rid("log-tpl")
    fake = "key_01ZZZZZZZZZZZZZZZZZZZZZZZZ"
    r = shared.delete(f"/v1/keys/{fake}", admin["key"], headers={"X-Request-ID": rid})
    assert r.status_code == 404
    line = one_access_line(shared, rid)
    assert line["method"] == "DELETE"
    assert line["route"] == "/v1/keys/{id}"
    assert line["status"] == 404
    assert TENANT_ID_RE.match(line["tenant"]), line
    assert line["key_prefix"] == admin["prefix"]
    assert fake not in json.dumps(line)


def test_access_line_for_unmatched_path(shared):
    rid = unique_rid("log-404")
    assert shared.get("/definitely/not/here", headers={"X-Request-ID": rid}).status_code == 404
    line = one_access_line(shared, rid)
    assert line["method"] == "GET"
    assert line["route"] == "unmatched"
    assert line["status"] == 404
    assert "tenant" not in line and "key_prefix" not in line


def test_access_line_for_rejected_key_has_no_tenant(shared):
    rid = unique_rid("log-401")
    r = shared.get("/v1/keys", headers={"X-Request-ID": rid, "Authorization": "Bearer nope"})
    assert r.status_code == 401
    line = one_access_line(shared, rid)
    assert line["route"] == "/v1/keys"
    assert line["status"] == 401
    assert "tenant" not in line


def test_access_line_for_413_names_the_route(shared, admin_key):
    rid = unique_rid("log-413")
    req = (f"POST /v1/keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {admin_key}\r\n"
           f"X-Request-ID: {rid}\r\nContent-Type: application/json\r\n"
           f"Content-Length: 5000000\r\n\r\n{{").encode()
    assert status_of(raw_http(shared.port, req)) == 413
    line = one_access_line(shared, rid)
    assert line["status"] == 413
    assert line["method"] == "POST"
    assert line["route"] == "/v1/keys"


def test_generated_request_id_matches_log_and_body(shared):
    r = shared.get("/nowhere")
    rid = r.headers["X-Request-ID"]
    assert r.json()["request_id"] == rid
    one_access_line(shared, rid)


def test_each_request_logs_exactly_once(shared, admin_key):
    rids = [unique_rid("once") for _ in range(5)]
    for i, rid in enumerate(rids):
        path = ["/healthz", "/v1/keys?limit=1", "/nope", "/readyz", "/metrics"][i]
        shared.get(path, admin_key if "keys" in path else None, headers={"X-Request-ID": rid})
    for rid in rids:
        assert len(shared.access_logs(rid)) == 1, rid


def test_secrets_never_logged(shared, admin_key):
    made = shared.post("/v1/keys", admin_key, json={"name": "log-secret", "scopes": ["admin"]},
                       headers={"X-Request-ID": unique_rid("sec")}).json()
    secret = made["key"]
    shared.get("/v1/keys", secret)
    shared.get("/v1/keys", headers={"X-API-Key": secret})
    wrong = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    shared.get("/v1/keys", wrong)
    rid = unique_rid("sec-last")
    shared.get("/healthz", headers={"X-Request-ID": rid})
    shared.access_logs(rid)  # everything before it is on disk
    log = shared.stderr()
    for s in (admin_key, secret, wrong, secret[13:], admin_key[13:], SHARED_OPENAI_KEY,
              SHARED_OPENAI_KEY[-12:]):
        assert s not in log


def test_every_stderr_line_is_a_json_object(shared):
    rid = unique_rid("json")
    shared.get("/x%22y%0Az", headers={"X-Request-ID": rid})
    shared.get("/healthz", headers={"X-Request-ID": 'bad"id\\'})
    shared.access_logs(rid)
    lines = [l for l in shared.stderr().splitlines() if l.strip()]
    assert lines
    for l in lines:
        obj = json.loads(l)
        assert isinstance(obj, dict)
        assert {"ts", "level", "msg"} <= set(obj), obj
        assert obj["level"] in ("debug", "info", "warn", "error"), obj


def test_log_level_warn_hides_access_lines(server):
    srv = server(env={"SALIENT_LOG_LEVEL": "warn"})
    rid = unique_rid("quiet")
    assert srv.get("/healthz", headers={"X-Request-ID": rid}).status_code == 200
    assert srv.get("/nope").status_code == 404
    assert srv.access_logs(rid, timeout=0.5) == []
    for line in srv.log_lines():
        assert line.get("level") in ("warn", "error"), line
