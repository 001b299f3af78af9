"""The job store contract, on both backends (SQLite file, real PostgreSQL server)."""
from __future__ import annotations

import asyncio
import sqlite3
import time
from types import SimpleNamespace

import pytest

from proxy.jobs import migrations
from proxy.jobs.backends import open_store
from proxy.jobs.store import CapacityReached, Job, new_job_id


def make_job(client: str = "key-a", **fields) -> Job:
    return Job(id=new_job_id(), client_key_id=client, model="veo-3.1-generate-preview", route={"model": "veo"},
               **fields)


@pytest.fixture
async def open_stores(jobs_db, tmp_path):
    """open() -> a new store on the same database, as a second instance would have."""
    opened = []

    async def make():
        store = open_store(SimpleNamespace(jobs_db=jobs_db, data_dir=tmp_path))
        await store.open()
        opened.append(store)
        return store

    yield make
    for store in opened:
        await store.close()


async def test_the_schema_is_migrated_to_the_latest_version_once(open_stores):
    first = await open_stores()
    second = await open_stores()  # a second start-up applies nothing twice
    assert await first.schema_version() == await second.schema_version() == migrations.LATEST
    job = make_job(request={"instances": [{"prompt": "a cat"}]})
    await first.create(job)
    assert (await second.get(job.id)).request == {"instances": [{"prompt": "a cat"}]}


async def test_an_old_sqlite_store_keeps_its_jobs_through_the_migrations(tmp_path):
    path = tmp_path / "jobs.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(migrations.SQLITE[0][1])  # the schema genproxy had before migrations
    db.execute("INSERT INTO jobs (id, client_key_id, model, route, status, created_at, updated_at) "
               "VALUES ('video_old', 'k', 'veo', '{}', 'in_progress', 1, 1)")
    db.commit()
    db.close()
    store = open_store(SimpleNamespace(jobs_db=path, data_dir=tmp_path))
    await store.open()
    try:
        assert await store.schema_version() == migrations.LATEST
        old = await store.get("video_old")
        assert old.status == "in_progress" and old.owner is None
        [claimed] = await store.claim_expired("me", time.time() + 30, time.time())
        assert claimed.id == "video_old"
    finally:
        await store.close()


async def test_the_per_key_cap_holds_under_concurrent_creates_from_two_instances(open_stores):
    a, b = await open_stores(), await open_stores()

    async def create(store):
        try:
            await store.create(make_job(status="submitting"), cap=5)
            return True
        except CapacityReached:
            return False

    results = await asyncio.gather(*(create(a if i % 2 else b) for i in range(60)))
    assert sum(results) == 5
    assert await a.count_unfinished("key-a") == 5
    await a.create(make_job(client="key-b"), cap=5)  # another key has its own cap


async def test_an_idempotency_key_makes_one_job_across_instances(open_stores):
    a, b = await open_stores(), await open_stores()
    jobs = await asyncio.gather(*(
        (a if i % 2 else b).create(make_job(idempotency_key="retry-1"), cap=100) for i in range(20)))
    assert len({job.id for job in jobs}) == 1
    assert await a.count_unfinished("key-a") == 1


async def test_leases_give_each_job_to_one_instance_and_expire(open_stores):
    a, b = await open_stores(), await open_stores()
    now = time.time()
    job = make_job(status="in_progress", owner="a", lease_until=now + 30)
    await a.create(job)
    assert await b.claim_expired("b", now + 30, now) == []
    assert await a.renew_leases("a", now + 60) == {job.id}
    later = now + 61  # a died: its lease ran out
    [taken] = await b.claim_expired("b", later + 30, later)
    assert taken.id == job.id and taken.owner == "b"
    assert await a.renew_leases("a", later + 30) == set()  # a learns it lost the job
    assert await b.lease_owners() == {"b"}
    await b.release_leases("b")
    assert [j.id for j in await a.claim_expired("a", now + 30, now)] == [job.id]


async def test_two_instances_claiming_at_once_never_take_the_same_job(open_stores):
    a, b = await open_stores(), await open_stores()
    for _ in range(40):
        await a.create(make_job(status="queued"))
    now = time.time()
    rounds = await asyncio.gather(*(
        (a if i % 2 else b).claim_expired(f"owner-{i}", now + 30, now, limit=7) for i in range(10)))
    ids = [job.id for batch in rounds for job in batch]
    assert len(ids) == len(set(ids)) == 40


async def test_thought_signatures_are_shared_and_expire(open_stores):
    a, b = await open_stores(), await open_stores()
    await a.remember_signatures("key-a", {"call_1": "sig-1", "call_2": "sig-2"}, ttl=60)
    await a.remember_signatures("key-a", {"call_old": "sig-old"}, ttl=-1)
    assert await b.recall_signatures("key-a", ["call_1", "call_2", "call_old", "nope"]) == {
        "call_1": "sig-1", "call_2": "sig-2"}
    assert await b.recall_signatures("key-b", ["call_1"]) == {}  # another client key sees none
    await b.remember_signatures("key-a", {"call_1": "sig-1b"}, ttl=60)
    assert await a.recall_signatures("key-a", ["call_1"]) == {"call_1": "sig-1b"}


async def test_credential_cooldowns_are_shared(open_stores):
    a, b = await open_stores(), await open_stores()
    now = time.time()
    await a.set_cooldown("gemini-key-1", "veo-3.1", now + 60)
    await b.set_cooldown("gemini-key-1", "veo-3.1", now + 10)  # a shorter one does not shorten it
    await b.set_cooldown("gemini-key-2", "veo-3.1", now - 1)
    assert await b.cooldowns(now) == {("gemini-key-1", "veo-3.1"): pytest.approx(now + 60)}
