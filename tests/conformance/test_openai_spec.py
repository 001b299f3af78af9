"""genproxy's OpenAI endpoints answer what OpenAI's OpenAPI document says they answer."""
from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from tests.conformance.spec import schema, validate
from tests.support import AUTH, chat
from tests.video.helpers import video_request

TEXT, IMAGE = "gemini-2.5-flash", "gemini-2.5-flash-image"
pytestmark = pytest.mark.filterwarnings("ignore:The Sora API:DeprecationWarning")


def sse_events(text: str) -> list[dict]:
    return [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: {")]


async def wait_done(proxy, video_id: str) -> dict:
    for _ in range(200):
        video = await (await proxy.get(f"/v1/videos/{video_id}", headers=AUTH)).json()
        if video["status"] in ("completed", "failed"):
            return video
        await asyncio.sleep(0.05)
    raise AssertionError(video)


async def test_text_reply_matches_the_spec_with_logprobs_and_refusal_null(proxy):
    resp = await proxy.post("/v1/chat/completions", json=chat(TEXT, "hi"), headers=AUTH)
    body = await resp.json()
    validate(body, "CreateChatCompletionResponse")
    choice = body["choices"][0]
    assert choice["logprobs"] is None and choice["message"]["refusal"] is None
    assert int(resp.headers["openai-processing-ms"]) >= 0


async def test_image_and_video_chat_replies_match_the_spec(proxy):
    for body in (chat(IMAGE, "a cat", modalities=["image", "text"]), video_request("a cat")):
        resp = await proxy.post("/v1/chat/completions", json=body, headers=AUTH)
        reply = await resp.json()
        assert resp.status == 200, reply
        validate(reply, "CreateChatCompletionResponse")
        assert reply["choices"][0]["logprobs"] is None and reply["choices"][0]["message"]["refusal"] is None
        assert "openai-processing-ms" in resp.headers


async def test_streamed_text_chunks_match_the_spec(proxy):
    resp = await proxy.post("/v1/chat/completions", headers=AUTH,
                            json=chat(TEXT, "hi", stream=True, stream_options={"include_usage": True}))
    events = sse_events(await resp.text())
    for event in events:
        validate(event, "CreateChatCompletionStreamResponse")
    assert events[-1]["choices"] == [] and events[-1]["usage"]["total_tokens"] > 0


async def test_a_streamed_video_ends_with_a_usage_chunk_when_asked(proxy):
    body = {**video_request("a cat"), "stream": True, "stream_options": {"include_usage": True}}
    resp = await proxy.post("/v1/chat/completions", json=body, headers=AUTH)
    events = sse_events(await resp.text())
    for event in events:
        validate(event, "CreateChatCompletionStreamResponse")
    assert any(c["finish_reason"] == "stop" for e in events for c in e["choices"])
    last = events[-1]
    assert last["choices"] == [] and "usage" in last, last
    validate(last["usage"], "CompletionUsage")
    # Without include_usage, no usage chunk.
    resp = await proxy.post("/v1/chat/completions", json={**body, "stream_options": None}, headers=AUTH)
    assert all("usage" not in e for e in sse_events(await resp.text()))


async def test_images_generations_usage_has_input_tokens_details(proxy):
    resp = await proxy.post("/v1/images/generations", json={"prompt": "a cat", "model": IMAGE}, headers=AUTH)
    body = await resp.json()
    assert resp.status == 200, body
    validate(body, "ImagesResponse")
    details = body["usage"]["input_tokens_details"]
    assert details["text_tokens"] == body["usage"]["input_tokens"] and details["image_tokens"] == 0
    assert "openai-processing-ms" in resp.headers


async def test_videos_api_objects_match_the_spec(proxy):
    created = await (await proxy.post("/v1/videos", json={"prompt": "a cat"}, headers=AUTH)).json()
    validate(created, "VideoResource")
    validate(await wait_done(proxy, created["id"]), "VideoResource")
    validate(await (await proxy.get("/v1/videos", headers=AUTH)).json(), "VideoListResource")
    validate(await (await proxy.delete(f"/v1/videos/{created['id']}", headers=AUTH)).json(), "DeletedVideoResource")
    validate(await (await proxy.get("/v1/models", headers=AUTH)).json(), "ListModelsResponse")


async def test_videos_api_defaults_follow_the_spec(make_proxy, emulator):
    # Veo, whose body shows the defaults (the proxy's own default video model is Gemini Omni).
    proxy = await make_proxy(default_video_model="veo-3.1-generate-preview")
    spec = schema("CreateVideoJsonBody")["properties"]
    assert "Defaults to 4 seconds" in spec["seconds"]["description"]
    assert "Defaults to 720x1280" in spec["size"]["description"]
    created = await (await proxy.post("/v1/videos", json={"prompt": "a cat"}, headers=AUTH)).json()
    assert (created["seconds"], created["size"]) == ("4", "720x1280")
    sent = [r for r in emulator.state.requests if r.path.endswith(":predictLongRunning")][-1].json["parameters"]
    assert (sent["durationSeconds"], sent["aspectRatio"], sent["resolution"]) == (4, "9:16", "720p")
    # What the client names wins; a request the 4 s default does not fit (reference images want 8 s) keeps
    # Google's default instead.
    landscape = await (await proxy.post("/v1/videos", json={"prompt": "a cat", "size": "1280x720", "seconds": "8"},
                                        headers=AUTH)).json()
    assert (landscape["seconds"], landscape["size"]) == ("8", "1280x720")
    png = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJ"
           "RU5ErkJggg==")
    refs = await proxy.post("/v1/videos", json={"prompt": "a cat", "reference_images": [png]}, headers=AUTH)
    assert refs.status == 200, await refs.text()
    sent = [r for r in emulator.state.requests if r.path.endswith(":predictLongRunning")][-1].json["parameters"]
    assert "durationSeconds" not in sent


async def test_the_sdk_default_create_is_a_4_second_portrait_video(proxy):
    import openai

    async with openai.AsyncOpenAI(base_url=str(proxy.make_url("/v1")), api_key=AUTH["Authorization"][7:]) as sdk:
        video = await sdk.videos.create(prompt="a cat")
        assert (video.seconds, video.size) == ("4", "720x1280")


@pytest.mark.parametrize("method,path,body,status", [
    ("POST", "/v1/chat/completions", {"model": TEXT}, 400),
    ("POST", "/v1/chat/completions", chat("no-such-model"), 404),
    ("GET", "/v1/videos/video_000000000000000000000000", None, 404),
    ("POST", "/v1/videos", {"prompt": ""}, 400),
])
async def test_errors_match_the_spec(proxy, method, path, body, status):
    resp = await proxy.request(method, path, json=body, headers=AUTH)
    assert resp.status == status
    validate(await resp.json(), "ErrorResponse")
    assert "openai-processing-ms" in resp.headers


async def test_an_unauthenticated_error_matches_the_spec(proxy):
    async with aiohttp.ClientSession() as session:
        async with session.get(proxy.make_url("/v1/models")) as resp:
            assert resp.status == 401
            validate(await resp.json(), "ErrorResponse")


async def test_the_sdk_reads_usage_from_a_streamed_video(proxy):
    import openai

    async with openai.AsyncOpenAI(base_url=str(proxy.make_url("/v1")), api_key=AUTH["Authorization"][7:],
                                  max_retries=0) as sdk:
        stream = await sdk.chat.completions.create(
            model="veo-3.1-fast-generate-preview", messages=[{"role": "user", "content": "a cat"}], stream=True,
            stream_options={"include_usage": True}, extra_body={"modalities": ["video", "text"]})
        chunks = [chunk async for chunk in stream]
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.total_tokens == 0  # Veo is billed per second, not per token
    assert any(c.finish_reason == "stop" for chunk in chunks for c in chunk.choices)
