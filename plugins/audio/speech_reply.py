"""Gemini TTS answers as OpenAI audio: the PCM of each event encoded as it arrives (plugins/audio/encode.py).

Answer shape (research note section 1.3): ``candidates[0].content.parts[].inlineData`` with
``audio/L16;codec=pcm;rate=24000`` (2.5/3.1) or ``audio/wav`` (3.8), several parts possible, a stream's
chunks may split a sample; usage in ``usageMetadata`` (candidatesTokensDetails modality AUDIO). A refused or
empty answer has no audio: ``promptFeedback.blockReason``, ``finishReason`` OTHER without parts, or a text
part only; those become errors, never an empty file.
"""
from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator

from plugins.audio.encode import AudioEncoder, WavStripper, encode_whole, rate_of
from plugins.audio.speech_request import SpeechOptions
from proxy.hookspecs import ApiError, Completion, Delta

# genproxy keeps no speech: an assistant audio id is only a name; OpenAI's clients want an expiry anyway.
AUDIO_ID_SECONDS = 3600


def _parts(event: dict) -> list[dict]:
    candidates = event.get("candidates") or []
    content = (candidates[0].get("content") or {}) if candidates else {}
    return [p for p in content.get("parts") or [] if isinstance(p, dict)]


def _refusal(event: dict) -> ApiError | None:
    feedback = event.get("promptFeedback") or {}
    if feedback.get("blockReason"):
        return ApiError(400, f"Google refused to speak this text (blockReason {feedback['blockReason']}).",
                        code="content_filter")
    return None


def _no_audio(events: list[dict]) -> ApiError:
    finish = next((c.get("finishReason") for e in events for c in e.get("candidates") or [] if c.get("finishReason")),
                  None)
    text = " ".join(p["text"] for e in events for p in _parts(e) if isinstance(p.get("text"), str)).strip()
    detail = f" It answered text instead: '{text[:200]}'." if text else f" (finishReason {finish or 'none'})."
    return ApiError(502, f"Google's speech model answered without audio.{detail}", code="no_audio")


def usage_of(event: dict) -> dict | None:
    meta = event.get("usageMetadata")
    if not isinstance(meta, dict):
        return None
    prompt = int(meta.get("promptTokenCount") or 0)
    completion = int(meta.get("candidatesTokenCount") or 0)
    audio = sum(int(d.get("tokenCount") or 0) for d in meta.get("candidatesTokensDetails") or []
                if isinstance(d, dict) and d.get("modality") == "AUDIO")
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
            "prompt_tokens_details": {"audio_tokens": 0},
            "completion_tokens_details": {"audio_tokens": audio or completion}}


def _audio_chunks(event: dict) -> list[tuple[bytes, str]]:
    found = []
    for part in _parts(event):
        inline = part.get("inlineData") or part.get("inline_data")
        if isinstance(inline, dict) and str(inline.get("mimeType") or inline.get("mime_type") or "").startswith("audio/"):
            found.append((base64.b64decode(inline.get("data") or ""),
                          str(inline.get("mimeType") or inline.get("mime_type"))))
    return found


def completion(reply: dict, options: SpeechOptions, audio_id: str) -> Completion:
    """A whole answer: message.audio with the whole file (WAV with its exact length)."""
    refused = _refusal(reply)
    if refused:
        raise refused
    stripper = WavStripper()
    pcm = b""
    for data, mime in _audio_chunks(reply):
        stripper.rate = rate_of(mime) or stripper.rate
        pcm += stripper.feed(data)
    if not pcm:
        raise _no_audio([reply])
    data = encode_whole(options.fmt, pcm, stripper.rate, options.config.speed)
    audio = {"id": audio_id, "data": base64.b64encode(data).decode(), "expires_at": int(time.time()) + AUDIO_ID_SECONDS,
             "transcript": options.text}
    return Completion(message={"content": None, "audio": audio}, finish_reason="stop", usage=usage_of(reply))


async def deltas(events: AsyncIterator[dict], options: SpeechOptions, audio_id: str) -> AsyncIterator[Delta]:
    """A streamed answer: the audio of each event encoded and sent on at once; the first delta only after
    Google's first event (so an error before it keeps its HTTP status)."""
    stripper = WavStripper()
    encoder: AudioEncoder | None = None
    usage, first, silent = None, True, []  # silent: the events before any audio, for the error
    async for event in events:
        refused = _refusal(event)
        if refused:
            raise refused
        if first:
            first = False
            yield Delta(delta={"role": "assistant", "content": None,
                               "audio": {"id": audio_id, "transcript": options.text}})
        if encoder is None:
            silent.append(event)
        usage = usage_of(event) or usage
        for data, mime in _audio_chunks(event):
            stripper.rate = rate_of(mime) or stripper.rate
            pcm = stripper.feed(data)
            if not pcm:
                continue
            if encoder is None:
                encoder = AudioEncoder(options.fmt, stripper.rate, options.config.speed)
            out = encoder.feed(pcm)
            if out:
                yield Delta(delta={"audio": {"data": base64.b64encode(out).decode()}})
    if encoder is None:
        raise _no_audio(silent)
    tail = encoder.finish()
    if tail:
        yield Delta(delta={"audio": {"data": base64.b64encode(tail).decode()}})
    # OpenAI's last audio update carries only the expiry (openai chat_completion_chunk ChoiceDeltaAudio).
    yield Delta(delta={"audio": {"expires_at": int(time.time()) + AUDIO_ID_SECONDS}})
    yield Delta(delta={}, finish_reason="stop", usage=usage)
