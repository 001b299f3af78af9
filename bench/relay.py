"""A bare aiohttp pass-through proxy: the practical ceiling of any Python proxy here.

Forwards every request (method, path, query, headers, body) unchanged to UPSTREAM and
streams the answer back chunk by chunk. No parsing, routing or translation.

    python bench/relay.py --port 9000 --upstream http://127.0.0.1:8318

It runs on uvloop when that is installed, as `genproxy serve` does (proxy/cli/main.py): a baseline on asyncio's
own loop spent ~11 % more CPU per request and flattered genproxy's ratios (issue 26). `--loop asyncio` keeps the
old loop for comparison.
"""
from __future__ import annotations

import argparse
import asyncio

import aiohttp
from aiohttp import web

HOP = {"host", "connection", "keep-alive", "transfer-encoding", "content-length", "te", "upgrade",
       "proxy-connection", "content-encoding"}


def make_app(upstream: str) -> web.Application:
    async def session_ctx(app: web.Application):
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), auto_decompress=False) as session:
            app["session"] = session
            yield

    async def forward(request: web.Request) -> web.StreamResponse:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP}
        async with request.app["session"].request(request.method, upstream + request.rel_url.raw_path_qs,
                                                  headers=headers, data=await request.read(),
                                                  allow_redirects=False) as up:
            response = web.StreamResponse(status=up.status, headers={
                k: v for k, v in up.headers.items() if k.lower() not in HOP})
            await response.prepare(request)
            async for chunk in up.content.iter_any():
                await response.write(chunk)
            await response.write_eof()
            return response

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.cleanup_ctx.append(session_ctx)
    app.router.add_route("*", "/{tail:.*}", forward)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True, help="e.g. http://127.0.0.1:8318")
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop",
                        help="the event loop (default uvloop, genproxy's, when installed)")
    args = parser.parse_args()
    loop = None
    if args.loop == "uvloop":
        try:
            import uvloop
        except ImportError:
            print("relay: uvloop is not installed; on asyncio's loop", flush=True)
        else:
            loop = uvloop.new_event_loop()
            asyncio.set_event_loop(loop)
    print(f"relay: event loop {'uvloop' if loop is not None else 'asyncio'}", flush=True)
    web.run_app(make_app(args.upstream.rstrip("/")), host=args.host, port=args.port, access_log=None,
                print=lambda msg: print(f"relay: {msg}", flush=True), loop=loop)


if __name__ == "__main__":
    main()
