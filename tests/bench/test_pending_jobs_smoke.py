"""Smoke test of bench/pending_jobs.py: the quick run completes on both stores and prints every row.

No timing assertions (figures on a shared machine mean nothing here); the full run is in bench/README.md.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

ROWS = ["jobs completed", "upstream polls/s while they poll", "genproxy CPU while they poll, % of one core",
        "emulator CPU (baseline: answers those polls), % of one core", "genproxy CPU ms per poll",
        "genproxy CPU over the whole run", "upstream polls per job"]


def test_quick_pending_jobs_run_prints_every_row_for_both_stores(tmp_path):
    out = subprocess.run([sys.executable, str(REPO / "bench" / "pending_jobs.py"), "--quick",
                          "--json", str(tmp_path / "pending.json")],
                         cwd=REPO, capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr[-3000:]
    table = [line for line in out.stdout.splitlines() if line.startswith("| ")]
    assert table[0] == "| measurement (min / median) | empty store | 2,000 finished jobs |"
    for row in ROWS:
        assert any(line.startswith(f"| {row}") for line in table), f"missing row: {row}\n{out.stdout}"
    raw = json.loads((tmp_path / "pending.json").read_text())
    for rounds in raw.values():
        [only] = rounds
        # every job answered with its video, and they were 20 jobs polled upstream, not one job shared
        assert only["completed"] == 20 and only["errors"] == 0
        assert only["polls"] > 0 and only["polls_per_job"] >= 1
