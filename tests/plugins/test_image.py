"""The 'image' plugin end to end: chat completions with modalities/image_config, and /v1/images/generations."""
from __future__ import annotations

from tests.plugins.helpers import last_body, png_size, post, upstream_calls
from tests.support import assert_openai_error, chat

MODEL = "gemini-3-pro-image"
SEED_MODEL = "gemini-3-pro-image-preview"  # the seed's id: shut down 2026-06-25, retired to MODEL


async def test_seed_image_request_returns_a_square_png(proxy, emulator):
    status, body = await post(proxy, {
        "model": SEED_MODEL, "messages": [{"role": "user", "content": "A cute cat"}],
        "modalities": ["image", "text"], "image_config": {"aspect_ratio": "1:1", "image_size": "1K"}})
    assert status == 200, body
    assert body["model"] == MODEL, "the answer names the model that served the retired id"
    message = body["choices"][0]["message"]
    assert body["choices"][0]["finish_reason"] == "stop"
    assert "A cute cat" in message["content"]
    (image,) = message["images"]
    assert image["type"] == "image_url" and image["index"] == 0
    width, height = png_size(image["image_url"]["url"])
    assert width == height == 1024
    assert upstream_calls(emulator)[-1].path == f"/v1beta/models/{MODEL}:generateContent"
    assert last_body(emulator) == {
        "contents": [{"role": "user", "parts": [{"text": "A cute cat"}]}],
        "generationConfig": {"responseModalities": ["TEXT", "IMAGE"],
                             "imageConfig": {"aspectRatio": "1:1", "imageSize": "1K"}}}


async def test_aspect_ratio_and_lower_case_size(proxy, emulator):
    status, body = await post(proxy, chat(MODEL, "wide", image_config={"aspect_ratio": "16:9", "image_size": "2k"}))
    assert status == 200, body
    width, height = png_size(body["choices"][0]["message"]["images"][0]["image_url"]["url"])
    assert (width, height) == (2752, 1536)  # Google's 16:9 at 2K
    assert last_body(emulator)["generationConfig"] == {
        "responseModalities": ["TEXT", "IMAGE"], "imageConfig": {"aspectRatio": "16:9", "imageSize": "2K"}}


async def test_invalid_image_config_is_400_naming_allowed_values(proxy, emulator):
    status, body = await post(proxy, chat(MODEL, "x", image_config={"aspect_ratio": "7:3"}))
    assert status == 400
    error = assert_openai_error(body, param="image_config.aspect_ratio")
    assert "16:9" in error["message"] and "21:9" in error["message"]
    status, body = await post(proxy, chat(MODEL, "x", image_config={"image_size": "8K"}))
    assert status == 400
    assert "1K, 2K, 4K" in assert_openai_error(body, param="image_config.image_size")["message"]
    # 512 px and the extreme ratios are Gemini 3.1 Flash Image's only
    status, body = await post(proxy, chat(MODEL, "x", image_config={"image_size": "512"}))
    assert status == 400
    assert_openai_error(body, param="image_config.image_size")
    status, body = await post(proxy, chat(MODEL, "x", image_config={"aspect_ratio": "8:1"}))
    assert status == 400
    assert_openai_error(body, param="image_config.aspect_ratio")
    status, body = await post(proxy, chat(MODEL, "x", image_config={"quality": "hd"}))
    assert status == 400
    assert_openai_error(body, param="image_config.quality")
    status, body = await post(proxy, chat(MODEL, "x", modalities=["video"]))
    assert status == 400
    assert_openai_error(body, param="modalities")
    assert upstream_calls(emulator) == []


async def test_input_image_is_sent_for_editing(proxy, emulator):
    status, body = await post(proxy, chat(MODEL, "seed"))
    source = body["choices"][0]["message"]["images"][0]["image_url"]["url"]
    data = source.partition(";base64,")[2]
    status, body = await post(proxy, {"model": "gemini-3.1-flash-image", "messages": [{"role": "user", "content": [
        {"type": "text", "text": "make it blue"}, {"type": "image_url", "image_url": {"url": source}}]}]})
    assert status == 200, body
    assert body["choices"][0]["message"]["images"]
    sent = last_body(emulator)
    assert sent["contents"] == [{"role": "user", "parts": [
        {"text": "make it blue"}, {"inlineData": {"mimeType": "image/png", "data": data}}]}]
    # no image_config sent: none goes upstream; default modalities are text + image
    assert sent["generationConfig"] == {"responseModalities": ["TEXT", "IMAGE"]}


async def test_no_image_and_blocked_are_explicit_errors(proxy, emulator):
    status, body = await post(proxy, chat(MODEL, "a cat [emulate:no-image]"))
    assert status == 400, body
    error = assert_openai_error(body, code="content_filter")
    assert "no image" in error["message"] and "STOP" in error["message"]
    status, body = await post(proxy, chat(MODEL, "a cat [emulate:blocked]"))
    assert status == 400, body
    assert "blockReason: SAFETY" in assert_openai_error(body, code="content_filter")["message"]
    status, body = await post(proxy, chat(MODEL, "a cat [emulate:safety]"))
    assert status == 400, body
    assert "SAFETY" in assert_openai_error(body, code="content_filter")["message"]


async def test_thought_images_are_not_final_images(proxy, emulator):
    from plugins import gemini_chat

    png = "iVBORw0KGgo="
    reply = {"candidates": [{"index": 0, "finishReason": "STOP", "content": {"parts": [
        {"text": "drafting", "thought": True},
        {"inlineData": {"mimeType": "image/png", "data": "draft"}, "thought": True},
        {"text": "Here it is"},
        {"inlineData": {"mimeType": "image/png", "data": png}}]}}]}
    (completion,) = gemini_chat.completions(reply)
    assert completion.message["images"] == [
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{png}"}, "index": 0}]
    assert completion.message["content"] == "Here it is"
    assert completion.message["reasoning_content"] == "drafting"


# ------------------------------------------------------------------ /v1/images/generations

async def test_images_generations_b64_json(proxy, emulator):
    status, body = await post(proxy, {"prompt": "A lighthouse", "size": "1536x1024"}, "/v1/images/generations")
    assert status == 200, body
    assert isinstance(body["created"], int)
    (item,) = body["data"]
    width, height = png_size("data:image/png;base64," + item["b64_json"])
    assert (width, height) == (1264, 848)  # Google's 3:2 at 1K
    assert body["usage"]["output_tokens"] > 0
    assert upstream_calls(emulator)[-1].path == f"/v1beta/models/{MODEL}:generateContent"
    assert last_body(emulator) == {
        "contents": [{"role": "user", "parts": [{"text": "A lighthouse"}]}],
        "generationConfig": {"responseModalities": ["TEXT", "IMAGE"], "imageConfig": {"aspectRatio": "3:2"}}}


async def test_images_generations_sizes_n_and_errors(proxy, emulator):
    status, body = await post(proxy, {"prompt": "tall", "model": "gemini-3.1-flash-image", "size": "1024x1792",
                                      "n": 2, "response_format": "b64_json"}, "/v1/images/generations")
    assert status == 200, body
    assert len(body["data"]) == 2
    for item in body["data"]:
        width, height = png_size("data:image/png;base64," + item["b64_json"])
        assert (width, height) == (768, 1376)  # Google's 9:16 at 1K
    assert [c.json["generationConfig"]["imageConfig"] for c in upstream_calls(emulator)] == [{"aspectRatio": "9:16"}] * 2
    assert all(c.path.endswith("/gemini-3.1-flash-image:generateContent") for c in upstream_calls(emulator))

    for extra, param in (({"response_format": "url"}, "response_format"), ({"size": "1000x300"}, "size"),
                         ({"model": "gemini-3-flash-preview"}, "model"), ({"n": 9}, "n"), ({"prompt": ""}, "prompt")):
        status, body = await post(proxy, {"prompt": "p", **extra}, "/v1/images/generations")
        assert status == 400, (extra, body)
        assert_openai_error(body, param=param)
    status, body = await post(proxy, {"prompt": "p [emulate:blocked]"}, "/v1/images/generations")
    assert status == 400
    assert_openai_error(body, code="content_filter")
    resp = await proxy.post("/v1/images/generations", json={"prompt": "p"})
    assert resp.status == 401
