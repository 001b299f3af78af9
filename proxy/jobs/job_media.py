"""The JobRunner's side of a finished job's media: its files (fetched again from Google when this instance does
not have them), its answer rebuilt from the store, and the removal of expired files.

A mixin of JobRunner (proxy/jobs/runner.py), which provides ``store``, ``media``, ``settings``,
``_make_context``, ``_fetch_locks`` and ``shielded``.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from proxy.hookspecs import Completion, RequestContext
from proxy.http.errors import ApiError
from proxy.jobs.store import Job, JobStore
from proxy.media.store import MediaStore, StoredMedia
from proxy.media.stream import MediaStream
from proxy.routing.routes import Route

log = logging.getLogger("genproxy.jobs")

# Google keeps generated files 2 days (/work/shared/docs/wire-formats.md, Veo download: "Files live for 2 days").
GOOGLE_KEEPS_FILES = 2 * 24 * 3600.0
# Rows one statement of the expiry sweep and the retention prune handles (a short write lock each).
SWEEP_BATCH = 1000
T = TypeVar("T")


def strip_media(value, found: list[MediaStream]):
    """The message with each MediaStream replaced by {"$media": i}, so it can be stored as JSON."""
    if isinstance(value, MediaStream):
        found.append(value)
        return {"$media": len(found) - 1}
    if isinstance(value, dict):
        return {k: strip_media(v, found) for k, v in value.items()}
    if isinstance(value, list):
        return [strip_media(v, found) for v in value]
    return value


def restore_media(value, streams: list[MediaStream]):
    if isinstance(value, dict):
        if set(value) == {"$media"}:
            return streams[value["$media"]]
        return {k: restore_media(v, streams) for k, v in value.items()}
    if isinstance(value, list):
        return [restore_media(v, streams) for v in value]
    return value


class JobMedia:
    # JobRunner's (annotations only: nothing here at run time)
    store: JobStore
    media: MediaStore
    settings: Any  # proxy.config.Settings, or what a test gives
    _fetch_locks: dict[str, asyncio.Lock]
    _make_context: Callable[[Route, str | None], RequestContext]

    if TYPE_CHECKING:
        async def shielded(self, work: Awaitable[T]) -> T: ...

    async def stored_media(self, job: Job) -> list[StoredMedia]:
        """The files of a finished job, in order; 404 once they have expired. A file this instance does not
        have (another instance made it, and media_dir is not shared) is fetched again from Google's file
        URI while Google keeps it; after that, 410."""
        if job.expires_at and job.expires_at <= time.time():
            raise ApiError(404, f"The result of job {job.id} has expired.", code="job_expired")
        found: list[StoredMedia] = []
        for index, media in enumerate((job.result or {}).get("media", [])):
            stored = self.media.find(media["sha256"], media["mime_type"])
            if stored is None:
                lock = self._fetch_locks.setdefault(media["sha256"], asyncio.Lock())
                async with lock:  # one download for concurrent requests of the same file
                    stored = self.media.find(media["sha256"], media["mime_type"])
                    if stored is None:
                        fetched = await self.shielded(self._fetch_again(job, index, media))
                        stored = fetched
                self._fetch_locks.pop(media["sha256"], None)
            found.append(stored)
        return found

    async def _fetch_again(self, job: Job, index: int, media: dict) -> StoredMedia:
        videos = ((job.result or {}).get("message") or {}).get("videos") or []
        uri = next((v.get("file_uri") for v in videos if isinstance(v, dict)
                    and (v.get("video_url") or {}).get("url") == {"$media": index}), None)
        made = job.completed_at or job.created_at
        gone = ApiError(410, f"The video of job {job.id} is not kept by this genproxy instance (another made it; "
                             "share media_dir between instances to avoid this) and Google no longer keeps it "
                             "(its files live 2 days).", code="video_gone")
        if uri is None or time.time() > made + GOOGLE_KEEPS_FILES:
            raise gone
        route = Route(**job.route)
        context = self._make_context(route, job.client_key_id)
        limit = self.settings.max_download_bytes
        try:
            async with context.upstream.download(uri, job.credential_id, limit) as download:
                stored = await self.media.save(download.chunks, media["mime_type"], limit)
        except ApiError as exc:
            if exc.status in (403, 404, 410):
                raise gone from None
            raise
        if stored.sha256 != media["sha256"]:
            log.warning("job %s: the file fetched again from Google differs from the one first stored", job.id)
        log.info("job %s: fetched video %d again from Google (%d bytes)", job.id, index, stored.size)
        return stored

    async def completion_of(self, job: Job) -> Completion:
        """Rebuild a finished job's answer from the store; 404 once its media has expired."""
        streams = [stored.stream() for stored in await self.stored_media(job)]
        result = job.result or {}
        for stream, media in zip(streams, result.get("media", [])):
            stream.bare = bool(media.get("bare"))  # written as bare base64 (OpenAI's audio.data), not a data URI
        return Completion(message=restore_media(result.get("message", {}), streams),
                          finish_reason=result.get("finish_reason", "stop"), usage=result.get("usage"))

    async def remove_expired_media(self) -> list[str]:
        """Delete the files of expired jobs that no unexpired job shares, then the rows of finished jobs past
        job_retention (0: kept forever); returns the files removed. Each pass reads only what expired since
        the last one (job_media rows are dropped once handled), so it costs the same at any store size."""
        removed = []
        while True:
            now = time.time()
            batch = await self.store.expired_media(now, SWEEP_BATCH)
            if not batch:
                break
            in_use = await self.store.media_in_use(now, [m["sha256"] for m in batch])
            for media in batch:
                if media["sha256"] in in_use:
                    continue
                stored = self.media.find(media["sha256"], media["mime_type"])
                if stored is not None:
                    with contextlib.suppress(FileNotFoundError):
                        stored.path.unlink()
                    removed.append(stored.path.name)
            await self.store.forget_media(batch)
            if len(batch) < SWEEP_BATCH:
                break
        if removed:
            log.info("removed %d expired media file(s): %s", len(removed), ", ".join(removed))
        retention = self.settings.job_retention
        if retention:
            pruned = 0
            while (count := await self.store.prune_jobs(time.time() - retention, SWEEP_BATCH)):
                pruned += count
                await asyncio.sleep(0)  # other requests go between the batches
            if pruned:
                log.info("deleted %d finished job(s) older than job_retention (%.0f s)", pruned, retention)
        return removed
