"""When to check a long-running operation: a plan shaped by how long such operations really take.

The fixed schedule (PollPolicy: after 5 s, then x1.5 up to every 10 s) answers a median ~5 s after Google is done
with a video. How long a video takes depends mostly on the model and its settings, so genproxy learns it
(proxy/jobs/durations.py) and plans each job's polls from a log-normal fit of those durations: rarely while the
video cannot be done yet, every second or two where most of them end, and as the fixed schedule after. A plan
spends, in expectation, no more polls than the fixed schedule would on the same durations.

The spacing follows Keller's rule for checking a system that fails at a random time (J. B. Keller, "Optimum
checking schedules for systems subject to random failure", Management Science 21(3), 1974): for a given expected
number of checks, the expected delay to notice is least when the gap between checks at time t is proportional
to 1/sqrt(hazard(t)), the hazard being density / survival (the chance to end now, not having ended yet).
"""
from __future__ import annotations

import bisect
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

# The narrowest spread a fit may claim (log-seconds): a handful of equal samples must not make the plan a needle.
MIN_SIGMA = 0.03
# The plan covers durations up to this quantile; later checks follow the fixed schedule.
PLAN_QUANTILE = 0.999
# The longest gap of a plan, in poll_max_delay (the fixed schedule's longest gap).
LONGEST_GAP = 3.0
# The resolution of a plan's times (seconds).
GRID = 0.25
# A plan spends at most this share of the fixed schedule's expected polls (the fit is an estimate).
BUDGET_SHARE = 0.95
# Gaps grow as (1/hazard) ** POWER: 0.5 is Keller's rule (least mean delay); 1.0 crowds the checks where most
# operations end, which lowers the median delay for the same number of polls (simulated: at a spread of 10 %,
# median 0.85-0.93 s against Keller's 1.1-1.5 s, for jobs of 40 s to 4 min).
POWER = 1.0
_STANDARD = NormalDist()


@dataclass(frozen=True)
class Durations:
    """A log-normal fit of how long operations take: seconds from the job's record to Google's done."""

    mu: float
    sigma: float
    samples: int = 0

    @classmethod
    def fit(cls, seconds: Sequence[float]) -> Durations:
        """Median and median absolute deviation of the logs: one stuck job at peak hours does not widen it."""
        logs = [math.log(max(s, 0.5)) for s in seconds]
        mu = statistics.median(logs)
        sigma = 1.4826 * statistics.median(abs(v - mu) for v in logs)
        return cls(mu, max(sigma, MIN_SIGMA), len(logs))

    @classmethod
    def between(cls, shortest: float, longest: float, share: float = 0.98) -> Durations:
        """A published range, read as the central ``share`` of the durations (1st to 99th percentile)."""
        z = _STANDARD.inv_cdf(0.5 + share / 2)
        low, high = math.log(shortest), math.log(longest)
        return cls((low + high) / 2, max((high - low) / (2 * z), MIN_SIGMA))

    def survival(self, t: float) -> float:
        return 1.0 if t <= 0 else 1.0 - _STANDARD.cdf((math.log(t) - self.mu) / self.sigma)

    def density(self, t: float) -> float:
        if t <= 0:
            return 0.0
        z = (math.log(t) - self.mu) / self.sigma
        return math.exp(-z * z / 2) / (t * self.sigma * math.sqrt(2 * math.pi))

    def quantile(self, p: float) -> float:
        return math.exp(self.mu + self.sigma * _STANDARD.inv_cdf(p))


def fixed_offsets(initial: float, longest: float, growth: float, until: float) -> list[float]:
    """The fixed schedule's poll times (seconds after the start, no jitter) up to ``until``."""
    t, delay, offsets = 0.0, initial or longest, []
    while t < until:
        t += delay
        offsets.append(t)
        delay = min(longest, delay * growth)
    return offsets


def expected_polls(offsets: Sequence[float], durations: Durations) -> float:
    """Polls made on average: the poll at offsets[i] happens when the operation was not done at offsets[i-1]."""
    return sum(durations.survival(before) for before in [0.0, *offsets[:-1]])


class _Grid:
    """Survival and 1/hazard of a fit at GRID-second steps up to ``end``: a plan's bisection is then arithmetic."""

    def __init__(self, durations: Durations, end: float):
        self.times = [k * GRID for k in range(int(end / GRID) + 2)]
        self.survival = [durations.survival(t) for t in self.times]
        density = [durations.density(t) for t in self.times]
        self.inverse_hazard = [s / d if d > 0 else math.inf for s, d in zip(self.survival, density)]

    def offsets(self, scale: float, shortest: float, longest: float, power: float) -> list[int]:
        """Grid indexes of the checks: the next comes at the first point where the gap since the last one
        reaches the gap wanted there (so a narrow window of likely ends is never stepped over)."""
        last, size, found = 0, len(self.times), []
        low, high = round(shortest / GRID), round(longest / GRID)
        k = 0
        while k < size - 1:
            k = last + 1
            while k < size - 1:
                ratio = self.inverse_hazard[k]
                wanted = high if ratio == math.inf else scale * min(ratio, 1e9) ** power / GRID
                if k - last >= min(high, max(low, wanted)):
                    break
                k += 1
            found.append(k)
            last = k
        return found


def plan(durations: Durations, *, initial: float, tail: float, growth: float = 1.5, shortest: float = 1.0,
         longest: float | None = None, power: float = POWER) -> list[float]:
    """Poll offsets (seconds after the job's start) up to the plan's end; after the last, poll every ``tail`` s.

    Spends no more polls in expectation than BUDGET_SHARE of the fixed schedule's (``initial``, x``growth``, up
    to ``tail``) on the same durations: the densest schedule of that shape within the budget, with gaps between
    ``shortest`` (the most this proxy asks of Google about one operation) and ``longest`` (default
    LONGEST_GAP x ``tail``: an early failure is still noticed within half a minute at the default 10 s)."""
    longest = LONGEST_GAP * tail if longest is None else longest
    end = durations.quantile(PLAN_QUANTILE)
    horizon = end + 10 * tail
    budget = BUDGET_SHARE * expected_polls(fixed_offsets(initial, tail, growth, horizon), durations)
    grid = _Grid(durations, end)
    # After the plan, every ``tail`` s: each of those polls happens when the operation was not done at the one before.
    tail_polls = sum(durations.survival(end + t) for t in [0.0, *fixed_offsets(tail, tail, 1.0, horizon - end)[:-1]])

    def cost(indexes: list[int]) -> float:
        return 1.0 + sum(grid.survival[k] for k in indexes[:-1]) + tail_polls

    low, high = math.log(1e-4), math.log(1e4)  # the scale, in logs: low is dense (many polls), high sparse
    for _ in range(24):
        middle = (low + high) / 2
        if cost(grid.offsets(math.exp(middle), shortest, longest, power)) > budget:
            low = middle
        else:
            high = middle
    return [grid.times[k] for k in grid.offsets(math.exp(high), shortest, longest, power)]


@dataclass
class PollPlan:
    """One job's plan: poll at ``offsets`` seconds after ``started`` (wall clock: a job resumed after a restart
    continues its plan), then every ``tail`` seconds."""

    offsets: list[float]
    started: float
    tail: float
    shortest: float = 1.0

    def next_delay(self, now: float) -> float:
        elapsed = now - self.started
        index = bisect.bisect_right(self.offsets, elapsed + GRID / 2)
        if index < len(self.offsets):
            return max(self.offsets[index] - elapsed, self.shortest / 2)
        return self.tail
