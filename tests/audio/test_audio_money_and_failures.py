"""Budgets see speech and songs before Google is asked; an upstream failure after the audio began never
leaves a file that looks whole; the models' limits are listed for clients (the console reads them)."""
from __future__ import annotations

import base64
import json

import aiohttp
import pytest

from tests.support import AUTH, assert_openai_error

POOR_KEY = "poor-key-0000000001"
POOR = {"Authorization": f"Bearer {POOR_KEY}"}


@pytest.fixture
async def poor(make_proxy):
    # 2 cents: a 4,096-character speech (about 8,192 audio tokens at $9 per million, $0.074) and a song
    # ($0.08) are over it; a short speech is not.
    return await make_proxy(api_keys=[{"key": POOR_KEY, "name": "poor", "budget_usd": 0.02, "budget_period": "month"}])


def calls(emulator, part: str) -> list:
    return [r for r in emulator.state.requests if part in r.path]


async def test_budgets_refuse_long_speech_and_songs_before_google_is_asked(poor, emulator):
    long = await poor.post("/v1/audio/speech", headers=POOR, json={
        "model": "gemini-3.8-flash-tts", "input": "word " * 800, "voice": "alloy"})
    assert long.status == 429
    assert_openai_error(await long.json(), "budget_exceeded")
    song = await poor.post("/v1/chat/completions", headers=POOR, json={
        "model": "lyria-3-pro-preview", "modalities": ["audio", "text"],
        "messages": [{"role": "user", "content": "a song"}]})
    assert song.status == 429
    assert not calls(emulator, "tts") and not calls(emulator, "lyria")
    short = await poor.post("/v1/audio/speech", headers=POOR, json={
        "model": "gemini-3.8-flash-tts", "input": "Hi.", "voice": "alloy"})
    assert short.status == 200


async def test_a_stream_that_breaks_cuts_the_audio_off(proxy):
    url = proxy.make_url("/v1/audio/speech")
    async with aiohttp.ClientSession() as session:
        async with session.post(url, headers=AUTH, json={
                "model": "gemini-3.8-flash-tts", "voice": "alloy", "response_format": "pcm",
                "input": "a long enough text to need several events [emulate:stream-error] " * 4}) as resp:
            assert resp.status == 200
            with pytest.raises(aiohttp.ClientPayloadError):
                await resp.read()


async def test_a_stream_that_breaks_ends_sse_with_an_error_event(proxy):
    resp = await proxy.post("/v1/audio/speech", headers=AUTH, json={
        "model": "gemini-3.8-flash-tts", "voice": "alloy", "response_format": "pcm", "stream_format": "sse",
        "input": "a long enough text to need several events [emulate:stream-error] " * 4})
    events = [json.loads(line[6:]) for line in (await resp.text()).splitlines() if line.startswith("data: ")]
    assert events[0]["type"] == "speech.audio.delta" and base64.b64decode(events[0]["audio"])
    assert events[-1]["type"] == "error" and events[-1]["error"]["message"]


async def test_models_list_their_audio_limits(proxy):
    speech = await (await proxy.get("/v1/models/tts-1", headers=AUTH)).json()
    assert speech["modality"] == "speech"
    assert {"name": "nova", "gemini_voice": "Zephyr", "style": "Bright"} in speech["limits"]["voices"]
    assert speech["limits"]["response_formats"] == ["mp3", "opus", "aac", "flac", "wav", "pcm"]
    clip = await (await proxy.get("/v1/models/lyria-3-clip-preview", headers=AUTH)).json()
    assert clip["limits"]["duration_seconds"] == {"fixed": 30} and clip["limits"]["reference_images"] == 10
