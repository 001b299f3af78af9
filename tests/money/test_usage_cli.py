"""`genproxy usage` run as a user runs it, against a running proxy."""
from __future__ import annotations

import json

from tests.clients.helpers import run
from tests.clients.test_cli_client import GENPROXY
from tests.money.test_ledger import ALICE, ALICE_KEY, team  # noqa: F401 - the fixture
from tests.support import chat


async def test_usage_prints_the_table_total_and_budget(team, emulator):  # noqa: F811
    resp = await team.post("/v1/chat/completions", json=chat("gemini-3.5-flash", "hi"), headers=ALICE)
    assert resp.status == 200
    conn = ["--base-url", str(team.make_url("/")), "--api-key", ALICE_KEY]
    code, stdout, stderr = await run(*GENPROXY, "usage", "--group-by", "model", *conn)
    assert code == 0, stderr
    lines = stdout.splitlines()
    assert lines[1].split()[:3] == ["model", "requests", "cost_usd"]
    assert lines[2].split()[:2] == ["gemini-3.5-flash", "1"]
    assert "total: $0.0" in stdout and "budget: $0.00 of $4.00 spent this month, $4.00 left" in stdout
    code, stdout, _ = await run(*GENPROXY, "usage", "--json", "--since", "2026-01-01", *conn)
    body = json.loads(stdout)
    assert code == 0 and body["object"] == "usage" and body["start"] == 1767225600
    code, _, stderr = await run(*GENPROXY, "usage", "--group-by", "colour", *conn)
    assert code == 1 and "group_by" in stderr
