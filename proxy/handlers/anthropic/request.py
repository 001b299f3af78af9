"""The Anthropic Messages request (POST /v1/messages, /v1/messages/count_tokens) and its translation into
the chat completions request the plugins serve.

Shapes: the anthropic Python SDK 2.17 (``types/message_create_params.py``) and Claude Code 2.1's bodies
(docs/clients-responses-anthropic.md): ``system`` as a string or text blocks, ``messages`` whose content
is a string or blocks (text, image, document, tool_use, tool_result, thinking), a ``role: "system"``
message inside ``messages`` (Claude Code's environment block), ``tools`` with ``input_schema``,
``thinking`` enabled / disabled / adaptive, ``output_config.effort``.
"""
from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from proxy.http.errors import invalid
from proxy.http.models import ChatCompletionRequest, parse_request

#: Gemini's largest maxOutputTokens (65,536 for Gemini 2.5 and 3 models, ai.google.dev/gemini-api/docs/models);
#: Claude Code asks for 32,000 to 128,000, which Gemini would refuse.
MAX_OUTPUT_TOKENS = 65_536
#: thinking.budget_tokens -> the chat plugins' reasoning_effort (the budgets of plugins/gemini_chat/parameters.py).
BUDGET_EFFORTS = ((1024, "low"), (8192, "medium"))
EFFORTS = {"low": "low", "medium": "medium", "high": "high", "xhigh": "high", "max": "high"}
#: Claude Code's first system block: a billing header for Anthropic, noise for Gemini.
BILLING_HEADER = "x-anthropic-billing-header"


class AnthropicMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["user", "assistant", "system"]
    content: str | list[dict[str, Any]]


class MessagesRequest(BaseModel):
    # metadata, context_management, service_tier, ... change nothing; a field no SDK defines is refused before
    # (proxy/handlers/anthropic/fields.py)
    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1)
    messages: list[AnthropicMessage] = Field(min_length=1)
    max_tokens: int | None = Field(None, ge=1)
    system: str | list[dict[str, Any]] | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: dict[str, Any] | None = None
    thinking: dict[str, Any] | None = None
    output_config: dict[str, Any] | None = None
    stop_sequences: list[str] | None = None
    temperature: float | None = Field(None, ge=0, le=1)
    top_p: float | None = Field(None, ge=0, le=1)
    top_k: int | None = Field(None, ge=1)
    stream: bool = False


def _system_text(system: str | list | None) -> str:
    if system is None or isinstance(system, str):
        return system or ""
    texts = [b.get("text", "") for b in system if isinstance(b, dict) and b.get("type") == "text"]
    return "\n\n".join(t for t in texts if not t.startswith(BILLING_HEADER))


def _image(block: dict, param: str) -> dict:
    source = block.get("source") or {}
    kind = source.get("type")
    if kind == "base64":
        return {"type": "image_url", "image_url": {"url": f"data:{source.get('media_type')};base64,{source.get('data')}"}}
    if kind == "url":
        return {"type": "image_url", "image_url": {"url": source.get("url")}}
    raise invalid(f"'{param}.source.type' must be base64 or url.", f"{param}.source.type")


def _document(block: dict, param: str) -> dict:
    source = block.get("source") or {}
    if source.get("type") == "base64":
        return {"type": "file", "file": {"file_data": f"data:{source.get('media_type')};base64,{source.get('data')}"}}
    if source.get("type") == "text":
        return {"type": "text", "text": str(source.get("data") or "")}
    raise invalid(f"'{param}.source.type' must be base64 or text for a document.", f"{param}.source.type")


def _tool_result_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(b.get("text", "") for b in content or [] if isinstance(b, dict) and b.get("type") == "text")


def to_messages(body: MessagesRequest) -> list[dict]:
    """Chat messages: the system prompt first (with any role: system message folded in), then the turns."""
    system: list[str] = [_system_text(body.system)] if body.system else []
    out: list[dict] = []
    for i, message in enumerate(body.messages):
        param = f"messages[{i}].content"
        blocks = [{"type": "text", "text": message.content}] if isinstance(message.content, str) else message.content
        if message.role == "system":
            system.append(_system_text(blocks))
            continue
        if message.role == "assistant":
            texts, calls = [], []
            for j, block in enumerate(blocks):
                kind = block.get("type")
                if kind == "text":
                    texts.append(str(block.get("text", "")))
                elif kind in ("tool_use", "server_tool_use"):
                    calls.append({"id": block.get("id"), "type": "function",
                                  "function": {"name": block.get("name"), "arguments": json.dumps(block.get("input") or {})}})
                elif kind not in ("thinking", "redacted_thinking"):
                    raise invalid(f"'{param}[{j}].type' '{kind}' is not supported in an assistant turn.",
                                  f"{param}[{j}].type")
            assistant: dict = {"role": "assistant", "content": "".join(texts)}
            if calls:
                assistant["tool_calls"] = calls
            out.append(assistant)
            continue
        parts: list[dict] = []
        for j, block in enumerate(blocks):
            kind = block.get("type")
            if kind == "text":
                if block.get("text"):
                    parts.append({"type": "text", "text": str(block["text"])})
            elif kind == "image":
                parts.append(_image(block, f"{param}[{j}]"))
            elif kind == "document":
                parts.append(_document(block, f"{param}[{j}]"))
            elif kind == "tool_result":
                text = _tool_result_text(block.get("content"))
                out.append({"role": "tool", "tool_call_id": block.get("tool_use_id"),
                            "content": f"Error: {text}" if block.get("is_error") else text})
                images = [_image(b, f"{param}[{j}].content") for b in block.get("content") or []
                          if isinstance(b, dict) and b.get("type") == "image"]
                parts.extend(images)  # Gemini takes images beside the function response, in the same turn
            elif kind in ("thinking", "redacted_thinking"):
                continue
            else:
                raise invalid(f"'{param}[{j}].type' '{kind}' is not supported.", f"{param}[{j}].type")
        if parts:
            out.append({"role": "user", "content": parts})
    system_text = "\n\n".join(s for s in system if s)
    return ([{"role": "system", "content": system_text}] if system_text else []) + out


def _tools(tools: list[dict] | None) -> list[dict]:
    out = []
    for i, tool in enumerate(tools or []):
        if tool.get("type") not in (None, "custom"):
            continue  # Anthropic's server tools (web_search_2025..., bash_2025...): nothing here runs them
        if not isinstance(tool.get("name"), str):
            raise invalid(f"'tools[{i}].name' is required.", f"tools[{i}].name", code="missing_required_parameter")
        schema = tool.get("input_schema") or {"type": "object"}
        # "$schema" only names the draft (Claude Code sends draft-07's): Gemini has no use for it, and
        # third-party Gemini clients strip it before sending (adk-gemini's schema_adapter.rs, step 2).
        parameters = {k: v for k, v in schema.items() if k != "$schema"} if isinstance(schema, dict) else schema
        function: dict = {"name": tool["name"], "parameters": parameters}
        if tool.get("description"):
            function["description"] = tool["description"]
        out.append({"type": "function", "function": function})
    return out


def _tool_choice(choice: dict | None, has_tools: bool):
    if choice is None or not has_tools:
        return "none" if choice and choice.get("type") == "none" else None
    kind = choice.get("type")
    if kind == "tool":
        return {"type": "function", "function": {"name": choice.get("name")}}
    mapped = {"auto": "auto", "any": "required", "none": "none"}.get(kind or "")
    if mapped is None:
        raise invalid("'tool_choice.type' must be auto, any, tool or none.", "tool_choice.type")
    return mapped


def _reasoning(body: MessagesRequest) -> tuple[str | None, bool]:
    """(reasoning_effort, whether the thought text comes back as thinking blocks)."""
    thinking = body.thinking or {}
    kind = thinking.get("type")
    effort = EFFORTS.get(str((body.output_config or {}).get("effort")))
    if kind == "enabled":
        budget = thinking.get("budget_tokens")
        if not isinstance(budget, int):
            raise invalid("'thinking.budget_tokens' is required with thinking.type enabled.", "thinking.budget_tokens")
        effort = next((name for limit, name in BUDGET_EFFORTS if budget <= limit), "high")
        return effort, thinking.get("display") != "omitted"
    if kind == "disabled":
        return "none", False
    # "adaptive": the model decides how much to think, Gemini's own dynamic thinking. "between_tools" (anthropic
    # 2.17's beta BetaThinkingConfigBetweenToolsParam: think between tool calls) has no Gemini switch of its own:
    # Gemini's dynamic thinking does think between the calls, so it is served as adaptive.
    if kind in ("adaptive", "between_tools"):
        return effort or "medium", thinking.get("display") != "omitted"
    if kind is not None:
        raise invalid("'thinking.type' must be enabled, disabled, adaptive or between_tools.", "thinking.type")
    return effort, False


def to_chat(body: MessagesRequest, stream: bool) -> ChatCompletionRequest:
    chat: dict[str, Any] = {"model": body.model, "messages": to_messages(body), "stream": stream}
    if body.max_tokens is not None:
        chat["max_completion_tokens"] = min(body.max_tokens, MAX_OUTPUT_TOKENS)
    tools = _tools(body.tools)
    if tools:
        chat["tools"] = tools
    choice = _tool_choice(body.tool_choice, bool(tools))
    if choice is not None and (tools or choice == "none"):
        chat["tool_choice"] = choice
    effort, show = _reasoning(body)
    if effort is not None:
        chat["reasoning_effort"] = effort
        if not show:
            chat["include_reasoning"] = False
    for name in ("temperature", "top_p", "top_k"):
        if getattr(body, name) is not None:
            chat[name] = getattr(body, name)
    if body.stop_sequences:
        chat["stop"] = body.stop_sequences
    return parse_request(ChatCompletionRequest, chat)
