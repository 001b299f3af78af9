"""OpenAI-shaped errors and the middleware that turns every failure into one."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

from aiohttp import web

log = logging.getLogger("genproxy.errors")

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
        return web.json_response(self.body(), status=self.status, headers=self.headers)


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


@web.middleware
async def error_middleware(request: web.Request, handler):
    try:
        return await handler(request)
    except ApiError as exc:
        return exc.response()
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _from_http_exception(exc).response()
    except json.JSONDecodeError as exc:
        return ApiError(400, f"Request body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}.",
                        code="invalid_json").response()
    except UnicodeDecodeError as exc:
        if not _raised_decoding_the_body(exc):
            return _internal_error(request)
        # aiohttp decodes the body before parsing it: bytes that are not UTF-8 are the client's error.
        return ApiError(400, f"Request body is not valid UTF-8 text: byte {exc.start} cannot be decoded.",
                        code="invalid_json").response()
    except (ConnectionResetError, web.RequestPayloadError) as exc:
        # The client went away or sent a broken body: nothing useful to answer.
        log.info("client connection problem: %s", exc.__class__.__name__)
        raise
    except Exception:
        return _internal_error(request)


def _internal_error(request: web.Request) -> web.Response:
    """Log the traceback under the request id; the client gets the id and nothing of the internals."""
    request_id = request.get("request_id", "-")
    log.exception("unexpected error in request %s", request_id)
    return ApiError(500, f"Internal error; quote request id {request_id} when reporting it.",
                    type="server_error", code="internal_error").response()


def _raised_decoding_the_body(exc: BaseException) -> bool:
    """True when aiohttp's Request.text() raised it (the client's bytes), not some later step."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and tb.tb_frame.f_code.co_name == "text" and "web_request" in tb.tb_frame.f_code.co_filename
