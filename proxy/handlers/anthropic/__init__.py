"""The Anthropic Messages API on the models genproxy routes (Claude Code, the anthropic SDKs), on the same
chat pipeline and plugins as POST /v1/chat/completions; also under CCS's /api/provider/{provider}/v1/."""
from __future__ import annotations

from aiohttp import web

from proxy.handlers.anthropic.errors import anthropic_errors  # noqa: F401  (wired by create_app)
from proxy.handlers.anthropic.handlers import count_tokens, create_message


def add_routes(app: web.Application, prefix: str = "/v1") -> None:
    app.router.add_post(f"{prefix}/messages", create_message)
    app.router.add_post(f"{prefix}/messages/count_tokens", count_tokens)
