"""State of one emulator: recorded requests, operations, files, counters.

Operations and their files are also written to ``settings.data_dir`` when set (see store.py),
and read back when the state is created, so a restart loses no running operation.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from aiohttp import web

from .faults import Faults
from .models import Catalog, load_catalog
from .settings import EmulatorSettings


@dataclass
class RecordedRequest:
    """One request as received (secrets included: the emulator is a test double)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any = None
    time: float = field(default_factory=time.time)
    #: With ``record_answers``: the HTTP status and the JSON answered (its text when it is not JSON; None
    #: for a streamed answer, which is written piece by piece).
    status: int | None = None
    answer: Any = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class VideoFile:
    """A generated video, downloadable from /v1beta/files/{file_id}:download."""

    file_id: str
    sample: Path
    token: str
    faults: Faults


@dataclass
class Operation:
    """A Veo long-running operation (Gemini API or Vertex)."""

    name: str
    model: str
    api: str  # "gemini" or "vertex"
    created: float  # time.time() at submit (wall clock: survives a restart)
    delay: float
    faults: Faults
    files: list[VideoFile]
    storage_uri: str | None = None
    polls: int = 0

    def elapsed(self) -> float:
        return time.time() - self.created

    def is_done(self) -> bool:
        return self.elapsed() >= self.delay


class OperationRecords(Protocol):
    """Where operations and interactions outlive a restart (proxy.emulator.store.OperationStore)."""

    def load(self) -> list[Operation]: ...

    def save(self, op: Operation) -> None: ...

    def load_interactions(self) -> list[Any]: ...

    def save_interaction(self, item: Any) -> None: ...

    def delete_interaction(self, interaction_id: str) -> None: ...

    def clear(self) -> None: ...


@dataclass
class EmulatorState:
    settings: EmulatorSettings
    requests: list[RecordedRequest] = field(default_factory=list)
    operations: dict[str, Operation] = field(default_factory=dict)
    files: dict[str, VideoFile] = field(default_factory=dict)
    #: Gemini Omni interactions by id (proxy.emulator.interactions.Interaction)
    interactions: dict[str, Any] = field(default_factory=dict)
    quota_once_seen: set[str] = field(default_factory=set)
    #: downloads of each file id so far (``cut-download=N`` cuts the first N)
    downloads: dict[str, int] = field(default_factory=dict)
    issued_tokens: set[str] = field(default_factory=set)
    token_refreshes: int = 0
    #: base64 of padded videos for Vertex answers, one per (sample, padding)
    b64_cache: dict[tuple[Path, int], str] = field(default_factory=dict)
    #: OperationStore when settings.data_dir is set (create_emulator_app makes it): what it holds is read back here
    store: OperationRecords | None = None
    #: which ids Google serves now (settings.catalog; PUT /emulator/catalog swaps it while running)
    catalog: Catalog = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.catalog is None:
            self.catalog = load_catalog(self.settings.catalog)
        if self.store is not None:
            for op in self.store.load():
                self.operations[op.name] = op
                for video in op.files:
                    self.files[video.file_id] = video
            for item in self.store.load_interactions():
                self.interactions[item.id] = item
                self.files[item.video.file_id] = item.video

    def add_operation(self, op: Operation) -> None:
        self.operations[op.name] = op
        for video in op.files:
            self.files[video.file_id] = video
        self.save(op)

    def save(self, op: Operation) -> None:
        """Write the operation to disk (no-op without data_dir)."""
        if self.store is not None:
            self.store.save(op)

    def save_interaction(self, item: Any) -> None:
        """Write a Gemini Omni interaction to disk (no-op without data_dir)."""
        if self.store is not None:
            self.store.save_interaction(item)

    def forget_interaction(self, interaction_id: str) -> None:
        self.interactions.pop(interaction_id, None)
        if self.store is not None:
            self.store.delete_interaction(interaction_id)

    def clear(self) -> None:
        """Forget everything recorded (requests, operations, files, counters); keep settings."""
        self.requests.clear()
        if self.store is not None:
            self.store.clear()
        self.operations.clear()
        self.files.clear()
        self.interactions.clear()
        self.quota_once_seen.clear()
        self.downloads.clear()
        self.issued_tokens.clear()
        self.token_refreshes = 0

    def requests_to(self, path_fragment: str) -> list[RecordedRequest]:
        """Recorded requests whose path contains ``path_fragment`` (test convenience)."""
        return [r for r in self.requests if path_fragment in r.path]


EMULATOR_STATE: web.AppKey[EmulatorState] = web.AppKey("emulator_state", EmulatorState)
