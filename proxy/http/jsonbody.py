"""Request bodies as JSON, with limits checked before anything else looks at them.

Python's json module accepts what would hurt later: nesting deep enough to overflow the
recursion of every later step (RecursionError, a 500), integers of any length (int() of a
100,000-digit number is quadratic; past 4,300 digits Python refuses with ValueError), NaN and
Infinity (not JSON: Google refuses the re-encoded body), and lone UTF-16 surrogates (``"\\ud800"``
decodes to a str that cannot be encoded as UTF-8: SQLite and the upstream call fail, the latter
after the request was paid for). Each is a 400 here, before any step runs.

Bodies may be compressed (``Content-Encoding: gzip`` or ``deflate``); the server does not decompress
on its own (``auto_decompress=False``), so a body that does not match its encoding is a 400 in
OpenAI's shape, and decompression stops at ``max_body_bytes`` (a zip bomb is a 413).
"""
from __future__ import annotations

import json
import math
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from proxy.http.errors import ApiError

orjson: ModuleType | None  # the module, or None where it is not installed
try:
    import orjson
except ImportError:  # pragma: no cover - orjson is a dependency; the standard parser does the same, slower
    orjson = None

# orjson reads an integer past 64 bits as a float (no error); Python's parser keeps it exact. A body where orjson
# gave a float this large (rare: it may have been such an integer) is parsed again by Python's parser.
FLOAT_FROM_LONG_INTEGER = 2.0 ** 63


class _LongIntegerSuspect(Exception):
    pass

# Content-Encoding values a request body may carry, and the zlib window for each.
DECODERS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
IDENTITY = ("", "identity")


@dataclass(frozen=True)
class JsonLimits:
    max_depth: int = 64          # settings.max_json_depth
    max_int_digits: int = 32     # settings.max_json_integer_digits
    max_bytes: int = 32 * 1024 * 1024  # settings.max_body_bytes, after decompression
    max_values: int = 200_000    # settings.max_json_values


def count_values(raw: bytes | bytearray, limits: JsonLimits) -> None:
    """413 when a body holds more than ``max_values`` values, decided before it is parsed (issue 25.7: a 25 MB
    body of 2,000,000 keys parses to ~250 MB of Python objects; eight at once took 2 GB).

    Every value but the first of an array or object follows a comma, so the commas outside strings bound the
    count. Most bodies have fewer commas in all than the cap and cost one ``bytes.count``; otherwise the commas
    inside strings are left out: with escaped backslashes and quotes removed, the pieces between quotes
    alternate outside and inside a string (more than max_values strings is too many values anyway). All in C:
    ~20 ms for the 25 MB attack body, where a regular expression took over a second."""
    cap = limits.max_values
    if raw.count(b",") <= cap:
        return
    if b"\\" in raw:
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    if raw.count(b'"') > 2 * cap:  # more strings than values allowed: no need to look further
        raise _too_many_values(cap)
    pieces = raw.split(b'"')
    if sum(piece.count(b",") for piece in pieces[0::2]) > cap:
        raise _too_many_values(cap)


def _too_many_values(cap: int) -> ApiError:
    return ApiError(413, f"The request body holds more than {cap:,} JSON values.", code="too_many_values",
                    type="invalid_request_error")



def content_encoding(headers) -> str:
    return headers.get("Content-Encoding", "").strip().lower()


def check_encoding(encoding: str) -> None:
    if encoding not in IDENTITY and encoding not in DECODERS:
        raise ApiError(415, f"Content-Encoding '{encoding[:40]}' is not supported; send the body uncompressed, "
                            "gzip or deflate.", param="Content-Encoding", code="unsupported_content_encoding",
                       type="invalid_request_error")


def decompress(raw: bytes | bytearray, encoding: str, max_bytes: int) -> bytes | bytearray:
    """The body without its Content-Encoding; 400 when it is not what it says, 413 past max_bytes."""
    check_encoding(encoding)
    if encoding in IDENTITY:
        return raw
    decoder = zlib.decompressobj(DECODERS[encoding])
    try:
        out = decoder.decompress(raw, max_bytes + 1)
        if len(out) > max_bytes:
            raise ApiError(413, f"Request body too large: over {max_bytes} bytes once decompressed.",
                           code="request_too_large")
        if not decoder.eof or decoder.unused_data:
            raise zlib.error("the compressed data is truncated or followed by other bytes")
        return out
    except zlib.error as exc:
        raise ApiError(400, f"The request body is not valid {encoding} data as its Content-Encoding says ({exc}).",
                       param="Content-Encoding", code="invalid_content_encoding") from None


def loads(raw: bytes | bytearray, limits: JsonLimits) -> Any:
    """Parse a request body; every problem is a 400 that says what is wrong.

    orjson first (~4x faster than json.loads with a parse_constant hook, which was ~5 % of a text request's CPU);
    whatever it refuses (invalid UTF-8, NaN, lone surrogates, a BOM, deep nesting) goes through Python's parser,
    whose messages say where the problem is, so the answer is the same either way."""
    count_values(raw, limits)
    if orjson is not None:
        try:
            value = orjson.loads(raw)
            check_value(value, limits, orjson_floats=True)
            return value
        except (orjson.JSONDecodeError, _LongIntegerSuspect):
            pass  # the standard parser below says what is wrong, or keeps the integer exact
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, f"Request body is not valid UTF-8 text: byte {exc.start} cannot be decoded.",
                       code="invalid_json") from None

    def parse_constant(name: str):
        raise ApiError(400, f"{name} is not a JSON value; send a number or null.", code="invalid_json")

    try:
        # Integers and floats are parsed in C (a Python callback per number would cost ~1 µs each); their
        # limits are checked by check_value.
        value = json.loads(text, parse_constant=parse_constant)
    except json.JSONDecodeError as exc:
        raise ApiError(400, f"Request body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}.",
                       code="invalid_json") from None
    except RecursionError:
        raise _too_deep(limits) from None
    except ValueError:
        # Python refuses integers past sys.get_int_max_str_digits() (4300) while parsing.
        raise _too_long(limits) from None
    check_value(value, limits)
    return value


def _too_deep(limits: JsonLimits) -> ApiError:
    return ApiError(400, f"The request body nests arrays and objects deeper than {limits.max_depth} levels.",
                    code="json_too_deep")


def _too_long(limits: JsonLimits, param: str | None = None) -> ApiError:
    return ApiError(400, f"A number in the request{f' ({param})' if param else ''} has more than "
                         f"{limits.max_int_digits} digits.", param=param, code="number_too_long")


def _path(parts: tuple) -> str:
    out = ""
    for part in parts:
        if isinstance(part, str):
            part = part.encode("utf-8", "backslashreplace").decode("utf-8")  # a key may hold the surrogate
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def check_value(value: Any, limits: JsonLimits, orjson_floats: bool = False) -> None:
    """Depth, integer length, finite floats and valid text of a parsed value, in one pass without recursion.

    Only containers carry their path; scalars are checked in place, so a 32 MB array of numbers takes well
    under a second. The first problem is a 400 naming its field. With ``orjson_floats`` (the value came from
    orjson) a float past 2**63 raises _LongIntegerSuspect: it may have been an integer orjson could not keep."""
    bound = 10 ** limits.max_int_digits
    max_depth = limits.max_depth
    stack: list[tuple[Any, int, tuple]] = [([value], -1, ())]  # the top level, checked as a one-item list
    push, pop = stack.append, stack.pop
    while stack:
        item, depth, where = pop()
        if depth >= max_depth:
            raise _too_deep(limits)
        pairs: Iterable[tuple[Any, Any]]
        if type(item) is dict:
            pairs = item.items()
            for key in item:
                if not key.isascii():
                    _check_text(key, where + (key,))
        else:
            pairs = enumerate(item)
        for key, child in pairs:
            kind = type(child)
            if kind is str:
                if not child.isascii():
                    _check_text(child, _child(where, key, depth))
            elif kind is dict or kind is list:
                push((child, depth + 1, _child(where, key, depth)))
            elif kind is int:
                if not -bound < child < bound:
                    raise _too_long(limits, _path(_child(where, key, depth)) or None)
            elif kind is float:
                if orjson_floats and not -FLOAT_FROM_LONG_INTEGER < child < FLOAT_FROM_LONG_INTEGER:
                    raise _LongIntegerSuspect
                if not math.isfinite(child):
                    param = _path(_child(where, key, depth)) or None
                    raise ApiError(400, f"A number in the request{f' ({param})' if param else ''} is out of range.",
                                   param=param, code="number_out_of_range")


def _child(where: tuple, key, depth: int) -> tuple:
    return where if depth < 0 else where + (key,)  # the top level's stand-in list adds no path


def _check_text(text: str, where: tuple) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        param = _path(where) or None
        raise ApiError(400, f"The text{f' of {param}' if param else ''} holds a lone UTF-16 surrogate "
                            f"(U+{ord(text[exc.start]):04X} at character {exc.start}), which is not a character; "
                            "send valid Unicode.", param=param, code="invalid_unicode") from None


def refuse_encoded_non_json(request) -> None:
    """Only JSON bodies are decoded (read_json, whatever their Content-Type): a compressed multipart body
    is a 415, not garbage for the multipart reader."""
    encoding = content_encoding(request.headers)
    if encoding in IDENTITY:
        return
    check_encoding(encoding)
    if request.can_read_body and request.content_type.startswith("multipart/"):
        raise ApiError(415, f"Only JSON bodies may be compressed; send this {request.content_type} body without "
                            "Content-Encoding.", param="Content-Encoding", code="unsupported_content_encoding",
                       type="invalid_request_error")
