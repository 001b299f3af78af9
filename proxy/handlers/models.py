"""GET /v1/models and GET /healthz."""
from __future__ import annotations

from aiohttp import web

from proxy import keys


async def list_models(request: web.Request) -> web.Response:
    table = request.app[keys.ROUTE_TABLE]
    data = [{"id": spec.model, "object": "model", "created": 0, "owned_by": "google",
             "modality": spec.modality, **({"description": spec.description} if spec.description else {})}
            for spec in table.listed_models()]
    return web.json_response({"object": "list", "data": data})


async def healthz(request: web.Request) -> web.Response:
    table = request.app[keys.ROUTE_TABLE]
    return web.json_response({"status": "ok", "routes": len(table.specs)})
