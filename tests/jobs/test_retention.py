"""Expired files, shared files and the job_retention setting, on both backends (issue 26): the sweep reads only
what expired since the last one, a file two jobs share stays while either needs it, and finished jobs past
job_retention leave the store while the ledger keeps their money."""
from __future__ import annotations

import sqlite3
import time
from types import SimpleNamespace

from proxy import keys
from proxy.jobs import migrations
from proxy.jobs.backends import open_store
from proxy.jobs.store import Job, new_job_id


def finished(client="key-a", *, ended=None) -> Job:
    ended = time.time() if ended is None else ended
    return Job(id=new_job_id(), client_key_id=client, model="veo-3.1-generate-preview", route={"model": "veo"},
               status="completed", completed_at=ended, created_at=ended - 60, updated_at=ended)


async def record(store, job: Job, sha: str, expires: float) -> Job:
    await store.create(job)
    return await store.update(job, expires_at=expires,
                              result={"message": {}, "media": [{"sha256": sha, "size": 1, "mime_type": "video/mp4"}]})


async def open_one(jobs_db, tmp_path):
    store = open_store(SimpleNamespace(jobs_db=jobs_db, data_dir=tmp_path))
    await store.open()
    return store


async def test_a_shared_file_stays_until_every_job_using_it_has_expired(jobs_db, tmp_path):
    store = await open_one(jobs_db, tmp_path)
    try:
        now = time.time()
        old = await record(store, finished(), "a" * 64, expires=now - 5)
        await record(store, finished(), "a" * 64, expires=now + 3600)
        await record(store, finished(), "b" * 64, expires=now - 5)
        assert await store.media_in_use(now, ["a" * 64, "b" * 64]) == {"a" * 64}
        due = await store.expired_media(now)
        assert sorted(m["sha256"] for m in due) == ["a" * 64, "b" * 64]
        await store.forget_media(due)
        assert await store.expired_media(now) == []  # the next sweep has nothing left to read
        await store.delete(old.id)
        assert await store.media_in_use(now, ["a" * 64]) == {"a" * 64}
    finally:
        await store.close()


async def test_finished_jobs_past_retention_go_and_the_rest_stay(jobs_db, tmp_path):
    store = await open_one(jobs_db, tmp_path)
    try:
        now = time.time()
        ancient = finished(ended=now - 100 * 86400)
        await store.create(ancient)
        unswept = await record(store, finished(ended=now - 100 * 86400), "c" * 64, expires=now - 99 * 86400)
        recent = finished(ended=now - 86400)
        await store.create(recent)
        running = Job(id=new_job_id(), client_key_id="key-a", model="veo", route={}, status="in_progress",
                      created_at=now - 200 * 86400)
        await store.create(running)
        await store.ledger_insert_many([{"id": ancient.id, "key_name": "key-a", "model": "veo", "state": "settled",
                                         "created_at": now - 100 * 86400, "settled_at": now - 100 * 86400,
                                         "estimated_usd": 3.2, "cost_usd": 3.2, "video_seconds": 8, "images": 0,
                                         "input_tokens": 0, "output_tokens": 0, "video_tokens": 0}])
        assert await store.prune_jobs(now - 90 * 86400) == 1
        assert await store.get(ancient.id) is None
        # Its file is still to be swept: the row that names it stays until then.
        assert await store.get(unswept.id) is not None
        await store.forget_media(await store.expired_media(now))
        assert await store.prune_jobs(now - 90 * 86400) == 1
        assert await store.get(recent.id) is not None and await store.get(running.id) is not None
        assert await store.ledger_spent("key-a", 0) == 3.2  # the money outlives the job row
    finally:
        await store.close()


async def test_an_older_sqlite_store_learns_which_files_its_jobs_use(tmp_path):
    path = tmp_path / "jobs.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at REAL NOT NULL)")
    for version, script in migrations.SQLITE[:5]:
        db.executescript(script)
        db.execute("INSERT INTO schema_migrations VALUES (?, 0)", (version,))
    db.execute("INSERT INTO jobs (id, client_key_id, model, route, status, created_at, updated_at, result, expires_at)"
               " VALUES ('video_old', 'k', 'veo', '{}', 'completed', 1, 1, ?, ?)",
               ('{"media": [{"sha256": "' + "d" * 64 + '", "size": 1, "mime_type": "video/mp4"}]}',
                time.time() + 3600))
    db.commit()
    db.close()
    store = open_store(SimpleNamespace(jobs_db=path, data_dir=tmp_path))
    await store.open()
    try:
        assert await store.schema_version() == migrations.LATEST
        assert await store.media_in_use(time.time(), ["d" * 64]) == {"d" * 64}
    finally:
        await store.close()


async def test_the_sweep_deletes_old_job_rows_when_retention_is_set(make_proxy):
    proxy = await make_proxy(media_ttl=0.2, job_retention=0.5)
    store = proxy.app[keys.JOB_STORE]
    job, recent = finished(ended=time.time() - 10), finished(ended=time.time() + 60)
    await store.create(job)
    await store.create(recent)
    await proxy.app[keys.JOB_RUNNER].remove_expired_media()
    assert await store.get(job.id) is None and await store.get(recent.id) is not None
