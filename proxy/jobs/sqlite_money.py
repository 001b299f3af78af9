"""The ledger and the webhook queue in the SQLite store (a mixin of SqliteJobStore)."""
from __future__ import annotations

import math
import sqlite3
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from proxy.jobs.maintained_counts import DAY_SECONDS
from proxy.jobs.migrations import UNFINISHED_SQL as _UNFINISHED_SQL
from proxy.jobs.store import LEDGER_COLUMNS, USAGE_SUMS, WEBHOOK_COLUMNS, BudgetExceeded, row_to_job

# What a key spent since a moment: the whole UTC days from the per-day sums (ledger_days, kept by triggers:
# proxy/jobs/maintained_counts.py), the part of a day before the first whole one from the entries themselves.
# A budget period starts at a midnight, so that part is empty and a month's check reads at most 31 rows.
SPENT_SQL = ("SELECT (SELECT COALESCE(SUM(spent_usd), 0) FROM ledger_days WHERE key_name = {key} AND day >= {day}) "
             "+ (SELECT COALESCE(SUM(CASE state WHEN 'reserved' THEN estimated_usd WHEN 'settled' THEN cost_usd "
             "ELSE 0 END), 0) FROM ledger WHERE key_name = {key} AND created_at >= {since} AND created_at < {day})")
_SPENT = SPENT_SQL.format(key=":key", day=":day", since=":since")


def spent_args(key_name: str, since: float) -> dict:
    return {"key": key_name, "day": float(math.ceil(since / DAY_SECONDS) * DAY_SECONDS), "since": since}


def ledger_batch(rows: list[dict]) -> list[dict]:
    """A batch in the order its rows lock the per-day and per-model sums (key, day, model): two instances'
    batches then wait for each other instead of deadlocking."""
    return sorted(rows, key=lambda r: (r["key_name"], r["created_at"] // DAY_SECONDS, r["model"]))


def finished_counts(rows: list) -> dict[str, int]:
    return {r["status"]: r["n"] for r in rows if r["n"]}


# The unfinished jobs through the partial index (migration 6), the finished ones from job_counts (migration 9).
JOB_COUNTS_SQL = (f"SELECT status, COUNT(*) AS n FROM jobs WHERE {_UNFINISHED_SQL} GROUP BY status "
                  "UNION ALL SELECT status, n FROM job_counts")
LEDGER_COSTS_SQL = "SELECT key_name, model, cost_usd, video_seconds FROM ledger_totals"
# A reserved entry (still running) counts with its estimate.
USAGE_SQL = ", ".join("SUM(CASE WHEN state = 'reserved' THEN estimated_usd ELSE cost_usd END) AS cost_usd"
                      if n == "cost_usd" else f"SUM({n}) AS {n}" for n in USAGE_SUMS)
# Reservations nothing will close: a request whose process died mid-way, a job that was never recorded.
STALE_SQL = ("UPDATE ledger SET state = 'released', settled_at = {mark} WHERE state = 'reserved' "
             "AND created_at < {mark2} AND (id LIKE 'req\\_%' ESCAPE '\\' OR id NOT IN (SELECT id FROM jobs WHERE status IN {unfinished}))")
_UNFINISHED = "('submitting', 'queued', 'in_progress')"
T = TypeVar("T")
_GROUP_SQL = {"key": "key_name", "model": "model", "day": "strftime('%Y-%m-%d', created_at, 'unixepoch')"}


class SqliteMoney:
    if TYPE_CHECKING:  # SqliteJobStore's: the connection and the thread every call runs on
        @property
        def db(self) -> sqlite3.Connection: ...

        async def _run(self, fn: Callable[..., T], *args: Any) -> T: ...

        def _transaction(self, fn: Callable[[sqlite3.Connection], T]) -> T: ...

    async def ledger_reserve(self, entry: dict, limit: float | None, since: float) -> float:
        row = {name: entry[name] for name in LEDGER_COLUMNS if entry.get(name) is not None}
        row["state"] = "reserved"
        names = ", ".join(row)
        marks = ", ".join(f":{n}" for n in row)
        if limit is None:  # no budget to check: one insert, no transaction, no sum over the period
            await self._run(self.db.execute,
                            f"INSERT INTO ledger ({names}) VALUES ({marks}) ON CONFLICT (id) DO NOTHING", row)
            return 0.0

        def reserve(db: sqlite3.Connection) -> float:
            if db.execute("SELECT 1 FROM ledger WHERE id = ?", (row["id"],)).fetchone():
                return 0.0
            spent = round(db.execute(_SPENT, spent_args(row["key_name"], since)).fetchone()[0], 9)
            if limit is not None and spent + (row["estimated_usd"] or 0) > limit + 1e-9:
                raise BudgetExceeded(spent)
            db.execute(f"INSERT INTO ledger ({names}) VALUES ({marks})", row)
            return spent

        return await self._run(self._transaction, reserve)

    async def ledger_insert_many(self, rows: list[dict]) -> None:
        values = [{name: row.get(name) for name in LEDGER_COLUMNS} for row in ledger_batch(rows)]
        names = ", ".join(LEDGER_COLUMNS)
        marks = ", ".join(f":{n}" for n in LEDGER_COLUMNS)
        await self._run(self._transaction, lambda db: db.executemany(
            f"INSERT INTO ledger ({names}) VALUES ({marks}) ON CONFLICT (id) DO NOTHING", values))

    async def ledger_settle(self, entry_id: str, state: str, usage: dict) -> bool:
        values = {name: usage.get(name, 0) for name in USAGE_SUMS}
        assignments = ", ".join(f"{n} = :{n}" for n in values)
        cursor = await self._run(self.db.execute,
                                 f"UPDATE ledger SET state = :state, settled_at = :now, {assignments} "
                                 "WHERE id = :id AND state = 'reserved'",
                                 {**values, "state": state, "now": time.time(), "id": entry_id})
        return cursor.rowcount > 0

    async def ledger_settle_estimate(self, entry_id: str) -> bool:
        cursor = await self._run(self.db.execute, "UPDATE ledger SET state = 'settled', settled_at = ?, "
                                 "cost_usd = estimated_usd WHERE id = ? AND state = 'reserved'", (time.time(), entry_id))
        return cursor.rowcount > 0

    async def ledger_release_stale(self, before: float) -> int:
        cursor = await self._run(self.db.execute, STALE_SQL.format(mark="?", mark2="?", unfinished=_UNFINISHED),
                                 (time.time(), before))
        return cursor.rowcount

    async def ledger_spent(self, key_name: str, since: float) -> float:
        spent = await self._run(lambda: self.db.execute(_SPENT, spent_args(key_name, since)).fetchone()[0])
        return round(spent, 9)  # entries are in nanodollars: what the sums' additions add, not a cost

    async def ledger_usage(self, start: float, end: float, key_name: str | None,
                           group_by: list[str]) -> list[dict]:
        groups = ", ".join(f"{_GROUP_SQL[g]} AS g_{g}" for g in group_by)
        order = ", ".join(f"g_{g}" for g in group_by)
        where = "state != 'released' AND created_at >= ? AND created_at < ?"
        args: list[float | str] = [start, end]
        if key_name is not None:
            where += " AND key_name = ?"
            args.append(key_name)
        sums = USAGE_SQL
        rows = await self._run(lambda: self.db.execute(
            f"SELECT {groups}, COUNT(*) AS requests, {sums} FROM ledger WHERE {where} "
            f"GROUP BY {order} ORDER BY {order}", args).fetchall())
        return [{k.removeprefix("g_"): r[k] for k in r.keys()} for r in rows]

    async def ledger_costs(self) -> list[dict]:
        rows = await self._run(lambda: self.db.execute(LEDGER_COSTS_SQL).fetchall())
        return [{**dict(r), "cost_usd": round(r["cost_usd"], 9)} for r in rows]

    async def webhook_add(self, hook: dict) -> bool:
        row = {name: hook.get(name) for name in WEBHOOK_COLUMNS}
        cursor = await self._run(self.db.execute,
                                 f"INSERT INTO webhooks ({', '.join(row)}) VALUES ({', '.join(':' + n for n in row)}) "
                                 "ON CONFLICT (job_id, event) DO NOTHING", row)
        return cursor.rowcount > 0

    async def webhook_claim(self, owner: str, until: float, now: float, limit: int = 20) -> list[dict]:
        rows = await self._run(lambda: self.db.execute(
            "UPDATE webhooks SET owner = ?, lease_until = ? WHERE id IN (SELECT id FROM webhooks WHERE "
            "state = 'pending' AND next_at <= ? AND (lease_until IS NULL OR lease_until < ?) ORDER BY next_at "
            "LIMIT ?) RETURNING *", (owner, until, now, now, limit)).fetchall())
        return [dict(r) for r in rows]

    async def webhook_update(self, hook_id: str, **changes: Any) -> None:
        assignments = ", ".join(f"{n} = :{n}" for n in changes)
        await self._run(self.db.execute, f"UPDATE webhooks SET {assignments} WHERE id = :id",
                        {**changes, "id": hook_id})

    async def webhooks_of(self, job_id: str) -> list[dict]:
        rows = await self._run(lambda: self.db.execute(
            "SELECT * FROM webhooks WHERE job_id = ? ORDER BY created_at", (job_id,)).fetchall())
        return [dict(r) for r in rows]

    async def recent_jobs(self, client_key_id: str | None, before: float | None, limit: int) -> list:
        where, args = "1 = 1", list[float | str]()
        if client_key_id is not None:
            where += " AND client_key_id = ?"
            args.append(client_key_id)
        if before is not None:
            where += " AND created_at < ?"
            args.append(before)
        rows = await self._run(lambda: self.db.execute(
            f"SELECT * FROM jobs WHERE {where} ORDER BY created_at DESC LIMIT ?", (*args, limit)).fetchall())
        return [row_to_job(dict(r)) for r in rows]

    async def jobs_without_webhook(self, since: float) -> list:
        rows = await self._run(lambda: self.db.execute(
            f"SELECT * FROM jobs WHERE completed_at >= ? AND NOT {_UNFINISHED_SQL} "
            "AND json_extract(summary, '$.callback_url') IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM webhooks WHERE webhooks.job_id = jobs.id)", (since,)).fetchall())
        return [row_to_job(dict(r)) for r in rows]

    async def job_counts(self) -> dict[str, int]:
        return finished_counts(await self._run(lambda: self.db.execute(JOB_COUNTS_SQL).fetchall()))
