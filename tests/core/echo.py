"""A throwaway third-party modality plugin, `echo`: it answers the prompt reversed.

Prompt markers drive the failure paths the core must handle:
``boom`` (respond raises RuntimeError), ``halfway`` (a stream that raises after its first chunk), ``slow`` (submit takes ``SLOW_SECONDS``),
``stream`` (respond returns deltas), ``media`` / ``broken media`` (an 800 kB MediaStream answer, or one whose download fails after the
response started), ``upstream`` (submit calls the route's upstream; add an
emulator fault marker such as ``[emulate:server-error]`` to make that call fail).
"""
from __future__ import annotations

import asyncio

from proxy.hookspecs import Completion, Delta, MediaStream, Submitted, UpstreamCall, hookimpl

MODALITY = "echo"
SLOW_SECONDS = 0.6


async def _submit(call: UpstreamCall, context) -> Submitted:
    prompt = call.body["prompt"]
    if "slow" in prompt:
        await asyncio.sleep(SLOW_SECONDS)
    if "upstream" in prompt:
        # A real upstream call through the core's upstream client (the route's credential pool).
        await context.upstream.generate_content("gemini-3-flash-preview", {"contents": [{"role": "user", "parts": [{"text": prompt}]}]})
    return Submitted(result={"text": prompt[::-1]})


async def _deltas(text: str):
    for i in range(0, len(text), 3):
        yield Delta(delta={"content": text[i:i + 3]})
        if "yawflah" in text:  # "halfway" reversed: fail after the first chunk went out
            raise RuntimeError("echo stream broke halfway")
    yield Delta(delta={}, finish_reason="stop")


async def _respond(result: dict, call: UpstreamCall):
    if "boom" in call.body["prompt"]:
        raise RuntimeError("echo plugin exploded: Traceback secret internals")
    if "media" in call.body["prompt"]:
        broken = "broken" in call.body["prompt"]

        async def chunks():
            for _ in range(4):
                yield b"\0" * 200_000
                if broken:
                    raise RuntimeError("the media download broke")

        media = MediaStream(mime_type="video/mp4", open_chunks=chunks)
        return Completion(message={"content": [{"type": "video_url", "video_url": {"url": media}}]})
    if call.stream:
        return _deltas(result["text"])
    return Completion(message={"content": result["text"]},
                      usage={"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2})


class EchoPlugin:
    """Serves modality `echo` and nothing else."""

    def __init__(self):
        self.translated: list[str] = []  # the route targets it saw

    @hookimpl
    def genproxy_modalities(self):
        return [MODALITY]

    @hookimpl
    def genproxy_translate(self, route, request, context):
        if route.modality != MODALITY:
            return None
        self.translated.append(route.target)
        return UpstreamCall(body={"prompt": request.prompt_text(), "target": route.target,
                                  "defaults": route.defaults}, stream=request.stream)

    @hookimpl
    def genproxy_submit(self, route, call, context):
        if route.modality != MODALITY:
            return None
        return _submit(call, context)

    @hookimpl
    def genproxy_respond(self, route, result, call, context):
        if route.modality != MODALITY:
            return None
        return _respond(result, call)


# Module-level hooks, for when this module is loaded as an entry-point plugin.
_module_plugin = EchoPlugin()
genproxy_modalities = _module_plugin.genproxy_modalities
genproxy_translate = _module_plugin.genproxy_translate
genproxy_submit = _module_plugin.genproxy_submit
genproxy_respond = _module_plugin.genproxy_respond
