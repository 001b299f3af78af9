"""Is a URL a public address? (loopback, private, link-local and other non-global addresses are not)."""
from __future__ import annotations

import asyncio
import ipaddress

import yarl

from proxy.http.errors import invalid


async def check_public_url(url: str, param: str, setting: str) -> None:
    """400 url_not_allowed unless ``url`` is http(s) and every address its host resolves to is global."""
    try:
        parsed = yarl.URL(url)
    except ValueError:
        raise invalid(f"'{param}' is not a URL.", param, code="invalid_url") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise invalid(f"'{param}' must be an http:// or https:// URL.", param, code="invalid_url")
    host = parsed.host.strip("[]")
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, parsed.port or 443)
        except OSError:
            raise invalid(f"'{param}': cannot resolve {host}.", param, code="invalid_url") from None
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if any(not address.is_global for address in addresses):
        raise invalid(f"'{param}' points at a private or local address; genproxy calls only public URLs "
                      f"(set {setting} to change that).", param, code="url_not_allowed")
