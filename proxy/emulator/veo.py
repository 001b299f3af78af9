"""Veo on the Gemini API: predictLongRunning and operation polling."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .auth import require_gemini_auth
from .errors import GoogleError, invalid_argument, model_not_found, not_found
from .faults import MALFORMED_BODY, Faults, submit_error
from .operations import FILTERED_REASON, OPERATION_ERROR, apply_poll_faults, base_url, create_operation, filtered
from .state import EMULATOR_STATE, Operation
from .veo_models import validate, veo_spec

RESPONSE_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse"


def prompt_of(body: Any) -> str:
    try:
        prompt = body["instances"][0].get("prompt")
    except (KeyError, IndexError, TypeError, AttributeError):
        return ""
    return prompt if isinstance(prompt, str) else ""


def veo_faults(request: web.Request, prompt: str) -> Faults:
    try:
        return Faults.from_texts([prompt], request.app[EMULATOR_STATE].settings.faults)
    except ValueError as exc:
        raise invalid_argument(str(exc)) from None


async def predict_long_running(request: web.Request, model: str) -> web.Response:
    state = request.app[EMULATOR_STATE]
    require_gemini_auth(request, state, "predictLongRunning")
    retired = state.catalog.retired_on(model, "gemini")
    if retired is not None:
        raise GoogleError(404, retired.gemini_message(), "NOT_FOUND")
    spec = veo_spec(state.catalog.gemini_api_model(model))
    if spec is None:  # unknown, or a model without predictLongRunning
        raise model_not_found(model, "predictLongRunning")
    body = request.get("json")
    req = validate(body, model, spec, files=state.files)
    faults = veo_faults(request, req.prompt)
    error = submit_error(faults, state.quota_once_seen, req.prompt)
    if error:
        raise error
    if "malformed" in faults:
        return web.Response(text=MALFORMED_BODY, content_type="application/json")
    op = create_operation(state, f"models/{model}", model, "gemini", req, faults)
    return web.json_response({"name": op.name})


def operation_body(op: Operation, request: web.Request) -> dict[str, Any]:
    if not op.is_done():
        # No progress: the operation's metadata is an Any, for predictLongRunning a PredictLongRunningMetadata,
        # which has no fields (google-ai-generativelanguage 0.12.1, google.ai.generativelanguage.v1beta); a
        # `{"progressPercent": N}` without `@type` is not valid JSON for it. wire-formats.md: pending is
        # `{"name", "done": false}`.
        return {"name": op.name, "done": False}
    if "operation-error" in op.faults:
        return {"name": op.name, "done": True, "error": OPERATION_ERROR}
    if filtered(op):
        result: dict[str, Any] = {"raiMediaFilteredCount": 1, "raiMediaFilteredReasons": [FILTERED_REASON]}
    else:
        base = base_url(request)
        result = {
            "generatedSamples": [
                {"video": {"uri": f"{base}/v1beta/files/{f.file_id}:download?alt=media"}} for f in op.files
            ],
            "raiMediaFilteredCount": 0,
            "raiMediaFilteredReasons": [],
        }
    return {"name": op.name, "done": True,
            "response": {"@type": RESPONSE_TYPE, "generateVideoResponse": result}}


async def get_operation(request: web.Request) -> web.Response:
    """GET /v1beta/models/{model}/operations/{id}"""
    state = request.app[EMULATOR_STATE]
    require_gemini_auth(request, state, "getOperation")
    name = f"models/{request.match_info['model']}/operations/{request.match_info['op_id']}"
    op = state.operations.get(name)
    if op is None or op.api != "gemini":
        raise not_found(f"Operation {name} not found.")
    await apply_poll_faults(op, state)
    return web.json_response(operation_body(op, request))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/v1beta/models/{model}/operations/{op_id}", get_operation)
