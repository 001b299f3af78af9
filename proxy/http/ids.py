"""Parsing ids that come from clients or from upstream replies, in linear time and bounded length.

No regular expression here: an id arrives in a URL or a JSON body, so an attacker chooses it, and a
backtracking pattern (``([a-z0-9]+)(?::download)?$`` searched over an 8 KB path took ~1 s of CPU)
stalls the event loop for every other request. Each parser refuses anything past a length cap first,
then walks the string once.
"""
from __future__ import annotations

from string import ascii_lowercase, digits, hexdigits

JOB_PREFIX = "video_"
JOB_HEX = 24
#: a genproxy file id: a job id's 24 hex digits, "v", the video's index
MAX_FILE_ID = 64
#: Google's operation names are short resource paths; anything longer is not one.
MAX_OPERATION_NAME = 1024
_FILE_CHARS = frozenset(ascii_lowercase + digits)
_HEX = frozenset(hexdigits.lower())


def is_job_id(text: str) -> bool:
    """``video_`` + 24 lowercase hex digits."""
    return (len(text) == len(JOB_PREFIX) + JOB_HEX and text.startswith(JOB_PREFIX)
            and _HEX.issuperset(text[len(JOB_PREFIX):]))


def file_id_of_download(tail: str) -> str | None:
    """The file id in a download path's tail (``files/<id>:download``), or None.

    The google-genai SDK sends ``files/<id>:download``, or for an http:// URI the whole URI as the name
    (``files/http://host/v1beta/files/<id>:download``): the id is the run of ``[a-z0-9]`` that ends the
    last path segment before ``:download``.
    """
    if not tail.endswith(":download"):
        return None
    segment = tail[:-len(":download")].rpartition("/")[2]
    start = len(segment)
    while start > 0 and segment[start - 1] in _FILE_CHARS and len(segment) - start < MAX_FILE_ID:
        start -= 1
    found = segment[start:]
    if not found or (start > 0 and segment[start - 1] in _FILE_CHARS):
        return None  # empty, or a run longer than any file id
    return found


def parse_file_id(file_id: str) -> tuple[str, int] | None:
    """``<24 hex>v<index>`` -> (job id, index), else None."""
    if len(file_id) > MAX_FILE_ID:
        return None
    job_part, sep, index = file_id.rpartition("v")
    if not sep or not job_part or not index or not index.isascii() or not index.isdigit() or len(index) > 3:
        return None
    if not _FILE_CHARS.issuperset(job_part):
        return None
    return JOB_PREFIX + job_part, int(index)


def vertex_model_path(name: str) -> str | None:
    """``projects/P/locations/L/publishers/google/models/M`` of a Vertex operation name
    ``projects/P/locations/L/publishers/google/models/M/operations/ID``, else None."""
    if len(name) > MAX_OPERATION_NAME:
        return None
    parts = name.split("/")
    if len(parts) != 10:
        return None
    if (parts[0], parts[2], parts[4], parts[5], parts[6], parts[8]) != (
            "projects", "locations", "publishers", "google", "models", "operations"):
        return None
    if not all(parts[i] for i in (1, 3, 7, 9)) or ":" in parts[7]:
        return None
    return "/".join(parts[:8])
