"""Every instance adopts the retirements the others learned (from the job store), every
``cooldown_sync_interval`` seconds, as credential cooldowns are shared."""
from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from proxy.catalog.catalog import CATALOG
from proxy.config import SETTINGS

log = logging.getLogger("genproxy.catalog")


async def share_retirements(app: web.Application) -> None:
    retirements, interval = app[CATALOG].retirements, app[SETTINGS].cooldown_sync_interval
    while True:
        try:
            await retirements.sync()
        except Exception as exc:  # a store that is down: keep what is known, try again
            log.warning("reading the shared model retirements failed (%s); will try again", getattr(exc, "message", exc))
        await asyncio.sleep(interval)
