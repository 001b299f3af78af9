"""Drive one request through the plugin steps: translate -> submit -> poll -> respond."""
from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pluggy
from aiohttp import web

from proxy.hookspecs import Completion, PollStatus, Reply, RequestContext, Submitted, UpstreamCall
from proxy.http.errors import ApiError
from proxy.http.models import MAX_PROMPT_CHARS, ChatCompletionRequest, check_prompt_size
from proxy.routing.poll_schedule import PollPlan
from proxy.routing.routes import Route

log = logging.getLogger("genproxy.pipeline")

RETRYABLE_POLL_STATUSES = {500, 502, 503, 504}
# The fixed schedule's growth from one poll delay to the next (PollPolicy.growth).
POLL_GROWTH = 1.5
# The longest wait after a 429 on a poll that named no Retry-After.
MAX_THROTTLED_WAIT = 60.0

ProgressCallback = Callable[[str, int | None], Awaitable[None]]


@dataclass
class PollPolicy:
    """How the core waits for a long-running operation."""

    initial_delay: float = 5.0
    max_delay: float = 10.0
    deadline: float = 600.0
    retries: int = 5
    growth: float = POLL_GROWTH
    jitter: float = 0.2

    def next_delay(self, delay: float) -> float:
        return min(self.max_delay, delay * self.growth if delay else self.max_delay)

    def jittered(self, delay: float) -> float:
        return delay * random.uniform(1 - self.jitter, 1 + self.jitter)


def _retry_after(exc: ApiError) -> float | None:
    try:
        return max(0.0, float(exc.headers.get("Retry-After", "")))
    except ValueError:
        return None


def _no_plugin(step: str, route: Route) -> ApiError:
    return ApiError(500, f"No plugin handled the '{step}' step for modality '{route.modality}' (model {route.model}).",
                    code="no_plugin", type="server_error")


def served_note(reply: Reply, notes: dict) -> Reply:
    """A whole answer of a replacement model starts with which model served, why, and what the plugin changed in
    the request for it (``notes["adapted"]``: a Veo negative_prompt folded into an Omni prompt...)."""
    served = notes.get("served_by")
    if not served or not isinstance(reply, (Completion, list)):
        return reply
    lines = [f"[Served by {served['model']}: {served['why']}]"]
    lines += [f"[{change}]" for change in notes.get("adapted") or []]
    for completion in reply if isinstance(reply, list) else [reply]:
        content = completion.message.get("content")
        if content is None or isinstance(content, str):
            completion.message["content"] = "\n".join(lines) + (f"\n\n{content}" if content else "")
    return reply


class Pipeline:
    def __init__(self, pm: pluggy.PluginManager, policy: PollPolicy):
        self.pm = pm
        self.policy = policy

    def translate(self, route: Route, request: ChatCompletionRequest, context: RequestContext) -> UpstreamCall:
        check_prompt_size(request, getattr(context.settings, "max_prompt_chars", MAX_PROMPT_CHARS))
        call = self.pm.hook.genproxy_translate(route=route, request=request, context=context)
        if call is None:
            raise _no_plugin("translate", route)
        if route.why:
            # Served by a replacement (proxy/catalog): the answer says which model served and why. In the notes,
            # so a job resumed after a restart says it too.
            call.notes["served_by"] = {"model": route.model, "requested": route.requested, "why": route.why}
        return call

    async def submit(self, route: Route, call: UpstreamCall, context: RequestContext) -> Submitted:
        pending = self.pm.hook.genproxy_submit(route=route, call=call, context=context)
        if pending is None:
            raise _no_plugin("submit", route)
        return await pending

    async def poll_until_done(self, route: Route, submitted: Submitted, context: RequestContext,
                              on_progress: ProgressCallback | None = None, plan: PollPlan | None = None,
                              timing: dict | None = None) -> Any:
        """Check the operation until it is done or the policy's deadline passes: on ``plan`` (a job's schedule
        learned from how long such jobs took, proxy/jobs/durations.py) when given, else with the policy's backoff
        and jitter. A 5xx or a network fault is retried up to policy.retries times in a row. A 429 is Google
        asking to slow down, not a failure: the next poll waits its Retry-After (else 2 s, doubling up to a
        minute). ``timing`` gets pending_at / done_at: the last check that saw the operation running and the
        one that saw it done (Google finished in between)."""
        loop = asyncio.get_running_loop()
        limit = self.policy.deadline
        deadline = loop.time() + limit
        # A sentinel, so the first check is always reported (the Gemini API sends no progress figure).
        delay, failures, throttled, last_progress = self.policy.initial_delay, 0, 0, object()
        wait = plan.next_delay(time.time()) if plan else self.policy.jittered(delay)
        pending_at = time.time()
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise ApiError(504, f"The operation is still running after {limit:.0f} s. "
                                    f"Operation: {submitted.operation}. Fetch the result later with that name.",
                               code="generation_timeout", param=None)
            await asyncio.sleep(min(wait, remaining))
            asked = time.time()
            try:
                pending = self.pm.hook.genproxy_poll(route=route, operation=submitted.operation,
                                                     credential_id=submitted.credential_id, context=context)
                if pending is None:
                    raise _no_plugin("poll", route)
                status: PollStatus = await pending
            except ApiError as exc:
                if exc.status == 429:
                    throttled += 1
                    wait = _retry_after(exc) or min(MAX_THROTTLED_WAIT, 2.0 ** throttled)
                    log.warning("poll of %s throttled (429); next in %.0f s", submitted.operation, wait)
                    continue
                if exc.status not in RETRYABLE_POLL_STATUSES:
                    raise
                failures += 1
                log.warning("poll %d of %s failed (%s): %s", failures, submitted.operation, exc.status, exc.message)
                if failures > self.policy.retries:
                    raise ApiError(502, f"Checking the job failed {failures} times in a row ({exc.message}). "
                                        f"The job is kept: {submitted.operation}.", code="poll_failed") from None
                delay = self.policy.next_delay(delay)
                wait = self.policy.jittered(delay) if plan is None else max(plan.next_delay(time.time()), failures)
                continue
            failures = throttled = 0
            if status.done:
                if timing is not None:
                    timing.update(pending_at=pending_at, done_at=asked)
                return status.result
            pending_at = asked
            if on_progress and status.progress != last_progress:
                last_progress = status.progress
                await on_progress("in_progress", status.progress)
            delay = self.policy.next_delay(delay)
            wait = plan.next_delay(time.time()) if plan else self.policy.jittered(delay)

    async def respond(self, route: Route, result: Any, call: UpstreamCall, context: RequestContext) -> Reply:
        pending = self.pm.hook.genproxy_respond(route=route, result=result, call=call, context=context)
        if pending is None:
            raise _no_plugin("respond", route)
        return served_note(await pending, call.notes)

    async def cancel(self, route: Route, operation: str, credential_id: str | None, context: RequestContext) -> bool:
        """Ask the plugin to stop the upstream operation; False when no plugin can (best effort)."""
        pending = self.pm.hook.genproxy_cancel(route=route, operation=operation, credential_id=credential_id,
                                               context=context)
        if pending is None:
            return False
        await pending
        return True

    def remix(self, route: Route, job, prompt: str) -> ChatCompletionRequest:
        request = self.pm.hook.genproxy_remix(route=route, job=job, prompt=prompt)
        if request is None:
            raise ApiError(400, f"Videos of {route.model} cannot be remixed.", param="video_id",
                           code="remix_not_supported")
        return request

    def video_modalities(self) -> set[str]:
        return {name for names in self.pm.hook.genproxy_video_modalities() for name in names or []}

    async def finish(self, route: Route, call: UpstreamCall, submitted: Submitted, context: RequestContext,
                     on_progress: ProgressCallback | None = None) -> Reply:
        """After submit: poll if the work is long-running, then build the reply."""
        result = submitted.result
        if submitted.operation:
            if on_progress:
                await on_progress("queued", 0)
            result = await self.poll_until_done(route, submitted, context, on_progress)
        return await self.respond(route, result, call, context)


#: The translate/submit/poll/respond steps over the plugins (an app key, set by create_app).
PIPELINE: web.AppKey[Pipeline] = web.AppKey("pipeline")
