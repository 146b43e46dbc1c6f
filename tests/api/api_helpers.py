# SPDX-License-Identifier: MIT
"""Helpers shared by the black-box API tests: the Server wrapper around a
running `salient serve`, CLI runner, problem+json assertions, raw sockets."""
from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from typing import Any, Iterable

import pytest
import requests

REPO = pathlib.Path(__file__).resolve().parents[2]
# Absolute, since every run happens in a temp dir.
BIN = os.path.abspath(os.environ.get("SALIENT_BIN") or str(REPO / "build" / "salient"))

# Start-up and shutdown waits are generous: the suite also runs on the
# ASan+UBSan build, which is several times slower.
START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 10.0
HTTP_TIMEOUT_S = 10.0

KEY_RE = re.compile(r"^sal_[A-Za-z0-9]{8}_[A-Za-z0-9]{43}$")
KEY_ID_RE = re.compile(r"^key_[0-9A-Za-z]+$")
TENANT_ID_RE = re.compile(r"^ten_[0-9A-Za-z]+$")
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
PROBLEM_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    412: "precondition-failed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "unprocessable",
    429: "rate-limited",
    500: "internal",
    503: "unavailable",
}

# Variables of the configuration contract; the tests never inherit them from
# the caller's environment (nor their *_FILE forms).
_CONFIG_PREFIXES = ("SALIENT_", "DATABASE_URL", "REDIS_URL", "OPENAI_")

# The shared server's OpenAI key: a secret its logs must never contain.
SHARED_OPENAI_KEY = "sk-shared-Zq7Hc2Lp9Xv4Tn6Rb8Md1Fw3Yk5Gs0Ja"

# A rate limit no test on a shared server comes near.
GENEROUS_RATE = "10000/s,burst=10000"


def base_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The caller's environment without any Salient configuration (ASAN_*,
    PATH, ... are kept), plus extra."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_CONFIG_PREFIXES)}
    env.setdefault("SALIENT_LOG_LEVEL", "info")
    model_dir = REPO / "models" / "all-MiniLM-L6-v2"
    if model_dir.is_dir():
        env["SALIENT_MODEL_DIR"] = str(model_dir)
    env.update(extra or {})
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def new_tmpdir() -> pathlib.Path:
    """A fresh temp dir; runs happen with it as cwd, so no stray .env is read."""
    return pathlib.Path(tempfile.mkdtemp(prefix="salient-api-"))


def run_cli(args: Iterable[str], env: dict[str, str], cwd: pathlib.Path | str,
            timeout: float = 30.0, input: bytes | None = None) -> subprocess.CompletedProcess:
    """Runs `salient ARGS...`; returns the CompletedProcess with text output."""
    return subprocess.run([BIN, *args], env=env, cwd=str(cwd), capture_output=True,
                          timeout=timeout, input=input)


def text(cp: subprocess.CompletedProcess) -> tuple[str, str]:
    return cp.stdout.decode("utf-8", "replace"), cp.stderr.decode("utf-8", "replace")


def problem_slug(status: int) -> str:
    return "/docs#problem-" + PROBLEM_SLUGS[status]


def assert_problem(resp: requests.Response, status: int, instance: str | None = None) -> dict:
    """Asserts resp is an RFC 9457 problem with the contract's fields and
    returns its body."""
    assert resp.status_code == status, (resp.status_code, resp.text[:500])
    ctype = resp.headers.get("Content-Type", "")
    assert ctype.split(";")[0].strip().lower() == "application/problem+json", ctype
    body = resp.json()
    assert isinstance(body, dict), body
    assert body.get("type") == problem_slug(status), body
    assert isinstance(body.get("title"), str) and body["title"], body
    assert body.get("status") == status, body
    assert isinstance(body.get("detail"), str), body
    if instance is not None:
        assert body.get("instance") == instance, body
    else:
        assert isinstance(body.get("instance"), str) and body["instance"].startswith("/"), body
    rid = resp.headers.get("X-Request-ID")
    assert rid and REQUEST_ID_RE.match(rid), rid
    assert body.get("request_id") == rid, (body, rid)
    return body


def assert_field_errors(body: dict, *fields: str) -> None:
    """The problem lists a validation error for each of fields."""
    errors = body.get("errors")
    assert isinstance(errors, list) and errors, body
    for e in errors:
        assert isinstance(e, dict), body
        assert isinstance(e.get("field"), str), body
        assert isinstance(e.get("message"), str) and e["message"], body
    # "scopes[0]" or "filters.tags" name the field "scopes" / "filters" too.
    named = {e["field"] for e in errors}
    named |= {re.split(r"[\[.]", n, maxsplit=1)[0] for n in named}
    for f in fields:
        assert f in named, (f, body)


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def unique_rid(tag: str = "t") -> str:
    return f"{tag}-{uuid.uuid4().hex}"


class Server:
    """One running `salient serve` with its own data dir and stderr log."""

    def __init__(self, env: dict[str, str] | None = None, threads: int | None = None,
                 data_dir: pathlib.Path | None = None):
        self.tmp = new_tmpdir()
        if data_dir is None:
            data_dir = self.tmp / "data"
            data_dir.mkdir()
        self.data_dir = pathlib.Path(data_dir)
        self.log_path = self.tmp / "stderr.log"
        self.out_path = self.tmp / "stdout.log"
        self.returncode: int | None = None
        # Set by kill(): the teardown then does not require exit status 0.
        self.killed = False
        self.session = requests.Session()
        # free_port() can race with other processes on the machine: when
        # start-up fails, try again on another port.
        for attempt in range(3):
            self.port = free_port()
            extra = {
                "SALIENT_LISTEN": f"127.0.0.1:{self.port}",
                "SALIENT_DATA_DIR": str(self.data_dir),
                "SALIENT_RATE_LIMIT": GENEROUS_RATE,
            }
            if threads is not None:
                extra["SALIENT_THREADS"] = str(threads)
            extra.update(env or {})
            self.env = base_env(extra)
            self.base = f"http://127.0.0.1:{self.port}"
            self.returncode = None
            self._log_pos = 0
            self._lines: list[dict] = []
            self._log_f = open(self.log_path, "wb")
            self._out_f = open(self.out_path, "wb")
            self.proc = subprocess.Popen([BIN, "serve"], env=self.env, cwd=str(self.tmp),
                                         stdout=self._out_f, stderr=self._log_f,
                                         stdin=subprocess.DEVNULL)
            if self._wait_ready(last_try=attempt == 2):
                return
            self.close()

    # -- process ---------------------------------------------------------
    def _listening(self) -> bool:
        if self.env.get("SALIENT_LOG_LEVEL") in ("warn", "error"):
            return True  # the info line is not logged at these levels
        return any(l.get("msg") == "listening" for l in self.log_lines())

    def _wait_ready(self, last_try: bool) -> bool:
        """True once /healthz answers and our process has logged that it
        listens (so it is not some other process on a raced port); False
        when the process exited during start-up and another try may help."""
        deadline = time.monotonic() + START_TIMEOUT_S
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.returncode = self.proc.returncode
                if not last_try:
                    return False
                pytest.fail(f"salient serve exited with {self.proc.returncode} at start:\n"
                            f"{self.stderr()[-4000:]}")
            try:
                r = requests.get(self.base + "/healthz", timeout=1.0)
                if r.status_code == 200 and self._listening():
                    return True
                last = r.status_code
            except requests.RequestException as e:
                last = e
            time.sleep(0.05)
        self.proc.kill()
        self.proc.wait()
        pytest.fail(f"salient serve not healthy after {START_TIMEOUT_S}s ({last}):\n"
                    f"{self.stderr()[-4000:]}")

    def send_signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def wait(self, timeout: float = STOP_TIMEOUT_S) -> int:
        """Waits for exit; kills and fails the test when it takes too long."""
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.returncode = -9
            pytest.fail(f"salient serve did not exit within {timeout}s:\n{self.stderr()[-3000:]}")
        return self.returncode

    def stop(self, sig: int = signal.SIGTERM, timeout: float = STOP_TIMEOUT_S) -> int:
        """Sends sig (once) and waits; returns the exit status."""
        self.session.close()
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.wait(timeout)

    def kill(self) -> int:
        """SIGKILLs the process (a crash, as far as the data dir can tell)
        and reaps it; the fixture's teardown then skips its exit check."""
        self.session.close()
        self.killed = True
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.returncode = self.proc.wait(timeout=STOP_TIMEOUT_S)
        return self.returncode

    def close(self) -> None:
        for f in (self._log_f, self._out_f):
            try:
                f.close()
            except OSError:
                pass

    def cleanup(self) -> None:
        self.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- logs --------------------------------------------------------------
    def stderr(self) -> str:
        try:
            self._log_f.flush()
        except (OSError, ValueError):
            pass
        return self.log_path.read_text("utf-8", "replace")

    def log_lines(self) -> list[dict]:
        """The stderr lines so far that are JSON objects, parsed (read
        incrementally: the shared server's log grows long)."""
        with open(self.log_path, "rb") as f:
            f.seek(self._log_pos)
            chunk = f.read()
        end = chunk.rfind(b"\n")
        if end >= 0:
            for raw in chunk[:end].split(b"\n"):
                try:
                    obj = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(obj, dict):
                    self._lines.append(obj)
            self._log_pos += end + 1
        return list(self._lines)

    def access_logs(self, request_id: str, timeout: float = 3.0, want: int = 1) -> list[dict]:
        """The access-log lines of one request id; waits until at least
        `want` are there (or the timeout), then returns all of them."""
        deadline = time.monotonic() + timeout
        while True:
            lines = [l for l in self.log_lines()
                     if l.get("msg") == "request" and l.get("request_id") == request_id]
            if len(lines) >= want or time.monotonic() > deadline:
                if lines:
                    time.sleep(0.1)  # a duplicate line would show up now
                    lines = [l for l in self.log_lines()
                             if l.get("msg") == "request" and l.get("request_id") == request_id]
                return lines
            time.sleep(0.05)

    # -- HTTP ----------------------------------------------------------------
    def url(self, path: str) -> str:
        return self.base + path

    def request(self, method: str, path: str, key: str | None = None,
                **kw: Any) -> requests.Response:
        headers = dict(kw.pop("headers", None) or {})
        if key is not None:
            headers.setdefault("Authorization", f"Bearer {key}")
        kw.setdefault("timeout", HTTP_TIMEOUT_S)
        kw.setdefault("allow_redirects", False)
        return self.session.request(method, self.base + path, headers=headers, **kw)

    def get(self, path: str, key: str | None = None, **kw: Any) -> requests.Response:
        return self.request("GET", path, key, **kw)

    def post(self, path: str, key: str | None = None, **kw: Any) -> requests.Response:
        return self.request("POST", path, key, **kw)

    def delete(self, path: str, key: str | None = None, **kw: Any) -> requests.Response:
        return self.request("DELETE", path, key, **kw)

    # -- CLI on the same data dir -------------------------------------------
    def cli(self, *args: str, env: dict[str, str] | None = None,
            timeout: float = 30.0) -> subprocess.CompletedProcess:
        e = dict(self.env)
        e.update(env or {})
        return run_cli(args, e, self.tmp, timeout=timeout)

    def create_key(self, tenant: str = "acme", name: str = "admin",
                   scopes: str = "admin,write,read") -> dict:
        """Creates a key with `salient keys create --json`; returns the key
        object (with "key")."""
        cp = self.cli("keys", "create", "--tenant", tenant, "--name", name,
                      "--scopes", scopes, "--json")
        out, err = text(cp)
        assert cp.returncode == 0, f"keys create failed ({cp.returncode}): {err}"
        obj = json.loads(out)
        assert KEY_RE.match(obj.get("key", "")), obj
        return obj

    # -- metrics -----------------------------------------------------------
    def metrics_text(self) -> str:
        r = self.get("/metrics")
        assert r.status_code == 200, r.status_code
        return r.text


def iter_json_values(obj: Any):
    """Every scalar in a JSON document, recursively."""
    if isinstance(obj, dict):
        for v in obj.values():
            yield from iter_json_values(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from iter_json_values(v)
    else:
        yield obj


def raw_http(port: int, data: bytes, timeout: float = 5.0) -> bytes:
    """Sends raw bytes on a fresh connection and reads until the server
    closes it or the timeout passes; returns what was read."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                break
            if not b:
                break
            chunks.append(b)
            if _complete_response(b"".join(chunks)):
                break
        return b"".join(chunks)


def _complete_response(buf: bytes) -> bool:
    head, sep, body = buf.partition(b"\r\n\r\n")
    if not sep:
        return False
    m = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head)
    if m:
        return len(body) >= int(m.group(1))
    return False


def status_of(raw: bytes) -> int | None:
    m = re.match(rb"HTTP/1\.[01] (\d{3})", raw)
    return int(m.group(1)) if m else None
