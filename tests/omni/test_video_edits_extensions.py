"""openai >= 3.63's videos.edit and videos.extend (POST /v1/videos/edits, /v1/videos/extensions), and
LiteLLM's JSON form of the same calls: Omni edits and extends its videos, Veo 3.1 extends its own."""
from __future__ import annotations

import asyncio

import aiohttp
import openai
import pytest

from tests.clients.helpers import is_mp4
from tests.omni.helpers import OMNI, OTHER_KEY, VEO, interactions
from tests.support import AUTH, assert_openai_error
from tests.video.helpers import submits

pytestmark = pytest.mark.filterwarnings("ignore:The Sora API:DeprecationWarning")


async def form_post(client, path: str, body: dict) -> openai.types.Video:
    """The request openai-node's videos.edit/extend send for a video id: a multipart form with video[id]
    (openai-python 3.63 refuses video={"id"} on the client side, taking the dict for a file), built by the
    SDK's own multipart encoder."""
    return await client.post(path, cast_to=openai.types.Video, body=body, files=[],
                             options={"headers": {"Content-Type": "multipart/form-data"}})


async def finished(client, video):
    while video.status in ("queued", "in_progress"):
        await asyncio.sleep(0.1)
        video = await client.videos.retrieve(video.id)
    return video


async def test_sdk_edit_by_id_edits_the_omni_video_in_its_chain(client, emulator):
    source = await client.videos.create_and_poll(prompt="A quiet harbour", model=OMNI, poll_interval_ms=100)
    edit = await form_post(client, "/videos/edits", {"prompt": "now make it night", "video": {"id": source.id}})
    assert edit.remixed_from_video_id == source.id and edit.id != source.id
    done = await finished(client, edit)
    assert done.status == "completed" and done.model == OMNI
    assert is_mp4((await client.videos.download_content(done.id)).read())
    first, sent = interactions(emulator)
    assert sent.json["previous_interaction_id"] == first_reply_id(emulator)
    assert sent.json["input"] == [{"type": "text", "text": "now make it night"}]


def first_reply_id(emulator) -> str:
    return next(r for r in emulator.state.interactions.values() if r.previous_interaction_id is None).id


async def test_sdk_edit_of_an_uploaded_file_goes_to_omni_with_the_video(client, emulator):
    source = await client.videos.create_and_poll(prompt="A quiet harbour", model=OMNI, poll_interval_ms=100)
    mp4 = (await client.videos.download_content(source.id)).read()
    edit = await client.videos.edit(prompt="make it snow", video=("harbour.mp4", mp4, "video/mp4"))
    done = await finished(client, edit)
    assert done.status == "completed" and done.model == OMNI and done.remixed_from_video_id is None
    sent = interactions(emulator)[-1].json
    [text, video] = sent["input"]
    assert text == {"type": "text", "text": "make it snow"}
    assert video["type"] == "video" and video["mime_type"] == "video/mp4" and len(video["data"]) > len(mp4)


async def test_sdk_extend_of_a_veo_video_is_a_veo_extension(client, emulator):
    source = await client.videos.create_and_poll(prompt="A cat on a wall", model=VEO, seconds="8", poll_interval_ms=100)
    extension = await form_post(client, "/videos/extensions",
                                {"prompt": "the cat jumps down", "seconds": "8", "video": {"id": source.id}})
    assert extension.remixed_from_video_id == source.id
    sent = [r for r in emulator.state.requests if r.path.endswith(":predictLongRunning")]
    assert len(sent) == 2
    instance, parameters = sent[1].json["instances"][0], sent[1].json["parameters"]
    assert instance["prompt"] == "the cat jumps down" and instance["video"]["uri"]
    assert parameters["resolution"] == "720p" and parameters["durationSeconds"] == 8


async def test_litellm_json_extension_of_an_omni_video(proxy, client, emulator):
    source = await client.videos.create_and_poll(prompt="A kite", model=OMNI, poll_interval_ms=100)
    resp = await proxy.post("/v1/videos/extensions", headers=AUTH,
                            json={"prompt": "it flies higher", "seconds": "8", "video": {"id": source.id}})
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["object"] == "video" and body["remixed_from_video_id"] == source.id
    sent = interactions(emulator)[-1].json
    assert sent["previous_interaction_id"] == first_reply_id(emulator)
    assert sent["response_format"]["duration"] == "8s"


async def test_refusals_are_400s_that_say_what_to_do_and_cost_nothing(proxy, client, emulator):
    veo = await client.videos.create_and_poll(prompt="A cat", model=VEO, seconds="8", poll_interval_ms=100)
    before = submits(emulator)
    resp = await proxy.post("/v1/videos/edits", headers=AUTH, json={"prompt": "night", "video": {"id": veo.id}})
    body = assert_openai_error(await resp.json(), code="edit_not_supported", param="video")
    assert resp.status == 400 and "/v1/videos/extensions" in body["message"]
    resp = await proxy.post("/v1/videos/extensions", headers=AUTH,
                            json={"prompt": "more", "seconds": 4, "video": {"id": veo.id}})
    assert resp.status == 400, await resp.text()
    assert "duration_seconds 8" in (await resp.json())["error"]["message"]
    resp = await proxy.post("/v1/videos/edits", headers=AUTH, json={"prompt": "night"})
    assert resp.status == 400
    assert_openai_error(await resp.json(), code="missing_required_parameter", param="video")
    resp = await proxy.post("/v1/videos/edits", headers=AUTH, json={"prompt": "x", "video": {"id": veo.id},
                                                                    "vidoe": 1})
    assert resp.status == 400
    assert submits(emulator) == before


async def test_another_keys_video_is_404_and_route_is_not_taken_for_an_id(proxy, client):
    source = await client.videos.create_and_poll(prompt="A quiet harbour", model=OMNI, poll_interval_ms=100)
    other = {"Authorization": f"Bearer {OTHER_KEY}"}
    resp = await proxy.post("/v1/videos/edits", headers=other, json={"prompt": "x", "video": {"id": source.id}})
    assert resp.status == 404
    assert_openai_error(await resp.json(), code="video_not_found", param="video")
    # GET /v1/videos/edits is not a video id lookup that leaks a misleading 405 or 404 of a job.
    resp = await proxy.get("/v1/videos/edits", headers=AUTH)
    assert resp.status in (404, 405)


async def test_node_style_form_with_video_id_field(proxy, client, emulator):
    source = await client.videos.create_and_poll(prompt="A quiet harbour", model=OMNI, poll_interval_ms=100)
    form = aiohttp.FormData(default_to_multipart=True)
    form.add_field("prompt", "now make it night")
    form.add_field("video[id]", source.id)
    resp = await proxy.post("/v1/videos/edits", headers=AUTH, data=form)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["remixed_from_video_id"] == source.id
    assert interactions(emulator)[-1].json["previous_interaction_id"] == first_reply_id(emulator)
