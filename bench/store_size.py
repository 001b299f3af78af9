"""What a request costs the job store at 1k, 100k and 1M stored jobs (issue 26).

    .venv/bin/python bench/store_size.py                  # SQLite, 1k / 100k / 1M finished jobs
    .venv/bin/python bench/store_size.py --sizes 1000 100000 --rounds 200

Each size gets a new SQLite file opened by genproxy's own SqliteJobStore (so it has every migration), then
finished jobs are written in bulk with the store's own row format (job_to_row): realistic rows (a prompt, a
recorded request of ~1 KB, a result naming its video, a ledger entry each) spread over 50 client keys and 90 days,
plus a few unfinished ones. Then each operation a request or a sweep runs is timed through the store's API,
``--rounds`` times: median wall time and CPU time per call (the store's thread included: process CPU).
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from proxy.jobs.sqlite_store import SqliteJobStore
from proxy.jobs.store import LEDGER_COLUMNS, Job, job_to_row, media_rows, new_job_id

KEYS = 50
DAYS = 90


def finished_job(rng: random.Random, now: float, index: int) -> Job:
    created = now - rng.uniform(0, DAYS * 86400)
    sha = hashlib.sha256(str(index).encode()).hexdigest()
    prompt = f"A cat number {index} walks through a garden at dusk, cinematic, 35mm " * 3
    return Job(id=new_job_id(), client_key_id=f"key-{rng.randrange(KEYS)}", model="veo-3.1-generate-preview",
               route={"model": "veo-3.1-generate-preview", "modality": "video", "upstream": "gemini"},
               status="completed" if rng.random() > 0.05 else "failed", progress=100,
               operation=f"models/veo-3.1-generate-preview/operations/{sha[:12]}", credential_id="gemini-key-1",
               summary={"prompt": prompt, "seconds": 8, "resolution": "720p", "aspect_ratio": "16:9",
                        "source": "videos", "request_sha256": sha, "generation_seconds": 60.0},
               result={"message": {"role": "assistant", "content": "", "videos": [{"video_url": {"url": {"$media": 0}},
                                   "file_uri": f"https://generativelanguage.googleapis.com/v1beta/files/{sha[:12]}"}]},
                       "finish_reason": "stop", "usage": {"video_seconds": 8},
                       "media": [{"sha256": sha, "size": 3_000_000, "mime_type": "video/mp4"}]},
               created_at=created, updated_at=created + 70, completed_at=created + 70, expires_at=created + 2 * 86400,
               request={"instances": [{"prompt": prompt}], "parameters": {"durationSeconds": 8, "sampleCount": 1,
                                                                         "resolution": "720p"}})


def seed(path: Path, count: int, seed_value: int = 1) -> None:
    """``count`` finished jobs (and their ledger entries) written in batches straight into the store's tables."""
    store = SqliteJobStore(path)
    asyncio.run(store.open())
    asyncio.run(store.close())
    import sqlite3

    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    rng, now = random.Random(seed_value), time.time()
    sample = job_to_row(finished_job(rng, now, 0))
    names = ", ".join(sample)
    marks = ", ".join(f":{n}" for n in sample)
    done = 0
    while done < count:
        jobs = [finished_job(rng, now, done + i) for i in range(min(20_000, count - done))]
        db.execute("BEGIN")
        db.executemany(f"INSERT INTO jobs ({names}) VALUES ({marks})", [job_to_row(j) for j in jobs])
        db.executemany("INSERT OR IGNORE INTO job_media (job_id, sha256, mime_type, expires_at) VALUES (?, ?, ?, ?)",
                       [row for j in jobs if j.expires_at > now for row in media_rows(j)])
        db.executemany(f"INSERT INTO ledger ({', '.join(LEDGER_COLUMNS)}) VALUES ({', '.join('?' for _ in LEDGER_COLUMNS)})",
                       [(j.id, j.client_key_id, j.model, "settled", j.created_at, j.completed_at, 3.2, 3.2, 8, 0, 0, 0,
                         0) for j in jobs])
        db.execute("COMMIT")
        done += len(jobs)
    db.execute("PRAGMA optimize")
    db.close()


async def measure(path: Path, rounds: int) -> dict[str, tuple[float, float]]:
    store = SqliteJobStore(path)
    started = time.perf_counter()
    await store.open()
    opened = time.perf_counter() - started
    now = time.time()
    results: dict[str, tuple[float, float]] = {"open (migrations, start-up)": (opened, opened)}
    unfinished = [Job(id=new_job_id(), client_key_id="key-1", model="veo-3.1-generate-preview", route={},
                      status="in_progress", owner="bench", lease_until=now + 60, summary={"request_sha256": "e" * 64})
                  for _ in range(5)]
    for job in unfinished:
        await store.create(job)
    made: list[Job] = []

    async def create():
        job = Job(id=new_job_id(), client_key_id="key-2", model="veo-3.1-generate-preview", route={},
                  status="submitting", idempotency_key=new_job_id())
        await store.create(job, cap=10**6)
        made.append(job)

    async def delete():
        job = made.pop()
        await store.delete(job.id)
        await store.media_in_use(now, ["a" * 64])

    operations = [
        ("create (cap + Idempotency-Key)", create),
        ("count_unfinished (per-key cap)", lambda: store.count_unfinished("key-1")),
        ("attach-to-running (fingerprint)", lambda: store.unfinished_with_fingerprint("key-1", "e" * 64)),
        ("get", lambda: store.get(unfinished[0].id, "key-1")),
        ("list a page", lambda: store.page("key-3", after=None, limit=20, order="desc")),
        ("update progress", lambda: store.update(unfinished[0], progress=50)),
        ("delete (+ media in use)", delete),
        ("expiry sweep pass", lambda: store.expired_media(time.time(), 1000)),
        ("claim_expired (lease take-over)", lambda: store.claim_expired("other", now + 60, now)),
        ("renew_leases", lambda: store.renew_leases("bench", now + 60)),
        ("ledger_spent (budget)", lambda: store.ledger_spent("key-4", now - 30 * 86400)),
        ("usage of a key, one day", lambda: store.ledger_usage(now - 86400, now, "key-4", ["model"])),
        ("recent_completions (poll plan)", lambda: store.recent_completions("veo-3.1-generate-preview", 200)),
    ]
    for name, operation in operations:
        walls, cpus = [], []
        for _ in range(rounds):
            w0, c0 = time.perf_counter(), time.process_time()
            await operation()
            walls.append(time.perf_counter() - w0)
            cpus.append(time.process_time() - c0)
        results[name] = (statistics.median(walls), statistics.median(cpus))
    await store.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000, 1_000_000])
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    table: dict[int, dict[str, tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="genproxy-store-size-") as folder:
        for size in args.sizes:
            path = Path(folder) / f"jobs-{size}.sqlite3"
            t0 = time.perf_counter()
            seed(path, size)
            print(f"seeded {size:,} jobs in {time.perf_counter() - t0:.1f} s ({path.stat().st_size / 1e6:.0f} MB)",
                  file=sys.stderr, flush=True)
            table[size] = asyncio.run(measure(path, args.rounds))
            path.unlink()
    sizes = list(table)
    print("| operation (SQLite) | " + " | ".join(f"{s:,} jobs: median ms / CPU ms" for s in sizes) + " |")
    print("|---|" + "---:|" * len(sizes))
    for name in table[sizes[0]]:
        cells = [f"{table[s][name][0] * 1000:.2f} / {table[s][name][1] * 1000:.2f}" for s in sizes]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
