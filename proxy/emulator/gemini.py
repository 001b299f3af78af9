"""Gemini API text and images: generateContent, streamGenerateContent, countTokens.

Which id answers which method comes from :mod:`proxy.emulator.models`: a retired or unknown id,
or a method the model does not list, is Google's 404 NOT_FOUND ("models/X is not found for API
version v1beta, or is not supported for M. Call ListModels ..."); a Gemini Omni id is 400
"This model only supports Interactions API." (3P: TanStack/ai #871).
"""

from __future__ import annotations

from aiohttp import web

from . import audio
from .auth import require_gemini_auth
from .content import get, make_reply, parse_request, response_body, stream_bodies, tokens
from .errors import GoogleError, invalid_argument, model_not_found
from .faults import MALFORMED_BODY, Faults, submit_error
from .models import Catalog, ModelInfo
from .signatures import check_history, new_signature, signs_function_calls
from .state import EMULATOR_STATE
from .streaming import write_stream
from .veo import predict_long_running

INTERACTIONS_ONLY = "This model only supports Interactions API."


def faults_for(request: web.Request, texts: list[str]) -> Faults:
    state = request.app[EMULATOR_STATE]
    try:
        return Faults.from_texts(texts, state.settings.faults)
    except ValueError as exc:
        raise invalid_argument(str(exc)) from None


def retired_model(catalog: Catalog, model: str) -> GoogleError | None:
    """Google's 404 for an id it shut down on the Gemini API (every method), or None."""
    retired = catalog.retired_on(model, "gemini")
    return GoogleError(404, retired.gemini_message(), "NOT_FOUND") if retired is not None else None


def content_model(catalog: Catalog, model: str, method: str) -> ModelInfo:
    """The text/image model serving ``method`` under this id, or Google's refusal."""
    gone = retired_model(catalog, model)
    if gone is not None:
        raise gone
    info = catalog.gemini_api_model(model)
    if info is not None and info.kind == "omni" and method in ("generateContent", "streamGenerateContent"):
        raise invalid_argument(INTERACTIONS_ONLY)
    if info is None or method not in info.methods:
        raise model_not_found(model, method)
    return info


async def answer_content(request: web.Request, model: str, stream: bool, vertex: bool = False) -> web.StreamResponse:
    """Validate the body and answer (shared by the Gemini API and Vertex AI paths). Vertex's candidates carry no
    ``index`` (real Vertex answers: tests/fixtures/google_corpus/07, 09, 11, 16)."""
    state = request.app[EMULATOR_STATE]
    req = parse_request(request.get("json"), model, allow_images=state.catalog.kind_of(model) == "image")
    check_history(request.get("json"), model)
    faults = faults_for(request, req.all_texts)
    error = submit_error(faults, state.quota_once_seen, req.prompt)
    if error:
        raise error
    reply = make_reply(req, faults, state.settings.small_media)
    if reply.function_call and signs_function_calls(model):
        reply.signature = new_signature()
    if stream:
        return await write_stream(request, [_placed(e, vertex) for e in stream_bodies(reply, model)], faults)
    if "malformed" in faults:
        return web.Response(text=MALFORMED_BODY, content_type="application/json")
    return web.json_response(_placed(response_body(reply, model), vertex))


def _placed(body: dict, vertex: bool) -> dict:
    if vertex:
        for candidate in body.get("candidates") or []:
            candidate.pop("index", None)
    return body


async def count_tokens(request: web.Request) -> web.Response:
    body = request.get("json")
    if not isinstance(body, dict):
        raise invalid_argument("Invalid JSON payload received. Expected an object.")
    inner = get(body, "generateContentRequest") or body
    # A whole generateContentRequest counts its system instruction too (ai.google.dev/api/tokens).
    contents = [*(get(inner, "contents") or []), get(inner, "systemInstruction") or {}]
    texts = [p["text"] for c in contents if isinstance(c, dict)
             for p in (get(c, "parts") or []) if isinstance(p, dict) and isinstance(p.get("text"), str)]
    return web.json_response({"totalTokens": sum(tokens(t) for t in texts)})


async def model_action(request: web.Request) -> web.StreamResponse:
    """POST /v1beta/models/{model}:{action}"""
    model, sep, action = request.match_info["model_action"].rpartition(":")
    if not sep:
        raise GoogleError(404, "Method not found.", "NOT_FOUND")
    if action not in ("generateContent", "streamGenerateContent", "countTokens", "predictLongRunning"):
        raise GoogleError(404, f"Method not found: {action}.", "NOT_FOUND")
    state = request.app[EMULATOR_STATE]
    require_gemini_auth(request, state, action)
    if action == "predictLongRunning":
        return await predict_long_running(request, model)
    info = content_model(state.catalog, model, action)
    if action == "countTokens":
        return await count_tokens(request)
    if info.kind in ("tts", "music"):  # speech and music: proxy/emulator/audio.py
        return await audio.answer(request, info, stream=action == "streamGenerateContent")
    return await answer_content(request, model, stream=action == "streamGenerateContent")


def add_routes(app: web.Application) -> None:
    app.router.add_post("/v1beta/models/{model_action:[^/]+}", model_action)
