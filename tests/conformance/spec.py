"""Validate genproxy's answers against the schemas of OpenAI's OpenAPI document (openai_schemas.json, cut
from github.com/openai/openai-openapi by extract_openai_schemas.py)."""
from __future__ import annotations

import copy
import functools
import json
from pathlib import Path

import jsonschema

SCHEMAS = Path(__file__).with_name("openai_schemas.json")


def _nullable(value):
    """OpenAPI 3.0's ``nullable: true`` (left in a few schemas of the 3.1 document) as JSON Schema's null type."""
    if isinstance(value, dict):
        value = {k: _nullable(v) for k, v in value.items()}
        if value.pop("nullable", False):
            if isinstance(value.get("type"), str):
                value["type"] = [value["type"], "null"]
                if "enum" in value:
                    value["enum"] = [*value["enum"], None]
            else:
                value = {"anyOf": [value, {"type": "null"}]}
        return value
    if isinstance(value, list):
        return [_nullable(v) for v in value]
    return value


@functools.cache
def _document() -> dict:
    return _nullable(json.loads(SCHEMAS.read_text()))


def schema(name: str) -> dict:
    return copy.deepcopy(_document()["components"]["schemas"][name])


def validate(instance, name: str) -> None:
    """Raise jsonschema.ValidationError naming the path when ``instance`` breaks OpenAI's schema ``name``."""
    root = {"$ref": f"#/components/schemas/{name}", "components": _document()["components"]}
    jsonschema.Draft202012Validator(root).validate(instance)
