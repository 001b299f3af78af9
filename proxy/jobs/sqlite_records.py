"""The SQLite store's write of an operation name Google just returned: at once, on the event loop's thread.

Google bills an operation from the moment it accepts it; only the row naming it lets a restarted genproxy poll it to
the end and deliver the video. Every other store call runs on the store's own thread (proxy/jobs/lane.py), and
going there costs hand-offs a busy process makes long: the thread waits for the GIL (the event loop, busy with the
other requests of a burst, gives it up every switch interval, 5 ms) before each statement of its transaction,
then the loop waits its turn to hear back. A SIGKILL in that window loses the name (issue 25 item 8: 44 % of the
operations Google accepted during a killed burst of 60 creates). This is one UPDATE, by primary key, on a
connection of its own, written where the answer was parsed, before anything else runs.

Why it may block the loop: in WAL mode with ``synchronous=NORMAL`` a commit appends to the WAL file and returns
without fsync (tens of microseconds). That is durable against the process dying (SIGKILL, OOM, a crash: the
kernel has the bytes), which is what loses operation names; only a power cut or an OS crash may drop the last
commits, as for every write of this store. This connection never checkpoints (``wal_autocheckpoint=0``): the
store's thread does, so no fsync of a checkpoint ever lands on the loop. When another writer holds the file's
lock (the store's thread or another worker process in a transaction), SQLite retries after 1, 2, 5 ... ms, at most
LOOP_WAIT_SECONDS; after that the write goes to the store's thread ahead of everything queued there.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

#: how long the loop may wait for another writer's transaction before the write goes to the store's thread
LOOP_WAIT_SECONDS = 0.05


class RecordConnection:
    """A second connection to the store's file, used on the event loop's thread for record_submitted only."""

    def __init__(self, path: Path):
        self.path = path
        self._db: sqlite3.Connection | None = None

    def open(self) -> None:
        # isolation_level None: the UPDATE is its own transaction, committed when it returns (one round trip)
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=LOOP_WAIT_SECONDS)
        db.execute(f"PRAGMA busy_timeout={int(LOOP_WAIT_SECONDS * 1000)}")
        db.execute("PRAGMA synchronous=NORMAL")  # per connection; WAL mode is the file's (set by the store)
        db.execute("PRAGMA wal_autocheckpoint=0")
        self._db = db

    def write(self, statement: str, params: dict[str, Any]) -> bool:
        """Run and commit ``statement``; False when another writer held the lock past LOOP_WAIT_SECONDS."""
        if self._db is None:
            return False
        try:
            self._db.execute(statement, params)
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return False
            raise
        return True

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
