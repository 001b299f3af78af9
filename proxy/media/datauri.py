"""Base64 data URIs as clients send images and videos: ``data:<mime>[;params];base64,<data>``."""
from __future__ import annotations

import re

#: "data:<mime>;<params>;base64," is short; the header is bounded before a regex sees it, so no request makes
#: the event loop spend seconds on a megabyte of ";a=b" parameters.
MAX_DATA_URI_HEADER = 1024
_HEADER = re.compile(r"data:(?P<mime>[\w/+.-]+)(?:;[\w=.-]+)*;base64,", re.S)


def parse_data_uri(url: str) -> dict | None:
    """{"mime", "data"} of a base64 data URI (data still base64, surrounding whitespace stripped), else None."""
    url = url.strip()
    comma = url.find(",", 0, MAX_DATA_URI_HEADER)
    match = _HEADER.fullmatch(url[:comma + 1]) if comma >= 0 else None
    return {"mime": match["mime"], "data": url[comma + 1:]} if match else None
