"""/api/v1 chat completions and models: the openai SDK with OpenRouter's base URL, and request shapes of
public scripts written for OpenRouter, changed only in base URL and key."""
from __future__ import annotations

import json

import openai
import pytest

from tests.clients.helpers import data_uri_bytes, png_size
from tests.support import AUTH, CLIENT_KEY, chat

OPENROUTER_HEADERS = {"HTTP-Referer": "https://example.test", "X-Title": "my app"}


def generate_calls(emulator) -> list:
    return [r for r in emulator.state.requests if r.path.endswith((":generateContent", ":streamGenerateContent"))]


@pytest.fixture
async def client(proxy):
    async with openai.AsyncOpenAI(base_url=str(proxy.make_url("/api/v1")), api_key=CLIENT_KEY, max_retries=0,
                                  default_headers=OPENROUTER_HEADERS) as sdk:
        yield sdk


# -- shapes of public OpenRouter scripts (base URL and key changed, nothing else)

async def test_shape_image_generation_with_requests_style_body(proxy, emulator):
    """OpenRouter's image-generation guide: POST /api/v1/chat/completions with modalities and image_config,
    a Gemini image id OpenRouter still lists (Google retired it), OpenRouter's attribution headers."""
    body = {"model": "google/gemini-2.5-flash-image-preview",
            "messages": [{"role": "user", "content": "Generate a beautiful sunset over mountains"}],
            "modalities": ["image", "text"], "image_config": {"aspect_ratio": "16:9"}}
    resp = await proxy.post("/api/v1/chat/completions", data=json.dumps(body),
                            headers={**AUTH, **OPENROUTER_HEADERS, "Content-Type": "application/json"})
    assert resp.status == 200, await resp.text()
    message = (await resp.json())["choices"][0]["message"]
    width, height = png_size(data_uri_bytes(message["images"][0]["image_url"]["url"], "image/png"))
    assert width > height
    [sent] = generate_calls(emulator)
    assert sent.path.endswith("/models/gemini-3.1-flash-image:generateContent")


async def test_shape_openai_sdk_with_openrouter_extra_body(client, emulator):
    """The openai SDK pointed at OpenRouter, with OpenRouter's fields in extra_body."""
    reply = await client.chat.completions.create(
        model="google/gemini-3-flash-preview", messages=[{"role": "user", "content": "hello there"}],
        extra_body={"provider": {"order": ["google-vertex"], "allow_fallbacks": False}, "transforms": ["middle-out"],
                    "plugins": [{"id": "web"}], "models": ["google/gemini-2.5-flash"],
                    "reasoning": {"effort": "low"}, "usage": {"include": True}})
    assert reply.choices[0].message.content == "Echo: hello there"
    assert reply.usage.total_tokens > 0
    [sent] = generate_calls(emulator)
    assert sent.path.endswith("/models/gemini-3-flash-preview:generateContent")
    assert sent.json["generationConfig"]["thinkingConfig"] == {"thinkingLevel": "LOW", "includeThoughts": True}
    for field in ("provider", "transforms", "plugins", "models", "reasoning", "usage"):
        assert field not in sent.json


async def test_streaming_with_usage_include(client):
    stream = await client.chat.completions.create(model="google/gemini-3-flash-preview", stream=True,
                                                  messages=[{"role": "user", "content": "stream me"}],
                                                  extra_body={"usage": {"include": True}})
    text, usage = "", None
    async for chunk in stream:
        usage = chunk.usage or usage
        text += "".join(c.delta.content or "" for c in chunk.choices)
    assert text == "Echo: stream me" and usage is not None and usage.total_tokens > 0


@pytest.mark.parametrize(("reasoning", "expected"), [
    # Gemini 3 takes a level: no budget of 0, so "none" is its LOW level (as reasoning_effort none is)
    ({"max_tokens": 0}, {"thinkingLevel": "LOW", "includeThoughts": True}),
    ({"max_tokens": 20000}, {"thinkingLevel": "HIGH", "includeThoughts": True}),
    ({"effort": "xhigh"}, {"thinkingLevel": "HIGH", "includeThoughts": True}),
    ({"effort": "high", "exclude": True}, {"thinkingLevel": "HIGH", "includeThoughts": False}),
    ({"enabled": True}, {"thinkingLevel": "MEDIUM", "includeThoughts": True}),  # medium: Gemini 3 Flash has it
])
async def test_reasoning_object_becomes_thinking_config(proxy, emulator, reasoning, expected):
    resp = await proxy.post("/api/v1/chat/completions", json=chat("google/gemini-3.1-pro-preview", reasoning=reasoning),
                            headers=AUTH)
    assert resp.status == 200, await resp.text()
    [sent] = generate_calls(emulator)
    assert sent.json["generationConfig"]["thinkingConfig"] == expected


async def test_bad_openrouter_fields_are_openrouter_shaped_400s(client, proxy, emulator):
    with pytest.raises(openai.BadRequestError) as caught:
        await client.chat.completions.create(model="google/gemini-3-flash-preview",
                                             messages=[{"role": "user", "content": "x"}],
                                             extra_body={"reasoning": {"effort": "extreme"}})
    assert "reasoning.effort" in caught.value.message
    resp = await proxy.post("/api/v1/chat/completions", json=chat("google/gemini-3-flash-preview", reasoning="high"),
                            headers=AUTH)
    error = (await resp.json())["error"]
    assert resp.status == 400 and error["code"] == 400 and error["metadata"]["param"] == "reasoning"
    assert generate_calls(emulator) == []


async def test_v1_stays_strict_about_openrouter_only_fields(proxy, emulator):
    resp = await proxy.post("/v1/chat/completions", json=chat("gemini-3-flash-preview", provider={"order": ["x"]}),
                            headers=AUTH)
    error = (await resp.json())["error"]
    assert resp.status == 400 and error["code"] == "unknown_parameter" and error["param"] == "provider"
    # ... but google/ ids work there too
    resp = await proxy.post("/v1/chat/completions", json=chat("google/gemini-3-flash-preview"), headers=AUTH)
    assert resp.status == 200


async def test_unknown_model_is_a_404_in_openrouter_shape(client):
    with pytest.raises(openai.NotFoundError) as caught:
        await client.chat.completions.create(model="google/veo-9-ultra", messages=[{"role": "user", "content": "x"}])
    assert caught.value.body["code"] == 404 and caught.value.body["metadata"]["code"] == "model_not_found"


async def test_missing_key_is_401_on_api_v1(proxy):
    resp = await proxy.post("/api/v1/chat/completions", json=chat("google/gemini-3-flash-preview"))
    assert resp.status == 401 and (await resp.json())["error"]["code"] == 401


# -- models

async def test_api_v1_models_lists_openrouter_slugs(client):
    models = {m.id: m for m in (await client.models.list()).data}
    assert models["google/veo-3.1"].model_extra["alias_of"] == "veo-3.1-generate-preview"
    assert models["google/gemini-3.1-flash-image-preview"].model_extra["alias_of"] == "gemini-3.1-flash-image"
    assert "gemini-3-flash-preview" in models
    one = await client.models.retrieve("google/veo-3.1-fast")
    assert one.model_extra["alias_of"] == "veo-3.1-fast-generate-preview"


async def test_v1_models_shows_slugs_when_asked(proxy):
    plain = {m["id"]: m for m in (await (await proxy.get("/v1/models", headers=AUTH)).json())["data"]}
    assert "google/veo-3.1" not in plain and plain["veo-3.1-generate-preview"]["openrouter"] == "google/veo-3.1"
    resp = await proxy.get("/v1/models?include=openrouter", headers=AUTH)
    assert "google/veo-3.1" in {m["id"] for m in (await resp.json())["data"]}
    resp = await proxy.get("/v1/models?include=everything", headers=AUTH)
    assert resp.status == 400
    resp = await proxy.get("/v1/models/google/gemini-2.5-flash", headers=AUTH)
    assert (await resp.json())["alias_of"] == "gemini-3-flash-preview"


async def test_thought_text_is_named_reasoning_and_exclude_drops_it(proxy):
    resp = await proxy.post("/api/v1/chat/completions",
                            json=chat("google/gemini-3-flash-preview", reasoning={"effort": "high"}), headers=AUTH)
    message = (await resp.json())["choices"][0]["message"]
    assert message["reasoning"] and message["reasoning"] == message["reasoning_content"]
    resp = await proxy.post("/api/v1/chat/completions", json=chat("google/gemini-3-flash-preview",
                                                                  reasoning={"effort": "high", "exclude": True}),
                            headers=AUTH)
    message = (await resp.json())["choices"][0]["message"]
    assert "reasoning" not in message and "reasoning_content" not in message and message["content"]


async def test_streamed_thought_text_is_named_reasoning(client):
    stream = await client.chat.completions.create(model="google/gemini-3-flash-preview", stream=True,
                                                  messages=[{"role": "user", "content": "think"}],
                                                  extra_body={"reasoning": {"effort": "high"}})
    reasoning = ""
    async for chunk in stream:
        reasoning += "".join((c.delta.model_extra or {}).get("reasoning") or "" for c in chunk.choices)
    assert reasoning
