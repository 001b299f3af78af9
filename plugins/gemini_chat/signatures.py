"""Gemini thought signatures for OpenAI clients, which drop them.

Gemini 3 answers a function call with a ``thoughtSignature`` on the ``functionCall`` part and refuses
(400 "Function call is missing a thought_signature in functionCall parts ...") a later request whose
history holds that call without it (https://ai.google.dev/gemini-api/docs/thought-signatures). OpenAI
clients keep only the fields they know, so genproxy keeps the signatures itself:

- replies: each tool call with a signature is remembered under the tool call id genproxy handed out
  (:func:`remember`, also still sent as ``extra_content.google.thought_signature`` for clients that
  keep it);
- requests: translate (pure) marks each function call part the client sent without a signature with
  its tool call id; :func:`restore` (in submit, I/O) puts the remembered signature back. A step (one
  model turn) whose function calls have no known signature at all -- a history built elsewhere or
  forgotten -- gets Google's documented dummy value on its first function call, the part Google checks
  (the thought-signatures page's FAQ gives "context_engineering_is_the_way_to_go" and
  "skip_thought_signature_validator" as the values that skip validation, for function calls the API
  did not generate).

Only the first function call of each step carries a signature in Google's replies (parallel calls), so
a later call without one is left as Google sent it.
"""
from __future__ import annotations

import re

from proxy.hookspecs import ThoughtSignatures

CALL_ID_PLACEHOLDER = "__genproxy_tool_call_id__"
# Google's documented value for function calls it did not generate (see the module docstring).
DUMMY_SIGNATURE = "skip_thought_signature_validator"
# Models before Gemini 3 do not check signatures (the docs: "Refer to the model behavior section for
# discrepancies with 2.5"); they get back what they gave, but no dummy.
UNCHECKED_MODELS = re.compile(r"^(?:gemini-(?:1|2)(?:\.\d+)?-|gemini-pro$|gemini-pro-vision$)")


def mark(part: dict, call_id: str) -> None:
    """Note on a function call part the client sent without a signature which tool call it was."""
    if call_id and not part.get("thoughtSignature"):
        part[CALL_ID_PLACEHOLDER] = call_id


def _function_call_turns(body: dict) -> list[list[dict]]:
    return [[p for p in content["parts"] if "functionCall" in p]
            for content in body.get("contents") or [] if content.get("role") == "model"]


async def restore(body: dict, target: str, memory: ThoughtSignatures | None) -> None:
    """Put the remembered signatures back on the marked parts; Google's dummy where a step has none."""
    turns = _function_call_turns(body)
    marked = [p[CALL_ID_PLACEHOLDER] for calls in turns for p in calls if CALL_ID_PLACEHOLDER in p]
    known = await memory.recall(marked) if memory is not None and marked else {}
    needs_signature = not UNCHECKED_MODELS.match(target)
    for calls in turns:
        for part in calls:
            call_id = part.pop(CALL_ID_PLACEHOLDER, None)
            if call_id in known:
                part["thoughtSignature"] = known[call_id]
        if needs_signature and calls and not any(p.get("thoughtSignature") for p in calls):
            calls[0]["thoughtSignature"] = DUMMY_SIGNATURE


def signed_calls(tool_calls: list[dict]) -> dict[str, str]:
    """tool_call_id -> signature of the tool calls of an answer that carry one."""
    out = {}
    for call in tool_calls or []:
        signature = ((call.get("extra_content") or {}).get("google") or {}).get("thought_signature")
        if signature and call.get("id"):
            out[call["id"]] = signature
    return out


async def remember(tool_calls: list[dict], memory: ThoughtSignatures | None) -> None:
    if memory is not None:
        await memory.remember(signed_calls(tool_calls))
