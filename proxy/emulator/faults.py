"""Fault injection: choose a misbehaviour per request with a marker in the prompt.

Write ``[emulate:NAME]`` anywhere in the prompt (any text part of ``contents`` for Gemini and
Code Assist, ``instances[].prompt`` for Veo on the Gemini API and Vertex), or list names in
``EmulatorSettings.faults`` to apply them to every request. Several markers may be combined.

=====================  ======================================================================
marker                 effect
=====================  ======================================================================
``quota``              submit (generateContent, streamGenerateContent, predictLongRunning,
                       Code Assist) answers 429 RESOURCE_EXHAUSTED with details
                       ``[RetryInfo{retryDelay: "2s"}, QuotaFailure]``.
``quota-once``         429 as above only the first time this exact prompt is submitted, then
                       success (failover / retry tests).
``server-error``       submit answers 500 INTERNAL.
``unavailable``        submit answers 503 UNAVAILABLE ("The model is overloaded...").
``poll-error``         the first 2 polls of the operation answer 503 UNAVAILABLE, later polls
                       are normal.
``poll-error-always``  every poll answers 500 INTERNAL.
``poll-quota``         the first 2 polls of the operation answer 429 RESOURCE_EXHAUSTED with
                       ``RetryInfo{retryDelay: "1s"}`` (Google throttling reads), later polls
                       are normal.
``slow-poll``          each poll sleeps 3 s before answering (``slow-poll=N``: N seconds).
``operation-error``    Interactions API: the interaction ends ``failed``, its model_output step
                       carrying the error below. Veo: the operation ends ``done`` with
                       ``"error": {"code": 13, "message": "Video generation failed due to an
                       internal error."}``.
``safety``             Veo: the operation ends ``done`` with no ``generatedSamples`` (Vertex: no
                       ``videos``), ``raiMediaFilteredCount: 1`` and a reason.
                       generateContent: the candidate ends with ``finishReason: SAFETY`` and no
                       content.
``cut-download``       the MP4 download declares the full Content-Length but the connection is
                       closed after half of the bytes. ``cut-download=N``: only the first N
                       downloads of each file are cut, later ones are whole (a transfer that
                       breaks, then works).
``malformed``          submit / generateContent answers 200 with the invalid JSON
                       ``{"name": `` (streaming: one SSE event with that payload).
``blocked``            generateContent: ``promptFeedback.blockReason: "SAFETY"`` and no
                       candidates. Veo: same as ``safety``.
``no-image``           an image request (responseModalities has IMAGE) is answered with text
                       only.
``delay=N``            the operation takes N seconds (overrides ``operation_delay``).
``stream-error``       streamGenerateContent sends one normal event, then an error event
                       (``{"error": {"code": 500, ...}}``), then closes the connection abruptly
                       (no end of the chunked body).
``incomplete``         Interactions API (Gemini Omni): the interaction ends ``incomplete``
                       with a text-only model_output step.
``cancelled``          Interactions API: the interaction ends ``cancelled`` (as if cancelled at
                       Google by someone else).
``tool``               not a fault: with ``tools[].functionDeclarations`` in the request, the
                       reply is a ``functionCall`` of the first declared function.
=====================  ======================================================================
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

#: Marker names and whether they take a ``=N`` value (None: no value, True: required,
#: False: optional).
KNOWN_FAULTS: dict[str, bool | None] = {
    "quota": None,
    "quota-once": None,
    "server-error": None,
    "unavailable": None,
    "poll-error": None,
    "poll-error-always": None,
    "poll-quota": None,
    "slow-poll": False,
    "operation-error": None,
    "safety": None,
    "cut-download": False,
    "malformed": None,
    "blocked": None,
    "no-image": None,
    "delay": True,
    "stream-error": None,
    "tool": None,
    "incomplete": None,
    "cancelled": None,
}

SLOW_POLL_SECONDS = 3.0
POLL_ERROR_COUNT = 2

MARKER_RE = re.compile(r"\[emulate:([^\]\s]+)\]")


def parse_marker(text: str) -> tuple[str, float | None]:
    """``"delay=5"`` -> ``("delay", 5.0)``; raises ValueError for unknown names or bad values."""
    name, sep, raw = text.strip().partition("=")
    if name not in KNOWN_FAULTS:
        raise ValueError(f"unknown emulator fault {name!r}; known: {', '.join(KNOWN_FAULTS)}")
    takes_value = KNOWN_FAULTS[name]
    if not sep:
        if takes_value is True:
            raise ValueError(f"emulator fault {name!r} needs a value, e.g. [emulate:{name}=5]")
        return name, None
    if takes_value is None:
        raise ValueError(f"emulator fault {name!r} takes no value")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"emulator fault {name}={raw!r}: the value must be a number") from None
    if value < 0:
        raise ValueError(f"emulator fault {name}={raw!r}: the value must not be negative")
    return name, value


def strip_markers(text: str) -> str:
    return " ".join(MARKER_RE.sub(" ", text).split())


@dataclass(frozen=True)
class Faults:
    """The faults that apply to one request."""

    values: dict[str, float | None] = field(default_factory=dict)

    @classmethod
    def from_texts(cls, texts: Iterable[str], always: Iterable[str] = ()) -> Faults:
        values: dict[str, float | None] = {}
        for item in always:
            name, value = parse_marker(item)
            values[name] = value
        for text in texts:
            for match in MARKER_RE.finditer(text):
                name, value = parse_marker(match.group(1))
                values[name] = value
        return cls(values)

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def value(self, name: str, default: float) -> float:
        value = self.values.get(name)
        return default if value is None else value

    def names(self) -> list[str]:
        return sorted(self.values)


# ---------------------------------------------------------------- applying faults

MALFORMED_BODY = '{"name": '


def quota_error(retry_delay: str = "2s"):
    """Google's 429 for a project over its per-minute quota (the body ai.google.dev's rate-limits page names)."""
    from .errors import GoogleError

    return GoogleError(
        429,
        "You exceeded your current quota, please check your plan and billing details. "
        "For more information on this error, head to: "
        "https://ai.google.dev/gemini-api/docs/rate-limits.",
        "RESOURCE_EXHAUSTED",
        [
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": retry_delay},
            {
                "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                "violations": [
                    {
                        "quotaMetric": "generativelanguage.googleapis.com/generate_requests_per_model",
                        "quotaId": "GenerateRequestsPerMinutePerProjectPerModel",
                    }
                ],
            },
        ],
    )


def submit_error(faults: Faults, quota_once_seen: set[str], prompt_key: str):
    """The GoogleError a submit must answer with, or None (``quota-once`` records the prompt)."""
    from .errors import GoogleError

    if "quota" in faults or ("quota-once" in faults and prompt_key not in quota_once_seen):
        quota_once_seen.add(prompt_key)
        return quota_error()
    if "server-error" in faults:
        return GoogleError(
            500,
            "An internal error has occurred. Please retry or report in "
            "https://developers.generativeai.google/guide/troubleshooting",
            "INTERNAL",
        )
    if "unavailable" in faults:
        return GoogleError(503, "The model is overloaded. Please try again later.", "UNAVAILABLE")
    return None
