"""OpenRouter's API on genproxy: /api/v1 mirrors /v1 (chat completions, models) and serves OpenRouter's video
API on the job store, so a client written for OpenRouter needs only a new base URL (and genproxy's key)."""
from __future__ import annotations

from aiohttp import web

from proxy.handlers.models import get_model
from proxy.openrouter.catalog import list_catalog
from proxy.openrouter.chat import chat_completions
from proxy.openrouter.errors import openrouter_errors  # noqa: F401  (wired by create_app)
from proxy.openrouter.videos import add_routes as add_video_routes


def add_openrouter_routes(app: web.Application) -> None:
    app.router.add_post("/api/v1/chat/completions", chat_completions)
    app.router.add_get("/api/v1/models", list_catalog)
    add_video_routes(app)
    app.router.add_get("/api/v1/models/{model:[^{}]{1,256}}", get_model)
