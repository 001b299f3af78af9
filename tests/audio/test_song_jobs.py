"""A song is a durable job: a retried request attaches to it (Google is asked once), and a song cut off
by a restart fails as interrupted instead of being asked for (and paid) again."""
from __future__ import annotations

import asyncio

import aiohttp
import pytest
import yaml

from tests.jobs.test_restart import free_port, start_proxy
from tests.support import AUTH, CLIENT_KEY, UPSTREAM_KEY


def lyria_calls(emulator, model="lyria-3-clip-preview"):
    return [r for r in emulator.state.requests if f"{model}:generateContent" in r.path]


async def test_a_retried_song_request_attaches_to_the_running_job(proxy, emulator):
    body = {"model": "lyria-3-clip-preview", "modalities": ["audio", "text"],
            "messages": [{"role": "user", "content": "A waltz [emulate:delay=1]"}]}
    first = asyncio.create_task(proxy.post("/v1/chat/completions", headers=AUTH, json=body))
    while not lyria_calls(emulator):
        await asyncio.sleep(0.02)
    second = await proxy.post("/v1/chat/completions", headers=AUTH, json=body)
    answers = [await (await first).json(), await second.json()]
    jobs = {a["choices"][0]["message"]["audio"]["job_id"] for a in answers}
    assert len(jobs) == 1 and len(lyria_calls(emulator)) == 1
    usage = await (await proxy.get("/v1/usage", params={"group_by": "model"}, headers=AUTH)).json()
    assert next(r for r in usage["data"] if r["model"] == "lyria-3-clip-preview")["cost_usd"] == pytest.approx(0.04)


async def test_unknown_song_id_is_404(proxy):
    resp = await proxy.get("/v1/audio/songs/video_nope", headers=AUTH)
    assert resp.status == 404 and (await resp.json())["error"]["code"] == "job_not_found"


@pytest.mark.slow
async def test_a_song_cut_off_by_a_restart_fails_as_interrupted_and_is_not_asked_again(tmp_path, emulator):
    config = tmp_path / "genproxy.yaml"
    config.write_text(yaml.safe_dump({
        "api_keys": [CLIENT_KEY], "gemini_api_keys": [UPSTREAM_KEY], "gemini_base_url": emulator.base_url,
        "auth_dir": str(tmp_path / "auth"), "data_dir": str(tmp_path / "data"),
        "poll_initial_delay": 0.1, "poll_max_delay": 0.3}))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = await start_proxy(config, port)
    try:
        async with aiohttp.ClientSession(headers=AUTH) as http:
            body = {"model": "lyria-3-clip-preview", "modalities": ["audio", "text"], "stream": True,
                    "messages": [{"role": "user", "content": "A long march [emulate:delay=3]"}]}
            async with http.post(f"{base}/v1/chat/completions", json=body) as resp:
                line = b""
                while b"job_id" not in line:
                    line = await resp.content.readline()
                job_id = line.split(b'"job_id":"')[1].split(b'"')[0].decode()
                proc.kill()
                await proc.wait()
            proc = await start_proxy(config, port)
            for _ in range(100):
                async with http.get(f"{base}/v1/audio/songs/{job_id}") as resp:
                    song = await resp.json()
                if song["status"] not in ("queued", "in_progress", "submitting"):
                    break
                await asyncio.sleep(0.1)
            assert song["status"] == "failed" and song["error"]["code"] == "submit_interrupted", song
            assert len(lyria_calls(emulator)) == 1
    finally:
        if proc.returncode is None:
            proc.terminate()
            await proc.wait()
