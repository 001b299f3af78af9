"""The official openai Python SDK against genproxy: real app on a real socket, the emulator behind it."""
from __future__ import annotations

import asyncio
import base64
import json

import openai
import pytest

from tests.clients.helpers import data_uri_bytes, is_mp4, mp4_duration, png_size
from tests.support import CLIENT_KEY
from tests.video.helpers import submits

TEXT = "gemini-3-flash-preview"
IMAGE = "gemini-3.1-flash-image"
VIDEO = "veo-3.1-generate-preview"

# openai >= 2.x warns that OpenAI's own Sora API is retiring; genproxy's /v1/videos is not.
pytestmark = pytest.mark.filterwarnings("ignore:The Sora API:DeprecationWarning")


@pytest.fixture
async def client(proxy):
    async with openai.AsyncOpenAI(base_url=str(proxy.make_url("/v1")), api_key=CLIENT_KEY, max_retries=0) as sdk:
        yield sdk


async def test_chat_completion_plain(client):
    reply = await client.chat.completions.create(model=TEXT, messages=[{"role": "user", "content": "hello there"}])
    assert reply.object == "chat.completion" and reply.model == TEXT
    assert reply.choices[0].message.content == "Echo: hello there"
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens > 0


async def test_chat_completion_streaming_with_usage(client):
    stream = await client.chat.completions.create(model=TEXT, messages=[{"role": "user", "content": "stream me"}],
                                                  stream=True, stream_options={"include_usage": True})
    text, finish, usage = "", None, None
    async for chunk in stream:
        if chunk.usage:
            usage = chunk.usage
        for choice in chunk.choices:
            text += choice.delta.content or ""
            finish = choice.finish_reason or finish
    assert text == "Echo: stream me"
    assert finish == "stop"
    assert usage is not None and usage.total_tokens > 0


async def test_chat_completion_tool_call_parses_into_sdk_objects(client):
    tools = [{"type": "function", "function": {
        "name": "get_weather", "description": "Weather of a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
    reply = await client.chat.completions.create(
        model=TEXT, messages=[{"role": "user", "content": "weather in Paris? [emulate:tool]"}], tools=tools,
        tool_choice="required")
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    (call,) = choice.message.tool_calls
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "example"}
    # The SDK's own objects go back as the next turn.
    follow = await client.chat.completions.create(model=TEXT, tools=tools, messages=[
        {"role": "user", "content": "weather in Paris?"}, choice.message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": '{"temp_c": 21}'},
        {"role": "user", "content": "thanks"}])
    assert follow.choices[0].message.content == "Echo: thanks"


async def test_chat_image_generation_through_extra_body(client):
    reply = await client.chat.completions.create(
        model=IMAGE, messages=[{"role": "user", "content": "A cute cat"}],
        extra_body={"modalities": ["image", "text"], "image_config": {"aspect_ratio": "16:9"}})
    message = reply.choices[0].message
    images = message.model_extra["images"]
    assert len(images) == 1 and images[0]["type"] == "image_url"
    width, height = png_size(data_uri_bytes(images[0]["image_url"]["url"], "image/png"))
    assert (width, height) == (1376, 768)  # Google's 16:9 at 1K


async def test_chat_video_generation_through_extra_body(client, emulator):
    reply = await client.chat.completions.create(
        model=VIDEO, messages=[{"role": "user", "content": "A cat playing with a ball"}],
        extra_body={"modalities": ["video", "text"],
                    "video_config": {"duration_seconds": "6", "aspect_ratio": "9:16", "resolution": "720p"}})
    videos = reply.choices[0].message.model_extra["videos"]
    video = data_uri_bytes(videos[0]["video_url"]["url"], "video/mp4")
    assert is_mp4(video)
    assert mp4_duration(video) == pytest.approx(6, abs=0.5)
    assert submits(emulator)[0].json["parameters"]["aspectRatio"] == "9:16"


async def test_images_generate(client):
    result = await client.images.generate(model=IMAGE, prompt="A red fox", size="1536x1024")
    assert len(result.data) == 1
    width, height = png_size(base64.b64decode(result.data[0].b64_json))
    assert (width, height) == (1264, 848)  # Google's 3:2 at 1K


async def test_models_list_holds_text_image_and_video_models(client):
    models = [model async for model in client.models.list()]
    ids = {model.id for model in models}
    assert {TEXT, IMAGE, VIDEO} <= ids
    assert "gemini-3-pro-image-preview" in ids, "retired ids stay listed (as aliases) for tools that hardcode them"
    model = await client.models.retrieve("gemini-3-pro-image-preview")
    assert model.id == "gemini-3-pro-image-preview" and model.model_extra["alias_of"] == "gemini-3-pro-image"
    assert (await client.models.retrieve(VIDEO)).id == VIDEO
    assert (await client.models.retrieve("vertex/veo-3.1-generate-001")).id == "vertex/veo-3.1-generate-001"
    with pytest.raises(openai.NotFoundError):
        await client.models.retrieve("no-such-model")


async def test_videos_create_retrieve_download(client):
    video = await client.videos.create(prompt="A cat on a skateboard", model=VIDEO, seconds="4", size="720x1280")
    assert video.status in ("queued", "in_progress") and video.id.startswith("video_")
    assert video.model == VIDEO and video.seconds == "4" and video.size == "720x1280"
    # Poll as a user would, until it is done.
    for _ in range(100):
        video = await client.videos.retrieve(video.id)
        if video.status not in ("queued", "in_progress"):
            break
        await asyncio.sleep(0.1)
    assert video.status == "completed" and video.progress == 100
    content = await client.videos.download_content(video.id)
    data = content.read()
    assert is_mp4(data)
    assert mp4_duration(data) == pytest.approx(4, abs=0.5)


async def test_videos_create_and_poll(client):
    video = await client.videos.create_and_poll(prompt="A dog surfing", model=VIDEO, seconds="8", poll_interval_ms=100)
    assert video.status == "completed"
    data = (await client.videos.download_content(video.id)).read()
    assert is_mp4(data) and mp4_duration(data) == pytest.approx(8, abs=0.5)


async def test_videos_create_and_poll_reports_a_failed_job(client):
    video = await client.videos.create_and_poll(prompt="A storm [emulate:operation-error]", model=VIDEO,
                                                poll_interval_ms=100)
    assert video.status == "failed"
    assert "internal error" in video.error.message


async def test_download_of_unfinished_video_is_a_conflict(client):
    video = await client.videos.create(prompt="A slow one [emulate:delay=5]", model=VIDEO)
    with pytest.raises(openai.ConflictError) as caught:
        await client.videos.download_content(video.id)
    assert caught.value.status_code == 409


async def test_wrong_key_is_an_authentication_error(proxy):
    async with openai.AsyncOpenAI(base_url=str(proxy.make_url("/v1")), api_key="wrong", max_retries=0) as sdk:
        with pytest.raises(openai.AuthenticationError) as caught:
            await sdk.chat.completions.create(model=TEXT, messages=[{"role": "user", "content": "hi"}])
    assert caught.value.status_code == 401
    assert caught.value.code == "invalid_api_key"


async def test_unknown_model_is_not_found(client):
    with pytest.raises(openai.NotFoundError) as caught:
        await client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    assert caught.value.code == "model_not_found"
    assert TEXT in caught.value.message or "Known models" in caught.value.message


async def test_bad_video_config_is_a_bad_request_naming_the_field(client, emulator):
    with pytest.raises(openai.BadRequestError) as caught:
        await client.chat.completions.create(
            model=VIDEO, messages=[{"role": "user", "content": "A cat"}],
            extra_body={"modalities": ["video", "text"], "video_config": {"resolution": "8k"}})
    assert caught.value.param == "video_config.resolution"
    assert "720p" in caught.value.message
    assert submits(emulator) == []


async def test_bad_videos_api_size_is_a_bad_request(client):
    with pytest.raises(openai.BadRequestError) as caught:
        await client.videos.create(prompt="A cat", model=VIDEO, size="999x999")
    assert caught.value.param == "size"


async def test_upstream_quota_is_a_rate_limit_error_with_retry_after(client):
    with pytest.raises(openai.RateLimitError) as caught:
        await client.chat.completions.create(model=TEXT, messages=[{"role": "user", "content": "hi [emulate:quota]"}])
    assert caught.value.status_code == 429
    assert caught.value.response.headers.get("retry-after")
