"""`genproxy serve --emulator` keeps the emulator's operations under data_dir: a restart of the
whole process (proxy and emulator) still delivers a video job that was running."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support import REPO

GENPROXY = str(Path(sys.executable).with_name("genproxy"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(home: Path, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENPROXY_", "GEMINI_", "GOOGLE_"))}
    env["HOME"] = str(home)
    proc = subprocess.Popen([GENPROXY, "serve", "--emulator", "--emulator-delay", "3", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=REPO)
    ready, _, _ = select.select([proc.stdout], [], [], 30)
    assert ready and "listening on" in proc.stdout.readline()
    return proc


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()


def call(url: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as resp:
        return json.loads(resp.read())


@pytest.mark.slow
def test_serve_emulator_restart_keeps_running_video_job(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # the default video model is Gemini Omni (google-genai 3.1.0's): an interaction file, or a Veo operation's
    ops_dir = tmp_path / ".local/share/genproxy/emulator/upstream"
    proc = serve(tmp_path, port)
    try:
        video_id = call(f"{base}/v1/videos", {"prompt": "A lighthouse at dusk"})["id"]
        deadline = time.monotonic() + 10
        while not list(ops_dir.glob("**/*.json")):
            assert time.monotonic() < deadline, "the emulator wrote no operation file"
            time.sleep(0.05)
    finally:
        stop(proc)
    proc = serve(tmp_path, port)
    try:
        deadline = time.monotonic() + 40
        while True:
            job = call(f"{base}/v1/videos/{video_id}")
            if job["status"] in ("completed", "failed"):
                break
            assert time.monotonic() < deadline, job
            time.sleep(0.2)
        assert job["status"] == "completed", job
    finally:
        stop(proc)
