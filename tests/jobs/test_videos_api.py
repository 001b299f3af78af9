"""The OpenAI Videos API on the durable job store, end to end through the emulator."""
from __future__ import annotations

import asyncio
import logging

import aiohttp
import pytest

from proxy import keys
from tests.support import AUTH, CLIENT_KEY, assert_openai_error
from tests.video.helpers import PNG_1PX, mp4_duration, submits

OTHER_KEY = "test-client-key-0002"
OTHER = {"Authorization": f"Bearer {OTHER_KEY}"}


async def wait_done(proxy, video_id: str, headers=AUTH, timeout: float = 15) -> dict:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        resp = await proxy.get(f"/v1/videos/{video_id}", headers=headers)
        body = await resp.json()
        if body["status"] in ("completed", "failed"):
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"{video_id} did not finish: {body}")


@pytest.fixture
def make_settings(make_settings):
    """These tests drive the Videos API through Veo, the default video model of 2026-11 (now Gemini Omni's,
    as google-genai 3.1.0's: tests/catalog covers that default)."""
    def make(**overrides):
        overrides.setdefault("default_video_model", "veo-3.1-generate-preview")
        return make_settings(**overrides)

    return make


@pytest.fixture
def slow_submit(monkeypatch):
    """Google takes half a second to accept a video: long enough for a client to give up."""
    from proxy.upstreams.gemini import GeminiUpstream

    submit = GeminiUpstream.predict_long_running

    async def slow(self, model, body):
        await asyncio.sleep(0.5)
        return await submit(self, model, body)

    monkeypatch.setattr(GeminiUpstream, "predict_long_running", slow)


@pytest.fixture
async def two_key_proxy(make_proxy):
    return await make_proxy(api_keys=[CLIENT_KEY, OTHER_KEY])


async def test_create_poll_and_download(proxy, emulator):
    resp = await proxy.post("/v1/videos", json={"prompt": "A cat", "seconds": "4", "size": "1280x720"}, headers=AUTH)
    assert resp.status == 200, await resp.text()
    assert int(resp.headers["openai-poll-after-ms"]) > 0
    video = await resp.json()
    assert video["object"] == "video" and video["id"].startswith("video_")
    assert video["status"] in ("queued", "in_progress") and video["seconds"] == "4" and video["size"] == "1280x720"
    assert video["model"] == "veo-3.1-generate-preview"
    done = await wait_done(proxy, video["id"])
    assert done["status"] == "completed" and done["progress"] == 100 and done["error"] is None
    assert done["expires_at"] - done["completed_at"] == pytest.approx(2 * 24 * 3600, abs=5)
    content = await proxy.get(f"/v1/videos/{video['id']}/content", headers=AUTH)
    assert content.status == 200 and content.headers["Content-Type"] == "video/mp4"
    data = await content.read()
    assert data[4:8] == b"ftyp" and mp4_duration(data) == pytest.approx(4, abs=0.5)
    assert submits(emulator)[0].json["parameters"] == {"aspectRatio": "16:9", "resolution": "720p", "durationSeconds": 4}
    ranged = await proxy.get(f"/v1/videos/{video['id']}/content", headers={**AUTH, "Range": "bytes=0-99"})
    assert ranged.status == 206 and await ranged.read() == data[:100]


async def test_multipart_create_as_the_openai_sdk_sends_it(proxy, emulator):
    import base64
    form = aiohttp.FormData()
    form.add_field("prompt", "The cat wakes up")
    form.add_field("model", "veo-3.1-fast-generate-preview")
    form.add_field("seconds", "8")
    form.add_field("size", "720x1280")
    form.add_field("negative_prompt", "blurry")
    png = base64.b64decode(PNG_1PX.split(",", 1)[1])
    form.add_field("input_reference", png, filename="first.png", content_type="image/png")
    resp = await proxy.post("/v1/videos", data=form, headers=AUTH)
    assert resp.status == 200, await resp.text()
    video = await resp.json()
    assert video["size"] == "720x1280" and video["model"] == "veo-3.1-fast-generate-preview"
    [submit] = submits(emulator)
    assert submit.json["instances"][0]["image"]["bytesBase64Encoded"] == PNG_1PX.split(",", 1)[1]
    assert submit.json["parameters"]["aspectRatio"] == "9:16"
    assert submit.json["parameters"]["negativePrompt"] == "blurry"
    assert (await wait_done(proxy, video["id"]))["status"] == "completed"


@pytest.mark.parametrize("body, param", [
    ({"prompt": "A cat", "size": "1000x1000"}, "size"),
    ({"prompt": "A cat", "seconds": "5"}, "video_config.duration_seconds"),
    ({"seconds": "4"}, "prompt"),
    ({"prompt": "A cat", "model": "gemini-3-flash-preview"}, "model"),
])
async def test_bad_creates_are_400s_and_cost_nothing(proxy, emulator, body, param):
    resp = await proxy.post("/v1/videos", json=body, headers=AUTH)
    assert resp.status == 400, await resp.text()
    assert_openai_error(await resp.json(), param=param)
    assert submits(emulator) == []


async def test_idempotency_key_returns_the_same_job_and_pays_once(proxy, emulator):
    headers = {**AUTH, "Idempotency-Key": "cat-video-1"}
    first, second = await asyncio.gather(
        proxy.post("/v1/videos", json={"prompt": "A cat"}, headers=headers),
        proxy.post("/v1/videos", json={"prompt": "A cat"}, headers=headers))
    assert (await first.json())["id"] == (await second.json())["id"]
    assert len(submits(emulator)) == 1


async def test_jobs_belong_to_their_client_key(two_key_proxy):
    proxy = two_key_proxy
    mine = await (await proxy.post("/v1/videos", json={"prompt": "A cat"}, headers=AUTH)).json()
    for method, path in (("GET", f"/v1/videos/{mine['id']}"), ("GET", f"/v1/videos/{mine['id']}/content"),
                         ("DELETE", f"/v1/videos/{mine['id']}")):
        resp = await proxy.request(method, path, headers=OTHER)
        assert resp.status == 404, (method, path)
        assert_openai_error(await resp.json(), code="video_not_found")
    assert (await (await proxy.get("/v1/videos", headers=OTHER)).json())["data"] == []
    assert [v["id"] for v in (await (await proxy.get("/v1/videos", headers=AUTH)).json())["data"]] == [mine["id"]]


async def test_delete_forgets_the_job_and_its_file(proxy):
    video = await (await proxy.post("/v1/videos", json={"prompt": "A cat"}, headers=AUTH)).json()
    await wait_done(proxy, video["id"])
    media_dir = proxy.app[keys.MEDIA_STORE].folder
    assert list(media_dir.glob("*.mp4"))
    resp = await proxy.delete(f"/v1/videos/{video['id']}", headers=AUTH)
    assert await resp.json() == {"id": video["id"], "object": "video.deleted", "deleted": True}
    assert (await proxy.get(f"/v1/videos/{video['id']}", headers=AUTH)).status == 404
    assert list(media_dir.glob("*.mp4")) == []


async def test_list_pages_with_after_limit_and_order(proxy):
    ids = []
    for n in range(3):
        ids.append((await (await proxy.post("/v1/videos", json={"prompt": f"cat {n}"}, headers=AUTH)).json())["id"])
        await asyncio.sleep(0.01)
    page = await (await proxy.get("/v1/videos?limit=2", headers=AUTH)).json()
    assert page["object"] == "list" and page["has_more"] is True
    assert [v["id"] for v in page["data"]] == [ids[2], ids[1]]
    assert page["first_id"] == ids[2] and page["last_id"] == ids[1]
    rest = await (await proxy.get(f"/v1/videos?limit=2&after={page['last_id']}", headers=AUTH)).json()
    assert [v["id"] for v in rest["data"]] == [ids[0]] and rest["has_more"] is False
    asc = await (await proxy.get("/v1/videos?order=asc", headers=AUTH)).json()
    assert [v["id"] for v in asc["data"]] == ids
    bad = await proxy.get("/v1/videos?limit=500", headers=AUTH)
    assert bad.status == 400


async def test_too_many_unfinished_jobs_per_key_is_a_429(make_proxy, emulator):
    proxy = await make_proxy(max_jobs_per_key=1)
    first = await proxy.post("/v1/videos", json={"prompt": "A cat [emulate:delay=2]"}, headers=AUTH)
    assert first.status == 200
    second = await proxy.post("/v1/videos", json={"prompt": "Another cat"}, headers=AUTH)
    assert second.status == 429 and second.headers["Retry-After"]
    assert_openai_error(await second.json(), code="too_many_jobs")
    assert len(submits(emulator)) == 1


async def test_a_failed_job_reports_its_error(proxy):
    video = await (await proxy.post("/v1/videos", json={"prompt": "A cat [emulate:operation-error]"},
                                    headers=AUTH)).json()
    done = await wait_done(proxy, video["id"])
    assert done["status"] == "failed"
    assert done["error"]["code"] == "generation_failed" and "internal error" in done["error"]["message"]
    content = await proxy.get(f"/v1/videos/{video['id']}/content", headers=AUTH)
    assert content.status == 502


async def test_content_before_completion_is_a_409(proxy):
    video = await (await proxy.post("/v1/videos", json={"prompt": "A cat [emulate:delay=3]"}, headers=AUTH)).json()
    resp = await proxy.get(f"/v1/videos/{video['id']}/content", headers=AUTH)
    assert resp.status == 409
    assert_openai_error(await resp.json(), code="video_not_ready")


async def test_a_chat_client_that_disconnects_does_not_cancel_the_video(proxy, emulator):
    body = {"model": "veo-3.1-generate-preview", "modalities": ["video", "text"],
            "messages": [{"role": "user", "content": "A cat [emulate:delay=1]"}]}
    request = asyncio.ensure_future(proxy.post("/v1/chat/completions", json=body, headers=AUTH))
    await asyncio.sleep(0.4)
    request.cancel()
    with pytest.raises(asyncio.CancelledError):
        await request
    listed = await (await proxy.get("/v1/videos", headers=AUTH)).json()
    [video] = listed["data"]
    done = await wait_done(proxy, video["id"])
    assert done["status"] == "completed"
    content = await proxy.get(f"/v1/videos/{video['id']}/content", headers=AUTH)
    assert (await content.read())[4:8] == b"ftyp"


async def test_expired_media_is_removed_and_says_so(make_proxy, caplog):
    proxy = await make_proxy(media_ttl=0.3)
    video = await (await proxy.post("/v1/videos", json={"prompt": "A cat"}, headers=AUTH)).json()
    await wait_done(proxy, video["id"])
    await asyncio.sleep(0.4)
    with caplog.at_level(logging.INFO, logger="genproxy.jobs"):
        removed = await proxy.app[keys.JOB_RUNNER].remove_expired_media()
    assert len(removed) == 1 and removed[0].endswith(".mp4")
    assert "removed 1 expired media file" in caplog.text
    resp = await proxy.get(f"/v1/videos/{video['id']}/content", headers=AUTH)
    assert resp.status == 404
    assert_openai_error(await resp.json(), code="job_expired")


async def test_status_moves_to_in_progress_while_google_works(proxy):
    video = await (await proxy.post("/v1/videos", json={"prompt": "A cat [emulate:delay=1.5]"}, headers=AUTH)).json()
    seen = set()
    for _ in range(100):
        current = await (await proxy.get(f"/v1/videos/{video['id']}", headers=AUTH)).json()
        seen.add(current["status"])
        if current["status"] == "completed":
            break
        await asyncio.sleep(0.05)
    assert {"in_progress", "completed"} <= seen


async def test_a_binary_form_field_is_a_400_naming_it(proxy, emulator):
    form = aiohttp.FormData()
    form.add_field("prompt", "A cat")
    form.add_field("seconds", b"\x00\xff", filename="seconds.bin", content_type="application/octet-stream")
    resp = await proxy.post("/v1/videos", data=form, headers=AUTH)
    assert resp.status == 400
    assert_openai_error(await resp.json(), param="seconds")
    assert submits(emulator) == []


async def test_two_proxies_on_one_job_store_share_jobs_and_the_per_key_cap(make_proxy, emulator):
    # The single-process lock gave way to leases: both start, each sees the other's jobs, the cap is shared.
    first = await make_proxy(max_jobs_per_key=1)
    second = await make_proxy(max_jobs_per_key=1)
    resp = await first.post("/v1/videos", json={"prompt": "A shared cat [emulate:delay=1]"}, headers=AUTH)
    assert resp.status == 200, await resp.text()
    video_id = (await resp.json())["id"]
    refused = await second.post("/v1/videos", json={"prompt": "One too many"}, headers=AUTH)
    assert refused.status == 429
    assert_openai_error(await refused.json(), code="too_many_jobs")
    assert (await wait_done(second, video_id))["status"] == "completed"
    assert (await (await second.get(f"/v1/videos/{video_id}/content", headers=AUTH)).read())[4:8] == b"ftyp"
    assert len(submits(emulator)) == 1


async def test_a_client_that_leaves_during_the_submit_still_gets_a_recorded_job(proxy, emulator, slow_submit):
    body = {"model": "veo-3.1-generate-preview", "modalities": ["video", "text"],
            "messages": [{"role": "user", "content": "A patient cat"}]}
    request = asyncio.ensure_future(proxy.post("/v1/chat/completions", json=body, headers=AUTH))
    await asyncio.sleep(0.2)
    request.cancel()
    with pytest.raises(asyncio.CancelledError):
        await request
    await asyncio.sleep(0.6)
    assert len(submits(emulator)) == 1
    [video] = (await (await proxy.get("/v1/videos", headers=AUTH)).json())["data"]
    assert (await wait_done(proxy, video["id"]))["status"] == "completed"


async def test_a_retry_after_giving_up_finds_the_job_instead_of_paying_twice(proxy, emulator, slow_submit):
    headers = {**AUTH, "Idempotency-Key": "retry-me"}
    first = asyncio.ensure_future(proxy.post("/v1/videos", json={"prompt": "A cat"}, headers=headers))
    await asyncio.sleep(0.2)
    first.cancel()  # the client's timeout
    with pytest.raises(asyncio.CancelledError):
        await first
    retry = await (await proxy.post("/v1/videos", json={"prompt": "A cat"}, headers=headers)).json()
    assert retry["id"].startswith("video_")
    assert len(submits(emulator)) == 1
    assert [v["id"] for v in (await (await proxy.get("/v1/videos", headers=AUTH)).json())["data"]] == [retry["id"]]
