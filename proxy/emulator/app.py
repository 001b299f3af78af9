"""The emulator application: middleware (recording, body parsing, Google-shaped errors),
the inspection endpoints, and helpers to run it in-process or as a blocking server."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from aiohttp import web

from . import codeassist, discovery, files, gemini, interactions, oauth, veo, vertex
from .errors import GoogleError, invalid_argument
from .models import CatalogError, load_catalog, snapshots
from .settings import EmulatorSettings
from .state import EMULATOR_STATE, EmulatorState, RecordedRequest
from .store import OperationStore

log = logging.getLogger(__name__)
INSPECTION_PATH = "/emulator/requests"
CATALOG_PATH = "/emulator/catalog"


async def _parse_body(request: web.Request) -> tuple[object, GoogleError | None]:
    """JSON whatever the Content-Type (as Google parses it, so `curl -d` works); a form body
    (the OAuth token endpoint) becomes a dict of its fields."""
    if not request.can_read_body:
        return None, None
    raw = await request.read()
    if not raw.strip():
        return None, None
    form_types = ("application/x-www-form-urlencoded", "multipart/form-data")
    if request.content_type in form_types and raw.lstrip()[:1] not in (b"{", b"["):
        return {k: v for k, v in (await request.post()).items() if isinstance(v, str)}, None
    try:
        return json.loads(raw), None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, invalid_argument(f"Invalid JSON payload received. {exc}.")


@web.middleware
async def emulator_middleware(request: web.Request, handler):
    state = request.app[EMULATOR_STATE]
    parsed, parse_error = await _parse_body(request)
    record = None
    if request.path not in (INSPECTION_PATH, CATALOG_PATH):
        record = RecordedRequest(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers=dict(request.headers),
            json=parsed,
        )
        state.requests.append(record)
    request["json"] = parsed
    response = await _answer(request, handler, parse_error)
    if record is not None and state.settings.record_answers:
        record.status = response.status
        record.answer = _answer_body(response)
    return response


async def _answer(request: web.Request, handler, parse_error: GoogleError | None) -> web.StreamResponse:
    try:
        if parse_error:
            raise parse_error
        return await handler(request)
    except GoogleError as exc:
        return exc.response()
    except web.HTTPNotFound:
        return GoogleError(404, f"The requested URL {request.path} was not found on this server.",
                           "NOT_FOUND").response()
    except web.HTTPMethodNotAllowed:
        return GoogleError(405, f"Method {request.method} is not allowed for {request.path}.",
                           "METHOD_NOT_ALLOWED").response()


def _answer_body(response: web.StreamResponse) -> object:
    """The JSON of an answer (its text if it is not JSON); None for a stream or a file."""
    if not isinstance(response, web.Response) or response.content_type != "application/json":
        return None
    text = response.text or ""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


async def list_requests(request: web.Request) -> web.Response:
    return web.json_response([r.to_dict() for r in request.app[EMULATOR_STATE].requests])


async def delete_requests(request: web.Request) -> web.Response:
    """Forget the recorded requests (``?all=1``: everything, like EmulatorState.clear())."""
    state = request.app[EMULATOR_STATE]
    if request.query.get("all") in ("1", "true"):
        state.clear()
    else:
        state.requests.clear()
    return web.json_response({})


def _catalog_body(state: EmulatorState) -> dict:
    catalog = state.catalog
    return {"snapshot": catalog.snapshot, "source": catalog.source, "snapshots": snapshots(),
            "gemini_api": [m.id for m in catalog.gemini_api_models()],
            "vertex": [m.id for m in catalog.models.values() if m.vertex],
            "retired": {r.id: {"replacement": r.replacement, "apis": list(r.apis)} for r in catalog.retired.values()}}


async def get_catalog(request: web.Request) -> web.Response:
    """GET /emulator/catalog: which snapshot of Google the emulator plays now, and its ids."""
    return web.json_response(_catalog_body(request.app[EMULATOR_STATE]))


async def put_catalog(request: web.Request) -> web.Response:
    """PUT /emulator/catalog {"catalog": "2026-11" | "2026-12" | a file path}: play another Google from the
    next request on (operations and files already made stay)."""
    state = request.app[EMULATOR_STATE]
    body = request.get("json")
    name = body.get("catalog") if isinstance(body, dict) else None
    if not isinstance(name, str) or not name:
        raise invalid_argument("catalog is required: a snapshot name or a catalog file.", "catalog")
    try:
        state.catalog = load_catalog(name)
    except CatalogError as exc:
        raise invalid_argument(str(exc), "catalog") from None
    log.info("emulator: now playing Google's catalog %s", state.catalog.snapshot)
    return web.json_response(_catalog_body(state))


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "emulator": "genproxy"})


def create_emulator_app(settings: EmulatorSettings | None = None) -> web.Application:
    """A Gemini/Veo/Vertex/Code Assist emulator; ``app[EMULATOR_STATE]`` is its state."""
    app = web.Application(middlewares=[emulator_middleware], client_max_size=64 * 1024 * 1024)
    settings = settings or EmulatorSettings()
    store = OperationStore(settings.data_dir) if settings.data_dir is not None else None
    app[EMULATOR_STATE] = EmulatorState(settings=settings, store=store)
    discovery.add_routes(app)
    gemini.add_routes(app)
    veo.add_routes(app)
    files.add_routes(app)
    vertex.add_routes(app)
    codeassist.add_routes(app)
    oauth.add_routes(app)
    interactions.add_routes(app)
    app.router.add_get(INSPECTION_PATH, list_requests)
    app.router.add_delete(INSPECTION_PATH, delete_requests)
    app.router.add_get("/emulator/health", health)
    app.router.add_get(CATALOG_PATH, get_catalog)
    app.router.add_put(CATALOG_PATH, put_catalog)
    return app


@dataclass
class RunningEmulator:
    """An emulator listening on a real socket (from :func:`start_emulator`)."""

    app: web.Application
    runner: web.AppRunner
    base_url: str

    @property
    def state(self) -> EmulatorState:
        return self.app[EMULATOR_STATE]

    async def close(self) -> None:
        await self.runner.cleanup()

    async def __aenter__(self) -> RunningEmulator:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()


async def start_emulator(
    host: str = "127.0.0.1", port: int = 0, settings: EmulatorSettings | None = None
) -> RunningEmulator:
    """Start the emulator on ``host:port`` (0 = a free port) and return once it listens."""
    app = create_emulator_app(settings)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    addresses = runner.addresses  # (host, port, ...) of each listening socket
    actual_port = addresses[0][1] if addresses else port
    url_host = f"[{host}]" if ":" in host else host
    return RunningEmulator(app=app, runner=runner, base_url=f"http://{url_host}:{actual_port}")


def run_emulator(host: str, port: int, settings: EmulatorSettings | None = None) -> None:
    """Run the emulator until interrupted (``genproxy emulator``)."""
    web.run_app(
        create_emulator_app(settings),
        host=host,
        port=port,
        print=lambda msg: print(f"genproxy emulator: {msg}", flush=True),
    )
