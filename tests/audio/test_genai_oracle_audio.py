"""google-genai as the oracle for the speech and music bodies genproxy sends: the same request through
genproxy (openai SDK) and through google-genai straight to the emulator give the same body (compared as
tests/clients/test_genai_oracle.py does, with its normalise)."""
from __future__ import annotations

import base64

import openai
import pytest
from google import genai
from google.genai import types

from tests.clients.test_genai_oracle import normalise, recorded
from tests.support import AUTH, CLIENT_KEY, UPSTREAM_KEY
from tests.video.helpers import PNG_1PX

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
TEXT = "The wind howled through the towers."


@pytest.fixture
def google(emulator):
    options = types.HttpOptions(base_url=emulator.base_url, api_version="v1beta")
    return genai.Client(api_key=UPSTREAM_KEY, http_options=options).aio


@pytest.fixture
async def sdk(proxy):
    async with openai.AsyncOpenAI(base_url=str(proxy.make_url("/v1")), api_key=CLIENT_KEY, max_retries=0) as client:
        yield client


def _voice(name: str) -> types.VoiceConfig:
    return types.VoiceConfig(prebuilt_voice_config=types.PrebuiltVoiceConfig(voice_name=name))


def _speech_config(**speech) -> types.GenerateContentConfig:
    return types.GenerateContentConfig(response_modalities=["AUDIO"], speech_config=types.SpeechConfig(**speech))


async def test_38_style_rides_in_speech_metadata(sdk, google, emulator):
    model = "gemini-3.8-flash-tts"
    await sdk.audio.speech.create(model=model, voice="Algenib", input=TEXT, instructions="gravelly, somber narrator",
                                  response_format="pcm")
    stream = await google.models.generate_content_stream(
        model=model, contents=[types.Content(role="user", parts=[
            types.Part(text=TEXT, speech_metadata=types.SpeechMetadata(style="gravelly, somber narrator"))])],
        config=_speech_config(voice_config=_voice("Algenib")))
    async for _ in stream:
        pass
    ours, theirs = recorded(emulator, f"/models/{model}:streamGenerateContent")
    assert normalise(ours) == normalise(theirs)


async def test_31_plain_speech_and_language(proxy, google, emulator):
    model = "gemini-3.1-flash-tts-preview"
    resp = await proxy.post("/v1/audio/speech", headers=AUTH, json={
        "model": model, "input": TEXT, "voice": "kore", "language": "en-US", "response_format": "wav"})
    assert resp.status == 200
    stream = await google.models.generate_content_stream(
        model=model, contents=[types.Content(role="user", parts=[types.Part(text=TEXT)])],
        config=_speech_config(voice_config=_voice("Kore"), language_code="en-US"))
    async for _ in stream:
        pass
    ours, theirs = recorded(emulator, f"/models/{model}:streamGenerateContent")
    assert normalise(ours) == normalise(theirs)


async def test_multi_speaker_on_38(proxy, google, emulator):
    model = "gemini-3.8-flash-tts"
    resp = await proxy.post("/v1/audio/speech", headers=AUTH, json={
        "model": model, "voice": "alloy", "response_format": "pcm", "input": "Joe: Hi Jane.\nJane: Hi Joe!",
        "speakers": [{"speaker": "Joe", "voice": "Kore"}, {"speaker": "Jane", "voice": "Puck"}]})
    assert resp.status == 200
    multi = types.MultiSpeakerVoiceConfig(speaker_voice_configs=[
        types.SpeakerVoiceConfig(speaker="Joe", voice_config=_voice("Kore")),
        types.SpeakerVoiceConfig(speaker="Jane", voice_config=_voice("Puck"))])
    stream = await google.models.generate_content_stream(
        model=model, contents=[types.Content(role="user", parts=[
            types.Part(text="Hi Jane.", speech_metadata=types.SpeechMetadata(speaker="Joe")),
            types.Part(text="Hi Joe!", speech_metadata=types.SpeechMetadata(speaker="Jane"))])],
        config=_speech_config(multi_speaker_voice_config=multi))
    async for _ in stream:
        pass
    ours, theirs = recorded(emulator, f"/models/{model}:streamGenerateContent")
    assert normalise(ours) == normalise(theirs)


async def test_chat_audio_body_is_a_plain_generate_content(sdk, google, emulator):
    model = "gemini-3.8-flash-lite-tts"
    await sdk.chat.completions.create(model=model, modalities=["text", "audio"], audio={"voice": "verse", "format": "wav"},
                                      messages=[{"role": "user", "content": TEXT}])
    await google.models.generate_content(model=model, contents=TEXT, config=_speech_config(voice_config=_voice("Puck")))
    ours, theirs = recorded(emulator, f"/models/{model}:generateContent")
    assert normalise(ours) == normalise(theirs)


async def test_lyria_body_with_an_image(sdk, google, emulator):
    model = "lyria-3-clip-preview"
    png = base64.b64decode(PNG_1PX.partition(",")[2])
    await sdk.chat.completions.create(model=model, modalities=["audio", "text"], messages=[{"role": "user", "content": [
        {"type": "text", "text": "Music for this picture"}, {"type": "image_url", "image_url": {"url": PNG_1PX}}]}])
    await google.models.generate_content(
        model=model, contents=[types.Content(role="user", parts=[
            types.Part(text="Music for this picture"), types.Part.from_bytes(data=png, mime_type="image/png")])],
        config=types.GenerateContentConfig(response_modalities=["AUDIO", "TEXT"]))
    ours, theirs = recorded(emulator, f"/models/{model}:generateContent")
    assert normalise(ours) == normalise(theirs)
