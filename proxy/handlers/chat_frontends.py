"""What chat front-ends (Open WebUI, LibreChat, LobeChat) need of a video answer, both ways.

Out: with ``chat_video_links`` on (the client key's, the route's or the global setting), a chat video answer
also carries in ``content``, for each video, the block Open WebUI renders as a player::

    \\n\\n<video>\\nURL\\n</video>\\n

Open WebUI (0.12.4, src/lib/components/chat/Messages/Markdown/HTMLToken.svelte) plays the *inner text* of a
``<video>`` tag and only when marked lexes it as one HTML block: the opening tag alone on its line after a blank
line (/work/research/frontends.md 1.4). ``<video src=…>`` gives an empty player. It drops ``videos[]``. The URL
is a signed link to genproxy's own content path (proxy/media/signed_links.py), so the browser plays it without a
key and the next request carries a URL, not megabytes of data URI.

In: the history a front-end sends back has the block (or a plain content URL) in the assistant's text and no
``videos[]``. Each such assistant message gets ``videos: [{"job_id": …}]`` again, so Omni edits the last video
(plugins/omni/request.py history_video); on a model that extends videos (Veo 3.1: its limits say ``extend``),
the turn becomes an extension of that video with the new prompt, as a remix is (genproxy_remix).
"""
from __future__ import annotations

import re
from dataclasses import replace

from aiohttp import web

from proxy import keys
from proxy.hookspecs import Completion
from proxy.http.models import ChatCompletionRequest
from proxy.jobs.lookup import job_info
from proxy.media.signed_links import LINK_SIGNER
from proxy.routing.routes import Route

VIDEO_BLOCK = "\n\n<video>\n{url}\n</video>\n"
# A genproxy content URL of a job's video (signed or not): a fixed prefix and a fixed-length id, no backtracking.
CONTENT_URL = re.compile(r"/v1/videos/(video_[0-9a-f]{24})/content")
# Most job ids taken from one message's text (a page of text may name many; the last ones count).
MAX_IDS_PER_MESSAGE = 8


def links_wanted(request: web.Request, route: Route) -> bool:
    key = request.get("client_key")
    return bool((key is not None and getattr(key, "chat_video_links", None)) or route.chat_video_links
                or request.app[keys.SETTINGS].chat_video_links)


def base_url(request: web.Request) -> str:
    return request.app[keys.SETTINGS].public_base_url or str(request.url.origin())


def with_video_links(request: web.Request, route: Route, completion: Completion) -> Completion:
    """The answer with a <video> block per video in its content, when chat_video_links is on."""
    videos = [v for v in completion.message.get("videos") or [] if isinstance(v, dict) and v.get("job_id")]
    if not videos or not links_wanted(request, route):
        return completion
    signer, base = request.app[LINK_SIGNER], base_url(request)
    owner = request.get("client_key_id") or ""
    blocks = "".join(VIDEO_BLOCK.format(url=signer.url(base, v["job_id"], owner, int(v.get("index") or 0)))
                     for v in videos)
    content = completion.message.get("content") or ""
    return replace(completion, message={**completion.message, "content": content + blocks})


def _text(content) -> str:
    if isinstance(content, str):
        return content
    return "\n".join(str(p.get("text", "")) for p in content or [] if isinstance(p, dict) and p.get("type") == "text")


def videos_from_history(body: ChatCompletionRequest) -> None:
    """Give back ``videos[].job_id`` to assistant messages that name genproxy videos only in their text."""
    for message in body.messages:
        if message.role != "assistant" or (message.model_extra or {}).get("videos"):
            continue
        ids = [match.group(1) for match in CONTENT_URL.finditer(_text(message.content))]
        if ids:
            # An extra field of the message (ChatMessage allows extras), as a client sending videos[] sets it.
            extra = message.__pydantic_extra__ if message.__pydantic_extra__ is not None else {}
            extra["videos"] = [{"job_id": job_id} for job_id in dict.fromkeys(ids[-MAX_IDS_PER_MESSAGE:])]
            message.__pydantic_extra__ = extra


def _latest_history_job(body: ChatCompletionRequest) -> str | None:
    for message in reversed(body.messages):
        if message.role != "assistant":
            continue
        for video in (message.model_extra or {}).get("videos") or []:
            if isinstance(video, dict) and isinstance(video.get("job_id"), str):
                return video["job_id"]
    return None


def _names_a_video(body: ChatCompletionRequest) -> bool:
    config = body.extra("video_config")
    if isinstance(config, dict) and (config.get("video") or config.get("previous_video")):
        return True
    return any(isinstance(m.content, list) and any(p.get("type") == "video_url" for p in m.content)
               for m in body.messages if m.role == "user")


async def continue_from_history(request: web.Request, route: Route, body: ChatCompletionRequest
                                ) -> ChatCompletionRequest:
    """On a model that extends videos, a turn after a video of the same kind extends that video."""
    pipeline = request.app[keys.PIPELINE]
    if route.modality not in pipeline.video_modalities() or _names_a_video(body):
        return body
    job_id = _latest_history_job(body)
    if job_id is None:
        return body
    limits = request.app[keys.PLUGIN_MANAGER].hook.genproxy_model_limits(route=route)
    if not (isinstance(limits, dict) and limits.get("extend")):
        return body  # Omni edits from the history itself; a model that cannot extend makes a new video
    job = await request.app[keys.JOB_STORE].get(job_id, request.get("client_key_id") or "")
    if job is None or job.status != "completed" or (job.route or {}).get("modality") != route.modality:
        return body
    prompt = body.prompt_text()
    if not prompt.strip():
        return body
    remix = pipeline.remix(route, job_info(job), prompt)
    raw = body.model_dump(exclude_none=True)
    remixed = remix.model_dump(exclude_none=True)
    asked = raw.get("video_config")
    config: dict = asked if isinstance(asked, dict) else {}
    continued: dict = remixed.get("video_config") or {}
    raw.update(messages=remixed["messages"], modalities=remixed.get("modalities"),
               video_config={**config, **continued})
    return ChatCompletionRequest.model_validate(raw)
