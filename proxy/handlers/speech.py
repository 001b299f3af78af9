"""POST /v1/audio/speech: OpenAI's speech API on a route of the 'speech' modality (Gemini TTS).

The body as openai-python 3.63 sends it (resources/audio/speech.py, types/audio/speech_create_params.py):
JSON with ``model``, ``input`` (up to 4,096 characters), ``voice`` (a name or ``{"id": ...}``),
``instructions``, ``response_format`` (mp3 default, opus, aac, flac, wav, pcm), ``speed`` (0.25-4.0) and
``stream_format`` ("audio" default, or "sse"); genproxy adds ``speakers`` (a two-voice script),
``language`` (languageCode). The answer is the audio itself, written as Google speaks it (the plugin reads
streamGenerateContent): its first bytes leave before Google has finished. ``stream_format: "sse"`` answers
``speech.audio.delta`` events (base64 ``audio``) and one ``speech.audio.done`` with the usage, the event
shapes of OpenAI's OpenAPI (CreateSpeechResponseStreamEvent).

The request becomes a chat-shaped one (the text as the user message, ``audio`` and ``speech_config``) so it
runs through routing, budgets, the ledger and the plugin steps as every other request.
"""
from __future__ import annotations

import base64
import json
import logging
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from proxy import keys
from proxy.handlers.common import make_context, read_json, route_of_modality
from proxy.http.errors import ApiError, client_safe
from proxy.http.models import ChatCompletionRequest, parse_request
from proxy.http.replies import as_deltas
from proxy.money.billing import metered
from proxy.money.ledger import new_entry_id
from proxy.routing.pipeline import Pipeline

log = logging.getLogger("genproxy.speech")

MODALITY = "speech"
CONTENT_TYPES = {"mp3": "audio/mpeg", "opus": "audio/opus", "aac": "audio/aac", "flac": "audio/flac",
                 "wav": "audio/wav", "pcm": "audio/pcm"}


class VoiceId(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)


class SpeechRequest(BaseModel):
    """OpenAI's speech request, plus genproxy's ``speakers`` and ``language``."""

    model_config = ConfigDict(extra="forbid")
    model: str = Field(min_length=1)
    input: str = Field(min_length=1, max_length=4096)
    voice: str | VoiceId
    instructions: str | None = Field(None, max_length=4096)
    response_format: Literal["mp3", "opus", "aac", "flac", "wav", "pcm"] = "mp3"
    speed: float = Field(1.0, ge=0.25, le=4.0)
    stream_format: Literal["audio", "sse"] = "audio"
    speakers: list[dict] | None = Field(None, description="genproxy: [{speaker, voice}, {speaker, voice}] for a "
                                                          "script whose lines start with the speakers' names")
    language: str | None = Field(None, max_length=35, description="genproxy: a BCP-47 hint such as en-US")

    def as_chat(self) -> ChatCompletionRequest:
        voice = self.voice.id if isinstance(self.voice, VoiceId) else self.voice
        config = {"surface": "speech", "format": self.response_format, "speed": self.speed,
                  **{k: v for k, v in (("instructions", self.instructions), ("speakers", self.speakers),
                                       ("language", self.language)) if v is not None}}
        return ChatCompletionRequest.model_validate({
            "model": self.model, "messages": [{"role": "user", "content": self.input}], "stream": True,
            "modalities": ["audio"], "audio": {"voice": voice}, "speech_config": config})


async def create_speech(request: web.Request) -> web.StreamResponse:
    speech = parse_request(SpeechRequest, await read_json(request))
    body = speech.as_chat()
    route = route_of_modality(request, body.model, MODALITY, "Use a Gemini TTS model such as gemini-3.8-flash-tts.")
    context = make_context(request, route, stream=True)
    pipeline: Pipeline = request.app[keys.PIPELINE]
    call = pipeline.translate(route, body, context)
    ledger = request.app[keys.LEDGER]
    entry = new_entry_id()
    await ledger.reserve(entry, ledger.charge(request, route, body), durable=False)
    try:
        submitted = await pipeline.submit(route, call, context)
        reply = await pipeline.finish(route, call, submitted, context)
        deltas = metered(ledger, entry, route, body, as_deltas(reply))
        # Wait for Google's first event before answering 200, so a refusal keeps its status.
        first = await anext(deltas, None)
    except BaseException:
        await ledger.release(entry)
        raise
    sse = speech.stream_format == "sse"
    response = web.StreamResponse(headers={
        "Content-Type": "text/event-stream; charset=utf-8" if sse else CONTENT_TYPES[speech.response_format],
        "Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    request["status"] = 200
    usage = None
    try:
        pending = [first] if first is not None else []
        while True:
            delta = pending.pop() if pending else await anext(deltas, None)
            if delta is None:
                break
            usage = delta.usage or usage
            data = (delta.delta.get("audio") or {}).get("data")
            if not data:
                continue
            if sse:
                await response.write(_event({"type": "speech.audio.delta", "audio": data}))
            else:
                await response.write(base64.b64decode(data))
        if sse:
            await response.write(_event({"type": "speech.audio.done", "usage": _speech_usage(usage)}))
    except ApiError as exc:
        # The status is sent: an SSE client gets an error event; an audio client a cut-off body, never a
        # file that looks whole.
        log.warning("speech answer broken off: %s %s", exc.status, exc.message)
        request["status"] = exc.status
        if sse:
            await response.write(_event({"type": "error", **client_safe(request, exc).body()}))
        elif request.transport is not None:
            request.transport.abort()
            return response
    finally:
        await deltas.aclose()
    await response.write_eof()
    return response


def _event(body: dict) -> bytes:
    return b"data: " + json.dumps(body, separators=(",", ":")).encode() + b"\n\n"


def _speech_usage(usage: dict | None) -> dict:
    """OpenAI's speech usage names (input_tokens / output_tokens / total_tokens)."""
    usage = usage or {}
    prompt, completion = int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
    return {"input_tokens": prompt, "output_tokens": completion, "total_tokens": prompt + completion}


def openapi() -> tuple[dict, dict]:
    """This endpoint's OpenAPI paths and schemas (proxy/http/openapi.py adds them to the document)."""
    from proxy.hookspecs import openapi_schema

    schema, defs = openapi_schema(SpeechRequest)
    audio = {"type": "string", "format": "binary"}
    path = {"post": {
        "operationId": "createSpeech", "summary": "Text to speech (OpenAI's speech API) on a Gemini TTS model",
        "security": [{"bearer": []}],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/SpeechRequest"}}}},
        "responses": {"200": {"description": "the audio, written as Google speaks it; SSE events with "
                                             "stream_format sse",
                              "content": {**{mime: {"schema": audio} for mime in CONTENT_TYPES.values()},
                                          "text/event-stream": {"schema": {"type": "string"}}}},
                      "default": {"$ref": "#/components/responses/Error"}}}}
    return {"/v1/audio/speech": path}, {"SpeechRequest": schema, **defs}
