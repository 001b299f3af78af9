"""Gemini Omni through the Videos API with the openai SDK: create, remix (Omni edits, Veo extends), delete."""
from __future__ import annotations

import asyncio

import openai
import pytest

from tests.clients.helpers import is_mp4
from tests.omni.helpers import OMNI, OTHER_KEY, VEO, interactions
from tests.support import AUTH, assert_openai_error

pytestmark = pytest.mark.filterwarnings("ignore:The Sora API:DeprecationWarning")


async def test_create_and_poll_an_omni_video(client, emulator):
    video = await client.videos.create_and_poll(prompt="A kite over the dunes", model=OMNI, seconds="12",
                                                size="720x1280", poll_interval_ms=100)
    assert video.status == "completed" and video.model == OMNI
    assert video.seconds == "12" and video.size == "720x1280"
    data = (await client.videos.download_content(video.id)).read()
    assert is_mp4(data)
    [sent] = interactions(emulator)
    assert sent.json["response_format"] == {"type": "video", "aspect_ratio": "9:16", "duration": "12s",
                                            "resolution": "720p"}


async def test_remix_of_an_omni_video_is_an_edit(client, emulator):
    source = await client.videos.create_and_poll(prompt="A quiet harbour", model=OMNI, poll_interval_ms=100)
    remix = await client.videos.remix(source.id, prompt="now make it night")
    assert remix.remixed_from_video_id == source.id and remix.id != source.id
    while remix.status in ("queued", "in_progress"):
        await asyncio.sleep(0.1)
        remix = await client.videos.retrieve(remix.id)
    assert remix.status == "completed" and remix.remixed_from_video_id == source.id
    assert is_mp4((await client.videos.download_content(remix.id)).read())
    first, edit = interactions(emulator)
    create_reply_id = next(r for r in emulator.state.interactions.values() if r.previous_interaction_id is None).id
    assert edit.json["previous_interaction_id"] == create_reply_id
    assert edit.json["input"] == [{"type": "text", "text": "now make it night"}]


async def test_remix_of_a_veo_video_extends_it_at_720p_8s(client, emulator):
    source = await client.videos.create_and_poll(prompt="A cat on a wall", model=VEO, seconds="8",
                                                 poll_interval_ms=100)
    remix = await client.videos.remix(source.id, prompt="the cat jumps down")
    assert remix.remixed_from_video_id == source.id
    extends = [r for r in emulator.state.requests if r.path.endswith(":predictLongRunning")]
    assert len(extends) == 2
    instance, parameters = extends[1].json["instances"][0], extends[1].json["parameters"]
    assert instance["prompt"] == "the cat jumps down" and instance["video"]["uri"]
    assert parameters["resolution"] == "720p" and parameters["durationSeconds"] == 8


async def test_remix_of_another_keys_video_is_404(client, proxy):
    source = await client.videos.create_and_poll(prompt="A quiet harbour", model=OMNI, poll_interval_ms=100)
    async with openai.AsyncOpenAI(base_url=str(proxy.make_url("/v1")), api_key=OTHER_KEY, max_retries=0) as other:
        with pytest.raises(openai.NotFoundError):
            await other.videos.remix(source.id, prompt="now make it night")


@pytest.mark.parametrize("emulator_operation_delay", [30])
async def test_delete_cancels_the_running_interaction_at_google(client, emulator):
    video = await client.videos.create(prompt="A long one", model=OMNI)
    deleted = await client.videos.delete(video.id)
    assert deleted.deleted
    [cancel] = interactions(emulator, suffix="/cancel")
    [item] = emulator.state.interactions.values()
    assert cancel.path == f"/v1beta/interactions/{item.id}/cancel" and item.status() == "cancelled"
    with pytest.raises(openai.NotFoundError):
        await client.videos.retrieve(video.id)


async def test_failed_omni_job_reports_googles_message(client):
    video = await client.videos.create_and_poll(prompt="A storm [emulate:operation-error]", model=OMNI,
                                                poll_interval_ms=100)
    assert video.status == "failed" and video.error.code == "generation_failed"
    assert "Video generation failed due to an internal error." in video.error.message


async def test_invalid_options_for_omni_are_400s(proxy, emulator):
    resp = await proxy.post("/v1/videos", json={"prompt": "x", "model": "gemini-omni-1.1-flash", "seconds": "5"},
                            headers=AUTH)
    assert resp.status == 400
    assert_openai_error(await resp.json(), param="video_config.duration_seconds")
    resp = await proxy.post("/v1/videos", json={"prompt": "x", "model": "gemini-2.5-flash"}, headers=AUTH)
    assert_openai_error(await resp.json(), code="model_not_video")
    assert interactions(emulator) == []


async def test_360p_sizes_reach_omni_and_are_refused_for_veo(proxy, emulator):
    resp = await proxy.post("/v1/videos", json={"prompt": "x", "model": OMNI, "size": "640x360"}, headers=AUTH)
    assert resp.status == 200 and (await resp.json())["size"] == "640x360"
    [sent] = interactions(emulator)
    assert sent.json["response_format"]["resolution"] == "360p"
    resp = await proxy.post("/v1/videos", json={"prompt": "x", "model": VEO, "size": "640x360"}, headers=AUTH)
    assert resp.status == 400
    assert_openai_error(await resp.json(), param="video_config.resolution")


async def test_idempotent_create_pays_once(proxy, emulator):
    headers = {**AUTH, "Idempotency-Key": "omni-1"}
    first = await (await proxy.post("/v1/videos", json={"prompt": "x", "model": OMNI}, headers=headers)).json()
    again = await (await proxy.post("/v1/videos", json={"prompt": "x", "model": OMNI}, headers=headers)).json()
    assert first["id"] == again["id"] and len(interactions(emulator)) == 1
