"""Prometheus metrics at GET /metrics (prometheus-client), right with `genproxy serve --workers N`.

Two kinds: events each process counts (requests, latency, upstream calls, webhook deliveries), kept in
prometheus-client's multiprocess mode when PROMETHEUS_MULTIPROC_DIR is set (the --workers supervisor
sets it, so a scrape that lands on any worker sums them all); and states read from the shared job store
at scrape time (jobs by state, video seconds and cost by key name, credential cooldowns), the same
whichever worker answers and kept across restarts.
"""
from __future__ import annotations

import functools
import hmac
import os
import time

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from proxy.config import SETTINGS
from proxy.http.errors import ApiError
from proxy.http.middleware import OBSERVE_REQUEST
from proxy.jobs.store import JOB_STORE
from proxy.money.ledger import LEDGER
from proxy.upstreams.registry import UPSTREAMS

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)
JOB_STATES = ("submitting", "queued", "in_progress", "completed", "failed")


class Metrics:
    def __init__(self):
        self.multiproc_dir = os.environ.get(MULTIPROC_ENV)
        # labels() costs a lock and a tuple per call: each series' children are kept
        self._request_children: dict[tuple[str, str, object], tuple[Counter, Histogram]] = {}
        self._upstream_children: dict[tuple[str, str], Counter] = {}
        self.registry = CollectorRegistry()
        self.requests = Counter("genproxy_requests", "HTTP requests answered, by route, model and status",
                                ["route", "model", "status"], registry=self.registry)
        self.latency = Histogram("genproxy_request_duration_seconds", "Time to answer a request (a streamed or "
                                 "waited-for video counts until its last byte)", ["route"],
                                 buckets=LATENCY_BUCKETS, registry=self.registry)
        self.upstream = Counter("genproxy_upstream_requests", "Requests sent to Google, by backend and answer "
                                "(HTTP status, timeout, unreachable)", ["backend", "status"], registry=self.registry)
        self.webhooks = Counter("genproxy_webhook_deliveries", "Webhook delivery attempts by event and outcome "
                                "(delivered, retry, failed)", ["event", "outcome"], registry=self.registry)

    def observe_request(self, request: web.Request, status, seconds: float) -> None:
        if request.path == "/metrics":
            return
        route = request.get("route") or _path_group(request)
        # The model only once routed: a client-chosen name that routes nowhere must not mint a new series.
        model = (request.get("model") if request.get("route") else None) or "-"
        key = (route, model, status)
        children = self._request_children.get(key)
        if children is None:  # labels() costs a lock and a tuple per call: keep each series' children
            children = self._request_children[key] = (self.requests.labels(route, model, str(status)),
                                               self.latency.labels(route))
        children[0].inc()
        children[1].observe(seconds)

    def upstream_call(self, backend: str, status: str) -> None:
        child = self._upstream_children.get((backend, status))
        if child is None:
            child = self._upstream_children[(backend, status)] = self.upstream.labels(backend, status)
        child.inc()

    def counted_text(self) -> bytes:
        if self.multiproc_dir:
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry, path=self.multiproc_dir)
            return generate_latest(registry)
        return generate_latest(self.registry)


def _path_group(request: web.Request) -> str:
    """A bounded label for requests without a route: the matched path pattern (never ids or raw paths)."""
    info = request.match_info.route.resource if request.match_info.route else None
    return info.canonical if info is not None else "unmatched"


class _Snapshot:
    """A collector over values read from the store just before the scrape."""

    def __init__(self, families):
        self.families = families

    def collect(self):
        return self.families


async def store_families(app: web.Application) -> list:
    store = app[JOB_STORE]
    await app[LEDGER].flush()
    jobs = GaugeMetricFamily("genproxy_jobs", "Video jobs in the store by state", labels=["state"])
    counts = await store.job_counts()
    for state in sorted(set(JOB_STATES) | set(counts)):
        jobs.add_metric([state], counts.get(state, 0))
    cost = CounterMetricFamily("genproxy_cost_usd", "Settled cost in USD by key name and model",
                               labels=["key", "model"])
    seconds = CounterMetricFamily("genproxy_video_seconds", "Seconds of video generated by key name and model",
                                  labels=["key", "model"])
    for row in await store.ledger_costs():
        cost.add_metric([row["key_name"], row["model"]], float(row["cost_usd"] or 0))
        seconds.add_metric([row["key_name"], row["model"]], float(row["video_seconds"] or 0))
    cooling = GaugeMetricFamily("genproxy_credentials_cooling_down", "Credentials cooling down (429, refused) "
                                "by backend", labels=["backend"])
    total = GaugeMetricFamily("genproxy_credentials", "Credentials configured by backend", labels=["backend"])
    for name, upstream in app[UPSTREAMS].items():
        pool = upstream.pool
        cooling.add_metric([name], sum(1 for c in pool.all() if not pool.is_ready(c)))
        total.add_metric([name], len(pool))
    return [jobs, cost, seconds, cooling, total]


async def metrics_endpoint(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    # It names every key and its spend: with client keys configured, an admin key or the metrics_token (issue
    # 25.9); an open local proxy answers anyone who reaches it, as its /v1 paths do.
    if settings.metrics_token or settings.api_keys or settings.admin_keys:
        auth = request.headers.get("Authorization", "")
        given = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        token = settings.metrics_token is not None and hmac.compare_digest(given.encode(),
                                                                            settings.metrics_token.encode())
        if not token and not (request.get("is_admin") and request.get("client_key") is not None):
            raise ApiError(401, "GET /metrics needs 'Authorization: Bearer <metrics_token or an admin key>'.",
                           code="invalid_api_key")
    metrics: Metrics = request.app[METRICS]
    registry = CollectorRegistry()
    registry.register(_Snapshot(await store_families(request.app)))
    registry.register(_Snapshot([_scrape_time()]))
    body = metrics.counted_text() + generate_latest(registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def _scrape_time():
    family = GaugeMetricFamily("genproxy_scrape_timestamp_seconds", "When this answer was made")
    family.add_metric([], time.time())
    return family


def wire_metrics(app: web.Application) -> Metrics:
    metrics = Metrics()
    app[METRICS] = metrics
    app[OBSERVE_REQUEST] = metrics.observe_request
    app.router.add_get("/metrics", metrics_endpoint)
    return metrics


def watch_upstreams(app: web.Application, metrics: Metrics) -> None:
    for name, upstream in app[UPSTREAMS].items():
        upstream.observe = functools.partial(metrics.upstream_call, name)


#: The Prometheus metrics of this process (an app key, set by create_app).
METRICS: web.AppKey[Metrics] = web.AppKey("metrics")
