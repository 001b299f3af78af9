"""A speech request (OpenAI's /v1/audio/speech or a chat completion with audio output) as Gemini's
generateContent body for a TTS model. Pure: no I/O.

Body shapes (research note /work/research/audio.md section 1.2; google-genai 3.6.1 models.py
_SpeechConfig_to_mldev / _Part_to_mldev give the camelCase names):
  {"contents": [{"role": "user", "parts": [{"text": ..., "speechMetadata": {"style", "speaker"}}]}],
   "generationConfig": {"responseModalities": ["AUDIO"],
                        "speechConfig": {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Kore"}},
                                         "languageCode": "en-US"}}}
A multi-speaker script uses ``multiSpeakerVoiceConfig.speakerVoiceConfigs`` (exactly two) instead of
``voiceConfig``. Never ``systemInstruction``: TTS models refuse it ("Developer instruction is not enabled
for this model").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from plugins.audio import speech_limits, voices
from plugins.audio.encode import CHAT_FORMATS, FORMATS
from proxy.hookspecs import ChatCompletionRequest, invalid, parse_request

DEFAULT_CHAT_FORMAT = "wav"


class Speaker(BaseModel):
    model_config = ConfigDict(extra="forbid")
    speaker: str = Field(min_length=1, max_length=64, description="the name that starts the speaker's lines "
                                                                   "in the script ('Joe: Hello')")
    voice: str = Field(min_length=1, description="an OpenAI or Gemini voice name, or a custom voice id")


class SpeechConfig(BaseModel):
    """genproxy's extension of both APIs (``speech_config`` in chat; the same fields at the top level of
    POST /v1/audio/speech): what Gemini TTS offers beyond OpenAI's parameters."""

    model_config = ConfigDict(extra="forbid")
    instructions: str | None = Field(None, max_length=speech_limits.MAX_INSTRUCTIONS_CHARS,
                                     description="the style: 'warm, slow, a little amused'")
    speed: float = Field(1.0, ge=0.25, le=4.0)
    speakers: list[Speaker] | None = Field(None, description="two speakers of a script whose lines start with "
                                                             "their names ('Joe: ...', 'Jane: ...')")
    language: str | None = Field(None, max_length=35, description="BCP-47 hint such as en-US (languageCode)")
    format: Literal["mp3", "opus", "aac", "flac", "wav", "pcm"] | None = None


@dataclass
class SpeechOptions:
    text: str
    voice: str
    fmt: str
    config: SpeechConfig
    surface: str  # "speech" (POST /v1/audio/speech) or "chat": which parameter names errors use
    params: dict = field(default_factory=dict)

    def param(self, name: str) -> str:
        return self.params.get(name, name)


SPEECH_PARAMS = {"text": "input", "voice": "voice", "format": "response_format", "instructions": "instructions",
                 "speed": "speed", "speakers": "speakers", "language": "language"}
CHAT_PARAMS = {"text": "messages", "voice": "audio.voice", "format": "audio.format",
               "instructions": "speech_config.instructions", "speed": "speech_config.speed",
               "speakers": "speech_config.speakers", "language": "speech_config.language"}


def options_of(request: ChatCompletionRequest) -> SpeechOptions:
    """What to say, how, and in which format; 400 naming the parameter for what no TTS model takes."""
    raw_config = request.extra("speech_config") or {}
    if not isinstance(raw_config, dict):
        raise invalid("'speech_config' must be an object.", "speech_config")
    raw_config = dict(raw_config)
    # POST /v1/audio/speech marks its requests, so errors name its parameters ("voice", not "audio.voice").
    surface = "speech" if raw_config.pop("surface", None) == "speech" else "chat"
    params = SPEECH_PARAMS if surface == "speech" else CHAT_PARAMS
    config = parse_request(SpeechConfig, raw_config, "" if surface == "speech" else "speech_config.")
    if surface == "chat":
        _check_chat(request)
    audio = request.extra("audio") or {}
    if not isinstance(audio, dict):
        raise invalid("'audio' must be an object such as {\"voice\": \"alloy\", \"format\": \"wav\"}.", "audio")
    voice = audio.get("voice", voices.DEFAULT_VOICE)
    if isinstance(voice, dict):  # OpenAI's custom voice object {"id": "voice_..."}
        voice = voice.get("id")
    if not isinstance(voice, str) or not voice:
        raise invalid("'voice' must be a voice name or {\"id\": \"voice_...\"}.", params["voice"])
    fmt = config.format or CHAT_FORMATS.get(str(audio.get("format", DEFAULT_CHAT_FORMAT)))
    if fmt not in FORMATS:
        raise invalid(f"Unknown audio format '{audio.get('format')}'; use one of {', '.join(CHAT_FORMATS)}.",
                      params["format"])
    text = request.prompt_text().strip()
    if not text:
        raise invalid("There is no text to speak: send it as the last user message.", params["text"])
    if len(text) > speech_limits.MAX_INPUT_CHARS:
        raise invalid(f"The text is {len(text)} characters; the limit is {speech_limits.MAX_INPUT_CHARS}.",
                      params["text"], code="string_above_max_length")
    return SpeechOptions(text=text, voice=voice, fmt=fmt, config=config, surface=surface, params=params)


def _check_chat(request: ChatCompletionRequest) -> None:
    modalities = request.modalities
    if modalities is not None and "audio" not in modalities:
        raise invalid(f"'{request.model}' is a speech model: it answers audio. Send modalities "
                      "[\"text\", \"audio\"].", "modalities")
    for name in ("tools", "functions", "response_format", "logprobs"):
        if request.extra(name):
            raise invalid(f"'{name}' does not apply to a speech model.", name)
    if (request.n or 1) > 1:
        raise invalid("A speech model answers one audio (n=1).", "n")


def build_body(options: SpeechOptions, model_id: str) -> dict:
    model = speech_limits.limits_for(model_id)
    config = options.config
    speech: dict = {}
    speakers = config.speakers or []
    if speakers:
        if len(speakers) != speech_limits.MAX_SPEAKERS:
            raise invalid(f"A multi-speaker script takes exactly {speech_limits.MAX_SPEAKERS} speakers; "
                          f"got {len(speakers)}.", options.param("speakers"))
        names = [s.speaker for s in speakers]
        if len(set(names)) != len(names):
            raise invalid("The two speakers need different names.", options.param("speakers"))
        speech["multiSpeakerVoiceConfig"] = {"speakerVoiceConfigs": [
            {"speaker": s.speaker, "voiceConfig": _voice(s.voice, options.param("speakers"))} for s in speakers]}
        parts = _script_parts(options, names, model.style_metadata)
    else:
        speech["voiceConfig"] = _voice(options.voice, options.param("voice"))
        parts = [_part(options.text, None, config.instructions, model.style_metadata)]
    if config.language:
        speech["languageCode"] = config.language
    return {"contents": [{"role": "user", "parts": parts}],
            "generationConfig": {"responseModalities": ["AUDIO"], "speechConfig": speech}}


def _voice(voice: str, param: str) -> dict:
    try:
        return voices.voice_config(voice)
    except ValueError as exc:
        raise invalid(str(exc), param, code="invalid_voice") from None


def _part(text: str, speaker: str | None, style: str | None, metadata: bool) -> dict:
    if not metadata:
        return {"text": _spoken_direction(style, text)}
    part: dict = {"text": text}
    meta = {k: v for k, v in (("speaker", speaker), ("style", style)) if v}
    if meta:
        part["speechMetadata"] = meta
    return part


def _spoken_direction(style: str | None, text: str) -> str:
    """Older models take the style as a direction before the text, as Google's examples do
    ("Say cheerfully: Have a wonderful day!")."""
    if not style:
        return text
    style = style.strip()
    return f"{style} {text}" if style.endswith(":") else f"{style}:\n{text}"


def _script_parts(options: SpeechOptions, names: list[str], metadata: bool) -> list[dict]:
    """A script whose lines start with the speakers' names: one part per turn on 3.8 (the name is not
    read aloud: speechMetadata.speaker says who speaks), the script as it is on older models."""
    turns: list[tuple[str, str]] = []
    pattern = re.compile(r"^\s*(" + "|".join(re.escape(n) for n in names) + r")\s*:\s*(.*)$")
    for line in options.text.splitlines():
        match = pattern.match(line)
        if match:
            turns.append((match.group(1), match.group(2)))
        elif turns:
            turns[-1] = (turns[-1][0], f"{turns[-1][1]}\n{line}".strip())
        elif line.strip():
            raise invalid(f"A multi-speaker script's lines start with a speaker's name ('{names[0]}: ...'); "
                          f"this one does not: '{line[:60]}'.", options.param("text"))
    silent = [n for n in names if n not in {t[0] for t in turns}]
    if silent:
        raise invalid(f"Speaker '{silent[0]}' has no line in the script (each line starts with 'Name: ').",
                      options.param("speakers"))
    if not metadata:
        style = options.config.instructions or f"TTS the following conversation between {names[0]} and {names[1]}"
        return [{"text": _spoken_direction(style.rstrip(":") + ":", options.text)}]
    return [_part(text, name, options.config.instructions, True) for name, text in turns if text]
