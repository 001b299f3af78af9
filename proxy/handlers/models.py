"""GET /v1/models, GET /v1/models/{id} and GET /healthz."""
from __future__ import annotations

from aiohttp import web

from proxy import keys
from proxy.http.errors import ApiError
from proxy.routing.routes import OPENROUTER_PREFIX, RetiredSpec, RouteSpec, RouteTable


def _route_object(spec: RouteSpec, name: str | None = None) -> dict:
    body = {"id": name or spec.model, "object": "model", "created": 0, "owned_by": "google",
            "modality": spec.modality}
    if spec.description:
        body["description"] = spec.description
    if spec.openrouter:
        body["openrouter"] = spec.openrouter
    return body


def _with_limits(request: web.Request, body: dict, route) -> dict:
    """Add what the model accepts (``limits``, from its plugin) and the route's defaults: the console offers
    only these options."""
    if route is None:
        return body
    limits = request.app[keys.PLUGIN_MANAGER].hook.genproxy_model_limits(route=route)
    if limits:
        body["limits"] = limits
    if route.defaults:
        body["defaults"] = dict(route.defaults)
    return body


def _alias_object(table: RouteTable, retired: RetiredSpec) -> dict:
    """A retired id: still listed (tools hardcode them), marked as an alias of what now serves it."""
    target = table.resolve(retired.replaced_by)
    body = {"id": retired.model, "object": "model", "created": 0, "owned_by": "google",
            "modality": target.modality if target else None, "alias_of": retired.replaced_by, "retired": True,
            "description": f"Retired by Google{f' on {retired.shutdown}' if retired.shutdown else ''}; "
                           f"served by {retired.replaced_by}"}
    if retired.shutdown:
        body["shutdown"] = retired.shutdown
    if retired.openrouter:
        body["openrouter"] = retired.openrouter
    return body


def _slug_object(table: RouteTable, slug: str) -> dict | None:
    """An OpenRouter slug (google/veo-3.1): an alias of the model that serves it."""
    route = table.resolve(slug)
    if route is None:
        return None
    return {"id": slug, "object": "model", "created": 0, "owned_by": "google", "modality": route.modality,
            "alias_of": route.model, "openrouter": True,
            "description": f"OpenRouter's name for {route.model}, which serves it"}


def _with_openrouter(request: web.Request) -> bool:
    """OpenRouter's slugs are listed on /api/v1/models (where OpenRouter clients look) and, asked for with
    ?include=openrouter, on /v1/models; otherwise each model names its slug in its "openrouter" field."""
    if request.path.startswith("/api/"):
        return True
    include = request.query.get("include", "")
    if include and include not in ("openrouter",):
        raise ApiError(400, f"include must be 'openrouter'; got '{include}'.", param="include", code="invalid_value")
    return include == "openrouter"


def _availability(request: web.Request, body: dict) -> dict:
    """Whether a client can use the model now (its upstream has credentials and Google, or a replacement, serves
    it), and which model serves it when Google no longer does: the console offers only available models."""
    catalog = request.app[keys.CATALOG]
    try:
        served = catalog.route_for(body["id"])
    except ApiError:
        return body
    body["available"] = catalog.usable(served) and catalog.retired(served) is None
    if not body["available"]:
        body["unavailable_reason"] = (f"no {served.upstream} credentials are configured" if not catalog.usable(served)
                                      else f"Google no longer serves {served.target} and nothing replaces it")
    if served.why:
        body["served_by"] = served.model
        body["served_by_reason"] = served.why
    return body


def _family_object(model: str, family) -> dict:
    """An id Google offers that routes.yaml does not name, served by its model family (discovery saw it)."""
    return {"id": model, "object": "model", "created": 0, "owned_by": "google", "modality": family.modality,
            "family": family.name, "discovered": True,
            "description": f"Offered by Google; served by the {family.name} family"}


async def list_models(request: web.Request) -> web.Response:
    table = request.app[keys.ROUTE_TABLE]
    catalog = request.app[keys.CATALOG]
    data = [_availability(request, _route_object(spec)) for spec in table.listed_models()]
    data += [_availability(request, _family_object(model, family)) for model, family in catalog.discovered()]
    data += [_alias_object(table, retired) for retired in table.retired.values()]
    if _with_openrouter(request):
        data += [body for slug in table.openrouter if (body := _slug_object(table, slug)) is not None]
    # Text models first: chat front-ends take the first listed model as their default (Open WebUI did pick
    # veo-3.1-generate-preview), and a first message should not start a video. Stable: routes.yaml's order within.
    data.sort(key=lambda body: body.get("modality") != "text")
    return web.json_response({"object": "list", "data": data})


async def get_model(request: web.Request) -> web.Response:
    """One model, as the openai SDK's models.retrieve expects: a listed route, a retired alias, or a
    name a glob route serves; 404 model_not_found otherwise."""
    table: RouteTable = request.app[keys.ROUTE_TABLE]
    name = request.match_info["model"]
    request["model"] = name
    if name in table.retired:
        return web.json_response(_with_limits(request, _alias_object(table, table.retired[name]), table.resolve(name)))
    if name in table.openrouter or (name not in table.specs_by_model and name.startswith(OPENROUTER_PREFIX)):
        body = _slug_object(table, name)
        if body is not None:
            return web.json_response(body)
    catalog = request.app[keys.CATALOG]
    route = catalog.resolve(name)
    spec = next((s for s in table.specs if route is not None and s.model == (route.pattern or route.model)), None)
    if spec is None and route is not None and route.family is not None:
        family = catalog.family_of(name)
        body = _availability(request, _family_object(name, family))
        body["discovered"] = name in (catalog.offered or {})
        return web.json_response(_with_limits(request, body, route))
    if spec is None:
        raise catalog.not_found(name)
    return web.json_response(_with_limits(request, _availability(request, _route_object(spec, name)), route))


async def healthz(request: web.Request) -> web.Response:
    table = request.app[keys.ROUTE_TABLE]
    return web.json_response({"status": "ok", "routes": len(table.specs)})
