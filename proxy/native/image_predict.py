"""``POST /v1beta/models/{model}:predict``: Imagen's method, answered by a Gemini image model.

Google shut Imagen down on 2026-08-17 (Gemini API changelog; /work/shared/docs/google-2026-12.md §1) and names
the Gemini image models as its replacement, but clients still send Imagen's request: Open WebUI's "Gemini" image
engine (0.12.4, routers/images.py, ``IMAGES_GEMINI_ENDPOINT_METHOD`` predict, its default) posts
``{"instances": {"prompt": P}, "parameters": {"sampleCount": n, "outputOptions": {"mimeType": "image/png"}}}``
(``instances`` an object, not Imagen's list) and reads ``predictions[i].bytesBase64Encoded``. genproxy serves it
on the route of the model named (an image route, or a retired Imagen id that routes.yaml maps to one) with one
generateContent call per sample, as google-genai's ``_GenerateImagesParameters_to_mldev`` names the fields.
"""
from __future__ import annotations

import asyncio

from aiohttp import web

from proxy import keys
from proxy.http.errors import ApiError, invalid
from proxy.money.ledger import Charge, account_of, new_entry_id
from proxy.money.pricing import Usage
from proxy.native.billing import native_actual, native_estimate

IMAGE_MODALITY = "image"
# Imagen's sampleCount: 1 to 4 (google-genai GenerateImagesConfig.number_of_images; Imagen API reference).
MAX_SAMPLES = 4


def _instance(body: dict) -> dict:
    instances = body.get("instances")
    if isinstance(instances, list):  # Imagen's own shape (google-genai)
        if len(instances) != 1:
            raise invalid("instances must hold exactly one {\"prompt\": ...}.", "instances")
        instances = instances[0]
    if not isinstance(instances, dict):
        raise invalid("instances must be {\"prompt\": ...} (or a list of one).", "instances")
    return instances


def generate_body(body: dict) -> tuple[dict, int]:
    """The generateContent body of one sample, and how many samples were asked for."""
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object.")
    instance = _instance(body)
    prompt = instance.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise invalid("instances.prompt must be a non-empty string.", "instances.prompt")
    parameters = body.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise invalid("parameters must be an object.", "parameters")
    count = parameters.get("sampleCount", 1)
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_SAMPLES:
        raise invalid(f"parameters.sampleCount must be a number from 1 to {MAX_SAMPLES}.", "parameters.sampleCount")
    config: dict = {"responseModalities": ["IMAGE"]}
    if isinstance(parameters.get("aspectRatio"), str):
        config["imageConfig"] = {"aspectRatio": parameters["aspectRatio"]}
    return {"contents": [{"role": "user", "parts": [{"text": prompt}]}], "generationConfig": config}, count


def _predictions(replies: list[dict]) -> list[dict]:
    found = []
    for reply in replies:
        for candidate in reply.get("candidates") or []:
            for part in (candidate.get("content") or {}).get("parts") or []:
                inline = part.get("inlineData") if isinstance(part, dict) else None
                if isinstance(inline, dict) and isinstance(inline.get("data"), str):
                    found.append({"bytesBase64Encoded": inline["data"],
                                  "mimeType": inline.get("mimeType") or "image/png"})
    return found


async def predict_images(request: web.Request, route, raw: dict) -> web.Response:
    if route.modality != IMAGE_MODALITY:
        raise invalid(f"{route.model} does not make images: :predict serves image models "
                      "(e.g. gemini-3.1-flash-image).")
    body, count = generate_body(raw)
    upstream = request.app[keys.UPSTREAMS].get(route.upstream)
    ledger, entry = request.app[keys.LEDGER], new_entry_id()

    def estimate() -> Usage:
        one = native_estimate(route, body)
        return Usage(cost_usd=one.cost_usd * count, images=count, input_tokens=one.input_tokens * count)

    await ledger.reserve(entry, Charge(account_of(request), route.model, estimate), durable=False)
    try:
        outcomes = await asyncio.gather(*(upstream.generate_content(route.target, body) for _ in range(count)),
                                        return_exceptions=True)
    except BaseException:
        await ledger.release(entry)
        raise
    replies = [outcome for outcome in outcomes if isinstance(outcome, dict)]
    if not replies:
        await ledger.release(entry)
        raise next(outcome for outcome in outcomes if isinstance(outcome, BaseException))
    await ledger.settle(entry, native_actual(route, body, replies))  # the samples Google made are paid
    predictions = _predictions(replies)
    if not predictions:
        # Google answered with text only (a refusal): no image to give, as Imagen says with an empty answer.
        raise ApiError(400, "The model made no image for this prompt.", code="no_image")
    return web.json_response({"predictions": predictions})
