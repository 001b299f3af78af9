"""The ledger in both store backends: reservations hold the budget across instances; settle once."""
from __future__ import annotations

import asyncio
import time

import pytest

from proxy.jobs.store import BudgetExceeded

pytest_plugins = ["tests.jobs.test_store"]  # its open_stores fixture


def entry(i: int, usd: float, key: str = "alice", at: float | None = None) -> dict:
    return {"id": f"req_{i}", "key_name": key, "model": "veo-3.1-generate-preview", "created_at": at or time.time(),
            "estimated_usd": usd}


async def test_two_instances_never_overspend_a_budget_together(open_stores):
    a, b = await open_stores(), await open_stores()

    async def reserve(store, i):
        try:
            await store.ledger_reserve(entry(i, 1.0), limit=5.0, since=0)
            return True
        except BudgetExceeded:
            return False

    results = await asyncio.gather(*(reserve(a if i % 2 else b, i) for i in range(12)))
    assert sum(results) == 5
    assert await a.ledger_spent("alice", 0) == pytest.approx(5.0)


async def test_settle_and_release_happen_once_and_change_the_spending(open_stores):
    store = await open_stores()
    await store.ledger_reserve(entry(1, 3.2), limit=None, since=0)
    await store.ledger_reserve(entry(2, 3.2), limit=None, since=0)
    assert await store.ledger_settle("req_1", "settled", {"cost_usd": 1.6, "video_seconds": 4})
    assert not await store.ledger_settle("req_1", "released", {})
    assert await store.ledger_settle("req_2", "released", {})
    assert await store.ledger_spent("alice", 0) == pytest.approx(1.6)
    rows = await store.ledger_usage(0, time.time() + 10, None, ["key", "model"])
    assert rows == [{"key": "alice", "model": "veo-3.1-generate-preview", "requests": 1, "cost_usd": pytest.approx(1.6),
                     "video_seconds": 4, "images": 0, "input_tokens": 0, "output_tokens": 0, "video_tokens": 0}]


async def test_usage_by_day_counts_in_utc_days_and_the_window(open_stores):
    store = await open_stores()
    day = 1_790_000_000 - 1_790_000_000 % 86400  # a UTC midnight
    for i, at in enumerate((day + 10, day + 20, day + 86400 + 5)):
        await store.ledger_reserve(entry(i, 1.0, at=at), limit=None, since=0)
    rows = await store.ledger_usage(day, day + 2 * 86400, "alice", ["day"])
    assert [(r["day"], r["requests"], r["cost_usd"]) for r in rows] == [("2026-09-21", 2, 2.0), ("2026-09-22", 1, 1.0)]
    assert await store.ledger_usage(day, day + 2 * 86400, "bob", ["day"]) == []
    assert await store.ledger_spent("alice", day + 86400) == pytest.approx(1.0)


async def test_stale_reservations_are_released_unless_their_job_still_runs(open_stores):
    from tests.jobs.test_store import make_job

    store = await open_stores()
    old = time.time() - 7 * 3600
    running = make_job(status="queued")
    await store.create(running)
    finished = make_job(status="completed")
    await store.create(finished)
    for entry_id in ("req_dead", running.id, finished.id, "video_never_recorded"):
        await store.ledger_reserve({**entry(0, 1.0, at=old), "id": entry_id}, limit=None, since=0)
    await store.ledger_reserve(entry(9, 1.0), limit=None, since=0)  # recent: left alone
    assert await store.ledger_release_stale(time.time() - 6 * 3600) == 3
    assert await store.ledger_spent("alice", 0) == pytest.approx(2.0)
    assert await store.ledger_settle_estimate("req_9")
    assert await store.ledger_spent("alice", 0) == pytest.approx(2.0)
    rows = await store.ledger_usage(0, time.time() + 1, "alice", ["key"])
    assert rows[0]["requests"] == 2 and rows[0]["cost_usd"] == pytest.approx(2.0)
