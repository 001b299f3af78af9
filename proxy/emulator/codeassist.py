"""Code Assist (cloudcode-pa): v1internal:generateContent / :streamGenerateContent, bearer only.

Text models only; an account without a licence is refused with 403 (see auth.require_codeassist);
any other method (predictLongRunning: Code Assist never served Veo) is 404.
"""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from .auth import require_codeassist
from .content import make_reply, parse_request, response_body, stream_bodies
from .errors import GoogleError, invalid_argument, not_found
from .faults import MALFORMED_BODY, submit_error
from .gemini import faults_for
from .state import EMULATOR_STATE
from .streaming import write_stream


async def _handle(request: web.Request, stream: bool) -> web.StreamResponse:
    state = request.app[EMULATOR_STATE]
    require_codeassist(request, state)
    body = request.get("json")
    if not isinstance(body, dict):
        raise invalid_argument("Invalid JSON payload received. Expected an object.")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise invalid_argument("model is required.", "model")
    info = state.catalog.models.get(model)
    if info is None or info.kind != "text":  # retired, unknown, image, Veo or Omni ids
        raise not_found("Requested entity was not found.")
    if "request" not in body:
        raise invalid_argument("request is required.", "request")
    req = parse_request(body["request"], model, allow_images=False)
    faults = faults_for(request, req.all_texts)
    error = submit_error(faults, state.quota_once_seen, req.prompt)
    if error:
        raise error
    reply = make_reply(req, faults)
    trace = secrets.token_hex(8)

    def wrap(event: dict[str, Any]) -> dict[str, Any]:
        return {"response": event, "traceId": trace}

    if stream:
        return await write_stream(request, stream_bodies(reply, model), faults, wrap)
    if "malformed" in faults:
        return web.Response(text=MALFORMED_BODY, content_type="application/json")
    return web.json_response(wrap(response_body(reply, model)))


async def generate_content(request: web.Request) -> web.StreamResponse:
    return await _handle(request, stream=False)


async def stream_generate_content(request: web.Request) -> web.StreamResponse:
    return await _handle(request, stream=True)


async def other_method(request: web.Request) -> web.Response:
    """Code Assist never served Veo: ``v1internal:predictLongRunning`` and other methods are 404
    (facts file section 3)."""
    require_codeassist(request, request.app[EMULATOR_STATE])
    raise GoogleError(404, f"Method not found: {request.match_info['method']}.", "NOT_FOUND")


def add_routes(app: web.Application) -> None:
    app.router.add_post("/v1internal:generateContent", generate_content)
    app.router.add_post("/v1internal:streamGenerateContent", stream_generate_content)
    app.router.add_post("/v1internal:{method}", other_method)
