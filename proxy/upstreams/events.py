"""Reading Google's server-sent events whatever their size, up to a cap.

aiohttp's line reader (``async for line in resp.content``) refuses a line past 128 KiB (``LineTooLong``), but
Google sends a generated image as ONE ``streamGenerateContent`` event: a 1K PNG is ~1-2 MB of base64, a 4K one
(4096x4096 and up, Gemini 3 Pro Image; ai.google.dev/gemini-api/docs/image-generation "resolutions" table) well
over 10 MB. This reader splits the raw chunks on line ends itself, so an event may be as large as
``max_event_bytes`` (``Settings.upstream_max_event_bytes``, 64 MiB by default); past it the stream ends with a
502 ``upstream_too_large`` instead of growing without bound.

SSE framing (html.spec.whatwg.org, "Interpreting an event stream"): lines end with CRLF, LF or CR; an event is
the ``data:`` lines up to a blank line, joined with "\\n". Google writes one ``data:`` line per event and ends
it with a blank line (``data: {...}\\r\\n\\r\\n``).
"""
from __future__ import annotations

from collections.abc import AsyncIterator

from proxy.http.errors import ApiError

DEFAULT_MAX_EVENT_BYTES = 64 * 1024 * 1024


def event_too_large(upstream: str, cap: int) -> ApiError:
    return ApiError(502, f"The {upstream} upstream sent a stream event larger than genproxy's cap of {cap} bytes "
                         "(upstream_max_event_bytes).", code="upstream_too_large", type="upstream_error")


async def sse_data(chunks: AsyncIterator[bytes], max_event_bytes: int, upstream: str) -> AsyncIterator[bytes]:
    """The ``data`` of each event of an SSE byte stream, as it completes (the last one also at the stream's end)."""
    buffer = bytearray()
    scanned = 0  # buffer[:scanned] holds no line end: each byte is searched once, however long the line
    data: list[bytes] = []
    size = 0  # bytes of the event's data lines so far

    async for chunk in chunks:
        buffer += chunk
        start = 0
        while True:
            end = _line_end(buffer, max(start, scanned))
            if end < 0:
                break
            if buffer[end] == 13 and end + 1 == len(buffer):
                break  # a CR that ends the chunk: its LF may come with the next one
            line = bytes(buffer[start:end])
            start = end + 2 if buffer[end] == 13 and buffer[end + 1] == 10 else end + 1
            if not line:
                if data:
                    yield b"\n".join(data)
                data, size = [], 0
                continue
            if line.startswith(b"data:"):
                value = line[6:] if line.startswith(b"data: ") else line[5:]
                data.append(value)
                size += len(value)
            # other fields (event:, id:, retry:) and comments (":") carry nothing genproxy uses
        del buffer[:start]
        scanned = len(buffer) - (1 if buffer.endswith(b"\r") else 0)
        if size + len(buffer) > max_event_bytes:
            raise event_too_large(upstream, max_event_bytes)
    line = bytes(buffer).strip()
    if line.startswith(b"data:"):
        data.append(line[5:].strip())
    if data:
        yield b"\n".join(data)


def _line_end(buffer: bytearray, start: int) -> int:
    """Index of the first CR or LF at or after ``start``; -1 when none."""
    lf = buffer.find(b"\n", start)
    cr = buffer.find(b"\r", start, lf if lf >= 0 else len(buffer))
    return cr if cr >= 0 else lf
