"""Model discovery, as Google answers it: what a credential can use, per model, per method.

Endpoints (all answer Google's JSON shapes; errors are google.rpc.Status):

Gemini API (generativelanguage; API key only, a bearer token is 403 ACCESS_TOKEN_SCOPE_INSUFFICIENT)
  ``GET /v1beta/models?pageSize=N&pageToken=T``
      ``{"models": [Model...], "nextPageToken"?}``. pageSize defaults to 50 and is capped at 1000
      (ai.google.dev/api/models#method:-models.list); nextPageToken is absent on the last page.
      Lists the live ids of the active catalog (:mod:`proxy.emulator.models`) served by the Gemini API
      (no Vertex-only ``-001`` Veo ids, no retired ids).
  ``GET /v1beta/models/{id}``
      One Model: ``name`` ("models/{id}"), ``baseModelId``, ``version``, ``displayName``,
      ``description``, ``inputTokenLimit``, ``outputTokenLimit``, ``supportedGenerationMethods``.
      Retired id: 404 NOT_FOUND "This model models/{id} is no longer available to new users. Use R
      instead."; unknown id: 404 NOT_FOUND "models/{id} is not found for API version v1beta, or is
      not supported for getModel. ...". Gemini Omni lists ``generateContent, countTokens`` as
      Google does, but its generateContent is 400 "This model only supports Interactions API."

Vertex AI (OAuth bearer only)
  ``GET /v1/publishers/google/models/{id}`` and ``GET /v1beta1/publishers/google/models/{id}``
      PublisherModel ``{"name": "publishers/google/models/{id}", "versionId", "launchStage",
      "openSourceCategory": "PROPRIETARY", ...}`` or 404 "Publisher Model
      `publishers/google/models/{id}` not found." This is Vertex's own cheapest per-model check
      (aiplatform REST ``publishers.models.get``, name ``publishers/*/models/*``; google-genai
      ``models.get`` in Vertex mode sends exactly this GET). The project charged and checked is the
      quota project of the ``x-goog-user-project`` header (googleapis/python-genai #2173: models.get
      checks Vertex AI enablement on the credentials' project).

Emulator conventions for refusals a real account can meet:
  * Vertex AI API disabled: a project id starting with ``no-vertex`` or listed in
    ``EmulatorSettings.vertex_disabled_projects`` gets 403 PERMISSION_DENIED, ErrorInfo reason
    ``SERVICE_DISABLED``, "Vertex AI API has not been used in project P before or it is
    disabled. ..." on every Vertex path naming it (``projects/P/...``) and on the publisher
    model GET above when ``x-goog-user-project: P``.
  * Code Assist without a licence: a bearer token containing ``unlicensed`` (``POST /token``
    issues ``emu-unlicensed-...`` for a refresh token starting with ``unlicensed``), or
    ``EmulatorSettings.codeassist_licensed = False``: 403 "You do not have a valid license of
    this product. ... (#3501)", ErrorInfo reason ``SUBSCRIPTION_REQUIRED``.
"""

from __future__ import annotations

import base64
import binascii

from aiohttp import web

from .auth import require_gemini_auth, require_vertex
from .errors import invalid_argument, model_not_found, not_found
from .models import Catalog
from .state import EMULATOR_STATE

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


def _page_size(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_PAGE_SIZE
    try:
        size = int(raw)
    except ValueError:
        raise invalid_argument(
            f"Invalid value at 'page_size' (TYPE_INT32), \"{raw}\"", "page_size"
        ) from None
    if size < 0:
        raise invalid_argument("page_size must not be negative.", "page_size")
    return DEFAULT_PAGE_SIZE if size == 0 else min(size, MAX_PAGE_SIZE)


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        kind, _, offset = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if kind != "models" or not offset.isdigit():
            raise ValueError
        return int(offset)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid_argument("Invalid page token.", "page_token") from None


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"models:{offset}".encode()).decode()


async def list_models(request: web.Request) -> web.Response:
    require_gemini_auth(request, request.app[EMULATOR_STATE], "listModels")
    size = _page_size(request.query.get("pageSize", request.query.get("page_size")))
    start = _offset(request.query.get("pageToken", request.query.get("page_token")))
    models = request.app[EMULATOR_STATE].catalog.gemini_api_models()
    page = models[start : start + size]
    body: dict = {"models": [m.resource() for m in page]}
    if start + size < len(models):
        body["nextPageToken"] = _token(start + size)
    return web.json_response(body)


async def get_model(request: web.Request) -> web.Response:
    require_gemini_auth(request, request.app[EMULATOR_STATE], "getModel")
    model = request.match_info["model"]
    catalog = request.app[EMULATOR_STATE].catalog
    info = catalog.gemini_api_model(model)
    if info is None:
        retired = catalog.retired_on(model, "gemini")
        if retired is not None:
            raise not_found(retired.gemini_message())
        raise model_not_found(model, "getModel")
    return web.json_response(info.resource())


def publisher_model(catalog: Catalog, model_id: str) -> dict:
    info = catalog.vertex_model(model_id)
    if info is None:
        raise not_found(f"Publisher Model `publishers/google/models/{model_id}` not found.")
    preview = "preview" in model_id
    return {
        "name": f"publishers/google/models/{model_id}",
        "versionId": "001" if model_id.endswith("-001") else "default",
        "openSourceCategory": "PROPRIETARY",
        "launchStage": "PUBLIC_PREVIEW" if preview else "GA",
        "versionState": "VERSION_STATE_UNSTABLE" if preview else "VERSION_STATE_STABLE",
        "publisherModelTemplate": f"projects/{{project}}/locations/{{location}}/publishers/google/models/{model_id}",
    }


async def get_publisher_model(request: web.Request) -> web.Response:
    state = request.app[EMULATOR_STATE]
    require_vertex(request, state, request.headers.get("x-goog-user-project"))
    return web.json_response(publisher_model(state.catalog, request.match_info["model"]))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/v1beta/models", list_models)
    app.router.add_get("/v1beta/models/{model:[^/:]+}", get_model)
    for version in ("v1", "v1beta1"):
        app.router.add_get(f"/{version}/publishers/google/models/{{model:[^/:]+}}", get_publisher_model)
