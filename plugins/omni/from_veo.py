"""A request written for Veo, served by Gemini Omni because Google no longer serves the Veo model (Google names
gemini-omni-1.1-flash as the Veo 3.1 preview ids' replacement on the Gemini API: shared/docs/google-2026-12.md
section 1). The request is translated, not dropped:

- Veo fields Omni takes keep their meaning: duration_seconds, aspect_ratio, resolution, seed,
  number_of_videos (1), reference_images (asset references; Omni takes images as references),
  callback_url;
- ``negative_prompt`` (Omni has none) becomes an instruction at the end of the prompt, and the answer says so;
- a field with no equivalent is a 400 naming it and the live models that take it (route.alternatives).
"""
from __future__ import annotations

from proxy.hookspecs import ChatCompletionRequest, invalid

KEPT = ("duration_seconds", "aspect_ratio", "resolution", "seed", "number_of_videos", "callback_url")
#: Veo's video_config fields with no Omni equivalent (plugins/veo/request.py VideoConfig)
NO_EQUIVALENT = ("person_generation", "generate_audio", "enhance_prompt", "last_frame", "video", "fps",
                 "compression_quality", "resize_mode", "storage_uri")


def negative_instruction(negative: str) -> str:
    return f"Do not show any of the following in the video: {negative.strip()}"


def adapt(request: ChatCompletionRequest, route) -> tuple[ChatCompletionRequest, list[str]]:
    """The request in Omni's terms, and what changed (for the answer's text)."""
    raw = request.extra("video_config") or {}
    if not isinstance(raw, dict):
        raise invalid("video_config must be an object.", "video_config")
    takers = ", ".join(route.alternatives) or "none with the credentials configured"
    config, changes = {}, []
    for name, value in raw.items():
        if value is None:
            continue
        if name in KEPT:
            config[name] = value
        elif name == "reference_images":
            refs = []
            for index, ref in enumerate(value if isinstance(value, list) else []):
                kind = ref.get("reference_type", "asset") if isinstance(ref, dict) else "asset"
                if kind != "asset":
                    raise invalid(f"video_config.reference_images[{index}].reference_type '{kind}' has no equivalent "
                                  f"on {route.model}, which serves {route.requested} now ({route.why}) Models that "
                                  f"take it: {takers}.", f"video_config.reference_images[{index}].reference_type",
                                  code="unsupported_parameter")
                refs.append({k: v for k, v in ref.items() if k != "reference_type"} if isinstance(ref, dict) else ref)
            config["reference_images"] = refs
        elif name == "negative_prompt":
            changes.append(f"{route.model} has no negative_prompt: it was added to the prompt as the instruction "
                           f"\"{negative_instruction(str(value))}\"")
        elif name in NO_EQUIVALENT:
            raise invalid(f"video_config.{name} has no equivalent on {route.model}, which serves {route.requested} "
                          f"now ({route.why}) Models that take it: {takers}.", f"video_config.{name}",
                          code="unsupported_parameter")
        else:
            config[name] = value  # Omni's own fields (previous_video, task) or a mistake its checks name
    negative = raw.get("negative_prompt")
    messages = [m.model_dump(exclude_none=True) for m in request.messages]
    if negative:
        last = next((m for m in reversed(messages) if m.get("role") == "user"), None)
        if last is not None:
            text = negative_instruction(str(negative))
            if isinstance(last.get("content"), str):
                last["content"] = f"{last['content']}\n\n{text}"
            else:
                last["content"] = [*(last.get("content") or []), {"type": "text", "text": text}]
    body = request.model_dump(exclude_none=True)
    body.update(messages=messages, video_config=config)
    return ChatCompletionRequest.model_validate(body), changes
