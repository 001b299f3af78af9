"""`genproxy usage`: what your key (an admin key: every key) spent, from a running genproxy's /v1/usage."""
from __future__ import annotations

import argparse
import json
import urllib.parse
from datetime import UTC, datetime
from typing import TextIO

COLUMNS = ("requests", "cost_usd", "video_seconds", "images", "input_tokens", "output_tokens", "video_tokens")


def add_parser(sub, connection_args) -> None:
    usage = sub.add_parser("usage", help="show what your key spent (an admin key: every key)",
                           description="Costs and usage recorded by a running genproxy (GET /v1/usage).")
    usage.add_argument("--group-by", default="key", help="key, model, day, or several: model,day (default key)")
    usage.add_argument("--since", default=None, help="YYYY-MM-DD (UTC) or Unix seconds; default this month")
    usage.add_argument("--until", default=None, help="YYYY-MM-DD (UTC, exclusive) or Unix seconds; default now")
    usage.add_argument("--key", default=None, help="(admin keys) only this key name")
    usage.add_argument("--json", action="store_true", help="print the /v1/usage answer as JSON")
    connection_args(usage)


def _moment(text: str | None) -> str | None:
    if text is None:
        return None
    if text.replace(".", "", 1).isdigit():
        return text
    try:
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise SystemExit(f"genproxy usage: '{text}' is not YYYY-MM-DD or Unix seconds") from None
    return str(int(day.timestamp()))


def _day(stamp: int) -> str:
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


def run(args: argparse.Namespace, client, stdout: TextIO, stderr: TextIO) -> int:
    query = {"group_by": args.group_by, "start": _moment(args.since), "end": _moment(args.until), "key": args.key}
    body, _ = client.json("GET", "/v1/usage?" + urllib.parse.urlencode({k: v for k, v in query.items() if v}))
    if args.json:
        print(json.dumps(body, indent=2), file=stdout)
        return 0
    groups = body["group_by"].split(",")
    print(f"usage from {_day(body['start'])} to {_day(body['end'])} ({body['currency'].upper()})", file=stdout)
    header = [*groups, *COLUMNS]
    rows = [[str(row.get(g, "")) for g in groups] +
            [f"{row['cost_usd']:.4f}" if c == "cost_usd" else f"{row[c]:g}" for c in COLUMNS] for row in body["data"]]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)), file=stdout)
    for row in rows:
        print("  ".join(v.ljust(w) if i < len(groups) else v.rjust(w)
                        for i, (v, w) in enumerate(zip(row, widths))), file=stdout)
    if not rows:
        print("(nothing recorded in this window)", file=stderr)
    total = sum(row["cost_usd"] for row in body["data"])
    print(f"total: ${total:.4f}", file=stdout)
    budget = body["budget"]
    if budget["limit_usd"] is not None:
        print(f"budget: ${budget['spent_usd']:.2f} of ${budget['limit_usd']:.2f} spent this {budget['period']}, "
              f"${budget['remaining_usd']:.2f} left", file=stdout)
    else:
        print(f"budget: none (spent ${budget['spent_usd']:.2f} this {budget['period']})", file=stdout)
    return 0


