"""Gemini 3 thought signatures: function call answers carry one; a history missing one is refused.

Google's rule (https://ai.google.dev/gemini-api/docs/thought-signatures, "Signatures in function
calling parts"): only the current turn is checked -- the model turns after the last user turn that
holds ordinary content (not only functionResponse parts) -- and in each of those model turns (steps)
the first functionCall part must carry its ``thoughtSignature``. Google's documented dummy values
pass the check, as any non-empty value does here (the emulator cannot tell real ones).
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

from .content import get
from .errors import GoogleError


def signs_function_calls(model: str) -> bool:
    """Gemini 3 models (image ones too) sign their function calls."""
    return model.startswith("gemini-3")


def checks_signatures(model: str) -> bool:
    """Gemini 3.x text models check signatures; 2.5 and earlier do not, nor does Gemini 3 Pro Image
    ("Gemini 3 Pro Image doesn't return a 400 error if a thought signature isn't returned",
    https://docs.cloud.google.com/vertex-ai/generative-ai/docs/thought-signatures)."""
    return model.startswith("gemini-3") and "-image" not in model


def new_signature() -> str:
    return base64.b64encode(b"emulator-thought:" + secrets.token_bytes(24)).decode("ascii")


def _is_user_input(content: dict[str, Any]) -> bool:
    parts = get(content, "parts") or []
    return get(content, "role", "user") == "user" and any(
        isinstance(p, dict) and get(p, "functionResponse") is None for p in parts)


def check_history(body: Any, model: str) -> None:
    """400 as Google answers when a function call of the current turn lacks its signature."""
    if not checks_signatures(model) or not isinstance(body, dict):
        return
    contents = [c for c in get(body, "contents") or [] if isinstance(c, dict)]
    start = max((i for i, c in enumerate(contents) if _is_user_input(c)), default=-1)
    for i in range(start + 1, len(contents)):
        if get(contents[i], "role") != "model":
            continue
        calls = [p for p in get(contents[i], "parts") or [] if isinstance(p, dict) and get(p, "functionCall")]
        if calls and not get(calls[0], "thoughtSignature"):
            name = get(get(calls[0], "functionCall"), "name", "")
            # Google's message as users report it (e.g. chatboxai/chatbox #3308, manthanabc/paws #103);
            # "position" counts the contents from 1.
            raise GoogleError(
                400,
                "Function call is missing a thought_signature in functionCall parts. This is required for "
                "tools to work correctly, and missing thought_signature may lead to degraded model "
                f"performance. Additional data, function call `default_api:{name}` , position {i + 1}. "
                "Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.",
                "INVALID_ARGUMENT",
            )
