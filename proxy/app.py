"""create_app(settings) -> web.Application: wiring only."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

import aiohttp
from aiohttp import web

from proxy import keys
from proxy.catalog import ModelCatalog, Retirements
from proxy.catalog.sync import share_retirements
from proxy.config import Settings, client_key_strings
from proxy.discovery import Doctor
from proxy.discovery.service import DoctorService, doctor_report
from proxy.handlers.admin import add_routes as add_admin_routes
from proxy.handlers.anthropic import add_routes as add_anthropic_routes
from proxy.handlers.anthropic import anthropic_errors
from proxy.handlers.chat import chat_completions
from proxy.handlers.console import add_routes as add_console_routes
from proxy.handlers.jobs_admin import list_jobs
from proxy.handlers.models import get_model, healthz, list_models
from proxy.handlers.plugin_services import CorePluginServices
from proxy.handlers.responses import add_routes as add_responses_routes
from proxy.handlers.speech import create_speech
from proxy.handlers.usage import usage
from proxy.handlers.video_edits import add_routes as add_video_edit_routes
from proxy.handlers.videos import add_routes as add_video_routes
from proxy.handlers.videos import video_object
from proxy.hookspecs import PLUGIN_SERVICES, RequestContext
from proxy.http.bodies import BodyBudget
from proxy.http.browser_guard import browser_guard_middleware
from proxy.http.errors import CLIENT_SCRUBBER, ApiError, error_middleware
from proxy.http.jsonstream import dumps_text
from proxy.http.middleware import add_request_id_header, auth_middleware, request_log_middleware
from proxy.http.openapi import add_openapi_route
from proxy.http.passthrough import passthrough_middleware, passthrough_session
from proxy.jobs.backends import open_store
from proxy.jobs.cooldowns import share_cooldowns
from proxy.jobs.lookup import job_finder
from proxy.jobs.runner import JobRunner
from proxy.jobs.webhooks import Webhooks
from proxy.media.previews import Previews
from proxy.media.signed_links import LINK_SIGNER, LinkSigner
from proxy.media.store import MediaStore
from proxy.money.ledger import Ledger
from proxy.native import add_native_routes
from proxy.native.dialect import by_dialect
from proxy.native.gemini import get_model as native_get_model
from proxy.native.gemini import list_models as native_list_models
from proxy.openrouter import add_openrouter_routes, openrouter_errors
from proxy.ops.background import background_task, every
from proxy.ops.inflight import InFlight
from proxy.ops.metrics import watch_upstreams, wire_metrics
from proxy.ops.redact import install_query_redaction, scrub
from proxy.routing.pipeline import Pipeline, PollPolicy
from proxy.routing.plugins import build_plugin_manager, declared_modalities
from proxy.routing.routes import RouteTable
from proxy.upstreams.http1 import Http1Client
from proxy.upstreams.registry import build_upstreams, watch_credentials
from proxy.upstreams.vertex import VertexUpstream

log = logging.getLogger("genproxy.app")


async def _http_session(app: web.Application):
    settings = app[keys.SETTINGS]
    connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=300)
    async with aiohttp.ClientSession(connector=connector, auto_decompress=True, trust_env=False,
                                     json_serialize=dumps_text) as session:
        app[keys.HTTP_SESSION] = session
        json_client = Http1Client(max_body=settings.max_upstream_reply_bytes) \
            if settings.upstream_client == "http1" else None
        app[keys.UPSTREAMS] = build_upstreams(settings, session, json_client)
        vertex = app[keys.UPSTREAMS].get("vertex")
        if isinstance(vertex, VertexUpstream):
            vertex.location_for = app[keys.CATALOG].vertex_location_of
        watch_upstreams(app, app[keys.METRICS])
        try:
            yield
        finally:
            if json_client is not None:
                await json_client.close()


async def _jobs(app: web.Application):
    settings = app[keys.SETTINGS]
    store = open_store(settings)
    await store.open()

    def context_for(route, client_key_id):
        return RequestContext(request_id="job-resume", upstream=app[keys.UPSTREAMS].get(route.upstream),
                              client_key_id=client_key_id, settings=settings, media=app[keys.MEDIA_STORE],
                              find_job=job_finder(store, client_key_id or ""), inflight=app[keys.INFLIGHT])

    runner = JobRunner(store, app[keys.PIPELINE], app[keys.MEDIA_STORE], settings, context_for)
    app[keys.JOB_STORE], app[keys.JOB_RUNNER] = store, runner
    ledger = runner.ledger = app[keys.LEDGER] = Ledger(store, app[keys.PIPELINE].video_modalities)
    webhooks = runner.webhooks = app[keys.WEBHOOKS] = Webhooks(store, settings, lambda: app[keys.HTTP_SESSION],
                                                               video_object, runner.owner)
    app[keys.CATALOG].retirements.store = store
    metrics = app[keys.METRICS]
    webhooks.on_attempt = lambda event, outcome: metrics.webhooks.labels(event, outcome).inc()
    try:
        await runner.resume()
        tasks = [asyncio.create_task(runner.run_leases(), name="job-leases"),
                 asyncio.create_task(webhooks.run(), name="webhooks"),
                 asyncio.create_task(ledger.run(), name="ledger")]
        yield
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await runner.close()
        with contextlib.suppress(Exception):
            await ledger.flush()
    finally:
        await store.close()


async def _remove_expired_media(app: web.Application) -> None:
    runner = app[keys.JOB_RUNNER]

    async def clean() -> None:
        await runner.remove_expired_media()
        await app[keys.LEDGER].release_stale()

    try:  # a store that is down at start-up must not end this task; `every` retries
        await clean()
    except ApiError as exc:
        log.warning("removing expired media and stale reservations failed (%s); will try again", exc.message)
    await every(app[keys.SETTINGS].cleanup_interval, clean, "removing expired media and stale reservations")


def _scrub_for_client(app: web.Application, text: str) -> str:
    """``text`` without the upstreams' credentials and base URLs, the client keys and the Gemini API keys."""
    upstreams = app.get(keys.UPSTREAMS)  # None before start-up has built them
    if upstreams is not None:
        text = upstreams.scrub(text)
    settings = app[keys.SETTINGS]
    return scrub(text, [*client_key_strings(settings), *settings.gemini_api_keys])


def create_app(settings: Settings, *, plugins: Iterable[object] = ()) -> web.Application:
    """Build the proxy. ``plugins`` are registered after the entry-point plugins (tests, embedding)."""
    install_query_redaction()  # aiohttp's access log writes ?key=... otherwise
    pm = build_plugin_manager(plugins)
    table = RouteTable.load(settings.routes_file, set(declared_modalities(pm)))

    app = web.Application(middlewares=[request_log_middleware, openrouter_errors, anthropic_errors, error_middleware,
                                       browser_guard_middleware, auth_middleware, passthrough_middleware],
                          client_max_size=settings.max_body_bytes,
                          # Bodies are decompressed by proxy.http.jsonbody, bounded, with errors in OpenAI's shape
                          # (aiohttp's own decoder answers a mismatched body with a text/plain 500).
                          handler_args={"auto_decompress": False})
    app[keys.SETTINGS] = settings
    app[CLIENT_SCRUBBER] = lambda text: _scrub_for_client(app, text)
    app[keys.PLUGIN_MANAGER] = pm
    app[PLUGIN_SERVICES] = CorePluginServices()
    app[keys.ROUTE_TABLE] = table
    families = [f for found in pm.hook.genproxy_model_families() for f in found or []]
    catalog = app[keys.CATALOG] = ModelCatalog(lambda: app[keys.ROUTE_TABLE], lambda: app[keys.UPSTREAMS], families,
                                               Retirements(), settings)
    app[keys.MEDIA_STORE] = MediaStore(settings.media_dir or settings.data_dir / "media")
    app[keys.PREVIEWS] = Previews()
    app[keys.INFLIGHT] = InFlight()
    app[keys.BODY_BUDGET] = BodyBudget(max(settings.body_bytes_in_flight, settings.max_body_bytes))
    app.on_cleanup.append(lambda app: app[keys.INFLIGHT].close())
    app[LINK_SIGNER] = LinkSigner(settings)
    app[keys.PIPELINE] = Pipeline(pm, PollPolicy(initial_delay=settings.poll_initial_delay,
                                                 max_delay=settings.poll_max_delay,
                                                 deadline=settings.job_timeout, retries=settings.poll_retries))
    app.cleanup_ctx.append(_http_session)
    app.cleanup_ctx.append(passthrough_session)
    app.cleanup_ctx.append(watch_credentials)
    app.cleanup_ctx.append(background_task(lambda app: app[keys.ROUTE_TABLE].watch(settings.routes_reload_interval)))
    app[keys.DOCTOR] = DoctorService(lambda: Doctor(app[keys.UPSTREAMS], app[keys.ROUTE_TABLE],
                                                    lambda route: pm.hook.genproxy_upstream_method(route=route),
                                                    catalog))
    if settings.discovery_at_startup:
        app.cleanup_ctx.append(background_task(lambda app: app[keys.DOCTOR].watch(settings.discovery_interval)))
    app.cleanup_ctx.append(_jobs)
    app.cleanup_ctx.append(background_task(share_cooldowns))
    app.cleanup_ctx.append(background_task(share_retirements))
    app.cleanup_ctx.append(background_task(_remove_expired_media))
    app.on_response_prepare.append(add_request_id_header)

    wire_metrics(app)
    app.router.add_get("/healthz", healthz)
    add_openapi_route(app)
    # OpenAI's model list, and the Gemini API's for google-genai 3.x (which talks v1 by default).
    app.router.add_get("/v1/models", by_dialect(list_models, native_list_models))
    app.router.add_post("/v1/chat/completions", chat_completions)
    app.router.add_post("/v1/audio/speech", create_speech)
    app.router.add_get("/v1/doctor", doctor_report)
    app.router.add_get("/v1/usage", usage)
    app.router.add_get("/v1/jobs", list_jobs)
    add_video_edit_routes(app)
    add_responses_routes(app)  # the OpenAI Responses API (Codex, the AI SDK's openai provider)
    add_anthropic_routes(app)  # the Anthropic Messages API (Claude Code, the anthropic SDKs)
    # CCS points Claude Code at /api/provider/<provider> on its port (8317): the same APIs under that prefix.
    ccs = "/api/provider/{provider}/v1"
    add_anthropic_routes(app, ccs)
    add_responses_routes(app, ccs)
    app.router.add_post(f"{ccs}/chat/completions", chat_completions)
    app.router.add_get(f"{ccs}/models", list_models)
    add_video_routes(app)
    add_admin_routes(app)
    add_console_routes(app)  # the web console at /
    add_native_routes(app)  # Google's /v1beta paths, for the google-genai SDK
    add_openrouter_routes(app)  # /api/v1: OpenRouter's paths, for clients written for OpenRouter
    for routes in pm.hook.genproxy_web_routes():
        for method, path, handler in routes or []:
            app.router.add_route(method, path, handler)
    # After the native /v1/models/{model}/operations/... paths, which it must not shadow; ids may hold a
    # slash (vertex/veo-...).
    app.router.add_get("/v1/models/{model:[^{}]{1,256}}", by_dialect(get_model, native_get_model))
    return app
