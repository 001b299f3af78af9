"""Drive jobs to the end in background tasks, so a client that goes away or a restart loses nothing."""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web

from proxy.hookspecs import Completion, RequestContext, Submitted, UpstreamCall
from proxy.http.errors import ApiError
from proxy.jobs.durations import DurationHistory
from proxy.jobs.job_media import GOOGLE_KEEPS_FILES, JobMedia, strip_media
from proxy.jobs.lease_keeping import SUBMIT_INTERRUPTED, LeaseKeeping
from proxy.jobs.leases import new_owner
from proxy.jobs.pacing import SubmitPacing
from proxy.jobs.store import CapacityReached, Job, JobStore, new_job_id, recorded_request
from proxy.media.store import MediaStore
from proxy.media.stream import MediaStream
from proxy.routing.pipeline import POLL_GROWTH, Pipeline
from proxy.routing.routes import Route

if TYPE_CHECKING:
    from proxy.jobs.webhooks import Webhooks
    from proxy.money.ledger import Ledger

log = logging.getLogger("genproxy.jobs")

Listener = Callable[[Job], Awaitable[None]]
T = TypeVar("T")


# How far back an identical request looks for its job whose download failed (JobRunner._download_again).
RECENT_JOBS = 20
# The submit may have reached Google even though no answer came back: keep the job as a trace.
MAYBE_STARTED = {"upstream_timeout", "upstream_unreachable", "upstream_bad_reply", "upstream_too_large"}
# Failures after which Google may still have billed: the ledger keeps the estimate charged.
MAYBE_BILLED = {"submit_interrupted"}


def job_error(job: Job) -> ApiError:
    error = job.error or {}
    return final(ApiError(error.get("status", 502), error.get("message", "The job failed."), code=error.get("code")))


def final(exc: ApiError) -> ApiError:
    """Mark a server-side failure of paid work as not worth retrying: the openai SDK retries 5xx twice by
    default (three paid submits) unless the answer carries ``x-should-retry: false`` (openai-python's
    ``_should_retry`` reads that header before the status)."""
    if exc.status >= 500:
        exc.headers["x-should-retry"] = "false"
    return exc


def request_fingerprint(value) -> str:
    """SHA-256 of a request's canonical JSON: equal for equal requests, whatever the key order."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class JobRunner(LeaseKeeping, JobMedia):
    """Starts jobs (recorded before they are submitted), drives each to its end in a background task, and
    answers the clients waiting for them. Leases: proxy/jobs/lease_keeping.py; media: proxy/jobs/job_media.py."""

    def __init__(self, store: JobStore, pipeline: Pipeline, media: MediaStore, settings,
                 make_context: Callable[[Route, str | None], RequestContext], owner: str | None = None):
        self.store = store
        self.pipeline = pipeline
        self.media = media
        self.settings = settings
        self.owner = owner or new_owner()
        self._make_context = make_context
        self._tasks: dict[str, asyncio.Task] = {}
        self._listeners: dict[str, list[Listener]] = {}
        self._idempotency_locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._starting: set[asyncio.Future] = set()
        self._fetch_locks: dict[str, asyncio.Lock] = {}
        self._submitting: set[str] = set()  # recorded, Google's answer awaited: no poll task yet
        self._early: dict[str, asyncio.Future] = {}  # a job's answer while its videos still arrive
        self._pacing = SubmitPacing()  # a burst's submits go out as the answers before them are recorded
        self.ledger: Ledger | None = None  # reserves, settles and releases each job's cost
        self.webhooks: Webhooks | None = None  # queues video.completed / video.failed
        # How long each model and setting takes, and each job's poll plan drawn from it (issue 26).
        self.durations = DurationHistory(
            store, initial=settings.poll_initial_delay, tail=settings.poll_max_delay, growth=POLL_GROWTH,
            # fixed delays set below poll_min_interval (tests, the emulator) keep their density
            shortest=min(getattr(settings, "poll_min_interval", 1.0), settings.poll_max_delay),
        ) if getattr(settings, "poll_learned", False) else None

    @property
    def lease(self) -> float:
        return self.settings.job_lease_seconds

    # -- starting and resuming --
    async def start(self, route: Route, call: UpstreamCall, context: RequestContext, summary: dict,
                    idempotency_key: str | None = None, charge=None) -> Job:
        """Record the job (``submitting``, with its request), submit it, then poll it to the end in the
        background. The whole is one step a client disconnect cannot cut in half: once Google accepts the
        operation it is paid for, so it must reach the store even if the caller is gone. The per-key cap and
        the idempotency key are checked in the same store transaction as the insert (every instance sees it).
        With an idempotency key already used, the earlier job is returned and nothing is submitted."""
        return await self.shielded(self._record_and_submit(route, call, context, summary, idempotency_key, charge))

    def cap_of(self, charge) -> int:
        """The key's own max_jobs, else max_jobs_per_key."""
        own = charge.account.max_jobs if charge is not None else None
        return own or self.settings.max_jobs_per_key

    async def _record_and_submit(self, route: Route, call: UpstreamCall, context: RequestContext, summary: dict,
                                 idempotency_key: str | None, charge=None) -> Job:
        job = Job(id=new_job_id(), client_key_id=context.client_key_id or "", model=route.model, route=asdict(route),
                  status="submitting", summary=summary, notes=call.notes, idempotency_key=idempotency_key,
                  request=recorded_request(call.body), owner=self.owner, lease_until=time.time() + self.lease)
        if charge is not None and self.ledger is not None:
            # The budget is checked and the estimate reserved before anything is sent.
            await self.ledger.reserve(job.id, charge)
        try:
            recorded = await self.store.create(job, cap=self.cap_of(charge))
        except CapacityReached as exc:
            await self._release(job)
            raise _too_many(exc.cap) from None
        if recorded.id != job.id:
            await self._release(job)
            return recorded  # the same Idempotency-Key, sent to another instance or before a restart
        context.job_id = job.id
        self._submitting.add(job.id)
        try:
            return await self._submit(job, route, call, context)
        finally:
            self._submitting.discard(job.id)

    async def _submit(self, job: Job, route: Route, call: UpstreamCall, context: RequestContext) -> Job:
        async with self._pacing.slot():
            submitted = await self._send(job, route, call, context)
            await self.store.record_submitted(job, status="queued", operation=submitted.operation,
                                              credential_id=submitted.credential_id, notes=call.notes)
        # The rest (logging, the poll task, the answer to the client: ~1 ms of CPU) goes behind every task
        # already woken: in a burst, the answers to the other submits, whose operation names are not yet
        # recorded. Without this each name waited for the whole of that work of every answer before it, tens of
        # ms for the last of 60, in which a SIGKILL lost operations Google bills (issue 25 item 8).
        await asyncio.sleep(0)
        log.info("job %s started: model=%s operation=%s", job.id, route.model, submitted.operation)
        self._spawn(job, route, call, submitted, context)
        return job

    async def _send(self, job: Job, route: Route, call: UpstreamCall, context: RequestContext) -> Submitted:
        try:
            return await self.pipeline.submit(route, call, context)
        except ApiError as exc:
            if exc.code in MAYBE_STARTED:
                await self._fail(job, ApiError(exc.status, f"{exc.message} {SUBMIT_INTERRUPTED}",
                                               code="submit_interrupted"))
            else:  # Google answered with a refusal: nothing started, nothing to keep, nothing billed
                await self.store.delete(job.id)
                await self._release(job)
            raise
        except Exception:
            log.exception("job %s: submit failed unexpectedly", job.id)
            await self._fail(job, ApiError(502, SUBMIT_INTERRUPTED, code="submit_interrupted"))
            raise

    async def attach_or_start(self, route: Route, call: UpstreamCall, context: RequestContext, summary: dict,
                              fingerprint: str, charge=None) -> Job:
        """The client's unfinished job made from an identical request, else a new one: a client that retries
        (the openai SDK does, after a timeout) attaches to the running video instead of paying for another.
        Shielded with the fingerprint locked, so racing retries start at most one job."""
        client = context.client_key_id or ""

        async def attach_or_start() -> Job:
            async with self.idempotency_lock(client, "request:" + fingerprint):
                running = await self.store.unfinished_with_fingerprint(client, fingerprint)
                if running is None:
                    newest = await self._newest_identical(client, fingerprint)
                    running = await self._download_again(newest) or self._failed_recently(newest)
                if running is not None:
                    log.info("job %s: an identical request attached to it", running.id)
                    context.job_id = running.id
                    return running
                await self.check_capacity(client, self.cap_of(charge))
                return await self.start(route, call, context, {**summary, "request_sha256": fingerprint},
                                        charge=charge)

        return await self.shielded(attach_or_start())

    async def _newest_identical(self, client_key_id: str, fingerprint: str) -> Job | None:
        jobs, _ = await self.store.page(client_key_id, after=None, limit=RECENT_JOBS, order="desc")
        return next((j for j in jobs if j.summary.get("request_sha256") == fingerprint), None)

    def _failed_recently(self, job: Job | None) -> Job | None:
        """``job`` (the newest from an identical request) if it failed less than failure_replay_seconds ago:
        the request is answered with that failure again instead of paying for another video (issue 25.3).
        Clients retry a failed request whatever the answer says (the `openrouter` SDK retries every 5xx for
        an hour, ignoring x-should-retry); a generation that failed would mostly fail again, and each try is
        paid. A cancelled job is not replayed: its owner stopped it and may well want it again."""
        if job is None or job.status != "failed" or (job.error or {}).get("code") in ("cancelled", "download_incomplete"):
            return None
        if time.time() > (job.completed_at or job.created_at) + self.settings.failure_replay_seconds:
            return None
        return job

    async def _download_again(self, job: Job | None) -> Job | None:
        """The client's newest job from an identical request, when its video was made but every download of
        it broke off (download_incomplete): it is downloaded again instead of paid for again. An answer
        streamed while the video arrived (proxy/media/live.py) is cut off when that happens, and clients
        such as the openai SDK retry a cut-off answer with the same request."""
        if job is None or job.status != "failed" or (job.error or {}).get("code") != "download_incomplete" \
                or not job.operation or time.time() > (job.completed_at or job.created_at) + GOOGLE_KEEPS_FILES:
            return None
        job = await self.store.update(job, status="in_progress", error=None, completed_at=None, owner=self.owner,
                                      lease_until=time.time() + self.lease)
        log.info("job %s: an identical request downloads its video again", job.id)
        await self._adopt(job)
        return job

    async def shielded(self, work: Awaitable[T]) -> T:
        """Run ``work`` to its end even if the caller is cancelled (its client left); shutdown waits for it."""
        task = asyncio.ensure_future(work)
        self._starting.add(task)
        task.add_done_callback(self._starting.discard)
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        return await asyncio.shield(task)


    def _spawn(self, job: Job, route: Route, call: UpstreamCall, submitted: Submitted, context: RequestContext) -> None:
        # The runner waits for downloads still arriving (proxy/media/live.py) before it records the job, and
        # hands the answer to the clients waiting for it (wait) as soon as the plugin has built it.
        context.live_downloads = True
        task = asyncio.create_task(self._drive(job, route, call, submitted, context), name=f"job-{job.id}")
        self._tasks[job.id] = task
        self._early[job.id] = asyncio.get_running_loop().create_future()

        def forget(_task: asyncio.Task, job_id: str = job.id) -> None:
            self._tasks.pop(job_id, None)
            self._early.pop(job_id, None)

        task.add_done_callback(forget)
        # A failed job's exception is kept in the store; do not let asyncio log it as never retrieved.
        task.add_done_callback(lambda t: t.cancelled() or t.exception())

    async def _drive(self, job: Job, route: Route, call: UpstreamCall, submitted: Submitted,
                     context: RequestContext) -> Completion:
        live: list[MediaStream] = []
        try:
            return await self._run(job, route, call, submitted, context, live)
        finally:
            for stream in live:  # no-op once released; else the answers reading them are cut off
                stream.live.release(f"job {job.id} was not recorded as completed")

    async def _run(self, job: Job, route: Route, call: UpstreamCall, submitted: Submitted,
                   context: RequestContext, live: list[MediaStream]) -> Completion:
        async def progress(status: str, percent: int | None) -> None:
            changes: dict[str, Any] = {"status": "in_progress" if status != "queued" else job.status}
            if percent is not None:
                changes["progress"] = max(0, min(99, int(percent)))
            await self.store.update(job, **changes)
            await self._notify(job)

        try:
            plan = await self.durations.plan_for(job) if self.durations is not None else None
            timing: dict = {}
            result = await self.pipeline.poll_until_done(route, submitted, context, progress, plan=plan, timing=timing)
            if await self._lost(job):
                # Another instance took the job while this one stalled: it downloads and records the result.
                log.warning("job %s: done, but another instance holds it now; leaving the result to it", job.id)
                return await self._follow(job, self.settings.job_timeout)
            reply = await self.pipeline.respond(route, result, call, context)
            completion = reply[0] if isinstance(reply, list) else reply
            if not isinstance(completion, Completion):  # a job is answered whole, never as a stream
                raise TypeError(f"the {route.modality} plugin answered job {job.id} with a stream")
            streams: list[MediaStream] = []
            message = strip_media(completion.message, streams)
            live += [s for s in streams if s.live is not None]
            if live:
                # The answer is written to the clients waiting for it while the videos arrive; it ends once
                # they are stored and the job recorded (release below).
                early = self._early.get(job.id)
                if early is not None and not early.done():
                    early.set_result(completion)
                for stream in live:
                    stream.sha256 = (await stream.live.outcome()).sha256
        except ApiError as exc:
            if not await self._lost(job):
                await self._fail(job, exc)
            raise
        except asyncio.CancelledError:
            raise  # shutting down: the job stays unfinished and is resumed at the next start
        except Exception as exc:
            log.exception("job %s failed unexpectedly", job.id)
            error = ApiError(500, f"The job failed inside the proxy ({exc.__class__.__name__}).", code="internal_error")
            await self._fail(job, error)
            raise error from None
        now = time.time()
        summary = job.summary
        if timing:  # Google finished between the last check that saw it running and the one that saw it done
            seconds = round((timing["pending_at"] + timing["done_at"]) / 2 - job.created_at, 2)
            window = round(timing["done_at"] - timing["pending_at"], 2)
            summary = {**job.summary, "generation_seconds": seconds, "generation_window": window}
            if self.durations is not None:
                self.durations.record(job, seconds, window)
        await self.store.update(job, status="completed", progress=100, completed_at=now, summary=summary,
                                expires_at=now + self.settings.media_ttl,
                                result={"message": message, "finish_reason": completion.finish_reason,
                                        "usage": completion.usage,
                                        "media": [{"sha256": s.sha256, "size": s.size, "mime_type": s.mime_type,
                                                   **({"bare": True} if s.bare else {})} for s in streams]})
        log.info("job %s completed: %d media file(s)", job.id, len(streams))
        if self.ledger is not None:
            await self.ledger.settle_answer(job.id, route, completion.message, completion.usage, job.summary)
        for stream in live:
            stream.live.release()
        await self._notify(job)
        await self._event(job)
        return completion

    async def _lost(self, job: Job) -> bool:
        """True when this instance no longer holds the job (taken over, finished elsewhere, deleted)."""
        fresh = await self.store.get(job.id)
        return fresh is None or fresh.finished or fresh.owner != self.owner

    async def _fail(self, job: Job, exc: ApiError) -> None:
        await self.store.update(job, status="failed", completed_at=time.time(),
                                error={"status": exc.status, "code": exc.code, "message": exc.message})
        log.info("job %s failed: %s %s", job.id, exc.status, exc.code)
        if self.ledger is not None:
            if exc.code in MAYBE_BILLED:
                await self.ledger.keep_estimate(job.id)
            else:
                await self.ledger.release(job.id)  # refused, filtered, failed, cancelled: Google bills no video
        await self._notify(job)
        await self._event(job)

    async def _release(self, job: Job) -> None:
        if self.ledger is not None:
            await self.ledger.release(job.id)

    async def _event(self, job: Job) -> None:
        """Queue the job's webhook (video.completed / video.failed) when it has a callback_url."""
        if self.webhooks is not None and job.summary.get("callback_url"):
            try:
                await self.webhooks.enqueue(job)
            except Exception:
                log.exception("job %s: queueing its webhook failed", job.id)

    # -- watching --
    def listen(self, job_id: str, listener: Listener) -> Callable[[], None]:
        self._listeners.setdefault(job_id, []).append(listener)
        return lambda: self._listeners.get(job_id, []).remove(listener) if listener in self._listeners.get(job_id, []) else None

    async def _notify(self, job: Job) -> None:
        for listener in list(self._listeners.get(job.id, [])):
            try:
                await listener(job)
            except Exception as exc:  # a client that went away must not stop the job
                log.debug("progress listener of job %s failed: %s", job.id, exc.__class__.__name__)
                with contextlib.suppress(ValueError):
                    self._listeners[job.id].remove(listener)

    @contextlib.asynccontextmanager
    async def idempotency_lock(self, client_key_id: str, key: str | None):
        """Serialize creates that share an Idempotency-Key, so two racing retries pay once."""
        if key is None:
            yield
            return
        lock = self._idempotency_locks.setdefault((client_key_id, key), asyncio.Lock())
        try:
            async with lock:
                yield
        finally:
            if not lock.locked() and not lock._waiters:
                self._idempotency_locks.pop((client_key_id, key), None)

    async def check_capacity(self, client_key_id: str, cap: int | None = None) -> None:
        """An early refusal before any work; start() checks again atomically with the insert."""
        cap = cap or self.settings.max_jobs_per_key
        if await self.store.count_unfinished(client_key_id) >= cap:
            raise _too_many(cap)

    async def _stop(self, job: Job) -> None:
        """Stop polling a running job, then ask its plugin to stop the upstream operation (best effort)."""
        task = self._tasks.get(job.id)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if not job.finished and job.operation:
            route = Route(**job.route)
            try:
                context = self._make_context(route, job.client_key_id)
                if await self.pipeline.cancel(route, job.operation, job.credential_id, context):
                    log.info("job %s: upstream operation cancelled", job.id)
            except ApiError as exc:
                log.warning("job %s: cancelling upstream failed: %s %s", job.id, exc.status, exc.message)

    async def cancel(self, job: Job) -> None:
        """Stop a running job (upstream too) and keep it as failed with code ``cancelled``."""
        if job.finished:
            return
        await self._stop(job)
        fresh = await self.store.get(job.id)
        if fresh is not None and not fresh.finished:  # it may have finished while we stopped it
            await self._fail(fresh, ApiError(409, f"Job {job.id} was cancelled by the client.", code="cancelled"))

    async def delete(self, job: Job) -> None:
        """Forget a job: stop it (upstream too) and drop its media unless another job shares the bytes."""
        await self._stop(job)
        await self.store.delete(job.id)
        if not job.finished:
            await self._release(job)  # stopped before Google made the video
        files = (job.result or {}).get("media", [])
        in_use = await self.store.media_in_use(time.time(), [m["sha256"] for m in files])
        for media in files:
            stored = self.media.find(media["sha256"], media["mime_type"])
            if stored is not None and media["sha256"] not in in_use:
                with contextlib.suppress(FileNotFoundError):
                    stored.path.unlink()

    async def wait(self, job: Job, timeout: float) -> Completion:
        """The job's answer; a 504 naming the job if it is not done in time (the job goes on). While its videos
        are still downloading, the answer reads them as they arrive (and is cut off if they break off)."""
        task = self._tasks.get(job.id)
        if task is not None:
            early = self._early.get(job.id)
            done, _ = await asyncio.wait([task] if early is None else [task, early], timeout=timeout,
                                         return_when=asyncio.FIRST_COMPLETED)
            if task in done:
                return task.result()
            if early in done:
                return early.result()
            raise ApiError(504, f"The video is still being generated after {timeout:.0f} s; the job goes on. "
                                f"Job id: {job.id}. Fetch it later with GET /v1/videos/{job.id} and "
                                f"GET /v1/videos/{job.id}/content.", code="generation_timeout")
        return await self._follow(job, timeout)

    async def _follow(self, job: Job, timeout: float) -> Completion:
        """Wait for a job another instance polls (or that is finished) by reading the shared store."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            fresh = await self.store.get(job.id)
            if fresh is None:
                raise ApiError(404, f"No job {job.id}.", code="job_not_found")
            if fresh.status == "failed":
                raise job_error(fresh)
            if fresh.status == "completed":
                return await self.completion_of(fresh)
            if loop.time() >= deadline:
                raise ApiError(504, f"The video is still being generated after {timeout:.0f} s; the job goes on. "
                                    f"Job id: {job.id}.", code="generation_timeout")
            await asyncio.sleep(min(1.0, max(0.0, deadline - loop.time())))

    async def settle(self, job_id: str, timeout: float) -> None:
        """Wait up to ``timeout`` s for a job running here to end, whatever the outcome (the store says which)."""
        task = self._tasks.get(job_id)
        if task is not None:
            with contextlib.suppress(asyncio.TimeoutError, Exception):
                await asyncio.wait_for(asyncio.shield(task), timeout)


    async def close(self) -> None:
        if self._starting:
            # Submits in flight finish and are recorded (the upstream may already have accepted them).
            await asyncio.wait(list(self._starting), timeout=self.settings.upstream_timeout)
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        # Hand the unfinished jobs to the other instances now rather than when the leases run out.
        try:
            await self.store.release_leases(self.owner)
        except Exception:
            log.exception("releasing job leases failed; other instances take the jobs when the leases expire")



def _too_many(cap: int) -> ApiError:
    return ApiError(429, f"This key already has {cap} videos in progress (the limit); wait for one to finish.",
                    code="too_many_jobs", headers={"Retry-After": "10"})


#: The runner that polls long-running jobs to the end (an app key, set by create_app).
JOB_RUNNER: web.AppKey[JobRunner] = web.AppKey("job_runner")
