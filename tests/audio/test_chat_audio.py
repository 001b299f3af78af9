"""Chat completions with audio output on a TTS model, through the openai SDK: message.audio and delta.audio."""
from __future__ import annotations

import base64

import openai
import pytest

from tests.audio.test_speech_api import FORMATS, TTS_MODELS, seconds_of
from tests.support import AUTH, CLIENT_KEY, assert_openai_error

TEXT = "Read this sentence aloud, please."
CHAT_FORMATS = {"mp3": "mp3", "opus": "opus", "aac": "aac", "flac": "flac", "wav": "wav", "pcm16": "pcm"}


@pytest.fixture
async def sdk(proxy):
    async with openai.AsyncOpenAI(base_url=str(proxy.make_url("/v1")), api_key=CLIENT_KEY, max_retries=0) as client:
        yield client


@pytest.mark.parametrize("model", TTS_MODELS)
@pytest.mark.parametrize("fmt", list(CHAT_FORMATS))
async def test_message_audio_for_every_model_and_format(sdk, model, fmt):
    completion = await sdk.chat.completions.create(
        model=model, modalities=["text", "audio"], audio={"voice": "alloy", "format": fmt},
        messages=[{"role": "user", "content": TEXT}])
    audio = completion.choices[0].message.audio
    assert audio.id.startswith("audio_") and audio.expires_at > 0
    assert audio.transcript == TEXT
    assert seconds_of(base64.b64decode(audio.data), CHAT_FORMATS[fmt]) == pytest.approx(len(TEXT) / 15, abs=0.15)
    assert completion.usage.completion_tokens_details.audio_tokens > 0


@pytest.mark.parametrize("model", TTS_MODELS)
async def test_streamed_delta_audio(sdk, model):
    text = TEXT * 8
    stream = await sdk.chat.completions.create(
        model=model, modalities=["text", "audio"], audio={"voice": "Charon", "format": "pcm16"}, stream=True,
        messages=[{"role": "user", "content": text}])
    pieces, transcript, expires, finish = [], None, None, None
    async for chunk in stream:
        if not chunk.choices:
            continue
        delta = chunk.choices[0].delta
        audio = getattr(delta, "audio", None) or (delta.model_extra or {}).get("audio")
        if audio:
            audio = audio if isinstance(audio, dict) else audio.model_dump()
            if audio.get("data"):
                pieces.append(base64.b64decode(audio["data"]))
            transcript = audio.get("transcript") or transcript
            expires = audio.get("expires_at") or expires
        finish = chunk.choices[0].finish_reason or finish
    assert len(pieces) > 1
    assert len(b"".join(pieces)) / 48_000 == pytest.approx(len(text) / 15, abs=0.3)
    assert transcript == text and expires and finish == "stop"


async def test_text_only_modalities_on_a_tts_model_is_refused(proxy):
    resp = await proxy.post("/v1/chat/completions", headers=AUTH, json={
        "model": "gemini-3.8-flash-tts", "modalities": ["text"], "messages": [{"role": "user", "content": "hi"}]})
    assert resp.status == 400
    assert_openai_error(await resp.json(), param="modalities")


async def test_unknown_voice_names_audio_voice(proxy):
    resp = await proxy.post("/v1/chat/completions", headers=AUTH, json={
        "model": "gemini-3.8-flash-tts", "modalities": ["text", "audio"], "audio": {"voice": "robot", "format": "wav"},
        "messages": [{"role": "user", "content": "hi"}]})
    assert resp.status == 400
    assert_openai_error(await resp.json(), param="audio.voice")


async def test_a_chat_client_without_modalities_still_gets_speech(proxy):
    """Open WebUI never sends modalities: a TTS model answers WAV in the default voice (docs/audio.md)."""
    resp = await proxy.post("/v1/chat/completions", headers=AUTH, json={
        "model": "gemini-3.8-flash-lite-tts", "messages": [{"role": "user", "content": "hi there"}]})
    body = await resp.json()
    assert base64.b64decode(body["choices"][0]["message"]["audio"]["data"])[:4] == b"RIFF"


assert set(CHAT_FORMATS.values()) == set(FORMATS)
