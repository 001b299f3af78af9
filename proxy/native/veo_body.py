"""The Veo predictLongRunning body as clients send it, in pydantic: wrong types are a 400 naming the field.

Shapes from google-genai (``_GenerateVideosParameters_to_mldev`` / ``_to_vertex``, ``_Image_to_mldev``,
``_Video_to_mldev``): ``instances[0]`` holds ``prompt``, ``image`` / ``lastFrame`` as
``{bytesBase64Encoded, mimeType}`` (Vertex also ``gcsUri``; Google's older REST samples
``{inlineData: {data, mimeType}}``), ``referenceImages[] = {image, referenceType}`` and ``video``
(``{uri}`` on the Gemini API, ``{gcsUri}`` on Vertex); ``parameters`` the generation settings.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError

from proxy.http.errors import ApiError, invalid


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InlineData(_Strict):
    data: StrictStr
    mimeType: StrictStr | None = None


class VeoImage(_Strict):
    bytesBase64Encoded: StrictStr | None = None
    mimeType: StrictStr | None = None
    gcsUri: StrictStr | None = None
    inlineData: InlineData | None = None


class VeoReferenceImage(_Strict):
    image: VeoImage
    referenceType: StrictStr | None = Field(None, description="asset (Vertex also style)")


class VeoVideo(_Strict):
    uri: StrictStr | None = None
    gcsUri: StrictStr | None = None
    bytesBase64Encoded: StrictStr | None = None
    mimeType: StrictStr | None = None


class VeoInstance(_Strict):
    prompt: StrictStr | None = None
    image: VeoImage | None = None
    lastFrame: VeoImage | None = None
    referenceImages: list[VeoReferenceImage] | None = None
    video: VeoVideo | None = None


class VeoParameters(BaseModel):
    # Unknown names are refused by the caller with a message listing the known ones.
    model_config = ConfigDict(extra="allow")

    aspectRatio: StrictStr | None = None
    resolution: StrictStr | None = None
    durationSeconds: StrictInt | float | StrictStr | None = None
    negativePrompt: StrictStr | None = None
    personGeneration: StrictStr | None = None
    seed: StrictInt | None = None
    sampleCount: StrictInt | None = None
    enhancePrompt: StrictBool | None = None
    generateAudio: StrictBool | None = None


class VeoRequest(BaseModel):
    """POST models/{model}:predictLongRunning (Veo)."""

    model_config = ConfigDict(extra="allow")  # Google's SDK may add fields genproxy ignores, e.g. "model"

    instances: list[VeoInstance] = Field(min_length=1, max_length=1)
    parameters: VeoParameters | None = None


def field_path(loc: tuple) -> str:
    """("instances", 0, "image") -> "instances[0].image", as Google names fields in BadRequest."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def parse_veo_request(body) -> VeoRequest:
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object.")
    try:
        return VeoRequest.model_validate(body)
    except ValidationError as exc:
        err = exc.errors()[0]
        # A union's members each report, with their type in the location: drop it.
        loc = tuple(p for p in err["loc"] if p not in ("str", "int", "float", "bool"))
        param = field_path(loc)
        if err["type"] == "missing":
            message = f"{param} is required."
        elif err["type"] == "extra_forbidden":
            message = f"Unknown field {param}."
        elif loc == ("instances",):
            message = "Send exactly one instance in 'instances'."
        else:
            message = f"Invalid value at '{param}': {err['msg']}."
        raise ApiError(400, message, param=param, code="invalid_value") from None
