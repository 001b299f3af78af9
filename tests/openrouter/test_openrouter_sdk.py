"""The official `openrouter` Python SDK against genproxy's /api/v1: real app on a real socket, emulator behind it.

The only change from talking to OpenRouter is server_url (and genproxy's key).
"""
from __future__ import annotations

import asyncio

import pytest

from tests.clients.helpers import data_uri_bytes, is_mp4, png_size
from tests.support import CLIENT_KEY
from tests.video.helpers import PNG_1PX, submits

openrouter = pytest.importorskip("openrouter")  # in the test extras (setup.cfg)
OpenRouter, errors = openrouter.OpenRouter, openrouter.errors


@pytest.fixture
async def sdk(proxy):
    async with OpenRouter(api_key=CLIENT_KEY, server_url=str(proxy.make_url("/api/v1")),
                          http_referer="https://example.test", x_open_router_title="genproxy tests") as client:
        yield client


async def _until_done(sdk, job_id: str):
    for _ in range(200):
        job = await sdk.video_generation.get_generation_async(job_id=job_id)
        if job.status not in ("pending", "in_progress"):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


async def test_generate_poll_download_with_the_sdk(sdk, emulator):
    # The SDK reference's own example (openrouter.ai/docs/client-sdks/python/api-reference/videogeneration).
    submitted = await sdk.video_generation.generate_async(model="google/veo-3.1", prompt="A serene mountain landscape "
                                                          "at sunset", aspect_ratio="16:9", duration=8, resolution="720p")
    assert submitted.status == "pending" and submitted.polling_url == f"/api/v1/videos/{submitted.id}"
    job = await _until_done(sdk, submitted.id)
    assert job.status == "completed" and job.generation_id == submitted.id
    assert len(job.unsigned_urls) == 1 and job.unsigned_urls[0].endswith(f"/api/v1/videos/{job.id}/content?index=0")
    content = await sdk.video_generation.get_video_content_async(job_id=job.id, index=0)
    assert content.headers["content-type"] == "video/mp4" and is_mp4(await content.aread())
    [sent] = submits(emulator)
    assert sent.path.endswith("/models/veo-3.1-generate-preview:predictLongRunning")
    assert sent.json["parameters"]["durationSeconds"] == 8 and sent.json["parameters"]["aspectRatio"] == "16:9"


async def test_first_and_last_frames_reach_veo(sdk, emulator):
    submitted = await sdk.video_generation.generate_async(
        model="google/veo-3.1-fast", prompt="The flower opens", duration=8,
        frame_images=[{"type": "image_url", "image_url": {"url": PNG_1PX}, "frame_type": "first_frame"},
                      {"type": "image_url", "image_url": {"url": PNG_1PX}, "frame_type": "last_frame"}])
    assert (await _until_done(sdk, submitted.id)).status == "completed"
    [sent] = submits(emulator)
    instance = sent.json["instances"][0]
    assert sent.path.endswith("/models/veo-3.1-fast-generate-preview:predictLongRunning")
    assert instance["image"]["mimeType"] == "image/png" and instance["lastFrame"]["mimeType"] == "image/png"


async def test_previous_job_id_extends_a_veo_video(sdk, emulator):
    first = await sdk.video_generation.generate_async(model="google/veo-3.1", prompt="A cat on a wall", duration=8)
    await _until_done(sdk, first.id)
    second = await sdk.video_generation.generate_async(model="google/veo-3.1", prompt="the cat jumps down",
                                                       previous_job_id=first.id)
    assert (await _until_done(sdk, second.id)).status == "completed"
    extend = submits(emulator)[1].json
    assert extend["instances"][0]["prompt"] == "the cat jumps down" and extend["instances"][0]["video"]["uri"]
    assert extend["parameters"]["resolution"] == "720p" and extend["parameters"]["durationSeconds"] == 8


async def test_list_videos_models_gives_each_models_limits(sdk):
    listing = await sdk.video_generation.list_videos_models_async()
    models = {m.id: m for m in listing.data}
    veo = models["google/veo-3.1"]
    assert veo.canonical_slug == "veo-3.1-generate-preview"
    assert veo.supported_durations == [4, 6, 8] and veo.supported_aspect_ratios == ["16:9", "9:16"]
    assert veo.supported_resolutions == ["720p", "1080p", "4K"]
    assert veo.supported_frame_images == ["first_frame", "last_frame"]
    assert "1920x1080" in veo.supported_sizes and "640x360" not in veo.supported_sizes
    omni = models["gemini-omni-1.2-flash"]
    assert omni.supported_durations == list(range(3, 16)) and "360p" in omni.supported_resolutions
    assert not any(m.canonical_slug.startswith("gemini-3") for m in listing.data)  # text and image models are not videos


async def test_sdk_errors_are_typed(sdk, emulator):
    with pytest.raises(errors.BadRequestResponseError) as caught:
        await sdk.video_generation.generate_async(model="google/veo-3.1", prompt="x", duration=5)
    assert caught.value.data.error.code == 400 and "duration 4, 6, 8" in caught.value.data.error.message
    with pytest.raises(errors.NotFoundResponseError):
        await sdk.video_generation.get_generation_async(job_id="video_000000000000000000000000")
    assert submits(emulator) == []


async def test_chat_send_with_image_modalities(sdk, emulator):
    reply = await sdk.chat.send_async(model="google/gemini-3.1-flash-image-preview",
                                      messages=[{"role": "user", "content": "A red square"}],
                                      modalities=["image", "text"], image_config={"aspect_ratio": "16:9"})
    message = reply.choices[0].message
    assert message.images, message
    png = data_uri_bytes(message.images[0].image_url.url, "image/png")
    assert png_size(png)[0] > png_size(png)[1]  # 16:9
    [sent] = [r for r in emulator.state.requests if r.path.endswith(":generateContent")]
    assert sent.path.endswith("/models/gemini-3.1-flash-image:generateContent")  # the retired id's replacement
    assert sent.json["generationConfig"]["imageConfig"] == {"aspectRatio": "16:9"}


async def test_chat_send_streams_text_with_reasoning_settings(sdk, emulator):
    stream = await sdk.chat.send_async(model="google/gemini-3-flash-preview", stream=True,
                                       messages=[{"role": "user", "content": "stream me"}],
                                       reasoning={"effort": "high"}, provider={"sort": "price"})
    text = ""
    async for chunk in stream:
        text += "".join(choice.delta.content or "" for choice in chunk.choices)
    assert text == "Echo: stream me"
    [sent] = [r for r in emulator.state.requests if r.path.endswith(":streamGenerateContent")]
    assert sent.json["generationConfig"]["thinkingConfig"]["thinkingLevel"] == "HIGH"
