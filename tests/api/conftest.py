# SPDX-License-Identifier: MIT
"""Fixtures for the black-box API tests.

Every test talks to the real binary (``$SALIENT_BIN``, default
``<repo>/build/salient``) over HTTP, as a client would:

* ``server`` -- a factory: ``server(env={...})`` starts ``salient serve`` on a
  free loopback port with a fresh data dir and returns a :class:`Server`. On
  teardown every server it started is stopped with SIGTERM and must exit 0
  (under ASan a sanitizer report makes the exit status non-zero, so this is
  where memory errors surface). A server the test killed itself with
  :meth:`Server.kill` (SIGKILL) is exempt from the exit-status check.
* ``server_module`` -- the same factory, module-scoped, for test modules
  that build up state once (ingested samples) and share it.
* ``shared`` / ``admin`` -- one session-wide server (1 MiB body limit, a
  generous rate limit) and an admin key for it, for the many tests that do
  not depend on fresh state or special settings.
* ``cli`` -- runs a subcommand of the binary with a given environment.
"""
from __future__ import annotations

import os
import pathlib
import shutil
import signal
import subprocess
from typing import Callable

import pytest

from api_helpers import (BIN, SHARED_OPENAI_KEY, STOP_TIMEOUT_S, Server, base_env,
                         new_tmpdir, run_cli)


def _teardown(servers: list[Server]) -> None:
    """SIGTERMs every server still running (all at once), waits for each,
    and fails unless every one exited 0. Temp dirs are kept on failure."""
    for s in servers:
        s.session.close()
        if s.proc.poll() is None:
            s.proc.send_signal(signal.SIGTERM)
    failures = []
    for s in servers:
        try:
            s.returncode = s.proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            s.proc.kill()
            s.proc.wait()
            failures.append(f"port {s.port}: no exit within {STOP_TIMEOUT_S}s of SIGTERM\n"
                            f"{s.stderr()[-3000:]}")
            continue
        if s.returncode != 0 and not s.killed:
            failures.append(f"port {s.port}: exit status {s.returncode} (logs in {s.tmp})\n"
                            f"{s.stderr()[-6000:]}")
    for s in servers:
        s.close()
        if not failures:
            s.cleanup()
    if failures:
        pytest.fail("server teardown: " + "\n\n".join(failures))


@pytest.fixture(scope="session", autouse=True)
def _binary_present() -> None:
    if not os.access(BIN, os.X_OK):
        pytest.exit(f"salient binary not found at {BIN} (build it, or set SALIENT_BIN)", 2)


def _server_factory():
    started: list[Server] = []

    def start(env: dict[str, str] | None = None, threads: int | None = None,
              data_dir: pathlib.Path | None = None) -> Server:
        s = Server(env, threads, data_dir)
        started.append(s)
        return s

    return start, started


@pytest.fixture
def server() -> Callable[..., Server]:
    """Factory: server(env={...}, threads=None, data_dir=None) starts a
    server (with a fresh data dir unless one is given). Every server is
    stopped with SIGTERM at teardown and must have exited 0, including
    those a test stopped itself (but not those it killed with kill())."""
    start, started = _server_factory()
    yield start
    _teardown(started)


@pytest.fixture(scope="module")
def server_module() -> Callable[..., Server]:
    """The server factory with module scope: the servers live until the
    last test of the module has run."""
    start, started = _server_factory()
    yield start
    _teardown(started)


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers", "cli_contract: CLI behaviour whose exact output format is not fixed "
        "yet (salient ingest/search/seed); adapt when the CLI lands")


@pytest.fixture(scope="session")
def shared() -> Server:
    """A session-wide server: 1 MiB body limit, generous rate limit, debug
    logging and an OpenAI key that must never show up in its logs."""
    s = Server({"SALIENT_MAX_BODY_MB": "1", "SALIENT_LOG_LEVEL": "debug",
                "OPENAI_API_KEY": SHARED_OPENAI_KEY})
    yield s
    _teardown([s])


@pytest.fixture(scope="session")
def admin(shared: Server) -> dict:
    """An admin,write,read key object (with "key") on the shared server."""
    return shared.create_key(tenant="acme", name="shared-admin")


@pytest.fixture(scope="session")
def admin_key(admin: dict) -> str:
    return admin["key"]


@pytest.fixture
def cli() -> Callable[..., subprocess.CompletedProcess]:
    """cli(*args, env={...}, cwd=None) runs the binary in a fresh temp dir
    (or cwd) with base_env(env)."""
    dirs: list[pathlib.Path] = []

    def run(*args: str, env: dict[str, str] | None = None, cwd: pathlib.Path | None = None,
            timeout: float = 30.0) -> subprocess.CompletedProcess:
        if cwd is None:
            cwd = new_tmpdir()
            dirs.append(cwd)
        e = base_env(env)
        e.setdefault("SALIENT_DATA_DIR", str(pathlib.Path(cwd) / "data"))
        return run_cli(args, e, cwd, timeout=timeout)

    yield run
    for d in dirs:
        shutil.rmtree(d, ignore_errors=True)


