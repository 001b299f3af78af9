"""POST /v1/audio/speech through the openai SDK, unchanged, against the emulator: every shipped TTS model
and every format, plain and streamed, checked by decoding the audio with PyAV."""
from __future__ import annotations

import io
import json

import av
import openai
import pytest

from tests.support import AUTH, CLIENT_KEY, assert_openai_error

TTS_MODELS = ("gemini-3.8-flash-tts", "gemini-3.8-flash-lite-tts", "gemini-3.1-flash-tts-preview")
FORMATS = ("mp3", "opus", "aac", "flac", "wav", "pcm")
TEXT = "Hello from genproxy, the speaking gateway."
# The emulator speaks 15 characters a second (proxy/emulator/audio_sound.py).
SECONDS = len(TEXT) / 15


@pytest.fixture
async def sdk(proxy):
    async with openai.AsyncOpenAI(base_url=str(proxy.make_url("/v1")), api_key=CLIENT_KEY, max_retries=0) as client:
        yield client


def seconds_of(data: bytes, fmt: str) -> float:
    """How long the audio plays, decoded with PyAV (raw PCM: 24 kHz s16 mono, OpenAI's pcm)."""
    if fmt == "pcm":
        return len(data) / 48_000
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        return samples / stream.codec_context.sample_rate


@pytest.mark.parametrize("model", TTS_MODELS)
@pytest.mark.parametrize("fmt", FORMATS)
async def test_speech_create_every_model_and_format(sdk, model, fmt):
    audio = await sdk.audio.speech.create(model=model, voice="alloy", input=TEXT, response_format=fmt)
    assert seconds_of(audio.content, fmt) == pytest.approx(SECONDS, abs=0.15)


@pytest.mark.parametrize("model", TTS_MODELS)
async def test_streaming_response_reads_audio_as_it_comes(sdk, model):
    long_text = "A longer passage read aloud, so the answer arrives in several pieces. " * 6
    pieces = []
    async with sdk.audio.speech.with_streaming_response.create(model=model, voice="Puck", input=long_text,
                                                               response_format="pcm") as response:
        assert response.headers["content-type"] == "audio/pcm"
        async for chunk in response.iter_bytes():
            pieces.append(chunk)
    data = b"".join(pieces)
    assert len(pieces) > 1
    assert len(data) / 48_000 == pytest.approx(len(long_text.strip()) / 15, abs=0.3)


async def test_sse_stream_format_sends_deltas_then_done_with_usage(proxy):
    resp = await proxy.post("/v1/audio/speech", headers=AUTH, json={
        "model": "gemini-3.8-flash-tts", "input": TEXT * 4, "voice": "nova", "response_format": "wav",
        "stream_format": "sse"})
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/event-stream")
    events = [json.loads(line[6:]) for line in (await resp.text()).splitlines() if line.startswith("data: ")]
    assert [e["type"] for e in events[:-1]] == ["speech.audio.delta"] * (len(events) - 1)
    assert events[-1]["type"] == "speech.audio.done"
    assert events[-1]["usage"]["output_tokens"] > 0
    import base64
    wav = b"".join(base64.b64decode(e["audio"]) for e in events[:-1])
    assert wav[:4] == b"RIFF"
    assert seconds_of(wav, "wav") == pytest.approx(len(TEXT * 4) / 15, abs=0.2)


async def test_speed_changes_the_length(sdk):
    slow = await sdk.audio.speech.create(model="tts-1", voice="alloy", input=TEXT, response_format="wav", speed=0.5)
    fast = await sdk.audio.speech.create(model="tts-1", voice="alloy", input=TEXT, response_format="wav", speed=2.0)
    assert seconds_of(slow.content, "wav") == pytest.approx(2 * SECONDS, rel=0.05)
    assert seconds_of(fast.content, "wav") == pytest.approx(SECONDS / 2, rel=0.05)


async def test_openai_model_names_and_instructions_reach_google_as_style(sdk, emulator):
    await sdk.audio.speech.create(model="gpt-4o-mini-tts", voice="coral", input=TEXT,
                                  instructions="warm and slow")
    body = [r.json for r in emulator.state.requests if "flash-tts:" in r.path][-1]
    part = body["contents"][0]["parts"][0]
    # 3.8 reads the text verbatim: the style rides in speechMetadata, the voice is coral's Gemini voice.
    assert part == {"text": TEXT, "speechMetadata": {"style": "warm and slow"}}
    assert body["generationConfig"]["speechConfig"]["voiceConfig"] == {"prebuiltVoiceConfig": {"voiceName": "Sulafat"}}


async def test_older_model_gets_the_style_as_a_spoken_direction(sdk, emulator):
    await sdk.audio.speech.create(model="gemini-3.1-flash-tts-preview", voice="kore", input=TEXT,
                                  instructions="Say cheerfully:")
    body = [r.json for r in emulator.state.requests if "3.1-flash-tts-preview:" in r.path][-1]
    assert body["contents"][0]["parts"] == [{"text": f"Say cheerfully: {TEXT}"}]


@pytest.mark.parametrize("model", ["gemini-3.8-flash-tts", "gemini-3.1-flash-tts-preview"])
async def test_two_speaker_script(proxy, emulator, model):
    script = "Joe: How is it going?\nJane: Not bad, and you?\nJoe: Fine."
    resp = await proxy.post("/v1/audio/speech", headers=AUTH, json={
        "model": model, "input": script, "voice": "alloy", "response_format": "wav",
        "speakers": [{"speaker": "Joe", "voice": "Kore"}, {"speaker": "Jane", "voice": "puck"}]})
    assert resp.status == 200, await resp.text()
    assert seconds_of(await resp.read(), "wav") > 1
    body = [r.json for r in emulator.state.requests if f"{model}:" in r.path][-1]
    configs = body["generationConfig"]["speechConfig"]["multiSpeakerVoiceConfig"]["speakerVoiceConfigs"]
    assert [c["voiceConfig"]["prebuiltVoiceConfig"]["voiceName"] for c in configs] == ["Kore", "Puck"]


@pytest.mark.parametrize(("change", "param"), [
    ({"voice": "robot"}, "voice"),
    ({"input": "x" * 4097}, "input"),
    ({"input": ""}, "input"),
    ({"speed": 5}, "speed"),
    ({"response_format": "ogg"}, "response_format"),
    ({"stream_format": "chunks"}, "stream_format"),
    ({"speakers": [{"speaker": "Joe", "voice": "Kore"}]}, "speakers"),
    ({"speakers": [{"speaker": "Joe", "voice": "Kore"}, {"speaker": "Ann", "voice": "Nobody"}]}, "speakers"),
    ({"model": "gemini-3.8-flash"}, "model"),
])
async def test_refused_before_google_is_asked(proxy, emulator, change, param):
    resp = await proxy.post("/v1/audio/speech", headers=AUTH, json={
        "model": "gemini-3.8-flash-tts", "input": "Joe: hi\nJane: hello", "voice": "alloy", **change})
    assert resp.status == 400
    assert_openai_error(await resp.json(), param=param)
    assert not [r for r in emulator.state.requests if "tts" in r.path]


async def test_google_quota_refusal_keeps_its_status(proxy):
    resp = await proxy.post("/v1/audio/speech", headers=AUTH, json={
        "model": "gemini-3.8-flash-tts", "input": "say this [emulate:quota]", "voice": "alloy"})
    assert resp.status == 429


async def test_blocked_text_is_an_error_not_an_empty_file(proxy):
    blocked = await proxy.post("/v1/audio/speech", headers=AUTH, json={
        "model": "gemini-3.8-flash-tts", "input": "say this [emulate:blocked]", "voice": "alloy"})
    assert blocked.status == 400
    assert_openai_error(await blocked.json(), code="content_filter")


async def test_speech_is_in_the_ledger(proxy):
    await proxy.post("/v1/audio/speech", headers=AUTH, json={
        "model": "gemini-3.8-flash-tts", "input": TEXT, "voice": "alloy", "response_format": "pcm"})
    usage = await (await proxy.get("/v1/usage", params={"group_by": "model"}, headers=AUTH)).json()
    row = next(r for r in usage["data"] if r["model"] == "gemini-3.8-flash-tts")
    # Audio tokens at $9 per million (proxy/money/price_table.py [T]), text at $0.50.
    assert row["output_tokens"] == pytest.approx(SECONDS * 25, abs=2)
    assert row["cost_usd"] == pytest.approx(row["output_tokens"] * 9e-6 + row["input_tokens"] * 0.5e-6)
