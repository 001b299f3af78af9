"""Polls planned from how long jobs took (issue 26 item 2): answered soon after Google is done, at no more polls
than the fixed schedule; a 429 on a poll slows the polls down instead of failing the job."""
from __future__ import annotations

import asyncio
import math
import random
import statistics
import time
from types import SimpleNamespace

from proxy.jobs.backends import open_store
from proxy.jobs.durations import DurationHistory
from proxy.jobs.store import Job, new_job_id
from proxy.routing.poll_schedule import Durations, fixed_offsets, plan
from tests.support import AUTH


def run(offsets: list[float], tail: float, seconds: float) -> tuple[float, int]:
    """(delay after completion, polls) of one job that takes ``seconds``, polled at ``offsets`` then every tail."""
    polls, t = 0, 0.0
    for t in offsets:
        polls += 1
        if t >= seconds:
            return t - seconds, polls
    while t < seconds:
        t += tail
        polls += 1
    return t - seconds, polls


def test_a_learned_plan_answers_within_a_second_at_fewer_polls_than_the_fixed_schedule():
    rng = random.Random(7)
    for median in (40.0, 90.0, 240.0):  # Veo fast, standard, a long Omni video
        taken = [median * math.exp(rng.gauss(0, 0.08)) for _ in range(2000)]
        offsets = plan(Durations.fit(taken[:200]), initial=5.0, tail=10.0)
        fixed = fixed_offsets(5.0, 10.0, 1.5, 2000.0)
        planned = [run(offsets, 10.0, s) for s in taken]
        today = [run(fixed, 10.0, s) for s in taken]
        assert statistics.median(d for d, _ in planned) <= 1.0, median
        assert statistics.median(d for d, _ in today) >= 3.0
        assert statistics.fmean(p for _, p in planned) <= statistics.fmean(p for _, p in today), median


def test_without_history_the_plan_follows_googles_published_range_and_spends_no_more():
    published = Durations.between(11.0, 360.0)
    offsets = plan(published, initial=5.0, tail=10.0)
    rng = random.Random(3)
    taken = [published.quantile(rng.random()) for _ in range(2000)]
    planned = statistics.fmean(run(offsets, 10.0, s)[1] for s in taken)
    today = statistics.fmean(run(fixed_offsets(5.0, 10.0, 1.5, 5000.0), 10.0, s)[1] for s in taken)
    assert planned <= today
    assert max(b - a for a, b in zip([0.0, *offsets], offsets)) <= 30.0  # an early failure is seen within 30 s


async def test_the_history_comes_from_the_store_per_model_and_setting(tmp_path):
    store = open_store(SimpleNamespace(jobs_db=None, data_dir=tmp_path))
    await store.open()
    try:
        now = time.time()
        for i in range(12):
            seconds = 60.0 + i % 3  # 720p 8 s videos took a minute
            job = Job(id=new_job_id(), client_key_id="k", model="veo-3.1-generate-preview", route={},
                      status="completed", created_at=now - 1000 + i, completed_at=now - 1000 + i + seconds + 4,
                      summary={"resolution": "720p", "seconds": 8, "generation_seconds": seconds})
            await store.create(job)
        history = DurationHistory(store, initial=5.0, tail=10.0, growth=1.5, shortest=1.0)
        new = Job(id=new_job_id(), client_key_id="k", model="veo-3.1-generate-preview", route={},
                  created_at=now, summary={"resolution": "720p", "seconds": 8})
        planned = (await history.plan_for(new)).offsets
        dense = [t for t in planned if 55 <= t <= 66]
        assert len(dense) >= 8, planned  # about every second around the minute such videos take
        assert min(planned) >= 20, planned  # and hardly at all before
        other = Job(id=new_job_id(), client_key_id="k", model="gemini-omni-flash-preview", route={}, created_at=now)
        assert (await history.plan_for(other)).offsets != planned  # another model: Google's range until learned
    finally:
        await store.close()


async def test_a_429_on_a_poll_waits_and_the_video_still_arrives(proxy):
    video = await (await proxy.post("/v1/videos", json={"prompt": "A cat [emulate:poll-quota] [emulate:delay=0.5]"},
                                    headers=AUTH)).json()
    for _ in range(200):
        current = await (await proxy.get(f"/v1/videos/{video['id']}", headers=AUTH)).json()
        if current["status"] in ("completed", "failed"):
            break
        await asyncio.sleep(0.1)
    assert current["status"] == "completed", current
