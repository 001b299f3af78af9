"""Which fields of a Responses API request (POST /v1/responses) genproxy accepts, and how it treats each.

Every field of openai-python 3.63's ``ResponseCreateParams`` (``openai/types/responses/response_create_params.py``,
``ResponseCreateParamsBase`` plus ``stream``) is accepted: clients send them whether or not a model uses them.
A field no SDK defines is a 400 ``unknown_parameter`` naming the closest known one, so a typo such as
``instuctions`` is not silently dropped (issue 25.2). tests/conformance/test_unknown_fields_everywhere.py checks
these sets against the installed SDK.
"""
from __future__ import annotations

from typing import Any

from proxy.http.errors import invalid
from proxy.http.models import refuse_unknown_keys

#: Fields genproxy reads (ResponsesRequest's own fields; proxy/handlers/responses/request.py).
READ = frozenset({"model", "input", "instructions", "tools", "tool_choice", "previous_response_id", "store", "stream",
                  "reasoning", "text", "max_output_tokens", "temperature", "top_p", "metadata", "parallel_tool_calls"})
#: Fields accepted and ignored: OpenAI's bookkeeping, caching and routing hints, which change nothing on Gemini.
#: ``image`` (its ``context_compression``: how OpenAI compresses earlier images) is ignored too: the images go to
#: Gemini as given.
IGNORED = frozenset({
    "include", "metadata", "user", "safety_identifier", "prompt_cache_key", "prompt_cache_retention",
    "prompt_cache_options", "service_tier", "truncation", "parallel_tool_calls", "stream_options", "top_logprobs",
    "max_tool_calls", "moderation", "context_management", "access_programs", "background_options", "image"})
#: Fields real clients send that no SDK type defines at the top level, accepted and ignored: Codex CLI's
#: ``client_metadata``; ``include_obfuscation`` (the SDK's ``stream_options.include_obfuscation``, sent flat).
CLIENT_EXTRAS = frozenset({"client_metadata", "include_obfuscation"})
#: Fields whose meaning genproxy cannot honour: a 400 ``unsupported_parameter`` rather than a silently
#: different answer (when set to anything but null / false / empty).
UNSUPPORTED = {
    "background": "background responses are not supported; genproxy answers while the request is open",
    "conversation": "conversations are not supported; use previous_response_id",
    "prompt": "stored prompt templates are not supported",
}
KNOWN = READ | IGNORED | CLIENT_EXTRAS | frozenset(UNSUPPORTED)

#: The nested objects genproxy reads, and their keys (openai-python 3.63: ``shared_params/reasoning.py``
#: Reasoning; ``responses/response_text_config_param.py`` ResponseTextConfigParam; the ``text.format`` union of
#: ``shared_params/response_format_text.py``, ``response_format_json_object.py`` and
#: ``responses/response_format_text_json_schema_config_param.py``).
REASONING_KEYS = frozenset({"effort", "summary", "generate_summary", "context", "mode"})
TEXT_KEYS = frozenset({"format", "verbosity"})
TEXT_FORMAT_KEYS = frozenset({"type", "name", "schema", "description", "strict"})


def check_fields(body: dict[str, Any]) -> None:
    """400 for a field no SDK defines (top level, ``reasoning``, ``text``, ``text.format``), and for one genproxy
    cannot honour."""
    for name, value in body.items():
        if name in UNSUPPORTED and value not in (None, False, {}, [], ""):
            raise invalid(f"'{name}' is not supported: {UNSUPPORTED[name]}.", name, code="unsupported_parameter")
    refuse_unknown_keys(body, KNOWN)
    refuse_unknown_keys(body.get("reasoning"), REASONING_KEYS, "reasoning.")
    text = body.get("text")
    refuse_unknown_keys(text, TEXT_KEYS, "text.")
    if isinstance(text, dict):
        refuse_unknown_keys(text.get("format"), TEXT_FORMAT_KEYS, "text.format.")
