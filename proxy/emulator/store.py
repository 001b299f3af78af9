"""Operations and Gemini Omni interactions (and the files they made) on disk, so a restarted emulator
still answers them.

With ``EmulatorSettings.data_dir`` set, each operation is one JSON file in
``{data_dir}/operations/``, rewritten atomically when it changes (submit, each poll). Times are
wall-clock (``time.time()``), so an operation submitted before a restart finishes at the same
moment after it. Samples are stored by file name (they ship with the package). Operations older
than two days are dropped when the store is read, as Google keeps generated videos for two days
(ai.google.dev/gemini-api/docs/video: "Generated videos are stored on the server for 2 days").
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from .faults import Faults
from .media import SAMPLES_DIR, sample_path
from .state import Operation, VideoFile

log = logging.getLogger(__name__)
RETENTION_SECONDS = 2 * 24 * 3600


def _file_name(op_name: str) -> str:
    return op_name.replace("/", "__") + ".json"


def to_json(op: Operation) -> dict[str, Any]:
    return {
        "name": op.name, "model": op.model, "api": op.api, "created": op.created, "delay": op.delay,
        "faults": op.faults.values, "storage_uri": op.storage_uri, "polls": op.polls,
        "files": [{"file_id": f.file_id, "sample": f.sample.name, "token": f.token} for f in op.files],
    }


def from_json(data: dict[str, Any]) -> Operation:
    faults = Faults(dict(data.get("faults") or {}))
    files = []
    for f in data["files"]:
        sample = SAMPLES_DIR / Path(f["sample"]).name
        if not sample.is_file():  # a sample set from another version of the package
            sample = sample_path("16:9", 8)
        files.append(VideoFile(f["file_id"], sample, f["token"], faults))
    return Operation(name=data["name"], model=data["model"], api=data["api"], created=float(data["created"]),
                     delay=float(data["delay"]), faults=faults, files=files,
                     storage_uri=data.get("storage_uri"), polls=int(data.get("polls", 0)))


def interaction_to_json(item) -> dict[str, Any]:
    return {"id": item.id, "model": item.model, "created": item.created, "created_iso": item.created_iso,
            "delay": item.delay, "faults": item.faults.values,
            "video": {"file_id": item.video.file_id, "sample": item.video.sample.name, "token": item.video.token},
            "duration": item.duration, "aspect_ratio": item.aspect_ratio, "resolution": item.resolution,
            "delivery": item.delivery, "user_content": item.user_content, "input_tokens": item.input_tokens,
            "previous_interaction_id": item.previous_interaction_id, "owner": item.owner,
            "cancelled": item.cancelled, "polls": item.polls, "updated_iso": item.updated_iso, "extra": item.extra}


def interaction_from_json(data: dict[str, Any]):
    from .interactions import Interaction

    faults = Faults(dict(data.get("faults") or {}))
    sample = SAMPLES_DIR / Path(data["video"]["sample"]).name
    if not sample.is_file():
        sample = sample_path("16:9", 8)
    video = VideoFile(data["video"]["file_id"], sample, data["video"]["token"], faults)
    fields = {k: v for k, v in data.items() if k not in ("faults", "video")}
    return Interaction(**fields, faults=faults, video=video)


def _write_atomically(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


def _load_recent(folder: Path, parse, what: str) -> list:
    """Every readable record of ``folder`` made in the last two days; older files are deleted."""
    found = []
    oldest = time.time() - RETENTION_SECONDS
    for path in sorted(folder.glob("*.json")):
        try:
            item = parse(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("emulator: skipping unreadable %s file %s (%s)", what, path.name, exc)
            continue
        if item.created < oldest:
            path.unlink(missing_ok=True)
            continue
        found.append(item)
    return found


class OperationStore:
    """One JSON file per operation under ``{data_dir}/operations``, one per interaction under
    ``{data_dir}/interactions``."""

    def __init__(self, data_dir: Path) -> None:
        self.dir = Path(data_dir) / "operations"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.interactions_dir = Path(data_dir) / "interactions"
        self.interactions_dir.mkdir(parents=True, exist_ok=True)

    def save_interaction(self, item) -> None:
        _write_atomically(self.interactions_dir / f"{item.id}.json", interaction_to_json(item))

    def delete_interaction(self, interaction_id: str) -> None:
        (self.interactions_dir / f"{interaction_id}.json").unlink(missing_ok=True)

    def load_interactions(self) -> list:
        return _load_recent(self.interactions_dir, interaction_from_json, "interaction")

    def save(self, op: Operation) -> None:
        _write_atomically(self.dir / _file_name(op.name), to_json(op))

    def load(self) -> list[Operation]:
        return _load_recent(self.dir, from_json, "operation")

    def clear(self) -> None:
        for path in [*self.dir.glob("*.json"), *self.interactions_dir.glob("*.json")]:
            path.unlink(missing_ok=True)
