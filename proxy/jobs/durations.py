"""How long each model and setting takes at Google, learned from the job store, and the poll plan drawn from it.

Each completed job records ``summary.generation_seconds``: from its record to the middle of the last poll that
saw the operation pending and the one that saw it done. A job's plan (proxy/routing/poll_schedule.py) is drawn
from the durations of the same model, resolution and length, else of the same model, else from Google's
published range. The history of a model is read from the store once (its newest completed jobs, an index
look-up) and then grows in memory as jobs complete here.
"""
from __future__ import annotations

import logging
import math
import time
from collections import deque
from dataclasses import dataclass

from proxy.jobs.store import Job, JobStore
from proxy.routing.poll_schedule import Durations, PollPlan, plan

log = logging.getLogger("genproxy.jobs")

# Veo on the Gemini API: "Latency: Min: 11 seconds; Max: 6 minutes (during peak hours)"
# (ai.google.dev/gemini-api/docs/video, "Veo model parameters and specifications"; wire-formats.md). Gemini
# Omni's videos take as long (issue 26). Read as the 1st to 99th percentile until genproxy has seen its own.
PUBLISHED = Durations.between(11.0, 360.0)
HISTORY = 200          # durations kept per model and per setting
MIN_SAMPLES = 5        # fewer than this: the next broader group is used
REFIT_AFTER = 5        # new durations before a group's plan is drawn again
# A duration is known within the gap between the two polls around Google's end: a wide gap (the sparse polls of
# a plan drawn from little history) says little. Those within max(2 s, 10 %) are used when there are enough.
PRECISE_SECONDS, PRECISE_SHARE = 2.0, 0.1


@dataclass
class _Group:
    seconds: deque
    offsets: list[float] | None = None
    fitted_at: int = 0   # how many samples the plan was drawn from
    added: int = 0


def setting_of(job: Job) -> tuple:
    summary = job.summary or {}
    return (job.model, summary.get("resolution"), summary.get("seconds"))


def duration_of(job: Job) -> tuple[float, float] | None:
    """(seconds, uncertainty) of Google's time for a completed job: recorded, else (jobs from before) its
    completion minus its record, as imprecise."""
    summary = job.summary or {}
    recorded, window = summary.get("generation_seconds"), summary.get("generation_window")
    if isinstance(recorded, int | float) and recorded > 0:
        return float(recorded), float(window) if isinstance(window, int | float) else math.inf
    if job.completed_at and job.completed_at > job.created_at:
        return job.completed_at - job.created_at, math.inf
    return None


def fit(samples) -> Durations:
    precise = [s for s, window in samples if window <= max(PRECISE_SECONDS, PRECISE_SHARE * s)]
    return Durations.fit(precise if len(precise) >= MIN_SAMPLES else [s for s, _ in samples])


class DurationHistory:
    def __init__(self, store: JobStore, *, initial: float, tail: float, growth: float, shortest: float):
        self.store = store
        self.initial, self.tail, self.growth, self.shortest = initial, tail, growth, shortest
        self._groups: dict[tuple, _Group] = {}
        self._loaded: set[str] = set()
        # Drawn now, at start-up, not when the first jobs start: Google's published range takes ~30 ms to plan
        # (a wide spread: thousands of grid points), CPU that held up the event loop just as a burst of submits
        # was answered, so their operation names reached the store that much later (issue 25 item 8: the window
        # in which a SIGKILL loses operations Google bills). On a worker thread instead, the loop would wait
        # for the GIL each time it let go of it (every SQLite write, every socket call) for as long.
        self._group(("published",)).offsets = self._plan(PUBLISHED)

    def _group(self, key: tuple) -> _Group:
        return self._groups.setdefault(key, _Group(deque(maxlen=HISTORY)))

    def record(self, job: Job, seconds: float, window: float = math.inf) -> None:
        for key in (setting_of(job), (job.model,)):
            group = self._group(key)
            group.seconds.append((seconds, window))
            group.added += 1

    async def _load(self, model: str) -> None:
        if model in self._loaded:
            return
        self._loaded.add(model)
        try:
            jobs = await self.store.recent_completions(model, HISTORY)
        except Exception as exc:  # no history is no reason to fail a job: the published range serves
            log.warning("reading how long %s took before failed: %s", model, exc)
            return
        for job in reversed(jobs):  # oldest first, so the newest stay in the deques
            known = duration_of(job)
            if known is not None:
                self.record(job, *known)

    async def plan_for(self, job: Job) -> PollPlan:
        await self._load(job.model)
        for key in (setting_of(job), (job.model,)):
            group = self._groups.get(key)
            if group is not None and len(group.seconds) >= MIN_SAMPLES:
                if group.offsets is None or group.added - group.fitted_at >= REFIT_AFTER:
                    group.offsets = self._plan(fit(group.seconds))
                    group.fitted_at = group.added
                return PollPlan(group.offsets, job.created_at, self.tail, self.shortest)
        group = self._group(("published",))
        if group.offsets is None:
            group.offsets = self._plan(PUBLISHED)
        return PollPlan(group.offsets, job.created_at, self.tail, self.shortest)

    def _plan(self, durations: Durations) -> list[float]:
        started = time.perf_counter()
        offsets = plan(durations, initial=self.initial, tail=self.tail, growth=self.growth, shortest=self.shortest)
        log.debug("poll plan for median %.1f s (sigma %.2f, %d samples): %d polls planned, drawn in %.1f ms",
                  durations.quantile(0.5), durations.sigma, durations.samples, len(offsets),
                  1000 * (time.perf_counter() - started))
        return offsets
