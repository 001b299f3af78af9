"""The findings of one doctor run: per credential and per route, plain data for JSON and tables."""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

#: credential states
OK, EXPIRED, REFUSED, NO_VERTEX, UNREACHABLE, UNCHECKED = "ok", "expired", "refused", "no_vertex", "unreachable", "unchecked"
#: route states
SERVED, NOT_OFFERED, NO_METHOD, NO_CREDENTIALS = "ok", "not_offered", "no_method", "no_credentials"
#: Google no longer offers the route's model; its replacement serves it (the detail says which and why)
REPLACED = "replaced"


@dataclass
class CredentialFinding:
    credential_id: str
    upstream: str
    status: str
    detail: str = ""
    models: int | None = None     # how many models Google listed for it (Gemini API)


@dataclass
class RouteFinding:
    model: str
    modality: str
    upstream: str                 # where it is really served (after the CCS -> Vertex placement)
    target: str
    status: str
    detail: str = ""
    alias_of: str | None = None   # for a retired id: what serves it


@dataclass
class DoctorReport:
    credentials: list[CredentialFinding] = field(default_factory=list)
    routes: list[RouteFinding] = field(default_factory=list)
    checked_at: float = field(default_factory=time.time)
    #: what the Gemini API offers the keys that answered (model id -> methods); None: no key answered
    offered: dict[str, set[str]] | None = None
    #: ids Google offers that neither routes.yaml nor a model family covers
    unrouted: list[str] = field(default_factory=list)
    #: ids Google offers that routes.yaml does not name, served by their family: (id, family)
    by_family: list[tuple[str, str]] = field(default_factory=list)
    #: standard API keys (AIza...) Google refuses since September 2026
    old_keys: list[str] = field(default_factory=list)

    def failing(self) -> list[RouteFinding]:
        """Routes a client can ask for (their upstream has credentials) that nothing can serve."""
        return [r for r in self.routes if r.status in (NOT_OFFERED, NO_METHOD, "unavailable") and r.alias_of is None]

    def not_offered(self) -> list[RouteFinding]:
        """Routes whose model Google does not offer and nothing replaces: drift; /v1/models marks them unavailable
        and the console does not offer them, so a client cannot ask for them."""
        return [r for r in self.routes if r.status == NOT_OFFERED and r.alias_of is None]

    def served(self) -> list[RouteFinding]:
        return [r for r in self.routes if r.status in (SERVED, REPLACED, UNCHECKED) and r.alias_of is None]

    def without_credentials(self) -> list[RouteFinding]:
        return [r for r in self.routes if r.status == NO_CREDENTIALS and r.alias_of is None]

    @property
    def ok(self) -> bool:
        """Green when every route a client can ask for can be served, and there is at least one (routes without
        credentials are not offered to clients: /v1/models marks them unavailable and the console hides them)."""
        return not self.failing() and bool(self.served())

    def verdict(self) -> str:
        """One line that agrees with the tables."""
        bad, served, missing = self.failing(), self.served(), self.without_credentials()
        replaced = [r for r in served if r.status == REPLACED]
        tail = ""
        if missing:
            tail += (f" {len(missing)} route(s) need credentials that are not configured "
                     f"({', '.join(sorted({r.upstream for r in missing}))}): not offered to clients.")
        if replaced:
            tail += f" {len(replaced)} route(s) are served by a replacement (Google no longer serves their model)."
        if self.old_keys:
            tail += f" {len(self.old_keys)} standard API key(s) (AIza...) Google refuses since September 2026."
        if bad:
            return f"NOT OK: {len(bad)} route(s) clients can ask for cannot be served.{tail}"
        if not served:
            # A `genproxy serve --emulator` beside it has credentials of its own, which this process cannot see.
            return (f"NOT OK: no route can be served (no usable credentials).{tail} Configure a Gemini API key, "
                    "CCS token files or a Vertex service account; against the built-in emulator run "
                    "`genproxy doctor --emulator`, and for a running proxy's own report GET /v1/doctor.")
        return f"OK: {len(served)} route(s) can be served.{tail}"

    def problems(self) -> list[str]:
        lines = [f"credential {c.credential_id} ({c.upstream}): {c.status}: {c.detail}"
                 for c in self.credentials if c.status not in (OK, UNCHECKED)]
        lines += [f"route {r.model} -> {r.upstream}:{r.target}: {r.status}: {r.detail}"
                  for r in self.routes if r.status not in (SERVED, UNCHECKED, NO_CREDENTIALS)]
        return lines

    def as_dict(self) -> dict:
        return {"ok": self.ok, "verdict": self.verdict(), "checked_at": self.checked_at,
                "credentials": [asdict(c) for c in self.credentials], "routes": [asdict(r) for r in self.routes],
                "drift": {"by_family": [{"model": m, "family": f} for m, f in self.by_family],
                          "unrouted": self.unrouted, "standard_api_keys": self.old_keys}}
