"""Omni jobs are durable like Veo's: restarts, disconnects, deadlines, caps, uri delivery, poll retries."""
from __future__ import annotations

import asyncio

import pytest

from proxy.app import create_app
from tests.support import AUTH, assert_openai_error

OMNI = "gemini-omni-1.1-flash"
URL = "/v1/chat/completions"


def chat(prompt: str, **config) -> dict:
    return {"model": OMNI, "modalities": ["video", "text"], "video_config": config,
            "messages": [{"role": "user", "content": prompt}]}


async def wait_done(proxy, video_id: str, timeout: float = 15) -> dict:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        body = await (await proxy.get(f"/v1/videos/{video_id}", headers=AUTH)).json()
        if body["status"] in ("completed", "failed"):
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"{video_id} did not finish: {body}")


async def test_a_restarted_proxy_finishes_the_omni_job(aiohttp_client, make_settings, emulator):
    settings = make_settings()
    first = await aiohttp_client(create_app(settings))
    video = await (await first.post("/v1/videos", json={"prompt": "A fox [emulate:delay=1.5]", "model": OMNI},
                                    headers=AUTH)).json()
    await first.close()  # the proxy stops while Google is still working
    second = await aiohttp_client(create_app(settings))
    done = await wait_done(second, video["id"])
    assert done["status"] == "completed"
    content = await second.get(f"/v1/videos/{video['id']}/content", headers=AUTH)
    assert (await content.read())[4:8] == b"ftyp"
    assert len([r for r in emulator.state.requests if r.path == "/v1beta/interactions"]) == 1


async def test_deadline_is_a_504_and_the_job_stays_fetchable(make_proxy):
    proxy = await make_proxy(video_deadline=0.5)
    resp = await proxy.post(URL, json=chat("A fox [emulate:delay=1.5]"), headers=AUTH)
    assert resp.status == 504
    error = assert_openai_error(await resp.json(), code="generation_timeout")
    job_id = error["message"].split("Job id: ")[1].split(".")[0]
    assert (await wait_done(proxy, job_id))["status"] == "completed"


async def test_a_chat_client_that_leaves_does_not_cancel_the_video(proxy, emulator):
    request = asyncio.ensure_future(proxy.post(URL, json=chat("A fox [emulate:delay=1]"), headers=AUTH))
    await asyncio.sleep(0.4)
    request.cancel()
    with pytest.raises(asyncio.CancelledError):
        await request
    [video] = (await (await proxy.get("/v1/videos", headers=AUTH)).json())["data"]
    assert (await wait_done(proxy, video["id"]))["status"] == "completed"
    assert not [r for r in emulator.state.requests if r.path.endswith("/cancel")]


async def test_streaming_sends_keepalives_while_google_works(proxy):
    resp = await proxy.post(URL, json={**chat("A fox [emulate:delay=1.2]"), "stream": True}, headers=AUTH)
    text = await resp.text()
    assert resp.status == 200
    assert ": keep-alive" in text
    assert '"videos"' in text and text.rstrip().endswith("data: [DONE]")


async def test_per_key_cap_is_a_429(make_proxy, emulator):
    proxy = await make_proxy(max_jobs_per_key=1)
    first = await proxy.post("/v1/videos", json={"prompt": "A fox [emulate:delay=5]", "model": OMNI}, headers=AUTH)
    assert first.status == 200
    second = await proxy.post("/v1/videos", json={"prompt": "Another", "model": OMNI}, headers=AUTH)
    assert second.status == 429
    assert_openai_error(await second.json(), code="too_many_jobs")


async def test_a_large_video_delivered_as_a_uri_is_downloaded(make_emulator, make_proxy):
    big = await make_emulator(video_padding_bytes=5 * 1024 * 1024)
    proxy = await make_proxy(gemini_base_url=big.base_url)
    resp = await proxy.post(URL, json=chat("A big one"), headers=AUTH)
    body = await resp.json()
    assert resp.status == 200, body
    [video] = body["choices"][0]["message"]["videos"]
    assert video["bytes"] >= 5 * 1024 * 1024 and video["file_uri"].endswith(":download?alt=media")


async def test_poll_errors_are_retried(proxy):
    resp = await proxy.post(URL, json=chat("A fox [emulate:poll-error]"), headers=AUTH)
    assert resp.status == 200
    assert (await resp.json())["choices"][0]["message"]["videos"]


async def test_quota_at_create_is_a_429_with_googles_message(proxy):
    resp = await proxy.post(URL, json=chat("A fox [emulate:quota]"), headers=AUTH)
    assert resp.status == 429
    assert "exceeded your current quota" in (await resp.json())["error"]["message"]
