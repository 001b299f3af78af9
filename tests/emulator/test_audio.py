"""The emulator speaks and sings, and refuses what Google refuses (proxy/emulator/audio.py)."""
from __future__ import annotations

import base64
import io
import json

import aiohttp
import av
import pytest

from tests.emulator.helpers import KEY

TTS = "gemini-3.8-flash-tts"
OLD_TTS = "gemini-3.1-flash-tts-preview"


@pytest.fixture
async def session():
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as s:
        yield s


def speak(text="Hello there", voice="Kore", **extra) -> dict:
    body = {"contents": [{"role": "user", "parts": [{"text": text}]}],
            "generationConfig": {"responseModalities": ["AUDIO"],
                                 "speechConfig": {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": voice}}}}}
    for key, value in extra.items():
        body[key] = value
    return body


async def post(session, emulator, model, body, method="generateContent", query=""):
    async with session.post(f"{emulator.base_url}/v1beta/models/{model}:{method}{query}", json=body,
                            headers=KEY) as r:
        return r.status, await r.read()


async def test_38_answers_a_wav_whose_length_follows_the_text(session, emulator):
    for text in ("Hi", "A much longer sentence to be read aloud by the model."):
        status, raw = await post(session, emulator, TTS, speak(text))
        assert status == 200
        part = json.loads(raw)["candidates"][0]["content"]["parts"][0]["inlineData"]
        assert part["mimeType"] == "audio/wav"
        with av.open(io.BytesIO(base64.b64decode(part["data"]))) as container:
            stream = container.streams.audio[0]
            seconds = sum(f.samples for f in container.decode(stream)) / stream.codec_context.sample_rate
        assert seconds == pytest.approx(max(0.25, len(text) / 15), abs=0.02)


async def test_older_model_answers_raw_pcm_and_streams_split_samples(session, emulator):
    status, raw = await post(session, emulator, OLD_TTS, speak("x" * 120), "streamGenerateContent", "?alt=sse")
    assert status == 200
    events = [json.loads(line[5:]) for line in raw.decode().splitlines() if line.startswith("data:")]
    chunks = [base64.b64decode(e["candidates"][0]["content"]["parts"][0]["inlineData"]["data"]) for e in events]
    assert len(chunks) > 1 and len(chunks[0]) % 2 == 1  # a sample split across events
    assert events[0]["candidates"][0]["content"]["parts"][0]["inlineData"]["mimeType"] == \
        "audio/L16;codec=pcm;rate=24000"
    assert len(b"".join(chunks)) == 120 / 15 * 48_000
    assert events[-1]["usageMetadata"]["candidatesTokensDetails"] == [{"modality": "AUDIO", "tokenCount": 200}]


@pytest.mark.parametrize(("model", "body", "message"), [
    (TTS, speak(generationConfig={"responseModalities": ["TEXT"]}), "response modalities (TEXT) is not supported"),
    (TTS, {"contents": [{"parts": [{"text": "hi"}]}], "generationConfig": {"responseModalities": ["AUDIO"]}},
     "Request contains an invalid argument."),
    (TTS, speak(systemInstruction={"parts": [{"text": "be nice"}]}), "Developer instruction is not enabled"),
    (TTS, speak(voice="Robot"), "Voice name 'Robot' is not supported"),
    (OLD_TTS, speak(contents=[{"parts": [{"text": "hi", "speechMetadata": {"style": "warm"}}]}]),
     'Unknown name "speechMetadata"'),
    (TTS, speak(generationConfig={"responseModalities": ["AUDIO"], "speechConfig": {"multiSpeakerVoiceConfig": {
        "speakerVoiceConfigs": [{"speaker": "Joe", "voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Kore"}}}]}}}),
     "Exactly two speaker voice configurations"),
    ("lyria-3-clip-preview", {"contents": [{"parts": [{"text": "a song"}]}],
                              "generationConfig": {"responseFormat": {"audio": {"mimeType": "audio/wav"}}}},
     'Unknown name "responseFormat"'),
    ("lyria-3-pro-preview", {"contents": [{"parts": [{"text": "a song"}, *[
        {"inlineData": {"mimeType": "image/png", "data": "AAAA"}}] * 11]}]}, "Too many images"),
])
async def test_refuses_what_google_refuses(session, emulator, model, body, message):
    status, raw = await post(session, emulator, model, body)
    error = json.loads(raw)["error"]
    assert status == 400 and error["status"] == "INVALID_ARGUMENT"
    assert message in error["message"]


async def test_lyria_clip_is_30_seconds_of_stereo_mp3_with_lyrics(session, emulator):
    status, raw = await post(session, emulator, "lyria-3-clip-preview",
                             {"contents": [{"parts": [{"text": "Instrumental only, a calm harp"}]}]})
    assert status == 200
    text, audio = json.loads(raw)["candidates"][0]["content"]["parts"]
    assert text["text"] == "<instrumental>"
    assert audio["inlineData"]["mimeType"] == "audio/mpeg"
    with av.open(io.BytesIO(base64.b64decode(audio["inlineData"]["data"]))) as container:
        stream = container.streams.audio[0]
        seconds = sum(f.samples for f in container.decode(stream)) / 44_100
        assert stream.codec_context.channels == 2
    assert seconds == pytest.approx(30, abs=0.05)


async def test_tts_models_are_listed_and_lyria_does_not_stream(session, emulator):
    async with session.get(f"{emulator.base_url}/v1beta/models/{TTS}", headers=KEY) as r:
        assert "streamGenerateContent" in (await r.json())["supportedGenerationMethods"]
    status, _ = await post(session, emulator, "lyria-3.5", {"contents": [{"parts": [{"text": "a"}]}]},
                           "streamGenerateContent")
    assert status == 404
