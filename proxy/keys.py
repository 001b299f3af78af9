"""The index of the objects shared through the aiohttp application, for the top layer (app, handlers, native
and OpenRouter paths, command line).

Each typed key lives beside the class it types (``proxy.jobs.store.JOB_STORE`` …) so that a service can reach
another through the app without importing this index, which imports every service; modules below the
handlers import the key from its own module. tests/core/test_import_graph.py keeps that so.
"""
from __future__ import annotations

import aiohttp
from aiohttp import web

from proxy.catalog.catalog import CATALOG
from proxy.config import SETTINGS
from proxy.discovery.service import DOCTOR
from proxy.http.bodies import BODY_BUDGET
from proxy.http.middleware import OBSERVE_REQUEST
from proxy.jobs.runner import JOB_RUNNER
from proxy.jobs.store import JOB_STORE
from proxy.jobs.webhooks import WEBHOOKS
from proxy.media.previews import PREVIEWS
from proxy.media.signed_links import LINK_SIGNER
from proxy.media.store import MEDIA_STORE
from proxy.money.ledger import LEDGER
from proxy.ops.inflight import INFLIGHT
from proxy.ops.metrics import METRICS
from proxy.routing.pipeline import PIPELINE
from proxy.routing.plugins import PLUGIN_MANAGER
from proxy.routing.routes import ROUTE_TABLE
from proxy.upstreams.registry import UPSTREAMS

#: The aiohttp client session every upstream and webhook call goes through (it types a third-party object).
HTTP_SESSION: web.AppKey[aiohttp.ClientSession] = web.AppKey("http_session", aiohttp.ClientSession)

__all__ = ["BODY_BUDGET", "CATALOG", "DOCTOR", "HTTP_SESSION", "INFLIGHT", "JOB_RUNNER", "JOB_STORE", "LEDGER", "LINK_SIGNER", "MEDIA_STORE", "METRICS", "OBSERVE_REQUEST",
           "PIPELINE", "PLUGIN_MANAGER", "PREVIEWS", "ROUTE_TABLE", "SETTINGS", "UPSTREAMS", "WEBHOOKS"]
