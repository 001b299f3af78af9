"""Large media passed around as a stream of bytes, never as one big bytes object."""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class MediaStream:
    """Media to be written into a response as base64 text, read chunk by chunk when written."""

    mime_type: str
    open_chunks: Callable[[], AsyncIterator[bytes]]
    size: int | None = None
    sha256: str | None = None
    # True: written as bare base64 (Google's "data" fields) instead of a data: URI.
    bare: bool = False
    # A download still arriving (proxy.media.live.LiveMedia): its sha256 is known once it is spooled whole.
    live: Any = None

    def data_uri_prefix(self) -> str:
        return "" if self.bare else f"data:{self.mime_type};base64,"
