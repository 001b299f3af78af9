"""Build the upstream backends of one app from the settings."""
from __future__ import annotations

import aiohttp

from proxy.config import Settings
from proxy.credentials import CredentialPool, api_key_credential
from proxy.errors import ApiError
from proxy.upstreams.base import Upstream
from proxy.upstreams.gemini import GeminiUpstream


class UpstreamRegistry:
    """The backend for each upstream name of routes.yaml."""

    def __init__(self, upstreams: dict[str, Upstream]):
        self._upstreams = upstreams

    def get(self, name: str) -> Upstream:
        try:
            return self._upstreams[name]
        except KeyError:
            raise ApiError(503, f"The '{name}' upstream is not configured.", code="upstream_not_configured",
                           type="service_unavailable") from None

    def items(self):
        return self._upstreams.items()

    def secrets(self) -> list[str]:
        return [s for up in self._upstreams.values() for c in up.pool.all() for s in c.secrets()]


def build_upstreams(settings: Settings, session: aiohttp.ClientSession) -> UpstreamRegistry:
    gemini_pool = CredentialPool("gemini", [api_key_credential(k) for k in settings.gemini_api_keys])
    return UpstreamRegistry({
        "gemini": GeminiUpstream(session, gemini_pool, settings.gemini_base_url, settings.upstream_timeout),
    })
