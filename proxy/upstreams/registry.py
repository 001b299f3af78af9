"""Build the upstream backends of one app from the settings."""
from __future__ import annotations

from dataclasses import replace

import aiohttp
from aiohttp import web

from proxy.config import SETTINGS, Settings
from proxy.credentials import CredentialStore
from proxy.http.errors import ApiError
from proxy.ops.background import background_task
from proxy.ops.redact import scrub
from proxy.routing.routes import Route
from proxy.upstreams.base import Upstream
from proxy.upstreams.codeassist import CodeAssistUpstream
from proxy.upstreams.gemini import GeminiUpstream
from proxy.upstreams.http1 import Http1Client
from proxy.upstreams.vertex import VertexUpstream, vertex_project_of


class UpstreamRegistry:
    """The backend for each upstream name of routes.yaml."""

    def __init__(self, upstreams: dict[str, Upstream], store: CredentialStore | None = None):
        self._upstreams = upstreams
        self.store = store

    def get(self, name: str) -> Upstream:
        try:
            return self._upstreams[name]
        except KeyError:
            raise ApiError(503, f"The '{name}' upstream is not configured.", code="upstream_not_configured",
                           type="service_unavailable") from None

    def items(self):
        return self._upstreams.items()

    def place(self, route: Route) -> Route:
        """Where a route is really served. A gemini route with no Gemini API key but with Vertex
        credentials (CCS / Gemini CLI token files, service accounts) goes to Vertex AI with the catalog's
        Vertex id of the model: Google refuses OAuth tokens on the Gemini API, so sending them there
        could only fail (403 ACCESS_TOKEN_SCOPE_INSUFFICIENT)."""
        if route.upstream != "gemini" or not route.vertex_target or "vertex" not in self._upstreams:
            return route  # no Vertex id in the catalog (Omni: Interactions API on the Gemini API only)
        if len(self._upstreams["gemini"].pool) or not len(self._upstreams["vertex"].pool):
            return route
        return replace(route, upstream="vertex", target=route.vertex_target)

    def placement_note(self) -> str | None:
        """One line for start-up: how gemini routes are served with the credentials at hand."""
        gemini, vertex = self._upstreams["gemini"].pool, self._upstreams.get("vertex")
        if len(gemini) or vertex is None or not len(vertex.pool):
            return None
        projects = sorted({getattr(vertex, "project", None) or vertex_project_of(c) or "?" for c in vertex.pool.all()})
        return (f"no Gemini API key: gemini routes are served through Vertex AI (project {', '.join(projects)}) "
                f"with {len(vertex.pool)} OAuth/service-account credential(s), using each model's vertex_target")

    def secrets(self) -> list[str]:
        """Every secret in use now (refreshed tokens included): for log redaction."""
        found = [s for up in self._upstreams.values() for c in up.pool.all() for s in c.secrets()]
        if self.store is not None:
            found += self.store.secrets()
        return list(dict.fromkeys(found))

    def scrub(self, text: str) -> str:
        """Text without any live credential of any upstream, nor any upstream's base URL."""
        for upstream in self._upstreams.values():
            text = upstream.scrub(text)
        return scrub(text, self.store.secrets() if self.store is not None else [])

    def describe(self) -> list[dict]:
        """Each credential's state, without secrets."""
        return self.store.describe() if self.store is not None else []

    async def watch(self, interval: float) -> None:
        if self.store is not None:
            await self.store.watch(interval)


def build_upstreams(settings: Settings, session: aiohttp.ClientSession,
                    json_client: Http1Client | None = None) -> UpstreamRegistry:
    """The three Google backends; their JSON calls go through ``json_client`` when given (else aiohttp)."""
    store = CredentialStore(settings, session).load()
    timeout = settings.upstream_timeout
    registry = UpstreamRegistry({
        "gemini": GeminiUpstream(session, store.pools["gemini"], settings.gemini_base_url, timeout),
        "vertex": VertexUpstream(session, store.pools["vertex"], settings.vertex_base_url, timeout,
                                 location=settings.vertex_location, project=settings.vertex_project),
        "codeassist": CodeAssistUpstream(session, store.pools["codeassist"], settings.codeassist_base_url, timeout),
    }, store)
    for _, upstream in registry.items():
        upstream.json_client = json_client
        upstream.max_event_bytes = settings.upstream_max_event_bytes
    return registry


# cleanup_ctx: poll the auth dir while the app runs (after the entry that builds the upstreams).
watch_credentials = background_task(
    lambda app: app[UPSTREAMS].watch(app[SETTINGS].auth_dir_poll_interval))


#: The upstreams by name, with their credential pools (an app key, set by create_app).
UPSTREAMS: web.AppKey[UpstreamRegistry] = web.AppKey("upstreams")
