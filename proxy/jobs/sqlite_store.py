"""The embedded job store: one SQLite file in WAL mode, written by one thread so the event loop never blocks.

Several processes may share the file (`genproxy serve --workers N`): every check-then-write runs in a
BEGIN IMMEDIATE transaction, which SQLite serialises across processes, and leases decide who polls what.
"""
from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from proxy.jobs import migrations
from proxy.jobs.lane import LaneExecutor
from proxy.jobs.migrations import UNFINISHED_SQL
from proxy.jobs.sqlite_money import SqliteMoney
from proxy.jobs.sqlite_records import RecordConnection
from proxy.jobs.sqlite_shared import SqliteShared
from proxy.jobs.store import (
    SIGNATURE_ROWS,
    UNFINISHED,
    CapacityReached,
    CapCheck,
    Job,
    changed_columns,
    job_to_row,
    media_rows,
    row_to_job,
    store_unavailable,
)
from proxy.ops.private import private_dir, private_file

T = TypeVar("T")
assert UNFINISHED_SQL == "status IN (" + ", ".join(f"'{s}'" for s in UNFINISHED) + ")"
BUSY_TIMEOUT_MS = 30_000


def _statements(script: str) -> list[str]:
    """The script's statements, one by one (a trigger's body holds semicolons: a piece ends a statement only
    when SQLite says it is complete)."""
    statements, piece = [], ""
    for part in script.split(";"):
        piece += part + ";"
        if sqlite3.complete_statement(piece):
            if piece.strip(" \n;"):
                statements.append(piece.strip())
            piece = ""
    return statements


#: how long opening waits for another process that is creating or migrating the same file
OPEN_RETRY_SECONDS = 10.0


class SqliteJobStore(SqliteMoney, SqliteShared):
    """Async facade over SQLite; every call runs on one dedicated thread (one writer per process)."""

    def __init__(self, path: Path, *, max_signatures: int = SIGNATURE_ROWS):
        self.path = path
        self.max_signatures = max_signatures
        self._signature_count = CapCheck(max_signatures)
        self._executor = LaneExecutor("genproxy-jobs")
        self._db: sqlite3.Connection | None = None
        self._records = RecordConnection(path)  # record_submitted's, on the event loop's thread

    def __repr__(self) -> str:
        return f"SqliteJobStore({str(self.path)!r})"

    @property
    def db(self) -> sqlite3.Connection:
        """The connection open() made."""
        if self._db is None:
            raise RuntimeError("the SQLite job store is not open")
        return self._db

    async def _run(self, fn: Callable[..., T], *args: Any, urgent: bool = False) -> T:
        try:
            return await asyncio.wrap_future(self._executor.submit(fn, *args, urgent=urgent))
        except sqlite3.OperationalError as exc:
            # Another process held the write lock past busy_timeout, or the disk failed: retryable, not a 500.
            if "locked" in str(exc) or "busy" in str(exc) or "disk I/O" in str(exc):
                raise store_unavailable("SQLite") from None
            raise

    def _transaction(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run fn(db) in a write transaction that holds SQLite's lock from its first statement."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            result = fn(db)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return result

    # -- opening and migrating --
    async def open(self) -> None:
        await self._run(self._open)
        self._records.open()  # after _open: the file exists and is in WAL mode

    def _open(self) -> None:
        private_dir(self.path.parent)
        private_file(self.path)
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        db.row_factory = sqlite3.Row
        db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self._db = db
        # Several processes opening a new file at once (serve --workers): switching it to WAL and the first
        # migration need the lock, and SQLite answers "database is locked" at once for the journal-mode switch
        # instead of waiting busy_timeout. Wait for the other process a little, then go on.
        deadline = time.monotonic() + OPEN_RETRY_SECONDS
        while True:
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                self._transaction(self._migrate)
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    @staticmethod
    def _migrate(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at REAL NOT NULL)")
        done = {row[0] for row in db.execute("SELECT version FROM schema_migrations")}
        for version, script in migrations.SQLITE:
            if version in done:
                continue
            for statement in _statements(script):
                db.execute(statement)
            db.execute("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", (version, time.time()))

    async def schema_version(self) -> int:
        return await self._run(lambda: self.db.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0])

    async def close(self) -> None:
        self._records.close()
        if self._db is not None:
            await self._run(self._db.close)
            self._db = None
        self._executor.shutdown(wait=True)

    # -- jobs --
    async def create(self, job: Job, cap: int | None = None) -> Job:
        row = job_to_row(job)
        names = ", ".join(row)
        marks = ", ".join(f":{n}" for n in row)

        def insert(db: sqlite3.Connection) -> Job:
            if job.idempotency_key is not None:
                earlier = db.execute("SELECT * FROM jobs WHERE client_key_id = ? AND idempotency_key = ?",
                                     (job.client_key_id, job.idempotency_key)).fetchone()
                if earlier is not None:
                    return row_to_job(dict(earlier))
            if cap is not None:
                count = db.execute(f"SELECT COUNT(*) FROM jobs WHERE client_key_id = ? AND {UNFINISHED_SQL}",
                                   (job.client_key_id,)).fetchone()[0]
                if count >= cap:
                    raise CapacityReached(cap)
            db.execute(f"INSERT INTO jobs ({names}) VALUES ({marks})", row)
            return job

        return await self._run(self._transaction, insert)

    async def record_submitted(self, job: Job, **changes: Any) -> Job:
        """update, at once and on this thread (proxy/jobs/sqlite_records.py): Google accepted the operation (and
        bills it) and only this write keeps its name across a crash. When another writer holds the lock past a
        few ms, the write goes ahead of every call waiting for the store's thread (proxy/jobs/lane.py)."""
        changes["updated_at"] = time.time()
        for name, value in changes.items():
            setattr(job, name, value)
        row = changed_columns(job, changes)
        statement = f"UPDATE jobs SET {', '.join(f'{n} = :{n}' for n in row)} WHERE id = :id"
        params = {**row, "id": job.id}
        try:
            written = self._records.write(statement, params)
        except sqlite3.OperationalError as exc:
            if "disk I/O" in str(exc):
                raise store_unavailable("SQLite") from None
            raise
        if not written:
            await self._run(self.db.execute, statement, params, urgent=True)
        return job

    async def update(self, job: Job, **changes: Any) -> Job:
        changes["updated_at"] = time.time()
        for name, value in changes.items():
            setattr(job, name, value)
        row = changed_columns(job, changes)
        assignments = ", ".join(f"{n} = :{n}" for n in row)
        statement = f"UPDATE jobs SET {assignments} WHERE id = :id"
        if "result" not in changes and "expires_at" not in changes:
            await self._run(self.db.execute, statement, {**row, "id": job.id})
            return job

        def write(db: sqlite3.Connection) -> None:  # the job and its files, together
            db.execute(statement, {**row, "id": job.id})
            db.execute("DELETE FROM job_media WHERE job_id = ?", (job.id,))
            db.executemany("INSERT OR IGNORE INTO job_media (job_id, sha256, mime_type, expires_at) "
                           "VALUES (?, ?, ?, ?)", media_rows(job))

        await self._run(self._transaction, write)
        return job

    async def get(self, job_id: str, client_key_id: str | None = None) -> Job | None:
        def query():
            if client_key_id is None:
                return self.db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
            return self.db.execute("SELECT * FROM jobs WHERE id = ? AND client_key_id = ?",
                                    (job_id, client_key_id)).fetchone()

        row = await self._run(query)
        return row_to_job(dict(row)) if row else None

    async def by_idempotency_key(self, client_key_id: str, key: str) -> Job | None:
        row = await self._run(lambda: self.db.execute(
            "SELECT * FROM jobs WHERE client_key_id = ? AND idempotency_key = ?", (client_key_id, key)).fetchone())
        return row_to_job(dict(row)) if row else None

    async def unfinished_with_fingerprint(self, client_key_id: str, fingerprint: str) -> Job | None:
        """The client's newest unfinished job made from an identical request (summary.request_sha256)."""
        row = await self._run(lambda: self.db.execute(
            f"SELECT * FROM jobs WHERE client_key_id = ? AND {UNFINISHED_SQL} "
            "AND json_extract(summary, '$.request_sha256') = ? ORDER BY created_at DESC LIMIT 1",
            (client_key_id, fingerprint)).fetchone())
        return row_to_job(dict(row)) if row else None

    async def count_unfinished(self, client_key_id: str) -> int:
        return await self._run(lambda: self.db.execute(
            f"SELECT COUNT(*) FROM jobs WHERE client_key_id = ? AND {UNFINISHED_SQL}",
            (client_key_id,)).fetchone()[0])

    async def page(self, client_key_id: str, *, after: str | None, limit: int, order: str) -> tuple[list[Job], bool]:
        direction, compare = ("DESC", "<") if order == "desc" else ("ASC", ">")

        def query():
            args: list[Any] = [client_key_id]
            where = "client_key_id = ?"
            if after:
                anchor = self.db.execute("SELECT created_at, id FROM jobs WHERE id = ? AND client_key_id = ?",
                                          (after, client_key_id)).fetchone()
                if anchor is None:
                    return None
                where += f" AND (created_at, id) {compare} (?, ?)"
                args += [anchor["created_at"], anchor["id"]]
            return self.db.execute(f"SELECT * FROM jobs WHERE {where} ORDER BY created_at {direction}, id {direction} "
                                    f"LIMIT ?", (*args, limit + 1)).fetchall()

        rows = await self._run(query)
        if rows is None:
            raise KeyError(after)
        jobs = [row_to_job(dict(r)) for r in rows]
        return jobs[:limit], len(jobs) > limit

    async def delete(self, job_id: str) -> None:
        def forget(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))
            db.execute("DELETE FROM job_media WHERE job_id = ?", (job_id,))

        await self._run(self._transaction, forget)

    async def media_in_use(self, now: float, sha256s) -> set[str]:
        sha256s = list(set(sha256s))
        if not sha256s:
            return set()
        marks = ", ".join("?" for _ in sha256s)
        rows = await self._run(lambda: self.db.execute(
            f"SELECT DISTINCT sha256 FROM job_media WHERE sha256 IN ({marks}) AND (expires_at IS NULL OR "
            "expires_at > ?)", (*sha256s, now)).fetchall())
        return {r["sha256"] for r in rows}

    async def expired_media(self, now: float, limit: int = 1000) -> list[dict]:
        rows = await self._run(lambda: self.db.execute(
            "SELECT job_id, sha256, mime_type FROM job_media WHERE expires_at <= ? LIMIT ?", (now, limit)).fetchall())
        return [dict(r) for r in rows]

    async def forget_media(self, rows: list[dict]) -> None:
        await self._run(self._transaction, lambda db: db.executemany(
            "DELETE FROM job_media WHERE job_id = ? AND sha256 = ?", [(r["job_id"], r["sha256"]) for r in rows]))

    async def prune_jobs(self, before: float, limit: int = 1000) -> int:
        def prune(db: sqlite3.Connection) -> int:
            ids = [r[0] for r in db.execute(
                f"SELECT id FROM jobs WHERE completed_at IS NOT NULL AND completed_at < ? AND NOT ({UNFINISHED_SQL}) "
                "AND NOT EXISTS (SELECT 1 FROM job_media WHERE job_media.job_id = jobs.id) LIMIT ?",
                (before, limit))]
            db.executemany("DELETE FROM webhooks WHERE job_id = ?", [(i,) for i in ids])
            db.executemany("DELETE FROM jobs WHERE id = ?", [(i,) for i in ids])
            return len(ids)

        return await self._run(self._transaction, prune)

    async def recent_completions(self, model: str, limit: int) -> list[Job]:
        rows = await self._run(lambda: self.db.execute(
            "SELECT * FROM jobs WHERE model = ? AND status = 'completed' AND completed_at IS NOT NULL "
            "ORDER BY completed_at DESC LIMIT ?", (model, limit)).fetchall())
        return [row_to_job(dict(r)) for r in rows]

    # -- leases --
    async def renew_leases(self, owner: str, until: float) -> set[str]:
        rows = await self._run(lambda: self.db.execute(
            f"UPDATE jobs SET lease_until = ? WHERE owner = ? AND {UNFINISHED_SQL} RETURNING id",
            (until, owner)).fetchall())
        return {r["id"] for r in rows}

    async def claim_expired(self, owner: str, until: float, now: float, limit: int = 100) -> list[Job]:
        # One statement: SQLite runs it under its write lock, so two processes never claim the same job.
        rows = await self._run(lambda: self.db.execute(
            f"UPDATE jobs SET owner = ?, lease_until = ? WHERE id IN (SELECT id FROM jobs WHERE "
            f"{UNFINISHED_SQL} AND (lease_until IS NULL OR lease_until < ?) ORDER BY created_at LIMIT ?) "
            f"RETURNING *", (owner, until, now, limit)).fetchall())
        return sorted((row_to_job(dict(r)) for r in rows), key=lambda j: j.created_at)

    async def lease_owners(self) -> set[str]:
        rows = await self._run(lambda: self.db.execute(
            f"SELECT DISTINCT owner FROM jobs WHERE owner IS NOT NULL AND {UNFINISHED_SQL}").fetchall())
        return {r["owner"] for r in rows}

    async def release_leases(self, owner: str) -> None:
        await self._run(self.db.execute, f"UPDATE jobs SET owner = NULL, lease_until = NULL WHERE owner = ? "
                                          f"AND {UNFINISHED_SQL}", (owner,))
