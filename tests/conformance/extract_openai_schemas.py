"""Cut the schemas genproxy answers with out of OpenAI's OpenAPI document (github.com/openai/openai-openapi,
openapi.json), with every schema they reference, into openai_schemas.json beside this file.

    python tests/conformance/extract_openai_schemas.py path/to/openapi.json COMMIT
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOTS = ["CreateChatCompletionResponse", "CreateChatCompletionStreamResponse", "ImagesResponse", "VideoResource",
         "VideoListResource", "DeletedVideoResource", "ListModelsResponse", "ErrorResponse", "VideoSize",
         "VideoSeconds", "VideoContentVariant", "CreateVideoJsonBody"]


def refs(value, found: set[str]) -> None:
    if isinstance(value, dict):
        ref = value.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[1])
        for child in value.values():
            refs(child, found)
    elif isinstance(value, list):
        for child in value:
            refs(child, found)


def main(source: str, commit: str) -> None:
    schemas = json.loads(Path(source).read_text())["components"]["schemas"]
    wanted, todo = set(), list(ROOTS)
    while todo:
        name = todo.pop()
        if name in wanted:
            continue
        wanted.add(name)
        found: set[str] = set()
        refs(schemas[name], found)
        todo.extend(found - wanted)
    out = {"source": f"https://github.com/openai/openai-openapi/blob/{commit}/openapi.json",
           "components": {"schemas": {name: schemas[name] for name in sorted(wanted)}}}
    target = Path(__file__).with_name("openai_schemas.json")
    target.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"{len(wanted)} schemas -> {target}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
