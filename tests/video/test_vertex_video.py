"""Veo on Vertex AI with a CCS OAuth token file, end to end through the emulator."""
from __future__ import annotations

import base64

import pytest

from tests.support import AUTH, assert_openai_error
from tests.upstreams.conftest import token_file
from tests.video.helpers import decode_video, mp4_duration, submits, video_request

URL = "/v1/chat/completions"


@pytest.fixture
async def vertex_proxy(make_proxy, tmp_path):
    token_file(tmp_path / "auth", access_token="ya29.vertex-token", project_id="ccs-project")
    return await make_proxy(gemini_api_keys=[], vertex_project=None)


async def test_vertex_route_uses_the_ccs_token_and_decodes_inline_bytes(vertex_proxy, emulator):
    body = video_request(model="vertex/veo-3.1-generate-001", duration_seconds=6, generate_audio=False)
    resp = await vertex_proxy.post(URL, json=body, headers=AUTH)
    assert resp.status == 200, await resp.text()
    video = decode_video((await resp.json())["choices"][0]["message"]["videos"][0])
    assert video[4:8] == b"ftyp" and mp4_duration(video) == pytest.approx(6, abs=0.5)
    [submit] = submits(emulator)
    assert submit.path == ("/v1/projects/ccs-project/locations/us-central1/publishers/google/models/"
                           "veo-3.1-generate-001:predictLongRunning")
    assert submit.headers["Authorization"] == "Bearer ya29.vertex-token"
    assert submit.json["parameters"]["generateAudio"] is False
    fetches = [r for r in emulator.state.requests if r.path.endswith(":fetchPredictOperation")]
    assert fetches and fetches[0].json["operationName"].startswith("projects/ccs-project/")


async def test_vertex_veo3_gets_generate_audio_only_when_asked(vertex_proxy, emulator):
    """As google-genai sends it: left out unless the client set it (Veo 3 then makes sound by default)."""
    resp = await vertex_proxy.post(URL, json=video_request(model="vertex/veo-3.0-generate-001"), headers=AUTH)
    assert resp.status == 200, await resp.text()
    assert "generateAudio" not in submits(emulator)[0].json["parameters"]


async def test_vertex_allows_more_videos_per_request_than_the_gemini_api(vertex_proxy, emulator):
    body = video_request(model="vertex/veo-3.1-fast-generate-001", number_of_videos=3)
    resp = await vertex_proxy.post(URL, json=body, headers=AUTH)
    assert resp.status == 200, await resp.text()
    assert len((await resp.json())["choices"][0]["message"]["videos"]) == 3
    too_many = await vertex_proxy.post(URL, json=video_request(model="vertex/veo-3.1-fast-generate-001",
                                                               number_of_videos=5), headers=AUTH)
    assert too_many.status == 400
    assert_openai_error(await too_many.json(), param="video_config.number_of_videos")


async def test_with_only_a_ccs_token_the_seeds_video_request_goes_through_vertex(vertex_proxy, emulator):
    # The seed's exact request: a gemini route. Google refuses CCS tokens on the Gemini API, so genproxy
    # serves it through Vertex AI on the token's project with the catalog's Vertex id of the model.
    resp = await vertex_proxy.post(URL, json=video_request(), headers=AUTH)
    assert resp.status == 200, await resp.text()
    [submit] = submits(emulator)
    assert submit.path == ("/v1/projects/ccs-project/locations/us-central1/publishers/google/models/"
                           "veo-3.1-generate-001:predictLongRunning")
    assert submit.headers["Authorization"].startswith("Bearer ")
    assert not [r for r in emulator.state.requests if r.path.startswith("/v1beta/")], "nothing to generativelanguage"
    assert (await resp.json())["choices"][0]["message"]["videos"][0]["video_url"]["url"].startswith("data:video/mp4")


async def test_with_only_a_ccs_token_the_seeds_image_request_goes_through_vertex(vertex_proxy, emulator):
    seed_image = {"model": "gemini-3-pro-image-preview", "messages": [{"role": "user", "content": "A cute cat"}],
                  "modalities": ["image", "text"], "image_config": {"aspect_ratio": "1:1", "image_size": "1K"}}
    resp = await vertex_proxy.post(URL, json=seed_image, headers=AUTH)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["model"] == "gemini-3-pro-image"
    assert body["choices"][0]["message"]["images"][0]["image_url"]["url"].startswith("data:image/png;base64,")
    [call] = [r for r in emulator.state.requests if r.path.endswith(":generateContent")]
    # Vertex AI serves Gemini image models at `global` only (google-2026-12.md section 3); Veo stays regional
    assert call.path == ("/v1/projects/ccs-project/locations/global/publishers/google/models/"
                         "gemini-3-pro-image:generateContent")
    assert not [r for r in emulator.state.requests if r.path.startswith("/v1beta/")]


async def test_extending_a_vertex_video_sends_its_bytes(vertex_proxy, emulator):
    # Vertex answers with the bytes and no file: genproxy sends them back as bytesBase64Encoded
    # (google-genai _Video_to_vertex), never a Gemini Files URI.
    first = await vertex_proxy.post(URL, json=video_request(model="vertex/veo-3.1-generate-001"), headers=AUTH)
    assert first.status == 200, await first.text()
    job_id = (await first.json())["choices"][0]["message"]["videos"][0]["job_id"]
    resp = await vertex_proxy.post(URL, json=video_request("it keeps running", model="vertex/veo-3.1-generate-001",
                                                           video=job_id), headers=AUTH)
    assert resp.status == 200, await resp.text()
    video = submits(emulator)[-1].json["instances"][0]["video"]
    assert set(video) == {"bytesBase64Encoded", "mimeType"} and video["mimeType"] == "video/mp4"
    assert base64.b64decode(video["bytesBase64Encoded"]) == decode_video((await first.json())["choices"][0]["message"]["videos"][0])
