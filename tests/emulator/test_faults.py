"""Every fault marker, through real sockets."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest

from proxy.emulator.faults import KNOWN_FAULTS

from .helpers import BEARER, GEMINI, IMAGE_MODEL, KEY, VEO, poll_until_done, submit_veo, text_body, veo_body


def gen_url(emu, model=GEMINI, action="generateContent") -> str:
    return f"{emu.base_url}/v1beta/models/{model}:{action}"


async def poll(session, emu, name):
    async with session.get(f"{emu.base_url}/v1beta/{name}", headers=KEY) as r:
        return r.status, await r.json()


@pytest.mark.parametrize("marker,status,rpc", [
    ("quota", 429, "RESOURCE_EXHAUSTED"), ("server-error", 500, "INTERNAL"), ("unavailable", 503, "UNAVAILABLE"),
])
async def test_submit_faults_on_veo_and_generate_content(emulator, session, marker, status, rpc):
    async with session.post(gen_url(emulator, VEO, "predictLongRunning"),
                            json=veo_body(f"cat [emulate:{marker}]"), headers=KEY) as r:
        assert r.status == status
        error = (await r.json())["error"]
    assert error["code"] == status and error["status"] == rpc
    async with session.post(gen_url(emulator), json=text_body(f"hi [emulate:{marker}]"), headers=KEY) as r:
        assert r.status == status
    assert not emulator.state.operations


async def test_quota_has_retry_info(emulator, session):
    async with session.post(gen_url(emulator), json=text_body("[emulate:quota] hi"), headers=KEY) as r:
        error = (await r.json())["error"]
    assert error["details"][0] == {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "2s"}


async def test_quota_once_fails_first_time_only(emulator, session):
    body = veo_body("a dog [emulate:quota-once]")
    async with session.post(gen_url(emulator, VEO, "predictLongRunning"), json=body, headers=KEY) as r:
        assert r.status == 429
    name = await submit_veo(session, emulator, body)
    assert (await poll_until_done(session, emulator, name))["response"]
    async with session.post(gen_url(emulator), json=text_body("other [emulate:quota-once]"), headers=KEY) as r:
        assert r.status == 429  # a different prompt has its own first time


async def test_settings_faults_apply_to_every_request(make_emulator, session):
    emu = await make_emulator(faults=["unavailable"])
    async with session.post(gen_url(emu), json=text_body("plain prompt"), headers=KEY) as r:
        assert r.status == 503


async def test_poll_error_first_two_polls_then_normal(emulator, session):
    name = await submit_veo(session, emulator, veo_body("x [emulate:poll-error]"))
    assert (await poll(session, emulator, name))[0] == 503
    status, body = await poll(session, emulator, name)
    assert status == 503 and body["error"]["status"] == "UNAVAILABLE"
    status, body = await poll(session, emulator, name)
    assert status == 200 and body["done"] is True


async def test_poll_error_always(emulator, session):
    name = await submit_veo(session, emulator, veo_body("x [emulate:poll-error-always]"))
    for _ in range(4):
        status, body = await poll(session, emulator, name)
        assert status == 500 and body["error"]["status"] == "INTERNAL"


async def test_slow_poll_default_three_seconds(emulator, session):
    name = await submit_veo(session, emulator, veo_body("x [emulate:slow-poll]"))
    start = time.monotonic()
    status, body = await poll(session, emulator, name)
    assert status == 200 and body["done"]
    assert time.monotonic() - start >= 2.9


async def test_slow_poll_with_value_trips_client_timeout(emulator, session):
    name = await submit_veo(session, emulator, veo_body("x [emulate:slow-poll=1]"))
    with pytest.raises(asyncio.TimeoutError):
        async with session.get(f"{emulator.base_url}/v1beta/{name}", headers=KEY,
                               timeout=aiohttp.ClientTimeout(total=0.3)):
            pass


async def test_operation_error(emulator, session):
    op = await poll_until_done(session, emulator, await submit_veo(session, emulator, veo_body("[emulate:operation-error]")))
    assert op["error"] == {"code": 13, "message": "Video generation failed due to an internal error."}
    assert "response" not in op


@pytest.mark.parametrize("marker", ["safety", "blocked"])
async def test_veo_safety_filter(emulator, session, marker):
    op = await poll_until_done(session, emulator, await submit_veo(session, emulator, veo_body(f"[emulate:{marker}]")))
    gvr = op["response"]["generateVideoResponse"]
    assert "generatedSamples" not in gvr
    assert gvr["raiMediaFilteredCount"] == 1
    assert gvr["raiMediaFilteredReasons"][0].startswith("The prompt could not be submitted.")


async def test_vertex_faults(emulator, session):
    prefix = f"{emulator.base_url}/v1/projects/p/locations/l/publishers/google/models/veo-3.1-generate-001"
    body = veo_body("x [emulate:safety]", generateAudio=True)
    async with session.post(prefix + ":predictLongRunning", json=body, headers=BEARER) as r:
        name = (await r.json())["name"]
    async with session.post(prefix + ":fetchPredictOperation", json={"operationName": name}, headers=BEARER) as r:
        op = await r.json()
    assert op["done"] and op["response"]["raiMediaFilteredCount"] == 1 and "videos" not in op["response"]
    body = veo_body("x [emulate:quota]", generateAudio=True)
    async with session.post(prefix + ":predictLongRunning", json=body, headers=BEARER) as r:
        assert r.status == 429
    body = veo_body("x [emulate:poll-error-always]", generateAudio=True)
    async with session.post(prefix + ":predictLongRunning", json=body, headers=BEARER) as r:
        name = (await r.json())["name"]
    async with session.post(prefix + ":fetchPredictOperation", json={"operationName": name}, headers=BEARER) as r:
        assert r.status == 500


async def test_generate_content_safety_and_blocked(emulator, session):
    async with session.post(gen_url(emulator), json=text_body("[emulate:safety] x"), headers=KEY) as r:
        body = await r.json()
    assert body["candidates"][0]["finishReason"] == "SAFETY" and "content" not in body["candidates"][0]
    async with session.post(gen_url(emulator), json=text_body("[emulate:blocked] x"), headers=KEY) as r:
        assert r.status == 200
        body = await r.json()
    assert body["promptFeedback"]["blockReason"] == "SAFETY" and "candidates" not in body


async def test_cut_download(emulator, session):
    op = await poll_until_done(session, emulator, await submit_veo(session, emulator, veo_body("[emulate:cut-download]")))
    uri = op["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
    got = b""
    with pytest.raises(aiohttp.ClientPayloadError):
        async with session.get(uri, headers=KEY) as r:
            declared = int(r.headers["Content-Length"])
            async for chunk in r.content.iter_any():
                got += chunk
    assert 0 < len(got) <= declared // 2 + 1


async def test_cut_download_with_padding_cuts_half_of_padded_size(make_emulator, session):
    emu = await make_emulator(video_padding_bytes=500_000)
    op = await poll_until_done(session, emu, await submit_veo(session, emu, veo_body("[emulate:cut-download]")))
    uri = op["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
    got = 0
    with pytest.raises(aiohttp.ClientPayloadError):
        async with session.get(uri, headers=KEY) as r:
            assert r.headers["Content-Length"] == "500000"
            async for chunk in r.content.iter_any():
                got += len(chunk)
    assert got == 250_000


async def test_malformed(emulator, session):
    for url, body in [(gen_url(emulator, VEO, "predictLongRunning"), veo_body("[emulate:malformed]")),
                      (gen_url(emulator), text_body("[emulate:malformed]"))]:
        async with session.post(url, json=body, headers=KEY) as r:
            assert r.status == 200
            text = await r.text()
        assert text == '{"name": '
        with pytest.raises(json.JSONDecodeError):
            json.loads(text)
    async with session.post(gen_url(emulator, action="streamGenerateContent") + "?alt=sse",
                            json=text_body("[emulate:malformed]"), headers=KEY) as r:
        raw = (await r.read()).decode()
    with pytest.raises(json.JSONDecodeError):
        json.loads(raw.strip()[len("data: "):])


async def test_no_image(emulator, session):
    body = text_body("a cat [emulate:no-image]", responseModalities=["TEXT", "IMAGE"])
    async with session.post(gen_url(emulator, IMAGE_MODEL), json=body, headers=KEY) as r:
        reply = await r.json()
    parts = reply["candidates"][0]["content"]["parts"]
    assert parts and all("inlineData" not in p for p in parts) and parts[0]["text"]


async def test_delay_marker_overrides_setting(emulator, session):
    name = await submit_veo(session, emulator, veo_body("x [emulate:delay=1]"))
    status, body = await poll(session, emulator, name)
    assert body["done"] is False
    await asyncio.sleep(1.05)
    assert (await poll(session, emulator, name))[1]["done"] is True


async def test_stream_error(emulator, session):
    events = []
    with pytest.raises(aiohttp.ClientPayloadError):
        async with session.post(gen_url(emulator, action="streamGenerateContent") + "?alt=sse",
                                json=text_body("a long enough prompt [emulate:stream-error]"), headers=KEY) as r:
            assert r.status == 200
            async for line in r.content:
                if line.startswith(b"data: "):
                    events.append(json.loads(line[6:]))
    assert len(events) == 2
    assert "candidates" in events[0]
    assert events[1]["error"]["code"] == 500


async def test_code_assist_stream_error(emulator, session):
    body = {"project": "p", "model": GEMINI, "request": text_body("x y z [emulate:stream-error]")}
    with pytest.raises(aiohttp.ClientPayloadError):
        async with session.post(f"{emulator.base_url}/v1internal:streamGenerateContent?alt=sse",
                                json=body, headers=BEARER) as r:
            await r.read()


async def test_unknown_marker_is_400(emulator, session):
    async with session.post(gen_url(emulator), json=text_body("[emulate:explode]"), headers=KEY) as r:
        assert r.status == 400
        assert "unknown emulator fault" in (await r.json())["error"]["message"]


def test_every_fault_is_documented():
    import pathlib

    import proxy.emulator.faults as faults_module

    readme = (pathlib.Path(faults_module.__file__).parents[2] / "docs" / "emulator.md").read_text()
    for name in KNOWN_FAULTS:
        assert f"``{name}" in faults_module.__doc__
        assert f"`{name}" in readme
