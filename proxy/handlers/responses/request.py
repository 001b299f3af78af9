"""The Responses API request (POST /v1/responses) as pydantic reads it, and its translation into the chat
completions request the plugins serve.

Field names and shapes: openai-python 3.63 ``openai/types/responses/response_create_params.py`` and the AI
SDK's ``@ai-sdk/openai`` 4.x ``src/responses/openai-responses-api.ts`` (see docs/clients-responses-anthropic.md).
Tools Gemini cannot run here (``web_search``, ``file_search``, ``code_interpreter``, ``mcp``, ``custom``,
Codex's ``namespace``...) are left out rather than refused: Codex sends them with every request.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from proxy.http.errors import invalid
from proxy.http.models import ChatCompletionRequest, parse_request

#: reasoning.effort -> the chat plugins' reasoning_effort (xhigh and max are Gemini's highest level).
EFFORTS = {"none": "none", "minimal": "minimal", "low": "low", "medium": "medium", "high": "high",
           "xhigh": "high", "max": "high"}
#: image_generation tool sizes -> Gemini aspect ratios (OpenAI's three sizes; "auto" leaves the model's default).
IMAGE_SIZES = {"1024x1024": "1:1", "1024x1536": "2:3", "1536x1024": "3:2"}
DEFAULT_IMAGE_MODEL = "gemini-3.1-flash-image"


class ResponsesRequest(BaseModel):
    #: The other fields of OpenAI's request are checked before (proxy/handlers/responses/fields.py).
    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1)
    input: str | list[dict[str, Any]] | None = None
    instructions: str | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    previous_response_id: str | None = None
    store: bool | None = None
    stream: bool = False
    reasoning: dict[str, Any] | None = None
    text: dict[str, Any] | None = None
    max_output_tokens: int | None = Field(None, ge=1)
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, ge=0, le=1)
    metadata: dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None

    @property
    def stored(self) -> bool:
        return self.store is not False  # OpenAI's default is true

    def image_tool(self) -> dict | None:
        """The image_generation tool, when the caller offers it (and did not turn tools off)."""
        if self.tool_choice == "none":
            return None
        return next((t for t in self.tools or [] if isinstance(t, dict) and t.get("type") == "image_generation"), None)


def chat_tools(tools: list[dict] | None) -> list[dict]:
    """Function tools in chat completions' nested shape; every other tool type left out."""
    out = []
    for i, tool in enumerate(tools or []):
        if not isinstance(tool, dict):
            raise invalid(f"'tools[{i}]' must be an object.", f"tools[{i}]")
        if tool.get("type") != "function":
            continue
        if not isinstance(tool.get("name"), str):
            raise invalid(f"'tools[{i}].name' is required.", f"tools[{i}].name", code="missing_required_parameter")
        function: dict = {"name": tool["name"]}
        if tool.get("description"):
            function["description"] = tool["description"]
        schema = tool.get("parameters")
        if schema is not None:  # without "$schema", as for the Anthropic tools (proxy/handlers/anthropic/request.py)
            function["parameters"] = {k: v for k, v in schema.items() if k != "$schema"} if isinstance(schema, dict) \
                else schema
        out.append({"type": "function", "function": function})
    return out


def chat_tool_choice(choice: str | dict | None, has_tools: bool) -> str | dict | None:
    if choice is None:
        return None
    if isinstance(choice, str):
        if choice not in ("auto", "none", "required"):
            raise invalid("'tool_choice' must be auto, none, required or {\"type\": \"function\", \"name\": ...}.",
                          "tool_choice")
        return choice if has_tools or choice == "none" else None
    if choice.get("type") == "function" and isinstance(choice.get("name"), str):
        return {"type": "function", "function": {"name": choice["name"]}}
    # allowed_tools, or a built-in tool genproxy left out: let the model choose among what is left.
    return "auto" if has_tools else None


def response_format(text: dict | None) -> dict | None:
    fmt = (text or {}).get("format")
    if fmt is None:
        return None
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    if kind == "text":
        return None
    if kind == "json_object":
        return {"type": "json_object"}
    if kind == "json_schema":
        if not isinstance(fmt.get("schema"), dict):
            raise invalid("'text.format.schema' is required (a JSON Schema object).", "text.format.schema")
        return {"type": "json_schema", "json_schema": {"name": fmt.get("name") or "response", "schema": fmt["schema"],
                                                       "strict": bool(fmt.get("strict"))}}
    raise invalid("'text.format.type' must be text, json_object or json_schema.", "text.format.type")


def to_chat(body: ResponsesRequest, messages: list[dict], model: str) -> ChatCompletionRequest:
    """The chat completions request that answers ``body`` (its history already turned into ``messages``)."""
    chat: dict[str, Any] = {"model": model, "messages": messages, "stream": body.stream}
    image = body.image_tool()
    if image is not None:
        chat["modalities"] = ["image", "text"]
        ratio = IMAGE_SIZES.get(str(image.get("size") or ""))
        if ratio:
            chat["image_config"] = {"aspect_ratio": ratio}
    else:
        tools = chat_tools(body.tools)
        if tools:
            chat["tools"] = tools
        choice = chat_tool_choice(body.tool_choice, bool(tools))
        if choice is not None:
            chat["tool_choice"] = choice
        fmt = response_format(body.text)
        if fmt is not None:
            chat["response_format"] = fmt
        effort = (body.reasoning or {}).get("effort")
        if effort is not None:
            if effort not in EFFORTS:
                raise invalid(f"'reasoning.effort' must be one of {', '.join(EFFORTS)}.", "reasoning.effort")
            chat["reasoning_effort"] = EFFORTS[effort]
    if body.max_output_tokens is not None:
        chat["max_completion_tokens"] = body.max_output_tokens
    if body.temperature is not None:
        chat["temperature"] = body.temperature
    if body.top_p is not None:
        chat["top_p"] = body.top_p
    return parse_request(ChatCompletionRequest, chat)
