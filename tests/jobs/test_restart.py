"""A proxy killed with SIGKILL mid-poll finishes the job after a restart."""
from __future__ import annotations

import asyncio
import socket
import sys

import aiohttp
import pytest
import yaml

from tests.jobs.conftest import VEO
from tests.support import AUTH, CLIENT_KEY, REPO, UPSTREAM_KEY
from tests.video.helpers import polls


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def start_proxy(config, port: int) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "proxy", "serve", "--config", str(config), "--port", str(port),
        "--routes", str(REPO / "routes.yaml"), cwd=REPO,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    line = await asyncio.wait_for(proc.stdout.readline(), 20)
    assert b"listening on" in line, line
    return proc


@pytest.mark.slow
async def test_sigkill_mid_poll_then_restart_delivers_the_video(tmp_path, emulator):
    config = tmp_path / "genproxy.yaml"
    config.write_text(yaml.safe_dump({
        "api_keys": [CLIENT_KEY], "gemini_api_keys": [UPSTREAM_KEY], "gemini_base_url": emulator.base_url,
        # these jobs poll Veo operations (the proxy's default video model is Gemini Omni)
        "default_video_model": VEO,
        "auth_dir": str(tmp_path / "auth"), "data_dir": str(tmp_path / "data"),
        "poll_initial_delay": 0.1, "poll_max_delay": 0.3,
    }))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = await start_proxy(config, port)
    try:
        async with aiohttp.ClientSession(headers=AUTH) as http:
            async with http.post(f"{base}/v1/videos", json={"prompt": "A cat [emulate:delay=3]"}) as resp:
                assert resp.status == 200, await resp.text()
                video_id = (await resp.json())["id"]
            while not polls(emulator):
                await asyncio.sleep(0.05)
            proc.kill()
            await proc.wait()
            polls_before = len(polls(emulator))

            proc = await start_proxy(config, port)
            async with http.get(f"{base}/v1/videos/{video_id}") as resp:
                assert (await resp.json())["status"] in ("queued", "in_progress")
            for _ in range(200):
                async with http.get(f"{base}/v1/videos/{video_id}") as resp:
                    video = await resp.json()
                if video["status"] != "in_progress" and video["status"] != "queued":
                    break
                await asyncio.sleep(0.05)
            assert video["status"] == "completed", video
            assert len(polls(emulator)) > polls_before  # the new process polled the same operation
            async with http.get(f"{base}/v1/videos/{video_id}/content") as resp:
                assert resp.status == 200
                assert (await resp.read())[4:8] == b"ftyp"
    finally:
        if proc.returncode is None:
            proc.terminate()
            await proc.wait()
