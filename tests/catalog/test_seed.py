"""The seed's exact video request on Google as of December 2026, when the Gemini API no longer serves the Veo 3.1
preview ids (404 "... is no longer available"): with an API key only Gemini Omni serves it, with CCS token files
only Veo 3.1 on Vertex AI, with both Vertex first (a setting chooses)."""
from __future__ import annotations

import asyncio
import copy

import pytest

from tests.support import AUTH, assert_openai_error
from tests.video.helpers import SEED, decode_video, submits

URL = "/v1/chat/completions"
ADMIN_KEY = "test-admin-key-0001"
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
SEED_WITHOUT_NEGATIVE = copy.deepcopy(SEED)
del SEED_WITHOUT_NEGATIVE["video_config"]["negative_prompt"]


def interactions(emulator) -> list:
    return [r for r in emulator.state.requests if r.method == "POST" and r.path.endswith("/interactions")]


def gemini_veo_calls(emulator) -> list:
    return [r for r in emulator.state.requests if r.path.startswith("/v1beta/models/veo-")]


@pytest.mark.parametrize("seed", [SEED, SEED_WITHOUT_NEGATIVE], ids=["negative_prompt", "plain"])
async def test_api_key_only_the_seed_gets_a_video_from_gemini_omni(make_proxy, emulator, seed):
    proxy = await make_proxy(admin_keys=[ADMIN_KEY])
    resp = await proxy.post(URL, json=seed, headers=AUTH)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["model"] == "gemini-omni-1.2-flash"
    message = body["choices"][0]["message"]
    assert decode_video(message["videos"][0])[4:8] == b"ftyp"
    assert "Served by gemini-omni-1.2-flash" in message["content"]
    assert "veo-3.1-generate-preview is no longer served on the Gemini API (Google answered 404)" in message["content"]
    # Google was asked once for Veo (a free 404), then once for Omni: never a second paid submit.
    assert len(gemini_veo_calls(emulator)) == 1
    [create] = interactions(emulator)
    assert create.json["model"] == "gemini-omni-1.2-flash"
    assert create.json["response_format"] == {"type": "video", "aspect_ratio": "16:9", "duration": "8s",
                                              "resolution": "720p"}
    text = " ".join(c.get("text", "") for c in create.json["input"])
    assert "A cat playing with a ball" in text
    if "negative_prompt" in seed["video_config"]:
        assert "Do not show any of the following in the video: cartoon, drawing, low quality" in text
        assert "has no negative_prompt: it was added to the prompt" in message["content"]
    else:
        assert "Do not show" not in text

    # Learned once: the next request goes straight to Omni, and the fact is in the admin view.
    again = await proxy.post(URL, json=seed, headers=AUTH)
    assert again.status == 200
    assert len(gemini_veo_calls(emulator)) == 1 and len(interactions(emulator)) == 2
    admin = await (await proxy.get("/v1/admin/routes", headers=ADMIN)).json()
    [fact] = [r for r in admin["learned_retirements"] if r["model"] == "veo-3.1-generate-preview"]
    assert fact["api"] == "gemini" and fact["source"] == "google_404"
    [row] = [r for r in admin["data"] if r["model"] == "veo-3.1-generate-preview"]
    assert row["served_by"]["model"] == "gemini-omni-1.2-flash" and row["served_by"]["why"]


async def test_a_veo_field_omni_has_no_equivalent_for_is_a_400_naming_it_and_who_takes_it(make_proxy, emulator):
    proxy = await make_proxy()
    body = copy.deepcopy(SEED)
    body["video_config"]["person_generation"] = "allow_all"
    resp = await proxy.post(URL, json=body, headers=AUTH)
    assert resp.status == 400
    error = assert_openai_error(await resp.json(), param="video_config.person_generation")
    assert "gemini-omni-1.2-flash" in error["message"]
    assert "vertex/veo-3.1-generate-001 (needs vertex credentials)" in error["message"]
    assert not interactions(emulator)


async def test_ccs_tokens_only_the_seed_goes_to_veo_on_vertex_with_every_parameter(make_proxy, emulator, ccs_token):
    proxy = await make_proxy(gemini_api_keys=[], vertex_project=None)
    resp = await proxy.post(URL, json=SEED, headers=AUTH)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert decode_video(body["choices"][0]["message"]["videos"][0])[4:8] == b"ftyp"
    [submit] = submits(emulator)
    assert submit.path == ("/v1/projects/ccs-project/locations/us-central1/publishers/google/models/"
                           "veo-3.1-generate-001:predictLongRunning")
    assert submit.json["parameters"] == {"aspectRatio": "16:9", "resolution": "720p", "durationSeconds": 8,
                                         "negativePrompt": "cartoon, drawing, low quality"}
    assert not interactions(emulator)


@pytest.mark.parametrize("vertex_first", [True, False])
async def test_with_both_vertex_veo_serves_first_unless_a_setting_says_otherwise(make_proxy, emulator, ccs_token,
                                                                                 vertex_first):
    proxy = await make_proxy(vertex_project=None, same_model_on_vertex_first=vertex_first)
    resp = await proxy.post(URL, json=SEED, headers=AUTH)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert len(gemini_veo_calls(emulator)) == 1  # the Gemini API's 404, free
    if vertex_first:
        assert body["model"] == "veo-3.1-generate-preview"
        assert "the same model on Vertex AI" in body["choices"][0]["message"]["content"]
        [submit] = [s for s in submits(emulator) if s.path.startswith("/v1/projects/")]
        assert submit.path.endswith("/models/veo-3.1-generate-001:predictLongRunning")
        assert submit.json["parameters"]["negativePrompt"] == "cartoon, drawing, low quality"
        assert not interactions(emulator)
    else:
        assert body["model"] == "gemini-omni-1.2-flash"
        assert len(interactions(emulator)) == 1


@pytest.mark.parametrize("prefix", ["/v1beta", "/v1"])
async def test_the_native_veo_request_for_a_retired_id_is_an_operation_gemini_omni_completes(make_proxy, emulator,
                                                                                              prefix):
    # Google's REST body for predictLongRunning (what google-genai's generate_videos sends): on December's Gemini
    # API the Veo preview id is gone; the caller's SDK still gets an operation, polls it and downloads a video.
    proxy = await make_proxy()
    body = {"instances": [{"prompt": "A cat playing with a ball"}],
            "parameters": {"durationSeconds": 8, "aspectRatio": "16:9"}}
    resp = await proxy.post(f"{prefix}/models/veo-3.1-generate-preview:predictLongRunning", json=body, headers=AUTH)
    assert resp.status == 200, await resp.text()
    name = (await resp.json())["name"]
    for _ in range(300):
        operation = await (await proxy.get(f"{prefix}/{name}", headers=AUTH)).json()
        if operation["done"]:
            break
        await asyncio.sleep(0.05)
    assert "error" not in operation, operation
    uri = operation["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
    video = await proxy.get(uri.split("://", 1)[1].partition("/")[2].join(["/", ""]), headers=AUTH)
    assert video.status == 200 and (await video.read())[4:8] == b"ftyp"
    assert len(interactions(emulator)) == 1  # made by Gemini Omni
