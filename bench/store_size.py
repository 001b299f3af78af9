"""What a request costs the job store at 1k, 100k and 1M stored jobs, on SQLite and PostgreSQL (issue 26).

    .venv/bin/python bench/store_size.py                  # both backends, 1k / 100k / 1M finished jobs
    .venv/bin/python bench/store_size.py --sizes 1000 100000 --backends postgresql --passes 5

Each size gets a new SQLite file opened by genproxy's own SqliteJobStore, and a new database on a PostgreSQL
server this script starts (Debian's /usr/lib/postgresql/*/bin, as the test suite does: tests/postgres.py) opened
by PostgresJobStore, so both have every migration. Then finished jobs are written in bulk with the store's own
row format (job_to_row): realistic rows (a prompt, a recorded request of ~1 KB, a result naming its video, a
ledger entry each) spread over 50 client keys and 90 days, with the triggers of migration 9 keeping their sums
as in use (SQLite: executemany; PostgreSQL: COPY), plus up to SIGNATURE_ROWS thought signatures. Then each
operation a request, a scrape or a sweep runs is timed through the store's API, ``--rounds`` calls per pass,
``--passes`` passes alternating the backends; each pass gives a median per call, and the table shows the
lowest and the median of the passes' medians. CPU per call: SQLite, this process (the store's thread
included), median of the calls; PostgreSQL, this process plus the server processes serving this database
(/proc/<pid>/stat: their ticks are 10 ms, so it is the pass's total divided by its calls).
The PostgreSQL server runs as the suite's does (fsync and synchronous_commit off): a commit does not wait for
the disk, so the figures show what grows with the store, not a durable commit's cost.
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from proxy.jobs.postgres_store import PostgresJobStore
from proxy.jobs.sqlite_store import SqliteJobStore
from proxy.jobs.store import JOB_FIELDS, LEDGER_COLUMNS, SIGNATURE_ROWS, Job, job_to_row, media_rows, new_job_id
from proxy.money.ledger import period_start
from tests.postgres import PostgresServer, find_binaries

KEYS = 50
DAYS = 90
JOB_COLUMNS = JOB_FIELDS  # job_to_row gives the columns in this order


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


def batches(count: int, seed_value: int = 1):
    """``count`` finished jobs in batches of 20,000: (jobs, their job_media rows, their ledger rows)."""
    rng, now = random.Random(seed_value), time.time()
    done = 0
    while done < count:
        jobs = [finished_job(rng, now, done + i) for i in range(min(20_000, count - done))]
        media = [row for j in jobs if j.expires_at > now for row in media_rows(j)]
        ledger = [(j.id, j.client_key_id, j.model, "settled", j.created_at, j.completed_at, 3.2, 3.2, 8.0, 0, 0, 0, 0)
                  for j in jobs]
        yield jobs, media, ledger
        done += len(jobs)


def signature_rows(count: int) -> list[tuple]:
    expires = time.time() + 3600
    return [(f"key-{i % KEYS}", f"call_{i}", "c2lnbmF0dXJl" * 20, expires + i % 600)
            for i in range(min(count, SIGNATURE_ROWS))]


def seed(path: Path, count: int, seed_value: int = 1) -> None:
    """``count`` finished jobs (and their ledger entries) written in batches straight into the store's tables."""
    store = SqliteJobStore(path)
    asyncio.run(store.open())
    asyncio.run(store.close())
    import sqlite3

    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    names = ", ".join(JOB_COLUMNS)
    marks = ", ".join(f":{n}" for n in JOB_COLUMNS)
    for jobs, media, ledger in batches(count, seed_value):
        db.execute("BEGIN")
        db.executemany(f"INSERT INTO jobs ({names}) VALUES ({marks})", [job_to_row(j) for j in jobs])
        db.executemany("INSERT OR IGNORE INTO job_media (job_id, sha256, mime_type, expires_at) VALUES (?, ?, ?, ?)",
                       media)
        db.executemany(f"INSERT INTO ledger ({', '.join(LEDGER_COLUMNS)}) VALUES ({', '.join('?' for _ in LEDGER_COLUMNS)})",
                       ledger)
        db.execute("COMMIT")
    db.executemany("INSERT INTO thought_signatures VALUES (?, ?, ?, ?)", signature_rows(count))
    db.commit()
    db.execute("PRAGMA optimize")
    db.close()


async def seed_postgres(url: str, count: int, seed_value: int = 1) -> None:
    """The same rows through COPY (the row triggers fire, as for any insert), then VACUUM ANALYZE (what
    autovacuum has done in a store that has been running)."""
    store = PostgresJobStore(url)
    await store.open()
    await store.close()
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        for jobs, media, ledger in batches(count, seed_value):
            async with conn.transaction():
                await conn.copy_records_to_table("jobs", columns=JOB_COLUMNS,
                                                 records=[tuple(job_to_row(j).values()) for j in jobs])
                await conn.copy_records_to_table("job_media", columns=["job_id", "sha256", "mime_type", "expires_at"],
                                                 records=list(dict.fromkeys(media)))
                await conn.copy_records_to_table("ledger", columns=LEDGER_COLUMNS, records=ledger)
        await conn.copy_records_to_table("thought_signatures", records=signature_rows(count))
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


def process_ticks(pids: list[int]) -> int:
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks


async def server_pids(store) -> list[int]:
    if not isinstance(store, PostgresJobStore):
        return []
    rows = await store._pool.fetch("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
    return [r["pid"] for r in rows]


async def measure(store, rounds: int) -> dict[str, tuple[float, float]]:
    """Median wall seconds per call and CPU seconds per call, for each operation."""
    started = time.perf_counter()
    await store.open()
    opened = time.perf_counter() - started
    now = time.time()
    month = period_start("month", now)
    results: dict[str, tuple[float, float]] = {"open (migrations, start-up)": (opened, opened)}
    unfinished = [Job(id=new_job_id(), client_key_id="key-1", model="veo-3.1-generate-preview", route={},
                      status="in_progress", owner="bench", lease_until=now + 60, summary={"request_sha256": "e" * 64})
                  for _ in range(5)]
    for job in unfinished:
        await store.create(job)
    made: list[Job] = []
    calls = iter(range(10**9))

    async def create():
        job = Job(id=new_job_id(), client_key_id="key-2", model="veo-3.1-generate-preview", route={},
                  status="submitting", idempotency_key=new_job_id())
        await store.create(job, cap=10**6)
        made.append(job)

    async def delete():
        job = made.pop()
        await store.delete(job.id)
        await store.media_in_use(now, ["a" * 64])

    async def reserve_and_settle():
        entry = {"id": f"req_bench{next(calls)}_{now}", "key_name": "key-4", "model": "veo-3.1-generate-preview",
                 "created_at": time.time(), "estimated_usd": 3.2}
        await store.ledger_reserve(entry, limit=10.0**9, since=month)
        await store.ledger_settle(entry["id"], "settled", {"cost_usd": 3.2, "video_seconds": 8})

    async def scrape():
        await store.job_counts()
        await store.ledger_costs()

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
        ("ledger_spent (monthly budget)", lambda: store.ledger_spent("key-4", month)),
        ("reserve with a budget + settle", reserve_and_settle),
        ("usage of a key, one day", lambda: store.ledger_usage(now - 86400, now, "key-4", ["model"])),
        ("/metrics store reads (job_counts + ledger_costs)", scrape),
        ("remember a thought signature", lambda: store.remember_signatures(
            "key-5", {f"call_new{next(calls)}": "c2ln"}, ttl=3600)),
        ("recall thought signatures", lambda: store.recall_signatures("key-5", ["call_5", "call_55", "call_x"])),
        ("recent_completions (poll plan)", lambda: store.recent_completions("veo-3.1-generate-preview", 200)),
    ]
    pids = await server_pids(store)
    for name, operation in operations:
        walls, cpus = [], []
        ticks = process_ticks(pids)
        for _ in range(rounds):
            w0, c0 = time.perf_counter(), time.process_time()
            await operation()
            walls.append(time.perf_counter() - w0)
            cpus.append(time.process_time() - c0)
        server = (process_ticks(pids) - ticks) / os.sysconf("SC_CLK_TCK")
        cpu = statistics.median(cpus) if not pids else (sum(cpus) + server) / rounds
        results[name] = (statistics.median(walls), cpu)
    await store.close()
    return results


def table(backend: str, runs: dict[int, list[dict[str, tuple[float, float]]]]) -> list[str]:
    """Per size: the lowest and the median of the passes' medians ("min–median"), wall then CPU, in ms."""
    sizes = list(runs)

    def cell(values: list[float]) -> str:
        low, mid = min(values) * 1000, statistics.median(values) * 1000
        return f"{low:.2f}" if len(values) == 1 else f"{low:.2f}–{mid:.2f}"

    lines = [f"| operation ({backend}) | " + " | ".join(f"{s:,} jobs: ms, min–median (CPU ms)" for s in sizes) + " |",
             "|---|" + "---:|" * len(sizes)]
    for name in runs[sizes[0]][0]:
        cells = [f"{cell([p[name][0] for p in runs[s]])} ({cell([p[name][1] for p in runs[s]])})" for s in sizes]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000, 1_000_000])
    parser.add_argument("--backends", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--rounds", type=int, default=100, help="calls of each operation per pass")
    parser.add_argument("--passes", type=int, default=3, help="measurement passes per size, backends alternated")
    args = parser.parse_args()
    backends = list(args.backends)
    server = None
    if "postgresql" in backends:
        bindir = find_binaries()
        if bindir is None:
            print("PostgreSQL binaries not found (/usr/lib/postgresql/*/bin): SQLite only", file=sys.stderr)
            backends.remove("postgresql")
        else:
            server = PostgresServer(bindir)
            server.start()
    runs: dict[str, dict[int, list]] = {b: {} for b in backends}
    try:
        with tempfile.TemporaryDirectory(prefix="genproxy-store-size-") as folder:
            for size in args.sizes:
                path, url = Path(folder) / f"jobs-{size}.sqlite3", ""
                for backend in backends:
                    t0 = time.perf_counter()
                    if backend == "sqlite":
                        seed(path, size)
                        where = f"{path.stat().st_size / 1e6:.0f} MB"
                    else:
                        assert server is not None
                        url = server.create_database(f"store_size_{size}")
                        asyncio.run(seed_postgres(url, size))
                        where = "database " + url.rsplit("/", 1)[1]
                    print(f"{backend}: seeded {size:,} jobs in {time.perf_counter() - t0:.1f} s ({where})",
                          file=sys.stderr, flush=True)
                for turn in range(args.passes):
                    for backend in backends if turn % 2 == 0 else backends[::-1]:
                        store = SqliteJobStore(path) if backend == "sqlite" else PostgresJobStore(url)
                        runs[backend].setdefault(size, []).append(asyncio.run(measure(store, args.rounds)))
                for backend in backends:  # each size as it is done (a long run may be stopped)
                    print("\n".join(table(backend, {size: runs[backend][size]})) + "\n", file=sys.stderr, flush=True)
                path.unlink(missing_ok=True)
                if url:
                    assert server is not None
                    subprocess.run([str(server.bindir / "dropdb"), "-h", "127.0.0.1", "-p", str(server.port),
                                    "-U", "genproxy", url.rsplit("/", 1)[1]], check=True)
    finally:
        if server is not None:
            server.stop()
    for backend in backends:
        print("\n".join(table(backend, runs[backend])) + "\n")


if __name__ == "__main__":
    main()
