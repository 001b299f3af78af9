"""One log line per request; secrets never reach the logs."""
from __future__ import annotations

import logging

from tests.support import AUTH, CLIENT_KEY, UPSTREAM_KEY, chat


def access_lines(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "genproxy.access"]


async def test_one_line_per_request_with_id_model_route_status_duration(echo_proxy, caplog):
    caplog.set_level(logging.INFO)
    resp = await echo_proxy.post("/v1/chat/completions", json=chat("echo-anything", "hi"), headers=AUTH)
    assert resp.status == 200
    request_id = resp.headers["x-request-id"]
    lines = [line for line in access_lines(caplog) if request_id in line]
    assert len(lines) == 1, access_lines(caplog)
    line = lines[0]
    assert "model=echo-anything" in line
    assert "route=echo-*" in line, "the route is the routes.yaml entry that matched"
    assert "status=200" in line
    assert line.rstrip().endswith("ms")


async def test_error_statuses_are_logged(echo_proxy, caplog):
    caplog.set_level(logging.INFO)
    for body, status in ((chat("gpt-4o"), 404), ({"model": "echo-1"}, 400), (chat("echo-1", "boom"), 500)):
        resp = await echo_proxy.post("/v1/chat/completions", json=body, headers=AUTH)
        assert resp.status == status
        line = next(line for line in access_lines(caplog) if resp.headers["x-request-id"] in line)
        assert f"status={status}" in line
    resp = await echo_proxy.get("/v1/models")
    assert resp.status == 401
    assert any(resp.headers["x-request-id"] in line and "status=401" in line for line in access_lines(caplog))


async def test_client_key_in_query_is_never_logged(echo_proxy, caplog):
    caplog.set_level(logging.DEBUG)
    for path in ("/v1/models", "/v1/nope"):
        await echo_proxy.get(path, params={"key": CLIENT_KEY})
    await echo_proxy.post("/v1/chat/completions", params={"key": CLIENT_KEY}, json=chat("echo-1", "boom"))
    await echo_proxy.get("/v1/models", params={"key": CLIENT_KEY + "-wrong"})
    assert access_lines(caplog)
    assert not [r for r in caplog.records if CLIENT_KEY in r.getMessage() or CLIENT_KEY in (r.exc_text or "")]


async def test_upstream_key_is_never_logged(echo_proxy, caplog, emulator):
    caplog.set_level(logging.DEBUG)
    ok = await echo_proxy.post("/v1/chat/completions", json=chat("echo-1", "upstream call"), headers=AUTH)
    assert ok.status == 200, await ok.text()
    failed = await echo_proxy.post("/v1/chat/completions", json=chat("echo-1", "upstream [emulate:server-error]"),
                                   headers=AUTH)
    assert failed.status >= 500
    assert UPSTREAM_KEY not in await failed.text()
    assert caplog.records
    assert not [r for r in caplog.records if UPSTREAM_KEY in r.getMessage() or UPSTREAM_KEY in (r.exc_text or "")]


def test_redact_filter_blanks_secrets_in_messages_and_tracebacks():
    from proxy.ops.redact import REDACTED, RedactSecrets

    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "calling %s?key=%s", ("url", UPSTREAM_KEY), None)
    try:
        raise ValueError(f"bad key {CLIENT_KEY}")
    except ValueError:
        import sys
        failing = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    f = RedactSecrets(lambda: [UPSTREAM_KEY, CLIENT_KEY])
    assert f.filter(record) and f.filter(failing)
    assert UPSTREAM_KEY not in record.getMessage() and REDACTED in record.getMessage()
    assert CLIENT_KEY not in logging.Formatter().format(failing)


async def test_genproxy_serve_writes_its_access_log_in_batches_still_one_redacted_line_each(tmp_path):
    """The serve process's fast access log (no LogRecord): same line shape, secrets still blanked."""
    import asyncio
    import re
    import signal
    import sys

    import aiohttp

    from tests.jobs.test_restart import free_port
    from tests.support import REPO

    port = free_port()
    secret = "upstream-secret-key-0042"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "proxy", "serve", "--port", str(port), "--routes", str(REPO / "routes.yaml"),
        cwd=tmp_path, env={"GEMINI_API_KEY": secret, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        assert b"listening on" in await asyncio.wait_for(proc.stdout.readline(), 30)
        async with aiohttp.ClientSession() as http:
            for path in ("/healthz", f"/v1beta/models/{secret}"):
                async with http.get(f"http://127.0.0.1:{port}{path}") as resp:
                    await resp.read()
    finally:
        proc.send_signal(signal.SIGTERM)
        err = (await asyncio.wait_for(proc.stderr.read(), 30)).decode()
        await proc.wait()
    lines = [line for line in err.splitlines() if "genproxy.access" in line]
    assert len(lines) == 2, err
    shape = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO genproxy\.access: [0-9a-f]{20} GET \S+ key=\S+ model=\S+ route=\S+ status=\d{3} [\d.]+ms"
    assert all(re.fullmatch(shape, line) for line in lines), lines
    assert secret not in err and "/v1beta/models/[redacted]" in lines[1]
