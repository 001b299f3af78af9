"""The doctor inside a running proxy: one run in the background at start-up (never delaying it), again
every ``discovery_interval``, and on demand through ``GET /v1/doctor?refresh=true``."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from proxy import keys
from proxy.discovery.doctor import Doctor
from proxy.discovery.findings import DoctorReport
from proxy.ops.background import every

log = logging.getLogger("genproxy.doctor")


class DoctorService:
    def __init__(self, make_doctor: Callable[[], Doctor]):
        self._make = make_doctor
        self.report: DoctorReport | None = None
        self._running: asyncio.Task | None = None
        # Told of every report.
        self.listeners: list[Callable[[DoctorReport], Awaitable[None]]] = []

    async def refresh(self) -> DoctorReport:
        """Run the checks (callers arriving while a run is under way share it)."""
        if self._running is None or self._running.done():
            self._running = asyncio.create_task(self._run())
        return await asyncio.shield(self._running)

    async def _run(self) -> DoctorReport:
        report = await self._make().run()
        self.report = report
        for listener in self.listeners:
            try:
                await listener(report)
            except Exception:
                log.exception("doctor: a listener of the report failed")
        problems = report.problems()
        for line in problems:
            log.warning("doctor: %s", line)
        served = sum(1 for r in report.routes if r.status == "ok")
        log.info("doctor: %d of %d listed routes can be served; %d problem(s)%s", served, len(report.routes),
                 len(problems), "" if report.ok else " (run `genproxy doctor` for the table)")
        return report

    async def watch(self, interval: float) -> None:
        try:
            await self.refresh()
        except Exception:  # a failed check must never take the proxy down
            log.exception("doctor: the start-up check failed")
        await every(interval, self.refresh, "doctor check")


async def doctor_report(request: web.Request) -> web.Response:
    """GET /v1/doctor: the last report (``?refresh=true`` runs the checks now)."""
    service: DoctorService = request.app[keys.DOCTOR]
    if service.report is None or request.query.get("refresh") in ("1", "true", "yes"):
        await service.refresh()
    return web.json_response(service.report.as_dict())
