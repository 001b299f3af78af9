"""Gemini API text and images over a real socket."""

from __future__ import annotations

import base64
import json

import pytest

from .helpers import GEMINI, IMAGE_MODEL, KEY, png_size, text_body


def url(emu, model: str = GEMINI, action: str = "generateContent") -> str:
    return f"{emu.base_url}/v1beta/models/{model}:{action}"


async def generate(session, emu, body, model=GEMINI):
    async with session.post(url(emu, model), json=body, headers=KEY) as r:
        return r.status, await r.json()


async def test_generate_content_echoes_prompt_with_usage(emulator, session):
    status, body = await generate(session, emulator, text_body("Tell me a joke"))
    assert status == 200
    cand = body["candidates"][0]
    assert cand["content"]["role"] == "model"
    assert cand["content"]["parts"] == [{"text": "Echo: Tell me a joke"}]
    assert cand["finishReason"] == "STOP"
    usage = body["usageMetadata"]
    assert usage["promptTokenCount"] > 0 and usage["candidatesTokenCount"] > 0
    assert usage["totalTokenCount"] == usage["promptTokenCount"] + usage["candidatesTokenCount"]
    assert "thoughtsTokenCount" not in usage


async def test_echo_uses_last_user_turn(emulator, session):
    body = {"contents": [
        {"role": "user", "parts": [{"text": "first question"}]},
        {"role": "model", "parts": [{"text": "first answer"}]},
        {"role": "user", "parts": [{"text": "second"}, {"text": "question"}]},
    ], "systemInstruction": {"parts": [{"text": "be brief"}]}}
    status, reply = await generate(session, emulator, body)
    assert status == 200
    assert reply["candidates"][0]["content"]["parts"][0]["text"] == "Echo: second question"


async def test_tiny_max_output_tokens_gives_max_tokens(emulator, session):
    status, body = await generate(session, emulator, text_body("a long prompt with many words", maxOutputTokens=2))
    assert status == 200
    cand = body["candidates"][0]
    assert cand["finishReason"] == "MAX_TOKENS"
    assert len(cand["content"]["parts"][0]["text"].split()) == 2


async def test_include_thoughts_adds_thought_part_first(emulator, session):
    status, body = await generate(
        session, emulator, text_body("why is the sky blue", thinkingConfig={"includeThoughts": True})
    )
    assert status == 200
    parts = body["candidates"][0]["content"]["parts"]
    assert parts[0]["thought"] is True and parts[0]["text"]
    assert "thought" not in parts[1] and parts[1]["text"] == "Echo: why is the sky blue"
    usage = body["usageMetadata"]
    assert usage["thoughtsTokenCount"] > 0
    assert usage["totalTokenCount"] == (
        usage["promptTokenCount"] + usage["candidatesTokenCount"] + usage["thoughtsTokenCount"]
    )


async def test_tool_marker_returns_function_call(emulator, session):
    body = text_body("what is the weather in Paris [emulate:tool]")
    body["tools"] = [{"functionDeclarations": [
        {"name": "get_weather", "description": "weather",
         "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
                        "required": ["city"]}},
        {"name": "other", "parameters": {"type": "object", "properties": {}}},
    ]}]
    status, reply = await generate(session, emulator, body)
    assert status == 200
    parts = reply["candidates"][0]["content"]["parts"]
    assert len(parts) == 1
    assert parts[0]["functionCall"] == {"name": "get_weather", "args": {"city": "example"}}
    assert parts[0]["thoughtSignature"]  # Gemini 3 signs its function calls


async def test_tools_without_marker_answer_text(emulator, session):
    body = text_body("hello")
    body["tools"] = [{"functionDeclarations": [{"name": "f"}]}]
    status, reply = await generate(session, emulator, body)
    assert reply["candidates"][0]["content"]["parts"] == [{"text": "Echo: hello"}]


@pytest.mark.parametrize(
    "ratio,size,expected",
    # Google's table: ai.google.dev/gemini-api/docs/image-generation (Gemini 3 Pro Image resolutions)
    [(None, None, (1024, 1024)), ("16:9", "1K", (1376, 768)), ("9:16", "2K", (1536, 2752)),
     ("21:9", "1K", (1584, 672)), ("4:5", "4K", (3712, 4608)), ("3:2", None, (1264, 848))],
)
async def test_image_generation_png_matches_aspect_ratio(emulator, session, ratio, size, expected):
    image_config = {}
    if ratio:
        image_config["aspectRatio"] = ratio
    if size:
        image_config["imageSize"] = size
    config = {"responseModalities": ["TEXT", "IMAGE"]}
    if image_config:
        config["imageConfig"] = image_config
    status, body = await generate(session, emulator, text_body("A cute cat", **config), IMAGE_MODEL)
    assert status == 200, body
    parts = body["candidates"][0]["content"]["parts"]
    images = [p["inlineData"] for p in parts if "inlineData" in p]
    assert len(images) == 1 and images[0]["mimeType"] == "image/png"
    assert any("text" in p for p in parts)
    png = base64.b64decode(images[0]["data"])
    w, h = png_size(png)
    assert (w, h) == expected
    a, b = (int(x) for x in (ratio or "1:1").split(":"))
    assert abs(w / h - a / b) < 0.02 * a / b
    assert len(png) > w * h  # as big as a photo's PNG, not a flat colour (a 4K image is megabytes)


@pytest.mark.parametrize("config,fragment", [
    ({"aspectRatio": "5:3"}, "aspect ratio"),
    ({"imageSize": "8K"}, "image size"),
    ({"imageSize": "1k"}, "image size"),
])
async def test_invalid_image_config_is_400(emulator, session, config, fragment):
    body = text_body("cat", responseModalities=["IMAGE"], imageConfig=config)
    status, reply = await generate(session, emulator, body, IMAGE_MODEL)
    assert status == 400
    assert reply["error"]["status"] == "INVALID_ARGUMENT"
    assert fragment in reply["error"]["message"].lower()


async def test_image_modality_on_text_model_is_400(emulator, session):
    status, reply = await generate(session, emulator, text_body("cat", responseModalities=["TEXT", "IMAGE"]))
    assert status == 400
    assert "response modalities" in reply["error"]["message"]


async def test_lowercase_modality_is_rejected_like_google(emulator, session):
    status, reply = await generate(session, emulator, text_body("cat", responseModalities=["image"]), IMAGE_MODEL)
    assert status == 400
    assert "response_modalities[0]" in reply["error"]["message"]


async def test_unknown_model_is_404(emulator, session):
    status, reply = await generate(session, emulator, text_body("hi"), "xyz")
    assert status == 404
    assert reply["error"]["status"] == "NOT_FOUND"
    assert reply["error"]["message"].startswith("models/xyz is not found for API version v1beta")


async def test_veo_model_on_generate_content_is_404(emulator, session):
    status, reply = await generate(session, emulator, text_body("hi"), "veo-3.1-generate-preview")
    assert status == 404


async def test_missing_contents_and_bad_json_are_400(emulator, session):
    status, reply = await generate(session, emulator, {"contents": []})
    assert status == 400 and "contents is not specified" in reply["error"]["message"]
    async with session.post(url(emulator), data=b"{not json", headers={**KEY, "Content-Type": "application/json"}) as r:
        assert r.status == 400
        assert (await r.json())["error"]["message"].startswith("Invalid JSON payload received.")
    status, reply = await generate(session, emulator, {**text_body("x"), "bogus": 1})
    assert status == 400 and 'Unknown name "bogus"' in reply["error"]["message"]


async def test_stream_generate_content_sse(emulator, session):
    body = text_body("stream this please", thinkingConfig={"includeThoughts": True})
    async with session.post(url(emulator, action="streamGenerateContent") + "?alt=sse",
                            json=body, headers=KEY) as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("text/event-stream")
        raw = (await r.read()).decode()
    frames = [f for f in raw.split("\r\n\r\n") if f]
    assert all(f.startswith("data: ") for f in frames)
    events = [json.loads(f[len("data: "):]) for f in frames]
    assert len(events) >= 3
    parts = [p for e in events for p in e["candidates"][0]["content"]["parts"]]
    assert parts[0].get("thought") is True
    text = "".join(p["text"] for p in parts if not p.get("thought"))
    assert text == "Echo: stream this please"
    assert events[-1]["candidates"][0]["finishReason"] == "STOP"
    assert all("finishReason" not in e["candidates"][0] for e in events[:-1])
    assert events[-1]["usageMetadata"]["totalTokenCount"] > 0


async def test_stream_image_arrives_in_an_event(emulator, session):
    body = text_body("a dog", responseModalities=["TEXT", "IMAGE"], imageConfig={"aspectRatio": "16:9"})
    async with session.post(url(emulator, IMAGE_MODEL, "streamGenerateContent") + "?alt=sse",
                            json=body, headers=KEY) as r:
        raw = (await r.read()).decode()
    events = [json.loads(f[6:]) for f in raw.split("\r\n\r\n") if f]
    images = [p["inlineData"] for e in events for p in e["candidates"][0]["content"]["parts"] if "inlineData" in p]
    assert len(images) == 1
    assert png_size(base64.b64decode(images[0]["data"])) == (1376, 768)


async def test_stream_without_alt_sse_is_a_json_array(emulator, session):
    async with session.post(url(emulator, action="streamGenerateContent"), json=text_body("abc def"),
                            headers=KEY) as r:
        events = await r.json()
    assert isinstance(events, list) and len(events) >= 2
    assert "".join(e["candidates"][0]["content"]["parts"][0]["text"] for e in events) == "Echo: abc def"


async def test_unknown_method_and_path_are_google_404(emulator, session):
    async with session.post(url(emulator, action="countWidgets"), json={}, headers=KEY) as r:
        assert r.status == 404 and (await r.json())["error"]["status"] == "NOT_FOUND"
    async with session.get(f"{emulator.base_url}/nothing/here", headers=KEY) as r:
        assert r.status == 404 and (await r.json())["error"]["code"] == 404


async def test_json_body_sent_as_form_content_type_is_still_json(emulator, session):
    """curl -d sends application/x-www-form-urlencoded; Google parses the body as JSON anyway."""
    async with session.post(url(emulator), data=json.dumps(text_body("curl")), headers={
            **KEY, "Content-Type": "application/x-www-form-urlencoded"}) as r:
        assert r.status == 200
        assert (await r.json())["candidates"][0]["content"]["parts"][0]["text"] == "Echo: curl"
