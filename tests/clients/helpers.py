"""Helpers for the client tests: checking the files a user would open."""
from __future__ import annotations

import base64
import struct

from tests.video.helpers import mp4_duration  # noqa: F401  (re-exported)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a PNG, from its IHDR chunk; fails on anything that is not a PNG."""
    assert data[:8] == PNG_SIGNATURE, data[:16]
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def is_mp4(data: bytes) -> bool:
    return len(data) > 12 and data[4:8] == b"ftyp"


def data_uri_bytes(url: str, mime: str) -> bytes:
    prefix = f"data:{mime};base64,"
    assert url.startswith(prefix), url[:60]
    return base64.b64decode(url[len(prefix):], validate=True)


async def run(*argv: str, env: dict | None = None, timeout: float = 60) -> tuple[int, str, str]:
    """Run a command without blocking the event loop (the proxy under test serves on it)."""
    import asyncio
    import os
    import sys

    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    for name in ("GENPROXY_BASE_URL", "GENPROXY_API_KEY"):
        if env is None or name not in env:
            full_env.pop(name, None)
    argv = tuple(sys.executable if a == "python" else a for a in argv)
    proc = await asyncio.create_subprocess_exec(*argv, env=full_env, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    return proc.returncode, out.decode(), err.decode()
