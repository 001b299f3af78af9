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

from typing import Any

from .errors import invalid_argument

DUMMY_SIGNATURES = ("context_engineering_is_the_way_to_go", "skip_thought_signature_validator")
THINKING_LEVELS = ("THINKING_LEVEL_UNSPECIFIED", "MINIMAL", "LOW", "MEDIUM", "HIGH")


def _get(obj: Any, camel: str, snake: str) -> Any:
    if not isinstance(obj, dict):
        return None
    return obj[camel] if camel in obj else obj.get(snake)


def check_thinking_config(config: Any) -> None:
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
