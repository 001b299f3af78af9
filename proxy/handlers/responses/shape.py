"""Plugin replies (chat-shaped deltas) as a Responses API ``Response`` and its stream events.

The event sequence is the one openai-python's ``responses.stream()`` helper, the AI SDK and Codex parse
(docs/clients-responses-anthropic.md): ``response.created`` and ``response.in_progress`` first, each output
item opened with ``output_item.added`` and closed with ``output_item.done`` (text through
``content_part.added`` / ``output_text.delta`` / ``output_text.done`` / ``content_part.done``), and last
``response.completed`` (or ``response.incomplete``) carrying the whole response. Every event has an
increasing ``sequence_number``; openai-python requires it. A non-streamed answer runs through the same
builder with nobody listening.
"""
from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from proxy.hookspecs import Delta

Emit = Callable[[dict], Awaitable[None]]


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(16)}"


def response_usage(usage: dict | None) -> dict | None:
    """Chat usage -> ResponseUsage (every field present: openai-python 3.x requires them all)."""
    if not usage:
        return None
    return {"input_tokens": usage.get("prompt_tokens", 0),
            "input_tokens_details": {"cached_tokens": (usage.get("prompt_tokens_details") or {}).get("cached_tokens", 0),
                                     "cache_write_tokens": 0},
            "output_tokens": usage.get("completion_tokens", 0),
            "output_tokens_details": {
                "reasoning_tokens": (usage.get("completion_tokens_details") or {}).get("reasoning_tokens", 0)},
            "total_tokens": usage.get("total_tokens", 0)}


class ResponseBuilder:
    """Builds one Response from deltas, calling ``emit`` with each stream event (when given)."""

    def __init__(self, request: Any, model: str, response_id: str | None = None, emit: Emit | None = None):
        self.id = response_id or new_id("resp")
        self.emit_to = emit
        self.sequence = 0
        self.output: list[dict] = []
        self.open: dict | None = None  # the message or reasoning item text is flowing into
        self.usage: dict | None = None
        self.finish: str | None = None
        tools = [t for t in request.tools or [] if isinstance(t, dict)]
        self.response: dict = {
            "id": self.id, "object": "response", "created_at": int(time.time()), "status": "in_progress",
            "background": False, "error": None, "incomplete_details": None, "instructions": request.instructions,
            "max_output_tokens": request.max_output_tokens, "model": model, "output": [],
            "parallel_tool_calls": request.parallel_tool_calls is not False,
            "previous_response_id": request.previous_response_id, "reasoning": request.reasoning,
            "store": request.stored, "temperature": request.temperature,
            "text": request.text or {"format": {"type": "text"}}, "tool_choice": request.tool_choice or "auto",
            "tools": tools, "top_p": request.top_p, "truncation": "disabled", "usage": None,
            "metadata": request.metadata or {},
        }

    async def emit(self, kind: str, **fields: Any) -> None:
        event = {"type": kind, "sequence_number": self.sequence, **fields}
        self.sequence += 1
        if self.emit_to is not None:
            await self.emit_to(event)

    def snapshot(self) -> dict:
        return {**self.response, "output": [dict(item) for item in self.output]}

    async def start(self) -> None:
        await self.emit("response.created", response=self.snapshot())
        await self.emit("response.in_progress", response=self.snapshot())

    # -- items --
    async def _add(self, item: dict) -> int:
        self.output.append(item)
        index = len(self.output) - 1
        await self.emit("response.output_item.added", output_index=index, item=dict(item))
        return index

    async def _close_open(self) -> None:
        item, self.open = self.open, None
        if item is None:
            return
        index = self.output.index(item)
        if item["type"] == "message":
            part = item["content"][0]
            await self.emit("response.output_text.done", item_id=item["id"], output_index=index, content_index=0,
                            text=part["text"], logprobs=[])
            await self.emit("response.content_part.done", item_id=item["id"], output_index=index, content_index=0,
                            part=part)
            item["status"] = "completed"
        else:
            summary = item["summary"][0]
            await self.emit("response.reasoning_summary_text.done", item_id=item["id"], output_index=index,
                            summary_index=0, text=summary["text"])
            await self.emit("response.reasoning_summary_part.done", item_id=item["id"], output_index=index,
                            summary_index=0, part=summary)
        await self.emit("response.output_item.done", output_index=index, item=item)

    async def _text(self, text: str) -> None:
        if self.open is None or self.open["type"] != "message":
            await self._close_open()
            self.open = {"id": new_id("msg"), "type": "message", "status": "in_progress", "role": "assistant",
                         "content": []}
            index = await self._add(self.open)
            part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
            self.open["content"].append(part)
            await self.emit("response.content_part.added", item_id=self.open["id"], output_index=index,
                            content_index=0, part=dict(part))
        index = self.output.index(self.open)
        self.open["content"][0]["text"] += text
        await self.emit("response.output_text.delta", item_id=self.open["id"], output_index=index, content_index=0,
                        delta=text, logprobs=[])

    async def _reasoning(self, text: str) -> None:
        if self.open is None or self.open["type"] != "reasoning":
            await self._close_open()
            self.open = {"id": new_id("rs"), "type": "reasoning", "summary": []}
            index = await self._add(self.open)
            part = {"type": "summary_text", "text": ""}
            self.open["summary"].append(part)
            await self.emit("response.reasoning_summary_part.added", item_id=self.open["id"], output_index=index,
                            summary_index=0, part=dict(part))
        index = self.output.index(self.open)
        self.open["summary"][0]["text"] += text
        await self.emit("response.reasoning_summary_text.delta", item_id=self.open["id"], output_index=index,
                        summary_index=0, delta=text)

    async def _function_call(self, call: dict) -> None:
        await self._close_open()
        function = call.get("function") or {}
        item = {"id": new_id("fc"), "type": "function_call", "status": "in_progress", "call_id": call.get("id"),
                "name": function.get("name", ""), "arguments": ""}
        index = await self._add(item)
        arguments = function.get("arguments") or "{}"
        await self.emit("response.function_call_arguments.delta", item_id=item["id"], output_index=index,
                        delta=arguments)
        item["arguments"] = arguments
        await self.emit("response.function_call_arguments.done", item_id=item["id"], output_index=index,
                        name=item["name"], arguments=arguments)
        item["status"] = "completed"
        await self.emit("response.output_item.done", output_index=index, item=item)

    async def _image(self, url: str) -> None:
        await self._close_open()
        header, _, data = url.partition(",")
        fmt = header.removeprefix("data:").split(";")[0].removeprefix("image/") or "png"
        item = {"id": new_id("ig"), "type": "image_generation_call", "status": "in_progress"}
        index = await self._add(item)
        await self.emit("response.image_generation_call.in_progress", item_id=item["id"], output_index=index)
        await self.emit("response.image_generation_call.generating", item_id=item["id"], output_index=index)
        item.update(status="completed", result=data, output_format=fmt if fmt in ("png", "jpeg", "webp") else "png")
        await self.emit("response.image_generation_call.completed", item_id=item["id"], output_index=index)
        await self.emit("response.output_item.done", output_index=index, item=item)

    async def add(self, delta: Delta) -> None:
        """One chat delta (only the first candidate: the Responses API has one output)."""
        if delta.index != 0:
            return
        piece = delta.delta
        if piece.get("reasoning_content"):
            await self._reasoning(piece["reasoning_content"])
        if piece.get("content"):
            await self._text(piece["content"])
        for call in piece.get("tool_calls") or []:
            await self._function_call(call)
        for image in piece.get("images") or []:
            url = (image.get("image_url") or {}).get("url") if isinstance(image, dict) else None
            if isinstance(url, str):
                await self._image(url)
        self.usage = delta.usage or self.usage
        self.finish = delta.finish_reason or self.finish

    async def finish_response(self) -> dict:
        """Close what is open; the final Response, announced with response.completed or response.incomplete."""
        await self._close_open()
        self.response["output"] = self.output
        self.response["usage"] = response_usage(self.usage)
        self.response["completed_at"] = int(time.time())
        reason = {"length": "max_output_tokens", "content_filter": "content_filter"}.get(self.finish or "")
        if reason:
            self.response.update(status="incomplete", incomplete_details={"reason": reason})
            await self.emit("response.incomplete", response=self.response)
        else:
            self.response["status"] = "completed"
            await self.emit("response.completed", response=self.response)
        return self.response

    async def fail(self, status: int, code: str | None, message: str) -> None:
        """An error after the stream began: response.failed carries it (the AI SDK and openai-python read it)."""
        await self._close_open()
        self.response.update(status="failed", output=self.output,
                             error={"code": code or ("server_error" if status >= 500 else "invalid_prompt"),
                                    "message": message})
        await self.emit("response.failed", response=self.response)
