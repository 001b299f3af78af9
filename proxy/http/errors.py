"""OpenAI-shaped errors and the middleware that turns every failure into one."""
from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

log = logging.getLogger("genproxy.errors")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_TYPE_BY_STATUS = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_denied",
    404: "invalid_request_error",
    413: "invalid_request_error",
    429: "rate_limit_error",
    502: "upstream_error",
    503: "service_unavailable",
    504: "timeout_error",
}


@dataclass
class ApiError(Exception):
    """A failure the client should see, in OpenAI's error shape."""

    status: int
    message: str
    param: str | None = None
    code: str | None = None
    type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)
        if self.type is None:
            self.type = _TYPE_BY_STATUS.get(self.status, "server_error" if self.status >= 500 else "invalid_request_error")

    def body(self) -> dict:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}

    def response(self) -> web.Response:
        headers = dict(self.headers)
        close = headers.pop("Connection", "").lower() == "close"
        response = web.json_response(self.body(), status=self.status, headers=headers)
        if close:  # e.g. a 413 sent before the body was read: do not read the rest of it
            response.force_close()
        return response


#: Blanks every live credential and upstream base URL from a text bound for a client. create_app wires it
#: (it knows the upstreams and the settings), so this module, which everything imports, imports none of them.
CLIENT_SCRUBBER: web.AppKey[Callable[[str], str]] = web.AppKey("client_scrubber")


def client_safe(request: web.Request, error: ApiError) -> ApiError:
    """The error with every live credential and upstream base URL blanked from its message: the last line
    of defence before a client sees text that may have come from an upstream."""
    scrub = request.app.get(CLIENT_SCRUBBER)
    if scrub is not None:
        error.message = scrub(error.message)
    return error


def invalid(message: str, param: str | None = None, code: str = "invalid_value") -> ApiError:
    return ApiError(400, message, param=param, code=code)


def _from_http_exception(exc: web.HTTPException) -> ApiError:
    if exc.status == 413:
        return ApiError(413, f"Request body too large: {exc.text or 'over the configured limit'}", code="request_too_large")
    if exc.status == 404:
        return ApiError(404, "No such endpoint.", code="unknown_url")
    if exc.status == 405:
        allow = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else {}
        return ApiError(405, f"Method not allowed. {exc.text or ''}".strip(), code="method_not_allowed", headers=allow)
    return ApiError(exc.status, exc.reason or "HTTP error", code="http_error")


RESPONSE_STARTED = "genproxy.response_started"  # set by proxy.http.middleware when a response is prepared


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await _answer_errors(request, handler)
    except Exception as exc:
        started = request.get(RESPONSE_STARTED)
        if started is None or not started.prepared or isinstance(exc, (web.HTTPException, ConnectionResetError)):
            raise
        # The status line and part of the body are out: a second response would corrupt the stream.
        return await _fail_started_response(request, started, exc)


async def _answer_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn a failure into an OpenAI-shaped error response (re-raising when the response already started)."""
    try:
        return await handler(request)
    except Exception as exc:
        started = request.get(RESPONSE_STARTED)
        if started is not None and started.prepared:
            raise
        return _error_response(request, exc)


def _error_response(request: web.Request, exc: Exception) -> web.StreamResponse:
    if isinstance(exc, ApiError):
        return client_safe(request, exc).response()
    if isinstance(exc, web.HTTPException):
        if exc.status < 400:
            raise exc
        return _from_http_exception(exc).response()
    if isinstance(exc, json.JSONDecodeError):
        return ApiError(400, f"Request body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}.",
                        code="invalid_json").response()
    if isinstance(exc, UnicodeDecodeError) and _raised_decoding_the_body(exc):
        # aiohttp decodes the body before parsing it: bytes that are not UTF-8 are the client's error.
        return ApiError(400, f"Request body is not valid UTF-8 text: byte {exc.start} cannot be decoded.",
                        code="invalid_json").response()
    if isinstance(exc, (ConnectionResetError, web.RequestPayloadError)):
        # The client went away or sent a broken body: nothing useful to answer.
        log.info("client connection problem: %s", exc.__class__.__name__)
        raise exc
    return _internal_error(request, exc)


async def _fail_started_response(request: web.Request, response: web.StreamResponse,
                                 exc: Exception) -> web.StreamResponse:
    error = client_safe(request, exc) if isinstance(exc, ApiError) else None
    if error is None:
        request_id = request.get("request_id", "-")
        log.error("unexpected error in request %s after its response started", request_id, exc_info=exc)
        error = ApiError(500, f"Internal error; quote request id {request_id} when reporting it.",
                         type="server_error", code="internal_error")
    request["status"] = error.status
    if not (response.content_type or "").startswith("text/event-stream"):
        # Half a JSON body cannot be mended: let aiohttp drop the connection, so it cannot pass for a success.
        raise exc
    try:
        await response.write(b"data: " + json.dumps(error.body()).encode() + b"\n\ndata: [DONE]\n\n")
        await response.write_eof()
    except (ConnectionResetError, RuntimeError):
        pass
    return response


def _internal_error(request: web.Request, exc: BaseException) -> web.Response:
    """Log the traceback under the request id; the client gets the id and nothing of the internals."""
    request_id = request.get("request_id", "-")
    log.error("unexpected error in request %s", request_id, exc_info=exc)
    return ApiError(500, f"Internal error; quote request id {request_id} when reporting it.",
                    type="server_error", code="internal_error").response()


def _raised_decoding_the_body(exc: BaseException) -> bool:
    """True when aiohttp's Request.text() raised it (the client's bytes), not some later step."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and tb.tb_frame.f_code.co_name == "text" and "web_request" in tb.tb_frame.f_code.co_filename
