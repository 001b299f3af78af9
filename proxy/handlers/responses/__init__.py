"""The OpenAI Responses API on the models genproxy routes: request, history, shaping and storage, on the
same chat pipeline and plugins as POST /v1/chat/completions."""
from __future__ import annotations

from aiohttp import web

from proxy.handlers.responses.handlers import create_response, delete_response, get_response, input_items_of


def add_routes(app: web.Application, prefix: str = "/v1") -> None:
    app.router.add_post(f"{prefix}/responses", create_response)
    app.router.add_get(f"{prefix}/responses/{{response_id}}", get_response)
    app.router.add_delete(f"{prefix}/responses/{{response_id}}", delete_response)
    app.router.add_get(f"{prefix}/responses/{{response_id}}/input_items", input_items_of)
