"""Google's published definitions as checks (used by test_google_schemas.py).

- ``proto_problems``: a body against a message of the v1beta protos (``google-ai-generativelanguage``),
  parsed by protobuf's own JSON parser: unknown fields, wrong types and a missing or unknown ``@type`` in an
  ``Any`` are refused.
- ``discovery_problems``: a value against a schema of the Vertex AI discovery document that
  google-api-python-client ships (``aiplatform.v1``): known fields only, the declared types and enums, and
  an object the document types as ``Any`` ("Contains field @type with type URL") needs its ``@type``,
  resolved through ``ANY_SCHEMAS``.
- ``veo_request_problems``: a predictLongRunning body. The protos and the discovery document type
  ``instances``/``parameters`` as ``google.protobuf.Value``/``any``; what is inside is checked against
  Google's Veo API reference (``VEO_SCHEMAS``), with the discovery document's own image and video types.
- ``unknown_fields``: what google-genai's (extra="allow") Interactions types took without defining it.
"""
from __future__ import annotations

import json
import os
from typing import Any

import googleapiclient
from google.ai import generativelanguage_v1beta as generativelanguage
from google.longrunning import operations_pb2
from google.protobuf import descriptor_pool, json_format
from pydantic import BaseModel

DISCOVERY = os.path.join(os.path.dirname(googleapiclient.__file__), "discovery_cache", "documents",
                         "aiplatform.v1.json")
VERTEX_SCHEMAS: dict[str, Any] = json.load(open(DISCOVERY))["schemas"]

# Fields Google's API takes (google-genai 3.6.1 sends them: types.ThinkingConfig.thinking_level,
# types.ImageConfig.image_size; the aiplatform.v1 discovery document has them) that the newest published
# v1beta protos (google-ai-generativelanguage 0.12.1) do not define yet: left out before parsing, and only these.
AHEAD_OF_PROTOS = (("generationConfig", "thinkingConfig", "thinkingLevel"),
                   ("generationConfig", "imageConfig", "imageSize"))


def _without_newer_fields(body: dict) -> dict:
    body = json.loads(json.dumps(body))
    for *parents, name in AHEAD_OF_PROTOS:
        node = body
        for parent in parents:
            node = node.get(parent) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(name, None)
    return body


def proto_problems(message_class, body: dict) -> str | None:
    """``message_class``: a proto-plus class of the v1beta package, or a plain protobuf message class."""
    message = message_class.pb()() if hasattr(message_class, "pb") else message_class()
    try:
        json_format.ParseDict(_without_newer_fields(body), message, ignore_unknown_fields=False)
    except json_format.ParseError as exc:
        return str(exc)
    snake = _proto_names(message.DESCRIPTOR, body, "$")
    return "; ".join(snake) or None


def _proto_names(descriptor, value: Any, path: str) -> list[str]:
    """Keys written with the proto's field name where its JSON name differs (``generate_video_response`` for
    ``generateVideoResponse``). protobuf's parser takes both, as Google's servers do; Google writes, and
    google-genai reads, only the JSON name."""
    if not isinstance(value, dict) or descriptor.full_name in _FREE_FORM:
        return []
    if descriptor.full_name == "google.protobuf.Any":
        type_url = value.get("@type", "")
        try:
            descriptor = descriptor_pool.Default().FindMessageTypeByName(type_url.rpartition("/")[2])
        except KeyError:
            return []  # ParseDict has refused it already
    problems = []
    for key, item in value.items():
        field = descriptor.fields_by_name.get(key) or descriptor.fields_by_camelcase_name.get(key)
        if field is None:
            continue  # "@type", or a field ParseDict refused already
        if key != field.json_name:
            problems.append(f"{path}.{key}: Google writes {field.json_name}")
        if field.message_type is None:
            continue
        for i, element in enumerate(item if isinstance(item, list) else [item]):
            problems += _proto_names(field.message_type, element, f"{path}.{key}" + (f"[{i}]" if isinstance(
                item, list) else ""))
    return problems


_FREE_FORM = {"google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue"}


def gemini_operation_problems(answer: dict) -> str | None:
    """A Gemini API Veo operation: ``google.longrunning.Operation`` whose ``response`` Any is a v1beta
    ``PredictLongRunningResponse`` (generateVideoResponse.generatedSamples[].video = v1beta ``Video``)."""
    generativelanguage.PredictLongRunningResponse.pb()  # its descriptor resolves the response's @type
    return proto_problems(operations_pb2.Operation, answer)


# ------------------------------------------------------------------ Veo: Google's API reference

# Enum values written two ways by Google itself: the Vertex Veo API reference
# (docs.cloud.google.com/vertex-ai/generative-ai/docs/model-reference/veo-video-generation) and the REST
# samples write them in lower case ("asset", "optimized", "pad"); google-genai sends its enums' values, upper
# case (types.VideoGenerationReferenceType ASSET/STYLE, VideoCompressionQuality OPTIMIZED/LOSSLESS,
# ImageResizeMode PAD/CROP; _GenerateVideosConfig_to_vertex copies them unchanged). Both spellings, and only
# them, pass. personGeneration is a plain string in google-genai (GenerateVideosConfig.person_generation:
# str), lower case as in the reference.
def _both_cases(*values: str) -> list[str]:
    return [*values, *(v.upper() for v in values)]


def _enum(values: list[str]) -> dict:
    return {"type": "string", "enum": values}


_IMAGE = "CloudAiLargeModelsVisionGenerateVideoRequestImage"  # bytesBase64Encoded | gcsUri, mimeType
_VIDEO = "CloudAiLargeModelsVisionGenerateVideoRequestVideo"
VEO_SCHEMAS: dict[str, Any] = {
    "VeoVertexInstance": {"id": "VeoVertexInstance", "type": "object", "properties": {
        "prompt": {"type": "string"},
        "image": {"$ref": _IMAGE},
        "lastFrame": {"$ref": _IMAGE},
        "video": {"$ref": _VIDEO},
        "mask": {"$ref": "VeoMask"},
        "referenceImages": {"type": "array", "items": {"$ref": "VeoVertexReferenceImage"}},
    }},
    "VeoVertexReferenceImage": {"id": "VeoVertexReferenceImage", "type": "object", "properties": {
        "image": {"$ref": _IMAGE}, "referenceType": _enum(_both_cases("asset", "style"))}},
    "VeoMask": {"id": "VeoMask", "type": "object", "properties": {
        "bytesBase64Encoded": {"type": "string"}, "gcsUri": {"type": "string"}, "mimeType": {"type": "string"},
        "maskMode": _enum(["insert", "remove", "remove_static", "outpaint"])}},
    "VeoVertexParameters": {"id": "VeoVertexParameters", "type": "object", "properties": {
        "aspectRatio": _enum(["16:9", "9:16"]),
        "compressionQuality": _enum(_both_cases("optimized", "lossless")),
        "durationSeconds": {"type": "integer"},
        "enhancePrompt": {"type": "boolean"},
        # fps: not in the page's request body, in its VideoGenerationModelParams type and google-genai's config
        "fps": {"type": "integer"},
        "generateAudio": {"type": "boolean"},
        "negativePrompt": {"type": "string"},
        "personGeneration": _enum(["allow_adult", "dont_allow", "allow_all"]),
        "resizeMode": _enum(_both_cases("pad", "crop")),
        "resolution": _enum(["720p", "1080p", "4k"]),
        "sampleCount": {"type": "integer"},
        "seed": {"type": "integer"},
        "storageUri": {"type": "string"},
    }},
    # The Gemini API (ai.google.dev/gemini-api/docs/video; google-genai 2.x _GenerateVideosConfig_to_mldev, the
    # last to build it): images are bytes only (_Image_to_mldev raises for gcs_uri), the extended video is a
    # v1beta Video (checked with the protos), referenceType asset only (STYLE raises), and of the parameters
    # only these (seed, fps, generateAudio, storageUri, compressionQuality, resizeMode raise).
    "VeoGeminiInstance": {"id": "VeoGeminiInstance", "type": "object", "properties": {
        "prompt": {"type": "string"},
        "image": {"$ref": "VeoGeminiImage"},
        "lastFrame": {"$ref": "VeoGeminiImage"},
        "video": {"type": "any"},  # generativelanguage.Video, parsed by the protos in veo_request_problems
        "referenceImages": {"type": "array", "items": {"$ref": "VeoGeminiReferenceImage"}},
    }},
    "VeoGeminiImage": {"id": "VeoGeminiImage", "type": "object", "properties": {
        "bytesBase64Encoded": {"type": "string"}, "mimeType": {"type": "string"}}},
    "VeoGeminiReferenceImage": {"id": "VeoGeminiReferenceImage", "type": "object", "properties": {
        "image": {"$ref": "VeoGeminiImage"}, "referenceType": _enum(_both_cases("asset"))}},
    "VeoGeminiParameters": {"id": "VeoGeminiParameters", "type": "object", "properties": {
        "aspectRatio": _enum(["16:9", "9:16"]),
        "durationSeconds": {"type": "integer"},
        "enhancePrompt": {"type": "boolean"},
        "negativePrompt": {"type": "string"},
        "personGeneration": _enum(["allow_adult", "dont_allow", "allow_all"]),
        "resolution": _enum(["720p", "1080p", "4k"]),
        "sampleCount": {"type": "integer"},
    }},
}
SCHEMAS = {**VERTEX_SCHEMAS, **VEO_SCHEMAS}

#: ``@type`` of an Any -> the discovery schema of what it holds (the Vertex Veo operation's response is
#: cloud.ai.large_models.vision.GenerateVideoResponse: CloudAiLargeModelsVisionGenerateVideoResponse).
ANY_SCHEMAS = {
    "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse":
        "CloudAiLargeModelsVisionGenerateVideoResponse",
}


def veo_request_problems(body: Any, api: str) -> list[str]:
    """A predictLongRunning body on ``api`` "gemini" or "vertex": the envelope (v1beta
    PredictLongRunningRequest / aiplatform.v1 GoogleCloudAiplatformV1PredictLongRunningRequest), one
    instance, and what the Veo reference defines inside it."""
    if not isinstance(body, dict):
        return ["$: not an object"]
    if api == "gemini":
        envelope = proto_problems(generativelanguage.PredictLongRunningRequest, body)
        problems = [envelope] if envelope else []
    else:
        problems = discovery_problems("GoogleCloudAiplatformV1PredictLongRunningRequest", body)
    instances = body.get("instances")
    if not isinstance(instances, list) or len(instances) != 1:
        return [*problems, "$.instances: Veo takes exactly one instance"]
    kind = "Gemini" if api == "gemini" else "Vertex"
    problems += discovery_problems(f"Veo{kind}Instance", instances[0], "$.instances[0]")
    problems += discovery_problems(f"Veo{kind}Parameters", body.get("parameters", {}), "$.parameters")
    video = instances[0].get("video") if isinstance(instances[0], dict) else None
    if api == "gemini" and video is not None:
        problem = proto_problems(generativelanguage.Video, video) if isinstance(video, dict) else "not an object"
        problems += [f"$.instances[0].video: {problem}"] if problem else []
    return problems


# ------------------------------------------------------------------ the discovery document


def _is_any(schema: dict) -> bool:
    """An object the discovery document says holds a google.protobuf.Any."""
    extra = schema.get("additionalProperties")
    return isinstance(extra, dict) and "@type" in extra.get("description", "")


def discovery_problems(schema_id: str | dict, value: Any, path: str = "$") -> list[str]:
    """``value`` against a schema of the discovery document (or of VEO_SCHEMAS): known fields only, the declared
    types, enums; an Any needs an ``@type`` that ANY_SCHEMAS resolves."""
    schema = SCHEMAS[schema_id] if isinstance(schema_id, str) else schema_id
    if "$ref" in schema:
        return discovery_problems(schema["$ref"], value, path)
    kind = schema.get("type")
    if kind == "any" or kind is None:
        return []
    if kind == "object":
        if not isinstance(value, dict):
            return [f"{path}: not an object"]
        if _is_any(schema):
            type_url = value.get("@type")
            if type_url not in ANY_SCHEMAS:
                return [f"{path}: an Any needs a known @type, got {type_url!r}"]
            return discovery_problems(ANY_SCHEMAS[type_url], {k: v for k, v in value.items() if k != "@type"}, path)
        problems = []
        properties = schema.get("properties")
        for key, item in value.items():
            if properties is not None and key in properties:
                problems += discovery_problems(properties[key], item, f"{path}.{key}")
            elif "additionalProperties" in schema:
                problems += discovery_problems(schema["additionalProperties"], item, f"{path}.{key}")
            else:
                problems.append(f"{path}.{key}: not in {schema.get('id', 'the schema')}")
        return problems
    if kind == "array":
        if not isinstance(value, list):
            return [f"{path}: not an array"]
        return [p for i, item in enumerate(value) for p in discovery_problems(schema["items"], item, f"{path}[{i}]")]
    if kind == "string":
        if not isinstance(value, str) and schema.get("format") not in ("int64", "uint64"):
            return [f"{path}: not a string"]
        if "enum" in schema and value not in schema["enum"]:
            return [f"{path}: {value!r} is not one of {schema['enum']}"]
        return []
    if kind == "integer":
        return [] if isinstance(value, int) and not isinstance(value, bool) else [f"{path}: not an integer"]
    if kind == "number":
        return [] if isinstance(value, (int, float)) and not isinstance(value, bool) else [f"{path}: not a number"]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{path}: not a boolean"]
    return []


# ------------------------------------------------------------------ google-genai's Interactions types


def unknown_fields(model: BaseModel, path: str = "$") -> list[str]:
    """Fields google-genai's (extra="allow") types took without defining them."""
    found = [f"{path}.{k}" for k in (model.model_extra or {})]
    for name in type(model).model_fields:
        found += _walk(getattr(model, name), f"{path}.{name}")
    return found


def _walk(value: Any, path: str) -> list[str]:
    if isinstance(value, BaseModel):
        return unknown_fields(value, path)
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in _walk(item, f"{path}[{i}]")]
    return []


# ------------------------------------------------------------------ recorded traffic


def veo_traffic_problems(records) -> tuple[list[str], dict[str, int]]:
    """Every Veo request an emulator recorded (with ``record_answers``) and every answer it gave with 200:
    the problems found, and how many of each kind were checked (so a test can see the check ran)."""
    problems: list[str] = []
    seen: dict[str, int] = {}

    def check(kind: str, found: list[str] | str | None, where: str) -> None:
        seen[kind] = seen.get(kind, 0) + 1
        found = [found] if isinstance(found, str) else found or []
        problems.extend(f"{kind} {where}: {p}" for p in found)

    for record in records:
        path, answer = record.path, record.answer
        ok = record.status == 200 and isinstance(answer, dict)
        if path.startswith("/v1beta/models/") and path.endswith(":predictLongRunning"):
            check("gemini request", veo_request_problems(record.json, "gemini"), path)
            if ok:
                check("gemini answer", gemini_operation_problems(answer), path)
        elif path.startswith("/v1beta/models/") and "/operations/" in path and ok:
            check("gemini answer", gemini_operation_problems(answer), path)
            _count_outcome(seen, answer)
        elif path.startswith("/v1/projects/") and path.endswith(":predictLongRunning"):
            check("vertex request", veo_request_problems(record.json, "vertex"), path)
            if ok:
                check("vertex answer", discovery_problems("GoogleLongrunningOperation", answer), path)
        elif path.startswith("/v1/projects/") and path.endswith(":fetchPredictOperation"):
            check("vertex request", discovery_problems("GoogleCloudAiplatformV1FetchPredictOperationRequest",
                                                       record.json), path)
            if ok:
                check("vertex answer", discovery_problems("GoogleLongrunningOperation", answer), path)
                _count_outcome(seen, answer)
    return problems, seen


def _count_outcome(seen: dict[str, int], operation: dict) -> None:
    response = operation.get("response") or {}
    response = response.get("generateVideoResponse", response)
    outcome = ("pending" if not operation.get("done") else "failed" if "error" in operation
               else "filtered" if response.get("raiMediaFilteredCount") else "videos")
    seen[outcome] = seen.get(outcome, 0) + 1
