"""Google-shaped errors: ``{"error": {"code", "message", "status", "details"?}}``.

Handlers raise :class:`GoogleError`; the middleware in ``app.py`` turns it into the JSON body.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

STATUS_BY_CODE = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


class GoogleError(Exception):
    """An error answered as Google does: HTTP status plus a google.rpc.Status-like body."""

    def __init__(
        self,
        code: int,
        message: str,
        status: str | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or STATUS_BY_CODE.get(code, "UNKNOWN")
        self.details = details

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            error["details"] = self.details
        return {"error": error}

    def response(self) -> web.Response:
        return web.json_response(self.body(), status=self.code)


def invalid_argument(message: str, field: str | None = None) -> GoogleError:
    details = None
    if field:
        details = [
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": field, "description": message}],
            }
        ]
    return GoogleError(400, message, "INVALID_ARGUMENT", details)


def unknown_field(name: str, where: str) -> GoogleError:
    return invalid_argument(
        f'Invalid JSON payload received. Unknown name "{name}" at \'{where}\': Cannot find field.',
        f"{where}.{name}" if where else name,
    )


def not_found(message: str) -> GoogleError:
    return GoogleError(404, message, "NOT_FOUND")


def model_not_found(model: str, method: str, version: str = "v1beta") -> GoogleError:
    return not_found(
        f"models/{model} is not found for API version {version}, or is not supported for "
        f"{method}. Call ListModels to see the list of available models and their supported methods."
    )
