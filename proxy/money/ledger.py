"""Who spends what: reservations before a request is sent, settlement when its answer is known, budgets.

A request is reserved at its estimated cost (refused with 429 budget_exceeded when that would take its
key over budget for the period), then settled at its actual cost (seconds, tokens, images), or released
when Google does not bill (a refusal, a filter, a failure). Entries live in the job store, so they
survive restarts and every instance sees the same spending.
"""
from __future__ import annotations

import asyncio
import calendar
import fnmatch
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web

from proxy.http.errors import ApiError
from proxy.jobs.store import USAGE_SUMS, BudgetExceeded
from proxy.money.pricing import Usage, actual, estimate

log = logging.getLogger("genproxy.ledger")

FLUSH_SECONDS = 0.5
STALE_AFTER = 6 * 3600.0
"""A reservation older than this whose request is not a running job is left over from a dead process."""


@dataclass
class Account:
    """The caller's key as the ledger sees it (no secret: the key itself is not kept)."""

    name: str
    is_admin: bool = False
    budget_usd: float | None = None
    budget_period: str = "month"
    max_jobs: int | None = None
    models: list[str] | None = None
    callback_url: str | None = None


def new_entry_id() -> str:
    """The ledger id of a request that is not a job (a job's entry has the job's id)."""
    return "req_" + secrets.token_hex(10)


def account_of(request) -> Account:
    entry = request.get("client_key")
    name = request.get("client_key_name") or "local"
    admin = bool(request.get("is_admin"))
    if entry is None:
        return Account(name=name, is_admin=admin)
    return Account(name=name, is_admin=admin, budget_usd=entry.budget_usd, budget_period=entry.budget_period,
                   max_jobs=entry.max_jobs, models=entry.models, callback_url=entry.callback_url)


def authorize_model(request, route) -> None:
    """403 model_not_allowed unless the key's ``models`` globs match the model asked for (or the one serving)."""
    entry = request.get("client_key")
    globs = entry.models if entry is not None else None
    if globs is None:
        return
    names = {route.requested or route.model, route.model}
    if not any(fnmatch.fnmatchcase(name, glob) for name in names for glob in globs):
        raise ApiError(403, f"The key '{request.get('client_key_name')}' may not use the model "
                            f"'{route.requested or route.model}' (it may use: {', '.join(globs) or 'no model'}).",
                       param="model", code="model_not_allowed")


def period_start(period: str, now: float) -> float:
    """Start of the budget period holding ``now`` (UTC): the day, the calendar month, or the beginning."""
    if period == "total":
        return 0.0
    moment = datetime.fromtimestamp(now, UTC)
    start = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "month":
        start = start.replace(day=1)
    return float(calendar.timegm(start.timetuple()))


class Charge:
    """A reservation about to be made: the account, the model and the estimate (worked out when first
    needed: a request of a key without a budget that answers at once never needs it)."""

    def __init__(self, account: Account, model: str, estimate: Usage | Callable[[], Usage] | None = None):
        self.account = account
        self.model = model
        self._estimate = estimate if estimate is not None else Usage()

    @property
    def estimate(self) -> Usage:
        if callable(self._estimate):
            self._estimate = self._estimate()
        return self._estimate


class Ledger:
    """Reservations go to the store at once when they matter across instances or restarts (a job; a key with a
    budget). A request of a key without a budget that answers at once is recorded when it ends, in batches
    written every FLUSH_SECONDS (its usage is known by then; nothing needs it sooner), so the text path pays
    no store write per request."""

    def __init__(self, store, video_modalities):
        self.store = store
        self._video_modalities = video_modalities  # a callable: the set is known once plugins load
        self._open: dict[str, tuple[Charge, float]] = {}  # deferred entries in flight: charge, created_at
        self._pending: list[dict] = []                     # finished deferred entries, to write

    async def flush(self) -> None:
        """Write the finished deferred entries (GET /v1/usage and /metrics call it first)."""
        rows, self._pending = self._pending, []
        if rows:
            try:
                await self.store.ledger_insert_many(rows)
            except Exception:
                self._pending[:0] = rows  # kept for the next try
                raise

    async def run(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            try:
                await self.flush()
            except asyncio.CancelledError:
                raise
            except ApiError as exc:  # the store is unreachable for now: the entries wait in memory
                log.warning("ledger: writing %d entries failed (%s); retrying", len(self._pending), exc.message)
            except Exception:
                log.exception("ledger: writing %d entries failed; retrying", len(self._pending))

    @property
    def video_modalities(self) -> set[str]:
        if callable(self._video_modalities):  # asked once: the plugins do not change while the app runs
            self._video_modalities = self._video_modalities()
        return self._video_modalities

    def charge(self, request, route, body) -> Charge:
        return Charge(account_of(request), route.model, lambda: estimate(route, body, self.video_modalities))

    async def reserve(self, entry_id: str, charge: Charge, durable: bool = True) -> None:
        """Check the budget and reserve the estimate; ``durable=False`` (a request that answers at once) lets a
        key without a budget skip the store until the request ends."""
        account = charge.account
        now = time.time()
        if not durable and account.budget_usd is None:
            self._open[entry_id] = (charge, now)
            return
        since = period_start(account.budget_period, now)
        entry = {"id": entry_id, "key_name": account.name, "model": charge.model, "created_at": now,
                 "estimated_usd": round(charge.estimate.cost_usd, 9)}
        try:
            await self.store.ledger_reserve(entry, account.budget_usd, since)
        except BudgetExceeded as exc:
            raise budget_error(account, exc.spent, charge.estimate.cost_usd) from None

    async def settle(self, entry_id: str, usage: Usage) -> None:
        values = {name: getattr(usage, name) for name in USAGE_SUMS}  # (asdict is ~10x slower)
        values["cost_usd"] = round(values["cost_usd"], 9)
        deferred = self._open.pop(entry_id, None)
        if deferred is not None:
            charge, created = deferred
            self._pending.append({"id": entry_id, "key_name": charge.account.name, "model": charge.model,
                                  "state": "settled", "created_at": created, "settled_at": time.time(),
                                  "estimated_usd": values["cost_usd"], **values})
            return
        await self._close(entry_id, "settled", values)

    async def keep_estimate(self, entry_id: str) -> None:
        """Google may have billed, and no answer says what: charge the estimate."""
        try:
            await self.store.ledger_settle_estimate(entry_id)
        except Exception:
            log.exception("ledger: could not settle entry %s at its estimate", entry_id)

    async def release_stale(self) -> int:
        """Release reservations nothing will close any more (see JobStore.ledger_release_stale)."""
        released = await self.store.ledger_release_stale(time.time() - STALE_AFTER)
        if released:
            log.info("ledger: released %d reservation(s) left by requests that never ended", released)
        return released

    async def release(self, entry_id: str) -> None:
        if self._open.pop(entry_id, None) is not None:
            return  # never written: nothing to release
        await self._close(entry_id, "released", {})

    async def settle_answer(self, entry_id: str, route, message: dict, usage: dict | None, summary: dict,
                            image_size: str | None = None) -> Usage:
        cost = actual(route, message, usage, summary, self.video_modalities, image_size)
        await self.settle(entry_id, cost)
        return cost

    async def _close(self, entry_id: str, state: str, values: dict) -> None:
        try:
            await self.store.ledger_settle(entry_id, state, values)
        except Exception:
            log.exception("ledger: could not mark entry %s %s", entry_id, state)

    async def spent(self, account: Account) -> float:
        return await self.store.ledger_spent(account.name, period_start(account.budget_period, time.time()))


def budget_error(account: Account, spent: float, estimated: float) -> ApiError:
    limit = account.budget_usd or 0.0
    period = {"day": "today (UTC)", "month": "this month (UTC)", "total": "in total"}[account.budget_period]
    return ApiError(429, f"Budget exceeded: the key '{account.name}' has spent ${spent:.2f} of its "
                         f"${limit:.2f} {account.budget_period} budget {period}, and this request is estimated at "
                         f"${estimated:.2f}. Nothing was sent to Google.",
                    code="budget_exceeded", type="insufficient_quota", headers={"x-should-retry": "false"})


#: Estimates, charges and budgets per client key (an app key, set by create_app).
LEDGER: web.AppKey[Ledger] = web.AppKey("ledger")
