"""GET /api/v1/models in OpenRouter's catalog shape, which the `openrouter` SDK's models.list() validates.

Shape from the `openrouter` 1.3.84 SDK (components/modelslistresponse.py, model.py, modelarchitecture.py,
publicpricing.py, topproviderinfo.py): the envelope needs ``data``, ``links`` and ``total_count``; each
model needs ``id, canonical_slug, name, created, context_length, architecture, pricing, top_provider,
per_request_limits, supported_parameters, default_parameters, supported_voices, links`` (null where
allowed), prices as strings of USD per token (per request, per image). OpenRouter's own slug
(``google/...``) is listed beside genproxy's name, each resolving to the same route.
"""
from __future__ import annotations

from aiohttp import web

from proxy import keys
from proxy.http.errors import invalid
from proxy.money.pricing import price_of
from proxy.routing.routes import RouteSpec, RouteTable

#: (input modalities, output modalities) per genproxy modality; OpenRouter's architecture enums.
MODALITIES = {
    "text": (["text", "image", "file", "audio", "video"], ["text"]),
    "image": (["text", "image"], ["image", "text"]),
    "video": (["text", "image"], ["video"]),
    "omni": (["text", "image", "video"], ["video"]),
    "speech": (["text"], ["audio"]),
    "music": (["text", "image"], ["audio", "text"]),
}
TEXT_PARAMETERS = ["max_tokens", "temperature", "top_p", "stop", "seed", "tools", "tool_choice",
                   "response_format", "structured_outputs", "reasoning", "include_reasoning"]
MEDIA_PARAMETERS = ["seed"]
PAGE_LIMIT = 500


def _per_token(per_million: float | None) -> str:
    return f"{(per_million or 0) / 1e6:.10f}".rstrip("0").rstrip(".") or "0"


def catalog_entry(table: RouteTable, spec: RouteSpec, name: str, alias_of: str | None = None) -> dict:
    route = table.resolve(spec.model)
    price = price_of(route) if route is not None else None
    inputs, outputs = MODALITIES.get(spec.modality, MODALITIES["text"])
    pricing = {"prompt": _per_token(price.input_per_million if price else None),
               "completion": _per_token(price.output_per_million if price else None), "request": "0"}
    if price and price.per_image:
        pricing["image_output"] = str(min(price.per_image.values()))
    return {
        "id": name,
        "canonical_slug": spec.openrouter or name,
        "name": spec.description or spec.model,
        "created": 0,
        "description": spec.description or f"{spec.model} ({spec.modality}, served by genproxy)",
        "context_length": None,
        "architecture": {"modality": f"{'+'.join(inputs)}->{'+'.join(outputs)}", "input_modalities": inputs,
                         "output_modalities": outputs, "tokenizer": "Gemini", "instruct_type": None},
        "pricing": pricing,
        "top_provider": {"context_length": None, "max_completion_tokens": None, "is_moderated": False},
        "per_request_limits": None,
        "supported_parameters": TEXT_PARAMETERS if spec.modality == "text" else MEDIA_PARAMETERS,
        "default_parameters": None,
        "supported_voices": None,
        "links": {"details": f"/api/v1/models/{name}/endpoints"},
        # OpenAI's Model fields too, so an openai client pointed at /api/v1 lists the same catalog.
        "object": "model", "owned_by": "google", "modality": spec.modality,
        **({"alias_of": alias_of} if alias_of else {}),
    }


def _page_bound(request: web.Request, name: str, default: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise invalid(f"'{name}' must be a non-negative integer.", name)
    return int(raw)


async def list_catalog(request: web.Request) -> web.Response:
    table: RouteTable = request.app[keys.ROUTE_TABLE]
    specs = {spec.model: spec for spec in table.specs}
    entries = [catalog_entry(table, spec, spec.model) for spec in table.listed_models()]
    # OpenRouter's slugs (google/...), of routes and of retired ids, each an alias of the route that serves it.
    for slug in table.openrouter:
        route = table.resolve(slug)
        spec = specs.get(route.pattern or route.model) if route is not None else None
        if spec is not None:
            entries.append(catalog_entry(table, spec, slug, alias_of=route.model if route else None))
    offset, limit = _page_bound(request, "offset", 0), _page_bound(request, "limit", PAGE_LIMIT)
    page = entries[offset:offset + limit]
    more = offset + limit < len(entries)
    next_link = f"/api/v1/models?offset={offset + limit}&limit={limit}" if more else None
    return web.json_response({"data": page, "links": {"next": next_link}, "total_count": len(entries)})
