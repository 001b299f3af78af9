"""Gemini API text and images: generateContent, streamGenerateContent, models list."""

from __future__ import annotations

from aiohttp import web

from .auth import require_gemini_auth
from .content import make_reply, parse_request, response_body, stream_bodies
from .errors import GoogleError, invalid_argument, model_not_found, not_found
from .faults import MALFORMED_BODY, Faults, submit_error
from .state import EMULATOR_STATE
from .streaming import write_stream
from .signatures import check_history, new_signature, signs_function_calls
from .veo import predict_long_running
from .veo_models import VEO_MODELS

LISTED_MODELS = [
    ("gemini-2.5-flash", "Gemini 2.5 Flash", ["generateContent", "streamGenerateContent", "countTokens"]),
    ("gemini-2.5-pro", "Gemini 2.5 Pro", ["generateContent", "streamGenerateContent", "countTokens"]),
    ("gemini-2.5-flash-image", "Nano Banana", ["generateContent", "streamGenerateContent"]),
    ("gemini-3-pro-preview", "Gemini 3 Pro Preview", ["generateContent", "streamGenerateContent", "countTokens"]),
    ("gemini-3-pro-image-preview", "Nano Banana Pro", ["generateContent", "streamGenerateContent"]),
] + [(m, m, ["predictLongRunning"]) for m in VEO_MODELS]


def is_gemini_model(model: str) -> bool:
    return model.startswith("gemini-") and len(model) > len("gemini-")


def model_resource(model: str, display: str, methods: list[str]) -> dict:
    return {
        "name": f"models/{model}",
        "version": "001",
        "displayName": display,
        "description": f"{display} (genproxy emulator)",
        "inputTokenLimit": 1048576,
        "outputTokenLimit": 65536,
        "supportedGenerationMethods": methods,
    }


async def list_models(request: web.Request) -> web.Response:
    require_gemini_auth(request, request.app[EMULATOR_STATE])
    return web.json_response({"models": [model_resource(*m) for m in LISTED_MODELS]})


async def get_model(request: web.Request) -> web.Response:
    require_gemini_auth(request, request.app[EMULATOR_STATE])
    model = request.match_info["model"]
    for entry in LISTED_MODELS:
        if entry[0] == model:
            return web.json_response(model_resource(*entry))
    if is_gemini_model(model):
        return web.json_response(model_resource(model, model, ["generateContent", "streamGenerateContent"]))
    raise not_found(f"models/{model} is not found for API version v1beta.")


def faults_for(request: web.Request, texts: list[str]) -> Faults:
    state = request.app[EMULATOR_STATE]
    try:
        return Faults.from_texts(texts, state.settings.faults)
    except ValueError as exc:
        raise invalid_argument(str(exc)) from None


async def generate_content(request: web.Request, model: str, stream: bool) -> web.StreamResponse:
    state = request.app[EMULATOR_STATE]
    require_gemini_auth(request, state)
    method = "streamGenerateContent" if stream else "generateContent"
    if not is_gemini_model(model):
        raise model_not_found(model, method)
    req = parse_request(request.get("json"), model)
    check_history(request.get("json"), model)
    faults = faults_for(request, req.all_texts)
    error = submit_error(faults, state.quota_once_seen, req.prompt)
    if error:
        raise error
    reply = make_reply(req, faults)
    if reply.function_call and signs_function_calls(model):
        reply.signature = new_signature()
    if stream:
        return await write_stream(request, stream_bodies(reply, model), faults)
    if "malformed" in faults:
        return web.Response(text=MALFORMED_BODY, content_type="application/json")
    return web.json_response(response_body(reply, model))


async def model_action(request: web.Request) -> web.StreamResponse:
    """POST /v1beta/models/{model}:{action}"""
    model, sep, action = request.match_info["model_action"].rpartition(":")
    if not sep:
        raise GoogleError(404, "Method not found.", "NOT_FOUND")
    if action == "generateContent":
        return await generate_content(request, model, stream=False)
    if action == "streamGenerateContent":
        return await generate_content(request, model, stream=True)
    if action == "predictLongRunning":
        return await predict_long_running(request, model)
    raise GoogleError(404, f"Method not found: {action}.", "NOT_FOUND")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/v1beta/models", list_models)
    app.router.add_get("/v1beta/models/{model:[^/:]+}", get_model)
    app.router.add_post("/v1beta/models/{model_action:[^/]+}", model_action)
