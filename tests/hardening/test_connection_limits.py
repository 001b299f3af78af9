"""Issue 14.4: connections are bounded. A flood of idle connections does not lock out new clients,
slow headers and bodies time out, and a server whose connections are all busy refuses cleanly."""
from __future__ import annotations

import json
import resource
import socket
import time
import urllib.request

import pytest

from tests.hardening.serve import ServeProcess

pytestmark = pytest.mark.slow


def _healthz(server: ServeProcess, timeout: float = 5.0) -> int:
    with urllib.request.urlopen(f"{server.base_url}/healthz", timeout=timeout) as resp:
        return resp.status


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except (TimeoutError, ConnectionResetError):
        pass
    return b"".join(chunks)


@pytest.fixture
def fd_room():
    """This test process holds thousands of sockets: raise its own soft fd limit while it runs."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 8192 if hard == resource.RLIM_INFINITY else min(8192, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_thousands_of_idle_connections_do_not_lock_out_new_clients(tmp_path, fd_room):
    # The server may open 1024 files; 3000 idle connections (no key needed) would exhaust it.
    # No start-up doctor run: its catalog lines are not what this test counts.
    server = ServeProcess(tmp_path / "home", {"header_timeout": 60, "discovery_at_startup": False}, nofile=1024)
    idle: list[socket.socket] = []
    try:
        failures = 0
        while len(idle) < 3000 and failures < 5:
            try:
                idle.append(socket.create_connection(("127.0.0.1", server.port), timeout=3))
            except OSError:
                failures += 1
        started = time.monotonic()
        for _ in range(20):  # new clients, one after another, while the idle ones are held
            assert _healthz(server) == 200
        assert time.monotonic() - started < 5
        assert len(idle) == 3000, f"only {len(idle)} connections could be opened"
        log = server.stderr()
    finally:
        for sock in idle:
            sock.close()
        server.stop()
    assert "Traceback" not in log, log[-3000:]
    assert "max_connections 4096 lowered to 480" in log
    other = [line for line in log.splitlines() if "genproxy.access" not in line]
    assert len(other) < 10, other  # rate-limited, not a line per connection


def test_slow_headers_slow_bodies_and_idle_keepalive_are_closed(tmp_path):
    server = ServeProcess(tmp_path / "home", {"header_timeout": 1, "body_timeout": 1, "idle_timeout": 1})
    try:
        silent = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        partial = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        partial.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never finishes its headers
        slow_body = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        slow_body.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                          b"Content-Length: 1000\r\n\r\n{\"model\": ")
        kept = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert kept.recv(65536).startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        for sock in (silent, partial, slow_body, kept):
            _read_all(sock)  # returns when the server closes the connection
        elapsed = time.monotonic() - started
        assert elapsed < 5, f"connections held for {elapsed:.1f} s"
        assert _healthz(server) == 200
    finally:
        server.stop()


def _busy(port: int) -> socket.socket:
    """A connection whose request is in progress: the handler waits for the rest of its body."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 1000\r\n\r\n{\"model\": ")
    return sock


def test_when_every_connection_is_busy_a_new_one_gets_a_clean_503(tmp_path):
    server = ServeProcess(tmp_path / "home", {"max_connections": 2, "body_timeout": 30})
    try:
        busy = [_busy(server.port), _busy(server.port)]
        time.sleep(0.3)
        extra = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        reply = _read_all(extra)
        head, _, body = reply.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 503"), reply
        assert b"Retry-After: 1" in head
        assert json.loads(body)["error"]["code"] == "too_many_connections"
        for sock in busy:
            sock.close()
        time.sleep(0.3)
        assert _healthz(server) == 200  # room again once they are gone
        log = server.stderr()
    finally:
        server.stop()
    assert "refusing new connections with 503" in log and "Traceback" not in log
