"""Gemini 3 request rules: thinkingLevel vs thinkingBudget (thought signatures: signatures.py).

Thought signatures (ai.google.dev/gemini-api/docs/thought-signatures): in the *current turn*
(every step after the last user message that is not a function response) the first
``functionCall`` part of each model step must carry the ``thoughtSignature`` the model sent with
it, else 400 INVALID_ARGUMENT. The message is Google's, as quoted in manthanabc/paws #103,
niki914/zafiro #100 and lbjlaq/Antigravity-Manager #2157; "position" counts ``contents`` from 1.
Google documents two dummy values for histories built without signatures
("context_engineering_is_the_way_to_go", "skip_thought_signature_validator"); the emulator
cannot verify real signatures, so it accepts any non-empty string.

Thinking: Gemini 3 takes ``thinkingConfig.thinkingLevel``; the legacy ``thinkingBudget`` is still
accepted, but not both: 400 "You can only set only one of thinking budget and thinking level."
(sterlp/eclipse-peon-ai #115, seen on gemini-flash-latest).
"""

from __future__ import annotations

import re
from typing import Any

from .errors import invalid_argument

DUMMY_SIGNATURES = ("context_engineering_is_the_way_to_go", "skip_thought_signature_validator")
THINKING_LEVELS = ("THINKING_LEVEL_UNSPECIFIED", "MINIMAL", "LOW", "MEDIUM", "HIGH")


def _get(obj: Any, camel: str, snake: str) -> Any:
    if not isinstance(obj, dict):
        return None
    return obj[camel] if camel in obj else obj.get(snake)


# Which levels each model takes: Google's table (docs.cloud.google.com/gemini-enterprise-agent-platform/models/
# thinking, "Supported thinking_level values"): Gemini 3 Pro LOW/HIGH, 3.1 Pro LOW/MEDIUM/HIGH, Flash from 3.7 on
# LOW/MEDIUM/HIGH, the other Flash and Flash-Lite models all four. The refusal's wording is the emulator's own.
def model_levels(model: str) -> tuple[str, ...]:
    name = model.rsplit("/", 1)[-1]
    if name == "gemini-flash-latest":
        return ("LOW", "MEDIUM", "HIGH")
    match = re.match(r"gemini-(\d{1,3})(?:\.(\d{1,3}))?-", name)
    version = (int(match[1]), int(match[2] or 0)) if match else (3, 0)
    if "-pro" in name:
        return ("LOW", "HIGH") if version < (3, 1) else ("LOW", "MEDIUM", "HIGH")
    if "-flash" in name and "-lite" not in name and version >= (3, 7):
        return ("LOW", "MEDIUM", "HIGH")
    return ("MINIMAL", "LOW", "MEDIUM", "HIGH")


def check_thinking_config(config: Any, model: str = "") -> None:
    thinking = _get(config, "thinkingConfig", "thinking_config")
    if not isinstance(thinking, dict):
        return
    level = _get(thinking, "thinkingLevel", "thinking_level")
    budget = _get(thinking, "thinkingBudget", "thinking_budget")
    if level is not None and budget is not None:
        raise invalid_argument("You can only set only one of thinking budget and thinking level.")
    if level is not None and (not isinstance(level, str) or level.upper() not in THINKING_LEVELS):
        raise invalid_argument(
            "Invalid value at 'generation_config.thinking_config.thinking_level' "
            "(type.googleapis.com/google.ai.generativelanguage.v1beta.ThinkingConfig.ThinkingLevel), "
            f'"{level}"',
            "generation_config.thinking_config.thinking_level",
        )
    if level is not None and model and level.upper() != "THINKING_LEVEL_UNSPECIFIED" \
            and level.upper() not in model_levels(model):
        raise invalid_argument(
            f"Thinking level {level.upper()} is not supported by models/{model}; it supports "
            f"{', '.join(model_levels(model))}.",
            "generation_config.thinking_config.thinking_level",
        )
