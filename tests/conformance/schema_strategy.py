"""hypothesis strategies for the JSON Schema subset genproxy's /openapi.json uses (what pydantic emits:
type, properties, required, additionalProperties, anyOf/oneOf, enum, const, items, $ref, string and number
bounds). hypothesis-jsonschema would do this, but reaches into hypothesis internals that current hypothesis
releases no longer have."""
from __future__ import annotations

from hypothesis import strategies as st

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12)
ANY = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                                          max_size=3), max_leaves=6)


def from_schema(schema: dict, document: dict, depth: int = 0) -> st.SearchStrategy:
    if depth > 8:
        return st.none()
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return st.deferred(lambda: from_schema(document["components"]["schemas"][name], document, depth + 1))
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([from_schema(s, document, depth + 1) for s in schema[key]])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([from_schema({**schema, "type": k}, document, depth) for k in kind])
    if kind == "string":
        if schema.get("format") == "binary":
            return st.binary(max_size=64)
        return st.text(min_size=schema.get("minLength", 0), max_size=max(schema.get("minLength", 0), 24))
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "number":
        return st.floats(schema.get("minimum"), schema.get("maximum"), allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "array":
        items = from_schema(schema.get("items", {}), document, depth + 1) if schema.get("items") else ANY
        return st.lists(items, min_size=schema.get("minItems", 0), max_size=max(schema.get("minItems", 0), 3))
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        required = [k for k in schema.get("required", []) if k in properties]
        optional = {k: v for k, v in properties.items() if k not in required}
        fixed = st.fixed_dictionaries({k: from_schema(properties[k], document, depth + 1) for k in required},
                                      optional={k: from_schema(v, document, depth + 1) for k, v in optional.items()})
        if schema.get("additionalProperties") is True:
            extra = st.dictionaries(st.text(min_size=1, max_size=8).filter(lambda k: k not in properties), ANY, max_size=2)
            return st.tuples(fixed, extra).map(lambda pair: {**pair[1], **pair[0]})
        return fixed
    return ANY
