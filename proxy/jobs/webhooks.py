"""Webhooks: video.completed / video.failed posted to a job's callback_url, signed per Standard Webhooks.

Signature (standardwebhooks.com, spec "Signature scheme"): headers ``webhook-id``, ``webhook-timestamp``
(Unix seconds) and ``webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`` keyed with
the base64-decoded part of ``webhook_secret`` (``whsec_<base64>``). The body is
``{"type": <event>, "timestamp": <ISO 8601>, "data": <the video object>}``.

Deliveries are rows of the job store (queued when the job ends, so a restart keeps them); an instance
claims due ones with a lease (one instance per delivery at a time), posts, and on a failure (no 2xx, a
timeout) schedules the next try after webhook_retry_delays, until webhook_max_age (24 h) has passed.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web

from proxy.http.errors import ApiError, invalid
from proxy.http.netcheck import check_public_url

if TYPE_CHECKING:
    from proxy.jobs.store import Job

log = logging.getLogger("genproxy.webhooks")

EVENTS = {"completed": "video.completed", "failed": "video.failed"}
LEASE_SECONDS = 60.0
SWEEP_SECONDS = 60.0  # how often an instance looks for finished jobs whose webhook was never queued


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def _callback_in(body) -> str | None:
    config = body.extra("video_config") if hasattr(body, "extra") else None
    url = config.get("callback_url") if isinstance(config, dict) else None
    if url is not None and not isinstance(url, str):
        raise invalid("video_config.callback_url must be a URL string.", "video_config.callback_url")
    return url


class Webhooks:
    def __init__(self, store, settings, session_of, video_object, owner: str):
        self.store = store
        self.settings = settings
        self._session_of = session_of      # () -> aiohttp.ClientSession
        self._video_object = video_object  # Job -> the Videos API object
        self.owner = owner
        self.delivered = 0
        self.on_attempt: Callable[[str, str], None] | None = None  # (event, outcome): metrics
        # name -> Job -> (event, body): other deliveries' shapes (proxy/openrouter registers "openrouter")
        self.shapes: dict[str, Callable[[Job], tuple[str, dict]]] = {}

    async def summary_for(self, request, body, explicit: str | None = None, shape: str | None = None) -> dict:
        """{"callback_url": url} for a job's summary (the request's, else the key's default), checked now.

        ``shape`` names a body shape registered in ``shapes`` (OpenRouter's callback_url); its deliveries are
        signed when webhook_secret is set and sent unsigned otherwise (OpenRouter's API asks for no secret)."""
        param = "callback_url" if explicit else "video_config.callback_url"
        url = explicit or _callback_in(body)
        if url is None:
            entry = request.get("client_key")
            url, param, shape = (entry.callback_url if entry is not None else None), "callback_url", None
        if not url:
            return {}
        if shape is not None:
            if not self.settings.allow_private_callback_urls:
                await check_public_url(url, param, "allow_private_callback_urls")
            return {"callback_url": url, "callback_shape": shape}
        if not self.settings.webhook_secret:
            raise ApiError(400, "This proxy has no webhook_secret configured, so it cannot sign webhooks; ask its "
                                "operator to set one, or poll the video instead.", param=param,
                           code="webhooks_not_configured")
        if not self.settings.allow_private_callback_urls:
            await check_public_url(url, param, "allow_private_callback_urls")
        elif not url.startswith(("http://", "https://")):
            raise invalid(f"'{param}' must be an http:// or https:// URL.", param, code="invalid_url")
        return {"callback_url": url}

    async def enqueue(self, job) -> bool:
        if job.status not in EVENTS:
            return False
        now = time.time()
        shape = self.shapes.get(job.summary.get("callback_shape") or "")
        if shape is not None:
            event, body = shape(job)
        else:
            event = EVENTS[job.status]
            body = {"type": event, "timestamp": datetime.fromtimestamp(now, UTC).isoformat(),
                    "data": self._video_object(job)}
        return await self.store.webhook_add({
            "id": "msg_" + secrets.token_hex(12), "job_id": job.id, "event": event,
            "url": job.summary["callback_url"], "body": json.dumps(body, separators=(",", ":")),
            "state": "pending", "attempts": 0, "created_at": now, "next_at": now})

    async def deliver_due(self) -> int:
        """Post every due delivery this instance can claim; returns how many were tried."""
        now = time.time()
        hooks = await self.store.webhook_claim(self.owner, now + LEASE_SECONDS, now)
        await asyncio.gather(*(self._deliver(hook) for hook in hooks))
        return len(hooks)

    async def _deliver(self, hook: dict) -> None:
        timestamp = int(time.time())
        body = hook["body"].encode()
        headers = {"content-type": "application/json", "webhook-id": hook["id"],
                   "webhook-timestamp": str(timestamp), "user-agent": "genproxy-webhooks"}
        if self.settings.webhook_secret:  # always, but for an OpenRouter callback_url while none is set
            headers["webhook-signature"] = sign(self.settings.webhook_secret, hook["id"], timestamp, body)
        error = None
        try:
            if not self.settings.allow_private_callback_urls:
                await check_public_url(hook["url"], "callback_url", "allow_private_callback_urls")  # DNS may change
            async with self._session_of().post(hook["url"], data=body, headers=headers, allow_redirects=False,
                                               timeout=aiohttp.ClientTimeout(total=self.settings.webhook_timeout)
                                               ) as resp:
                await resp.read()
                if not 200 <= resp.status < 300:
                    error = f"HTTP {resp.status}"
        except ApiError as exc:
            error = exc.message
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            error = exc.__class__.__name__
        attempts = hook["attempts"] + 1
        if error is None:
            await self.store.webhook_update(hook["id"], state="delivered", attempts=attempts, owner=None,
                                            lease_until=None, last_error=None)
            self.delivered += 1
            log.info("webhook %s (%s of %s) delivered", hook["id"], hook["event"], hook["job_id"])
            self._count(hook["event"], "delivered")
            return
        delays = self.settings.webhook_retry_delays or [60.0]
        next_at = time.time() + delays[min(attempts - 1, len(delays) - 1)]
        expired = next_at > hook["created_at"] + self.settings.webhook_max_age
        await self.store.webhook_update(hook["id"], state="failed" if expired else "pending", attempts=attempts,
                                        next_at=next_at, owner=None, lease_until=None, last_error=error[:500])
        log.warning("webhook %s (%s of %s): attempt %d failed (%s); %s", hook["id"], hook["event"], hook["job_id"],
                    attempts, error, "giving up" if expired else f"retrying in {next_at - time.time():.0f} s")
        self._count(hook["event"], "failed" if expired else "retry")

    def _count(self, event: str, outcome: str) -> None:
        if self.on_attempt is not None:
            self.on_attempt(event, outcome)

    async def queue_missed(self) -> int:
        """Queue the webhooks of jobs that finished without one (their instance died in between)."""
        queued = 0
        for job in await self.store.jobs_without_webhook(time.time() - self.settings.webhook_max_age):
            queued += await self.enqueue(job)
        if queued:
            log.info("queued %d webhook(s) of jobs that finished while their instance stopped", queued)
        return queued

    async def run(self) -> None:
        next_sweep = 0.0
        while True:
            try:
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + SWEEP_SECONDS
                    await self.queue_missed()
                await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except ApiError as exc:  # the store is unreachable for now: the deliveries wait in it
                log.warning("delivering webhooks failed (%s); retrying", exc.message)
            except Exception:
                log.exception("delivering webhooks failed; retrying")
            await asyncio.sleep(self.settings.webhook_poll_interval)


#: The webhook deliveries of finished jobs (an app key, set by create_app).
WEBHOOKS: web.AppKey[Webhooks] = web.AppKey("webhooks")
