"""Which fields of an Anthropic Messages request (POST /v1/messages, /v1/messages/count_tokens) genproxy accepts.

Every field of the anthropic Python SDK 2.17's request types is accepted, the beta ones included (Claude Code
calls ``/v1/messages?beta=true`` with ``context_management``, ``mcp_servers``, ``container``, ...):
``types/message_create_params.py`` and ``types/beta/message_create_params.py`` (MessageCreateParamsBase plus
``stream``), ``types/message_count_tokens_params.py`` and ``types/beta/message_count_tokens_params.py``.
A field no SDK defines is a 400 (in Anthropic's shape: invalid_request_error, by the middleware of
proxy/handlers/anthropic/errors.py) naming the closest known field, so a typo such as ``max_token`` is not
silently dropped (issue 25.2). tests/conformance/test_unknown_fields_everywhere.py checks these sets against the
installed SDK.
"""
from __future__ import annotations

from typing import Any

from proxy.http.models import refuse_unknown_keys

#: Fields genproxy reads (MessagesRequest's fields; proxy/handlers/anthropic/request.py).
READ = frozenset({"model", "messages", "max_tokens", "system", "tools", "tool_choice", "thinking", "output_config",
                  "stop_sequences", "temperature", "top_p", "top_k", "stream"})
#: Fields accepted and ignored: Anthropic's bookkeeping, caching, billing and routing (metadata, cache_control,
#: service_tier, speed, inference_geo, diagnostics, billing_policy, fallbacks, fallback_credit_token, thread,
#: user_profile_id, workspace_id; ``betas`` is the anthropic-beta header, which the SDK never puts in the body),
#: and Anthropic's server-side features that nothing here runs: context editing (context_management, compaction),
#: MCP connectors (mcp_servers) and code-execution containers (container). Claude Code sends several of them.
IGNORED = frozenset({
    "metadata", "cache_control", "service_tier", "speed", "inference_geo", "diagnostics", "billing_policy",
    "fallbacks", "fallback_credit_token", "thread", "user_profile_id", "workspace_id", "betas",
    "context_management", "compaction", "mcp_servers", "container"})
MESSAGES_FIELDS = READ | IGNORED
#: count_tokens takes the create request's fields as well: a client counts the body it is about to send, so
#: ``max_tokens`` and ``stream`` (dropped there, as before) and the ignored fields change no count.
COUNT_TOKENS_FIELDS = MESSAGES_FIELDS

#: The nested objects genproxy reads: ``thinking`` (ThinkingConfigEnabledParam / DisabledParam / AdaptiveParam
#: and their Beta forms, which add ``block_binding``) and ``output_config`` (OutputConfigParam, BetaOutputConfigParam
#: adds ``task_budget``).
THINKING_KEYS = frozenset({"type", "budget_tokens", "display", "block_binding"})
OUTPUT_CONFIG_KEYS = frozenset({"effort", "format", "task_budget"})


def check_fields(body: dict[str, Any], known: frozenset[str] = MESSAGES_FIELDS) -> None:
    """400 ``unknown_parameter`` for a field no SDK defines (top level, ``thinking``, ``output_config``)."""
    refuse_unknown_keys(body, known)
    refuse_unknown_keys(body.get("thinking"), THINKING_KEYS, "thinking.")
    refuse_unknown_keys(body.get("output_config"), OUTPUT_CONFIG_KEYS, "output_config.")
