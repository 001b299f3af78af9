"""Credential cooldowns shared through the job store: a 429 on one instance cools that key on all."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from aiohttp import web

from proxy.config import SETTINGS
from proxy.credentials.base import MODEL_SCOPE
from proxy.jobs.store import JOB_STORE
from proxy.upstreams.registry import UPSTREAMS

log = logging.getLogger("genproxy.cooldowns")


async def share_cooldowns(app: web.Application) -> None:
    """Write this instance's quota cooldowns to the store at once; read the others' every interval."""
    store, settings = app[JOB_STORE], app[SETTINGS]
    pools = {name: upstream.pool for name, upstream in app[UPSTREAMS].items()}
    reported: asyncio.Queue[tuple[str, str, float]] = asyncio.Queue()
    for pool in pools.values():
        pool.on_cooldown = lambda credential_id, scope, until: reported.put_nowait((credential_id, scope, until))
    try:
        while True:
            with contextlib.suppress(asyncio.TimeoutError):
                item = await asyncio.wait_for(reported.get(), settings.cooldown_sync_interval)
                try:
                    await store.set_cooldown(*item)
                    while not reported.empty():
                        await store.set_cooldown(*reported.get_nowait())
                except Exception as exc:
                    log.warning("sharing a credential cooldown failed: %s", getattr(exc, "message", exc))
            try:
                for (credential_id, scope), until in (await store.cooldowns(time.time())).items():
                    upstream, _, model = scope.partition(MODEL_SCOPE)
                    if upstream in pools:
                        pools[upstream].adopt_cooldown(credential_id, until, model or None)
            except Exception as exc:
                log.warning("reading the shared credential cooldowns failed (%s); will try again",
                            getattr(exc, "message", exc))
                await asyncio.sleep(settings.cooldown_sync_interval)
    finally:
        for pool in pools.values():
            pool.on_cooldown = None
