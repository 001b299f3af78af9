"""Billing of requests that answer at once (text, images): reserve, then settle from the answer's usage."""
from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator

from proxy.hookspecs import Completion, Delta
from proxy.money.pricing import DEFAULT_IMAGE_SIZE


def image_size_of(route, body) -> str:
    config = body.extra("image_config") if hasattr(body, "extra") else None
    size = config.get("image_size") if isinstance(config, dict) else None
    return str(size or route.defaults.get("image_size") or DEFAULT_IMAGE_SIZE)


async def settle_completions(ledger, entry_id: str, route, body, completions: list[Completion]) -> None:
    images = [image for c in completions for image in (c.message.get("images") or [])]
    usage = next((c.usage for c in completions if c.usage), None)
    await ledger.settle_answer(entry_id, route, {"images": images}, usage, {},
                               image_size_of(route, body) if images else None)


async def metered(ledger, entry_id: str, route, body, deltas: AsyncIterator[Delta]) -> AsyncGenerator[Delta, None]:
    """Pass a stream through, then settle it from the usage and images it carried (released when it
    ended before Google reported any usage: nothing known to bill)."""
    usage: dict | None = None
    images: list[dict] = []
    try:
        async for delta in deltas:
            usage = delta.usage or usage
            images.extend(delta.delta.get("images") or [])
            yield delta
    finally:
        if usage is None and not images:
            await ledger.release(entry_id)
        else:
            await ledger.settle_answer(entry_id, route, {"images": images}, usage, {}, image_size_of(route, body))
