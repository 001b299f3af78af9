"""The 'speech' modality: Gemini TTS for POST /v1/audio/speech (proxy/handlers/speech.py) and for chat
completions with audio output.

translate checks the text, voice, format, style and speakers (plugins/audio/speech_request.py); submit
opens streamGenerateContent (lazily: nothing is sent until respond reads it) or calls generateContent;
respond encodes Google's PCM into the asked format as it arrives (plugins/audio/speech_reply.py).
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import asdict

from plugins.audio import speech_reply
from plugins.audio.speech_request import SpeechConfig, SpeechOptions, build_body, options_of
from proxy.hookspecs import ApiError, RequestContext, Submitted, UpstreamCall

MODALITY = "speech"


def translate(route, request, context: RequestContext) -> UpstreamCall:
    options = options_of(request)
    body = build_body(options, route.target)
    return UpstreamCall(body=body, stream=context.stream, notes={"options": _notes(options)})


def _notes(options: SpeechOptions) -> dict:
    return {**asdict(options), "config": options.config.model_dump()}


def _options(notes: dict) -> SpeechOptions:
    raw = dict(notes["options"])
    raw["config"] = SpeechConfig.model_validate(raw["config"])
    return SpeechOptions(**raw)


async def submit(route, call: UpstreamCall, context: RequestContext) -> Submitted:
    if call.stream:
        return Submitted(result=_stream_or_whole(route, call, context))
    return Submitted(result=await context.upstream.generate_content(route.target, call.body))


async def _stream_or_whole(route, call: UpstreamCall, context: RequestContext) -> AsyncIterator[dict]:
    """streamGenerateContent; a model that refuses to stream (400/404 naming the method, as some TTS models
    have: research note section 1.6) is asked once with generateContent and its answer sent as one event."""
    events = context.upstream.stream_generate_content(route.target, call.body)
    try:
        first = await anext(events)
    except StopAsyncIteration:
        return
    except ApiError as exc:
        if not (exc.status == 404 or (exc.status == 400 and "streamGenerateContent" in exc.message)):
            raise
        yield await context.upstream.generate_content(route.target, call.body)
        return
    yield first
    async for event in events:
        yield event


async def respond(route, result, call: UpstreamCall, context: RequestContext):
    options = _options(call.notes)
    audio_id = f"audio_{context.request_id}"
    if call.stream:
        return speech_reply.deltas(result, options, audio_id)
    return speech_reply.completion(result, options, audio_id)
