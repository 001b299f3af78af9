"""Issue 25.3: clients that retry whatever the answer says. The `openrouter` SDK retries every 5xx for up to an
hour and never reads x-should-retry; here it runs with its default retry policy, so a 5xx would show as more
submits (or a test that times out)."""
from __future__ import annotations

import asyncio
import time

import pytest

from tests.support import AUTH, CLIENT_KEY
from tests.video.helpers import submits, video_request

openrouter = pytest.importorskip("openrouter")
OpenRouter, errors = openrouter.OpenRouter, openrouter.errors

FAILING = "A cat [emulate:operation-error]"


@pytest.fixture
async def proxy(make_proxy):
    return await make_proxy(failure_replay_seconds=600)


@pytest.fixture
async def default_sdk(proxy):
    async with OpenRouter(api_key=CLIENT_KEY, server_url=str(proxy.make_url("/api/v1"))) as client:
        yield client


async def test_a_failed_video_chat_is_not_retried_by_the_openrouter_sdk(default_sdk, emulator):
    started = time.monotonic()
    with pytest.raises(errors.OpenRouterError) as failed:
        await asyncio.wait_for(default_sdk.chat.send_async(
            model="google/veo-3.1", messages=[{"role": "user", "content": FAILING}]), timeout=60)
    assert failed.value.status_code == 422 and "internal error" in str(failed.value)
    await asyncio.sleep(2)  # long enough for the SDK's first retries (0.5 s, 0.75 s + jitter) had there been any
    assert len(submits(emulator)) == 1 and time.monotonic() - started < 60


async def test_the_content_of_a_failed_job_answers_at_once(default_sdk, emulator):
    submitted = await default_sdk.video_generation.generate_async(model="google/veo-3.1", prompt=FAILING, duration=4)
    for _ in range(200):
        job = await default_sdk.video_generation.get_generation_async(job_id=submitted.id)
        if job.status not in ("pending", "in_progress"):
            break
        await asyncio.sleep(0.05)
    assert job.status == "failed"
    started = time.monotonic()
    with pytest.raises(errors.OpenRouterError) as failed:
        await asyncio.wait_for(default_sdk.video_generation.get_video_content_async(job_id=submitted.id), timeout=30)
    assert failed.value.status_code == 409 and time.monotonic() - started < 5
    assert len(submits(emulator)) == 1


async def test_the_identical_request_after_a_failure_gets_the_failure_again(proxy, emulator):
    body = video_request(FAILING, duration_seconds=4)
    first = await proxy.post("/v1/chat/completions", json=body, headers=AUTH)
    assert first.status == 502 and first.headers["x-should-retry"] == "false"
    message = (await first.json())["error"]["message"]  # issue 25.9: an operation name is not a job id
    assert "Operation: models/veo-3.1-generate-preview/operations/" in message and "Job id" not in message
    again = await proxy.post("/v1/chat/completions", json={**body, "stream": False}, headers=AUTH)
    assert again.status == 502 and (await again.json())["error"] == (await first.json())["error"]
    assert len(submits(emulator)) == 1
    changed = await proxy.post("/v1/chat/completions", json=video_request(FAILING + " again", duration_seconds=4),
                               headers=AUTH)
    assert changed.status == 502 and len(submits(emulator)) == 2  # another request is another generation


async def test_after_the_window_the_request_is_generated_again(make_proxy, emulator):
    proxy = await make_proxy(failure_replay_seconds=0.5)
    body = video_request(FAILING, duration_seconds=4)
    assert (await proxy.post("/v1/chat/completions", json=body, headers=AUTH)).status == 502
    await asyncio.sleep(0.6)
    assert (await proxy.post("/v1/chat/completions", json=body, headers=AUTH)).status == 502
    assert len(submits(emulator)) == 2
