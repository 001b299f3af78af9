"""Sending a translated request through the route's upstream."""
from __future__ import annotations

from plugins.gemini_chat import signatures
from plugins.gemini_chat.messages import fetch_remote_parts
from proxy.hookspecs import RequestContext, Submitted


async def send(route, call, context: RequestContext) -> Submitted:
    """Fetch remote images and put back thought signatures, then generateContent (or open the SSE
    stream, lazily: nothing is sent until the respond step iterates it, so an error before the first
    event keeps its HTTP status)."""
    await fetch_remote_parts(call.body, context)
    await signatures.restore(call.body, route.target, context.signatures)
    if call.stream:
        return Submitted(result=context.upstream.stream_generate_content(route.target, call.body))
    return Submitted(result=await context.upstream.generate_content(route.target, call.body))
