"""The OpenAPI description of the Responses API, the Anthropic Messages API and CCS's /api/provider/ paths."""
from __future__ import annotations

from proxy.handlers.anthropic.request import MessagesRequest
from proxy.handlers.responses.request import ResponsesRequest
from proxy.hookspecs import openapi_schema

CCS = "/api/provider/{provider}/v1"
BEARER: list[dict[str, list[str]]] = [{"bearer": []}, {"anthropicKey": []}]
ANTHROPIC_ERROR = {"type": "object", "required": ["type", "error"], "properties": {
    "type": {"const": "error"}, "error": {"type": "object", "required": ["type", "message"], "properties": {
        "type": {"type": "string"}, "message": {"type": "string"}}}}}
OPENAI_ERROR = {"default": {"$ref": "#/components/responses/Error"}}
ANTHROPIC_ERRORS = {"default": {"description": "Anthropic-shaped error", "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/AnthropicError"}}}}}
OBJECT = {"type": "object"}
STREAMED = {"application/json": {"schema": OBJECT}, "text/event-stream": {"schema": {"type": "string"}}}


def _op(operation_id: str, summary: str, errors: dict, body: str | None = None, params: tuple = (),
        streamed: bool = False) -> dict:
    op: dict = {"operationId": operation_id, "summary": summary, "security": BEARER,
                "responses": {"200": {"description": summary, "content": STREAMED if streamed else
                                      {"application/json": {"schema": OBJECT}}}, **errors}}
    parameters = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}} for name in params]
    if parameters:
        op["parameters"] = parameters
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{body}"}}}}
    return op


def _paths(prefix: str, suffix: str, params: tuple) -> dict:
    rid = (*params, "response_id")
    return {
        f"{prefix}/responses": {"post": _op(f"createResponse{suffix}", "The OpenAI Responses API on a routed model",
                                            OPENAI_ERROR, "ResponsesRequest", params, streamed=True)},
        f"{prefix}/responses/{{response_id}}": {
            "get": _op(f"retrieveResponse{suffix}", "A stored response", OPENAI_ERROR, params=rid),
            "delete": _op(f"deleteResponse{suffix}", "Forget a stored response", OPENAI_ERROR, params=rid)},
        f"{prefix}/responses/{{response_id}}/input_items": {"get": _op(
            f"listResponseInputItems{suffix}", "The input items of a stored response", OPENAI_ERROR, params=rid)},
        f"{prefix}/messages": {"post": _op(f"createMessage{suffix}", "The Anthropic Messages API on a routed model",
                                           ANTHROPIC_ERRORS, "MessagesRequest", params, streamed=True)},
        f"{prefix}/messages/count_tokens": {"post": _op(f"countMessageTokens{suffix}", "Input tokens of a messages "
                                                        "request (Gemini countTokens)", ANTHROPIC_ERRORS,
                                                        "MessagesRequest", params)},
    }


def openapi() -> tuple[dict, dict, dict]:
    """(paths, schemas, security schemes)."""
    paths = {**_paths("/v1", "", ()), **_paths(CCS, "Ccs", ("provider",))}
    paths[f"{CCS}/chat/completions"] = {"post": _op("createChatCompletionCcs", "Chat completions under CCS's path",
                                                    OPENAI_ERROR, "ChatCompletionRequest", ("provider",), streamed=True)}
    paths[f"{CCS}/models"] = {"get": _op("listModelsCcs", "The routed models under CCS's path", OPENAI_ERROR,
                                         params=("provider",))}
    schemas: dict = {"AnthropicError": ANTHROPIC_ERROR}
    for name, model in (("ResponsesRequest", ResponsesRequest), ("MessagesRequest", MessagesRequest)):
        schema, defs = openapi_schema(model)
        schemas[name] = schema
        schemas.update(defs)
    return paths, schemas, {"anthropicKey": {"type": "apiKey", "in": "header", "name": "x-api-key"}}
