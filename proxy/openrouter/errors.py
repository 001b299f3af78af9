"""Errors on /api/v1/ in OpenRouter's shape: {"error": {"code": <HTTP status>, "message", "metadata"}}.

OpenRouter's error body (openrouter.ai/docs/api/reference/errors; the `openrouter` SDK's
components/badrequestresponseerrordata.py: ``code: int``, ``message: str``, ``metadata: dict | null``)
carries the HTTP status as its code; the SDK refuses an error whose code is not a number. genproxy's own
OpenAI-style details (type, param and code) go in ``metadata``, so nothing is lost. The openai SDK reads
``error.message`` from either shape.
"""
from __future__ import annotations

import json

from aiohttp import web

PREFIX = "/api/v1/"


def openrouter_error(status: int, error: dict) -> dict:
    metadata = {key: error.get(key) for key in ("type", "param", "code") if error.get(key) is not None}
    return {"error": {"code": status, "message": error.get("message") or "Request failed.",
                      "metadata": metadata or None}}


@web.middleware
async def openrouter_errors(request: web.Request, handler):
    """Outside the error middleware: reshape the OpenAI-style error answers of /api/v1/ paths."""
    response = await handler(request)
    if not request.path.startswith(PREFIX) or response.status < 400 or not isinstance(response, web.Response):
        return response
    raw = response.body
    if response.content_type != "application/json" or not isinstance(raw, (bytes, bytearray)) or response.prepared:
        return response  # no body, or a Payload (streamed): nothing to reshape
    try:
        body = json.loads(bytes(raw))
    except (TypeError, ValueError):
        return response
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or isinstance(error.get("code"), int):
        return response
    headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")}
    return web.json_response(openrouter_error(response.status, error), status=response.status, headers=headers)
