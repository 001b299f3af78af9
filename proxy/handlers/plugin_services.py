"""The core's side of hookspecs.PluginServices: the handlers' steps that plugins' own endpoints reuse.

create_app puts one in the app under hookspecs.PLUGIN_SERVICES; the contract reaches the handlers only
through it, so hookspecs.py imports nothing above it.
"""
from __future__ import annotations

from typing import Any

from aiohttp import web

from proxy.handlers import jobs_api
from proxy.handlers.chat import complete_chat
from proxy.handlers.common import read_json, write_json
from proxy.hookspecs import Completion, JobInfo
from proxy.http.errors import ApiError, client_safe
from proxy.http.models import ChatCompletionRequest
from proxy.media.stream import MediaStream
from proxy.native.gemini import google_error


class CorePluginServices:
    """hookspecs.PluginServices over the handlers."""

    async def read_json_body(self, request: web.Request) -> Any:
        return await read_json(request)

    async def complete(self, request: web.Request, body: ChatCompletionRequest, modality: str) -> list[Completion]:
        return await complete_chat(request, body, modality)

    async def start_video_job(self, request: web.Request, body: ChatCompletionRequest, source: str) -> JobInfo:
        return await jobs_api.start_video_job(request, body, source)

    async def find_job(self, request: web.Request, job_id: str) -> JobInfo | None:
        return await jobs_api.find_job(request, job_id)

    async def wait_job(self, request: web.Request, job_id: str, timeout: float) -> JobInfo:
        return await jobs_api.wait_job(request, job_id, timeout)

    async def job_media(self, request: web.Request, job: JobInfo) -> list[MediaStream]:
        return await jobs_api.job_media(request, job)

    async def cancel_job(self, request: web.Request, job: JobInfo) -> None:
        await jobs_api.cancel_job(request, job)

    def google_error_response(self, request: web.Request, exc: ApiError,
                              status_names: dict[int, str] | None) -> web.Response:
        return google_error(client_safe(request, exc), status_names)

    async def write_json_body(self, request: web.Request, body: Any, status: int) -> web.StreamResponse:
        return await write_json(request, body, status)
