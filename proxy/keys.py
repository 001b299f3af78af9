"""Typed keys for the objects shared through the aiohttp application."""
from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp
import pluggy
from aiohttp import web

if TYPE_CHECKING:
    from proxy.catalog import ModelCatalog
    from proxy.config import Settings
    from proxy.discovery.service import DoctorService
    from proxy.jobs import JobRunner, JobStore
    from proxy.jobs.webhooks import Webhooks
    from proxy.ledger import Ledger
    from proxy.media.previews import Previews
    from proxy.media.store import MediaStore
    from proxy.ops.metrics import Metrics
    from proxy.routing.pipeline import Pipeline
    from proxy.routing.routes import RouteTable
    from proxy.upstreams.registry import UpstreamRegistry

SETTINGS: web.AppKey[Settings] = web.AppKey("settings")
PLUGIN_MANAGER: web.AppKey[pluggy.PluginManager] = web.AppKey("plugin_manager", pluggy.PluginManager)
ROUTE_TABLE: web.AppKey[RouteTable] = web.AppKey("route_table")
CATALOG: web.AppKey[ModelCatalog] = web.AppKey("catalog")
HTTP_SESSION: web.AppKey[aiohttp.ClientSession] = web.AppKey("http_session", aiohttp.ClientSession)
UPSTREAMS: web.AppKey[UpstreamRegistry] = web.AppKey("upstreams")
PIPELINE: web.AppKey[Pipeline] = web.AppKey("pipeline")
MEDIA_STORE: web.AppKey[MediaStore] = web.AppKey("media_store")
JOB_STORE: web.AppKey[JobStore] = web.AppKey("job_store")
JOB_RUNNER: web.AppKey[JobRunner] = web.AppKey("job_runner")
DOCTOR: web.AppKey[DoctorService] = web.AppKey("doctor")
LEDGER: web.AppKey[Ledger] = web.AppKey("ledger")
METRICS: web.AppKey[Metrics] = web.AppKey("metrics")
# Called once per request after it ends: (request, status, seconds); set by the metrics wiring.
OBSERVE_REQUEST: web.AppKey[object] = web.AppKey("observe_request")
WEBHOOKS: web.AppKey[Webhooks] = web.AppKey("webhooks")
PREVIEWS: web.AppKey[Previews] = web.AppKey("previews")
