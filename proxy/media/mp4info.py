"""The real width, height and duration of an MP4 file, read from its boxes (ISO/IEC 14496-12).

Only the ``moov`` box is read (it may come after ``mdat``: top-level boxes are skipped by their size,
not read). Width and height come from the video track's sample entry (``avc1``/``hvc1``/...: 16-bit
width and height), else from its ``tkhd`` (16.16 fixed point); the duration from ``mvhd``.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

MAX_MOOV_BYTES = 64 * 1024 * 1024
CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl"}
VISUAL_ENTRIES = {b"avc1", b"avc3", b"hvc1", b"hev1", b"vp09", b"av01", b"mp4v"}


@dataclass
class Mp4Info:
    width: int | None
    height: int | None
    duration: float | None

    @property
    def resolution(self) -> str | None:
        return f"{self.width}x{self.height}" if self.width and self.height else None


def _boxes(data: bytes, start: int = 0, end: int | None = None):
    """(type, payload start, payload end) of each box in data[start:end]."""
    end = len(data) if end is None else end
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack(">I4s", data[at:at + 8])
        header = 8
        if size == 1:
            if at + 16 > end:
                return
            size = struct.unpack(">Q", data[at + 8:at + 16])[0]
            header = 16
        elif size == 0:
            size = end - at
        if size < header or at + size > end:
            return
        yield kind, at + header, at + size
        at += size


def _moov(path: Path) -> bytes | None:
    with open(path, "rb") as file:
        while True:
            head = file.read(8)
            if len(head) < 8:
                return None
            size, kind = struct.unpack(">I4s", head)
            header = 8
            if size == 1:
                size = struct.unpack(">Q", file.read(8))[0]
                header = 16
            if kind == b"moov":
                if size == 0 or size - header > MAX_MOOV_BYTES:
                    return None
                return file.read(size - header)
            if size == 0 or size < header:
                return None
            file.seek(size - header, 1)


def _track(data: bytes, start: int, end: int) -> tuple[bool, int | None, int | None]:
    """(is video, width, height) of a trak box."""
    video, width, height, tkhd = False, None, None, None
    stack = [(start, end)]
    while stack:
        lo, hi = stack.pop()
        for kind, body, stop in _boxes(data, lo, hi):
            if kind in CONTAINERS:
                stack.append((body, stop))
            elif kind == b"tkhd" and stop - body >= 84:
                # version/flags, times, ..., matrix; width and height are the last 8 bytes (16.16)
                w, h = struct.unpack(">II", data[stop - 8:stop])
                tkhd = (w >> 16, h >> 16)
            elif kind == b"hdlr" and stop - body >= 12:
                video = data[body + 8:body + 12] == b"vide"
            elif kind == b"stsd" and stop - body >= 8:
                for entry, entry_body, entry_stop in _boxes(data, body + 8, stop):
                    # a visual sample entry: 6 reserved + 2 index + 16 predefined, then width, height
                    if entry in VISUAL_ENTRIES and entry_stop - entry_body >= 28:
                        width, height = struct.unpack(">HH", data[entry_body + 24:entry_body + 28])
    if (not width or not height) and tkhd:
        width, height = tkhd
    return video, width or None, height or None


def mp4_info(path: Path) -> Mp4Info | None:
    """The video's size and duration, or None when the file is not an MP4 genproxy can read."""
    try:
        moov = _moov(path)
    except (OSError, struct.error):
        return None
    if moov is None:
        return None
    duration = width = height = None
    try:
        for kind, body, stop in _boxes(moov):
            if kind == b"mvhd" and stop - body >= 20:
                if moov[body] == 1 and stop - body >= 32:
                    timescale, length = struct.unpack(">IQ", moov[body + 20:body + 32])
                else:
                    timescale, length = struct.unpack(">II", moov[body + 12:body + 20])
                duration = length / timescale if timescale else None
            elif kind == b"trak" and width is None:
                video, w, h = _track(moov, body, stop)
                if video and w and h:
                    width, height = w, h
    except struct.error:
        return None
    return Mp4Info(width, height, duration)
