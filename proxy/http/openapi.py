"""GET /openapi.json: genproxy's own OpenAPI 3.1 document, built from the pydantic request models.

The core describes its endpoints (chat completions, models, the Videos API, Google's native paths); each
plugin adds its own through the ``genproxy_openapi`` hook (the video plugin its ``video_config``, the image
plugin ``image_config`` and ``/v1/images/generations``). Built once per app, on first request.
"""
from __future__ import annotations

import copy
from importlib import metadata

from aiohttp import web

from proxy.handlers.speech import openapi as speech_openapi
from proxy.handlers.surfaces_openapi import openapi as surfaces_openapi
from proxy.handlers.videos import VideoCreate
from proxy.hookspecs import openapi_schema
from proxy.http.models import ChatCompletionRequest
from proxy.money.openapi_paths import money_paths
from proxy.native.veo_body import VeoRequest
from proxy.openrouter.openapi import openrouter_openapi
from proxy.routing.plugins import PLUGIN_MANAGER

ERROR_SCHEMA = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["message", "type", "param", "code"], "properties": {
        "message": {"type": "string"}, "type": {"type": "string"},
        "param": {"type": ["string", "null"]}, "code": {"type": ["string", "null"]}}}}}
GOOGLE_ERROR_SCHEMA = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message", "status"], "properties": {
        "code": {"type": "integer"}, "message": {"type": "string"}, "status": {"type": "string"},
        "details": {"type": "array", "items": {"type": "object"}}}}}}
GENERATE_CONTENT_SCHEMA = {
    "type": "object", "description": "Google's GenerateContentRequest, forwarded as it is",
    "required": ["contents"], "properties": {"contents": {"type": "array", "items": {"type": "object"}}},
    "additionalProperties": True}
FETCH_OPERATION_SCHEMA = {"type": "object", "required": ["operationName"],
                          "properties": {"operationName": {"type": "string"}}}
OBJECT = {"type": "object"}

OPENAI_ERROR = {"default": {"$ref": "#/components/responses/Error"}}
GOOGLE_ERROR = {"default": {"$ref": "#/components/responses/GoogleError"}}
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
GOOGLE_KEY: list[dict[str, list[str]]] = [{"googleApiKey": []}, {"bearer": []}]


def _json_body(ref: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def _ok(description: str, content_type: str = "application/json", schema: dict | None = None) -> dict:
    return {"200": {"description": description, "content": {content_type: {"schema": schema or OBJECT}}}}


def _path_param(name: str, description: str = "") -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}, "description": description}


def _op(operation_id: str, summary: str, responses: dict, errors: dict, security: list, **extra) -> dict:
    return {"operationId": operation_id, "summary": summary, "security": security,
            "responses": {**responses, **errors}, **extra}


def _video_reference_body(seconds: bool) -> dict:
    """The body of /v1/videos/edits and /extensions: JSON with video.id (LiteLLM), or the SDKs' form (video[id] or
    a video file part)."""
    properties: dict = {"prompt": {"type": "string", "minLength": 1}, "model": {"type": "string"},
                        "callback_url": {"type": "string"}}
    if seconds:
        properties["seconds"] = {"type": ["integer", "string"]}
    as_json = {"type": "object", "required": ["prompt", "video"], "additionalProperties": False, "properties": {
        **properties, "video": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}}}
    as_form = {"type": "object", "required": ["prompt"], "properties": {
        **properties, "video[id]": {"type": "string"}, "video": {"type": "string", "format": "binary"}}}
    return {"required": True, "content": {"application/json": {"schema": as_json},
                                          "multipart/form-data": {"schema": as_form}}}


def _core_paths() -> dict:
    video_id = [_path_param("video_id", "a genproxy job id, video_…")]
    paths = {
        "/healthz": {"get": _op("health", "Liveness", _ok("ok"), {}, [])},
        "/openapi.json": {"get": _op("openapi", "This document", _ok("OpenAPI 3.1"), {}, [])},
        "/v1/models": {"get": _op("listModels", "The routed models, OpenAI's list shape", _ok("models"),
                                  OPENAI_ERROR, BEARER)},
        "/v1/models/{model}": {"get": _op("retrieveModel", "One routed model (retired ids answer as aliases), with "
                                          "its plugin's limits (durations, resolutions, ratios, valid combinations)",
                                          _ok("model"), OPENAI_ERROR, BEARER,
                                          parameters=[_path_param("model", "a model id, may hold a slash")])},
        "/": {"get": _op("console", "The web console (HTML; its scripts and styles under /console/)",
                         _ok("the console page", "text/html", {"type": "string"}), {}, [])},
        "/console/{name}": {"get": _op("consoleFile", "A file of the web console (JS, CSS, SVG)",
                                       _ok("the file", "text/javascript", {"type": "string"}), OPENAI_ERROR, [],
                                       parameters=[_path_param("name", "a plain file name such as app.js")])},
        "/v1/admin/me": {"get": _op("adminMe", "Whether the caller's key is an admin key",
                                    _ok("{object: key, id, is_admin}"), OPENAI_ERROR, BEARER)},
        "/v1/admin/credentials": {"get": _op("adminCredentials", "Admin keys: each upstream credential's state and "
                                             "cooldowns (no secrets)", _ok("a list of credentials"), OPENAI_ERROR,
                                             BEARER)},
        "/v1/admin/routes": {"get": _op("adminRoutes", "Admin keys: the routes as loaded, where each is served, and the "
                                        "retired ids with their replacements", _ok("routes and retired ids"),
                                        OPENAI_ERROR, BEARER)},
        "/v1/doctor": {"get": _op("doctor", "What Google offers each credential, checked against every route",
                                  _ok("the doctor's report"), OPENAI_ERROR, BEARER, parameters=[
                                      {"name": "refresh", "in": "query", "required": False,
                                       "schema": {"type": "string", "enum": ["true", "1", "yes"]}}])},
        "/v1/chat/completions": {"post": _op(
            "createChatCompletion", "Chat completion: text, images (modalities) or video (a Veo model)",
            {**_ok("chat.completion"), "200": {"description": "chat.completion, or SSE chunks when stream is true",
                                               "content": {"application/json": {"schema": OBJECT},
                                                           "text/event-stream": {"schema": {"type": "string"}}}}},
            OPENAI_ERROR, BEARER, requestBody=_json_body("ChatCompletionRequest"))},
        "/v1/videos": {
            "post": _op("createVideo", "Start a video job (OpenAI's Videos API)", _ok("the video object"),
                        OPENAI_ERROR, BEARER,
                        parameters=[{"name": "Idempotency-Key", "in": "header", "required": False,
                                     "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{1,255}$"}}],
                        requestBody={"required": True, "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/VideoCreate"}},
                            "multipart/form-data": {"schema": {"$ref": "#/components/schemas/VideoCreateForm"}}}}),
            "get": _op("listVideos", "This key's video jobs, newest first", _ok("a list of video objects"),
                       OPENAI_ERROR, BEARER, parameters=[
                           {"name": "after", "in": "query", "required": False, "schema": {"type": "string"}},
                           {"name": "limit", "in": "query", "required": False,
                            "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                           {"name": "order", "in": "query", "required": False,
                            "schema": {"type": "string", "enum": ["asc", "desc"]}}])},
        "/v1/videos/{video_id}": {
            "get": _op("retrieveVideo", "A video job", _ok("the video object"), OPENAI_ERROR, BEARER,
                       parameters=video_id),
            "delete": _op("deleteVideo", "Forget a video job and its file", _ok("video.deleted"), OPENAI_ERROR,
                          BEARER, parameters=video_id)},
        "/v1/videos/{video_id}/remix": {"post": _op(
            "remixVideo", "A new video from this one and a prompt (Omni: an edit; Veo 3.1: an extension)",
            _ok("the new video object"), OPENAI_ERROR, BEARER, parameters=video_id, requestBody={
                "required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["prompt"], "additionalProperties": False,
                    "properties": {"prompt": {"type": "string", "minLength": 1}}}}}})},
        "/v1/videos/edits": {"post": _op(
            "editVideo", "openai's videos.edit: an Omni video edited in its chain, or an uploaded file edited by Omni",
            _ok("the new video object"), OPENAI_ERROR, BEARER, requestBody=_video_reference_body(seconds=False))},
        "/v1/videos/extensions": {"post": _op(
            "extendVideo", "openai's videos.extend: Omni or Veo 3.1 extends its own video; Omni an uploaded file",
            _ok("the new video object"), OPENAI_ERROR, BEARER, requestBody=_video_reference_body(seconds=True))},
        "/v1/videos/{video_id}/content": {"get": _op(
            "retrieveVideoContent", "The MP4 (Range supported), or a JPEG thumbnail or spritesheet",
            {"200": {"description": "the bytes", "content": {"video/mp4": {"schema": {"type": "string", "format": "binary"}},
                                                            "image/jpeg": {"schema": {"type": "string", "format": "binary"}}}}},
            OPENAI_ERROR, BEARER, parameters=[*video_id, {"name": "variant", "in": "query", "required": False, "schema": {
                "type": "string", "enum": ["video", "thumbnail", "spritesheet"], "default": "video"}}])},
    }
    model = [_path_param("model", "a routed model name")]
    for prefix in ("/v1beta", "/v1"):
        paths[f"{prefix}/models/{{model}}:generateContent"] = {"post": _op(
            f"generateContent{prefix[1:]}", "Gemini generateContent through genproxy's routes and credentials",
            _ok("GenerateContentResponse"), GOOGLE_ERROR, GOOGLE_KEY, parameters=model,
            requestBody=_json_body("GenerateContentRequest"))}
        paths[f"{prefix}/models/{{model}}:streamGenerateContent"] = {"post": _op(
            f"streamGenerateContent{prefix[1:]}", "Gemini streamGenerateContent (SSE)",
            _ok("SSE events", "text/event-stream", {"type": "string"}), GOOGLE_ERROR, GOOGLE_KEY, parameters=model,
            requestBody=_json_body("GenerateContentRequest"))}
        paths[f"{prefix}/models/{{model}}:predictLongRunning"] = {"post": _op(
            f"predictLongRunning{prefix[1:]}", "Start a Veo video (a genproxy job)", _ok("the operation"),
            GOOGLE_ERROR, GOOGLE_KEY, parameters=model, requestBody=_json_body("VeoRequest"))}
        paths[f"{prefix}/models/{{model}}/operations/{{operation}}"] = {"get": _op(
            f"getOperation{prefix[1:]}", "A Veo operation", _ok("the operation"), GOOGLE_ERROR, GOOGLE_KEY,
            parameters=[*model, _path_param("operation")])}
        paths[f"{prefix}/files/{{file}}:download"] = {"get": _op(
            f"downloadFile{prefix[1:]}", "A generated video", _ok("the MP4", "video/mp4", {"type": "string", "format": "binary"}),
            GOOGLE_ERROR, GOOGLE_KEY, parameters=[_path_param("file")])}
    paths["/v1beta/models"] = {"get": _op("listGeminiModels", "The routed models, Google's shape", _ok("models"),
                                          GOOGLE_ERROR, GOOGLE_KEY)}
    paths["/v1beta/models/{model}"] = {"get": _op("getGeminiModel", "One routed model", _ok("model"), GOOGLE_ERROR,
                                                  GOOGLE_KEY, parameters=model)}
    vertex = [_path_param("publisher", "google, or a genproxy route prefix such as vertex"), *model]
    for version in ("/v1beta1", "/v1"):
        for scope, extra in (("", []), ("/projects/{project}/locations/{location}",
                                         [_path_param("project"), _path_param("location")])):
            base = f"{version}{scope}/publishers/{{publisher}}/models/{{model}}"
            tag = f"{version[1:]}{'Scoped' if scope else ''}"
            paths[f"{base}:predictLongRunning"] = {"post": _op(
                f"vertexPredictLongRunning{tag}", "Start a Veo video, Vertex AI's shape", _ok("the operation"),
                GOOGLE_ERROR, GOOGLE_KEY, parameters=[*extra, *vertex], requestBody=_json_body("VeoRequest"))}
            paths[f"{base}:fetchPredictOperation"] = {"post": _op(
                f"vertexFetchPredictOperation{tag}", "A Veo operation, Vertex AI's shape", _ok("the operation"),
                GOOGLE_ERROR, GOOGLE_KEY, parameters=[*extra, *vertex], requestBody=_json_body("FetchPredictOperation"))}
    return paths


def build_document(app: web.Application) -> dict:
    schemas: dict = {}
    for name, model in (("ChatCompletionRequest", ChatCompletionRequest), ("VideoCreate", VideoCreate),
                        ("VeoRequest", VeoRequest)):
        schema, defs = openapi_schema(model)
        schemas[name] = schema
        schemas.update(defs)
    form = copy.deepcopy(schemas["VideoCreate"])
    form["properties"]["input_reference"] = {"type": "string", "format": "binary",
                                             "description": "the first frame, a file part (PNG, JPEG or WebP)"}
    schemas["VideoCreateForm"] = form
    schemas.update(Error=ERROR_SCHEMA, GoogleError=GOOGLE_ERROR_SCHEMA, GenerateContentRequest=GENERATE_CONTENT_SCHEMA,
                   FetchPredictOperation=FETCH_OPERATION_SCHEMA)
    paths = {**_core_paths(), **money_paths()}
    speech_paths, speech_schemas = speech_openapi()
    paths.update(speech_paths)
    schemas.update(speech_schemas)
    surface_paths, surface_schemas, surface_security = surfaces_openapi()  # Responses, Anthropic, CCS paths
    paths.update(surface_paths)
    schemas.update(surface_schemas)
    openrouter = openrouter_openapi(openapi_schema)  # the /api/v1 mirror and OpenRouter's video API
    paths.update(openrouter.get("paths") or {})
    schemas.update(openrouter.get("schemas") or {})
    chat = schemas["ChatCompletionRequest"]
    for contribution in app[PLUGIN_MANAGER].hook.genproxy_openapi():
        if not contribution:
            continue
        schemas.update(contribution.get("schemas") or {})
        paths.update(contribution.get("paths") or {})
        chat["properties"].update(contribution.get("chat_fields") or {})
    try:
        version = metadata.version("genproxy")
    except metadata.PackageNotFoundError:
        version = "0"
    return {
        "openapi": "3.1.0",
        "info": {"title": "genproxy", "version": version,
                 "description": "An OpenAI-compatible proxy for Google's Gemini text and images and Veo video, "
                                "with Google's own paths for the google-genai SDK. Errors under /v1/ are OpenAI's "
                                "{error: {message, type, param, code}}; on Google's paths Google's google.rpc.Status."},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "responses": {
                **(openrouter.get("responses") or {}),
                "Error": {"description": "OpenAI-shaped error", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Error"}}}},
                "GoogleError": {"description": "Google-shaped error (google.rpc.Status)", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/GoogleError"}}}}},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                "googleApiKey": {"type": "apiKey", "in": "header", "name": "x-goog-api-key"},
                                **surface_security}},
    }


DOCUMENT: web.AppKey[dict] = web.AppKey("openapi_document", dict)


def add_openapi_route(app: web.Application) -> None:
    app[DOCUMENT] = {}  # filled on first request, once every plugin is registered
    app.router.add_get("/openapi.json", openapi_document)


async def openapi_document(request: web.Request) -> web.Response:
    document = request.app[DOCUMENT]
    if not document:
        document.update(build_document(request.app))
    return web.json_response(document)
