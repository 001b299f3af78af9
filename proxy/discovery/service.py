"""The doctor inside a running proxy: one run in the background at start-up (never delaying it), again
every ``discovery_interval``, and on demand through ``GET /v1/doctor?refresh=true``."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from proxy.discovery.doctor import Doctor
from proxy.discovery.findings import DoctorReport
from proxy.http.errors import ApiError
from proxy.ops.background import every

log = logging.getLogger("genproxy.doctor")
#: Seconds between runs a client may ask for with ?refresh=true: each run calls Google once per credential and
#: model family (issue 25.9: any key could make the proxy call upstream at will).
REFRESH_INTERVAL = 30.0


class DoctorService:
    def __init__(self, make_doctor: Callable[[], Doctor]):
        self._make = make_doctor
        self.report: DoctorReport | None = None
        self._running: asyncio.Task | None = None
        # Told of every report.
        self.listeners: list[Callable[[DoctorReport], Awaitable[None]]] = []
        self._last_asked = float("-inf")

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
    service: DoctorService = request.app[DOCTOR]
    if request.query.get("refresh") in ("1", "true", "yes"):
        if not request.get("is_admin"):
            raise ApiError(403, "Only an admin key may rerun the doctor's checks (?refresh=true); without it the last "
                                "report is shown.", code="admin_required", type="permission_denied")
        wait = service._last_asked + REFRESH_INTERVAL - time.monotonic()
        if wait > 0 and service.report is not None:
            raise ApiError(429, f"The doctor ran less than {REFRESH_INTERVAL:.0f} s ago; retry in {wait:.0f} s.",
                           code="rate_limit_exceeded", headers={"Retry-After": str(max(1, round(wait)))})
        service._last_asked = time.monotonic()
        report = await service.refresh()
    else:
        report = service.report or await service.refresh()
    return web.json_response(report.as_dict())


#: The doctor's checks of routes against the upstreams (an app key, set by create_app).
DOCTOR: web.AppKey[DoctorService] = web.AppKey("doctor")
