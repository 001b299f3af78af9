"""Admin endpoints (for the console's Admin page): credentials with their state, and the route table.

Only admin keys may call them. Which keys are admin keys is the auth middleware's business: it sets
``request["is_admin"]``; where it does not (yet), ``is_admin`` falls back to "no client keys are
configured" (an open local proxy is its owner's).
"""
from __future__ import annotations

from dataclasses import asdict

from aiohttp import web

from proxy import keys
from proxy.http.errors import ApiError
from proxy.routing.routes import RouteTable


def is_admin(request: web.Request) -> bool:
    """True for an admin key; without a flag from the auth middleware, True when no client keys are configured."""
    if "is_admin" in request:
        return bool(request["is_admin"])
    return not request.app[keys.SETTINGS].api_keys


def require_admin(request: web.Request) -> None:
    if not is_admin(request):
        raise ApiError(403, "This endpoint is for admin keys only.", code="admin_only")


async def credentials(request: web.Request) -> web.Response:
    """GET /v1/admin/credentials: each upstream credential (no secrets) and, per upstream, its cooldown."""
    require_admin(request)
    upstreams = request.app[keys.UPSTREAMS]
    data = upstreams.describe()
    for row in data:
        cooling = row.get("cooling_until") or {}
        row["state"] = "cooling down" if cooling else "ready"
    return web.json_response({"object": "list", "data": data})


def _route_row(catalog, spec) -> dict:
    row = {"model": spec.model, "modality": spec.modality, "upstream": spec.upstream, "target": spec.target or spec.model,
           "vertex_target": spec.vertex_target, "listed": spec.listed, "defaults": spec.defaults,
           "description": spec.description, "replaced_by": spec.replaced_by, "pinned": spec.pinned}
    if not any(ch in spec.model for ch in "*?["):
        # Where it is really served now: with the credentials at hand (a gemini route with only OAuth token files
        # goes to Vertex AI), and by its replacement once Google no longer serves it (proxy/catalog).
        served = catalog.route_for(spec.model)
        row["served_by"] = {"model": served.model, "upstream": served.upstream, "target": served.target,
                            "why": served.why}
        row["usable"] = catalog.usable(served) and catalog.retired(served) is None
    return row


async def routes(request: web.Request) -> web.Response:
    """GET /v1/admin/routes: routes.yaml as loaded now, and the retired ids with what replaces them."""
    require_admin(request)
    table: RouteTable = request.app[keys.ROUTE_TABLE]
    catalog = request.app[keys.CATALOG]
    retired = [{"model": r.model, "replaced_by": r.replaced_by, "shutdown": r.shutdown, "source": r.source}
               for r in table.retired.values()]
    learned = [asdict(fact) for fact in catalog.retirements.all()]
    families = [{"name": f.name, "modality": f.modality, "pattern": f.pattern, "capabilities": list(f.capabilities),
                 "vertex_location": f.vertex_location, "source": f.source} for f in catalog.families]
    discovered = [{"model": model, "family": family.name, "modality": family.modality}
                  for model, family in catalog.discovered()]
    return web.json_response({"object": "list", "data": [_route_row(catalog, s) for s in table.specs],
                              "retired": retired, "learned_retirements": learned, "families": families,
                              "discovered": discovered, "file": str(table.path) if table.path else None})


async def whoami(request: web.Request) -> web.Response:
    """GET /v1/admin/me: whether the caller's key is an admin key (the console shows its Admin page then)."""
    return web.json_response({"object": "key", "id": request.get("client_key_id"), "is_admin": is_admin(request)})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/v1/admin/credentials", credentials)
    app.router.add_get("/v1/admin/routes", routes)
    app.router.add_get("/v1/admin/me", whoami)
