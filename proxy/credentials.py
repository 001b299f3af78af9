"""Credential pools: one per upstream, round-robin, with cooldown after quota errors.

This module holds API keys; OAuth token files and service accounts plug into the
same Credential/CredentialPool shapes.
"""
from __future__ import annotations

import hashlib
import itertools
import math
import time
from dataclasses import dataclass, field

from proxy.errors import ApiError

MAX_BACKOFF = 300.0
AUTH_FAILURE_COOLDOWN = 1800.0


@dataclass(eq=False)
class Credential:
    """One way to authenticate upstream. ``id`` is safe to log; the secret never is."""

    id: str
    kind: str
    secret: str = field(repr=False)
    email: str | None = None
    project_id: str | None = None
    cooling_until: float = 0.0
    failures: int = 0

    async def auth_headers(self) -> dict[str, str]:
        if self.kind == "api_key":
            return {"x-goog-api-key": self.secret}
        return {"Authorization": f"Bearer {self.secret}"}

    def secrets(self) -> list[str]:
        return [self.secret]


def api_key_credential(key: str) -> Credential:
    digest = hashlib.sha256(key.encode()).hexdigest()[:8]
    return Credential(id=f"key-{digest}", kind="api_key", secret=key)


class CredentialPool:
    """Round-robin over the credentials that are not cooling down."""

    def __init__(self, upstream: str, credentials: list[Credential] | None = None, clock=time.monotonic):
        self.upstream = upstream
        self._credentials: list[Credential] = list(credentials or [])
        self._counter = itertools.count()
        self._clock = clock

    def __len__(self) -> int:
        return len(self._credentials)

    def all(self) -> list[Credential]:
        return list(self._credentials)

    def replace(self, credentials: list[Credential]) -> None:
        self._credentials = list(credentials)

    def get(self, credential_id: str | None) -> Credential | None:
        return next((c for c in self._credentials if c.id == credential_id), None)

    def pick(self, exclude: set[str] = frozenset()) -> Credential:
        """The next usable credential; 429 with Retry-After when every one is cooling down."""
        candidates = [c for c in self._credentials if c.id not in exclude]
        if not self._credentials:
            raise ApiError(503, f"No credentials are configured for the '{self.upstream}' upstream. "
                                "Set GEMINI_API_KEY or put CCS token files in GENPROXY_AUTH_DIR.",
                           code="no_credentials", type="service_unavailable")
        now = self._clock()
        ready = [c for c in candidates if c.cooling_until <= now]
        if ready:
            return ready[next(self._counter) % len(ready)]
        cooling = candidates or self._credentials
        wait = max(1, math.ceil(min(c.cooling_until for c in cooling) - now))
        raise ApiError(429, f"Every credential of the '{self.upstream}' upstream is cooling down after quota "
                            f"or auth errors; retry in {wait} s.",
                       code="rate_limit_exceeded", headers={"Retry-After": str(wait)})

    def report_success(self, credential: Credential) -> None:
        credential.failures = 0
        credential.cooling_until = 0.0

    def report_quota(self, credential: Credential, retry_delay: float | None) -> None:
        credential.failures += 1
        delay = retry_delay if retry_delay is not None else min(MAX_BACKOFF, 2.0 ** credential.failures)
        credential.cooling_until = self._clock() + delay

    def report_auth_failure(self, credential: Credential) -> None:
        credential.failures += 1
        credential.cooling_until = self._clock() + AUTH_FAILURE_COOLDOWN
