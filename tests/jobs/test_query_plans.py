"""Every hot query of the job store finds its rows through an index, on SQLite and on PostgreSQL (issue 26).

Each store operation a request or a background sweep runs is called on a real store while its statements are
recorded; each statement is then EXPLAINed with the same parameters. A walk over a whole table (SQLite's
"SCAN jobs", PostgreSQL's "Seq Scan on jobs" with sequential scans priced out, or an index walked from end to
end without a condition) fails the test with the operation, the statement and its plan: that walk is what made
a create take 209 ms at 100k stored jobs. Walking a partial index over the unfinished jobs (at most
max_jobs_per_key per key, a few thousand in all) is allowed.
"""
from __future__ import annotations

import json
import re
import time
from contextlib import asynccontextmanager
from types import SimpleNamespace

try:
    import asyncpg
except ImportError:
    asyncpg = None

from proxy.jobs.backends import open_store
from proxy.jobs.migrations import UNFINISHED_SQL
from proxy.jobs.store import Job, new_job_id

BIG_TABLES = ("jobs", "ledger", "job_media", "webhooks", "thought_signatures", "kept_objects", "ledger_days")
# Partial indexes: walking them reads the unfinished jobs or the open reservations only.
SMALL_INDEXES = {"jobs_unfinished_by_client", "jobs_unfinished_by_time", "ledger_reserved"}
# Ordered by the index and stopped by LIMIT: reads `limit` rows whatever the table holds.
LIMITED_WALKS = {"recent_jobs of every key": {"jobs_by_time"}, "expired_media": {"job_media_by_expiry"}}
SKIPPED = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SELECT pg_advisory|INSERT INTO (jobs|ledger|webhooks|job_media)"
                     r" \(|SELECT 1 FROM ledger WHERE id|SET )", re.I)


class Recorder:
    """Stands in for the store's connection (SQLite) or pool (asyncpg), writing down each statement."""

    pooled: tuple = ()  # asyncpg's Pool and Connection classes, when asyncpg is installed

    def __init__(self, inner, log: list):
        self._inner = inner
        self._log = log

    def __getattr__(self, name):
        attr = getattr(self._inner, name)
        if name in ("execute", "executemany", "fetch", "fetchrow", "fetchval"):
            def call(sql, *args, **kwargs):
                # SQLite takes the parameters as one argument, asyncpg as several; executemany: the first set.
                params = args if isinstance(self._inner, Recorder.pooled) else (args[0] if args else ())
                if name == "executemany":
                    rows = list(args[0])
                    if not rows:
                        return attr(sql, rows, **kwargs)
                    params, args = rows[0], (rows, *args[1:])
                self._log.append((sql, params))
                return attr(sql, *args, **kwargs)
            return call
        if name == "acquire":
            @asynccontextmanager
            async def acquire():
                async with attr() as conn:
                    yield Recorder(conn, self._log)
            return acquire
        return attr


if asyncpg is not None:
    Recorder.pooled = (asyncpg.Pool, asyncpg.Connection, asyncpg.pool.PoolConnectionProxy)


def job(client="key-a", **fields) -> Job:
    return Job(id=new_job_id(), client_key_id=client, model="veo-3.1-generate-preview", route={"model": "veo"},
               **fields)


async def hot_operations(store, record):
    """(name, coroutine factory) for every query a request, start-up, lease take-over or sweep runs."""
    now = time.time()
    done = job(status="completed", completed_at=now - 10, expires_at=now + 3600,
               summary={"request_sha256": "f" * 64, "callback_url": "https://example.com/hook"})
    await store.create(done)
    await store.update(done, result={"message": {}, "media": [{"sha256": "a" * 64, "size": 1, "mime_type": "video/mp4"}]})
    running = job(status="in_progress", summary={"request_sha256": "e" * 64}, owner="me", lease_until=now + 30)
    await store.create(running)
    entry = {"id": "req_1", "key_name": "key-a", "model": "veo", "created_at": now, "estimated_usd": 1.0}
    return [
        ("create (cap and Idempotency-Key)", lambda: store.create(job(idempotency_key="idem-1"), cap=16)),
        ("count_unfinished (the per-key cap)", lambda: store.count_unfinished("key-a")),
        ("by_idempotency_key", lambda: store.by_idempotency_key("key-a", "idem-1")),
        ("unfinished_with_fingerprint (attach to running)", lambda: store.unfinished_with_fingerprint("key-a", "e" * 64)),
        ("get", lambda: store.get(done.id, "key-a")),
        ("page after a job", lambda: store.page("key-a", after=done.id, limit=20, order="desc")),
        ("update progress", lambda: store.update(running, progress=50)),
        ("update result (job_media)", lambda: store.update(
            running, expires_at=now + 3600,
            result={"media": [{"sha256": "b" * 64, "size": 1, "mime_type": "video/mp4"}]})),
        ("media_in_use (delete)", lambda: store.media_in_use(now, ["a" * 64, "b" * 64])),
        ("delete", lambda: store.delete(new_job_id())),
        ("expired_media", lambda: store.expired_media(now, 1000)),
        ("forget_media", lambda: store.forget_media([{"job_id": done.id, "sha256": "c" * 64}])),
        ("prune_jobs (retention)", lambda: store.prune_jobs(now - 86400, 1000)),
        ("recent_completions (poll schedule)", lambda: store.recent_completions("veo-3.1-generate-preview", 200)),
        ("renew_leases", lambda: store.renew_leases("me", now + 30)),
        ("claim_expired (lease take-over)", lambda: store.claim_expired("other", now + 30, now)),
        ("lease_owners", lambda: store.lease_owners()),
        ("release_leases", lambda: store.release_leases("nobody")),
        ("ledger_reserve with a budget", lambda: store.ledger_reserve(entry, limit=100.0, since=now - 86400)),
        ("ledger_settle", lambda: store.ledger_settle("req_1", "settled", {"cost_usd": 1.0})),
        ("ledger_spent", lambda: store.ledger_spent("key-a", now - 86400)),
        ("ledger_usage of a key", lambda: store.ledger_usage(now - 86400, now + 1, "key-a", ["model"])),
        ("ledger_release_stale", lambda: store.ledger_release_stale(now - 3600)),
        ("webhook_claim", lambda: store.webhook_claim("me", now + 30, now)),
        ("webhooks_of", lambda: store.webhooks_of(done.id)),
        ("jobs_without_webhook (start-up)", lambda: store.jobs_without_webhook(now - 86400)),
        ("recent_jobs of a key", lambda: store.recent_jobs("key-a", now, 20)),
        ("recent_jobs of every key", lambda: store.recent_jobs(None, now, 20)),
        # GET /metrics, at each scrape: counters the triggers keep (migration 9), not a count of every row
        ("job_counts (/metrics)", lambda: store.job_counts()),
        ("ledger_costs (/metrics)", lambda: store.ledger_costs()),
        ("ledger_spent this month", lambda: store.ledger_spent("key-a", now - now % 86400 - 86400 * 20)),
        # Gemini 3 tool calls: the cache's size is counted now and then (CapCheck), not at each write
        ("remember_signatures", lambda: store.remember_signatures("key-a", {"call_1": "sig"}, ttl=60)),
        ("recall_signatures", lambda: store.recall_signatures("key-a", ["call_1", "call_2"])),
        ("keep_objects", lambda: store.keep_objects("key-a", {"resp_1": "{}"}, ttl=60)),
        ("recall_objects", lambda: store.recall_objects("key-a", ["resp_1"])),
    ]


def by_status_alone(condition: str, sql: str) -> bool:
    """An index searched by status alone reads every job in those states: few only for the unfinished ones."""
    return UNFINISHED_SQL not in sql and re.fullmatch(r"\(*status ?= ?.*", condition) is not None


def sqlite_walks(db, sql: str, params, allowed: set[str]) -> list[str]:
    plan = [row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql, params or ())]
    bad = []
    for line in plan:
        match = re.match(r"(SCAN|SEARCH) (\w+)(?: USING (?:COVERING )?INDEX (\w+))?(?: \((.*)\))?", line)
        if not match or match.group(2) not in BIG_TABLES:
            continue
        kind, _, index, condition = match.groups()
        if kind == "SCAN" and index not in SMALL_INDEXES | allowed or \
                kind == "SEARCH" and condition and by_status_alone(condition.replace("?", "x"), sql):
            bad.append(line)
    return bad if not bad else plan


async def postgres_walks(pool, sql: str, params, allowed: set[str]) -> list[str]:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL enable_seqscan = off")
        [plan] = json.loads(await conn.fetchval("EXPLAIN (FORMAT JSON) " + sql, *(params or ())))
    bad = []

    def visit(node):
        table, index = node.get("Relation Name"), node.get("Index Name")
        kind = node["Node Type"]
        if kind == "Seq Scan" and table in BIG_TABLES:
            bad.append(f"Seq Scan on {table}")
        elif "Index" in kind and "Index Cond" not in node and index not in SMALL_INDEXES | allowed:
            bad.append(f"{kind} using {index} without a condition")
        elif "Index Cond" in node and by_status_alone(node["Index Cond"], sql):
            bad.append(f"{kind} using {index} by status alone: {node['Index Cond']}")
        for child in node.get("Plans", []):
            visit(child)

    visit(plan["Plan"])
    return bad


async def test_every_hot_query_uses_an_index(jobs_db, tmp_path):
    store = open_store(SimpleNamespace(jobs_db=jobs_db, data_dir=tmp_path))
    await store.open()
    try:
        log: list = []
        postgres = hasattr(store, "_pool")
        operations = await hot_operations(store, log)
        if postgres:
            pool, store._pool = store._pool, Recorder(store._pool, log)
        else:
            db, store._db = store._db, Recorder(store._db, log)
        failures = []
        for name, operation in operations:
            del log[:]
            await operation()
            statements = [(sql, params) for sql, params in log if not SKIPPED.match(sql)]
            assert statements or name in ("delete",), f"{name}: no statement recorded"
            for sql, params in statements:
                allowed = LIMITED_WALKS.get(name, set())
                bad = await postgres_walks(pool, sql, params, allowed) if postgres else \
                    sqlite_walks(db, sql, params, allowed)
                if bad:
                    failures.append(f"{name}:\n  {sql}\n  " + "\n  ".join(bad))
        if postgres:
            store._pool = pool
        else:
            store._db = db
        assert not failures, "\n".join(failures)
    finally:
        await store.close()


async def test_the_check_sees_a_walk_over_the_whole_table(jobs_db, tmp_path):
    """The check above can fail: a query no index serves is reported on both backends."""
    store = open_store(SimpleNamespace(jobs_db=jobs_db, data_dir=tmp_path))
    await store.open()
    try:
        for sql, params in [("SELECT * FROM jobs WHERE summary LIKE {mark}", ("%cat%",)),
                            ("SELECT id FROM jobs WHERE status = {mark}", ("completed",))]:
            if hasattr(store, "_pool"):
                assert await postgres_walks(store._pool, sql.format(mark="$1"), params, set()), sql
            else:
                assert sqlite_walks(store._db, sql.format(mark="?"), params, set()), sql
    finally:
        await store.close()
