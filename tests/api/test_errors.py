# SPDX-License-Identifier: MIT
"""Problem+json errors, routing (404/405 before auth), X-Request-ID, body
parsing (invalid UTF-8, malformed JSON), 413 body limits and 415."""
from __future__ import annotations

import json
import select
import socket
import time

import pytest

from api_helpers import (REQUEST_ID_RE, assert_field_errors, assert_problem, raw_http,
                         status_of, unique_rid)

VALID_KEY_BODY = {"name": "err-test", "scopes": ["read"]}


# ---- routing -----------------------------------------------------------------

@pytest.mark.parametrize("path", ["/nope", "/v1/nope", "/v1/keys/abc/def", "/v1", "/healthz/x"])
def test_unknown_path_is_404_without_key(shared, path):
    r = shared.get(path)
    assert_problem(r, 404, instance=path)
    assert "WWW-Authenticate" not in r.headers


def test_unknown_path_is_404_with_bad_key(shared):
    r = shared.get("/v1/nothing-here", headers={"Authorization": "Bearer nonsense"})
    assert_problem(r, 404, instance="/v1/nothing-here")


def test_instance_names_the_request_path(shared):
    r = shared.get("/missing/thing?x=1&y=2")
    body = assert_problem(r, 404)
    assert body["instance"] in ("/missing/thing", "/missing/thing?x=1&y=2")
    assert body["instance"].startswith("/missing/thing")


@pytest.mark.parametrize("method,path,allowed", [
    ("POST", "/healthz", {"GET"}),
    ("DELETE", "/metrics", {"GET"}),
    ("PUT", "/v1/keys", {"GET", "POST"}),
    ("PATCH", "/v1/keys", {"GET", "POST"}),
    ("GET", "/v1/keys/key_01ZZZZZZZZZZZZZZZZZZZZZZZZ", {"DELETE"}),
])
def test_wrong_method_is_405_with_allow_before_auth(shared, method, path, allowed):
    r = shared.request(method, path)
    assert_problem(r, 405, instance=path)
    allow = {m.strip().upper() for m in r.headers.get("Allow", "").split(",") if m.strip()}
    # HEAD (and OPTIONS) may be added for GET routes; the rest must match.
    assert allowed <= allow, (allow, allowed)
    assert allow - allowed <= {"HEAD", "OPTIONS"}, allow


# ---- X-Request-ID ---------------------------------------------------------------

@pytest.mark.parametrize("rid", ["abc", "A.b-c_9", "x" * 128, "0"])
def test_valid_request_id_is_echoed(shared, rid):
    for path in ("/healthz", "/nope"):
        r = shared.get(path, headers={"X-Request-ID": rid})
        assert r.headers.get("X-Request-ID") == rid, path
    body = assert_problem(shared.get("/nope", headers={"X-Request-ID": rid}), 404)
    assert body["request_id"] == rid


@pytest.mark.parametrize("rid", ["x" * 129, "has space", "semi;colon", "slash/x", "quote\"x",
                                 "per%cent", "ü-nicode"])
def test_invalid_request_id_is_replaced(shared, rid):
    headers = {"X-Request-ID": rid.encode("utf-8")}
    r = shared.get("/nope", headers=headers)
    got = r.headers.get("X-Request-ID")
    assert got and got != rid
    assert REQUEST_ID_RE.match(got), got
    assert r.json()["request_id"] == got


def test_empty_request_id_is_replaced(shared):
    r = shared.get("/healthz", headers={"X-Request-ID": ""})
    got = r.headers.get("X-Request-ID")
    assert got and REQUEST_ID_RE.match(got)


def test_generated_request_ids_are_unique(shared):
    ids = {shared.get("/healthz").headers.get("X-Request-ID") for _ in range(20)}
    assert None not in ids
    assert len(ids) == 20
    for i in ids:
        assert REQUEST_ID_RE.match(i), i


def test_request_id_on_every_kind_of_response(shared, admin_key):
    cases = [
        ("GET", "/healthz", None, 200),
        ("GET", "/nope", None, 404),
        ("POST", "/healthz", None, 405),
        ("GET", "/v1/keys", None, 401),
        ("GET", "/v1/keys", admin_key, 200),
        ("DELETE", "/v1/keys/key_01ZZZZZZZZZZZZZZZZZZZZZZZZ", admin_key, 404),
    ]
    for method, path, key, status in cases:
        rid = unique_rid("every")
        r = shared.request(method, path, key, headers={"X-Request-ID": rid})
        assert r.status_code == status, (method, path, r.status_code)
        assert r.headers.get("X-Request-ID") == rid, (method, path)


# ---- JSON bodies -------------------------------------------------------------------

def post_raw(srv, key, data: bytes, ctype: str = "application/json"):
    return srv.post("/v1/keys", key, data=data, headers={"Content-Type": ctype})


@pytest.mark.parametrize("data", [
    b'{"name":"\xff\xfe","scopes":["read"]}',
    b'{"name":"ok\xc0\xafx","scopes":["read"]}',          # overlong "/"
    b'{"name":"\xed\xa0\x80","scopes":["read"]}',          # UTF-16 surrogate
    b'{"name":"trunc\xe2\x82","scopes":["read"]}',         # truncated sequence
    b'{"name":"x","scopes":["read"],"\xff":1}',            # in a key
])
def test_invalid_utf8_is_400(shared, admin_key, data):
    body = assert_problem(post_raw(shared, admin_key, data), 400, instance="/v1/keys")
    assert "\ufffd" not in body["detail"]


@pytest.mark.parametrize("data", [
    b'{"name":',
    b'{"name":"x","scopes":["read"]',
    b'{"name":"x","scopes":["read"]} trailing',
    b"{'name':'x'}",
    b"",
    b"null",
    b"[]",
    b'"just a string"',
    b"42",
])
def test_malformed_json_is_400(shared, admin_key, data):
    assert_problem(post_raw(shared, admin_key, data), 400, instance="/v1/keys")


def test_deeply_nested_json_is_400_not_a_crash(shared, admin_key):
    data = b'{"name":"x","scopes":["read"],"extra":' + b"[" * 100000 + b"]" * 100000 + b"}"
    assert_problem(post_raw(shared, admin_key, data), 400)
    assert shared.get("/healthz").status_code == 200


@pytest.mark.parametrize("doc,field", [
    ({"name": 123, "scopes": ["read"]}, "name"),
    ({"name": None, "scopes": ["read"]}, "name"),
    ({"name": ["x"], "scopes": ["read"]}, "name"),
    ({"name": "x", "scopes": "read"}, "scopes"),
    ({"name": "x", "scopes": [1]}, "scopes"),
    ({"name": "x", "scopes": {"read": True}}, "scopes"),
])
def test_wrong_json_types_are_400_naming_the_field(shared, admin_key, doc, field):
    r = post_raw(shared, admin_key, json.dumps(doc).encode())
    assert_field_errors(assert_problem(r, 400), field)


# ---- 415 ------------------------------------------------------------------------------

@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded",
                                   "multipart/form-data; boundary=x", "application/xml"])
def test_wrong_content_type_is_415(shared, admin_key, ctype):
    r = post_raw(shared, admin_key, json.dumps(VALID_KEY_BODY).encode(), ctype)
    assert_problem(r, 415, instance="/v1/keys")


def test_json_with_charset_is_accepted(shared, admin_key):
    r = post_raw(shared, admin_key, json.dumps(VALID_KEY_BODY).encode(),
                 "application/json; charset=utf-8")
    assert r.status_code == 201, r.text


# ---- 413 --------------------------------------------------------------------------------
# The shared server runs with SALIENT_MAX_BODY_MB=1.

def headers_only(port: int, key: str, length: int, extra: bytes = b"{") -> tuple[bytes, float]:
    req = (f"POST /v1/keys HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
           f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n"
           f"Content-Length: {length}\r\n\r\n").encode() + extra
    t0 = time.monotonic()
    raw = raw_http(port, req, timeout=5.0)
    return raw, time.monotonic() - t0


@pytest.mark.parametrize("length", [10 * 1024 * 1024, 1_100_000, 10 ** 12])
def test_oversized_content_length_is_413_without_reading_body(shared, admin_key, length):
    raw, took = headers_only(shared.port, admin_key, length)
    assert status_of(raw) == 413, raw[:300]
    assert took < 4.0, f"413 took {took:.1f}s: the server waited for the body"
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"application/problem+json" in head.lower()
    assert b"x-request-id:" in head.lower()


def test_oversized_body_via_requests_is_413_problem(shared, admin_key):
    big = b'{"name":"' + b"a" * 1_200_000 + b'","scopes":["read"]}'
    try:
        r = shared.post("/v1/keys", admin_key, data=big,
                        headers={"Content-Type": "application/json"})
    except Exception as e:  # the server may close before reading it all
        pytest.fail(f"no 413 response, connection error instead: {e!r}")
    assert_problem(r, 413, instance="/v1/keys")


def test_body_under_the_limit_is_accepted(shared, admin_key):
    doc = b'{"name":"padded","scopes":["read"]}'
    data = doc + b" " * (900_000 - len(doc))
    r = post_raw(shared, admin_key, data)
    assert r.status_code == 201, r.text[:300]
    assert r.json()["name"] == "padded"


def stream_chunked(port: int, key: str, n_chunks: int, terminate: bool) -> tuple[bytes, int]:
    """POSTs a chunked body of n_chunks x 64 KiB (ending it when terminate),
    reading whatever the server answers meanwhile. Returns the bytes read
    and how many chunks were sent before the server answered or closed."""
    head = (f"POST /v1/keys HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n"
            f"Transfer-Encoding: chunked\r\n\r\n").encode()
    piece = b" " * 65536
    chunk = b"%x\r\n" % len(piece) + piece + b"\r\n"
    got, sent = b"", 0
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s.sendall(head + b'3\r\n{"n\r\n')
        stopped = False
        for _ in range(n_chunks):
            readable, _, _ = select.select([s], [], [], 0)
            if readable:
                try:
                    b = s.recv(65536)
                except ConnectionResetError:
                    b = b""
                got += b
                if not b or b"\r\n\r\n" in got:
                    stopped = True
                    break
            try:
                s.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                stopped = True
                break
            sent += 1
        if terminate and not stopped:
            try:
                s.sendall(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
        deadline = time.monotonic() + 5
        while b"\r\n\r\n" not in got and time.monotonic() < deadline:
            try:
                b = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not b:
                break
            got += b
    finally:
        s.close()
    return got, sent


def test_chunked_body_over_the_limit_is_413(shared, admin_key):
    got, _ = stream_chunked(shared.port, admin_key, 32, terminate=True)  # 2 MiB
    assert status_of(got) == 413, got[:300]
    assert b"application/problem+json" in got.partition(b"\r\n\r\n")[0].lower()
    assert shared.get("/healthz").status_code == 200


def test_chunked_body_over_the_limit_is_stopped_early(shared, admin_key):
    """The server answers 413 (or closes) once the body passes the limit; it
    does not wait for the client to finish a body that may never end."""
    got, sent = stream_chunked(shared.port, admin_key, 256, terminate=False)  # 16 MiB
    assert status_of(got) == 413, (sent, got[:300])
    assert shared.get("/healthz").status_code == 200
