"""Gemini Omni through /v1/chat/completions with the openai SDK: generate, stream, edit in conversation."""
from __future__ import annotations

import openai
import pytest

from tests.clients.helpers import data_uri_bytes, is_mp4
from tests.support import assert_openai_error

OMNI = "gemini-omni-1.1-flash"
OTHER_KEY = "test-client-key-0002"


def interactions(emulator) -> list:
    return [r for r in emulator.state.requests if r.method == "POST" and r.path == "/v1beta/interactions"]


async def generate(client, messages, **video_config):
    return await client.chat.completions.create(
        model=OMNI, messages=messages,
        extra_body={"modalities": ["video", "text"], "video_config": video_config})


async def test_chat_generates_an_omni_video_with_video_tokens(client, emulator):
    reply = await generate(client, [{"role": "user", "content": "A red fox in the snow"}],
                           duration_seconds=10, aspect_ratio="9:16", resolution="1080p")
    message = reply.choices[0].message
    [video] = message.model_extra["videos"]
    assert is_mp4(data_uri_bytes(video["video_url"]["url"], "video/mp4"))
    assert video["job_id"].startswith("video_") and video["interaction_id"].startswith("v1_")
    assert "gemini-omni-1.1-flash" in message.content and "10 s" in message.content
    assert reply.usage.completion_tokens_details.model_extra["video_tokens"] == 57920
    [sent] = interactions(emulator)
    assert sent.json["background"] is True and "response_modalities" not in sent.json  # deprecated by Google
    assert sent.json["response_format"] == {"type": "video", "aspect_ratio": "9:16", "duration": "10s",
                                            "resolution": "1080p"}
    assert sent.json["input"] == [{"type": "text", "text": "A red fox in the snow"}]
    assert sent.headers.get("x-goog-api-key")  # an API key: the Interactions API refuses OAuth tokens


async def test_chat_streaming_sends_progress_then_the_video(client):
    stream = await client.chat.completions.create(
        model=OMNI, messages=[{"role": "user", "content": "A lighthouse at dusk"}], stream=True,
        stream_options={"include_usage": True}, extra_body={"modalities": ["video", "text"]})
    job_ids, videos, usage = set(), [], None
    async for chunk in stream:
        extra = chunk.model_extra or {}
        if extra.get("genproxy"):
            job_ids.add(extra["genproxy"]["job_id"])
        for choice in chunk.choices:
            videos += (choice.delta.model_extra or {}).get("videos") or []
        usage = chunk.usage or usage
    assert len(job_ids) == 1
    [video] = videos
    assert video["job_id"] in job_ids and is_mp4(data_uri_bytes(video["video_url"]["url"], "video/mp4"))
    assert usage.completion_tokens_details.model_extra["video_tokens"] > 0


async def test_two_turn_conversation_edits_the_last_video(client, emulator):
    history = [{"role": "user", "content": "A quiet street in Lisbon"}]
    first = await generate(client, history)
    history.append(first.choices[0].message.model_dump(exclude_none=True))
    history.append({"role": "user", "content": "now make it night"})
    second = await generate(client, history)
    [video] = second.choices[0].message.model_extra["videos"]
    [earlier] = first.choices[0].message.model_extra["videos"]
    assert video["edited_from"] == earlier["job_id"] and video["job_id"] != earlier["job_id"]
    assert second.choices[0].message.content.startswith(f"Edited video {earlier['job_id']}")
    create, edit = interactions(emulator)
    assert "previous_interaction_id" not in create.json
    assert edit.json["previous_interaction_id"] == earlier["interaction_id"]
    assert edit.json["input"] == [{"type": "text", "text": "now make it night"}]
    assert "generation_config" not in edit.json  # Google picks the task (edit, extend, ...) from the prompt


async def test_previous_video_edits_explicitly_and_another_keys_job_is_404(client, proxy, emulator):
    first = await generate(client, [{"role": "user", "content": "A paper boat"}])
    job_id = first.choices[0].message.model_extra["videos"][0]["job_id"]
    edit = await generate(client, [{"role": "user", "content": "make it rain"}], previous_video=job_id)
    assert edit.choices[0].message.model_extra["videos"][0]["edited_from"] == job_id
    async with openai.AsyncOpenAI(base_url=str(proxy.make_url("/v1")), api_key=OTHER_KEY, max_retries=0) as other:
        with pytest.raises(openai.NotFoundError) as caught:
            await generate(other, [{"role": "user", "content": "make it rain"}], previous_video=job_id)
    assert_openai_error(caught.value.body and {"error": caught.value.body}, code="job_not_found")
    assert len(interactions(emulator)) == 2  # the refused edit never reached Google


@pytest.mark.parametrize("model,config,param", [
    ("gemini-omni-1.1-flash", {"duration_seconds": 5}, "video_config.duration_seconds"),
    ("gemini-omni-flash-preview", {"resolution": "8k"}, "video_config.resolution"),  # retired -> 1.1
    ("gemini-omni-1.2-flash", {"duration_seconds": 16}, "video_config.duration_seconds"),
    ("gemini-omni-1.2-flash", {"aspect_ratio": "1:1"}, "video_config.aspect_ratio"),
    ("gemini-omni-1.1-flash", {"negative_prompt": "blur"}, "video_config.negative_prompt"),
    ("gemini-omni-1.1-flash", {"previous_video": "not-a-job"}, "video_config.previous_video"),
    ("gemini-omni-1.1-flash", {"task": "paint"}, "video_config.task"),
])
async def test_invalid_options_are_400s_before_google_is_asked(client, emulator, model, config, param):
    with pytest.raises(openai.BadRequestError) as caught:
        await client.chat.completions.create(model=model, messages=[{"role": "user", "content": "x"}],
                                             extra_body={"modalities": ["video", "text"], "video_config": config})
    assert caught.value.body["param"] == param
    assert interactions(emulator) == []


async def test_too_many_images_and_audio_are_refused(client, emulator):
    png = "data:image/png;base64,iVBORw0KGgo="
    parts = [{"type": "text", "text": "a collage"}] + [{"type": "image_url", "image_url": {"url": png}}] * 11
    with pytest.raises(openai.BadRequestError) as caught:
        await generate(client, [{"role": "user", "content": parts}])
    assert "at most 10 input images" in caught.value.body["message"]
    audio = [{"type": "text", "text": "x"}, {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}]
    with pytest.raises(openai.BadRequestError):
        await generate(client, [{"role": "user", "content": audio}])
    assert interactions(emulator) == []


@pytest.mark.parametrize("marker,status,code", [
    ("operation-error", 502, "generation_failed"), ("safety", 400, "content_filter"),
    ("incomplete", 502, "generation_incomplete"), ("cancelled", 409, "generation_cancelled")])
async def test_googles_end_states_are_openai_errors_with_googles_message(client, marker, status, code):
    with pytest.raises(openai.APIStatusError) as caught:
        await generate(client, [{"role": "user", "content": f"A storm [emulate:{marker}]"}])
    assert caught.value.status_code == status
    assert caught.value.body["code"] == code
    if marker == "safety":
        assert "Responsible AI" in caught.value.body["message"]
    if marker == "operation-error":
        assert "Video generation failed due to an internal error." in caught.value.body["message"]


async def test_history_naming_only_the_job_id_edits_as_the_readme_shows(proxy, emulator):
    from tests.support import AUTH

    body = {"model": OMNI, "modalities": ["video", "text"],
            "messages": [{"role": "user", "content": "A quiet street in Lisbon"}]}
    first = await (await proxy.post("/v1/chat/completions", json=body, headers=AUTH)).json()
    job_id = first["choices"][0]["message"]["videos"][0]["job_id"]
    body["messages"] += [{"role": "assistant", "content": "", "videos": [{"job_id": job_id}]},
                         {"role": "user", "content": "now make it night"}]
    resp = await proxy.post("/v1/chat/completions", json=body, headers=AUTH)
    second = await resp.json()
    assert resp.status == 200, second
    assert second["choices"][0]["message"]["videos"][0]["edited_from"] == job_id
    assert "previous_interaction_id" in interactions(emulator)[-1].json


async def test_a_veo_video_earlier_in_the_conversation_starts_a_new_omni_video(proxy, emulator):
    from tests.support import AUTH

    veo = {"model": "veo-3.1-generate-preview", "modalities": ["video", "text"],
           "messages": [{"role": "user", "content": "A cat"}]}
    first = await (await proxy.post("/v1/chat/completions", json=veo, headers=AUTH)).json()
    job_id = first["choices"][0]["message"]["videos"][0]["job_id"]
    body = {"model": OMNI, "modalities": ["video", "text"],
            "messages": veo["messages"] + [{"role": "assistant", "content": "", "videos": [{"job_id": job_id}]},
                                           {"role": "user", "content": "A dog instead"}]}
    resp = await proxy.post("/v1/chat/completions", json=body, headers=AUTH)
    assert resp.status == 200
    assert "previous_interaction_id" not in interactions(emulator)[-1].json
    explicit = {**body, "video_config": {"previous_video": job_id}}
    resp = await proxy.post("/v1/chat/completions", json=explicit, headers=AUTH)
    assert resp.status == 400 and "not Gemini Omni" in (await resp.json())["error"]["message"]


async def test_an_edit_goes_to_the_credential_that_made_the_video(make_proxy, emulator):
    from tests.support import AUTH

    proxy = await make_proxy(gemini_api_keys=["upstream-key-a", "upstream-key-b"])
    body = {"model": OMNI, "modalities": ["video", "text"], "video_config": {"seed": 7, "task": "text_to_video"},
            "messages": [{"role": "user", "content": "A paper boat"}]}
    first = await (await proxy.post("/v1/chat/completions", json=body, headers=AUTH)).json()
    job_id = first["choices"][0]["message"]["videos"][0]["job_id"]
    for _ in range(3):  # whatever the pool's rotation, every edit goes to the first video's project
        edit = {"model": OMNI, "modalities": ["video", "text"], "video_config": {"previous_video": job_id},
                "messages": [{"role": "user", "content": "make it rain"}]}
        assert (await proxy.post("/v1/chat/completions", json=edit, headers=AUTH)).status == 200
    creates = interactions(emulator)
    assert creates[0].json["generation_config"] == {"seed": 7, "video_config": {"task": "text_to_video"}}
    keys = {r.headers["x-goog-api-key"] for r in creates}
    assert len(keys) == 1
    polls = [r for r in emulator.state.requests if r.method == "GET" and "/interactions/" in r.path]
    assert {r.headers["x-goog-api-key"] for r in polls} == keys
