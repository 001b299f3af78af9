"""The job store: one SQLite file in WAL mode, written by one thread so the event loop never blocks."""
from __future__ import annotations

import asyncio
import fcntl
import json
import secrets
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from proxy.config import ConfigError

UNFINISHED = ("queued", "in_progress")

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    client_key_id TEXT NOT NULL,
    model TEXT NOT NULL,
    route TEXT NOT NULL,
    operation TEXT,
    credential_id TEXT,
    status TEXT NOT NULL,
    progress INTEGER NOT NULL DEFAULT 0,
    summary TEXT NOT NULL DEFAULT '{}',
    notes TEXT NOT NULL DEFAULT '{}',
    result TEXT,
    error TEXT,
    idempotency_key TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    completed_at REAL,
    expires_at REAL
);
CREATE INDEX IF NOT EXISTS jobs_by_client ON jobs (client_key_id, created_at);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_by_idempotency ON jobs (client_key_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE TABLE IF NOT EXISTS thought_signatures (
    client_key_id TEXT NOT NULL,
    tool_call_id TEXT NOT NULL,
    signature TEXT NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (client_key_id, tool_call_id)
);
CREATE INDEX IF NOT EXISTS thought_signatures_by_expiry ON thought_signatures (expires_at);
"""

_JSON_FIELDS = ("route", "summary", "notes", "result", "error")


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

    @property
    def finished(self) -> bool:
        return self.status not in UNFINISHED


def new_job_id() -> str:
    return "video_" + secrets.token_hex(12)


def _row_to_job(row: sqlite3.Row) -> Job:
    values = dict(row)
    for name in _JSON_FIELDS:
        if values[name] is not None:
            values[name] = json.loads(values[name])
    return Job(**values)


def _job_to_row(job: Job) -> dict:
    values = asdict(job)
    for name in _JSON_FIELDS:
        if values[name] is not None:
            values[name] = json.dumps(values[name])
    return values


class JobStore:
    """Async facade over SQLite; every call runs on one dedicated thread (one writer)."""

    def __init__(self, path: Path, *, max_signatures: int = 50_000):
        self.path = path
        # Row cap of thought_signatures: past it, the rows closest to expiry (the oldest) go first.
        self.max_signatures = max_signatures
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="genproxy-jobs")
        self._db: sqlite3.Connection | None = None
        self._lock = None

    async def _run(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def open(self) -> None:
        await self._run(self._open)

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Two processes on one store would both resume and poll the same jobs: the second one refuses.
        self._lock = open(self.path.with_name(self.path.name + ".lock"), "w")  # noqa: SIM115 - held while open
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            self._lock = None
            raise ConfigError(f"the job store {self.path} is in use by another genproxy process; give each "
                              "instance its own data_dir (or jobs_db)") from None
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(SCHEMA)
        self._db = db

    async def close(self) -> None:
        if self._db is not None:
            await self._run(self._db.close)
            self._db = None
        if self._lock is not None:
            self._lock.close()
            self._lock = None
        self._executor.shutdown(wait=True)

    async def insert(self, job: Job) -> None:
        row = _job_to_row(job)
        names = ", ".join(row)
        marks = ", ".join(f":{n}" for n in row)
        await self._run(self._db.execute, f"INSERT INTO jobs ({names}) VALUES ({marks})", row)

    async def update(self, job: Job, **changes: Any) -> Job:
        """Change some fields of a job, in memory and on disk."""
        changes["updated_at"] = time.time()
        for name, value in changes.items():
            setattr(job, name, value)
        row = {k: v for k, v in _job_to_row(job).items() if k in changes}
        assignments = ", ".join(f"{n} = :{n}" for n in row)
        await self._run(self._db.execute, f"UPDATE jobs SET {assignments} WHERE id = :id", {**row, "id": job.id})
        return job

    async def get(self, job_id: str, client_key_id: str | None = None) -> Job | None:
        def query():
            if client_key_id is None:
                return self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
            return self._db.execute("SELECT * FROM jobs WHERE id = ? AND client_key_id = ?",
                                    (job_id, client_key_id)).fetchone()

        row = await self._run(query)
        return _row_to_job(row) if row else None

    async def by_idempotency_key(self, client_key_id: str, key: str) -> Job | None:
        row = await self._run(lambda: self._db.execute(
            "SELECT * FROM jobs WHERE client_key_id = ? AND idempotency_key = ?", (client_key_id, key)).fetchone())
        return _row_to_job(row) if row else None

    async def unfinished(self) -> list[Job]:
        rows = await self._run(lambda: self._db.execute(
            "SELECT * FROM jobs WHERE status IN ('queued', 'in_progress') ORDER BY created_at").fetchall())
        return [_row_to_job(r) for r in rows]

    async def count_unfinished(self, client_key_id: str) -> int:
        return await self._run(lambda: self._db.execute(
            "SELECT COUNT(*) FROM jobs WHERE client_key_id = ? AND status IN ('queued', 'in_progress')",
            (client_key_id,)).fetchone()[0])

    async def page(self, client_key_id: str, *, after: str | None, limit: int, order: str) -> tuple[list[Job], bool]:
        """A page of a client's jobs, newest first for order=desc; `after` is the id the last page ended on."""
        direction, compare = ("DESC", "<") if order == "desc" else ("ASC", ">")

        def query():
            args: list[Any] = [client_key_id]
            where = "client_key_id = ?"
            if after:
                anchor = self._db.execute("SELECT created_at, id FROM jobs WHERE id = ? AND client_key_id = ?",
                                          (after, client_key_id)).fetchone()
                if anchor is None:
                    return None
                where += f" AND (created_at, id) {compare} (?, ?)"
                args += [anchor["created_at"], anchor["id"]]
            return self._db.execute(f"SELECT * FROM jobs WHERE {where} ORDER BY created_at {direction}, id {direction} "
                                    f"LIMIT ?", (*args, limit + 1)).fetchall()

        rows = await self._run(query)
        if rows is None:
            raise KeyError(after)
        jobs = [_row_to_job(r) for r in rows]
        return jobs[:limit], len(jobs) > limit

    async def delete(self, job_id: str) -> None:
        await self._run(self._db.execute, "DELETE FROM jobs WHERE id = ?", (job_id,))

    async def media_in_use(self, now: float) -> set[str]:
        """SHA-256 of every media file a job that has not expired still points to."""
        rows = await self._run(lambda: self._db.execute(
            "SELECT result FROM jobs WHERE result IS NOT NULL AND (expires_at IS NULL OR expires_at > ?)",
            (now,)).fetchall())
        return {m["sha256"] for r in rows for m in json.loads(r["result"]).get("media", [])}

    async def expired(self, now: float) -> list[Job]:
        rows = await self._run(lambda: self._db.execute(
            "SELECT * FROM jobs WHERE expires_at IS NOT NULL AND expires_at <= ?", (now,)).fetchall())
        return [_row_to_job(r) for r in rows]

    # -- Gemini thought signatures of tool calls (see plugins/gemini_chat/signatures.py)

    async def remember_signatures(self, client_key_id: str, items: dict[str, str], ttl: float) -> None:
        """Keep tool_call_id -> signature for ``ttl`` seconds; drops expired rows, then the oldest past the cap."""
        if not items:
            return
        now = time.time()

        def write():
            with self._db:  # one transaction
                self._db.execute("BEGIN")
                self._db.execute("DELETE FROM thought_signatures WHERE expires_at <= ?", (now,))
                self._db.executemany(
                    "INSERT INTO thought_signatures (client_key_id, tool_call_id, signature, expires_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (client_key_id, tool_call_id) DO UPDATE SET "
                    "signature = excluded.signature, expires_at = excluded.expires_at",
                    [(client_key_id, call_id, signature, now + ttl) for call_id, signature in items.items()])
                excess = self._db.execute("SELECT COUNT(*) FROM thought_signatures").fetchone()[0] - self.max_signatures
                if excess > 0:
                    self._db.execute(
                        "DELETE FROM thought_signatures WHERE rowid IN "
                        "(SELECT rowid FROM thought_signatures ORDER BY expires_at, rowid LIMIT ?)", (excess,))

        await self._run(write)

    async def recall_signatures(self, client_key_id: str, ids: list[str]) -> dict[str, str]:
        """The signatures still known for some of this client's tool call ids."""
        ids = list(dict.fromkeys(i for i in ids if i))
        if not ids:
            return {}
        now = time.time()

        def query():
            found: dict[str, str] = {}
            for start in range(0, len(ids), 500):  # SQLite's bound-parameter limit
                chunk = ids[start:start + 500]
                marks = ", ".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT tool_call_id, signature FROM thought_signatures WHERE client_key_id = ? "
                    f"AND tool_call_id IN ({marks}) AND expires_at > ?", (client_key_id, *chunk, now)).fetchall()
                found.update((r["tool_call_id"], r["signature"]) for r in rows)
            return found

        return await self._run(query)


JOB_FIELDS = [f.name for f in fields(Job)]
