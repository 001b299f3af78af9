"""The job store's contract: the Job record and the JobStore interface both backends implement.

Backends: proxy/jobs/sqlite_store.py (embedded default, one file under data_dir) and
proxy/jobs/postgres_store.py (``jobs_db: postgresql://...``, several instances on several machines).
proxy.jobs.backends.open_store(settings) picks one. Their schemas are created and migrated at start-up (proxy/jobs/migrations.py).
"""
from __future__ import annotations

import json
import secrets
import time
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Protocol, runtime_checkable

from aiohttp import web

from proxy.http.errors import ApiError

# "submitting": recorded before the submit call, so a crash during it leaves a trace (issue 14 item 3).
UNFINISHED = ("submitting", "queued", "in_progress")
_JSON_FIELDS = ("route", "summary", "notes", "result", "error", "request")
SIGNATURE_ROWS = 100_000
"""Thought-signature cache: rows kept at most (the oldest go first)."""
SIGNATURE_CHECK_SHARE = 100
"""The cache is counted (and trimmed to SIGNATURE_ROWS) after each SIGNATURE_ROWS // SIGNATURE_CHECK_SHARE rows a
process writes, not at each write: COUNT(*) reads the whole table (issue 26)."""
REQUEST_CHARS = 256 * 1024
"""A job's recorded request is kept whole up to this size (reference images can be megabytes of base64)."""


@dataclass
class Job:
    """One long-running generation, as recorded. No secrets: credentials are named by id only."""

    id: str
    client_key_id: str
    model: str
    route: dict
    status: str = "queued"
    progress: int = 0
    operation: str | None = None
    credential_id: str | None = None
    summary: dict = field(default_factory=dict)
    notes: dict = field(default_factory=dict)
    result: dict | None = None      # {"content": str, "media": [{"sha256","size","mime_type","file_uri"}]}
    error: dict | None = None       # {"status": int, "code": str, "message": str}
    idempotency_key: str | None = None
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    completed_at: float | None = None
    expires_at: float | None = None
    request: dict | None = None     # the upstream request body, recorded before it is sent
    owner: str | None = None        # the instance polling this job ...
    lease_until: float | None = None  # ... until then; after it, any instance may take the job over

    @property
    def finished(self) -> bool:
        return self.status not in UNFINISHED


JOB_FIELDS = [f.name for f in fields(Job)]


class CapCheck:
    """When a process counts a table it keeps under ``cap`` rows: after every ``cap // SIGNATURE_CHECK_SHARE``
    rows it wrote (each write when the cap is small). Between two counts the table may pass the cap by that many
    rows per process (1 %), and a write's cost does not grow with the table."""

    def __init__(self, cap: int):
        self.cap = cap
        self.every = max(1, cap // SIGNATURE_CHECK_SHARE)
        self.written = 0

    def due(self, rows: int) -> bool:
        self.written += rows
        if self.written < self.every:
            return False
        self.written = 0
        return True


def new_job_id() -> str:
    return "video_" + secrets.token_hex(12)


def recorded_request(body: Any) -> dict:
    """The request body as JSON, or (past REQUEST_CHARS) its outline: field names and sizes."""
    text = json.dumps(body, default=repr)
    if len(text) <= REQUEST_CHARS:
        return json.loads(text)
    return {"truncated": True, "chars": len(text), "keys": sorted(body) if isinstance(body, dict) else []}


def row_to_job(values: dict) -> Job:
    values = {k: values[k] for k in JOB_FIELDS if k in values}
    for name in _JSON_FIELDS:
        if values.get(name) is not None:
            values[name] = json.loads(values[name])
    return Job(**values)


def job_to_row(job: Job) -> dict:
    values = asdict(job)
    for name in _JSON_FIELDS:
        if values[name] is not None:
            values[name] = json.dumps(values[name])
    return values


def changed_columns(job: Job, names) -> dict:
    """Only the named fields of a job, as column values: a progress update serialises one integer,
    not the whole row (its result and request JSON)."""
    values = {}
    for name in names:
        value = getattr(job, name)
        values[name] = json.dumps(value) if name in _JSON_FIELDS and value is not None else value
    return values


def media_rows(job: Job) -> list[tuple]:
    """The job_media rows of a job: (job_id, sha256, mime_type, expires_at) for each file its result names."""
    return [(job.id, m["sha256"], m["mime_type"], job.expires_at) for m in (job.result or {}).get("media", [])]


def store_unavailable(backend: str) -> ApiError:
    """What a request gets while the job store cannot be reached (never a 500)."""
    return ApiError(503, f"The job store ({backend}) cannot be reached right now; retry shortly.",
                    code="job_store_unavailable", type="service_unavailable", headers={"Retry-After": "5"})


class CapacityReached(Exception):
    """The client key already has ``cap`` unfinished jobs."""

    def __init__(self, cap: int):
        super().__init__(cap)
        self.cap = cap


# -- the ledger and webhook rows (proxy/jobs/sqlite_money.py, postgres_money.py) --
LEDGER_COLUMNS = ("id", "key_name", "model", "state", "created_at", "settled_at", "estimated_usd", "cost_usd",
                  "video_seconds", "images", "input_tokens", "output_tokens", "video_tokens")
USAGE_SUMS = ("cost_usd", "video_seconds", "images", "input_tokens", "output_tokens", "video_tokens")
GROUPS = ("key", "model", "day")
WEBHOOK_COLUMNS = ("id", "job_id", "event", "url", "body", "state", "attempts", "created_at", "next_at")


class BudgetExceeded(Exception):
    """The reservation would take the key past its limit; ``spent`` is what the period holds already."""

    def __init__(self, spent: float):
        super().__init__(spent)
        self.spent = spent


class MoneyStore(Protocol):
    """The ledger (one row per billable request: reserved, then settled or released) and webhook deliveries."""

    async def ledger_reserve(self, entry: dict, limit: float | None, since: float) -> float:
        """Insert ``entry`` (LEDGER_COLUMNS, state reserved) unless its id is there already; when ``limit`` is
        set, first check atomically (across instances) that the key's spending since ``since`` plus
        ``entry['estimated_usd']`` stays within it, else raise BudgetExceeded. Returns the spending before."""

    async def ledger_insert_many(self, rows: list[dict]) -> None:
        """Write finished entries (every LEDGER_COLUMNS value given) in one go; ids already there are skipped."""

    async def ledger_settle(self, entry_id: str, state: str, usage: dict) -> bool:
        """Close a reserved entry as ``settled`` (usage: USAGE_SUMS) or ``released`` (nothing billed); False
        when it is not reserved (closed already, or unknown)."""

    async def ledger_settle_estimate(self, entry_id: str) -> bool:
        """Close a reserved entry as settled at its estimate (Google may have billed; the answer is unknown)."""

    async def ledger_release_stale(self, before: float) -> int:
        """Release reservations made before ``before`` that nothing will close (a request whose process died,
        a job never recorded or already finished); returns how many."""

    async def ledger_spent(self, key_name: str, since: float) -> float:
        """Settled costs plus reserved estimates of a key since ``since``."""

    async def ledger_usage(self, start: float, end: float, key_name: str | None, group_by: list[str]) -> list[dict]:
        """Rows {<each of group_by (GROUPS)>: value, requests, USAGE_SUMS...} of the entries not released
        in [start, end); the key's group is named "key"."""

    async def ledger_costs(self) -> list[dict]:
        """{key_name, model, cost_usd, video_seconds} over every settled entry (for /metrics)."""

    async def webhook_add(self, hook: dict) -> bool:
        """Queue a delivery (WEBHOOK_COLUMNS); one per (job_id, event): False when it exists."""

    async def webhook_claim(self, owner: str, until: float, now: float, limit: int = 20) -> list[dict]:
        """Take due pending deliveries; each goes to one caller until ``until``."""

    async def webhook_update(self, hook_id: str, **changes: Any) -> None: ...

    async def webhooks_of(self, job_id: str) -> list[dict]: ...

    async def recent_jobs(self, client_key_id: str | None, before: float | None, limit: int) -> list[Job]:
        """Jobs newest first (of one client key, or of all), created before ``before``."""

    async def jobs_without_webhook(self, since: float) -> list[Job]:
        """Jobs finished since ``since`` with a callback_url but no queued webhook (their instance died
        between the two writes)."""

    async def job_counts(self) -> dict[str, int]:
        """status -> number of jobs (for /metrics)."""


@runtime_checkable
class JobStore(MoneyStore, Protocol):
    """Everything genproxy keeps across requests and instances (the jobs here, the money in MoneyStore).
    All times are Unix seconds."""

    async def open(self) -> None:
        """Connect, create the schema and apply the migrations not yet applied."""

    async def close(self) -> None: ...

    # -- jobs --
    async def create(self, job: Job, cap: int | None = None) -> Job:
        """Insert ``job`` atomically with the per-key cap (raises CapacityReached when ``job.client_key_id``
        has ``cap`` unfinished jobs, ``submitting`` ones included) and the idempotency key: when another job
        of the same client has ``job.idempotency_key``, that job is returned and nothing is inserted."""

    async def update(self, job: Job, **changes: Any) -> Job:
        """Change some fields of a job, in memory and in the store (only those fields are written)."""

    async def record_submitted(self, job: Job, **changes: Any) -> Job:
        """``update`` for the operation name Google just returned, as soon as the store can (before other
        waiting calls): until it is written, a crash loses an operation Google bills."""

    async def get(self, job_id: str, client_key_id: str | None = None) -> Job | None: ...

    async def by_idempotency_key(self, client_key_id: str, key: str) -> Job | None: ...

    async def unfinished_with_fingerprint(self, client_key_id: str, fingerprint: str) -> Job | None: ...

    async def count_unfinished(self, client_key_id: str) -> int: ...

    async def page(self, client_key_id: str, *, after: str | None, limit: int,
                   order: str) -> tuple[list[Job], bool]:
        """A page of a client's jobs; raises KeyError when ``after`` names no job of that client."""

    async def delete(self, job_id: str) -> None: ...

    async def media_in_use(self, now: float, sha256s) -> set[str]:
        """Those of ``sha256s`` that a job which has not expired still points to (an index look-up per file)."""

    async def expired_media(self, now: float, limit: int = 1000) -> list[dict]:
        """Up to ``limit`` {job_id, sha256, mime_type} of files whose job has expired and that no sweep has
        handled yet (forget_media drops them once their file is dealt with)."""

    async def forget_media(self, rows: list[dict]) -> None: ...

    async def prune_jobs(self, before: float, limit: int = 1000) -> int:
        """Delete up to ``limit`` finished jobs completed before ``before`` whose files are dealt with (and
        their webhook rows); the ledger keeps their money. Returns how many."""

    async def recent_completions(self, model: str, limit: int) -> list[Job]:
        """The model's newest completed jobs (how long each took: the poll schedule learns from them)."""

    # -- leases: exactly one instance polls each unfinished job --
    async def renew_leases(self, owner: str, until: float) -> set[str]:
        """Extend the leases ``owner`` still holds; returns the ids of its unfinished jobs."""

    async def claim_expired(self, owner: str, until: float, now: float, limit: int = 100) -> list[Job]:
        """Take over unfinished jobs whose lease ran out (or that have none); each goes to one caller only."""

    async def lease_owners(self) -> set[str]:
        """The owners holding unfinished jobs."""

    async def release_leases(self, owner: str) -> None:
        """Give up ``owner``'s leases now (clean shutdown), so another instance takes its jobs at once."""

    # -- thought signatures (Gemini 3 tool calls), shared by every instance --
    async def remember_signatures(self, client_key_id: str, items: dict[str, str], ttl: float) -> None: ...

    async def recall_signatures(self, client_key_id: str, ids: list[str]) -> dict[str, str]: ...

    # -- objects kept for a client key until they expire: the Responses API's stored responses and output
    # items (id -> JSON text), so previous_response_id and item_reference survive a restart and other instances.
    async def keep_objects(self, client_key_id: str, items: dict[str, str], ttl: float) -> None: ...

    async def recall_objects(self, client_key_id: str, ids: list[str]) -> dict[str, str]: ...

    async def forget_objects(self, client_key_id: str, ids: list[str]) -> int: ...

    # -- credential cooldowns: a 429 on one instance cools the credential on all --
    async def set_cooldown(self, credential_id: str, scope: str, until: float) -> None: ...

    async def cooldowns(self, now: float) -> dict[tuple[str, str], float]:
        """(credential_id, scope) -> until, for the cooldowns still running."""

    # -- models Google no longer serves, shared by every instance (proxy/catalog/retirements.py); fact is JSON --
    async def retire_model(self, api: str, model: str, fact: str, since: float) -> None: ...

    async def unretire_model(self, api: str, model: str) -> None: ...

    async def retired_models(self) -> list[dict]: ...


#: The durable job store (SQLite or PostgreSQL) (an app key, set by create_app).
JOB_STORE: web.AppKey[JobStore] = web.AppKey("job_store")
