"""OAuth 2 token endpoint (``POST /token``), for tests of token refresh.

``grant_type=refresh_token`` (needs ``refresh_token``) or the service-account JWT grant
(``urn:ietf:params:oauth:grant-type:jwt-bearer``, needs ``assertion``). A refresh token that
starts with ``revoked`` is refused with 400 ``invalid_grant``, as Google does for revoked tokens;
one that starts with ``unlicensed`` gets an ``emu-unlicensed-...`` token, which Code Assist refuses
with 403 "You do not have a valid license of this product" (see auth.unlicensed).
Issued tokens (``emu-...``) are accepted by every endpoint even when ``api_keys`` is set.
"""

from __future__ import annotations

import secrets

from aiohttp import web

from .state import EMULATOR_STATE

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
DEFAULT_SCOPE = "https://www.googleapis.com/auth/cloud-platform"


def _oauth_error(error: str, description: str, status: int = 400) -> web.Response:
    return web.json_response({"error": error, "error_description": description}, status=status)


async def token(request: web.Request) -> web.Response:
    state = request.app[EMULATOR_STATE]
    form = request.get("json")
    if not isinstance(form, dict):
        return _oauth_error("invalid_request", "Expected application/x-www-form-urlencoded parameters.")
    grant = form.get("grant_type")
    if grant == "refresh_token":
        refresh = form.get("refresh_token")
        if not refresh:
            return _oauth_error("invalid_request", "Missing required parameter: refresh_token")
        if refresh.startswith("revoked"):
            return _oauth_error("invalid_grant", "Token has been expired or revoked.")
    elif grant == JWT_GRANT:
        if not form.get("assertion"):
            return _oauth_error("invalid_request", "Missing required parameter: assertion")
    else:
        return _oauth_error("unsupported_grant_type", f"Invalid grant_type: {grant}")
    # Emulator convention (auth.unlicensed): a refresh token starting with "unlicensed" stands
    # for an account without a Code Assist licence; its access tokens say so.
    prefix = "emu-unlicensed-" if str(form.get("refresh_token") or "").startswith("unlicensed") else "emu-"
    access = prefix + secrets.token_urlsafe(24)
    state.issued_tokens.add(access)
    state.token_refreshes += 1
    return web.json_response(
        {"access_token": access, "expires_in": 3600, "token_type": "Bearer",
         "scope": form.get("scope") or DEFAULT_SCOPE}
    )


def add_routes(app: web.Application) -> None:
    app.router.add_post("/token", token)
