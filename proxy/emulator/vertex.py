"""Vertex AI (OAuth bearer only): Veo predictLongRunning / fetchPredictOperation, and Gemini
generateContent / streamGenerateContent / countTokens for the text and image models.

Every path names its project: a project with the Vertex AI API disabled (emulator convention,
see :mod:`proxy.emulator.discovery`) is 403 SERVICE_DISABLED. An id Vertex does not serve
(retired, unknown, Gemini Omni, or a model without the method) is Vertex's 404 "Publisher Model
`...` was not found or your project does not have access to it." (the wording of Vertex's
answer as quoted in truefoundry/models #946 and genkit-ai/genkit #4688).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .auth import require_vertex
from .errors import GoogleError, invalid_argument, not_found
from .faults import MALFORMED_BODY, submit_error
from .gemini import answer_content, count_tokens
from .media import video_base64
from .operations import FILTERED_REASON, OPERATION_ERROR, apply_poll_faults, create_operation, filtered
from .state import EMULATOR_STATE, EmulatorState, Operation
from .veo import prompt_of, veo_faults
from .veo_models import validate, veo_spec

CONTENT_ACTIONS = ("generateContent", "streamGenerateContent", "countTokens")
VEO_ACTIONS = ("predictLongRunning", "fetchPredictOperation")


def publisher_not_found(prefix: str) -> GoogleError:
    return not_found(
        f"Publisher Model `{prefix}` was not found or your project does not have access to it. "
        "Please ensure you are using a valid model version. For more information, see: "
        "https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions"
    )

RESPONSE_TYPE = "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse"


def _b64(state: EmulatorState, op: Operation, index: int) -> str:
    key = (op.files[index].sample, state.settings.video_padding_bytes)
    if key not in state.b64_cache:
        state.b64_cache[key] = video_base64(*key)
    return state.b64_cache[key]


def operation_body(state: EmulatorState, op: Operation) -> dict[str, Any]:
    if not op.is_done():
        return {"name": op.name, "done": False}
    if "operation-error" in op.faults:
        return {"name": op.name, "done": True, "error": OPERATION_ERROR}
    result: dict[str, Any] = {"@type": RESPONSE_TYPE}
    if filtered(op):
        result.update(raiMediaFilteredCount=1, raiMediaFilteredReasons=[FILTERED_REASON])
    else:
        op_id = op.name.rsplit("/", 1)[1]
        if op.storage_uri:
            videos = [{"gcsUri": f"{op.storage_uri.rstrip('/')}/{op_id}/sample_{i}.mp4", "mimeType": "video/mp4"}
                      for i in range(len(op.files))]
        else:
            videos = [{"bytesBase64Encoded": _b64(state, op, i), "mimeType": "video/mp4"}
                      for i in range(len(op.files))]
        result.update(videos=videos, raiMediaFilteredCount=0)
    return {"name": op.name, "done": True, "response": result}


async def model_action(request: web.Request) -> web.StreamResponse:
    """POST /v1/projects/{p}/locations/{l}/publishers/google/models/{model}:{action}"""
    state = request.app[EMULATOR_STATE]
    project, location = request.match_info["project"], request.match_info["location"]
    require_vertex(request, state, project)
    model, sep, action = request.match_info["model_action"].rpartition(":")
    prefix = f"projects/{project}/locations/{location}/publishers/google/models/{model}"
    if not sep or action not in CONTENT_ACTIONS + VEO_ACTIONS:
        raise GoogleError(404, f"Method not found: {action or model}.", "NOT_FOUND")
    # Gemini models only at `global`, Veo in the regions (proxy/emulator/models.py GEMINI_VERTEX_LOCATIONS);
    # a shut-down id or one outside its locations is the same 404 as an unknown one.
    info = state.catalog.vertex_model(model, location)
    if action in CONTENT_ACTIONS:
        if info is None or action not in info.methods:
            raise publisher_not_found(prefix)
        if action == "countTokens":
            return await count_tokens(request)
        return await answer_content(request, model, stream=action == "streamGenerateContent", vertex=True)
    spec = veo_spec(info)
    if spec is None:
        raise publisher_not_found(prefix)
    body = request.get("json")
    if action == "fetchPredictOperation":
        name = body.get("operationName") if isinstance(body, dict) else None
        if not isinstance(name, str) or not name:
            raise invalid_argument("operationName is required.", "operationName")
        op = state.operations.get(name)
        if op is None or op.api != "vertex" or not name.startswith(prefix + "/"):
            raise not_found(f"Operation {name} not found.")
        await apply_poll_faults(op, state)
        return web.json_response(operation_body(state, op))
    req = validate(body, model, spec, vertex=True, files=state.files)
    faults = veo_faults(request, prompt_of(body))
    error = submit_error(faults, state.quota_once_seen, req.prompt)
    if error:
        raise error
    if "malformed" in faults:
        return web.Response(text=MALFORMED_BODY, content_type="application/json")
    op = create_operation(state, prefix, model, "vertex", req, faults)
    return web.json_response({"name": op.name})


def add_routes(app: web.Application) -> None:
    app.router.add_post(
        "/v1/projects/{project}/locations/{location}/publishers/google/models/{model_action}", model_action
    )
