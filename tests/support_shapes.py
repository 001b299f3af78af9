"""Comparing the shape of JSON answers: the same fields, types and nesting, whatever the values.

``shape_of(values)`` merges several real answers into one shape (a field any of them has, with the types seen);
``shape_problems(shape, ours)`` lists what ``ours`` has that no real answer has: an unknown field, another type
or another nesting. A field real answers have and ours lacks is not a problem (answers leave out what is
empty); name those that must be there with ``required``.
"""
from __future__ import annotations

from typing import Any

#: fields whose content is the caller's (function arguments): only their type is compared
OPAQUE = frozenset({"args", "response", "parameters", "parametersJsonSchema"})


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    return "object" if isinstance(value, dict) else "array"


def shape_of(*values: Any) -> dict:
    """The merged shape of ``values``: {"kinds": {...}, "fields": {name: shape}, "items": shape}."""
    shape: dict = {"kinds": set(), "fields": {}, "items": None}
    for value in values:
        _add(shape, value)
    return shape


def _add(shape: dict, value: Any) -> None:
    shape["kinds"].add(_kind(value))
    if isinstance(value, dict):
        for key, item in value.items():
            _add(shape["fields"].setdefault(key, {"kinds": set(), "fields": {}, "items": None}), item)
    elif isinstance(value, list):
        for item in value:
            if shape["items"] is None:
                shape["items"] = {"kinds": set(), "fields": {}, "items": None}
            _add(shape["items"], item)


def shape_problems(shape: dict, ours: Any, path: str = "$", required: tuple[str, ...] = ()) -> list[str]:
    problems: list[str] = []
    kind = _kind(ours)
    if kind not in shape["kinds"]:
        return [f"{path}: {kind}, Google's answers have {'/'.join(sorted(shape['kinds']))}"]
    if isinstance(ours, dict):
        for key, item in ours.items():
            if key not in shape["fields"]:
                problems.append(f"{path}.{key}: no real answer has this field")
            elif key in OPAQUE and isinstance(item, dict):
                continue
            else:
                problems += shape_problems(shape["fields"][key], item, f"{path}.{key}")
    elif isinstance(ours, list) and shape["items"] is not None:
        for index, item in enumerate(ours):
            problems += shape_problems(shape["items"], item, f"{path}[{index}]")
    for name in required:
        value: Any = ours
        for part in name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            problems.append(f"{path}.{name}: missing (every real answer of this kind has it)")
    return problems
