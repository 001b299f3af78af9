"""The findings of one doctor run: per credential and per route, plain data for JSON and tables."""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

#: credential states
OK, EXPIRED, REFUSED, NO_VERTEX, UNREACHABLE, UNCHECKED = "ok", "expired", "refused", "no_vertex", "unreachable", "unchecked"
#: route states
SERVED, NOT_OFFERED, NO_METHOD, NO_CREDENTIALS = "ok", "not_offered", "no_method", "no_credentials"


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

    @property
    def ok(self) -> bool:
        """Green when every listed route whose upstream has credentials can be served."""
        return not any(r.status in (NOT_OFFERED, NO_METHOD, "unavailable") and r.alias_of is None for r in self.routes)

    def problems(self) -> list[str]:
        lines = [f"credential {c.credential_id} ({c.upstream}): {c.status}: {c.detail}"
                 for c in self.credentials if c.status not in (OK, UNCHECKED)]
        lines += [f"route {r.model} -> {r.upstream}:{r.target}: {r.status}: {r.detail}"
                  for r in self.routes if r.status not in (SERVED, UNCHECKED, NO_CREDENTIALS)]
        return lines

    def as_dict(self) -> dict:
        return {"ok": self.ok, "checked_at": self.checked_at,
                "credentials": [asdict(c) for c in self.credentials], "routes": [asdict(r) for r in self.routes]}
