"""Which thinking levels each Gemini 3+ model takes, and the level an OpenAI ``reasoning_effort`` becomes.

Google's table (docs.cloud.google.com/gemini-enterprise-agent-platform/models/thinking, "Supported thinking_level
values"; ai.google.dev/gemini-api/docs/thinking): Gemini 3 Pro takes LOW and HIGH; Gemini 3.1 Pro LOW, MEDIUM and
HIGH; Gemini 3 Flash, the Flash-Lite models and Flash up to 3.6 MINIMAL, LOW, MEDIUM and HIGH; Flash from 3.7 on
(and gemini-flash-latest, which points there) LOW, MEDIUM and HIGH. The names are google-genai's ThinkingLevel.
"""
from __future__ import annotations

import re

ALL_LEVELS = ("MINIMAL", "LOW", "MEDIUM", "HIGH")
_VERSION = re.compile(r"gemini-(\d{1,3})(?:\.(\d{1,3}))?-")


def thinking_levels(target: str) -> tuple[str, ...]:
    """The thinkingLevel values ``target`` (a Gemini 3+ id) accepts."""
    name = target.rsplit("/", 1)[-1]
    if name == "gemini-flash-latest":
        return ("LOW", "MEDIUM", "HIGH")
    if name in ("gemini-pro-latest",):
        name = "gemini-3.1-pro"
    match = _VERSION.match(name)
    version = (int(match[1]), int(match[2] or 0)) if match else (3, 0)
    if "-pro" in name:
        return ("LOW", "HIGH") if version < (3, 1) else ("LOW", "MEDIUM", "HIGH")
    if "-flash" in name and "-lite" not in name and version >= (3, 7):
        return ("LOW", "MEDIUM", "HIGH")
    return ALL_LEVELS


def level_for(effort: str, target: str) -> str:
    """The level for an OpenAI reasoning_effort: the same name where the model has it, else the nearest one
    (minimal and none -> the lowest, medium -> HIGH on Gemini 3 Pro, xhigh -> HIGH)."""
    levels = thinking_levels(target)
    wanted = {"none": "MINIMAL", "minimal": "MINIMAL", "low": "LOW", "medium": "MEDIUM"}.get(effort, "HIGH")
    if wanted in levels:
        return wanted
    if wanted == "MINIMAL":
        return levels[0]
    return "HIGH"
