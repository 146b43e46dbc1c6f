# SPDX-License-Identifier: MIT
"""The two Salient endpoints the HTTP benchmark compares, in FastAPI.

GET /healthz   -> {"status": "ok", "version": "0.1.0"}
GET /v1/keys   -> authenticates a Bearer (or X-API-Key) key the way Salient
                  does and lists the tenant's keys:
                  1. the key must look like sal_ + 8 base62 + _ + 43 base62;
                  2. its first 12 characters (the prefix) find the row;
                  3. BLAKE2b-256 of the whole key is compared in constant
                     time (hmac.compare_digest) with the stored hash;
                  4. the key must not be revoked and must hold `admin`;
                     last_used_ms is refreshed at most once a minute, as
                     Salient does, so authentication is read-only when hot;
                  5. up to `limit` (default 20) active keys of its tenant,
                     ordered by id, as {"items": [...], "next_cursor": ...}.

The app owns a small SQLite database (BENCH_DB, default
./fastapi-bench.db) that it creates at start-up with one tenant and one
key: the key in BENCH_KEY. Run `python fastapi_app.py init` first to create
it outside the workers (run.sh does); start-up creation is idempotent too.

    BENCH_KEY=sal_... BENCH_DB=/tmp/fa.db python -m uvicorn fastapi_app:app \
        --workers 2 --log-level warning --no-access-log

This is the idiomatic FastAPI shape (async endpoints, one SQLite connection
per worker process, dicts serialised by FastAPI), not a tuned one: the
point is what the same work costs in the stack the original design used.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import sqlite3
import sys
import time
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

VERSION = "0.1.0"
DB_PATH = os.environ.get("BENCH_DB", "fastapi-bench.db")
KEY_RE = re.compile(r"^sal_[0-9A-Za-z]{8}_[0-9A-Za-z]{43}$")
SCOPE_READ, SCOPE_WRITE, SCOPE_ADMIN = 1, 2, 4
TOUCH_EVERY_MS = 60_000
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

SCHEMA = """
CREATE TABLE IF NOT EXISTS tenants (
  id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL, prefix TEXT NOT NULL UNIQUE, hash BLOB NOT NULL,
  scopes INTEGER NOT NULL, created_ms INTEGER NOT NULL,
  last_used_ms INTEGER NOT NULL DEFAULT 0, revoked_ms INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS api_keys_tenant ON api_keys(tenant_id, id);
"""


def new_id(prefix: str) -> str:
    """prefix_ + 26 Crockford base32 chars: 48-bit ms time, 80 random bits."""
    n = (int(time.time() * 1000) << 80) | secrets.randbits(80)
    body = "".join(CROCKFORD[(n >> (5 * i)) & 31] for i in range(25, -1, -1))
    return f"{prefix}_{body}"


def key_hash(key: str) -> bytes:
    return hashlib.blake2b(key.encode(), digest_size=32).digest()


def rfc3339(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms / 1000))


def init_db(path: str, key: str) -> None:
    """Creates the schema, tenant "bench" and the admin key; idempotent."""
    if not KEY_RE.match(key):
        raise SystemExit("BENCH_KEY must look like sal_XXXXXXXX_<43 base62 chars>")
    con = sqlite3.connect(path, timeout=10)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.executescript(SCHEMA)
        now = int(time.time() * 1000)
        with con:
            con.execute("INSERT OR IGNORE INTO tenants VALUES (?, 'bench', ?)",
                        (new_id("ten"), now))
            tid = con.execute("SELECT id FROM tenants WHERE name='bench'").fetchone()[0]
            con.execute(
                "INSERT OR IGNORE INTO api_keys (id, tenant_id, name, prefix, hash, scopes,"
                " created_ms) VALUES (?, ?, 'bench', ?, ?, ?, ?)",
                (new_id("key"), tid, key[:12], key_hash(key),
                 SCOPE_ADMIN | SCOPE_WRITE | SCOPE_READ, now))
    finally:
        con.close()


def problem(status: int, slug: str, title: str, detail: str, instance: str) -> JSONResponse:
    return JSONResponse(
        {"type": f"/docs#problem-{slug}", "title": title, "status": status,
         "detail": detail, "instance": instance, "request_id": new_id("req")[4:]},
        status_code=status, media_type="application/problem+json")


def scopes_json(bits: int) -> list[str]:
    return [n for b, n in ((SCOPE_ADMIN, "admin"), (SCOPE_WRITE, "write"),
                           (SCOPE_READ, "read")) if bits & b]


db: sqlite3.Connection | None = None


@asynccontextmanager
async def lifespan(_app: FastAPI):
    global db
    init_db(DB_PATH, os.environ.get("BENCH_KEY", ""))
    db = sqlite3.connect(DB_PATH, check_same_thread=False)
    yield
    db.close()


app = FastAPI(title="salient-bench", version=VERSION, lifespan=lifespan,
              docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/healthz")
async def healthz():
    return {"status": "ok", "version": VERSION}


@app.get("/v1/keys")
async def list_keys(request: Request, limit: int = 20, cursor: str = ""):
    path = request.url.path
    auth = request.headers.get("authorization")
    if auth is not None:
        presented = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
    else:
        presented = request.headers.get("x-api-key", "")
    if not KEY_RE.match(presented):
        return problem(401, "unauthorized", "Unauthorized", "missing or invalid API key", path)
    row = db.execute(
        "SELECT id, tenant_id, hash, scopes, revoked_ms, last_used_ms FROM api_keys"
        " WHERE prefix = ?",
        (presented[:12],)).fetchone()
    if row is None or row[4] != 0 or not hmac.compare_digest(row[2], key_hash(presented)):
        return problem(401, "unauthorized", "Unauthorized", "missing or invalid API key", path)
    if not row[3] & SCOPE_ADMIN:
        return problem(403, "forbidden", "Forbidden", "this operation needs the admin scope", path)
    now = int(time.time() * 1000)
    if now - row[5] > TOUCH_EVERY_MS:
        with db:
            db.execute("UPDATE api_keys SET last_used_ms = ? WHERE id = ?", (now, row[0]))
    if not 1 <= limit <= 100:
        return problem(400, "bad-request", "Bad Request", "limit must be 1..100", path)
    after = ""
    if cursor:
        try:
            after = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        except ValueError:
            return problem(400, "bad-request", "Bad Request", "invalid cursor", path)
    rows = db.execute(
        "SELECT id, name, scopes, prefix, created_ms, last_used_ms FROM api_keys"
        " WHERE tenant_id = ? AND revoked_ms = 0 AND id > ? ORDER BY id LIMIT ?",
        (row[1], after, limit + 1)).fetchall()
    more = len(rows) > limit
    items = [{"id": r[0], "name": r[1], "scopes": scopes_json(r[2]), "prefix": r[3],
              "created_at": rfc3339(r[4]),
              "last_used_at": rfc3339(r[5]) if r[5] else None} for r in rows[:limit]]
    next_cursor = (base64.urlsafe_b64encode(rows[limit - 1][0].encode()).decode().rstrip("=")
                   if more else None)
    return {"items": items, "next_cursor": next_cursor}


if __name__ == "__main__":
    if sys.argv[1:] == ["init"]:
        init_db(DB_PATH, os.environ.get("BENCH_KEY", ""))
    else:
        raise SystemExit("usage: BENCH_KEY=... BENCH_DB=... python fastapi_app.py init")
