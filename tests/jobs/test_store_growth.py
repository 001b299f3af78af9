"""A request's work in the job store does not grow with the store (issue 26), on SQLite and on PostgreSQL.

Each operation runs on a store holding a few hundred rows of a key (jobs, ledger entries this month, thought
signatures), then on the same store holding twenty times as many, and its work is measured both times: on
SQLite the virtual-machine instructions it runs (a deterministic count; a B-tree seek is one of them whatever the
depth), on PostgreSQL the rows each plan node produced or filtered out (EXPLAIN ANALYZE, sequential scans priced
out as in test_query_plans.py). A plan that reads the key's month of ledger entries, or counts every job, does
twenty times the work and fails. The query-plan test cannot see that: a range read through an index is a
SEARCH there.
"""
from __future__ import annotations

import json
import re
import sqlite3
import time
from types import SimpleNamespace

import pytest

try:
    import asyncpg
except ImportError:  # the PostgreSQL half skips (tests/conftest.py)
    asyncpg = None

from proxy.jobs import migrations
from proxy.jobs.backends import open_store
from proxy.jobs.store import LEDGER_COLUMNS, Job, job_to_row, new_job_id
from proxy.money.ledger import period_start
from tests.jobs.test_query_plans import Recorder

SMALL, BIG = 200, 4000
NOT_MEASURED = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SET )", re.I)


def finished_job(index: int, now: float) -> Job:
    ended = now - 86400 - index
    return Job(id=new_job_id(), client_key_id="key-a", model="veo-3.1-generate-preview", route={"model": "veo"},
               status="completed" if index % 10 else "failed", progress=100, summary={"request_sha256": str(index)},
               created_at=ended - 60, updated_at=ended, completed_at=ended)


def ledger_row(index: int, now: float) -> tuple:
    start = period_start("month", now)
    created = start + (now - start) * (index % 997) / 997  # this month, today included
    state = ("settled", "reserved", "released")[index % 3]
    return (f"req_seed{index}", "key-a", "veo-3.1-generate-preview", state, created, None, 0.4, 0.4 if
            state == "settled" else 0, 4, 0, 0, 0, 0)


async def seed(store, start: int, end: int) -> None:
    """Rows start..end-1 of each table, written with the store's own columns (the triggers fire as in use)."""
    now = time.time()
    jobs = [job_to_row(finished_job(i, now)) for i in range(start, end)]
    ledger = [ledger_row(i, now) for i in range(start, end)]
    signatures = [("key-a", f"call_{i}", "sig", now + 3600) for i in range(start, end)]
    names = list(jobs[0])
    if hasattr(store, "_pool"):
        def marks(n: int) -> str:
            return ", ".join(f"${i}" for i in range(1, n + 1))
        async with store._pool.acquire() as conn, conn.transaction():
            await conn.executemany(f"INSERT INTO jobs ({', '.join(names)}) VALUES ({marks(len(names))})",
                                   [tuple(r.values()) for r in jobs])
            await conn.executemany(f"INSERT INTO ledger ({', '.join(LEDGER_COLUMNS)}) VALUES "
                                   f"({marks(len(LEDGER_COLUMNS))})", ledger)
            await conn.executemany("INSERT INTO thought_signatures VALUES ($1, $2, $3, $4)", signatures)
            await conn.execute("ANALYZE")
        return

    def write(db: sqlite3.Connection) -> None:
        db.executemany(f"INSERT INTO jobs ({', '.join(names)}) VALUES ({', '.join(':' + n for n in names)})", jobs)
        db.executemany(f"INSERT INTO ledger ({', '.join(LEDGER_COLUMNS)}) VALUES "
                       f"({', '.join('?' for _ in LEDGER_COLUMNS)})", ledger)
        db.executemany("INSERT INTO thought_signatures VALUES (?, ?, ?, ?)", signatures)
        db.execute("ANALYZE")

    await store._run(store._transaction, write)


async def sqlite_work(store, operation) -> int:
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    await store._run(store.db.set_progress_handler, count, 1)
    try:
        await operation()
    finally:
        await store._run(store.db.set_progress_handler, None, 1)
    return steps[0]


def plan_rows(node: dict) -> float:
    own = node.get("Actual Rows", 0) * node.get("Actual Loops", 1) + node.get("Rows Removed by Filter", 0) + \
        node.get("Rows Removed by Index Recheck", 0)
    return own + sum(plan_rows(child) for child in node.get("Plans", []))


async def postgres_work(store, operation) -> int:
    log: list = []
    pool, store._pool = store._pool, Recorder(store._pool, log)
    try:
        await operation()
    finally:
        store._pool = pool
    rows = 0.0
    for sql, params in log:
        if NOT_MEASURED.match(sql):
            continue
        async with pool.acquire() as conn:
            transaction = conn.transaction()
            await transaction.start()
            try:
                await conn.execute("SET LOCAL enable_seqscan = off")
                [plan] = json.loads(await conn.fetchval("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, *(params or ())))
                rows += plan_rows(plan["Plan"])
            except asyncpg.UniqueViolationError:  # an INSERT made once already: run again, it conflicts
                pass
            finally:
                await transaction.rollback()
    return int(rows)


def operations(store, run: int):
    """The operations measured; ``run`` (0, 1) makes their new rows new and picks a still reserved entry."""
    now = time.time()
    entry = {"key_name": "key-a", "model": "veo-3.1-generate-preview", "created_at": now, "estimated_usd": 0.4}
    return [
        ("ledger_spent this month (budget check)", lambda: store.ledger_spent("key-a", period_start("month", now))),
        ("ledger_spent today", lambda: store.ledger_spent("key-a", period_start("day", now))),
        ("ledger_reserve with a monthly budget", lambda: store.ledger_reserve(
            {**entry, "id": f"req_new{run}"}, limit=10**9, since=period_start("month", now))),
        ("ledger_settle", lambda: store.ledger_settle(f"req_seed{1 + 3 * run}", "settled", {"cost_usd": 0.4})),
        ("job_counts (/metrics)", store.job_counts),
        ("ledger_costs (/metrics)", store.ledger_costs),
        ("remember_signatures", lambda: store.remember_signatures("key-a", {f"new_{run}": "s"}, ttl=60)),
        ("recall_signatures", lambda: store.recall_signatures("key-a", ["call_1", "call_2"])),
        ("create with the cap", lambda: store.create(Job(id=new_job_id(), client_key_id="key-a", model="veo",
                                                         route={}, status="submitting"), cap=10**6)),
        ("count_unfinished", lambda: store.count_unfinished("key-a")),
        ("page", lambda: store.page("key-a", after=None, limit=20, order="desc")),
    ]


async def test_no_operation_does_more_work_in_a_bigger_store(jobs_db, tmp_path):
    store = open_store(SimpleNamespace(jobs_db=jobs_db, data_dir=tmp_path))
    await store.open()
    work = postgres_work if hasattr(store, "_pool") else sqlite_work
    try:
        await seed(store, 0, SMALL)
        small = {name: await work(store, operation) for name, operation in operations(store, 0)}
        await seed(store, SMALL, BIG)
        big = {name: await work(store, operation) for name, operation in operations(store, 1)}
    finally:
        await store.close()
    grown = {name: (small[name], big[name]) for name in small if big[name] > small[name] * 1.5 + 50}
    assert not grown, f"work at {SMALL} rows -> at {BIG} rows: {grown}"


async def test_the_check_sees_work_that_grows(jobs_db, tmp_path):
    """The measure above can fail: counting the key's jobs grows with them on both backends."""
    store = open_store(SimpleNamespace(jobs_db=jobs_db, data_dir=tmp_path))
    await store.open()
    postgres = hasattr(store, "_pool")
    work = postgres_work if postgres else sqlite_work

    async def count_jobs():
        if postgres:
            return await store._pool.fetchval("SELECT COUNT(*) FROM jobs WHERE client_key_id = $1", "key-a")
        return await store._run(lambda: store.db.execute("SELECT COUNT(*) FROM jobs WHERE client_key_id = ?",
                                                         ("key-a",)).fetchone())
    try:
        await seed(store, 0, SMALL)
        small = await work(store, count_jobs)
        await seed(store, SMALL, BIG)
        assert await work(store, count_jobs) > small * 10
    finally:
        await store.close()


async def test_the_sums_match_the_entries_and_an_older_store_gets_them(jobs_db, tmp_path):
    """Migration 9 fills the sums from the rows already there; the triggers then keep them equal to a full
    count after creates, status changes, settles, releases and deletes."""
    settings = SimpleNamespace(jobs_db=jobs_db, data_dir=tmp_path)
    store = open_store(settings)
    await store.open()
    now = time.time()
    try:
        await seed(store, 0, 30)
        if hasattr(store, "_pool"):  # as a store at version 8 would have been
            await store._pool.execute("DROP TABLE job_counts, ledger_days, ledger_totals; "
                                      "DROP FUNCTION genproxy_job_counts, genproxy_ledger_sums CASCADE; "
                                      "DELETE FROM schema_migrations WHERE version = 9")
        else:
            await store._run(store.db.executescript,
                             "DROP TABLE job_counts; DROP TABLE ledger_days; DROP TABLE ledger_totals; "
                             + "".join(f"DROP TRIGGER {t};" for t in (
                                 "job_counts_insert", "job_counts_delete", "job_counts_update", "ledger_days_insert",
                                 "ledger_days_update", "ledger_totals_insert", "ledger_totals_update"))
                             + "DELETE FROM schema_migrations WHERE version = 9;")
    finally:
        await store.close()
    store = open_store(settings)
    await store.open()
    try:
        assert await store.schema_version() == migrations.LATEST
        # 30 entries: 10 settled at 0.4 and 10 reserved at 0.4 this month; 27 jobs completed and 3 failed
        assert await store.ledger_spent("key-a", period_start("month", now)) == pytest.approx(8.0)
        assert await store.job_counts() == {"completed": 27, "failed": 3}
        assert await store.ledger_costs() == [{"key_name": "key-a", "model": "veo-3.1-generate-preview",
                                               "cost_usd": pytest.approx(4.0), "video_seconds": 40}]
        running = Job(id=new_job_id(), client_key_id="key-a", model="veo", route={}, status="in_progress")
        await store.create(running)
        assert await store.job_counts() == {"completed": 27, "failed": 3, "in_progress": 1}
        await store.update(running, status="completed", completed_at=now)
        assert await store.job_counts() == {"completed": 28, "failed": 3}
        await store.delete(running.id)
        assert (await store.job_counts())["completed"] == 27
        await store.ledger_settle("req_seed1", "settled", {"cost_usd": 1.0, "video_seconds": 8})  # reserved
        await store.ledger_settle("req_seed4", "released", {})  # reserved: its estimate no longer counts
        await store.ledger_reserve({"id": "req_x", "key_name": "key-a", "model": "veo-3.1-generate-preview",
                                    "created_at": now, "estimated_usd": 2.5}, limit=None, since=0)
        assert await store.ledger_spent("key-a", period_start("month", now)) == pytest.approx(8.0 + 0.6 - 0.4 + 2.5)
        assert await store.ledger_spent("key-a", now - 1) == pytest.approx(2.5)  # not a day's start: the entries
        assert await store.ledger_spent("key-a", now + 1) == 0
        [costs] = await store.ledger_costs()
        assert (costs["cost_usd"], costs["video_seconds"]) == (pytest.approx(5.0), 48)
    finally:
        await store.close()
