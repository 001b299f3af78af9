"""One path, two APIs: GET /v1/models is OpenAI's model list and, since google-genai 3.x talks ``v1`` by
default (``GOOGLE_AI_API_DEFAULT_VERSION = 'v1'``, google/genai/_api_client.py), also the Gemini API's.

Google's SDKs name themselves on every request (``x-goog-api-client: google-genai-sdk/...``) and send
their key as ``x-goog-api-key``; OpenAI's SDKs send neither. The request's headers pick the answer's
shape, so both SDKs list models from the same URL.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
GOOGLE_HEADERS = ("x-goog-api-client", "x-goog-api-key")


def is_google_client(request: web.Request) -> bool:
    return any(name in request.headers for name in GOOGLE_HEADERS)


def by_dialect(openai: Handler, google: Handler) -> Handler:
    """A handler that answers Google's clients with ``google`` and everyone else with ``openai``."""

    async def handle(request: web.Request) -> web.StreamResponse:
        return await (google if is_google_client(request) else openai)(request)

    handle.__doc__ = f"{openai.__doc__ or ''} (Google's clients: {google.__name__})"
    return handle
