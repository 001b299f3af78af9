"""A logging filter that blanks every secret the proxy knows of, as a last line of defence."""
from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from urllib.parse import quote

REDACTED = "[redacted]"

# Query parameters that carry a secret: a client's ?key=, an OAuth access_token.
_SECRET_QUERY = re.compile(r"([?&](?:key|api_key|access_token|token)=)[^&\s\"']*", re.IGNORECASE)
ACCESS_LOGGERS = ("aiohttp.access", "aiohttp.server", "aiohttp.web")


def redact_query(text: str) -> str:
    return _SECRET_QUERY.sub(lambda m: m.group(1) + REDACTED, text)


class RedactQuerySecrets(logging.Filter):
    """Blanks ?key=... in aiohttp's own log lines (its access log writes the whole request line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact_query(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install_query_redaction() -> None:
    """Attach RedactQuerySecrets to aiohttp's loggers, once per process."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactQuerySecrets) for f in logger.filters):
            logger.addFilter(RedactQuerySecrets())


def blank(text: str, secrets: Iterable[str]) -> str:
    """``text`` with each secret blanked, in any letter case: an API key (``AIza...``, the auth keys ``AQ....``)
    may come back lower-cased (an upstream's or a library's message, a header dump)."""
    lowered = None
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
            lowered = None
        if lowered is None:
            lowered = text.lower()
        if secret.lower() in lowered:
            text = re.sub(re.escape(secret), REDACTED, text, flags=re.IGNORECASE)
            lowered = None
    return text


class RedactSecrets(logging.Filter):
    # Listing the secrets walks every credential: done at most this often, not on every log line.
    REFRESH_SECONDS = 1.0

    def __init__(self, secrets: Callable[[], Iterable[str]]):
        super().__init__()
        self._secrets = secrets
        self._cached: list[str] = []
        self._cached_at = float("-inf")

    def _current(self) -> list[str]:
        now = time.monotonic()
        if now - self._cached_at >= self.REFRESH_SECONDS:
            self._cached = [s for s in self._secrets() if s and len(s) >= 6]
            self._cached_at = now
        return self._cached

    def redact(self, text: str) -> str:
        """``text`` with every secret blanked (for lines written without a LogRecord)."""
        return blank(text, self._current())

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = self._current()
        if not secrets:
            return True
        message = record.getMessage()
        cleaned = blank(message, secrets)
        if cleaned != message or record.exc_info:
            if record.exc_info:
                cleaned = blank(cleaned + "\n" + logging.Formatter().formatException(record.exc_info), secrets)
                record.exc_info = None
                record.exc_text = None
            record.msg, record.args = cleaned, None
        return True


def scrub(text: str, secrets: Iterable[str], replacements: Iterable[tuple[str, str]] = ()) -> str:
    """``text`` with every secret (also URL-encoded) blanked and each (old, new) replacement made.

    For text that came from an upstream and is about to be shown to a client: a hostile or buggy
    upstream may echo the key or token it was sent.
    """
    for old, new in replacements:
        if old:
            text = text.replace(old, new)
    kept = [s for s in secrets if s and len(s) >= 6]
    encoded = [e for e in (quote(s, safe="") for s in kept) if e not in kept]
    return blank(text, kept + encoded)
