"""Gemini replies and stream events -> assistant messages, finish reasons, usage, deltas."""
from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator

from plugins.gemini_chat import signatures
from proxy.hookspecs import ApiError, Completion, Delta, ThoughtSignatures

FINISH_REASONS = {
    "STOP": "stop", "MAX_TOKENS": "length", "SAFETY": "content_filter", "RECITATION": "content_filter",
    "BLOCKLIST": "content_filter", "PROHIBITED_CONTENT": "content_filter", "SPII": "content_filter",
    "IMAGE_SAFETY": "content_filter", "IMAGE_PROHIBITED_CONTENT": "content_filter",
    "IMAGE_RECITATION": "content_filter", "LANGUAGE": "content_filter",
}


def finish_reason(gemini_reason: str | None, has_tool_calls: bool) -> str:
    if has_tool_calls:
        return "tool_calls"
    return FINISH_REASONS.get(gemini_reason or "STOP", "stop")


def usage(metadata: dict | None) -> dict | None:
    if not metadata:
        return None
    prompt = int(metadata.get("promptTokenCount") or 0)
    thoughts = int(metadata.get("thoughtsTokenCount") or 0)
    completion = int(metadata.get("candidatesTokenCount") or 0) + thoughts
    out = {"prompt_tokens": prompt, "completion_tokens": completion,
           "total_tokens": int(metadata.get("totalTokenCount") or prompt + completion),
           "completion_tokens_details": {"reasoning_tokens": thoughts}}
    if metadata.get("cachedContentTokenCount"):
        out["prompt_tokens_details"] = {"cached_tokens": int(metadata["cachedContentTokenCount"])}
    return out


def check_blocked(reply: dict) -> None:
    """A prompt Google refused: an explicit content_filter error, never an empty answer."""
    feedback = reply.get("promptFeedback") or {}
    reason = feedback.get("blockReason")
    if reason and not reply.get("candidates"):
        detail = feedback.get("blockReasonMessage")
        raise ApiError(400, f"The prompt was blocked by Google's safety filters (blockReason: {reason})"
                            + (f": {detail}" if detail else "."), code="content_filter")


def upstream_event_error(event: dict) -> ApiError | None:
    """An ``{"error": {...}}`` event inside a stream."""
    error = event.get("error")
    if not isinstance(error, dict):
        return None
    return ApiError(502, f"The upstream failed mid-stream: {error.get('message') or 'unknown error'}"
                         f" ({error.get('status') or error.get('code') or 'error'}).", code="upstream_stream_error")


def _tool_call(call: dict, part: dict) -> dict:
    out = {"id": f"call_{secrets.token_hex(12)}", "type": "function",
           "function": {"name": call.get("name", ""), "arguments": json.dumps(call.get("args") or {})}}
    if part.get("thoughtSignature"):
        # Gemini 3 wants the signature back with the call; clients that keep unknown fields return it.
        out["extra_content"] = {"google": {"thought_signature": part["thoughtSignature"]}}
    return out


def split_parts(parts: list[dict]) -> dict:
    """text / thought text / tool calls / final images of some parts."""
    text: list[str] = []
    thoughts: list[str] = []
    calls: list[dict] = []
    images: list[str] = []  # data: URLs
    for part in parts or []:
        if "functionCall" in part:
            calls.append(_tool_call(part["functionCall"], part))
        elif "inlineData" in part or "inline_data" in part:
            if part.get("thought"):
                continue  # interim image of the thinking process, not an answer
            data = part.get("inlineData") or part.get("inline_data") or {}
            mime = data.get("mimeType") or data.get("mime_type") or "application/octet-stream"
            images.append(f"data:{mime};base64,{data.get('data', '')}")
        elif isinstance(part.get("text"), str):
            (thoughts if part.get("thought") else text).append(part["text"])
    return {"text": "".join(text) if text else None, "thoughts": "".join(thoughts) if thoughts else None,
            "tool_calls": calls, "images": images}


def image_objects(urls: list[str], start: int = 0) -> list[dict]:
    return [{"type": "image_url", "image_url": {"url": url}, "index": start + i} for i, url in enumerate(urls)]


def completions(reply: dict) -> list[Completion]:
    """One Completion per candidate of a generateContent reply."""
    check_blocked(reply)
    candidates = reply.get("candidates") or []
    if not candidates:
        raise ApiError(502, "The upstream answered without any candidate.", code="upstream_empty_reply")
    out = []
    for candidate in sorted(candidates, key=lambda c: c.get("index", 0)):
        pieces = split_parts((candidate.get("content") or {}).get("parts") or [])
        message: dict = {"content": pieces["text"]}
        if pieces["thoughts"]:
            message["reasoning_content"] = pieces["thoughts"]
        if pieces["tool_calls"]:
            message["tool_calls"] = pieces["tool_calls"]
        if pieces["images"]:
            message["images"] = image_objects(pieces["images"])
        out.append(Completion(message=message,
                              finish_reason=finish_reason(candidate.get("finishReason"), bool(pieces["tool_calls"])),
                              usage=None))
    out[0].usage = usage(reply.get("usageMetadata"))
    return out


async def remember_signatures(replies: list[Completion], memory: ThoughtSignatures | None) -> list[Completion]:
    """Remember the thought signatures of the answer's tool calls (see signatures.py); the answer unchanged."""
    await signatures.remember([c for r in replies for c in r.message.get("tool_calls") or []], memory)
    return replies


async def deltas(events: AsyncIterator[dict], on_finish=None,
                 memory: ThoughtSignatures | None = None) -> AsyncIterator[Delta]:
    """Each upstream event as it arrives, as Deltas (one per candidate in the event).

    ``on_finish(state)`` may adjust the finish reason of a candidate (``state`` holds what was
    seen so far for it) before its last Delta goes out. The thought signatures of tool calls are
    remembered in ``memory`` before the Delta that hands out their ids.
    """
    state: dict[int, dict] = {}
    async for event in events:
        error = upstream_event_error(event)
        if error:
            raise error
        check_blocked(event)
        usage_now = usage(event.get("usageMetadata"))
        candidates = event.get("candidates") or []
        if not candidates and usage_now:
            yield Delta(delta={}, usage=usage_now)
        for candidate in candidates:
            index = candidate.get("index", 0)
            seen = state.setdefault(index, {"started": False, "tool_calls": 0, "images": 0})
            pieces = split_parts((candidate.get("content") or {}).get("parts") or [])
            delta: dict = {}
            if not seen["started"]:
                delta["role"] = "assistant"
                seen["started"] = True
            if pieces["thoughts"]:
                delta["reasoning_content"] = pieces["thoughts"]
            if pieces["text"]:
                delta["content"] = pieces["text"]
            if pieces["tool_calls"]:
                await signatures.remember(pieces["tool_calls"], memory)
                delta["tool_calls"] = [{"index": seen["tool_calls"] + k, **call}
                                       for k, call in enumerate(pieces["tool_calls"])]
                seen["tool_calls"] += len(pieces["tool_calls"])
            if pieces["images"]:
                delta["images"] = image_objects(pieces["images"], seen["images"])
                seen["images"] += len(pieces["images"])
            reason = None
            if candidate.get("finishReason"):
                reason = finish_reason(candidate["finishReason"], seen["tool_calls"] > 0)
                if on_finish:
                    reason = on_finish(seen, reason)
            yield Delta(delta=delta, finish_reason=reason, usage=usage_now, index=index)
