"""GET /api/v1/videos/models: the video routes, each with what it accepts, as OpenRouter's VideoModel.

The limits come from the plugin that serves each route (hookspecs.genproxy_model_limits), so the core
knows no model. Fields as the `openrouter` SDK's components/videomodel.py defines them (every one present,
null when not known); OpenRouter names 4K in capitals.
"""
from __future__ import annotations

from aiohttp import web

from proxy import keys
from proxy.handlers.videos import SIZES
from proxy.routing.routes import RouteSpec, RouteTable


def _resolution(name: str) -> str:
    return name.upper() if name.lower() in ("1k", "2k", "4k") else name


def video_model(table: RouteTable, spec: RouteSpec, limits: dict) -> dict:
    resolutions = limits.get("resolutions")
    ratios = limits.get("aspect_ratios")
    sizes = None
    if resolutions is not None and ratios is not None:
        sizes = [size for size, (ratio, resolution) in SIZES.items() if ratio in ratios and resolution in resolutions]
    body = {
        "id": spec.openrouter or spec.model,
        "canonical_slug": spec.model,
        "name": spec.description or spec.model,
        "created": 0,
        "description": spec.description or f"{spec.model} ({spec.modality}, served by genproxy)",
        "allowed_passthrough_parameters": [],
        "supported_durations": limits.get("durations"),
        "supported_resolutions": [_resolution(r) for r in resolutions] if resolutions is not None else None,
        "supported_aspect_ratios": ratios,
        "supported_sizes": sizes,
        "supported_frame_images": limits.get("frame_images"),
        "generate_audio": limits.get("generate_audio"),
        "seed": limits.get("seed"),
        "creativity": None,
        "upscale_factor": None,
        "hugging_face_id": None,
        # Prices per SKU when a plugin (or a cost ledger) knows them; null otherwise.
        "pricing_skus": limits.get("prices") or None,
        "genproxy": {"model": spec.model, "modality": spec.modality,
                     "max_input_references": limits.get("reference_images"),
                     "previous_job_id": limits.get("continuation")},
    }
    return body


async def list_video_models(request: web.Request) -> web.Response:
    app = request.app
    table: RouteTable = app[keys.ROUTE_TABLE]
    pipeline = app[keys.PIPELINE]
    video = pipeline.video_modalities()
    data = []
    for spec in table.listed_models():
        if spec.modality not in video:
            continue
        route = table.resolve(spec.model)
        # Where it is really served (Vertex AI when only OAuth credentials are at hand): seed and
        # generate_audio depend on it.
        route = app[keys.UPSTREAMS].place(route) if route is not None else None
        limits = pipeline.pm.hook.genproxy_model_limits(route=route) if route is not None else None
        data.append(video_model(table, spec, limits or {}))
    return web.json_response({"data": data})
