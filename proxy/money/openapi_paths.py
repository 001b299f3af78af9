"""The OpenAPI description of /v1/usage, /v1/jobs and /metrics (merged into GET /openapi.json)."""
from __future__ import annotations

_ERRORS = {"400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}}
_ROW = {"type": "object", "properties": {
    "key": {"type": "string"}, "model": {"type": "string"}, "day": {"type": "string", "format": "date"},
    "requests": {"type": "integer"}, "cost_usd": {"type": "number"}, "video_seconds": {"type": "number"},
    "images": {"type": "integer"}, "input_tokens": {"type": "integer"}, "output_tokens": {"type": "integer"},
    "video_tokens": {"type": "integer"}}}
USAGE = {"type": "object", "required": ["object", "start", "end", "group_by", "currency", "data", "budget"],
         "properties": {
             "object": {"const": "usage"}, "start": {"type": "integer"}, "end": {"type": "integer"},
             "group_by": {"type": "string"}, "currency": {"const": "usd"}, "data": {"type": "array", "items": _ROW},
             "budget": {"type": "object", "properties": {
                 "limit_usd": {"type": ["number", "null"]}, "period": {"enum": ["day", "month", "total"]},
                 "spent_usd": {"type": "number"}, "remaining_usd": {"type": ["number", "null"]}}}}}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def money_paths() -> dict:
    bearer: list[dict[str, list[str]]] = [{"bearer": []}]
    return {
        "/v1/usage": {"get": {
            "operationId": "getUsage", "summary": "Cost and usage of the caller's key (an admin key: every key)",
            "security": bearer, "parameters": [
                _query("start", {"type": "number"}, "Unix seconds (default: the start of this UTC month)"),
                _query("end", {"type": "number"}, "Unix seconds, exclusive (default: now)"),
                _query("group_by", {"type": "string", "default": "key"}, "key, model, day, or several comma-separated"),
                _query("key", {"type": "string"}, "admin keys: only this key name")],
            "responses": {"200": {"description": "usage", "content": {"application/json": {"schema": USAGE}}},
                          **_ERRORS}}},
        "/v1/jobs": {"get": {
            "operationId": "listJobs", "summary": "Jobs' metadata of the caller's key (an admin key: every key)",
            "security": bearer, "parameters": [
                _query("limit", {"type": "integer", "minimum": 1, "maximum": 500}, "default 50"),
                _query("before", {"type": "number"}, "only jobs created before this Unix time"),
                _query("key", {"type": "string"}, "admin keys: only this key name")],
            "responses": {"200": {"description": "a list of job metadata", "content": {"application/json": {
                "schema": {"type": "object"}}}}, **_ERRORS}}},
        "/metrics": {"get": {
            "operationId": "metrics", "summary": "Prometheus metrics (Bearer metrics_token when one is set)",
            "security": [{}, {"bearer": []}],
            "responses": {"200": {"description": "Prometheus text format", "content": {
                "text/plain": {"schema": {"type": "string"}}}}, "401": {"$ref": "#/components/responses/Error"}}}},
    }
