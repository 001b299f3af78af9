"""Each backend's URLs, auth headers and bodies, as the emulator (or a faked Google host) receives them."""
from __future__ import annotations

import pytest
from aioresponses import aioresponses

from proxy.credentials import CredentialPool
from proxy.http.errors import ApiError
from proxy.upstreams.vertex import VertexUpstream, vertex_base_url
from tests.support import UPSTREAM_KEY
from tests.upstreams.conftest import header, sent, token_file

TEXT = {"contents": [{"role": "user", "parts": [{"text": "hello"}]}]}
VEO = {"instances": [{"prompt": "a cat playing with a ball"}],
       "parameters": {"aspectRatio": "16:9", "durationSeconds": 8, "generateAudio": True}}


async def test_gemini_with_api_key_sends_x_goog_api_key(build, emulator):
    reg = build()
    reply = await reg.get("gemini").generate_content("gemini-3-flash-preview", TEXT)
    assert reply["candidates"][0]["content"]["parts"][0]["text"]
    [req] = sent(emulator, ":generateContent")
    assert req.path == "/v1beta/models/gemini-3-flash-preview:generateContent"
    assert header(req, "x-goog-api-key") == UPSTREAM_KEY
    assert header(req, "Authorization") is None
    assert "key" not in req.query  # never in the URL, where logs would keep it


async def test_a_token_file_never_goes_to_the_gemini_api(build, emulator, auth_dir):
    # generativelanguage refuses CCS tokens for every method (403 ACCESS_TOKEN_SCOPE_INSUFFICIENT).
    token_file(auth_dir, access_token="ya29.gemini-oauth", project_id="proj-gem")
    reg = build(gemini_api_keys=[])
    with pytest.raises(ApiError) as err:
        await reg.get("gemini").generate_content("gemini-3-flash-preview", TEXT)
    assert err.value.code == "no_credentials"
    assert sent(emulator, ":generateContent") == []


async def test_gemini_streaming_yields_each_event(build, emulator):
    events = [e async for e in build().get("gemini").stream_generate_content("gemini-3-flash-preview", TEXT)]
    assert len(events) >= 2 and all("candidates" in e for e in events)
    [req] = sent(emulator, ":streamGenerateContent")
    assert req.query.get("alt") == "sse" and header(req, "x-goog-api-key") == UPSTREAM_KEY


async def test_vertex_uses_project_from_config_location_and_bearer(build, emulator, auth_dir):
    token_file(auth_dir, access_token="ya29.vertex-oauth", project_id="proj-from-file")
    vertex = build(vertex_project="cfg-project", vertex_location="europe-west4").get("vertex")
    op = await vertex.predict_long_running("veo-3.1-generate-001", VEO)
    assert op.name.startswith("projects/cfg-project/locations/europe-west4/publishers/google/models/veo-3.1-generate-001/operations/")
    assert op.credential_id == "oauth:gemini-user@example.com-proj-a.json"
    [req] = sent(emulator, ":predictLongRunning")
    assert req.path == ("/v1/projects/cfg-project/locations/europe-west4/publishers/google/models/"
                        "veo-3.1-generate-001:predictLongRunning")
    assert header(req, "Authorization") == "Bearer ya29.vertex-oauth"
    assert req.json == VEO

    status = await vertex.get_operation("veo-3.1-generate-001", op.name, op.credential_id)
    assert status["name"] == op.name
    [poll] = sent(emulator, ":fetchPredictOperation")
    assert poll.method == "POST" and poll.json == {"operationName": op.name}
    assert poll.path == ("/v1/projects/cfg-project/locations/europe-west4/publishers/google/models/"
                         "veo-3.1-generate-001:fetchPredictOperation")


async def test_vertex_takes_the_project_from_the_token_file(build, emulator, auth_dir):
    token_file(auth_dir, project_id="proj-from-file")
    op = await build(vertex_project="").get("vertex").predict_long_running("veo-3.1-generate-001", VEO)
    assert op.name.startswith("projects/proj-from-file/locations/us-central1/")


async def test_vertex_without_any_project_says_how_to_set_one(build, auth_dir):
    token_file(auth_dir, project_id="")
    with pytest.raises(ApiError) as err:
        await build(vertex_project="").get("vertex").predict_long_running("veo-3.1-generate-001", VEO)
    assert err.value.status == 503 and "vertex_project" in err.value.message


def test_vertex_default_hosts():
    assert vertex_base_url("us-central1") == "https://us-central1-aiplatform.googleapis.com"
    assert vertex_base_url("global") == "https://aiplatform.googleapis.com"


@pytest.mark.parametrize("location,host", [("us-east5", "https://us-east5-aiplatform.googleapis.com"),
                                           ("global", "https://aiplatform.googleapis.com")])
async def test_vertex_real_host_when_no_base_url_is_configured(session, location, host):
    from proxy.credentials import Credential

    pool = CredentialPool("vertex", [Credential(id="t", kind="oauth_file", secret="ya29.tok", project_id="p")])
    vertex = VertexUpstream(session, pool, None, location=location)
    url = f"{host}/v1/projects/p/locations/{location}/publishers/google/models/veo-3.1-generate-001:predictLongRunning"
    with aioresponses() as mocked:
        mocked.post(url, payload={"name": "projects/p/locations/x/publishers/google/models/veo-3.1-generate-001/operations/1"})
        op = await vertex.predict_long_running("veo-3.1-generate-001", VEO)
        [call] = next(v for k, v in mocked.requests.items() if str(k[1]) == url)
    assert op.name.endswith("/operations/1")
    assert call.kwargs["headers"]["Authorization"] == "Bearer ya29.tok"


async def test_codeassist_wraps_the_request_and_unwraps_the_reply(build, emulator, auth_dir):
    token_file(auth_dir, access_token="ya29.cli-token", project_id="cli-project")
    ca = build().get("codeassist")
    reply = await ca.generate_content("gemini-3-flash-preview", TEXT)
    assert "candidates" in reply and "response" not in reply
    [req] = sent(emulator, "/v1internal:generateContent")
    assert req.json == {"project": "cli-project", "model": "gemini-3-flash-preview", "request": TEXT}
    assert header(req, "Authorization") == "Bearer ya29.cli-token"

    events = [e async for e in ca.stream_generate_content("gemini-3-flash-preview", TEXT)]
    assert events and all("candidates" in e for e in events)
    [stream] = sent(emulator, "/v1internal:streamGenerateContent")
    assert stream.query.get("alt") == "sse" and stream.json["project"] == "cli-project"


async def test_codeassist_has_no_video(build, auth_dir):
    token_file(auth_dir)
    with pytest.raises(ApiError) as err:
        await build().get("codeassist").predict_long_running("veo-3.1-generate-001", VEO)
    assert err.value.status == 400 and err.value.code == "unsupported_by_upstream"


async def test_api_keys_never_go_to_vertex_or_codeassist(build, emulator):
    reg = build()  # one API key, no token files
    for name in ("vertex", "codeassist"):
        with pytest.raises(ApiError) as err:
            await reg.get(name).generate_content("gemini-3-flash-preview", TEXT)
        assert err.value.status == 503 and err.value.code == "no_credentials"
        assert "GENPROXY_AUTH_DIR" in err.value.message
    assert emulator.state.requests == []


async def test_codeassist_without_a_licence_says_why(build, emulator, auth_dir):
    # Code Assist stopped serving individual Gemini CLI accounts on 2026-06-18 (google-2026-11.md section 3).
    token_file(auth_dir, access_token="ya29.unlicensed-token", project_id="cli-project")
    with pytest.raises(ApiError) as err:
        await build().get("codeassist").generate_content("gemini-3-flash-preview", TEXT)
    assert err.value.status == 403 and err.value.code == "codeassist_no_license"
    assert "valid license" in err.value.message and "vertex" in err.value.message
