"""A logging filter that blanks every secret the proxy knows of, as a last line of defence."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

REDACTED = "[redacted]"


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Callable[[], Iterable[str]]):
        super().__init__()
        self._secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = [s for s in self._secrets() if s and len(s) >= 6]
        if not secrets:
            return True
        message = record.getMessage()
        cleaned = message
        for secret in secrets:
            cleaned = cleaned.replace(secret, REDACTED)
        if cleaned != message or record.exc_info:
            if record.exc_info:
                cleaned += "\n" + logging.Formatter().formatException(record.exc_info)
                for secret in secrets:
                    cleaned = cleaned.replace(secret, REDACTED)
                record.exc_info = None
                record.exc_text = None
            record.msg, record.args = cleaned, None
        return True
