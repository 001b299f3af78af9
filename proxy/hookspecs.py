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

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import pluggy
from aiohttp import web
from pydantic import BaseModel

# Re-exported so that a plugin imports this module only.
from proxy.http.errors import ApiError, invalid  # noqa: F401
from proxy.http.models import (  # noqa: F401
    OPENAI_CHAT_FIELDS,
    ChatCompletionRequest,
    parse_request,
    refuse_unknown_fields,
    unknown_parameter,
    validation_error,
    whole_seconds,
)
from proxy.media.datauri import parse_data_uri  # noqa: F401
from proxy.media.fetch import save_generated_video  # noqa: F401
from proxy.media.store import MediaTooLarge, StoredMedia  # noqa: F401
from proxy.media.stream import MediaStream

if TYPE_CHECKING:
    from proxy.routing.routes import Route
    from proxy.upstreams.base import Upstream

PROJECT = "genproxy"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@dataclass
class ThoughtSignatures:
    """The Gemini thought signatures of one client key's tool calls, kept in the job store.

    Gemini 3 refuses a history whose function calls lack the ``thoughtSignature`` it gave them, and
    OpenAI clients drop fields they do not know, so the text and image plugins remember each
    signature under the tool call id they hand out, and put it back when the history returns.
    Rows expire after ``ttl`` seconds (setting ``thought_signature_ttl``) and are capped in number
    (``max_thought_signatures``); being in the job store, they outlive a restart.
    A store failure never fails the request: remember does nothing, recall finds nothing.
    """

    store: Any  # has remember_signatures(key, items, ttl) / recall_signatures(key, ids): proxy.jobs.JobStore
    client_key_id: str
    ttl: float

    async def remember(self, items: dict[str, str]) -> None:
        """Keep tool_call_id -> signature."""
        if not items:
            return
        try:
            await self.store.remember_signatures(self.client_key_id, items, self.ttl)
        except Exception as exc:
            _log.warning("could not remember %d thought signature(s): %s", len(items), exc)

    async def recall(self, ids: list[str]) -> dict[str, str]:
        """tool_call_id -> signature for the ids still remembered."""
        if not ids:
            return {}
        try:
            return await self.store.recall_signatures(self.client_key_id, ids)
        except Exception as exc:
            _log.warning("could not recall thought signatures: %s", exc)
            return {}


_log = logging.getLogger("genproxy.plugins")


@dataclass
class JobInfo:
    """A genproxy job as a plugin sees it (read-only facts; no secrets: the credential is named by id)."""

    id: str
    model: str                  # the model the client asked for
    modality: str               # the modality of the route that made it
    status: str                 # queued, in_progress, completed, failed
    operation: str | None       # the upstream operation (Veo) or interaction (Omni) id
    credential_id: str | None   # the credential that started it, which must poll and continue it
    notes: dict                 # what the plugin's steps noted (UpstreamCall.notes)
    summary: dict               # prompt, seconds, aspect_ratio, resolution, source
    message: dict | None = None  # the stored assistant message once completed (media as {"$media": i})
    error: dict | None = None    # once failed: {"status", "code", "message"}
    usage: dict | None = None    # once completed: the answer's usage (OpenAI shape)
    created_at: float = 0.0
    completed_at: float | None = None


#: Look up a job of the caller's client key by its id: None when there is no such job or it belongs to
#: another key (callers answer 404 job_not_found then, as for every job).
JobLookup = Callable[[str], Awaitable["JobInfo | None"]]


@dataclass
class RequestContext:
    """What a step may use besides its inputs: the upstream of the route and request facts."""

    request_id: str
    upstream: Upstream
    stream: bool = False
    client_key_id: str | None = None
    settings: Any = None
    # Where a step keeps large media on disk (proxy.media.store.MediaStore).
    media: Any = None
    # The genproxy job of a long-running request, set by the core once submit has started it.
    job_id: str | None = None
    # This client's remembered Gemini thought signatures (None where the core has no job store).
    signatures: ThoughtSignatures | None = None
    # Jobs of this request's client key (submit may use it: translate does no I/O). None outside a request.
    find_job: JobLookup | None = None
    # Set by the job runner, which waits for them: save_generated_video may return a download still arriving
    # (proxy.media.live.LiveMedia, with size, mime_type and stream() as StoredMedia), answered as it comes.
    live_downloads: bool = False
    # Upstream calls that outlive their request, by name (proxy.ops.inflight.InFlight: start / check / cancel):
    # long work that is one long call (Lyria) is started here by submit and checked by poll like an operation.
    inflight: Any = None


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


@dataclass(frozen=True)
class ModelFamily:
    """A family of Google model ids a modality plugin serves, by id pattern: ids routes.yaml does not name
    (new ones Google ships) are served by their family, and a retired id's replacement may be the newest
    live id of its family. Exact routes of routes.yaml always win."""

    name: str                        # "gemini-image", "veo", "gemini-omni", "gemini-text"
    modality: str                    # the modality (of this plugin) that serves the family's ids
    pattern: str                     # a regular expression the whole id matches
    capabilities: tuple[str, ...]    # what its models make: ("text",), ("image", "text"), ("video",)
    priority: int = 0                # the highest matching priority wins (specific families above catch-alls)
    vertex: bool = True              # Vertex AI serves the same id (publishers/google/models/{id})
    vertex_location: str | None = None  # where Vertex serves it ("global"), None: the configured region
    limits: dict = field(default_factory=dict)  # default limits of an id the plugin's tables do not know
    source: str = ""                 # where the family's facts come from


@hookspec
def genproxy_model_families() -> list[ModelFamily]:
    """Called once at start-up. Return the model families this plugin serves (ModelFamily)."""
    raise NotImplementedError  # a spec: pluggy calls the plugins' implementations, never this body


@hookspec
def genproxy_modalities() -> list[str]:
    """Called once at start-up. Return the modality names this plugin serves.

    A route in routes.yaml whose modality no plugin declares fails start-up.
    """
    raise NotImplementedError  # a spec: pluggy calls the plugins' implementations, never this body


@hookspec(firstresult=True)
def genproxy_translate(route: Route, request: ChatCompletionRequest, context: RequestContext) -> UpstreamCall | None:
    """Called first for every request. Pure: no I/O.

    Validate the client request against the route's model limits (raise ApiError
    with ``param`` naming the bad field) and return the upstream request, or None
    when ``route.modality`` is not yours.
    """


@hookspec(firstresult=True)
def genproxy_submit(route: Route, call: UpstreamCall, context: RequestContext) -> Awaitable[Submitted] | None:
    """Called with translate's result. Return an awaitable that sends it upstream.

    For work that finishes in one call (text, images) the Submitted holds the
    result (for a streaming call: an async iterator of upstream events); for
    long-running work it holds the operation name, which the core polls.
    Return None when the route is not yours.
    """


@hookspec(firstresult=True)
def genproxy_poll(route: Route, operation: str, credential_id: str | None, context: RequestContext) -> Awaitable[PollStatus] | None:
    """Called by the core's polling loop for each check of a long-running operation.

    Return an awaitable of one PollStatus (do not loop or sleep: backoff,
    deadline and retries belong to the core), or None when the route is not yours.
    """


@hookspec(firstresult=True)
def genproxy_respond(route: Route, result: Any, call: UpstreamCall, context: RequestContext) -> Awaitable[Reply] | None:
    """Called with the final upstream result (from submit, or from the last poll).

    Return an awaitable of a Completion, or of an async iterator of Delta for a
    streamed answer; None when the route is not yours. Raise ApiError for a
    result the client must see as an error (safety filter, no output).
    """


@hookspec(firstresult=True)
def genproxy_upstream_method(route: Route) -> str | None:
    """Called by `genproxy doctor`. Return the Gemini API method a route of yours needs (as Google's
    model list names it in ``supportedGenerationMethods``: ``generateContent``, ``predictLongRunning``…),
    or None when the route is not yours. Routes no plugin answers for are checked for generateContent.
    """


@hookspec
def genproxy_video_modalities() -> list[str]:
    """Called once at start-up. Return the modalities you declared whose routes make videos as jobs.

    Their models are accepted by POST /v1/videos (other modalities are refused with model_not_video)
    and their jobs by POST /v1/videos/{id}/remix.
    """
    raise NotImplementedError  # a spec: pluggy calls the plugins' implementations, never this body


@hookspec(firstresult=True)
def genproxy_cancel(route: Route, operation: str, credential_id: str | None,
                    context: RequestContext) -> Awaitable[None] | None:
    """Called when a client deletes or cancels a job that is still running (polling has stopped).

    Return an awaitable that stops the upstream operation (so it is not paid for), or None when the
    route is not yours or its operations cannot be stopped. Failures are logged; the job is deleted
    (or kept as cancelled) either way.
    """


@hookspec(firstresult=True)
def genproxy_remix(route: Route, job: JobInfo, prompt: str) -> ChatCompletionRequest | None:
    """Called for POST /v1/videos/{id}/remix with the completed job (of the route that made it) and the
    new prompt. Pure: no I/O. Return the chat request that makes the remix (an edit, an extension; its
    ``model`` may name another route), raise ApiError when this job cannot be remixed, or return None
    when the route is not yours.
    """


@hookspec(firstresult=True)
def genproxy_model_limits(route: Route) -> dict | None:
    """Called for GET /v1/models/{id} (the console reads it to offer only valid options). Pure: no I/O.

    Return what the route's model accepts as plain JSON values (``type`` first: "video", "image", "omni"
    …; then its durations, resolutions, aspect ratios, sizes, and ``combinations``: every valid pairing
    when some values exclude others, each refusal with the message translate would answer), or None
    when the route is not yours. The core adds it to the model object as ``limits``. Catalogs such as
    GET /api/v1/videos/models also read (each optional; missing means "not known"): ``frame_images``
    ("first_frame", "last_frame"), ``reference_images`` (how many), ``seed`` and ``generate_audio``
    (whether the parameter is accepted), ``continuation`` (whether a finished video can be extended or
    edited), ``prices`` (SKU -> USD as a string, when known).
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


def openapi_schema(model: type[BaseModel]) -> tuple[dict, dict]:
    """A pydantic model's JSON schema and the schemas it refers to, with refs into #/components/schemas."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    return schema, schema.pop("$defs", {})


# -- for the HTTP endpoints a plugin adds with genproxy_web_routes --
class PluginServices(Protocol):
    """What the core does for a plugin's own HTTP endpoints: create_app puts its implementation
    (proxy.handlers.plugin_services) in the app under PLUGIN_SERVICES, so this contract imports none of the
    handlers. Plugins call the functions below, which find it through the request."""

    async def read_json_body(self, request: web.Request) -> Any: ...

    async def complete(self, request: web.Request, body: ChatCompletionRequest, modality: str) -> list[Completion]: ...

    async def start_video_job(self, request: web.Request, body: ChatCompletionRequest, source: str) -> JobInfo: ...

    async def find_job(self, request: web.Request, job_id: str) -> JobInfo | None: ...

    async def wait_job(self, request: web.Request, job_id: str, timeout: float) -> JobInfo: ...

    async def job_media(self, request: web.Request, job: JobInfo) -> list[MediaStream]: ...

    async def cancel_job(self, request: web.Request, job: JobInfo) -> None: ...

    def google_error_response(self, request: web.Request, exc: ApiError,
                              status_names: dict[int, str] | None) -> web.Response: ...

    async def write_json_body(self, request: web.Request, body: Any, status: int) -> web.StreamResponse: ...


#: The core's PluginServices (an app key, set by create_app).
PLUGIN_SERVICES: web.AppKey[PluginServices] = web.AppKey("plugin_services")


async def read_json_body(request: web.Request) -> Any:
    """The request's JSON body; a clear 400 when it is missing or not JSON."""
    return await request.app[PLUGIN_SERVICES].read_json_body(request)


async def complete(request: web.Request, body: ChatCompletionRequest, modality: str) -> list[Completion]:
    """Route a chat-shaped request and run it through the steps; 400 unless its route has this modality."""
    return await request.app[PLUGIN_SERVICES].complete(request, body, modality)


async def start_video_job(request: web.Request, body: ChatCompletionRequest, source: str) -> JobInfo:
    """Route a chat-shaped video request, translate it (limits), check the key's cap, submit and record it
    as a job of the caller's key, as POST /v1/videos does; 400 unless its route makes videos."""
    return await request.app[PLUGIN_SERVICES].start_video_job(request, body, source)


async def find_job(request: web.Request, job_id: str) -> JobInfo | None:
    """The job of the caller's key with this id, or None (unknown, or another key's)."""
    return await request.app[PLUGIN_SERVICES].find_job(request, job_id)


async def wait_job(request: web.Request, job_id: str, timeout: float) -> JobInfo:
    """Wait up to ``timeout`` seconds for a job of the caller's key to finish; the job as it then is."""
    return await request.app[PLUGIN_SERVICES].wait_job(request, job_id, timeout)


async def job_media(request: web.Request, job: JobInfo) -> list[MediaStream]:
    """The media files of a completed job, in order, streamed from disk; 404 job_expired once expired."""
    return await request.app[PLUGIN_SERVICES].job_media(request, job)


async def cancel_job(request: web.Request, job: JobInfo) -> None:
    """Stop a running job (upstream too, through genproxy_cancel) and mark it failed with code cancelled."""
    await request.app[PLUGIN_SERVICES].cancel_job(request, job)


def job_error(job: JobInfo) -> ApiError:
    """The ApiError a failed job ended with (status, code and Google's message)."""
    error = job.error or {}
    return ApiError(error.get("status", 502), error.get("message", "The job failed."), code=error.get("code"))


def google_error_response(request: web.Request, exc: ApiError,
                          status_names: dict[int, str] | None = None) -> web.Response:
    """An ApiError as Google's google.rpc.Status answer (for plugin endpoints in Google's shape), with every
    live credential and upstream URL blanked from its message as on genproxy's own paths."""
    return request.app[PLUGIN_SERVICES].google_error_response(request, exc, status_names)


async def write_json_body(request: web.Request, body: Any, status: int = 200) -> web.StreamResponse:
    """Answer JSON (which may hold MediaStreams, written as base64 piece by piece)."""
    return await request.app[PLUGIN_SERVICES].write_json_body(request, body, status)
