"""Credentials only where Google accepts them: OAuth on generativelanguage, Vertex projects
without the API, Code Assist accounts without a licence."""

from __future__ import annotations

import pytest

from .helpers import BEARER, GEMINI, IMAGE_MODEL, KEY, poll_until_done, submit_veo, text_body, veo_body

VERTEX_BASE = "/v1/projects/{project}/locations/global/publishers/google/models"


@pytest.mark.parametrize("method,path,rpc", [
    ("POST", f"/v1beta/models/{GEMINI}:generateContent", "GenerativeService.GenerateContent"),
    ("POST", f"/v1beta/models/{GEMINI}:streamGenerateContent?alt=sse", "GenerativeService.StreamGenerateContent"),
    ("POST", "/v1beta/models/veo-3.1-generate-preview:predictLongRunning", "PredictionService.PredictLongRunning"),
    ("GET", "/v1beta/models", "ModelService.ListModels"),
    ("GET", f"/v1beta/models/{GEMINI}", "ModelService.GetModel"),
    ("GET", "/v1beta/models/veo-3.1-generate-preview/operations/abc", "Operations.GetOperation"),
    ("GET", "/v1beta/files/abc:download?alt=media", "FileService.DownloadFile"),
])
async def test_bearer_on_generativelanguage_is_scope_insufficient(emulator, session, method, path, rpc):
    body = veo_body() if "predict" in path else text_body("hi")
    async with session.request(method, emulator.base_url + path, json=body if method == "POST" else None,
                               headers=BEARER) as r:
        assert r.status == 403
        error = (await r.json())["error"]
    assert error["message"] == "Request had insufficient authentication scopes."
    assert error["status"] == "PERMISSION_DENIED"
    info = error["details"][0]
    assert info["@type"] == "type.googleapis.com/google.rpc.ErrorInfo"
    assert info["reason"] == "ACCESS_TOKEN_SCOPE_INSUFFICIENT" and info["domain"] == "googleapis.com"
    assert info["metadata"]["service"] == "generativelanguage.googleapis.com"
    assert info["metadata"]["method"].endswith(rpc)
    assert not emulator.state.operations


async def test_vertex_serves_text_and_images_with_a_bearer(emulator, session):
    base = emulator.base_url + VERTEX_BASE.format(project="my-proj")
    async with session.post(f"{base}/{GEMINI}:generateContent", json=text_body("hello"), headers=BEARER) as r:
        assert r.status == 200
        assert (await r.json())["candidates"][0]["content"]["parts"][0]["text"] == "Echo: hello"
    body = text_body("a red square", responseModalities=["TEXT", "IMAGE"], imageConfig={"aspectRatio": "16:9"})
    async with session.post(f"{base}/{IMAGE_MODEL}:generateContent", json=body, headers=BEARER) as r:
        assert r.status == 200
        parts = (await r.json())["candidates"][0]["content"]["parts"]
    assert any("inlineData" in p for p in parts)
    async with session.post(f"{base}/{GEMINI}:streamGenerateContent?alt=sse", json=text_body("hi"),
                            headers=BEARER) as r:
        assert r.status == 200 and (await r.read()).startswith(b"data: ")
    for missing in ("gemini-3-pro-image-preview", "gemini-omni-flash-preview"):
        async with session.post(f"{base}/{missing}:generateContent", json=text_body("x"), headers=BEARER) as r:
            assert r.status == 404
            assert "was not found or your project does not have access to it" in (await r.json())["error"]["message"]
    async with session.post(f"{base}/{GEMINI}:generateContent", json=text_body("x"), headers=KEY) as r:
        assert r.status == 401


def assert_service_disabled(error: dict, project: str) -> None:
    assert error["code"] == 403 and error["status"] == "PERMISSION_DENIED"
    assert error["message"].startswith(f"Vertex AI API has not been used in project {project} before or it is disabled.")
    info = next(d for d in error["details"] if d["@type"].endswith("ErrorInfo"))
    assert info["reason"] == "SERVICE_DISABLED"
    assert info["metadata"]["consumer"] == f"projects/{project}"
    assert info["metadata"]["service"] == "aiplatform.googleapis.com"


@pytest.mark.parametrize("project,settings", [
    ("no-vertex-here", {}),
    ("plain-project", {"vertex_disabled_projects": ["plain-project"]}),
])
async def test_vertex_disabled_project_is_service_disabled(make_emulator, session, project, settings):
    emu = await make_emulator(**settings)
    base = emu.base_url + VERTEX_BASE.format(project=project)
    async with session.post(f"{base}/{GEMINI}:generateContent", json=text_body("hi"), headers=BEARER) as r:
        assert r.status == 403
        assert_service_disabled((await r.json())["error"], project)
    async with session.post(f"{base}/veo-3.1-generate-001:predictLongRunning",
                            json=veo_body(generateAudio=True), headers=BEARER) as r:
        assert r.status == 403
    async with session.get(f"{emu.base_url}/v1/publishers/google/models/veo-3.1-generate-001",
                           headers={**BEARER, "x-goog-user-project": project}) as r:
        assert r.status == 403
        assert_service_disabled((await r.json())["error"], project)
    async with session.get(f"{emu.base_url}/v1/publishers/google/models/veo-3.1-generate-001",
                           headers={**BEARER, "x-goog-user-project": "enabled-project"}) as r:
        assert r.status == 200
    assert not emu.state.operations


async def code_assist(session, emu, headers, path="generateContent"):
    body = {"project": "p", "model": GEMINI, "request": text_body("hi")}
    async with session.post(f"{emu.base_url}/v1internal:{path}", json=body, headers=headers) as r:
        return r.status, await r.json()


async def test_code_assist_refuses_unlicensed_accounts(make_emulator, session):
    emu = await make_emulator()
    form = {"grant_type": "refresh_token", "refresh_token": "unlicensed-account-rt"}
    async with session.post(f"{emu.base_url}/token", data=form) as r:
        token = (await r.json())["access_token"]
    status, body = await code_assist(session, emu, {"Authorization": f"Bearer {token}"})
    assert status == 403
    error = body["error"]
    assert error["message"].startswith("You do not have a valid license of this product.")
    assert error["message"].endswith("(#3501)")
    assert error["details"][0]["reason"] == "SUBSCRIPTION_REQUIRED"
    assert error["details"][0]["domain"] == "cloudaicompanion.googleapis.com"
    status, _ = await code_assist(session, emu, BEARER)
    assert status == 200  # a licensed account still works
    emu2 = await make_emulator(codeassist_licensed=False)
    status, body = await code_assist(session, emu2, BEARER, "streamGenerateContent?alt=sse")
    assert status == 403 and "valid license" in body["error"]["message"]


async def test_code_assist_never_served_veo(emulator, session):
    status, body = await code_assist(session, emulator, BEARER, "predictLongRunning")
    assert status == 404 and body["error"]["status"] == "NOT_FOUND"
    body = {"project": "p", "model": "veo-3.1-generate-preview", "request": text_body("hi")}
    async with session.post(f"{emulator.base_url}/v1internal:generateContent", json=body, headers=BEARER) as r:
        assert r.status == 404


async def test_api_key_still_runs_a_whole_video_job(emulator, session):
    op = await poll_until_done(session, emulator, await submit_veo(session, emulator, veo_body()))
    assert op["response"]["generateVideoResponse"]["generatedSamples"]
