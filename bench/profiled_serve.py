"""``genproxy serve`` under cProfile: the event loop's thread and the SQLite store's thread, each to its own file.

    .venv/bin/python bench/profiled_serve.py --out /tmp/polls/run serve --port 8080 --config genproxy.yaml
    .venv/bin/python -m pstats /tmp/polls/run.main.prof      # then: sort tottime / stats 30

Used by bench/pending_jobs.py --profile. The stats are written when the server stops (SIGTERM shuts it down
gracefully). cProfile roughly doubles the CPU of what it profiles: read the shares, not the totals.
"""
from __future__ import annotations

import argparse
import cProfile
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from proxy.cli.main import main
from proxy.jobs import lane


def profile_store_thread(out: str) -> None:
    """Run each LaneExecutor's worker loop (the SQLite store's one thread) under its own profiler."""
    work = lane.LaneExecutor._work

    def profiled(self) -> None:
        profiler = cProfile.Profile()
        profiler.enable()
        try:
            work(self)
        finally:
            profiler.disable()
            profiler.dump_stats(f"{out}.{self._thread.name}.prof")

    lane.LaneExecutor._work = profiled  # type: ignore[method-assign]


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True, help="path prefix of the .prof files")
    known, rest = parser.parse_known_args()
    profile_store_thread(known.out)
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        code = main(rest)
    finally:
        profiler.disable()
        profiler.dump_stats(f"{known.out}.main.prof")
    sys.exit(code)
