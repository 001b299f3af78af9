"""The shared job store: PostgreSQL through asyncpg, for several genproxy instances on several machines.

Atomic steps across instances: the per-key cap and idempotency key are checked and the job inserted under
a transaction-scoped advisory lock on the client key; leases are claimed with FOR UPDATE SKIP LOCKED, so
two instances never take the same job; migrations run under a global advisory lock.
"""
from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import time
from typing import Any

from proxy.config import ConfigError
from proxy.jobs import migrations
from proxy.jobs.migrations import UNFINISHED_SQL
from proxy.jobs.postgres_money import PostgresMoney
from proxy.jobs.store import (
    SIGNATURE_ROWS,
    CapacityReached,
    CapCheck,
    Job,
    changed_columns,
    job_to_row,
    media_rows,
    row_to_job,
    store_unavailable,
)

try:
    import asyncpg
except ImportError:  # open() says how to install it
    asyncpg = None

log = logging.getLogger("genproxy.jobs.postgres")
# The server is down, restarting, out of connections, or the network failed: a 503 to retry, not a 500.
UNAVAILABLE: tuple[type[BaseException], ...] = (OSError, asyncio.TimeoutError) + ((
    asyncpg.InterfaceError, asyncpg.PostgresConnectionError, asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InsufficientResourcesError,
    # A connection the server closed in the middle of a query ("cannot switch to state ...").
    asyncpg.InternalClientError) if asyncpg is not None else ())

MIGRATION_LOCK = 0x67656E70  # "genp": one instance migrates at a time
POOL_SIZE = 10
# record_submitted's own connections (below): a burst's operation names are written at most this many at a time.
RECORD_POOL_SIZE = 2


def _redacted(url: str) -> str:
    """The URL without its password, for messages."""
    head, sep, tail = url.partition("@")
    if not sep:
        return url
    scheme, _, userinfo = head.partition("://")
    return f"{scheme}://{userinfo.split(':', 1)[0]}:***@{tail}"


def _unavailable_as_503(cls):
    """Every public coroutine method but open/close: a lost server is ApiError 503 job_store_unavailable."""
    def wrap(fn):
        @functools.wraps(fn)
        async def call(self, *args, **kwargs):
            try:
                return await fn(self, *args, **kwargs)
            except UNAVAILABLE as exc:
                log.warning("PostgreSQL job store unavailable in %s: %s: %s", fn.__name__, exc.__class__.__name__, exc)
                raise store_unavailable("PostgreSQL") from None
        return call

    for name, fn in list(vars(cls).items()):
        if not name.startswith("_") and name not in ("open", "close") and inspect.iscoroutinefunction(fn):
            setattr(cls, name, wrap(fn))
    return cls


_unavailable_as_503(PostgresMoney)  # the ledger and webhook methods too


@_unavailable_as_503
class PostgresJobStore(PostgresMoney):
    def __init__(self, url: str, *, max_signatures: int = SIGNATURE_ROWS):
        self.url = url
        self.max_signatures = max_signatures
        self._signature_count = CapCheck(max_signatures)
        self._pool: Any = None  # an asyncpg.Pool once open (asyncpg ships no type information)
        self._records: Any = None  # record_submitted's pool

    def __repr__(self) -> str:
        return f"PostgresJobStore({_redacted(self.url)!r})"

    async def open(self) -> None:
        if asyncpg is None:
            raise ConfigError("jobs_db is a PostgreSQL URL but asyncpg is not installed: "
                              "pip install 'genproxy[postgres]'")
        try:
            self._pool = await asyncpg.create_pool(self.url, min_size=1, max_size=POOL_SIZE)
            self._records = await asyncpg.create_pool(self.url, min_size=1, max_size=RECORD_POOL_SIZE)
        except (OSError, asyncpg.PostgresError, ValueError) as exc:
            raise ConfigError(f"jobs_db: cannot connect to {_redacted(self.url)}: {exc}") from None
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            await conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                               "(version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)")
            done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
            for version, script in migrations.POSTGRES:
                if version not in done:
                    await conn.execute(script)
                    await conn.execute("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                                       version, time.time())

    async def schema_version(self) -> int:
        return await self._pool.fetchval("SELECT MAX(version) FROM schema_migrations")

    async def close(self) -> None:
        if self._records is not None:
            await self._records.close()
            self._records = None
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    # -- jobs --
    async def create(self, job: Job, cap: int | None = None) -> Job:
        row = job_to_row(job)
        names = ", ".join(row)
        marks = ", ".join(f"${i}" for i in range(1, len(row) + 1))
        async with self._pool.acquire() as conn, conn.transaction():
            # Serialise creates of one client key across every instance until this transaction ends.
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext('genproxy-key:' || $1))", job.client_key_id)
            if job.idempotency_key is not None:
                earlier = await conn.fetchrow("SELECT * FROM jobs WHERE client_key_id = $1 AND idempotency_key = $2",
                                              job.client_key_id, job.idempotency_key)
                if earlier is not None:
                    return row_to_job(dict(earlier))
            if cap is not None:
                count = await conn.fetchval(f"SELECT COUNT(*) FROM jobs WHERE client_key_id = $1 AND {UNFINISHED_SQL}",
                                            job.client_key_id)
                if count >= cap:
                    raise CapacityReached(cap)
            await conn.execute(f"INSERT INTO jobs ({names}) VALUES ({marks})", *row.values())
        return job

    async def record_submitted(self, job: Job, **changes: Any) -> Job:
        """update, on connections of its own. Through the shared pool, the name waited for a connection behind
        every create of a burst: each create holds one of the POOL_SIZE while it waits for its client key's
        advisory lock (the per-key cap), so the operation name Google had returned queued behind all the creates
        of the same key, tens of ms in which a SIGKILL lost it (issue 25 item 8)."""
        changes["updated_at"] = time.time()
        for name, value in changes.items():
            setattr(job, name, value)
        row = changed_columns(job, changes)
        assignments = ", ".join(f"{n} = ${i}" for i, n in enumerate(row, start=2))
        await self._records.execute(f"UPDATE jobs SET {assignments} WHERE id = $1", job.id, *row.values())
        return job

    async def update(self, job: Job, **changes: Any) -> Job:
        changes["updated_at"] = time.time()
        for name, value in changes.items():
            setattr(job, name, value)
        row = changed_columns(job, changes)
        assignments = ", ".join(f"{n} = ${i}" for i, n in enumerate(row, start=2))
        statement = f"UPDATE jobs SET {assignments} WHERE id = $1"
        if "result" not in changes and "expires_at" not in changes:
            await self._pool.execute(statement, job.id, *row.values())
            return job
        async with self._pool.acquire() as conn, conn.transaction():  # the job and its files, together
            await conn.execute(statement, job.id, *row.values())
            await conn.execute("DELETE FROM job_media WHERE job_id = $1", job.id)
            await conn.executemany("INSERT INTO job_media (job_id, sha256, mime_type, expires_at) VALUES "
                                   "($1, $2, $3, $4) ON CONFLICT DO NOTHING", media_rows(job))
        return job

    async def get(self, job_id: str, client_key_id: str | None = None) -> Job | None:
        if client_key_id is None:
            row = await self._pool.fetchrow("SELECT * FROM jobs WHERE id = $1", job_id)
        else:
            row = await self._pool.fetchrow("SELECT * FROM jobs WHERE id = $1 AND client_key_id = $2",
                                            job_id, client_key_id)
        return row_to_job(dict(row)) if row else None

    async def by_idempotency_key(self, client_key_id: str, key: str) -> Job | None:
        row = await self._pool.fetchrow("SELECT * FROM jobs WHERE client_key_id = $1 AND idempotency_key = $2",
                                        client_key_id, key)
        return row_to_job(dict(row)) if row else None

    async def unfinished_with_fingerprint(self, client_key_id: str, fingerprint: str) -> Job | None:
        """The client's newest unfinished job made from an identical request (summary.request_sha256)."""
        row = await self._pool.fetchrow(
            f"SELECT * FROM jobs WHERE client_key_id = $1 AND {UNFINISHED_SQL} "
            "AND (summary::jsonb ->> 'request_sha256') = $2 ORDER BY created_at DESC LIMIT 1",
            client_key_id, fingerprint)
        return row_to_job(dict(row)) if row else None

    async def count_unfinished(self, client_key_id: str) -> int:
        return await self._pool.fetchval(f"SELECT COUNT(*) FROM jobs WHERE client_key_id = $1 AND {UNFINISHED_SQL}",
                                         client_key_id)

    async def page(self, client_key_id: str, *, after: str | None, limit: int, order: str) -> tuple[list[Job], bool]:
        direction, compare = ("DESC", "<") if order == "desc" else ("ASC", ">")
        args: list[Any] = [client_key_id]
        where = "client_key_id = $1"
        if after:
            anchor = await self._pool.fetchrow("SELECT created_at, id FROM jobs WHERE id = $1 AND client_key_id = $2",
                                               after, client_key_id)
            if anchor is None:
                raise KeyError(after)
            where += f" AND (created_at, id) {compare} ($2, $3)"
            args += [anchor["created_at"], anchor["id"]]
        rows = await self._pool.fetch(f"SELECT * FROM jobs WHERE {where} ORDER BY created_at {direction}, "
                                      f"id {direction} LIMIT ${len(args) + 1}", *args, limit + 1)
        jobs = [row_to_job(dict(r)) for r in rows]
        return jobs[:limit], len(jobs) > limit

    async def delete(self, job_id: str) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute("DELETE FROM jobs WHERE id = $1", job_id)
            await conn.execute("DELETE FROM job_media WHERE job_id = $1", job_id)

    async def media_in_use(self, now: float, sha256s) -> set[str]:
        sha256s = list(set(sha256s))
        if not sha256s:
            return set()
        rows = await self._pool.fetch("SELECT DISTINCT sha256 FROM job_media WHERE sha256 = ANY($1) AND "
                                      "(expires_at IS NULL OR expires_at > $2)", sha256s, now)
        return {r["sha256"] for r in rows}

    async def expired_media(self, now: float, limit: int = 1000) -> list[dict]:
        rows = await self._pool.fetch("SELECT job_id, sha256, mime_type FROM job_media WHERE expires_at <= $1 "
                                      "LIMIT $2", now, limit)
        return [dict(r) for r in rows]

    async def forget_media(self, rows: list[dict]) -> None:
        await self._pool.executemany("DELETE FROM job_media WHERE job_id = $1 AND sha256 = $2",
                                     [(r["job_id"], r["sha256"]) for r in rows])

    async def prune_jobs(self, before: float, limit: int = 1000) -> int:
        async with self._pool.acquire() as conn, conn.transaction():
            ids = [r["id"] for r in await conn.fetch(
                f"SELECT id FROM jobs WHERE completed_at IS NOT NULL AND completed_at < $1 AND NOT ({UNFINISHED_SQL}) "
                "AND NOT EXISTS (SELECT 1 FROM job_media WHERE job_media.job_id = jobs.id) LIMIT $2 "
                "FOR UPDATE SKIP LOCKED", before, limit)]
            if not ids:
                return 0
            await conn.execute("DELETE FROM webhooks WHERE job_id = ANY($1)", ids)
            await conn.execute("DELETE FROM jobs WHERE id = ANY($1)", ids)
        return len(ids)

    async def recent_completions(self, model: str, limit: int) -> list[Job]:
        rows = await self._pool.fetch("SELECT * FROM jobs WHERE model = $1 AND status = 'completed' AND "
                                      "completed_at IS NOT NULL ORDER BY completed_at DESC LIMIT $2", model, limit)
        return [row_to_job(dict(r)) for r in rows]

    # -- leases --
    async def renew_leases(self, owner: str, until: float) -> set[str]:
        rows = await self._pool.fetch(f"UPDATE jobs SET lease_until = $1 WHERE owner = $2 AND {UNFINISHED_SQL} "
                                      "RETURNING id", until, owner)
        return {r["id"] for r in rows}

    async def claim_expired(self, owner: str, until: float, now: float, limit: int = 100) -> list[Job]:
        rows = await self._pool.fetch(
            f"UPDATE jobs SET owner = $1, lease_until = $2 WHERE id IN (SELECT id FROM jobs WHERE {UNFINISHED_SQL} "
            "AND (lease_until IS NULL OR lease_until < $3) ORDER BY created_at LIMIT $4 FOR UPDATE SKIP LOCKED) "
            "RETURNING *", owner, until, now, limit)
        return sorted((row_to_job(dict(r)) for r in rows), key=lambda j: j.created_at)

    async def lease_owners(self) -> set[str]:
        rows = await self._pool.fetch(f"SELECT DISTINCT owner FROM jobs WHERE owner IS NOT NULL AND {UNFINISHED_SQL}")
        return {r["owner"] for r in rows}

    async def release_leases(self, owner: str) -> None:
        await self._pool.execute(f"UPDATE jobs SET owner = NULL, lease_until = NULL WHERE owner = $1 "
                                 f"AND {UNFINISHED_SQL}", owner)

    # -- thought signatures --
    async def remember_signatures(self, client_key_id: str, items: dict[str, str], ttl: float) -> None:
        if not items:
            return
        now = time.time()
        due = self._signature_count.due(len(items))  # counting reads the whole table: now and then (CapCheck)
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute("DELETE FROM thought_signatures WHERE expires_at <= $1", now)
            await conn.executemany(
                "INSERT INTO thought_signatures (client_key_id, tool_call_id, signature, expires_at) "
                "VALUES ($1, $2, $3, $4) ON CONFLICT (client_key_id, tool_call_id) DO UPDATE SET "
                "signature = excluded.signature, expires_at = excluded.expires_at",
                [(client_key_id, k, v, now + ttl) for k, v in items.items()])
            if not due:
                return
            extra = await conn.fetchval("SELECT COUNT(*) FROM thought_signatures") - self.max_signatures
            if extra > 0:
                await conn.execute("DELETE FROM thought_signatures WHERE ctid IN (SELECT ctid FROM thought_signatures "
                                   "ORDER BY expires_at LIMIT $1)", extra)

    async def recall_signatures(self, client_key_id: str, ids: list[str]) -> dict[str, str]:
        if not ids:
            return {}
        rows = await self._pool.fetch("SELECT tool_call_id, signature FROM thought_signatures WHERE "
                                      "client_key_id = $1 AND tool_call_id = ANY($2) AND expires_at > $3",
                                      client_key_id, list(ids), time.time())
        return {r["tool_call_id"]: r["signature"] for r in rows}

    # -- models Google no longer serves (proxy/catalog/retirements.py) --
    async def retire_model(self, api: str, model: str, fact: str, since: float) -> None:
        await self._pool.execute(
            "INSERT INTO model_retirements (api, model, fact, since) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (api, model) DO UPDATE SET fact = excluded.fact", api, model, fact, since)

    async def unretire_model(self, api: str, model: str) -> None:
        await self._pool.execute("DELETE FROM model_retirements WHERE api = $1 AND model = $2", api, model)

    async def retired_models(self) -> list[dict]:
        rows = await self._pool.fetch("SELECT api, model, fact, since FROM model_retirements")
        return [dict(r) for r in rows]
    # -- kept objects (stored Responses API responses and their items) --
    async def keep_objects(self, client_key_id: str, items: dict[str, str], ttl: float) -> None:
        if not items:
            return
        now = time.time()
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute("DELETE FROM kept_objects WHERE expires_at <= $1", now)
            await conn.executemany(
                "INSERT INTO kept_objects (client_key_id, id, body, expires_at) VALUES ($1, $2, $3, $4) "
                "ON CONFLICT (client_key_id, id) DO UPDATE SET body = excluded.body, expires_at = excluded.expires_at",
                [(client_key_id, k, v, now + ttl) for k, v in items.items()])

    async def recall_objects(self, client_key_id: str, ids: list[str]) -> dict[str, str]:
        if not ids:
            return {}
        rows = await self._pool.fetch("SELECT id, body FROM kept_objects WHERE client_key_id = $1 AND id = ANY($2) "
                                      "AND expires_at > $3", client_key_id, list(ids), time.time())
        return {r["id"]: r["body"] for r in rows}

    async def forget_objects(self, client_key_id: str, ids: list[str]) -> int:
        if not ids:
            return 0
        status = await self._pool.execute("DELETE FROM kept_objects WHERE client_key_id = $1 AND id = ANY($2)",
                                          client_key_id, list(ids))
        return int(status.rsplit(" ", 1)[-1])

    # -- credential cooldowns --
    async def set_cooldown(self, credential_id: str, scope: str, until: float) -> None:
        await self._pool.execute(
            "INSERT INTO credential_cooldowns (credential_id, scope, until) VALUES ($1, $2, $3) "
            "ON CONFLICT (credential_id, scope) DO UPDATE SET "
            "until = GREATEST(credential_cooldowns.until, excluded.until)", credential_id, scope, until)

    async def cooldowns(self, now: float) -> dict[tuple[str, str], float]:
        rows = await self._pool.fetch("SELECT credential_id, scope, until FROM credential_cooldowns WHERE until > $1",
                                      now)
        return {(r["credential_id"], r["scope"]): r["until"] for r in rows}
