"""Who may reach the proxy from a browser (issue 25.1).

Two attacks need nothing but a web page the operator opens:

- **DNS rebinding**: a page on ``attacker.example`` re-points its own name at 127.0.0.1 and reads the proxy's
  answers as same-origin ones (the job list, with prompts). The browser still sends ``Host: attacker.example``,
  so a request is refused unless its ``Host`` is loopback, an IP literal (a page whose origin is an address
  cannot rebind it: rebinding needs a name), the host of ``public_base_url`` or one of ``allowed_hosts``.
- **Cross-site requests**: a form POST, or ``fetch(url, {mode: "no-cors"})`` with a ``text/plain`` body, is
  sent without a CORS preflight; the page cannot read the answer, but the video is made and paid for. A browser
  says where a request comes from (``Sec-Fetch-Site``, Fetch Metadata; ``Origin`` on every POST), so an API
  request from another origin is refused before anything runs. ``same-site`` is refused too: another port of
  localhost is the same *site*. Non-browser clients (SDKs, curl) send neither header and are not affected;
  the console is same-origin.

Cross-site GETs of a video's bytes stay allowed: a chat front end on another origin shows the ``<video>`` its
answer links to (the id in the path is the secret, and a no-cors answer cannot be read by the page).
"""
from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

from aiohttp import web
from yarl import URL

from proxy.config import SETTINGS
from proxy.http.errors import ApiError

#: API paths (everything that spends, or reads jobs, usage, keys or metrics)
API_PREFIXES = ("/v1/", "/v1beta/", "/v1beta1/", "/api/v1/", "/api/provider/", "/metrics")
#: GETs a page on another origin may embed (a video element's src): the bytes of one video, named by its id
EMBEDDABLE = re.compile(r"^(/v1/videos/[^/]+/content|/api/v1/videos/[^/]+/content|/v1beta/files/[^/]+:download)$")
#: never refused: a load balancer's health check may name the host however it likes
OPEN_PATHS = frozenset({"/healthz"})


def split_host(host: str) -> str | None:
    """The host name of a Host header or an origin's authority (no port, no brackets, lower case)."""
    host = host.strip().lower()
    if not host:
        return None
    if host.startswith("["):
        end = host.find("]")
        return host[1:end] if end > 0 else None
    if host.count(":") > 1:  # a bare IPv6 address
        return host
    return host.rsplit(":", 1)[0] if ":" in host else host


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=1024)
def host_allowed(name: str, configured: tuple[str, ...]) -> bool:
    if name == "localhost" or name.endswith(".localhost") or _is_ip(name):
        return True
    for allowed in configured:
        if allowed == "*" or name == allowed or (allowed.startswith(".") and name.endswith(allowed)):
            return True
    return False


def configured_hosts(settings) -> tuple[str, ...]:
    return _configured_hosts(tuple(settings.allowed_hosts), settings.public_base_url)


@lru_cache(maxsize=16)
def _configured_hosts(allowed: tuple[str, ...], public_base_url: str | None) -> tuple[str, ...]:
    hosts = [h.strip().lower() for h in allowed if h.strip()]
    public = URL(public_base_url).host if public_base_url else None
    if public:
        hosts.append(public.lower())
    return tuple(hosts)


def _origin_of(url: str) -> str:
    parsed = URL(url)
    return f"{parsed.scheme}://{parsed.raw_authority}".lower() if parsed.scheme and parsed.host else url.lower()


def same_origin(request: web.Request, origin: str, settings) -> bool:
    """``origin`` (an Origin header) is this proxy as the browser reached it, or an origin the operator trusts."""
    origin = origin.strip().lower()
    if origin == "null" or "://" not in origin:
        return False
    allowed = {_origin_of(o) for o in settings.allowed_origins}
    if settings.public_base_url:
        allowed.add(_origin_of(settings.public_base_url))
    if origin in allowed or "*" in settings.allowed_origins:
        return True
    # Behind a TLS-terminating reverse proxy the scheme the browser used is not the one seen here: compare the
    # authority (host and port) with the Host header the browser sent.
    return origin.split("://", 1)[1] == request.headers.get("Host", "").strip().lower()


def cross_site(request: web.Request, settings) -> bool:
    site = request.headers.get("Sec-Fetch-Site", "").lower()
    origin = request.headers.get("Origin")
    if origin is not None:
        return not same_origin(request, origin, settings)
    # A browser without Origin on this request (a GET): Fetch Metadata alone. "none" is the user's own action
    # (typed address, bookmark).
    return site in ("cross-site", "same-site")


@web.middleware
async def browser_guard_middleware(request: web.Request, handler):
    path = request.path
    if path in OPEN_PATHS:
        return await handler(request)
    settings = request.app[SETTINGS]
    name = split_host(request.headers.get("Host", ""))
    if name is not None and not host_allowed(name, configured_hosts(settings)):
        raise ApiError(400, f"This proxy does not answer to the host name '{name[:100]}'. Use localhost, an IP "
                       "address or the host of public_base_url, or add it to the allowed_hosts setting.",
                       code="host_not_allowed")
    if path.startswith(API_PREFIXES) and cross_site(request, settings):
        if request.method in ("GET", "HEAD") and EMBEDDABLE.match(path):
            return await handler(request)
        raise ApiError(403, "Cross-site browser requests are refused: a page on another origin may not use this "
                       "proxy (add its origin to the allowed_origins setting to trust it).",
                       code="cross_site_request", type="permission_denied")
    return await handler(request)
