"""Plugin replies (chat-shaped) as Anthropic ``Message`` objects and Messages API stream events.

Event order (the anthropic SDK's ``_streaming.py`` and Claude Code parse it; every event has an ``event:``
line, which the SDK needs): message_start, ping, per content block content_block_start / deltas /
content_block_stop, message_delta (stop_reason, usage), message_stop. A thinking block carries a
``signature`` (required by the SDK's ThinkingBlock); Gemini's thought text is not signed by Anthropic,
so genproxy writes its own marker and ignores thinking blocks that come back.
"""
from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from proxy.hookspecs import Delta

Emit = Callable[[str, dict], Awaitable[None]]
STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use", "content_filter": "refusal"}
THINKING_SIGNATURE = "genproxy"
#: Anthropic's error type per HTTP status (docs.claude.com/en/api/errors).
ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 402: "billing_error",
               403: "permission_error", 404: "not_found_error", 405: "invalid_request_error",
               409: "conflict_error", 413: "request_too_large", 415: "invalid_request_error",
               429: "rate_limit_error", 500: "api_error", 502: "api_error", 503: "overloaded_error",
               504: "timeout_error", 529: "overloaded_error"}


def error_body(status: int, message: str) -> dict:
    kind = ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
    return {"type": "error", "error": {"type": kind, "message": message}}


def anthropic_usage(usage: dict | None) -> dict:
    usage = usage or {}
    return {"input_tokens": usage.get("prompt_tokens", 0), "output_tokens": usage.get("completion_tokens", 0),
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": (usage.get("prompt_tokens_details") or {}).get("cached_tokens", 0)}


class MessageBuilder:
    """Builds one Message from deltas, calling ``emit(event, data)`` with each stream event (when given)."""

    def __init__(self, model: str, emit: Emit | None = None):
        self.emit_to = emit
        self.message: dict = {"id": f"msg_{secrets.token_hex(12)}", "type": "message", "role": "assistant",
                              "model": model, "content": [], "stop_reason": None, "stop_sequence": None,
                              "usage": anthropic_usage(None)}
        self.open: dict | None = None
        self.usage: dict | None = None
        self.finish: str | None = None

    async def emit(self, event: str, **data: Any) -> None:
        if self.emit_to is not None:
            await self.emit_to(event, {"type": event, **data})

    async def start(self, usage: dict | None) -> None:
        start = {**self.message, "content": [], "usage": {**anthropic_usage(usage), "output_tokens": 1}}
        await self.emit("message_start", message=start)
        await self.emit("ping")

    async def _open_block(self, block: dict) -> int:
        await self._close()
        self.message["content"].append(block)
        index = len(self.message["content"]) - 1
        opening = {**block, "input": {}} if block["type"] == "tool_use" else \
            {**block, "text": ""} if block["type"] == "text" else {**block, "thinking": "", "signature": ""}
        await self.emit("content_block_start", index=index, content_block=opening)
        self.open = block
        return index

    async def _close(self) -> None:
        block, self.open = self.open, None
        if block is None:
            return
        index = self.message["content"].index(block)
        if block["type"] == "thinking":
            await self.emit("content_block_delta", index=index,
                            delta={"type": "signature_delta", "signature": block["signature"]})
        await self.emit("content_block_stop", index=index)

    async def _text(self, kind: str, text: str) -> None:
        field, delta = ("text", "text_delta") if kind == "text" else ("thinking", "thinking_delta")
        if self.open is None or self.open["type"] != kind:
            block = {"type": "text", "text": ""} if kind == "text" else \
                {"type": "thinking", "thinking": "", "signature": THINKING_SIGNATURE}
            await self._open_block(block)
        assert self.open is not None
        self.open[field] += text
        await self.emit("content_block_delta", index=len(self.message["content"]) - 1,
                        delta={"type": delta, field: text})

    async def _tool_use(self, call: dict) -> None:
        function = call.get("function") or {}
        arguments = function.get("arguments") or "{}"
        try:
            parsed = json.loads(arguments)
        except ValueError:
            parsed = {}
        block = {"type": "tool_use", "id": call.get("id"), "name": function.get("name", ""), "input": parsed}
        index = await self._open_block(block)
        await self.emit("content_block_delta", index=index, delta={"type": "input_json_delta", "partial_json": arguments})

    async def add(self, delta: Delta) -> None:
        if delta.index != 0:
            return
        piece = delta.delta
        if piece.get("reasoning_content"):
            await self._text("thinking", piece["reasoning_content"])
        if piece.get("content"):
            await self._text("text", piece["content"])
        for call in piece.get("tool_calls") or []:
            await self._tool_use(call)
        self.usage = delta.usage or self.usage
        self.finish = delta.finish_reason or self.finish

    async def finish_message(self) -> dict:
        await self._close()
        self.message["stop_reason"] = STOP_REASONS.get(self.finish or "stop", "end_turn")
        self.message["usage"] = anthropic_usage(self.usage)
        await self.emit("message_delta", delta={"stop_reason": self.message["stop_reason"], "stop_sequence": None},
                        usage={"input_tokens": self.message["usage"]["input_tokens"],
                               "output_tokens": self.message["usage"]["output_tokens"]})
        await self.emit("message_stop")
        return self.message
