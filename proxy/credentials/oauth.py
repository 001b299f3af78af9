"""OAuth credentials that refresh themselves: CCS / Gemini CLI token files, authorized-user files,
service accounts.

Refresh is done by POSTing the grant to the token endpoint with the app's own aiohttp session
(``TokenEndpoint``), not through google-auth's transports: google-auth ships no ``requests`` here,
its aiohttp transport is a private module that lags aiohttp releases, and one code path through
our session lets ``settings.token_uri`` point every refresh at the emulator. google-auth is still
used where it is the right tool: parsing and signing service-account keys.

Single flight: each credential has an ``asyncio.Lock``; the first caller that finds the token
near expiry refreshes it, the others wait on the lock and then find it fresh.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

from proxy.credentials.base import ALL_UPSTREAMS, Credential, CredentialUnavailable

log = logging.getLogger("genproxy.credentials")

DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token"
CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
REFRESH_MARGIN = timedelta(minutes=5)


class TokenEndpoint:
    """Sends refresh grants: the app's aiohttp session and an optional override of every token_uri."""

    def __init__(self, session: aiohttp.ClientSession, override_uri: str | None = None, timeout: float = 30.0):
        self.session = session
        self.override_uri = override_uri
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    def uri_for(self, file_uri: str | None) -> str:
        if self.override_uri:
            return self.override_uri
        uri = file_uri or DEFAULT_TOKEN_URI
        parts = urlsplit(uri)
        host = (parts.hostname or "").lower()
        if parts.scheme != "https" or not (host == "googleapis.com" or host.endswith(".googleapis.com")):
            # A refresh token goes to Google only; a token file naming another host is ignored.
            log.warning("ignoring token_uri on host %s (not a Google host); using %s", host, DEFAULT_TOKEN_URI)
            return DEFAULT_TOKEN_URI
        return uri

    async def grant(self, credential_id: str, uri: str, form: dict[str, str]) -> dict:
        try:
            async with self.session.post(uri, data=form, timeout=self.timeout, allow_redirects=False,
                                         headers={"Accept": "application/json"}) as resp:
                raw = await resp.read()
                status = resp.status
        except TimeoutError:
            raise CredentialUnavailable(f"Refreshing the OAuth token of {credential_id} timed out.",
                                        permanent=False) from None
        except aiohttp.ClientError as exc:
            raise CredentialUnavailable(f"Cannot reach the OAuth token endpoint to refresh {credential_id}: "
                                        f"{exc.__class__.__name__}.", permanent=False) from None
        try:
            reply = json.loads(raw)
        except ValueError:
            reply = None
        if status >= 400 or not isinstance(reply, dict) or not isinstance(reply.get("access_token"), str):
            error = reply.get("error") if isinstance(reply, dict) else None
            description = reply.get("error_description") if isinstance(reply, dict) else None
            what = ": ".join(str(x) for x in (error, description) if x) or f"HTTP {status}"
            hint = " Sign in again (CCS / gemini auth) to get a new token file." if error == "invalid_grant" else ""
            log.warning("OAuth refresh of %s failed: %s", credential_id, what)
            raise CredentialUnavailable(f"Refreshing the OAuth token of {credential_id} failed: {what}.{hint}",
                                        permanent=status < 500)
        return reply


def parse_time(value) -> datetime | None:
    """An RFC 3339 time (Go writes nanoseconds and 'Z'), as an aware datetime; None if absent or bad."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # Python takes at most 6 fractional digits; Go writes up to 9.
    if "." in text:
        head, _, rest = text.partition(".")
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = head + "." + rest[:min(digits, 6)] + rest[digits:] if digits else head + rest[digits:]
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_time(value: datetime) -> str:
    """RFC 3339 with the local offset, as CCS (Go) writes it."""
    return value.astimezone().isoformat()


class RefreshingCredential(Credential):
    """A bearer token with an expiry, refreshed single-flight through a TokenEndpoint."""

    def __init__(self, *, id: str, kind: str, email: str | None = None, project_id: str | None = None,
                 upstreams=ALL_UPSTREAMS, source: str | None = None, endpoint: TokenEndpoint | None = None):
        super().__init__(id=id, kind=kind, email=email, project_id=project_id, upstreams=frozenset(upstreams),
                         source=source)
        self.access_token: str = ""
        self._expiry: datetime | None = None
        self.endpoint = endpoint
        self._lock = asyncio.Lock()
        self.refreshes = 0

    @property
    def expiry(self) -> datetime | None:
        return self._expiry

    @property
    def refreshable(self) -> bool:
        return True

    def needs_refresh(self, now: datetime | None = None) -> bool:
        if not self.access_token:
            return True
        if self._expiry is None:
            return False  # unknown expiry: use it until the upstream refuses it
        now = now or datetime.now(UTC)
        return self._expiry - now <= REFRESH_MARGIN

    def invalidate(self) -> None:
        self._expiry = datetime.fromtimestamp(0, UTC)

    async def ensure_fresh(self) -> str:
        if self.needs_refresh():
            async with self._lock:
                if self.needs_refresh():  # another waiter may have refreshed it meanwhile
                    await self._refresh()
        return self.access_token

    async def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.ensure_fresh()}"}

    async def _refresh(self) -> None:
        endpoint = self.endpoint
        if endpoint is None:
            raise CredentialUnavailable(f"The token of {self.id} expired and cannot be refreshed here.")
        reply = await endpoint.grant(self.id, self._token_uri(endpoint), self._grant_form())
        self.access_token = reply["access_token"]
        try:
            lifetime = float(reply.get("expires_in", 3600))
        except (TypeError, ValueError):
            lifetime = 3600.0
        self._expiry = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=lifetime)
        self.refreshes += 1
        log.info("refreshed the OAuth token of %s (valid until %s)", self.id, self._expiry.isoformat())
        await self._after_refresh(reply)

    def _token_uri(self, endpoint: TokenEndpoint) -> str:
        return endpoint.uri_for(None)

    def _grant_form(self) -> dict[str, str]:
        raise NotImplementedError

    async def _after_refresh(self, reply: dict) -> None:
        pass

    def secrets(self) -> list[str]:
        return [s for s in [self.access_token] if s]


class TokenFileCredential(RefreshingCredential):
    """A CCS / CLIProxyAPI OAuth token file (``type: gemini``), refreshed and written back in place."""

    def __init__(self, path: Path, data: dict, *, endpoint: TokenEndpoint | None = None,
                 upstreams=ALL_UPSTREAMS, write_back: bool = True, kind: str = "oauth_file"):
        super().__init__(id=f"oauth:{path.name}", kind=kind, upstreams=upstreams, source=str(path),
                         endpoint=endpoint)
        self.path = path
        self.write_back = write_back
        self.refresh_token = ""
        self.client_id = ""
        self.client_secret = ""
        self.file_token_uri: str | None = None
        self.stamp: tuple[int, int] | None = None  # (mtime_ns, size) of the file as last read or written
        self.load(data)

    def load(self, data: dict) -> None:
        """Take the fields of a (re)read file. A file older than our own refreshed token keeps ours."""
        token = data["token"] if isinstance(data.get("token"), dict) else {}
        self.email = _str(data.get("email")) or self.email
        self.project_id = _str(data.get("project_id")) or _str(token.get("project_id")) or self.project_id
        self.client_id = _str(token.get("client_id")) or _str(data.get("client_id")) or self.client_id
        self.client_secret = _str(token.get("client_secret")) or _str(data.get("client_secret")) or self.client_secret
        self.file_token_uri = _str(token.get("token_uri")) or _str(data.get("token_uri")) or self.file_token_uri
        refresh = _str(data.get("refresh_token")) or _str(token.get("refresh_token"))
        if refresh:
            self.refresh_token = refresh
        # Writers update the token object, the top level, or both: take the pair that expires last.
        pairs = [(_str(src.get("access_token")), parse_time(src.get("expiry"))) for src in (token, data)]
        pairs = [p for p in pairs if p[0]]
        if not pairs:
            return
        access, expiry = max(pairs, key=lambda p: p[1] or datetime.min.replace(tzinfo=UTC))
        newer = self._expiry is None or expiry is None or expiry >= self._expiry
        if newer or not self.access_token:
            self.access_token, self._expiry = access, expiry

    def _token_uri(self, endpoint: TokenEndpoint) -> str:
        return endpoint.uri_for(self.file_token_uri)

    def _grant_form(self) -> dict[str, str]:
        if not self.refresh_token:
            raise CredentialUnavailable(f"The token of {self.id} expired and its file has no refresh_token; "
                                        "sign in again.")
        form = {"grant_type": "refresh_token", "refresh_token": self.refresh_token}
        if self.client_id:
            form["client_id"] = self.client_id
        if self.client_secret:
            form["client_secret"] = self.client_secret
        return form

    async def _after_refresh(self, reply: dict) -> None:
        if isinstance(reply.get("refresh_token"), str) and reply["refresh_token"]:
            self.refresh_token = reply["refresh_token"]
        if self.write_back:
            try:
                await asyncio.to_thread(self._write_back)
            except OSError as exc:
                log.warning("could not write the refreshed token back to %s: %s", self.path, exc.strerror)

    def _write_back(self) -> None:
        """Update the token fields of the file, keep every other field; temp file + os.replace, mode 0600."""
        try:
            data = json.loads(self.path.read_text())
            if not isinstance(data, dict):
                raise ValueError
        except (OSError, ValueError):
            return  # removed or broken meanwhile: do not resurrect it
        expiry = format_time(self._expiry) if self._expiry else None
        token = data["token"] if isinstance(data.get("token"), dict) else {}
        token["access_token"] = self.access_token
        token["expiry"] = expiry
        if "refresh_token" in token or not data.get("refresh_token"):
            token["refresh_token"] = self.refresh_token
        data["token"] = token
        data["access_token"] = self.access_token
        data["refresh_token"] = self.refresh_token
        data["expiry"] = expiry
        atomic_write_json(self.path, data)
        st = os.stat(self.path)
        self.stamp = (st.st_mtime_ns, st.st_size)

    def secrets(self) -> list[str]:
        return [s for s in [self.access_token, self.refresh_token, self.client_secret] if s]


class ServiceAccountCredential(RefreshingCredential):
    """A service-account key file: a JWT signed by google-auth, exchanged for a cloud-platform token."""

    def __init__(self, path: Path, info: dict, *, endpoint: TokenEndpoint | None = None):
        from google.oauth2 import service_account

        try:
            self._google = service_account.Credentials.from_service_account_info(info, scopes=[CLOUD_PLATFORM])
        except (ValueError, KeyError) as exc:
            raise ValueError(f"not a usable service-account key ({exc.__class__.__name__})") from None
        super().__init__(id=f"sa:{self._google.service_account_email}", kind="service_account",
                         email=self._google.service_account_email, project_id=_str(info.get("project_id")),
                         upstreams={"vertex"}, source=str(path), endpoint=endpoint)
        self.file_token_uri = _str(info.get("token_uri")) or DEFAULT_TOKEN_URI
        self._private_key = _str(info.get("private_key"))

    def _token_uri(self, endpoint: TokenEndpoint) -> str:
        return endpoint.uri_for(self.file_token_uri)

    def _grant_form(self) -> dict[str, str]:
        from google.auth import jwt

        now = int(time.time())
        payload = {"iss": self._google.service_account_email, "scope": CLOUD_PLATFORM,
                   "aud": self.file_token_uri, "iat": now, "exp": now + 3600}
        assertion = jwt.encode(self._google.signer, payload)
        return {"grant_type": JWT_GRANT, "assertion": assertion.decode() if isinstance(assertion, bytes) else assertion}

    def secrets(self) -> list[str]:
        return [s for s in [self.access_token, self._private_key] if s]


def atomic_write_json(path: Path, data: dict) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=2)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _str(value) -> str:
    return value.strip() if isinstance(value, str) else ""
