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
#: What a failure of paid work (a generation that failed, marked ``x-should-retry: false``) is answered with here.
#: The `openrouter` SDK (1.3.x, utils/retries.py; every operation's retry_config) retries every 5xx with backoff
#: for up to an hour and never reads x-should-retry: one failed video became five paid ones. It retries no 4xx.
#: 422 is a status chat.send types (UnprocessableEntityResponseError); a failed job's content is a 409, the
#: "Resource conflict" get_video_content declares (ConflictResponseError), as for a job not finished yet.
FAILED_GENERATION = 422
FAILED_JOB_CONTENT = 409
#: 5xx that stay: nothing was paid and a retry is what the client should do (no credential available now).
RETRYABLE = frozenset({503})


def openrouter_error(status: int, error: dict, **extra) -> dict:
    metadata = {key: error.get(key) for key in ("type", "param", "code") if error.get(key) is not None}
    metadata.update(extra)
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
    status, extra = response.status, {}
    if status >= 500 and status not in RETRYABLE and response.headers.get("x-should-retry") == "false":
        status = FAILED_JOB_CONTENT if request.path.endswith("/content") else FAILED_GENERATION
        extra = {"upstream_status": response.status, "retryable": False}
    return web.json_response(openrouter_error(status, error, **extra), status=status, headers=headers)
