# SPDX-License-Identifier: MIT
"""Process lifecycle: graceful SIGTERM/SIGINT, migrations, persistence
across restarts, slow clients and a busy port."""
from __future__ import annotations

import json
import signal
import socket
import sqlite3
import subprocess
import time

import pytest

from api_helpers import BIN, base_env, status_of, text


def read_response(s: socket.socket, timeout: float = 5.0) -> bytes:
    s.settimeout(timeout)
    buf = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            b = s.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        if not b:
            break
        buf += b
        head, sep, body = buf.partition(b"\r\n\r\n")
        if sep:
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    if len(body) >= int(line.split(b":")[1]):
                        return buf
    return buf


def wait_closed(s: socket.socket, deadline: float) -> float | None:
    """Reads (and drops) until the peer closes; returns the monotonic time
    it was seen closed, or None when it is still open at deadline."""
    s.settimeout(0.1)
    while time.monotonic() < deadline:
        try:
            b = s.recv(4096)
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic()
        if not b:
            return time.monotonic()
    return None


# ---- signals ---------------------------------------------------------------------

def test_sigterm_finishes_in_flight_request_and_exits_0(server):
    srv = server()
    key = srv.create_key()["key"]

    # An idle keep-alive connection must not hold up the shutdown.
    idle = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    idle.sendall("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert status_of(read_response(idle)) == 200

    body = json.dumps({"name": "in-flight", "scopes": ["read"]}).encode()
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    s.sendall((f"POST /v1/keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n"
               f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
               ).encode() + body[:10])
    time.sleep(0.3)  # the server has the headers: the request is in flight
    t0 = time.monotonic()
    srv.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    s.sendall(body[10:])
    raw = read_response(s)
    s.close()
    assert status_of(raw) == 201, raw[:300]
    assert b'"in-flight"' in raw

    rc = srv.wait(timeout=10)
    took = time.monotonic() - t0
    idle.close()
    assert rc == 0, srv.stderr()[-3000:]
    assert took < 5.0, f"exit took {took:.1f}s after SIGTERM"


def test_sigint_exits_0_promptly(server):
    srv = server()
    assert srv.get("/healthz").status_code == 200  # leaves a keep-alive connection
    t0 = time.monotonic()
    srv.send_signal(signal.SIGINT)
    rc = srv.wait(timeout=10)
    assert rc == 0, srv.stderr()[-3000:]
    assert time.monotonic() - t0 < 5.0
    # It is gone: nothing listens on the port any more.
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", srv.port), timeout=1).close()


def test_keys_persist_across_restart(server):
    first = server()
    key = first.create_key()["key"]
    made = first.post("/v1/keys", key, json={"name": "durable", "scopes": ["read"]}).json()
    assert first.stop() == 0
    second = server(data_dir=first.data_dir)
    r = second.get("/v1/keys?limit=100", key)
    assert r.status_code == 200
    assert made["id"] in [i["id"] for i in r.json()["items"]]


# ---- migrate ----------------------------------------------------------------------

def schema(db) -> tuple:
    con = sqlite3.connect(str(db))
    try:
        rows = con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master "
                           "ORDER BY type, name").fetchall()
        version = con.execute("PRAGMA user_version").fetchone()[0]
    finally:
        con.close()
    return version, rows


def test_migrate_creates_db_and_is_idempotent(tmp_path):
    tmp = tmp_path
    data = tmp / "data"
    data.mkdir()
    env = base_env({"SALIENT_DATA_DIR": str(data)})
    cp = subprocess.run([BIN, "migrate"], env=env, cwd=str(tmp), capture_output=True,
                        timeout=30)
    assert cp.returncode == 0, text(cp)[1]
    db = data / "salient.db"
    assert db.is_file()
    first = schema(db)
    assert any(r[0] == "table" for r in first[1]), "no tables after migrate"

    cp = subprocess.run([BIN, "migrate"], env=env, cwd=str(tmp), capture_output=True,
                        timeout=30)
    assert cp.returncode == 0, text(cp)[1]
    assert schema(db) == first

    # The migrated dir serves, and keys work on it.
    cp = subprocess.run([BIN, "keys", "create", "--tenant", "t", "--name", "n",
                         "--scopes", "read"], env=env, cwd=str(tmp), capture_output=True,
                        timeout=30)
    assert cp.returncode == 0, text(cp)[1]


# ---- connections ------------------------------------------------------------------

def test_slow_clients_are_closed_and_do_not_block_others(server):
    srv = server(env={"SALIENT_CONN_TIMEOUT_S": "2"}, threads=1)
    t_open = time.monotonic()
    slow = []
    for _ in range(6):
        c = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
        c.sendall(b"GET /heal")  # half a request line, then nothing
        slow.append(c)
    idle = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status_of(read_response(idle)) == 200
    t_idle = time.monotonic()

    # Others are served while the slow ones dangle.
    for _ in range(5):
        t = time.monotonic()
        r = srv.get("/healthz", timeout=5)
        assert r.status_code == 200
        assert time.monotonic() - t < 1.5
    srv.session.close()

    closed = [wait_closed(c, t_open + 8.0) for c in slow]
    closed_idle = wait_closed(idle, t_idle + 8.0)
    for c in slow + [idle]:
        c.close()
    assert all(t is not None for t in closed), "slow connections still open after 8 s"
    after = [round(t - t_open, 2) for t in closed]
    assert max(after) < 6.0, after
    assert min(after) > 1.0, f"closed before the 2 s timeout: {after}"
    assert closed_idle is not None, "idle keep-alive connection still open after 8 s"
    assert closed_idle - t_idle < 6.0


def test_port_in_use_fails_fast(tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        held.listen(1)
        port = held.getsockname()[1]
        tmp = tmp_path
        (tmp / "data").mkdir()
        env = base_env({"SALIENT_LISTEN": f"127.0.0.1:{port}",
                        "SALIENT_DATA_DIR": str(tmp / "data")})
        try:
            cp = subprocess.run([BIN, "serve"], env=env, cwd=str(tmp), capture_output=True,
                                timeout=10)
        except subprocess.TimeoutExpired:
            pytest.fail("serve kept running although its port is taken")
        assert cp.returncode != 0
        assert str(port) in text(cp)[1] or "listen" in text(cp)[1].lower()
