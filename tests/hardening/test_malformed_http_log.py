"""Issue 14.9: a malformed HTTP request from an unauthenticated client is one log line, not a traceback."""
from __future__ import annotations

import json
import socket
import time

import pytest

from tests.hardening.serve import ServeProcess

MALFORMED = [
    b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n",      # a bad header value
    b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",           # a request line past the limit
    b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\x01: y\r\n\r\n",          # a header name with a control byte
]


def _raw(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture
def server(tmp_path):
    running = ServeProcess(tmp_path / "home", {"api_keys": ["k-123456"]})
    yield running
    running.stop()


@pytest.mark.slow
def test_each_malformed_request_is_one_line_and_an_openai_shaped_400(server):
    before = len(server.stderr_lines)
    for data in MALFORMED:
        reply = _raw(server.port, data)
        head, _, body = reply.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400") or head.startswith(b"HTTP/1.0 400"), head
        error = json.loads(body)["error"]
        assert error["code"] == "bad_http_request" and error["type"] == "invalid_request_error"
    # The lines reach the pipe a moment after the answers (a loaded machine: wait up to 10 s, not a fixed 0.3 s).
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and \
            sum("genproxy.server" in line for line in server.stderr_lines[before:]) < len(MALFORMED):
        time.sleep(0.05)
    server.stderr()
    every = "".join(server.stderr_lines[before:]).splitlines()
    assert "Traceback" not in "\n".join(every)
    assert not any(" ERROR " in line for line in every), every
    # one INFO line per malformed request, naming the client and what was wrong (background loops, such as
    # the start-up doctor check, may log meanwhile: their lines are not about these requests)
    lines = [line for line in every if "genproxy.server" in line]
    assert len(lines) == len(MALFORMED), every
    assert all("malformed HTTP request from 127.0.0.1: 400" in line for line in lines), lines
    assert "Content-Length" in lines[0] and "8190 bytes" in lines[1]
