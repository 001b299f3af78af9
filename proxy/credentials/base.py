"""Credentials and the round-robin pool with cooldowns.

A :class:`Credential` is one way to authenticate upstream (an API key, an OAuth token file,
a service account). Its ``id`` is safe to log and show; its secrets never are.

Cooldown state lives in the pool, per credential: one OAuth token serves several upstreams
(gemini, vertex, codeassist) whose quotas are separate, so a 429 from Code Assist must not
take the token out of the Vertex pool. A quota 429 of a call to one model cools the (credential,
model) pair only: Google's quotas are per model (ai.google.dev/gemini-api/docs/rate-limits, "Rate
limits are applied per project, per model"), so Veo's daily quota must not stop text (issue 25.4).
"""
from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime

from proxy.http.errors import ApiError

MAX_BACKOFF = 300.0
AUTH_FAILURE_COOLDOWN = 1800.0
#: after a 401 on a refreshable token: short, the next use refreshes it first
STALE_TOKEN_COOLDOWN = 30.0

#: joins an upstream and a model in the scope of a shared cooldown ("gemini|veo-3.1-generate-preview")
MODEL_SCOPE = "|"
ALL_UPSTREAMS = frozenset({"gemini", "vertex", "codeassist"})


class CredentialUnavailable(ApiError):
    """A credential cannot be used right now (its refresh failed, its file is broken).

    The sender takes it out of rotation and tries the next one; the client sees this only
    when no credential is left.
    """

    def __init__(self, message: str, *, permanent: bool = True):
        super().__init__(502, message, code="upstream_credential_unavailable", type="upstream_error")
        self.permanent = permanent


@dataclass(eq=False)
class Credential:
    """One way to authenticate upstream. ``id`` is safe to log; the secret never is."""

    id: str
    kind: str
    secret: str = field(default="", repr=False)
    email: str | None = None
    project_id: str | None = None
    upstreams: frozenset[str] = ALL_UPSTREAMS
    source: str | None = None  # where it came from: "config", a file path

    @property
    def expiry(self) -> datetime | None:
        return None

    @property
    def refreshable(self) -> bool:
        return False

    async def auth_headers(self) -> dict[str, str]:
        if self.kind == "api_key":
            return {"x-goog-api-key": self.secret}
        return {"Authorization": f"Bearer {self.secret}"}

    def invalidate(self) -> None:
        """The upstream refused the access token: refresh it before the next use (if possible)."""

    def secrets(self) -> list[str]:
        return [s for s in [self.secret] if s]

    def describe(self) -> dict:
        """What `genproxy credentials` shows: no secrets."""
        expiry = self.expiry
        return {"id": self.id, "kind": self.kind, "upstreams": sorted(self.upstreams), "email": self.email,
                "project": self.project_id, "expiry": expiry.isoformat() if expiry else None,
                "source": self.source}


def api_key_credential(key: str) -> Credential:
    digest = hashlib.sha256(key.encode()).hexdigest()[:8]
    return Credential(id=f"key-{digest}", kind="api_key", secret=key, upstreams=frozenset({"gemini"}),
                      source="config")


@dataclass
class CooldownState:
    cooling_until: float = 0.0
    failures: int = 0
    reason: str | None = None
    #: model -> monotonic end of its quota cooldown on this credential
    models: dict[str, float] = field(default_factory=dict)


_HINTS = {
    "gemini": "Set GEMINI_API_KEY. (CCS token files are not accepted by the Gemini API; with only those, gemini "
              "routes are served through Vertex AI.)",
    "vertex": "Put CCS token files (type gemini, with a project_id) in GENPROXY_AUTH_DIR, "
              "or set vertex_service_account_file in the config.",
    "codeassist": "Put Gemini CLI / CCS OAuth token files (type gemini) in GENPROXY_AUTH_DIR.",
}


class CredentialPool:
    """Round-robin over the credentials that are not cooling down."""

    def __init__(self, upstream: str, credentials: list[Credential] | None = None, clock=time.monotonic):
        self.upstream = upstream
        self._credentials: list[Credential] = list(credentials or [])
        self._state: dict[str, CooldownState] = {}
        self._next = 0
        self._clock = clock
        # Told of each quota cooldown (credential id, upstream, wall-clock end), to share it with other instances.
        self.on_cooldown: Callable[[str, str, float], None] | None = None

    def __len__(self) -> int:
        return len(self._credentials)

    def all(self) -> list[Credential]:
        return list(self._credentials)

    def replace(self, credentials: list[Credential]) -> None:
        self._credentials = list(credentials)
        live = {c.id for c in self._credentials}
        self._state = {k: v for k, v in self._state.items() if k in live}

    def get(self, credential_id: str | None) -> Credential | None:
        return next((c for c in self._credentials if c.id == credential_id), None)

    def state(self, credential: Credential) -> CooldownState:
        return self._state.setdefault(credential.id, CooldownState())

    def cooling_until(self, credential: Credential, model: str | None = None) -> float:
        """Monotonic time until which the credential rests (0: usable); with ``model``, also for that model."""
        state = self._state.get(credential.id)
        until = state.cooling_until if state else 0.0
        if model is not None and state is not None:
            until = max(until, state.models.get(model, 0.0))
        return until

    def is_ready(self, credential: Credential, model: str | None = None) -> bool:
        return self.cooling_until(credential, model) <= self._clock()

    def any_ready(self, model: str | None = None) -> bool:
        return any(self.is_ready(c, model) for c in self._credentials)

    def next_ready(self, exclude: AbstractSet[str] = frozenset(), model: str | None = None) -> Credential | None:
        """The next usable credential (for ``model``) in round-robin order, or None."""
        creds = self._credentials
        n = len(creds)
        start = self._next
        for i in range(n):
            candidate = creds[(start + i) % n]
            if candidate.id not in exclude and self.is_ready(candidate, model):
                self._next = (start + i + 1) % n
                return candidate
        return None

    def pick(self, exclude: AbstractSet[str] = frozenset(), model: str | None = None) -> Credential:
        """The next usable credential; 429 with Retry-After when every one is cooling down."""
        if not self._credentials:
            raise ApiError(503, f"No credentials are configured for the '{self.upstream}' upstream. "
                                + _HINTS.get(self.upstream, ""),
                           code="no_credentials", type="service_unavailable")
        found = self.next_ready(exclude, model)
        if found is not None:
            return found
        raise self.all_cooling_error(model)

    def retry_after(self, model: str | None = None) -> int:
        """Seconds until the first credential is usable again (at least 1)."""
        now = self._clock()
        untils = [self.cooling_until(c, model) for c in self._credentials] or [now]
        return max(1, math.ceil(min(untils) - now))

    def all_cooling_error(self, model: str | None = None) -> ApiError:
        wait = self.retry_after(model)
        when = time.strftime("%H:%M:%S", time.localtime(time.time() + wait))
        return ApiError(429, f"Every credential of the '{self.upstream}' upstream is cooling down after quota "
                             f"or auth errors; retry in {wait} s (at {when}).",
                        code="rate_limit_exceeded", headers={"Retry-After": str(wait)})

    def report_success(self, credential: Credential, model: str | None = None) -> None:
        """The credential works: its own cooldown ends (another model's quota cooldown stays)."""
        state = self._state.get(credential.id)
        if state is None:
            return
        now = self._clock()
        state.models = {m: u for m, u in state.models.items() if u > now and m != model}
        if state.models:
            state.cooling_until, state.failures, state.reason = 0.0, 0, None
        else:
            self._state.pop(credential.id, None)

    def report_quota(self, credential: Credential, retry_delay: float | None, model: str | None = None) -> None:
        """A 429: the credential rests (for ``model`` only when the call named one)."""
        state = self.state(credential)
        state.failures += 1
        delay = retry_delay if retry_delay is not None else min(MAX_BACKOFF, 2.0 ** state.failures)
        if model is not None:
            state.models[model] = self._clock() + max(0.0, delay)
        else:
            state.cooling_until = self._clock() + max(0.0, delay)
            state.reason = "quota"
        if self.on_cooldown is not None:
            scope = self.upstream if model is None else f"{self.upstream}{MODEL_SCOPE}{model}"
            self.on_cooldown(credential.id, scope, time.time() + max(0.0, delay))

    def adopt_cooldown(self, credential_id: str, until: float, model: str | None = None) -> None:
        """A quota cooldown another instance reported (``until``: wall-clock time); never shortens ours."""
        credential = self.get(credential_id)
        if credential is None:
            return
        ends = self._clock() + (until - time.time())
        state = self.state(credential)
        if model is not None:
            state.models[model] = max(ends, state.models.get(model, 0.0))
        elif ends > state.cooling_until:
            state.cooling_until = ends
            state.reason = "quota"

    def report_auth_failure(self, credential: Credential, cooldown: float = AUTH_FAILURE_COOLDOWN) -> None:
        state = self.state(credential)
        state.failures += 1
        state.cooling_until = self._clock() + cooldown
        state.reason = "auth"

    def describe(self) -> list[dict]:
        now, wall = self._clock(), time.time()

        def when(until: float) -> str:
            return datetime.fromtimestamp(wall + until - now).astimezone().isoformat(timespec="seconds")

        rows = []
        for c in self._credentials:
            state = self._state.get(c.id)
            cooling = state.cooling_until - now if state and state.cooling_until > now else 0
            row: dict[str, object] = {"id": c.id, "cooling_until": when(state.cooling_until) if state and cooling else None,
                   "reason": state.reason if state and cooling else None}
            models = {m: when(u) for m, u in (state.models.items() if state else ()) if u > now}
            if models:
                row["models_cooling_until"] = models
            rows.append(row)
        return rows
