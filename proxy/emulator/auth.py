"""Authentication as Google checks it.

Gemini API: ``x-goog-api-key`` header, ``?key=`` or ``Authorization: Bearer``.
Vertex and Code Assist: OAuth bearer only (an API key is refused with 401).
With ``settings.api_keys`` empty any non-empty value is accepted; otherwise the key or token
must be listed there or have been issued by ``POST /token``.
"""

from __future__ import annotations

from aiohttp import web

from .errors import GoogleError
from .state import EmulatorState

MISSING_MESSAGE = (
    "Method doesn't allow unregistered callers (callers without established identity). "
    "Please use API key or other form of API consumer identity to call this API."
)
INVALID_KEY_MESSAGE = "API key not valid. Please pass a valid API key."
INVALID_TOKEN_MESSAGE = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
    "cookie or other valid authentication credential. "
    "See https://developers.google.com/identity/sign-in/web/devconsole-project."
)
MISSING_TOKEN_MESSAGE = (
    "Request is missing required authentication credential. Expected OAuth 2 access token, "
    "login cookie or other valid authentication credential. "
    "See https://developers.google.com/identity/sign-in/web/devconsole-project."
)
NO_API_KEYS_MESSAGE = (
    "API keys are not supported by this API. Expected OAuth2 access token or other "
    "authentication credentials that assert a principal. "
    "See https://cloud.google.com/docs/authentication"
)


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer":
        return token.strip()
    return None


def api_key(request: web.Request) -> str | None:
    key = request.headers.get("x-goog-api-key")
    if key is None:
        key = request.query.get("key")
    return key


def _accepted(state: EmulatorState, value: str) -> bool:
    if not value:
        return False
    if not state.settings.api_keys:
        return True
    return value in state.settings.api_keys or value in state.issued_tokens


def _invalid_key() -> GoogleError:
    return GoogleError(
        400,
        INVALID_KEY_MESSAGE,
        "INVALID_ARGUMENT",
        [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": "generativelanguage.googleapis.com"},
            }
        ],
    )


def _invalid_token() -> GoogleError:
    return GoogleError(
        401,
        INVALID_TOKEN_MESSAGE,
        "UNAUTHENTICATED",
        [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "ACCESS_TOKEN_TYPE_UNSUPPORTED",
                "domain": "googleapis.com",
            }
        ],
    )


def require_gemini_auth(request: web.Request, state: EmulatorState) -> None:
    """Gemini API: an API key (header or ?key=) or a bearer token."""
    key = api_key(request)
    if key is not None:
        if not _accepted(state, key):
            raise _invalid_key()
        return
    token = bearer_token(request)
    if token is not None:
        if not _accepted(state, token):
            raise _invalid_token()
        return
    raise GoogleError(403, MISSING_MESSAGE, "PERMISSION_DENIED")


def require_bearer(request: web.Request, state: EmulatorState) -> None:
    """Vertex AI and Code Assist: OAuth bearer token only."""
    token = bearer_token(request)
    if token is None:
        if api_key(request) is not None:
            raise GoogleError(401, NO_API_KEYS_MESSAGE, "UNAUTHENTICATED")
        raise GoogleError(401, MISSING_TOKEN_MESSAGE, "UNAUTHENTICATED")
    if not _accepted(state, token):
        raise _invalid_token()
