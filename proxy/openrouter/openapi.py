"""The /api/v1 paths (OpenRouter's API) for genproxy's /openapi.json."""
from __future__ import annotations

from proxy.openrouter.videos import OpenRouterVideoCreate

OBJECT = {"type": "object"}
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
ERROR = {"default": {"$ref": "#/components/responses/OpenRouterError"}}
ERROR_SCHEMA = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "integer", "description": "the HTTP status"}, "message": {"type": "string"},
        "metadata": {"type": ["object", "null"], "description": "genproxy's type, param and code"}}}}}
ERROR_RESPONSE = {"description": "OpenRouter-shaped error", "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/OpenRouterError"}}}}
JOB_ID = {"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"},
          "description": "a genproxy job id, video_…"}


def _op(operation_id: str, summary: str, responses: dict, **extra) -> dict:
    return {"operationId": operation_id, "summary": summary, "security": BEARER, "responses": {**responses, **ERROR},
            **extra}


def _ok(description: str, status: str = "200", content_type: str = "application/json", schema: dict | None = None):
    return {status: {"description": description, "content": {content_type: {"schema": schema or OBJECT}}}}


def openrouter_openapi(openapi_schema) -> dict:
    """``{"paths", "schemas", "responses"}`` for /api/v1; ``openapi_schema`` is hookspecs.openapi_schema."""
    schema, defs = openapi_schema(OpenRouterVideoCreate)
    paths = {
        "/api/v1/chat/completions": {"post": _op(
            "openrouterChatCompletion", "Chat completions with OpenRouter's fields (reasoning, usage, provider…)",
            {"200": {"description": "chat.completion, or SSE chunks when stream is true",
                     "content": {"application/json": {"schema": OBJECT},
                                 "text/event-stream": {"schema": {"type": "string"}}}}},
            requestBody={"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/ChatCompletionRequest"}}}})},
        "/api/v1/models": {"get": _op("openrouterListModels", "The routed models with OpenRouter's slugs",
                                      _ok("models"))},
        "/api/v1/models/{model}": {"get": _op(
            "openrouterGetModel", "One model, a retired id or an OpenRouter slug", _ok("model"),
            parameters=[{"name": "model", "in": "path", "required": True, "schema": {"type": "string"}}])},
        "/api/v1/videos": {"post": _op(
            "openrouterCreateVideo", "Start a video job (OpenRouter's video API)",
            _ok("id, polling_url and status", "202"),
            parameters=[{"name": "Idempotency-Key", "in": "header", "required": False,
                         "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{1,255}$"}}],
            requestBody={"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/OpenRouterVideoCreate"}}}})},
        "/api/v1/videos/models": {"get": _op("openrouterListVideoModels",
                                             "Video models and what each accepts", _ok("data: video models"))},
        "/api/v1/videos/{job_id}": {"get": _op("openrouterGetVideo", "A video job, OpenRouter's statuses",
                                               _ok("the job"), parameters=[JOB_ID])},
        "/api/v1/videos/{job_id}/content": {"get": _op(
            "openrouterVideoContent", "One output of a completed job",
            _ok("the MP4", content_type="video/mp4", schema={"type": "string", "format": "binary"}),
            parameters=[JOB_ID, {"name": "index", "in": "query", "required": False,
                                 "schema": {"type": "integer", "minimum": 0, "default": 0}}])},
    }
    return {"paths": paths, "schemas": {"OpenRouterVideoCreate": schema, **defs, "OpenRouterError": ERROR_SCHEMA},
            "responses": {"OpenRouterError": ERROR_RESPONSE}}
