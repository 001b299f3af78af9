"""Retries never pay twice: the real openai SDK (default max_retries=2) against genproxy, submits counted
in the emulator's request recording."""
from __future__ import annotations

import asyncio

import aiohttp
import openai
import pytest

from tests.support import AUTH, CLIENT_KEY, assert_openai_error
from tests.video.helpers import submits, video_request

VIDEO = "veo-3.1-generate-preview"
pytestmark = pytest.mark.filterwarnings("ignore:The Sora API:DeprecationWarning")


@pytest.fixture
async def proxy(make_proxy):
    # The Videos API requests below name no model: they go to Veo (its operations are what the emulator counts).
    return await make_proxy(default_video_model=VIDEO)


def sdk(proxy, **options) -> openai.AsyncOpenAI:
    # The SDK's defaults (max_retries=2) unless a test says otherwise.
    return openai.AsyncOpenAI(base_url=str(proxy.make_url("/v1")), api_key=CLIENT_KEY, **options)


async def test_a_failed_chat_video_is_not_retried_by_the_sdk(proxy, emulator):
    async with sdk(proxy) as client:
        assert client.max_retries == 2
        with pytest.raises(openai.APIStatusError) as caught:
            await client.chat.completions.create(
                model=VIDEO, messages=[{"role": "user", "content": "A cat [emulate:operation-error]"}],
                extra_body={"modalities": ["video", "text"], "video_config": {"duration_seconds": 8}})
    assert caught.value.status_code == 502
    assert caught.value.response.headers["x-should-retry"] == "false"
    assert len(submits(emulator)) == 1, "the SDK's two retries would have paid twice more"


async def test_a_failed_videos_api_job_says_do_not_retry(proxy, emulator):
    created = await (await proxy.post("/v1/videos", headers=AUTH,
                                      json={"prompt": "A cat [emulate:operation-error]"})).json()
    for _ in range(100):
        video = await (await proxy.get(f"/v1/videos/{created['id']}", headers=AUTH)).json()
        if video["status"] == "failed":
            break
        await asyncio.sleep(0.05)
    resp = await proxy.get(f"/v1/videos/{created['id']}/content", headers=AUTH)
    assert resp.status == 502
    assert resp.headers["x-should-retry"] == "false"


async def test_a_submit_that_fails_upstream_says_do_not_retry(proxy, emulator):
    async with sdk(proxy) as client:
        with pytest.raises(openai.APIStatusError) as caught:
            await client.chat.completions.create(
                model=VIDEO, messages=[{"role": "user", "content": "A cat [emulate:server-error]"}],
                extra_body={"modalities": ["video", "text"]})
    assert caught.value.status_code >= 500
    assert caught.value.response.headers["x-should-retry"] == "false"
    assert len(submits(emulator)) == 1


async def test_sdk_retries_after_a_timeout_attach_to_the_running_job(proxy, emulator):
    prompt = "A slow cat [emulate:delay=8]"
    async with sdk(proxy, timeout=0.6) as client:
        with pytest.raises(openai.APITimeoutError):
            await client.chat.completions.create(
                model=VIDEO, messages=[{"role": "user", "content": prompt}],
                extra_body={"modalities": ["video", "text"], "video_config": {"duration_seconds": 8}})
    assert len(submits(emulator)) == 1, "three attempts, one paid video"
    jobs = (await (await proxy.get("/v1/videos", headers=AUTH)).json())["data"]
    assert len(jobs) == 1 and jobs[0]["status"] in ("queued", "in_progress")


async def test_identical_chat_video_requests_share_one_job(proxy, emulator):
    body = video_request("A cat [emulate:delay=1]")
    first, second = await asyncio.gather(
        proxy.post("/v1/chat/completions", json=body, headers=AUTH),
        proxy.post("/v1/chat/completions", json={**body, "stream": False}, headers=AUTH))
    a, b = await first.json(), await second.json()
    assert first.status == second.status == 200, (a, b)
    assert a["choices"][0]["message"]["videos"][0]["job_id"] == b["choices"][0]["message"]["videos"][0]["job_id"]
    assert len(submits(emulator)) == 1


async def test_a_streamed_retry_attaches_too(proxy, emulator):
    body = video_request("A cat [emulate:delay=1]")
    first = asyncio.ensure_future(proxy.post("/v1/chat/completions", json=body, headers=AUTH))
    while not submits(emulator):
        await asyncio.sleep(0.02)
    resp = await proxy.post("/v1/chat/completions", json={**body, "stream": True}, headers=AUTH)
    text = await resp.text()
    job_id = (await (await first).json())["choices"][0]["message"]["videos"][0]["job_id"]
    assert job_id in text and '"finish_reason":"stop"' in text
    assert len(submits(emulator)) == 1


async def test_different_or_finished_requests_start_their_own_jobs(proxy, emulator):
    one = await proxy.post("/v1/chat/completions", json=video_request("A cat"), headers=AUTH)
    assert one.status == 200
    # The same request once the first has finished: the client wants another video.
    two = await proxy.post("/v1/chat/completions", json=video_request("A cat"), headers=AUTH)
    three = await proxy.post("/v1/chat/completions", json=video_request("A dog"), headers=AUTH)
    assert two.status == three.status == 200
    ids = {(await r.json())["choices"][0]["message"]["videos"][0]["job_id"] for r in (one, two, three)}
    assert len(ids) == 3
    assert len(submits(emulator)) == 3


async def test_an_idempotency_key_reused_for_another_body_is_422(proxy, emulator):
    headers = {**AUTH, "Idempotency-Key": "cat-1"}
    first = await proxy.post("/v1/videos", json={"prompt": "A cat", "seconds": "8"}, headers=headers)
    assert first.status == 200
    first_id = (await first.json())["id"]
    for other in ({"prompt": "A dog", "seconds": "8"}, {"prompt": "A cat", "seconds": "4"},
                  {"prompt": "A cat", "seconds": "8", "model": "veo-3.1-fast-generate-preview"}):
        resp = await proxy.post("/v1/videos", json=other, headers=headers)
        assert resp.status == 422, other
        error = assert_openai_error(await resp.json(), code="idempotency_key_reused", param="Idempotency-Key")
        assert first_id in error["message"]
    # The same body (as multipart, as the SDK sends it) is the same request: the same job.
    form = aiohttp.FormData({"prompt": "A cat", "seconds": "8"}, default_to_multipart=True)
    again = await proxy.post("/v1/videos", data=form, headers=headers)
    assert (await again.json())["id"] == first_id
    assert len(submits(emulator)) == 1


async def test_the_sdk_sees_idempotency_key_reuse_as_unprocessable(proxy, emulator):
    async with sdk(proxy) as client:
        await client.videos.create(prompt="A cat", extra_headers={"Idempotency-Key": "sdk-1"})
        with pytest.raises(openai.UnprocessableEntityError):
            await client.videos.create(prompt="A dog", extra_headers={"Idempotency-Key": "sdk-1"})
    assert len(submits(emulator)) == 1
