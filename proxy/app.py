"""create_app(settings) -> web.Application: wiring only."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable

import aiohttp
from aiohttp import web

from proxy import keys
from proxy.config import Settings
from proxy.errors import error_middleware
from proxy.handlers.chat import chat_completions
from proxy.handlers.models import healthz, list_models
from proxy.media_store import MediaStore
from proxy.middleware import add_request_id_header, auth_middleware, request_log_middleware
from proxy.pipeline import Pipeline, PollPolicy
from proxy.plugins import build_plugin_manager, declared_modalities
from proxy.routes import RouteTable
from proxy.upstreams.registry import build_upstreams


async def _http_session(app: web.Application):
    settings = app[keys.SETTINGS]
    connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=300)
    async with aiohttp.ClientSession(connector=connector, auto_decompress=True, trust_env=False) as session:
        app[keys.HTTP_SESSION] = session
        app[keys.UPSTREAMS] = build_upstreams(settings, session)
        yield


async def _watch_routes(app: web.Application):
    table = app[keys.ROUTE_TABLE]
    task = asyncio.create_task(table.watch(app[keys.SETTINGS].routes_reload_interval))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def create_app(settings: Settings, *, plugins: Iterable[object] = ()) -> web.Application:
    """Build the proxy. ``plugins`` are registered after the entry-point plugins (tests, embedding)."""
    pm = build_plugin_manager(plugins)
    table = RouteTable.load(settings.routes_file, set(declared_modalities(pm)))

    app = web.Application(middlewares=[request_log_middleware, error_middleware, auth_middleware],
                          client_max_size=settings.max_body_bytes)
    app[keys.SETTINGS] = settings
    app[keys.PLUGIN_MANAGER] = pm
    app[keys.ROUTE_TABLE] = table
    app[keys.MEDIA_STORE] = MediaStore(settings.data_dir / "media")
    app[keys.PIPELINE] = Pipeline(pm, PollPolicy(initial_delay=settings.poll_initial_delay,
                                                 max_delay=settings.poll_max_delay,
                                                 deadline=settings.video_deadline, retries=settings.poll_retries))
    app.cleanup_ctx.append(_http_session)
    app.cleanup_ctx.append(_watch_routes)
    app.on_response_prepare.append(add_request_id_header)

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/v1/models", list_models)
    app.router.add_post("/v1/chat/completions", chat_completions)
    for routes in pm.hook.genproxy_web_routes():
        for method, path, handler in routes or []:
            app.router.add_route(method, path, handler)
    return app
