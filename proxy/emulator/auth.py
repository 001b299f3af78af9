"""Authentication as Google checks it.

Gemini API (generativelanguage): an API key only, in the ``x-goog-api-key`` header or ``?key=``.
An OAuth ``Authorization: Bearer`` token is refused with 403 PERMISSION_DENIED, ErrorInfo reason
``ACCESS_TOKEN_SCOPE_INSUFFICIENT`` on every method, as Google refuses the cloud-platform tokens
of Gemini CLI / CCS logins (3P: CLIProxyAPI #637; the body as in googleapis/js-genai #569 and
NoeFabris/opencode-antigravity-auth #81). An invalid token is still 401 first.
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


SCOPE_MESSAGE = "Request had insufficient authentication scopes."
#: RPC names Google puts in ErrorInfo.metadata.method, per generativelanguage method.
RPC_PREFIX = "google.ai.generativelanguage.v1beta."
RPC_METHODS = {
    "generateContent": "GenerativeService.GenerateContent",
    "streamGenerateContent": "GenerativeService.StreamGenerateContent",
    "countTokens": "GenerativeService.CountTokens",
    "predictLongRunning": "PredictionService.PredictLongRunning",
    "listModels": "ModelService.ListModels",
    "getModel": "ModelService.GetModel",
    "getOperation": "google.longrunning.Operations.GetOperation",
    "getFile": "FileService.GetFile",
    "downloadFile": "FileService.DownloadFile",
    "createInteraction": "InteractionService.CreateInteraction",
    "getInteraction": "InteractionService.GetInteraction",
}


def scope_insufficient(method: str) -> GoogleError:
    rpc = RPC_METHODS.get(method, f"GenerativeService.{method[:1].upper()}{method[1:]}")
    full = rpc if rpc.startswith("google.longrunning") else RPC_PREFIX + rpc
    return GoogleError(
        403,
        SCOPE_MESSAGE,
        "PERMISSION_DENIED",
        [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                "domain": "googleapis.com",
                "metadata": {"service": "generativelanguage.googleapis.com", "method": full},
            }
        ],
    )


def require_gemini_auth(request: web.Request, state: EmulatorState, method: str = "generateContent") -> None:
    """Gemini API: an API key (header or ?key=); a (valid) bearer token is a 403 scope error."""
    key = api_key(request)
    if key is not None:
        if not _accepted(state, key):
            raise _invalid_key()
        return
    token = bearer_token(request)
    if token is not None:
        if not _accepted(state, token):
            raise _invalid_token()
        raise scope_insufficient(method)
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


# ---------------------------------------------------------------- Vertex: API not enabled

def vertex_disabled(state: EmulatorState, project: str) -> bool:
    """Emulator convention: a project listed in ``settings.vertex_disabled_projects`` or whose id
    starts with ``no-vertex`` has the Vertex AI API disabled."""
    return project.startswith("no-vertex") or project in state.settings.vertex_disabled_projects


def service_disabled(project: str) -> GoogleError:
    """Vertex's refusal for a project without the Vertex AI API enabled (the body as quoted in
    GoogleCloudPlatform/vertex-ai-samples #476 and GoogleCloudPlatform/agent-starter-pack #304)."""
    url = f"https://console.developers.google.com/apis/api/aiplatform.googleapis.com/overview?project={project}"
    return GoogleError(
        403,
        f"Vertex AI API has not been used in project {project} before or it is disabled. Enable it "
        f"by visiting {url} then retry. If you enabled this API recently, wait a few minutes for the "
        "action to propagate to our systems and retry.",
        "PERMISSION_DENIED",
        [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "SERVICE_DISABLED",
                "domain": "googleapis.com",
                "metadata": {"consumer": f"projects/{project}", "service": "aiplatform.googleapis.com",
                             "serviceTitle": "Vertex AI API", "activationUrl": url},
            },
            {
                "@type": "type.googleapis.com/google.rpc.Help",
                "links": [{"description": "Google developers console API activation", "url": url}],
            },
        ],
    )


def require_vertex(request: web.Request, state: EmulatorState, project: str | None) -> None:
    """Vertex AI: a bearer token, then the project's API must be enabled (None: no project known)."""
    require_bearer(request, state)
    if project and vertex_disabled(state, project):
        raise service_disabled(project)


# ---------------------------------------------------------------- Code Assist: no licence

LICENSE_MESSAGE = (
    "You do not have a valid license of this product. Please contact your administrator to request "
    "a license. If you are not an enterprise user and believe you are receiving this message as an "
    "error, please try using the latest version and logging in again. (#3501)"
)


def unlicensed(state: EmulatorState, token: str) -> bool:
    """Emulator convention: the account behind a token has no Code Assist licence when
    ``settings.codeassist_licensed`` is false, or the token contains ``unlicensed`` (``POST /token``
    issues such tokens for a refresh token that starts with ``unlicensed``)."""
    return not state.settings.codeassist_licensed or "unlicensed" in token.lower()


def no_license() -> GoogleError:
    """Code Assist's refusal since 2026-06-18 for free / AI Pro / Ultra individual accounts
    (facts file section 3; the body as in su-kaka/gcli2api #383 and justlovemaki/AIClient2API #648)."""
    return GoogleError(
        403,
        LICENSE_MESSAGE,
        "PERMISSION_DENIED",
        [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "SUBSCRIPTION_REQUIRED",
                "domain": "cloudaicompanion.googleapis.com",
                "metadata": {"uiMessage": "true"},
            },
            {
                "@type": "type.googleapis.com/google.rpc.Help",
                "links": [{"description": "Learn more",
                           "url": "https://cloud.google.com/gemini/docs/codeassist/request-license"}],
            },
        ],
    )


def require_codeassist(request: web.Request, state: EmulatorState) -> None:
    require_bearer(request, state)
    if unlicensed(state, bearer_token(request) or ""):
        raise no_license()
