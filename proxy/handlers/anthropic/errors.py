"""Errors on the Anthropic paths in Anthropic's shape: {"type": "error", "error": {"type", "message"}}.

The anthropic SDK and Claude Code read ``error.type`` and ``error.message`` (docs.claude.com/en/api/errors);
genproxy's own OpenAI-style error answers (from the handlers, auth, the body limits) are reshaped here,
outside the error middleware, as the OpenRouter paths are (proxy/openrouter/errors.py).
"""
from __future__ import annotations

import json

from aiohttp import web

from proxy.handlers.anthropic.shape import error_body


def is_anthropic_path(path: str) -> bool:
    return path.startswith("/v1/messages") or (path.startswith("/api/provider/") and "/v1/messages" in path)


@web.middleware
async def anthropic_errors(request: web.Request, handler):
    response = await handler(request)
    if not is_anthropic_path(request.path) or response.status < 400 or not isinstance(response, web.Response):
        return response
    if response.content_type != "application/json" or response.body is None or response.prepared:
        return response
    try:
        body = json.loads(bytes(response.body))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return response
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or body.get("type") == "error":
        return response
    headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")}
    return web.json_response(error_body(response.status, str(error.get("message") or "Request failed.")),
                             status=response.status, headers=headers)
