"""The 'speech' and 'music' modality plugin: Gemini TTS and Lyria through OpenAI's APIs.

speech (plugins/audio/speech.py): POST /v1/audio/speech (proxy/handlers/speech.py) and chat completions with
``modalities: ["text", "audio"]`` on a TTS model answer OpenAI's audio; music (plugins/audio/music.py): a
Lyria model through chat answers ``message.audio`` with the song, made as a durable job like a video.
"""
from __future__ import annotations

from plugins.audio import music, music_limits, speech, speech_limits
from proxy.hookspecs import hookimpl, openapi_schema

MODALITIES = (speech.MODALITY, music.MODALITY)


@hookimpl
def genproxy_modalities() -> list[str]:
    return list(MODALITIES)


@hookimpl
def genproxy_upstream_method(route) -> str | None:
    return "generateContent" if route.modality in MODALITIES else None


@hookimpl
def genproxy_model_limits(route) -> dict | None:
    if route.modality == speech.MODALITY:
        return speech_limits.describe(speech_limits.limits_for(route.target))
    if route.modality == music.MODALITY:
        return music_limits.describe(music_limits.limits_for(route.target))
    return None


@hookimpl
def genproxy_translate(route, request, context):
    if route.modality == speech.MODALITY:
        return speech.translate(route, request, context)
    if route.modality == music.MODALITY:
        return music.translate(route, request, context)
    return None


@hookimpl
def genproxy_submit(route, call, context):
    if route.modality == speech.MODALITY:
        return speech.submit(route, call, context)
    if route.modality == music.MODALITY:
        return music.submit(route, call, context)
    return None


@hookimpl
def genproxy_poll(route, operation, credential_id, context):
    if route.modality == music.MODALITY:
        return music.poll(route, operation, context)
    return None


@hookimpl
def genproxy_cancel(route, operation, credential_id, context):
    if route.modality == music.MODALITY:
        return music.cancel(operation, context)
    return None


@hookimpl
def genproxy_respond(route, result, call, context):
    if route.modality == speech.MODALITY:
        return speech.respond(route, result, call, context)
    if route.modality == music.MODALITY:
        return music.respond(route, result, call, context)
    return None


@hookimpl
def genproxy_web_routes():
    return music.web_routes()


@hookimpl
def genproxy_openapi() -> dict:
    from plugins.audio.music_request import MusicConfig
    from plugins.audio.speech_request import SpeechConfig

    speech_schema, speech_defs = openapi_schema(SpeechConfig)
    music_schema, music_defs = openapi_schema(MusicConfig)
    return {"schemas": {"SpeechConfig": speech_schema, "MusicConfig": music_schema, **speech_defs, **music_defs},
            "chat_fields": {"speech_config": {"$ref": "#/components/schemas/SpeechConfig"},
                            "music_config": {"$ref": "#/components/schemas/MusicConfig"}},
            "paths": music.openapi_paths()}
