"""Issue 25.2: a typo is a 400 naming the field on every modality, never a paid video made with defaults; what
OpenAI's API defines (and real clients send) is accepted."""
from __future__ import annotations

import pytest

from tests.support import AUTH
from tests.video.helpers import submits, video_request

URL = "/v1/chat/completions"
OMNI = "gemini-omni-flash-preview"


def _interactions(emulator) -> list:
    return [r for r in emulator.state.requests if "interactions" in r.path]


async def _unknown(resp, param: str) -> dict:
    assert resp.status == 400, await resp.text()
    error = (await resp.json())["error"]
    assert error["code"] == "unknown_parameter" and error["param"] == param, error
    return error


@pytest.mark.parametrize("model", ["veo-3.1-generate-preview", OMNI])
@pytest.mark.parametrize("field, value", [("vidoe_config", {"duration_seconds": 4}), ("foo", 1),
                                          ("image_config", {"aspect_ratio": "1:1"})])
async def test_an_unknown_top_level_field_of_a_video_request_is_a_400_and_nothing_is_paid(proxy, emulator, model,
                                                                                         field, value):
    body = {**video_request(model=model), field: value}
    error = await _unknown(await proxy.post(URL, json=body, headers=AUTH), field)
    assert "video_config" in error["message"] and "temperature" in error["message"]
    if field == "vidoe_config":
        assert "Did you mean 'video_config'?" in error["message"]
    assert submits(emulator) == [] and _interactions(emulator) == []


@pytest.mark.parametrize("model", ["veo-3.1-generate-preview", OMNI])
async def test_a_misspelled_video_config_key_is_a_400_listing_the_known_ones(proxy, emulator, model):
    body = video_request(model=model, negative_prompt=None)
    body["video_config"]["aspect_ration"] = body["video_config"].pop("aspect_ratio")
    error = await _unknown(await proxy.post(URL, json=body, headers=AUTH), "video_config.aspect_ration")
    assert "Did you mean 'aspect_ratio'?" in error["message"] and "duration_seconds" in error["message"]
    assert submits(emulator) == [] and _interactions(emulator) == []


@pytest.mark.parametrize("model", ["veo-3.1-generate-preview", OMNI])
async def test_a_duration_with_a_unit_is_a_400(proxy, emulator, model):
    resp = await proxy.post(URL, json=video_request(model=model, duration_seconds="8s", negative_prompt=None),
                            headers=AUTH)
    assert resp.status == 400, await resp.text()
    assert (await resp.json())["error"]["param"] == "video_config.duration_seconds"
    assert submits(emulator) == [] and _interactions(emulator) == []


async def test_what_the_openai_sdk_sends_besides_is_accepted_on_a_video_model(proxy, emulator):
    body = {**video_request(duration_seconds=4), "stream_options": {"include_usage": True}, "user": "u-1",
            "metadata": {"team": "a"}, "store": False, "n": 1, "service_tier": "auto", "temperature": 0.7,
            "verbosity": "low", "prompt_cache_key": "k", "safety_identifier": "s"}
    resp = await proxy.post(URL, json=body, headers=AUTH)
    assert resp.status == 200, await resp.text()
    assert len(submits(emulator)) == 1


async def test_newer_openai_fields_are_accepted_and_typos_refused_on_a_text_model(proxy):
    text = {"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "hi"}]}
    resp = await proxy.post(URL, json={**text, "verbosity": "low", "prompt_cache_retention": "24h",
                                       "moderation": None}, headers=AUTH)
    assert resp.status == 200, await resp.text()
    error = await _unknown(await proxy.post(URL, json={**text, "temprature": 0.5}, headers=AUTH), "temprature")
    assert "Did you mean 'temperature'?" in error["message"]


async def test_the_videos_api_names_an_unknown_field_and_lists_the_known_ones(proxy, emulator):
    resp = await proxy.post("/v1/videos", json={"prompt": "a cat", "second": "4"}, headers=AUTH)
    error = await _unknown(resp, "second")
    assert "Did you mean 'seconds'?" in error["message"] and "size" in error["message"]
    assert submits(emulator) == []


async def test_the_images_api_lists_the_known_fields(proxy):
    resp = await proxy.post("/v1/images/generations", json={"prompt": "a cat", "sise": "1024x1024"}, headers=AUTH)
    error = await _unknown(resp, "sise")
    assert "Did you mean 'size'?" in error["message"]


async def test_openrouter_paths_refuse_unknown_fields_too(proxy, emulator):
    body = {**video_request(), "vidoe_config": {}}
    resp = await proxy.post("/api/v1/chat/completions", json=body, headers=AUTH)
    assert resp.status == 400 and "vidoe_config" in await resp.text()
    resp = await proxy.post("/api/v1/videos", json={"model": "google/veo-3.1", "prompt": "a cat", "durration": 4},
                            headers=AUTH)
    assert resp.status == 400 and "Did you mean 'duration'?" in await resp.text()
    assert submits(emulator) == []
