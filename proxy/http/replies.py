"""Plugin replies (Completion, list, or a stream of Delta) shaped as OpenAI chat completion objects."""
from __future__ import annotations

import time
from collections.abc import AsyncIterator

from proxy.hookspecs import Completion, Delta, Reply
from proxy.http.sse import SseWriter

SYSTEM_FINGERPRINT = "fp_genproxy"


class ChatCompletion:
    """Shapes plugin replies into OpenAI chat.completion / chat.completion.chunk objects."""

    def __init__(self, request_id: str, model: str):
        self.id = f"chatcmpl-{request_id}"
        self.model = model
        self.created = int(time.time())

    def full(self, completions: list[Completion]) -> dict:
        body = {"id": self.id, "object": "chat.completion", "created": self.created, "model": self.model,
                # OpenAI's schema requires logprobs and message.refusal on every choice (null when none).
                "choices": [{"index": i, "message": {"role": "assistant", "refusal": None, **c.message},
                             "logprobs": None, "finish_reason": c.finish_reason}
                            for i, c in enumerate(completions)],
                # A string in OpenAI's schema (deprecated there); the openrouter SDK's ChatResult requires it.
                "system_fingerprint": SYSTEM_FINGERPRINT}
        usage = next((c.usage for c in completions if c.usage), None)
        if usage:
            body["usage"] = usage
        return body

    def chunk(self, delta: dict, finish_reason: str | None = None, index: int = 0, usage: dict | None = None,
              **extra) -> dict:
        body = {"id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": self.model,
                "choices": [{"index": index, "delta": delta, "finish_reason": finish_reason}], **extra}
        if usage is not None:
            body["usage"] = usage
        return body


def as_completions(reply: Reply) -> list[Completion]:
    if isinstance(reply, Completion):
        return [reply]
    if isinstance(reply, list):
        return reply
    raise TypeError("a streamed reply where a final one was expected")


async def collect(reply: Reply) -> list[Completion]:
    if isinstance(reply, (Completion, list)):
        return as_completions(reply)
    # A plugin that only streams: fold its deltas into one message.
    message: dict = {}
    finish, usage = "stop", None
    async for delta in reply:
        for key, value in delta.delta.items():
            if isinstance(value, str) and isinstance(message.get(key), str):
                message[key] += value
            elif isinstance(value, list):
                message.setdefault(key, []).extend(value)
            elif value is not None:
                message[key] = value
        finish = delta.finish_reason or finish
        usage = delta.usage or usage
    message.setdefault("content", None)
    return [Completion(message=message, finish_reason=finish, usage=usage)]


async def _as_deltas_from(completions: list[Completion]) -> AsyncIterator[Delta]:
    for index, completion in enumerate(completions):
        yield Delta(delta={"role": "assistant", **completion.message}, finish_reason=completion.finish_reason,
                    usage=completion.usage, index=index)


def as_deltas(reply: Reply) -> AsyncIterator[Delta]:
    if isinstance(reply, (Completion, list)):
        return _as_deltas_from(as_completions(reply))
    return reply


async def prepend(first, rest: AsyncIterator) -> AsyncIterator:
    if first is not None:
        yield first
    async for item in rest:
        yield item


async def stream_deltas(sse: SseWriter, shape: ChatCompletion, deltas: AsyncIterator[Delta], include_usage: bool) -> None:
    usage = None
    async for delta in deltas:
        usage = delta.usage or usage
        await sse.send(shape.chunk(delta.delta, delta.finish_reason, index=delta.index))
    if include_usage:
        # Asked for, the usage chunk always carries usage: zero tokens for work not billed in tokens (Veo).
        body = shape.chunk({}, None, usage=usage or {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0})
        body["choices"] = []
        await sse.send(body)


async def stream_reply(sse: SseWriter, shape: ChatCompletion, reply: Reply, include_usage: bool) -> None:
    await stream_deltas(sse, shape, as_deltas(reply), include_usage)
