"""Authentication as Google checks it, on every API surface."""

from __future__ import annotations

import pytest

from .helpers import BEARER, GEMINI, KEY, text_body, veo_body

VERTEX = "/v1/projects/p/locations/us-central1/publishers/google/models/veo-3.1-generate-001:predictLongRunning"


def gen_url(emu) -> str:
    return f"{emu.base_url}/v1beta/models/{GEMINI}:generateContent"


@pytest.mark.parametrize("headers,query", [(KEY, ""), ({}, "?key=abc")])
async def test_gemini_accepts_key_header_or_query(emulator, session, headers, query):
    async with session.post(gen_url(emulator) + query, json=text_body("hi"), headers=headers) as r:
        assert r.status == 200


async def test_missing_credentials_is_403_permission_denied(emulator, session):
    async with session.post(gen_url(emulator), json=text_body("hi")) as r:
        assert r.status == 403
        error = (await r.json())["error"]
    assert error["code"] == 403 and error["status"] == "PERMISSION_DENIED"
    assert error["message"].startswith("Method doesn't allow unregistered callers")


async def test_empty_key_is_invalid(emulator, session):
    async with session.post(gen_url(emulator), json=text_body("hi"), headers={"x-goog-api-key": ""}) as r:
        assert r.status == 400


async def test_configured_keys_reject_others(make_emulator, session):
    emu = await make_emulator(api_keys=["good"])
    async with session.post(gen_url(emu), json=text_body("hi"), headers={"x-goog-api-key": "good"}) as r:
        assert r.status == 200
    async with session.post(gen_url(emu), json=text_body("hi"), headers={"x-goog-api-key": "bad"}) as r:
        assert r.status == 400
        error = (await r.json())["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert error["message"] == "API key not valid. Please pass a valid API key."
    assert error["details"][0]["reason"] == "API_KEY_INVALID"
    async with session.post(gen_url(emu), json=text_body("hi"), headers={"Authorization": "Bearer stale"}) as r:
        assert r.status == 401
        assert (await r.json())["error"]["status"] == "UNAUTHENTICATED"


async def test_vertex_refuses_api_keys_and_needs_bearer(emulator, session):
    body = veo_body(generateAudio=False)
    async with session.post(emulator.base_url + VERTEX, json=body, headers=KEY) as r:
        assert r.status == 401
        error = (await r.json())["error"]
    assert error["status"] == "UNAUTHENTICATED" and "API keys are not supported" in error["message"]
    async with session.post(emulator.base_url + VERTEX, json=body) as r:
        assert r.status == 401
    async with session.post(emulator.base_url + VERTEX, json=body, headers=BEARER) as r:
        assert r.status == 200


async def test_code_assist_needs_bearer(emulator, session):
    body = {"project": "p", "model": GEMINI, "request": text_body("hi")}
    async with session.post(f"{emulator.base_url}/v1internal:generateContent", json=body, headers=KEY) as r:
        assert r.status == 401
    async with session.post(f"{emulator.base_url}/v1internal:generateContent", json=body, headers=BEARER) as r:
        assert r.status == 200


async def test_download_needs_key_but_media_url_does_not(emulator, session):
    from .helpers import poll_until_done, submit_veo

    op = await poll_until_done(session, emulator, await submit_veo(session, emulator, veo_body()))
    uri = op["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
    async with session.get(uri, allow_redirects=False) as r:
        assert r.status == 403
    async with session.get(uri, headers=KEY, allow_redirects=False) as r:
        assert r.status == 302
        location = r.headers["Location"]
    async with session.get(location) as r:  # no key, like googleusercontent
        assert r.status == 200 and r.headers["Content-Type"] == "video/mp4"
    async with session.get(location.split("?")[0] + "?token=wrong") as r:
        assert r.status == 403
