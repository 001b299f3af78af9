"""Opening the job store that the settings name (the backends import proxy.jobs.store, so it cannot)."""
from __future__ import annotations

from pathlib import Path

from proxy.jobs.store import SIGNATURE_ROWS, JobStore


def open_store(settings) -> JobStore:
    """The store ``settings.jobs_db`` names: a postgresql:// URL, or a SQLite file (default data_dir/jobs.sqlite3)."""
    target = settings.jobs_db
    if isinstance(target, str) and target.startswith(("postgresql://", "postgres://")):
        from proxy.jobs.postgres_store import PostgresJobStore  # asyncpg is imported only when it is used

        return PostgresJobStore(target, max_signatures=getattr(settings, "max_thought_signatures", SIGNATURE_ROWS))
    from proxy.jobs.sqlite_store import SqliteJobStore

    return SqliteJobStore(Path(target) if target else settings.data_dir / "jobs.sqlite3",
                          max_signatures=getattr(settings, "max_thought_signatures", SIGNATURE_ROWS))
