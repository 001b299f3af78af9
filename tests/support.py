"""Constants and small helpers the tests share."""
from __future__ import annotations

import asyncio
import re
import signal
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
CLIENT_KEY = "test-client-key-0001"
UPSTREAM_KEY = "test-upstream-key-0001"
AUTH = {"Authorization": f"Bearer {CLIENT_KEY}"}


def chat(model: str, prompt: str = "hello", **extra: Any) -> dict:
    """An OpenAI chat completions body with one user message."""
    return {"model": model, "messages": [{"role": "user", "content": prompt}], **extra}


def assert_openai_error(body: dict, code: str | None = None, param: str | None = None) -> dict:
    error = body["error"]
    assert set(error) >= {"message", "type", "param", "code"}, error
    assert error["message"]
    if code is not None:
        assert error["code"] == code, error
    if param is not None:
        assert error["param"] == param, error
    return error


WORKERS_LINE = re.compile(r"listening on (http://\S+) with 2 workers \(pids (\d+), (\d+)\)")


async def serve_two_workers(tmp_path: Path, upstream_url: str, stderr, **config: Any):
    """`genproxy serve --workers 2` on a free port with a config against ``upstream_url`` (plus ``config``);
    returns the process, the first line it printed, and that line's WORKERS_LINE match (None: it did not
    start). The caller stops the process."""
    path = tmp_path / "genproxy.yaml"
    path.write_text(yaml.safe_dump({
        "api_keys": [CLIENT_KEY], "gemini_api_keys": [UPSTREAM_KEY], "gemini_base_url": upstream_url,
        "auth_dir": str(tmp_path / "auth"), "data_dir": str(tmp_path / "data"), **config}))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "proxy", "serve", "--workers", "2", "--port", "0", "--config", str(path),
        "--routes", str(REPO / "routes.yaml"), cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=stderr,
        # SIGINT as a terminal's Ctrl-C finds it, even when the suite runs in the background with it ignored
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        line = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode()
    except BaseException:
        proc.kill()
        await proc.wait()
        raise
    return proc, line, WORKERS_LINE.search(line)
