"""POST /api/v1/chat/completions: OpenRouter's chat request, made genproxy's, then the same handler as /v1.

OpenRouter's request is OpenAI's plus fields of its own (openrouter.ai/docs/api/reference/overview and
the `openrouter` Python SDK's components/chatrequest.py):

- ``reasoning`` {effort, max_tokens, exclude, enabled} becomes ``reasoning_effort`` (and, for exclude,
  ``include_reasoning: false``, which the Gemini plugins honour by not asking Google for thought text);
- ``usage`` {include} becomes ``stream_options.include_usage`` (a non-streamed answer always has usage);
- routing and observability fields genproxy has nothing to do with (``provider``, ``transforms``,
  ``plugins``, ``route``, ``models``, ``session_id``, ``trace``, ``debug``) are accepted and dropped, as
  are the HTTP-Referer / X-Title headers (never read);
- ``image_config`` and ``modalities`` are genproxy's own already (the image plugin).

These are accepted on /api/v1 only: /v1 keeps refusing fields OpenAI does not define. The answer names
thought text as OpenRouter does too (``reasoning``, besides genproxy's ``reasoning_content``).
"""
from __future__ import annotations

from aiohttp import web

from proxy.handlers.chat import run_chat
from proxy.handlers.common import read_json
from proxy.http.errors import invalid
from proxy.http.replies import ChatCompletion

#: Accepted and ignored: what OpenRouter routes, traces or bills by.
IGNORED_FIELDS = ("provider", "transforms", "plugins", "route", "models", "session_id", "trace", "debug",
                  # sampling and caching knobs of other providers (the SDK's components/chatrequest.py ChatRequest)
                  "cache_control", "deferred_tools", "min_p", "repetition_penalty", "top_a", "stop_server_tools_when")
#: OpenRouter's effort levels (components/chatrequest.py Effort) -> genproxy's reasoning_effort.
EFFORTS = {"xhigh": "high", "high": "high", "medium": "medium", "low": "low", "minimal": "minimal", "none": "none"}
#: reasoning.max_tokens -> the smallest effort whose thinking budget holds it (plugins/gemini_chat REASONING_BUDGETS).
BUDGET_STEPS = ((0, "none"), (512, "minimal"), (1024, "low"), (8192, "medium"))


def _effort_of_budget(tokens: int) -> str:
    return next((effort for limit, effort in BUDGET_STEPS if tokens <= limit), "high")


def _reasoning(body: dict) -> None:
    reasoning = body.pop("reasoning", None)
    if reasoning is None:
        return
    if not isinstance(reasoning, dict):
        raise invalid("'reasoning' must be an object with effort, max_tokens, exclude or enabled.", "reasoning")
    unknown = sorted(set(reasoning) - {"effort", "max_tokens", "exclude", "enabled", "summary"})
    if unknown:
        raise invalid(f"Unknown parameter 'reasoning.{unknown[0]}'.", f"reasoning.{unknown[0]}", code="unknown_parameter")
    effort, tokens = reasoning.get("effort"), reasoning.get("max_tokens")
    if effort is not None and effort not in EFFORTS:
        raise invalid(f"'reasoning.effort' must be one of {', '.join(EFFORTS)}.", "reasoning.effort")
    if tokens is not None and (isinstance(tokens, bool) or not isinstance(tokens, int) or tokens < 0):
        raise invalid("'reasoning.max_tokens' must be a whole number of tokens.", "reasoning.max_tokens")
    if effort is not None and tokens is not None:
        raise invalid("Send one of 'reasoning.effort' and 'reasoning.max_tokens'.", "reasoning.max_tokens")
    for name in ("exclude", "enabled"):
        if reasoning.get(name) is not None and not isinstance(reasoning[name], bool):
            raise invalid(f"'reasoning.{name}' must be true or false.", f"reasoning.{name}")
    chosen = EFFORTS[effort] if effort is not None else _effort_of_budget(tokens) if tokens is not None else None
    if chosen is None and reasoning.get("enabled") is False:
        chosen = "none"
    elif chosen is None and reasoning.get("enabled"):
        chosen = "medium"  # OpenRouter: enabled alone means the default effort, medium
    if chosen is not None:
        earlier = body.get("reasoning_effort")
        if earlier is not None and EFFORTS.get(earlier, earlier) != chosen:
            raise invalid("'reasoning_effort' and 'reasoning' disagree; send one of them.", "reasoning_effort")
        body["reasoning_effort"] = chosen
    if reasoning.get("exclude"):
        body["include_reasoning"] = False


def _usage(body: dict) -> None:
    usage = body.pop("usage", None)
    if usage is None:
        return
    if not isinstance(usage, dict) or not isinstance(usage.get("include", False), bool):
        raise invalid("'usage' must be {\"include\": true|false}.", "usage")
    if usage.get("include") and body.get("stream"):
        options = body.get("stream_options")
        body["stream_options"] = {**(options if isinstance(options, dict) else {}), "include_usage": True}


def openrouter_chat_body(raw) -> dict:
    """The genproxy chat request for an OpenRouter one (raises a 400 for a malformed OpenRouter field)."""
    if not isinstance(raw, dict):
        return raw  # the chat handler answers the right 400
    body = {key: value for key, value in raw.items() if key not in IGNORED_FIELDS}
    if isinstance(body.get("reasoning_effort"), str):
        body["reasoning_effort"] = EFFORTS.get(body["reasoning_effort"], body["reasoning_effort"])
    _reasoning(body)
    _usage(body)
    return body


class OpenRouterCompletion(ChatCompletion):
    """OpenRouter's answer: thought text is message.reasoning / delta.reasoning (OpenRouter's reasoning-tokens
    guide; the `openrouter` SDK's ChatAssistantMessage.reasoning)."""

    def full(self, completions) -> dict:
        body = super().full(completions)
        for choice in body["choices"]:
            _name_reasoning(choice["message"])
        return body

    def chunk(self, delta: dict, *args, **kwargs) -> dict:
        body = super().chunk(delta, *args, **kwargs)
        for choice in body["choices"]:
            _name_reasoning(choice["delta"])
        return body


def _name_reasoning(message: dict) -> None:
    if isinstance(message.get("reasoning_content"), str) and "reasoning" not in message:
        message["reasoning"] = message["reasoning_content"]


async def chat_completions(request: web.Request) -> web.StreamResponse:
    return await run_chat(request, openrouter_chat_body(await read_json(request)), OpenRouterCompletion)
