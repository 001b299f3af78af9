"""Responses API input items -> chat completions messages.

Item shapes: openai-python 3.63 ``types/responses/response_input_item_param.py``; the AI SDK's
``convert-to-openai-responses-input.ts``; Codex's request bodies (docs/clients-responses-anthropic.md).
Items genproxy has no use for on Gemini (reasoning summaries, built-in tool calls it never made) are
left out of the history rather than refused.
"""
from __future__ import annotations

from typing import Any

from proxy.http.errors import invalid

#: Item types that carry nothing Gemini can take back (their effect is already in the text around them).
SKIPPED_ITEMS = {"reasoning", "image_generation_call", "web_search_call", "file_search_call", "computer_call",
                 "computer_call_output", "code_interpreter_call", "local_shell_call", "local_shell_call_output",
                 "mcp_list_tools", "mcp_approval_request", "mcp_approval_response", "mcp_call",
                 "custom_tool_call", "custom_tool_call_output", "compaction", "tool_search_call",
                 "tool_search_output", "shell_call", "shell_call_output", "apply_patch_call",
                 "apply_patch_call_output"}


def _user_part(part: Any, param: str) -> dict | None:
    if isinstance(part, str):
        return {"type": "text", "text": part}
    if not isinstance(part, dict):
        raise invalid(f"'{param}' must be an object with a 'type'.", param)
    kind = part.get("type")
    if kind in ("input_text", "output_text", "text"):
        if not isinstance(part.get("text"), str):
            raise invalid(f"'{param}.text' must be a string.", f"{param}.text")
        return {"type": "text", "text": part["text"]}
    if kind == "input_image":
        if part.get("file_id"):
            raise invalid(f"'{param}.file_id': uploaded file ids are not supported; send 'image_url' (an http(s) "
                          "URL or a base64 data URI).", f"{param}.file_id")
        url = part.get("image_url")
        if not isinstance(url, str) or not url:
            raise invalid(f"'{param}.image_url' is required.", f"{param}.image_url", code="missing_required_parameter")
        return {"type": "image_url", "image_url": {"url": url}}
    if kind == "input_file":
        data = part.get("file_data")
        if not isinstance(data, str) or not data:
            raise invalid(f"'{param}': only inline files ('file_data', a base64 data URI) are supported.",
                          f"{param}.file_data")
        if not data.startswith("data:"):  # the openai SDK's docs show bare base64 with a filename
            data = f"data:application/pdf;base64,{data}"
        return {"type": "file", "file": {"file_data": data}}
    if kind == "refusal":
        return {"type": "text", "text": str(part.get("refusal") or "")}
    raise invalid(f"'{param}.type' '{kind}' is not supported; use input_text, input_image or input_file.",
                  f"{param}.type")


def _text(content: Any, param: str) -> str:
    if isinstance(content, str):
        return content
    texts = []
    for j, part in enumerate(content or []):
        piece = _user_part(part, f"{param}[{j}]")
        if piece is None or piece["type"] != "text":
            raise invalid(f"'{param}[{j}]': only text is allowed here.", f"{param}[{j}]")
        texts.append(piece["text"])
    return "".join(texts)


def _tool_output(output: Any, param: str) -> str:
    if isinstance(output, str):
        return output
    if isinstance(output, list):  # text parts (images of a tool result cannot go to Gemini as a function response)
        return "".join(p.get("text", "") for p in output if isinstance(p, dict) and p.get("type") == "input_text")
    raise invalid(f"'{param}' must be a string or a list of content parts.", param)


def to_messages(items: list[dict], instructions: str | None) -> list[dict]:
    """Chat messages from the instructions and the (expanded) input items, in order."""
    messages: list[dict] = [{"role": "system", "content": instructions}] if instructions else []

    def assistant() -> dict:
        if messages and messages[-1]["role"] == "assistant":
            return messages[-1]
        messages.append({"role": "assistant", "content": None})
        return messages[-1]

    for i, item in enumerate(items):
        param = f"input[{i}]"
        if not isinstance(item, dict):
            raise invalid(f"'{param}' must be an object.", param)
        kind = item.get("type", "message")
        if kind == "message":
            role = item.get("role")
            content = item.get("content")
            if role == "user":
                parts = ([{"type": "text", "text": content}] if isinstance(content, str) else
                         [p for j, c in enumerate(content or []) if (p := _user_part(c, f"{param}.content[{j}]"))])
                messages.append({"role": "user", "content": parts})
            elif role in ("system", "developer"):
                messages.append({"role": "system", "content": _text(content, f"{param}.content")})
            elif role == "assistant":
                text = _text(content, f"{param}.content")
                target = assistant()
                target["content"] = (target["content"] or "") + text if text else target["content"]
            else:
                raise invalid(f"'{param}.role' must be user, assistant, system or developer.", f"{param}.role")
        elif kind == "function_call":
            for name in ("call_id", "name"):
                if not isinstance(item.get(name), str):
                    raise invalid(f"'{param}.{name}' is required.", f"{param}.{name}", code="missing_required_parameter")
            call = {"id": item["call_id"], "type": "function",
                    "function": {"name": item["name"], "arguments": item.get("arguments") or "{}"}}
            assistant().setdefault("tool_calls", []).append(call)
        elif kind == "function_call_output":
            if not isinstance(item.get("call_id"), str):
                raise invalid(f"'{param}.call_id' is required.", f"{param}.call_id", code="missing_required_parameter")
            messages.append({"role": "tool", "tool_call_id": item["call_id"],
                             "content": _tool_output(item.get("output"), f"{param}.output")})
        elif kind in SKIPPED_ITEMS:
            continue
        else:
            raise invalid(f"'{param}.type' '{kind}' is not supported.", f"{param}.type")
    for message in messages:
        if message["role"] == "assistant" and message["content"] is None and not message.get("tool_calls"):
            message["content"] = ""
    return messages


def input_items(value: str | list | None) -> list[dict]:
    """The input as a list of items (a string is one user message)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": value}]}]
    return list(value)
