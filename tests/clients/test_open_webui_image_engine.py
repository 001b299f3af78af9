"""Open WebUI's "Gemini" image engine (0.12.4 routers/images.py) against genproxy's native Gemini paths: the exact
requests it sends, with its x-goog-api-key header, and what it reads back."""
from __future__ import annotations

import base64

import pytest

from tests.clients.helpers import png_size
from tests.support import CLIENT_KEY

HEADERS = {"x-goog-api-key": CLIENT_KEY, "Content-Type": "application/json"}


def image_calls(emulator) -> list:
    return [r for r in emulator.state.requests if r.method == "POST" and r.path.endswith(":generateContent")]


async def test_generate_content_without_modalities_answers_an_image(proxy, emulator):
    # IMAGES_GEMINI_ENDPOINT_METHOD=generateContent: no generationConfig at all.
    resp = await proxy.post("/v1beta/models/gemini-3.1-flash-image:generateContent", headers=HEADERS,
                            json={"contents": [{"parts": [{"text": "A lighthouse at dawn"}]}]})
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    # What Open WebUI reads: candidates[i].content.parts[j].inlineData.data (camelCase).
    datas = [p["inlineData"]["data"] for c in body["candidates"] for p in c["content"]["parts"] if "inlineData" in p]
    assert len(datas) == 1 and png_size(base64.b64decode(datas[0]))[0] > 0
    [call] = image_calls(emulator)
    assert "generationConfig" not in call.json  # sent as the client sent it: the model's default answers


@pytest.mark.parametrize("model", ["imagen-3.0-generate-002", "imagen-4.0-generate-001", "gemini-3.1-flash-image"])
async def test_predict_with_instances_as_an_object_is_served_by_a_gemini_image_model(proxy, emulator, model):
    # IMAGES_GEMINI_ENDPOINT_METHOD predict (its default), exactly as Open WebUI builds the body.
    resp = await proxy.post(f"/v1beta/models/{model}:predict", headers=HEADERS, json={
        "instances": {"prompt": "A lighthouse at dawn"},
        "parameters": {"sampleCount": 2, "outputOptions": {"mimeType": "image/png"}}})
    assert resp.status == 200, await resp.text()
    predictions = (await resp.json())["predictions"]
    assert len(predictions) == 2
    for prediction in predictions:
        assert png_size(base64.b64decode(prediction["bytesBase64Encoded"]))[0] > 0
    calls = image_calls(emulator)
    assert len(calls) == 2 and all("image" in c.path for c in calls)
    assert calls[0].json["generationConfig"]["responseModalities"] == ["IMAGE"]
    assert calls[0].json["contents"][0]["parts"] == [{"text": "A lighthouse at dawn"}]


async def test_predict_takes_imagens_own_list_too(proxy):
    resp = await proxy.post("/v1beta/models/imagen-4.0-generate-001:predict", headers=HEADERS,
                            json={"instances": [{"prompt": "A cat"}], "parameters": {"sampleCount": 1}})
    assert resp.status == 200 and len((await resp.json())["predictions"]) == 1


@pytest.mark.parametrize("body, field", [
    ({"instances": {"prompt": ""}}, "instances.prompt"),
    ({"instances": {"prompt": "x"}, "parameters": {"sampleCount": 9}}, "parameters.sampleCount"),
    ({"instances": "x"}, "instances"),
])
async def test_predict_refuses_bad_bodies_in_googles_shape(proxy, emulator, body, field):
    resp = await proxy.post("/v1beta/models/imagen-4.0-generate-001:predict", headers=HEADERS, json=body)
    assert resp.status == 400
    error = (await resp.json())["error"]
    assert error["status"] == "INVALID_ARGUMENT" and error["details"][0]["fieldViolations"][0]["field"] == field
    assert image_calls(emulator) == []


async def test_predict_on_a_text_model_is_refused(proxy, emulator):
    resp = await proxy.post("/v1beta/models/gemini-3.8-flash:predict", headers=HEADERS,
                            json={"instances": {"prompt": "A cat"}})
    assert resp.status == 400 and (await resp.json())["error"]["status"] == "INVALID_ARGUMENT"
    assert image_calls(emulator) == []
