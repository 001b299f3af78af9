"""The web console: static files shipped in the package (proxy/console/), served at / with no build step."""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from proxy.http.errors import ApiError

CONSOLE_DIR = Path(__file__).resolve().parents[1] / "console"
# Everything the page loads comes from this proxy; generated media arrive as blob: and data: URLs.
CSP = ("default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob: data:; style-src 'self'; "
       "script-src 'self'; connect-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "Cache-Control": "no-cache"}
TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}


async def index(request: web.Request) -> web.FileResponse:
    return _file(CONSOLE_DIR / "index.html")


async def asset(request: web.Request) -> web.FileResponse:
    name = request.match_info["name"]
    path = (CONSOLE_DIR / name).resolve()
    # Only files of the console folder itself, by their plain names.
    if path.parent != CONSOLE_DIR or path.suffix not in TYPES or not path.is_file():
        raise ApiError(404, f"The console has no file '{name}'.", code="file_not_found")
    return _file(path)


def _file(path: Path) -> web.FileResponse:
    return web.FileResponse(path, headers={**HEADERS, "Content-Type": f"{TYPES[path.suffix]}; charset=utf-8"})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", index)
    app.router.add_get("/console/{name:[A-Za-z0-9_.-]{1,64}}", asset)
