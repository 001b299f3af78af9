"""Veo operations shared by the Gemini API and Vertex: create, poll faults, results."""

from __future__ import annotations

import asyncio
import secrets
import string
import time
from typing import Protocol

from aiohttp import web

from .errors import GoogleError
from .faults import POLL_ERROR_COUNT, SLOW_POLL_SECONDS, Faults, quota_error
from .media import sample_path
from .state import EmulatorState, Operation, VideoFile
from .veo_models import VeoRequest

ALPHABET = string.ascii_lowercase + string.digits
FILTERED_REASON = (
    "The prompt could not be submitted. This prompt contains words that violate Google's "
    "Responsible AI practices. Try rephrasing the prompt. If you think this was an error, "
    "send feedback. Support codes: 29310472"
)
OPERATION_ERROR = {"code": 13, "message": "Video generation failed due to an internal error."}


def new_id(length: int = 12) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def create_operation(
    state: EmulatorState, name_prefix: str, model: str, api: str, req: VeoRequest, faults: Faults
) -> Operation:
    sample = sample_path(req.aspect_ratio, req.duration, req.resolution, req.audio)
    files = [VideoFile(new_id(), sample, secrets.token_urlsafe(16), faults) for _ in range(req.sample_count)]
    op = Operation(
        name=f"{name_prefix}/operations/{new_id()}",
        model=model,
        api=api,
        created=time.time(),
        delay=faults.value("delay", state.settings.operation_delay),
        faults=faults,
        files=files,
        storage_uri=req.storage_uri,
    )
    state.add_operation(op)
    return op


class Polled(Protocol):
    """What is polled: a Veo operation or a Gemini Omni interaction."""

    polls: int
    faults: Faults


async def apply_poll_faults(op: Polled, state: EmulatorState | None = None) -> None:
    op.polls += 1
    if state is not None and isinstance(op, Operation) and ("poll-error" in op.faults or "poll-quota" in op.faults):
        state.save(op)  # the poll count decides the next answer; keep it across a restart
    if "slow-poll" in op.faults:
        await asyncio.sleep(op.faults.value("slow-poll", SLOW_POLL_SECONDS))
    if "poll-error-always" in op.faults:
        raise GoogleError(
            500,
            "An internal error has occurred. Please retry or report in "
            "https://developers.generativeai.google/guide/troubleshooting",
            "INTERNAL",
        )
    if "poll-error" in op.faults and op.polls <= POLL_ERROR_COUNT:
        raise GoogleError(503, "The service is currently unavailable.", "UNAVAILABLE")
    if "poll-quota" in op.faults and op.polls <= POLL_ERROR_COUNT:
        raise quota_error("1s")


def filtered(op: Operation) -> bool:
    return "safety" in op.faults or "blocked" in op.faults


def base_url(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"
