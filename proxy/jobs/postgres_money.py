"""The ledger and the webhook queue in the PostgreSQL store (a mixin of PostgresJobStore).

A reservation is checked and inserted under a transaction-scoped advisory lock on the key name, so two
instances never both let a key past its budget.
"""
from __future__ import annotations

import time
from typing import Any

from proxy.jobs.sqlite_money import (
    _UNFINISHED,
    _UNFINISHED_SQL,
    JOB_COUNTS_SQL,
    LEDGER_COSTS_SQL,
    SPENT_SQL,
    STALE_SQL,
    USAGE_SQL,
    finished_counts,
    ledger_batch,
    spent_args,
)
from proxy.jobs.store import LEDGER_COLUMNS, USAGE_SUMS, WEBHOOK_COLUMNS, BudgetExceeded, row_to_job

_SPENT = SPENT_SQL.format(key="$1", day="$2", since="$3")
_GROUP_SQL = {"key": "key_name", "model": "model",
              "day": "to_char(to_timestamp(created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"}


def _marks(n: int, start: int = 1) -> str:
    return ", ".join(f"${i}" for i in range(start, start + n))


class PostgresMoney:
    _pool: Any  # PostgresJobStore's asyncpg.Pool

    async def ledger_reserve(self, entry: dict, limit: float | None, since: float) -> float:
        row = {name: entry[name] for name in LEDGER_COLUMNS if entry.get(name) is not None}
        row["state"] = "reserved"
        insert = f"INSERT INTO ledger ({', '.join(row)}) VALUES ({_marks(len(row))}) ON CONFLICT (id) DO NOTHING"
        if limit is None:  # no budget to check: one insert, no lock, no sum over the period
            await self._pool.execute(insert, *row.values())
            return 0.0
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext('genproxy-budget:' || $1))", row["key_name"])
            if await conn.fetchval("SELECT 1 FROM ledger WHERE id = $1", row["id"]):
                return 0.0
            spent = round(float(await conn.fetchval(_SPENT, *spent_args(row["key_name"], since).values())), 9)
            if limit is not None and spent + (row["estimated_usd"] or 0) > limit + 1e-9:
                raise BudgetExceeded(spent)
            await conn.execute(insert, *row.values())
            return spent

    async def ledger_insert_many(self, rows: list[dict]) -> None:
        await self._pool.executemany(
            f"INSERT INTO ledger ({', '.join(LEDGER_COLUMNS)}) VALUES ({_marks(len(LEDGER_COLUMNS))}) "
            "ON CONFLICT (id) DO NOTHING", [tuple(row.get(name) for name in LEDGER_COLUMNS) for row in ledger_batch(rows)])

    async def ledger_settle(self, entry_id: str, state: str, usage: dict) -> bool:
        values = {name: usage.get(name, 0) for name in USAGE_SUMS}
        assignments = ", ".join(f"{n} = ${i}" for i, n in enumerate(values, start=4))
        result = await self._pool.execute(f"UPDATE ledger SET state = $2, settled_at = $3, {assignments} "
                                          "WHERE id = $1 AND state = 'reserved'", entry_id, state, time.time(),
                                          *values.values())
        return result.endswith(" 1")

    async def ledger_settle_estimate(self, entry_id: str) -> bool:
        result = await self._pool.execute("UPDATE ledger SET state = 'settled', settled_at = $2, "
                                          "cost_usd = estimated_usd WHERE id = $1 AND state = 'reserved'",
                                          entry_id, time.time())
        return result.endswith(" 1")

    async def ledger_release_stale(self, before: float) -> int:
        result = await self._pool.execute(STALE_SQL.format(mark="$1", mark2="$2", unfinished=_UNFINISHED),
                                          time.time(), before)
        return int(result.split()[-1])

    async def ledger_spent(self, key_name: str, since: float) -> float:
        return round(float(await self._pool.fetchval(_SPENT, *spent_args(key_name, since).values())), 9)

    async def ledger_usage(self, start: float, end: float, key_name: str | None,
                           group_by: list[str]) -> list[dict]:
        where = "state != 'released' AND created_at >= $1 AND created_at < $2"
        args: list[float | str] = [start, end]
        if key_name is not None:
            where += " AND key_name = $3"
            args.append(key_name)
        groups = ", ".join(f"{_GROUP_SQL[g]} AS g_{g}" for g in group_by)
        order = ", ".join(f"g_{g}" for g in group_by)
        rows = await self._pool.fetch(f"SELECT {groups}, COUNT(*) AS requests, {USAGE_SQL} "
                                      f"FROM ledger WHERE {where} GROUP BY {order} ORDER BY {order}", *args)
        return [{k.removeprefix("g_"): r[k] for k in r.keys()} for r in rows]

    async def ledger_costs(self) -> list[dict]:
        rows = await self._pool.fetch(LEDGER_COSTS_SQL)
        return [{**dict(r), "cost_usd": round(r["cost_usd"], 9)} for r in rows]

    async def webhook_add(self, hook: dict) -> bool:
        row = {name: hook.get(name) for name in WEBHOOK_COLUMNS}
        result = await self._pool.execute(f"INSERT INTO webhooks ({', '.join(row)}) VALUES ({_marks(len(row))}) "
                                          "ON CONFLICT (job_id, event) DO NOTHING", *row.values())
        return result.endswith(" 1")

    async def webhook_claim(self, owner: str, until: float, now: float, limit: int = 20) -> list[dict]:
        rows = await self._pool.fetch(
            "UPDATE webhooks SET owner = $1, lease_until = $2 WHERE id IN (SELECT id FROM webhooks WHERE "
            "state = 'pending' AND next_at <= $3 AND (lease_until IS NULL OR lease_until < $3) ORDER BY next_at "
            "LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING *", owner, until, now, limit)
        return [dict(r) for r in rows]

    async def webhook_update(self, hook_id: str, **changes: Any) -> None:
        assignments = ", ".join(f"{n} = ${i}" for i, n in enumerate(changes, start=2))
        await self._pool.execute(f"UPDATE webhooks SET {assignments} WHERE id = $1", hook_id, *changes.values())

    async def webhooks_of(self, job_id: str) -> list[dict]:
        rows = await self._pool.fetch("SELECT * FROM webhooks WHERE job_id = $1 ORDER BY created_at", job_id)
        return [dict(r) for r in rows]

    async def recent_jobs(self, client_key_id: str | None, before: float | None, limit: int) -> list:
        where, args = ["TRUE"], list[float | str]()
        if client_key_id is not None:
            args.append(client_key_id)
            where.append(f"client_key_id = ${len(args)}")
        if before is not None:
            args.append(before)
            where.append(f"created_at < ${len(args)}")
        rows = await self._pool.fetch(f"SELECT * FROM jobs WHERE {' AND '.join(where)} ORDER BY created_at DESC "
                                      f"LIMIT ${len(args) + 1}", *args, limit)
        return [row_to_job(dict(r)) for r in rows]

    async def jobs_without_webhook(self, since: float) -> list:
        rows = await self._pool.fetch(
            f"SELECT * FROM jobs WHERE completed_at >= $1 AND NOT {_UNFINISHED_SQL} "
            "AND (summary::jsonb ->> 'callback_url') IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM webhooks WHERE webhooks.job_id = jobs.id)", since)
        return [row_to_job(dict(r)) for r in rows]

    async def job_counts(self) -> dict[str, int]:
        return finished_counts(await self._pool.fetch(JOB_COUNTS_SQL))
