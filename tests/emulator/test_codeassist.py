"""Code Assist (v1internal) wraps GenerateContentResponse in {"response": ...}."""

from __future__ import annotations

import json

from .helpers import BEARER, GEMINI, text_body


def ca_body(prompt: str, model: str = GEMINI) -> dict:
    return {"project": "proj-1", "model": model, "request": text_body(prompt)}


async def test_code_assist_generate_content(emulator, session):
    async with session.post(f"{emulator.base_url}/v1internal:generateContent", json=ca_body("hello"),
                            headers=BEARER) as r:
        assert r.status == 200
        body = await r.json()
    assert body["response"]["candidates"][0]["content"]["parts"] == [{"text": "Echo: hello"}]
    assert body["response"]["usageMetadata"]["totalTokenCount"] > 0


async def test_code_assist_stream_events_are_wrapped(emulator, session):
    async with session.post(f"{emulator.base_url}/v1internal:streamGenerateContent?alt=sse",
                            json=ca_body("stream me now"), headers=BEARER) as r:
        assert r.status == 200
        raw = (await r.read()).decode()
    events = [json.loads(f[6:]) for f in raw.split("\r\n\r\n") if f]
    assert len(events) >= 2 and all("response" in e for e in events)
    text = "".join(e["response"]["candidates"][0]["content"]["parts"][0]["text"] for e in events)
    assert text == "Echo: stream me now"
    assert events[-1]["response"]["candidates"][0]["finishReason"] == "STOP"


async def test_code_assist_errors(emulator, session):
    async with session.post(f"{emulator.base_url}/v1internal:generateContent",
                            json={"project": "p", "request": text_body("x")}, headers=BEARER) as r:
        assert r.status == 400
    async with session.post(f"{emulator.base_url}/v1internal:generateContent",
                            json=ca_body("x", "veo-3.1-generate-preview"), headers=BEARER) as r:
        assert r.status == 404 and (await r.json())["error"]["status"] == "NOT_FOUND"
    async with session.post(f"{emulator.base_url}/v1internal:predictLongRunning", json={}, headers=BEARER) as r:
        assert r.status == 404
