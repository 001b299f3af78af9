"""Folders and files only their owner may read: the job store holds prompts, the media folder the videos
(issue 25.9: jobs.sqlite3 was 0644 and the data folders 0755, readable by every user of the machine)."""
from __future__ import annotations

import os
from pathlib import Path


def private_dir(path: Path) -> None:
    """Make ``path`` (and missing parents) and leave it 0700; a folder of an earlier version is tightened."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    _tighten(path, 0o700)


def private_file(path: Path) -> None:
    """Create ``path`` empty as 0600 if it is missing, else tighten it (SQLite's -wal and -shm files take the
    mode of the database file)."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        _tighten(path, 0o600)
    for extra in ("-wal", "-shm"):
        sidecar = path.with_name(path.name + extra)
        if sidecar.exists():
            _tighten(sidecar, 0o600)


def _tighten(path: Path, mode: int) -> None:
    try:
        if path.stat().st_mode & 0o077:
            path.chmod(mode)
    except OSError:  # not ours (a shared folder set up by its owner): leave it as it is
        pass
