"""pydantic models of what clients send."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from proxy.http.errors import ApiError


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None
    tool_calls: list[dict[str, Any]] | None = None
    tool_call_id: str | None = None

    @field_validator("content")
    @classmethod
    def _parts(cls, value):
        # Every plugin reads part["type"] and a text part's "text": check them once, here.
        for index, part in enumerate(value if isinstance(value, list) else []):
            if not isinstance(part.get("type"), str):
                raise ValueError(f"content part {index} needs a string 'type'")
            if part["type"] == "text" and not isinstance(part.get("text"), str):
                raise ValueError(f"content part {index} is a text part without a string 'text'")
        return value


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    """The OpenAI chat completions request. Modality fields (image_config, video_config, …)
    are kept as extras for the plugin that serves the route to validate."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1)
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    modalities: list[str] | None = None
    n: int | None = Field(None, ge=1)

    def extra(self, name: str, default: Any = None) -> Any:
        return (self.model_extra or {}).get(name, default)

    def prompt_text(self) -> str:
        """The text of the last user message."""
        for message in reversed(self.messages):
            if message.role != "user":
                continue
            if isinstance(message.content, str):
                return message.content
            return "\n".join(p.get("text", "") for p in message.content or [] if p.get("type") == "text")
        return ""


def validation_error(exc: ValidationError, prefix: str = "") -> ApiError:
    """The first problem of a pydantic error as a 400 that names the parameter."""
    err = exc.errors()[0]
    param = prefix + ".".join(str(p) for p in err["loc"])
    msg = err["msg"]
    if err["type"] == "missing":
        msg = "is required"
    elif err["type"] == "extra_forbidden":
        msg = "is not a known parameter"
    return ApiError(400, f"Invalid parameter '{param}': {msg}.", param=param or None,
                    code="missing_required_parameter" if err["type"] == "missing" else "invalid_value")


def parse_request(model_cls, data: Any, prefix: str = ""):
    if not isinstance(data, dict):
        raise ApiError(400, "The request body must be a JSON object.", code="invalid_json")
    try:
        return model_cls.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, prefix) from None


def whole_seconds(value: Any) -> Any:
    """A duration as clients send it ("8", "8s", 8 or 8.0) as an int; other types are left to the field's
    own validation. For pydantic ``mode="before"`` validators: raises ValueError with the reason."""
    if isinstance(value, str):
        text = value.strip().removesuffix("s")
        if not text.isdigit():
            raise ValueError("must be a whole number of seconds such as 8 or \"8\"")
        return int(text)
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("must be a whole number of seconds")
        return int(value)
    return value
