"""The emulator and the real proxy (create_app) on real sockets, in a thread of their own, for synchronous
clients such as hypothesis tests (hypothesis drives its examples synchronously)."""
from __future__ import annotations

import asyncio
import http.client
import json
import threading
from pathlib import Path

from aiohttp import web

from proxy.app import create_app
from proxy.config import load_settings
from proxy.emulator import EmulatorSettings, start_emulator
from tests.support import CLIENT_KEY, REPO, UPSTREAM_KEY


class LiveProxy:
    def __init__(self, data_dir: Path, **overrides):
        self._data_dir = data_dir
        self._overrides = overrides
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="live-proxy", daemon=True)
        self.port = 0

    def __enter__(self) -> LiveProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(30)
        return self

    def __exit__(self, *exc) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self.loop).result(60)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)

    async def _start(self) -> None:
        self.emulator = await start_emulator(settings=EmulatorSettings(operation_delay=0.0, catalog="2026-11"))
        base = self.emulator.base_url
        settings = load_settings(None, environ={}, **{
            "api_keys": [CLIENT_KEY], "gemini_api_keys": [UPSTREAM_KEY], "gemini_base_url": base,
            "vertex_base_url": base, "vertex_project": "emu-project", "codeassist_base_url": base,
            "token_uri": f"{base}/token", "auth_dir": self._data_dir / "auth", "data_dir": self._data_dir / "data",
            "routes_file": REPO / "routes.yaml", "poll_initial_delay": 0.01, "poll_max_delay": 0.05,
            "max_jobs_per_key": 1_000_000, "video_deadline": 30, **self._overrides})
        self.runner = web.AppRunner(create_app(settings), access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        await self.runner.cleanup()
        await self.emulator.close()

    def connection(self) -> Client:
        return Client(self.port)


class Client:
    """One keep-alive HTTP connection; reconnects when the server closed it."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                resp = self.conn.getresponse()
                return resp.status, dict(resp.getheaders()), resp.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise

    def json(self, method: str, path: str, value, headers: dict | None = None):
        return self.request(method, path, json.dumps(value).encode(),
                            {"Content-Type": "application/json", "Authorization": f"Bearer {CLIENT_KEY}",
                             **(headers or {})})
