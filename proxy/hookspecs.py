"""The plugin contract of genproxy: the only module a plugin needs to import.

A modality plugin (text, image, video, or a third party's) implements the four
steps of one request: translate -> submit -> (poll) -> respond. Each step hook
is ``firstresult``: the first plugin that returns something other than None
handles it, so a plugin answers only for routes whose ``modality`` it serves
and returns None for the others. Steps that do I/O are plain ``def`` hookimpls
that return an awaitable (pluggy calls hooks synchronously); the pipeline
awaits it. pluggy always calls hooks with keyword arguments (it does not
support keyword-only parameters in specs, so the signatures are plain).
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pluggy

# Re-exported so that a plugin imports this module only.
from proxy.errors import ApiError, invalid  # noqa: F401
from proxy.media import MediaStream  # noqa: F401
from proxy.media_store import MediaTooLarge, StoredMedia  # noqa: F401
from proxy.models import ChatCompletionRequest, parse_request, validation_error  # noqa: F401

if TYPE_CHECKING:
    from aiohttp import web

    from proxy.routes import Route
    from proxy.upstreams.base import Upstream

PROJECT = "genproxy"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@dataclass
class RequestContext:
    """What a step may use besides its inputs: the upstream of the route and request facts."""

    request_id: str
    upstream: "Upstream"
    stream: bool = False
    client_key_id: str | None = None
    settings: Any = None
    # Where a step keeps large media on disk (proxy.media_store.MediaStore).
    media: Any = None
    # The genproxy job of a long-running request, set by the core once submit has started it.
    job_id: str | None = None


@dataclass
class UpstreamCall:
    """What translate produces: the upstream request body, ready to send, and notes for later steps."""

    body: dict
    stream: bool = False
    # True when submit starts an operation the core must poll (video): such requests become jobs.
    long_running: bool = False
    # Kept with the job as JSON, so a restarted proxy can finish it: plain values only.
    notes: dict = field(default_factory=dict)


@dataclass
class Submitted:
    """What submit produces: a final upstream result, or the name of a long-running operation."""

    result: Any = None
    operation: str | None = None
    credential_id: str | None = None


@dataclass
class PollStatus:
    """One check of a long-running operation."""

    done: bool
    progress: int | None = None
    result: Any = None


@dataclass
class Completion:
    """A final answer: the assistant message (may hold MediaStream leaves), finish reason and usage."""

    message: dict
    finish_reason: str = "stop"
    usage: dict | None = None


@dataclass
class Delta:
    """One streamed piece of an answer."""

    delta: dict
    finish_reason: str | None = None
    usage: dict | None = None
    index: int = 0


Reply = Completion | list[Completion] | AsyncIterator[Delta]


@hookspec
def genproxy_modalities() -> list[str]:
    """Called once at start-up. Return the modality names this plugin serves.

    A route in routes.yaml whose modality no plugin declares fails start-up.
    """


@hookspec(firstresult=True)
def genproxy_translate(route: "Route", request: "ChatCompletionRequest", context: RequestContext) -> UpstreamCall | None:
    """Called first for every request. Pure: no I/O.

    Validate the client request against the route's model limits (raise ApiError
    with ``param`` naming the bad field) and return the upstream request, or None
    when ``route.modality`` is not yours.
    """


@hookspec(firstresult=True)
def genproxy_submit(route: "Route", call: UpstreamCall, context: RequestContext) -> Awaitable[Submitted] | None:
    """Called with translate's result. Return an awaitable that sends it upstream.

    For work that finishes in one call (text, images) the Submitted holds the
    result (for a streaming call: an async iterator of upstream events); for
    long-running work it holds the operation name, which the core polls.
    Return None when the route is not yours.
    """


@hookspec(firstresult=True)
def genproxy_poll(route: "Route", operation: str, credential_id: str | None, context: RequestContext) -> Awaitable[PollStatus] | None:
    """Called by the core's polling loop for each check of a long-running operation.

    Return an awaitable of one PollStatus (do not loop or sleep: backoff,
    deadline and retries belong to the core), or None when the route is not yours.
    """


@hookspec(firstresult=True)
def genproxy_respond(route: "Route", result: Any, call: UpstreamCall, context: RequestContext) -> Awaitable[Reply] | None:
    """Called with the final upstream result (from submit, or from the last poll).

    Return an awaitable of a Completion, or of an async iterator of Delta for a
    streamed answer; None when the route is not yours. Raise ApiError for a
    result the client must see as an error (safety filter, no output).
    """


@hookspec
def genproxy_web_routes() -> list[tuple[str, str, Callable]] | None:
    """Called once while the app is built. Return extra HTTP endpoints as (method, path, handler).

    Paths under /v1/ are behind client auth like every other /v1 route.
    """


@hookspec
def genproxy_openapi() -> dict | None:
    """Called when GET /openapi.json is first built. Describe what this plugin adds, in OpenAPI 3.1 terms:

    ``{"paths": {path: path item}, "schemas": {name: JSON schema}, "chat_fields": {field: JSON schema}}``,
    every key optional. ``chat_fields`` are the extra chat completion fields the plugin reads (such as
    ``video_config``); ``schemas`` land in components.schemas (refer to them as #/components/schemas/NAME).
    Build schemas from the plugin's pydantic models with ``openapi_schema(Model)``.
    """


def openapi_schema(model) -> tuple[dict, dict]:
    """A pydantic model's JSON schema and the schemas it refers to, with refs into #/components/schemas."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    return schema, schema.pop("$defs", {})


# -- for the HTTP endpoints a plugin adds with genproxy_web_routes --
async def read_json_body(request: "web.Request") -> Any:
    """The request's JSON body; a clear 400 when it is missing or not JSON."""
    from proxy.handlers.common import read_json

    return await read_json(request)


async def complete(request: "web.Request", body: "ChatCompletionRequest", modality: str) -> list[Completion]:
    """Route a chat-shaped request and run it through the steps; 400 unless its route has this modality."""
    from proxy.handlers.chat import complete_chat

    return await complete_chat(request, body, modality)


async def write_json_body(request: "web.Request", body: Any, status: int = 200) -> "web.StreamResponse":
    """Answer JSON (which may hold MediaStreams, written as base64 piece by piece)."""
    from proxy.handlers.common import write_json

    return await write_json(request, body, status)
