"""The JobRunner's side of leases: take over jobs whose instance died, renew this instance's, adopt orphans.

A mixin of JobRunner (proxy/jobs/runner.py), which provides ``store``, ``owner``, ``lease``, ``_tasks``,
``_submitting``, ``_make_context``, ``_spawn`` and ``_fail``.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from proxy.hookspecs import RequestContext, Submitted, UpstreamCall
from proxy.http.errors import ApiError
from proxy.jobs.leases import owner_is_dead
from proxy.jobs.store import Job, JobStore
from proxy.routing.routes import Route

log = logging.getLogger("genproxy.jobs")

SUBMIT_INTERRUPTED = ("The proxy stopped while submitting this job, so its operation was never recorded. Google may "
                      "have started it (and may charge for it); generate the video again if you still need it.")


class LeaseKeeping:
    # JobRunner's (annotations only: nothing here at run time)
    store: JobStore
    owner: str
    _tasks: dict[str, asyncio.Task]
    _submitting: set[str]
    _make_context: Callable[[Route, str | None], RequestContext]

    if TYPE_CHECKING:
        @property
        def lease(self) -> float: ...

        def _spawn(self, job: Job, route: Route, call: UpstreamCall, submitted: Submitted,
                   context: RequestContext) -> None: ...

        async def _fail(self, job: Job, exc: ApiError) -> None: ...

    async def resume(self) -> int:
        """Take over the jobs no live instance holds: those a previous run of this machine left, and those
        whose lease ran out (their instance died). Called at start-up and then every third of a lease."""
        now = time.time()
        for owner in await self.store.lease_owners():
            if owner_is_dead(owner, self.owner):
                log.info("jobs of %s: that process is gone, taking them over now", owner)
                await self.store.release_leases(owner)
        resumed = 0
        for job in await self._claim_all(now):
            resumed += await self._adopt(job)
        if resumed:
            log.info("took over %d unfinished job(s)", resumed)
        return resumed

    async def _adopt(self, job: Job) -> bool:
        """Poll a job this instance now holds; True when it is polled (False: ended or already polled)."""
        if job.id in self._tasks or job.id in self._submitting:
            return False  # ours already (our lease lapsed during a stall, nobody took it)
        if job.status == "submitting":
            # Its instance died between recording the job and hearing Google's answer.
            await self._fail(job, ApiError(502, SUBMIT_INTERRUPTED, code="submit_interrupted"))
            return False
        if not job.operation:
            await self._fail(job, ApiError(502, "The proxy stopped before the upstream accepted this job.",
                                           code="submit_interrupted"))
            return False
        route = Route(**job.route)
        try:
            context = self._make_context(route, job.client_key_id)
        except ApiError as exc:
            await self._fail(job, exc)
            return False
        context.job_id = job.id
        call = UpstreamCall(body={}, notes=job.notes)
        self._spawn(job, route, call, Submitted(operation=job.operation, credential_id=job.credential_id), context)
        return True

    async def _claim_all(self, now: float, batch: int = 100) -> list[Job]:
        """Every job free to take, in batches (a dead instance may leave thousands)."""
        claimed: list[Job] = []
        while True:
            got = await self.store.claim_expired(self.owner, now + self.lease, now, limit=batch)
            claimed += got
            if len(got) < batch:
                return claimed

    async def keep_leases(self) -> None:
        """Renew this instance's leases, stop polling jobs another instance took, take over orphans."""
        held = await self.store.renew_leases(self.owner, time.time() + self.lease)
        for job_id, task in list(self._tasks.items()):
            if job_id in held or task.done():
                continue
            fresh = await self.store.get(job_id)
            if fresh is None or (not fresh.finished and fresh.owner != self.owner):
                log.warning("job %s: lease lost (this instance stalled past it); another instance polls it", job_id)
                task.cancel()
        # Held but polled by nobody here: its task died while the store was unreachable (it could not even
        # record the failure). Poll it again.
        for job_id in held - self._tasks.keys() - self._submitting:
            job = await self.store.get(job_id)
            if job is not None and not job.finished and job.owner == self.owner and await self._adopt(job):
                log.info("job %s: polling again (its task ended without recording an outcome)", job_id)
        await self.resume()

    async def run_leases(self) -> None:
        """keep_leases every third of a lease, until cancelled; a failure is logged and retried."""
        while True:
            await asyncio.sleep(self.lease / 3)
            try:
                await self.keep_leases()
            except asyncio.CancelledError:
                raise
            except ApiError as exc:  # the store is unreachable: one line, not a traceback every few seconds
                log.warning("renewing job leases failed (%s); retrying", exc.message)
            except Exception:
                log.exception("renewing job leases failed; retrying")
