"""The `openrouter` SDK's models.list() and images.generate() against genproxy's /api/v1 (its pydantic models
validate every answer strictly: a missing field is a ResponseValidationError)."""
from __future__ import annotations

import base64

import pytest

from tests.clients.helpers import png_size
from tests.support import AUTH, CLIENT_KEY
from tests.video.helpers import PNG_1PX

openrouter = pytest.importorskip("openrouter")


@pytest.fixture
async def sdk(proxy):
    no_retries = openrouter.utils.RetryConfig("backoff", openrouter.utils.BackoffStrategy(50, 100, 1.5, 200), False)
    async with openrouter.OpenRouter(api_key=CLIENT_KEY, server_url=str(proxy.make_url("/api/v1")),
                                     retry_config=no_retries) as client:
        yield client


async def test_models_list_validates_and_names_each_models_modalities(sdk):
    listing = (await sdk.models.list_async()).result
    models = {m.id: m for m in listing.data}
    assert listing.total_count == len(listing.data) > 10
    text, image = models["gemini-3-flash-preview"], models["gemini-3.1-flash-image"]
    assert text.architecture.output_modalities == ["text"] and "tools" in text.supported_parameters
    assert image.architecture.output_modalities == ["image", "text"]
    assert models["google/veo-3.1"].architecture.output_modalities == ["video"]
    pro = models["gemini-3.1-pro-preview"]  # shipped price: $2.00 / $12.00 per million tokens
    assert (pro.pricing.prompt, pro.pricing.completion) == ("0.000002", "0.000012")
    assert image.pricing.image_output == "0.045"  # its cheapest size (512)


async def test_models_list_pages_with_offset_and_limit(proxy):
    first = await (await proxy.get("/api/v1/models?offset=0&limit=3", headers=AUTH)).json()
    assert len(first["data"]) == 3 and first["links"]["next"] == "/api/v1/models?offset=3&limit=3"
    rest = await (await proxy.get("/api/v1/models?offset=3&limit=500", headers=AUTH)).json()
    assert rest["links"]["next"] is None and len(rest["data"]) == first["total_count"] - 3
    resp = await proxy.get("/api/v1/models?limit=lots", headers=AUTH)
    assert resp.status == 400 and (await resp.json())["error"]["code"] == 400


async def test_images_generate_answers_pngs_of_the_asked_ratio(sdk, emulator):
    reply = await sdk.images.generate_async(model="gemini-3.1-flash-image", prompt="a cat", aspect_ratio="16:9",
                                            resolution="1K", n=2)
    assert len(reply.data) == 2 and reply.data[0].media_type == "image/png"
    width, height = png_size(base64.b64decode(reply.data[0].b64_json))
    assert width > height
    sent = [r for r in emulator.state.requests if r.path.endswith(":generateContent")]
    assert len(sent) == 2
    assert sent[0].json["generationConfig"]["imageConfig"] == {"aspectRatio": "16:9", "imageSize": "1K"}


async def test_images_with_an_input_reference_and_refusals(proxy, emulator):
    resp = await proxy.post("/api/v1/images", headers=AUTH, json={
        "model": "gemini-3.1-flash-image", "prompt": "make it blue",
        "input_references": [{"type": "image_url", "image_url": {"url": PNG_1PX}}]})
    assert resp.status == 200, await resp.text()
    parts = [r for r in emulator.state.requests if r.path.endswith(":generateContent")][-1].json["contents"][0]["parts"]
    assert any("inlineData" in p for p in parts)
    for body, param in (({"model": "gemini-3.1-flash-image", "prompt": "x", "quality": "high"}, "quality"),
                        ({"model": "gemini-3.1-flash-image", "prompt": "x", "resolutoin": "1K"}, "resolutoin"),
                        ({"model": "gemini-3.1-flash-image", "prompt": "x", "resolution": "1.5K"}, "resolution"),
                        ({"prompt": "x"}, "model")):
        resp = await proxy.post("/api/v1/images", headers=AUTH, json=body)
        error = (await resp.json())["error"]
        assert resp.status == 400 and error["code"] == 400 and param in error["message"], error
