"""Vertex AI's Veo paths, so google-genai in Vertex mode (the only mode where 3.x has models.generate_videos)
can use genproxy as its base URL.

The SDK with ``genai.Client(vertexai=True, api_key=KEY, http_options={"base_url": genproxy})`` ("express
mode") sends, under its api_version ``v1beta1``:

- ``POST /v1beta1/publishers/{publisher}/models/{model}:predictLongRunning`` with the Veo body
  (``instances[0]`` prompt/image/lastFrame/referenceImages, ``parameters``), key in ``x-goog-api-key``;
- ``POST /v1beta1/publishers/{publisher}/models/{model}:fetchPredictOperation`` with
  ``{"operationName": ...}`` for ``operations.get`` (the path is the operation name up to ``/operations/``).

With ``project=``/``location=`` and a credentials object instead of an API key, the same paths come under
``/v1beta1/projects/{p}/locations/{l}/`` with the key as ``Authorization: Bearer``. Both forms are served,
also under ``/v1`` (``GOOGLE_GENAI_API_VERSION=v1``).

``model="veo-3.1-generate-preview"`` arrives as ``publishers/google/models/veo-3.1-generate-preview``;
``model="vertex/veo-3.1-generate-001"`` as ``publishers/vertex/models/veo-3.1-generate-001``: the
publisher ``google`` is dropped, any other one is the prefix of a genproxy route name.

Starting a video is exactly what ``:predictLongRunning`` on /v1beta does (``start_video_job``: the video
plugin's limits, the route's upstream and credentials, a job in the store, visible in ``GET /v1/videos``).
A finished operation answers as Vertex does, ``response.videos[] = {"bytesBase64Encoded", "mimeType"}``,
the base64 written piece by piece from the media store; a failed one has ``error``.
"""
from __future__ import annotations

from aiohttp import web

from proxy import keys
from proxy.handlers.common import read_json, write_json
from proxy.http.errors import ApiError, invalid
from proxy.jobs.store import Job
from proxy.media.stream import MediaStream
from proxy.native.gemini import google_errors, operation_error, own_job, start_video_job

RESPONSE_TYPE = "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse"
OPERATIONS = "/operations/"


class Base64Stream(MediaStream):
    """A MediaStream written as bare base64 (Vertex's bytesBase64Encoded), not as a data URI."""

    def data_uri_prefix(self) -> str:
        return ""


def _model(publisher: str, model: str) -> str:
    return model if publisher == "google" else f"{publisher}/{model}"


def _resource(request: web.Request) -> str:
    """The path's resource name without the version: [projects/p/locations/l/]publishers/x/models/m."""
    info = request.match_info
    model = info["model_action"].rpartition(":")[0]
    scope = f"projects/{info['project']}/locations/{info['location']}/" if "project" in info else ""
    return f"{scope}publishers/{info['publisher']}/models/{model}"


@google_errors
async def model_action(request: web.Request) -> web.StreamResponse:
    model, _, action = request.match_info["model_action"].rpartition(":")
    model = _model(request.match_info["publisher"], model)
    if action == "predictLongRunning":
        job = await start_video_job(request, model, await read_json(request), source="vertex-native")
        return web.json_response({"name": f"{_resource(request)}{OPERATIONS}{job.id}"})
    if action == "fetchPredictOperation":
        return await _fetch_operation(request)
    raise ApiError(404, f"genproxy does not serve {_resource(request)}:{action} in Vertex AI's shape; it serves "
                        "predictLongRunning and fetchPredictOperation (Veo). For text, use the Gemini API "
                        "paths (a client without vertexai=True).", code="not_found")


async def _fetch_operation(request: web.Request) -> web.StreamResponse:
    body = await read_json(request)
    name = body.get("operationName") if isinstance(body, dict) else None
    if not isinstance(name, str) or OPERATIONS not in name:
        raise invalid("Send the operation's full name as operationName.", "operationName")
    resource, _, job_id = name.rpartition(OPERATIONS)
    job = await own_job(request, job_id)
    request["model"] = job.model
    return await write_json(request, await _operation(request, job, name))


async def _operation(request: web.Request, job: Job, name: str) -> dict:
    if not job.finished:
        # metadata would be an Any (aiplatform.v1 GoogleLongrunningOperation: "Contains field @type"), and no
        # Veo metadata type carries progress: none, as Vertex answers; GET /v1/videos/{id} has the progress.
        return {"name": name, "done": False}
    if job.status == "failed":
        return {"name": name, "done": True, "error": operation_error(job)}
    videos = []
    for stored in await request.app[keys.JOB_RUNNER].stored_media(job):
        stream = stored.stream()
        videos.append({"bytesBase64Encoded": Base64Stream(stream.mime_type, stream.open_chunks, stream.size,
                                                          stream.sha256),
                       "mimeType": stored.mime_type})
    return {"name": name, "done": True,
            "response": {"@type": RESPONSE_TYPE, "videos": videos, "raiMediaFilteredCount": 0}}


def add_vertex_routes(app: web.Application) -> None:
    # google-genai in Vertex mode calls /v1beta1/ (GOOGLE_GENAI_API_VERSION may make it /v1/); nothing of
    # OpenAI's lives under /v1/publishers or /v1/projects.
    action = "/publishers/{publisher}/models/{model_action:[^{}/]+:[A-Za-z]+}"
    for version in ("/v1beta1", "/v1"):
        app.router.add_post(version + action, model_action)
        app.router.add_post(version + "/projects/{project}/locations/{location}" + action, model_action)
