"""The 'music' modality: Lyria through chat completions, each song a durable job like a video.

Lyria answers the whole song in one generateContent reply after a minute or more (music page; no operation
to poll), so submit starts that call in the app's in-flight table (RequestContext.inflight) under a name
that becomes the job's operation, after the core has recorded the job; poll checks the call and reports an
estimated progress; respond stores the audio in the media store and answers ``message.audio`` (OpenAI's
ChatCompletionAudio: id, data, expires_at, transcript) with the lyrics in ``content``. A client that
retries the same request attaches to the running job, and GET /v1/audio/songs/{job_id}[/content] fetch
it again: the song is never asked for (paid) twice. A song whose call a restart cut off fails as
``submit_interrupted`` (Google may have billed it; the ledger keeps the estimate).
"""
from __future__ import annotations

import base64
import time
import uuid

from plugins.audio import music_limits, music_request
from proxy.hookspecs import (
    ApiError,
    Completion,
    MediaStream,
    PollStatus,
    RequestContext,
    Submitted,
    UpstreamCall,
    find_job,
    job_error,
    job_media,
)

MODALITY = "music"
INTERRUPTED = ("The song was being made when genproxy stopped; Lyria answers a song only to the call that "
               "asked for it, so it is lost (Google may have billed it). Ask again.")


def translate(route, request, context: RequestContext) -> UpstreamCall:
    body, notes = music_request.build_body(request, route.target)
    return UpstreamCall(body=body, long_running=True, notes=notes)


async def submit(route, call: UpstreamCall, context: RequestContext) -> Submitted:
    if context.inflight is None:
        raise ApiError(500, "This genproxy has no in-flight table for songs.", code="internal_error")
    name = f"song-{uuid.uuid4().hex}"
    context.inflight.start(name, context.upstream.generate_content(route.target, call.body))
    call.notes.update(started=time.time(), operation=name)
    return Submitted(operation=name)


async def poll(route, operation: str, context: RequestContext) -> PollStatus:
    state = context.inflight.check(operation) if context.inflight is not None else None
    if state is None:
        return PollStatus(done=True, result={"error": {"status": 502, "code": "submit_interrupted",
                                                       "message": INTERRUPTED}})
    if not state.done:
        # Lyria reports no progress: an estimate from the time taken so far, never 100 before the end.
        expected = music_limits.limits_for(route.target).expected_seconds
        return PollStatus(done=False, progress=int(min(95, 100 * (time.time() - state.started) / expected)))
    if state.error is not None:
        # Done, as an error the respond step raises (a poll error would be retried as if checking had failed).
        error = state.error
        if isinstance(error, ApiError):
            return PollStatus(done=True, result={"error": {"status": error.status, "code": error.code,
                                                           "message": error.message}})
        return PollStatus(done=True, result={"error": {"status": 502, "code": "upstream_failed",
                                                       "message": f"The song call failed ({error.__class__.__name__})."}})
    return PollStatus(done=True, result=state.result)


def cancel(operation: str, context: RequestContext):
    async def stop() -> None:
        if context.inflight is not None:
            context.inflight.cancel(operation)
    return stop()


def _song(reply: dict) -> tuple[bytes, str, str]:
    feedback = reply.get("promptFeedback") or {}
    if feedback.get("blockReason"):
        raise ApiError(400, f"Google refused to make this music (blockReason {feedback['blockReason']}). Lyria "
                            "refuses prompts for specific artists' voices or copyrighted lyrics.",
                       code="content_filter")
    candidates = reply.get("candidates") or []
    parts = ((candidates[0].get("content") or {}).get("parts") or []) if candidates else []
    texts, audio, mime = [], b"", ""
    for part in parts:
        if not isinstance(part, dict):
            continue
        if isinstance(part.get("text"), str):
            texts.append(part["text"])
        inline = part.get("inlineData") or part.get("inline_data")
        if isinstance(inline, dict) and str(inline.get("mimeType") or inline.get("mime_type") or "").startswith("audio/"):
            audio += base64.b64decode(inline.get("data") or "")
            mime = str(inline.get("mimeType") or inline.get("mime_type"))
    if not audio:
        finish = candidates[0].get("finishReason") if candidates else None
        raise ApiError(502, f"Lyria answered without audio (finishReason {finish or 'none'}).", code="no_audio")
    # Lyria answers audio/mpeg; the Interactions enum also has audio/mp3 (research note section 2.3).
    return audio, "audio/mpeg" if mime in ("audio/mp3", "audio/mpeg") else mime, "\n".join(texts).strip()


async def respond(route, result: dict, call: UpstreamCall, context: RequestContext) -> Completion:
    error = result.get("error") if isinstance(result, dict) else None
    if isinstance(error, dict):
        raise ApiError(int(error.get("status") or 502), str(error.get("message")), code=error.get("code"))
    audio, mime, lyrics = _song(result)

    async def chunks():
        yield audio

    stored = await context.media.save(chunks(), mime)
    data = MediaStream(mime_type=mime, open_chunks=stored.stream().open_chunks, size=stored.size,
                       sha256=stored.sha256, bare=True)  # OpenAI's audio.data is bare base64
    ttl = getattr(context.settings, "media_ttl", 86400)
    message = {"content": lyrics or None,
               "audio": {"id": f"audio_{context.job_id or stored.sha256[:24]}", "data": data,
                         "expires_at": int(time.time() + ttl), "transcript": lyrics, "mime_type": mime,
                         "job_id": context.job_id, "bytes": stored.size}}
    usage = result.get("usageMetadata") or {}
    prompt = int(usage.get("promptTokenCount") or 0)
    completion = int(usage.get("candidatesTokenCount") or 0)
    return Completion(message=message, finish_reason="stop",
                      usage={"prompt_tokens": prompt, "completion_tokens": completion,
                             "total_tokens": prompt + completion})


# -- GET /v1/audio/songs/{job_id} and /content: a song fetched again by its job id --
async def get_song(request):
    from proxy.hookspecs import write_json_body

    job = await _job(request)
    body = {"id": job.id, "object": "song", "model": job.model, "status": job.status,
            "created_at": int(job.created_at), "completed_at": int(job.completed_at) if job.completed_at else None,
            "error": job.error, "lyrics": None, "content_url": None}
    if job.status == "completed":
        message = job.message or {}
        body.update(lyrics=message.get("content"), mime_type=(message.get("audio") or {}).get("mime_type"),
                    content_url=f"/v1/audio/songs/{job.id}/content")
    return await write_json_body(request, body)


async def get_song_content(request):
    from aiohttp import web

    job = await _job(request)
    if job.status == "failed":
        raise job_error(job)
    if job.status != "completed":
        raise ApiError(409, f"Song {job.id} is {job.status}; fetch it once it is completed.", code="job_not_ready")
    media = (await job_media(request, job))[0]
    response = web.StreamResponse(headers={"Content-Type": media.mime_type,
                                           "Content-Disposition": f'attachment; filename="{job.id}.mp3"'
                                           if media.mime_type == "audio/mpeg" else f'attachment; filename="{job.id}.wav"'})
    if media.size is not None:
        response.content_length = media.size
    await response.prepare(request)
    async for chunk in media.open_chunks():
        await response.write(chunk)
    await response.write_eof()
    request["status"] = 200
    return response


async def _job(request):
    job_id = request.match_info["job_id"]
    job = await find_job(request, job_id)
    if job is None or job.modality != MODALITY:
        raise ApiError(404, f"No song with id '{job_id}'.", param="job_id", code="job_not_found")
    return job


def web_routes() -> list:
    return [("GET", "/v1/audio/songs/{job_id}", get_song), ("GET", "/v1/audio/songs/{job_id}/content", get_song_content)]


def openapi_paths() -> dict:
    param = [{"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}]
    return {
        "/v1/audio/songs/{job_id}": {"get": {"summary": "A song made through chat with a Lyria model (its job)",
                                             "parameters": param, "responses": {"200": {"description": "the song job"}}}},
        "/v1/audio/songs/{job_id}/content": {"get": {"summary": "The song's audio (MP3 or WAV)", "parameters": param,
                                                     "responses": {"200": {"description": "audio bytes"}}}},
    }
