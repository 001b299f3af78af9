"""GET /v1/usage: what the caller's key (an admin key: every key) spent, grouped by key, model or day."""
from __future__ import annotations

import time
from datetime import UTC, datetime

from aiohttp import web

from proxy import keys
from proxy.http.errors import ApiError, invalid
from proxy.jobs.store import GROUPS
from proxy.money.ledger import account_of, period_start

COUNTS = ("requests", "images", "input_tokens", "output_tokens", "video_tokens")


def _time(query, name: str, default: float) -> float:
    """Unix seconds, or a UTC day YYYY-MM-DD (as the console's date fields send it): its start for ``start``,
    the start of the next day for ``end`` (the day is included)."""
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        if len(raw) == 10 and raw[4] == "-" and raw[7] == "-":
            day = datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=UTC).timestamp()
            return day + (86400 if name == "end" else 0)
        value = float(raw)
    except ValueError:
        raise invalid(f"{name} must be a Unix time in seconds or a day YYYY-MM-DD.", name) from None
    if not 0 <= value < 1e11:
        raise invalid(f"{name} must be a Unix time in seconds.", name)
    return value


async def usage(request: web.Request) -> web.Response:
    query = request.query
    now = time.time()
    account = account_of(request)
    start = _time(query, "start", period_start("month", now))
    end = _time(query, "end", now + 1)
    if end <= start:
        raise invalid("end must be after start.", "end")
    group_by = [g.strip() for g in query.get("group_by", "key").split(",") if g.strip()]
    if not group_by or any(g not in GROUPS for g in group_by) or len(set(group_by)) != len(group_by):
        raise invalid(f"group_by must be one or more of {', '.join(GROUPS)} (comma-separated).", "group_by")
    key_filter: str | None = account.name
    if account.is_admin:
        key_filter = query.get("key") or None
    elif query.get("key") not in (None, account.name):
        raise ApiError(403, "Only an admin key may ask for another key's usage.", param="key", code="not_admin")
    ledger = request.app[keys.LEDGER]
    await ledger.flush()  # this instance's finished requests not yet written
    rows = await ledger.store.ledger_usage(start, end, key_filter, group_by)
    data = []
    for row in rows:
        item = {g: row[g] for g in group_by}
        item.update({name: int(row[name] or 0) for name in COUNTS})
        item["cost_usd"] = round(float(row["cost_usd"] or 0), 9)
        item["video_seconds"] = round(float(row["video_seconds"] or 0), 3)
        data.append(item)
    spent = await ledger.spent(account)
    limit = account.budget_usd
    budget = {"limit_usd": limit, "period": account.budget_period, "spent_usd": round(spent, 6),
              "remaining_usd": round(max(0.0, limit - spent), 6) if limit is not None else None}
    answer = {"object": "usage", "start": int(start), "end": int(end), "group_by": ",".join(group_by),
              "currency": "usd", "data": data, "budget": budget}
    if request.app[keys.SETTINGS].emulated:
        # serve --emulator keeps its own ledger (data_dir/emulator): every amount in it is what Google would have
        # charged, and nothing was paid.
        answer["emulated"] = True
    return web.json_response(answer)
