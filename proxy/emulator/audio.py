"""Gemini TTS and Lyria in the emulator: generateContent / streamGenerateContent for kind "tts" and
"music" models (proxy/emulator/audio_models.py), as strict as Google.

Refusals (research note /work/research/audio.md sections 1.5, 2.5, 6), Google's words where they are known:
- responseModalities other than exactly AUDIO on a TTS model: 400 "The requested combination of response
  modalities (TEXT) is not supported by the model. models/X accepts the following combination of response
  modalities:\\n* AUDIO\\n" (danielmiessler/Fabric #1607).
- no speechConfig on a 3.x TTS model: 400 "Request contains an invalid argument." (genkit-ai/genkit #5489).
- systemInstruction on a TTS model: 400 "Developer instruction is not enabled for this model"
  (TheKentuckian/robot_comic #122).
- speechMetadata or responseFormat on a model that does not take them: 400 Unknown name "..." (3P Sonara).
- a multi-speaker config without exactly two speakers (google-genai MultiSpeakerVoiceConfig docstring), or
  with voiceConfig beside it ("mutually exclusive").
- an unknown prebuilt voice: Google's text was not found; the emulator's own 400 says which name.
- Lyria: more than 10 images (music page), responseModalities without AUDIO.
Faults by prompt marker as for text (proxy/emulator/faults.py): quota, server-error, unavailable, blocked,
stream-error; ``delay=N`` makes a song take N seconds.
"""
from __future__ import annotations

import asyncio
import base64
import json
import math
import re

from aiohttp import web

from .audio_models import CLIP_SECONDS, MAX_SONG_SECONDS, SONG_SECONDS, WAV_TTS
from .audio_sound import seconds_of, song_mp3, speech_pcm, wav
from .errors import GoogleError, invalid_argument, unknown_field
from .faults import Faults, strip_markers, submit_error
from .models import ModelInfo
from .state import EMULATOR_STATE
from .streaming import STREAM_ERROR, close_abruptly

# ai.google.dev/gemini-api/docs/speech-generation#voice-options (the 30 prebuilt voices)
PREBUILT_VOICES = {
    "Zephyr", "Puck", "Charon", "Kore", "Fenrir", "Leda", "Orus", "Aoede", "Callirrhoe", "Autonoe", "Enceladus",
    "Iapetus", "Umbriel", "Algieba", "Despina", "Erinome", "Algenib", "Rasalgethi", "Laomedeia", "Achernar",
    "Alnilam", "Schedar", "Gacrux", "Pulcherrima", "Achird", "Zubenelgenubi", "Vindemiatrix", "Sadachbia",
    "Sadaltager", "Sulafat",
}
INVALID = "Request contains an invalid argument."
AUDIO_TOKENS_PER_SECOND = 25  # litellm vertex_ai text_to_speech: ceil(duration * 25) (3P)
STREAM_CHUNK = 19_200  # 0.4 s of 24 kHz s16 PCM per event (26 KB of base64: under aiohttp's 128 KiB line limit)
MAX_IMAGES = 10
PCM_MIME = "audio/L16;codec=pcm;rate=24000"


def _get(obj: dict, camel: str):
    """A field by its camelCase or snake_case name (Google's JSON parser takes both)."""
    snake = re.sub(r"(?<!^)([A-Z])", r"_\1", camel).lower()
    return obj.get(camel, obj.get(snake))


def _modality_error(model: str, sent: list, accepted: str) -> GoogleError:
    shown = f" ({', '.join(str(m).upper() for m in sent)})" if sent else ""
    return invalid_argument(f"The requested combination of response modalities{shown} is not supported by the "
                            f"model. models/{model} accepts the following combination of response modalities:\n"
                            f"* {accepted}\n")


def _body(request: web.Request) -> dict:
    body = request.get("json")
    if not isinstance(body, dict):
        raise invalid_argument("Invalid JSON payload received. Expected an object.")
    return body


def _parts(body: dict) -> list[tuple[int, int, dict]]:
    contents = _get(body, "contents")
    if not isinstance(contents, list) or not contents:
        raise invalid_argument("* GenerateContentRequest.contents: contents is not specified\n")
    found = []
    for ci, content in enumerate(contents):
        parts = _get(content, "parts") if isinstance(content, dict) else None
        if not isinstance(parts, list) or not parts:
            raise invalid_argument(f"* GenerateContentRequest.contents[{ci}].parts: contents.parts must not be empty.\n")
        found += [(ci, pi, p) for pi, p in enumerate(parts) if isinstance(p, dict)]
    return found


def _faults(request: web.Request, texts: list[str]) -> Faults:
    state = request.app[EMULATOR_STATE]
    try:
        faults = Faults.from_texts(texts, state.settings.faults)
    except ValueError as exc:
        raise invalid_argument(str(exc)) from None
    error = submit_error(faults, state.quota_once_seen, " ".join(texts))
    if error:
        raise error
    return faults


def _blocked() -> dict:
    return {"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 1, "totalTokenCount": 1}}


# -- speech --
def _check_voice(config: dict, where: str) -> None:
    if not isinstance(config, dict):
        raise invalid_argument(INVALID)
    custom = _get(config, "voice")
    prebuilt = _get(config, "prebuiltVoiceConfig")
    if isinstance(custom, str) and custom.startswith(("voice_", "voicekey_")):
        return
    name = _get(prebuilt, "voiceName") if isinstance(prebuilt, dict) else None
    if not isinstance(name, str) or not name:
        raise invalid_argument(INVALID)
    if name not in PREBUILT_VOICES:
        # Google's own text for this was not found (research note 1.5); the emulator names the field.
        raise invalid_argument(f"Voice name '{name}' is not supported. Use one of the prebuilt voices.",
                               f"{where}.prebuilt_voice_config.voice_name")


def _speakers(speech: dict) -> list[str]:
    multi = _get(speech, "multiSpeakerVoiceConfig")
    single = _get(speech, "voiceConfig")
    if multi is not None and single is not None:
        raise invalid_argument("voice_config and multi_speaker_voice_config are mutually exclusive.")
    if multi is None:
        if single is None:
            raise invalid_argument(INVALID)
        _check_voice(single, "generation_config.speech_config.voice_config")
        return []
    configs = _get(multi, "speakerVoiceConfigs") if isinstance(multi, dict) else None
    if not isinstance(configs, list) or len(configs) != 2:
        raise invalid_argument("Exactly two speaker voice configurations must be provided for multi-speaker "
                               "voice configuration.")
    names = []
    for index, item in enumerate(configs):
        speaker = _get(item, "speaker") if isinstance(item, dict) else None
        if not isinstance(speaker, str) or not speaker:
            raise invalid_argument(INVALID)
        _check_voice(_get(item, "voiceConfig"),
                     f"generation_config.speech_config.multi_speaker_voice_config.speaker_voice_configs[{index}]")
        names.append(speaker)
    return names


def speech_text(model: ModelInfo, body: dict) -> tuple[str, list[str]]:
    """The text the model would speak, after Google's checks; and the prompt texts (for fault markers)."""
    if _get(body, "systemInstruction") is not None:
        raise invalid_argument("Developer instruction is not enabled for this model")
    config = _get(body, "generationConfig") or {}
    modalities = _get(config, "responseModalities") or []
    if [str(m).upper() for m in modalities] != ["AUDIO"]:
        raise _modality_error(model.id, modalities, "AUDIO")
    metadata_ok = model.id in WAV_TTS
    if _get(config, "responseFormat") is not None and not metadata_ok:
        raise unknown_field("responseFormat", "generation_config")
    speech = _get(config, "speechConfig")
    if not isinstance(speech, dict):
        raise invalid_argument(INVALID)
    speakers = _speakers(speech)
    texts = []
    for ci, pi, part in _parts(body):
        meta = _get(part, "speechMetadata")
        if meta is not None:
            if not metadata_ok:
                raise unknown_field("speechMetadata", f"contents[{ci}].parts[{pi}]")
            speaker = _get(meta, "speaker") if isinstance(meta, dict) else None
            if speaker is not None and speaker not in speakers:
                raise invalid_argument(f"Speaker '{speaker}' in speech_metadata does not match any speaker of "
                                       "multi_speaker_voice_config.")
        if _get(part, "inlineData") is not None or _get(part, "fileData") is not None:
            raise invalid_argument("This model only takes text input.")
        if isinstance(part.get("text"), str):
            texts.append(part["text"])
    text = strip_markers(" ".join(texts))
    if not text:
        raise invalid_argument(INVALID)
    if speakers and not metadata_ok:
        missing = [s for s in speakers if s not in text]
        if missing:
            raise invalid_argument(f"Speaker '{missing[0]}' of multi_speaker_voice_config is not in the prompt.")
    return text, texts


def _usage(text: str, seconds: float) -> dict:
    prompt = max(1, -(-len(text) // 4))
    audio = math.ceil(seconds * AUDIO_TOKENS_PER_SECOND)
    return {"promptTokenCount": prompt, "candidatesTokenCount": audio, "totalTokenCount": prompt + audio,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}],
            "candidatesTokensDetails": [{"modality": "AUDIO", "tokenCount": audio}]}


def _event(model: str, data: bytes, mime: str, finish: bool, usage: dict | None) -> dict:
    candidate: dict = {"content": {"role": "model", "parts": [
        {"inlineData": {"mimeType": mime, "data": base64.b64encode(data).decode()}}]}, "index": 0}
    if finish:
        candidate["finishReason"] = "STOP"
    event: dict = {"candidates": [candidate], "modelVersion": model, "responseId": "emu-tts"}
    if usage:
        event["usageMetadata"] = usage
    return event


async def answer_speech(request: web.Request, model: ModelInfo, stream: bool) -> web.StreamResponse:
    body = _body(request)
    text, texts = speech_text(model, body)
    faults = _faults(request, texts)
    wav_out = model.id in WAV_TTS
    mime = "audio/wav" if wav_out else PCM_MIME
    if "blocked" in faults:
        events = [_blocked()]
        pcm = b""
    else:
        pcm = speech_pcm(text)
    usage = _usage(text, seconds_of(pcm))
    if not stream:
        if not pcm:
            return web.json_response(events[0])
        return web.json_response(_event(model.id, wav(pcm) if wav_out else pcm, mime, True, usage))
    if pcm:
        data = wav(pcm, streamed=True) if wav_out else pcm
        # The first chunk ends half way through a sample, as Google's may (research note 1.6).
        cuts = [0, STREAM_CHUNK + 1] + list(range(2 * STREAM_CHUNK + 1, len(data), STREAM_CHUNK))
        cuts = [c for c in cuts if c < len(data)] + [len(data)]
        events = [_event(model.id, data[a:b], mime, b == len(data), usage if b == len(data) else None)
                  for a, b in zip(cuts, cuts[1:])]
    return await _write_events(request, events, faults)


async def _write_events(request: web.Request, events: list[dict], faults: Faults) -> web.StreamResponse:
    if request.query.get("alt") != "sse":
        return web.json_response(events)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    for index, event in enumerate(events):
        if "stream-error" in faults and index == 1:
            await response.write(f"data: {json.dumps(STREAM_ERROR)}\r\n\r\n".encode())
            close_abruptly(request)
            return response
        await response.write(f"data: {json.dumps(event)}\r\n\r\n".encode())
        await asyncio.sleep(0)  # each event leaves on its own, as Google's do while it speaks
    await response.write_eof()
    return response


async def answer(request: web.Request, model: ModelInfo, stream: bool) -> web.StreamResponse:
    if model.kind == "tts":
        return await answer_speech(request, model, stream)
    return await answer_music(request, model)


# -- music --
_SECONDS = re.compile(r"(\d+(?:\.\d+)?)\s*(seconds?|secs?|s\b|minutes?|mins?)", re.IGNORECASE)


def song_seconds(model: ModelInfo, prompt: str) -> float:
    """The clip's 30 s; a song's length from its prompt ("about 90 seconds", "2 minutes") or 2 minutes."""
    if "clip" in model.id:
        return CLIP_SECONDS
    total = 0.0
    for number, unit in _SECONDS.findall(prompt):
        total += float(number) * (60 if unit.lower().startswith("m") else 1)
    return min(MAX_SONG_SECONDS, total) if total else SONG_SECONDS


def _lyrics(prompt: str, instrumental: bool) -> str:
    if instrumental:
        return "<instrumental>"
    words = [w for w in re.findall(r"[A-Za-z']+", prompt) if len(w) > 3][:8] or ["music"]
    line = " ".join(words)
    return f"[Verse 1]\n{line}\nall night long\n\n[Chorus]\n{words[0]}, {words[0]}\nsing it again\n"


async def answer_music(request: web.Request, model: ModelInfo) -> web.Response:
    body = _body(request)
    if _get(body, "systemInstruction") is not None:
        raise invalid_argument("Developer instruction is not enabled for this model")
    config = _get(body, "generationConfig") or {}
    modalities = _get(config, "responseModalities")
    if modalities is not None and "AUDIO" not in [str(m).upper() for m in modalities]:
        raise _modality_error(model.id, modalities, "AUDIO, TEXT")
    if _get(config, "speechConfig") is not None:
        raise invalid_argument(INVALID)
    wanted = "audio/mpeg"
    response_format = _get(config, "responseFormat")
    if response_format is not None:
        if model.id != "lyria-3.5":  # "For Lyria 3.5, you can also request WAV" (music page)
            raise unknown_field("responseFormat", "generation_config")
        wanted = str(_get(_get(response_format, "audio") or {}, "mimeType") or "audio/mpeg")
        if wanted not in ("audio/mpeg", "audio/mp3", "audio/wav"):
            raise invalid_argument(f"Unsupported audio mime type: {wanted}.")
    texts, images = [], 0
    for _ci, _pi, part in _parts(body):
        if isinstance(part.get("text"), str):
            texts.append(part["text"])
        inline = _get(part, "inlineData")
        if inline is not None:
            mime = _get(inline, "mimeType") if isinstance(inline, dict) else None
            if not isinstance(mime, str) or not mime.startswith("image/"):
                raise invalid_argument(f"Unsupported MIME type: {mime}")
            images += 1
    if images > MAX_IMAGES:
        raise invalid_argument(f"Too many images: at most {MAX_IMAGES} images can be sent with a prompt.")
    prompt = strip_markers(" ".join(texts))
    if not prompt:
        raise invalid_argument(INVALID)
    faults = _faults(request, texts)
    if faults.value("delay", 0):
        await asyncio.sleep(faults.value("delay", 0))
    if "blocked" in faults:
        return web.json_response(_blocked())
    seconds = song_seconds(model, prompt)
    instrumental = bool(re.search(r"instrumental|no vocals", prompt, re.IGNORECASE))
    if wanted == "audio/wav":
        audio, mime = wav(speech_pcm("la " * int(seconds * 5))), "audio/wav"
    else:
        audio, mime = await asyncio.to_thread(song_mp3, seconds), "audio/mpeg"
    prompt_tokens = max(1, -(-len(prompt) // 4)) + 258 * images
    return web.json_response({
        "candidates": [{"content": {"role": "model", "parts": [
            {"text": _lyrics(prompt, instrumental)},
            {"inlineData": {"mimeType": mime, "data": base64.b64encode(audio).decode()}}]},
            "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": prompt_tokens, "totalTokenCount": prompt_tokens},
        "modelVersion": model.id, "responseId": "emu-lyria"})
