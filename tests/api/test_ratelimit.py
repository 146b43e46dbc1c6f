# SPDX-License-Identifier: MIT
"""Per-key rate limiting: RateLimit-* headers, 429 with Retry-After,
independent buckets, N/s and N/m formats."""
from __future__ import annotations

import time

from api_helpers import assert_problem

HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")


def rl(r) -> dict[str, int]:
    """The RateLimit-* headers as integers (each must be present)."""
    out = {}
    for h in HEADERS:
        v = r.headers.get(h)
        assert v is not None, (h, r.status_code, dict(r.headers))
        assert v.strip().isdigit(), (h, v)
        out[h.split("-")[1].lower()] = int(v)
    return out


def test_burst_then_429_per_key(server):
    # 3 per minute: no token comes back while the test runs, so the
    # sequence is exact however slow the machine is.
    srv = server(env={"SALIENT_RATE_LIMIT": "3/m,burst=3"})
    a = srv.create_key(name="a")["key"]
    b = srv.create_key(name="b")["key"]

    got = []
    for _ in range(3):
        r = srv.get("/v1/keys?limit=1", a)
        assert r.status_code == 200, r.text
        assert "Retry-After" not in r.headers
        got.append(rl(r))
    assert [g["limit"] for g in got] == [3, 3, 3]
    assert [g["remaining"] for g in got] == [2, 1, 0]
    assert all(0 <= g["reset"] <= 61 for g in got), got
    assert got[2]["reset"] >= 1

    r = srv.get("/v1/keys?limit=1", a)
    assert_problem(r, 429, instance="/v1/keys")
    h = rl(r)
    assert h["limit"] == 3 and h["remaining"] == 0
    retry = r.headers.get("Retry-After", "")
    assert retry.isdigit(), retry
    assert 15 <= int(retry) <= 21, retry  # one token per 20 s
    # Still limited, on every route and method of the key.
    r = srv.post("/v1/keys", a, json={"name": "x", "scopes": ["read"]})
    assert_problem(r, 429, instance="/v1/keys")
    assert int(r.headers["Retry-After"]) >= 1

    # Keys are limited independently.
    r = srv.get("/v1/keys?limit=1", b)
    assert r.status_code == 200
    assert rl(r)["remaining"] == 2

    # Open endpoints are not per-key limited.
    for _ in range(10):
        assert srv.get("/healthz").status_code == 200


def test_tokens_come_back_after_retry_after(server):
    srv = server(env={"SALIENT_RATE_LIMIT": "2/s,burst=2"})
    k = srv.create_key()["key"]
    limited = None
    for _ in range(20):
        r = srv.get("/v1/keys?limit=1", k)
        if r.status_code == 429:
            limited = r
            break
        assert r.status_code == 200, r.text
    assert limited is not None, "never limited at 2/s,burst=2"
    retry = limited.headers.get("Retry-After", "")
    assert retry.isdigit() and int(retry) == 1, retry
    time.sleep(int(retry))
    r = srv.get("/v1/keys?limit=1", k)
    assert r.status_code == 200, r.text
    assert rl(r)["limit"] == 2


def test_every_authenticated_response_has_headers(shared, admin_key):
    for method, path, status in [("GET", "/v1/keys?limit=1", 200),
                                 ("DELETE", "/v1/keys/key_01ZZZZZZZZZZZZZZZZZZZZZZZZ", 404)]:
        r = shared.request(method, path, admin_key)
        assert r.status_code == status
        h = rl(r)
        assert h["limit"] == 10000
        assert 0 <= h["remaining"] <= 10000
    r = shared.post("/v1/keys", admin_key, json={"name": "rl", "scopes": ["read"]})
    assert r.status_code == 201
    rl(r)
    r = shared.post("/v1/keys", admin_key, json={"name": "", "scopes": ["read"]})
    assert r.status_code == 400
    rl(r)
