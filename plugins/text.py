"""The built-in 'text' modality plugin: OpenAI chat completions on Gemini generateContent.

The mapping itself (messages, parameters, tools, replies, stream events) lives in
plugins/gemini_chat.py, shared with the image plugin.
"""
from __future__ import annotations

from plugins import gemini_chat
from proxy.hookspecs import ModelFamily, UpstreamCall, hookimpl, invalid

MODALITY = "text"


@hookimpl
def genproxy_modalities() -> list[str]:
    return [MODALITY]


@hookimpl
def genproxy_model_families() -> list[ModelFamily]:
    # Every other gemini-* id is text (the catch-all the image and Omni families sit above). Vertex serves
    # Gemini 3.x text at `global` only (Vertex locations page; shared/docs/google-2026-12.md section 3).
    return [ModelFamily("gemini-text", MODALITY, r"gemini-[a-z0-9][a-z0-9.\-]*", ("text",), priority=0,
                        vertex_location="global", source="ai.google.dev/gemini-api/docs/models")]


@hookimpl
def genproxy_translate(route, request, context):
    if route.modality != MODALITY:
        return None
    gemini_chat.check_fields(request, own=set())
    if request.modalities and set(request.modalities) - {"text"}:
        raise invalid(f"'{request.model}' is a text model: 'modalities' may only hold \"text\"; "
                      "route an image or video model for other outputs.", "modalities")
    body = gemini_chat.build_body(request, route)
    return UpstreamCall(body=body, stream=context.stream)


@hookimpl
def genproxy_submit(route, call, context):
    if route.modality != MODALITY:
        return None
    return gemini_chat.send(route, call, context)


@hookimpl
def genproxy_respond(route, result, call, context):
    if route.modality != MODALITY:
        return None
    return _respond(result, call, context)


async def _respond(result, call, context):
    if call.stream:
        return gemini_chat.deltas(result, memory=context.signatures)
    return await gemini_chat.remember_signatures(gemini_chat.completions(result), context.signatures)
