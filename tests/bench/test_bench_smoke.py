"""Smoke test of bench/: the quick benchmark runs end to end and prints a table with every row.

No timing assertions: figures on a shared CI machine mean nothing; the full run is bench/run.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

ROWS = [
    "text c=1: req/s", "text c=1: p50 ms", "text c=1: p99 ms", "text c=1: server CPU µs per request",
    "text c=64: req/s", "text c=64: p50 ms", "text c=64: p99 ms", "text c=64: server CPU µs per request",
    "text: failed requests", "stream: time to first event p50 ms", "stream: inter-chunk delay p50 ms",
    "stream: inter-chunk delay p99 ms", "start-up to first 200 (s)", "idle RSS (MB)",
    "peak RSS above idle (MB)", "answers byte-identical to the emulator's file",
    "concurrent video jobs completed", "genproxy CPU (% of one core", "upstream polls/s",
    "text c=64, genproxy --workers 2: req/s", "text c=64, genproxy --workers 2: server CPU µs per request",
    "through genproxy, s", "CPU ms per upstream poll",
    "CPU µs per request, whole machine (load generator + server + emulator)",
    "req/s ceiling when the cores are the limit",
]


def test_quick_benchmark_prints_every_row(tmp_path):
    out = subprocess.run([sys.executable, str(REPO / "bench" / "bench.py"), "--quick", "--no-litellm",
                          "--json", str(tmp_path / "latest.json")],
                         cwd=REPO, capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr[-3000:]
    table = [line for line in out.stdout.splitlines() if line.startswith("| ")]
    assert table[0].startswith("| measurement | direct | relay | genproxy | LiteLLM |")
    for row in ROWS:
        assert any(row in line for line in table), f"missing row: {row}\n{out.stdout}"
    assert "| target | met | figure |" in out.stdout
    assert "LiteLLM: skipped (--no-litellm)" in out.stdout
    raw = json.loads((tmp_path / "latest.json").read_text())
    assert {"text", "stream", "startup", "video", "poll"} <= raw.keys()
    # correctness, not speed: every request answered, every video byte-identical, every job done
    assert all(v["errors"] == 0 for v in raw["text"].values())
    assert raw["video"]["identical"] == raw["video"]["n"]
    assert raw["poll"]["completed"] == raw["poll"]["n"]
    # N different jobs, not one job N clients attached to (identical requests share an unfinished job)
    assert raw["poll"]["polls_per_job"] >= 1
