"""A hostile stand-in for Google on a real socket: a Veo operation whose video lives where the test says,
and a file server that records the headers it received."""
from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from proxy.emulator.media import sample_bytes, sample_path

OPERATION = "models/veo-3.1-generate-preview/operations/fake-op-1"


@dataclass
class FakeGoogle:
    video_uri: str = ""
    #: what a failing call answers: (status, JSON body); None: succeed
    submit_error: tuple[int, dict] | None = None
    file_requests: list[dict] = field(default_factory=list)

    def upstream_app(self) -> web.Application:
        async def submit(request: web.Request) -> web.Response:
            await request.read()
            if self.submit_error is not None:
                return web.json_response(self.submit_error[1], status=self.submit_error[0])
            return web.json_response({"name": OPERATION})

        async def operation(request: web.Request) -> web.Response:
            return web.json_response({"name": OPERATION, "done": True, "response": {"generateVideoResponse": {
                "generatedSamples": [{"video": {"uri": self.video_uri}}]}}})

        app = web.Application()
        app.router.add_post("/v1beta/models/{action}", submit)
        app.router.add_get("/v1beta/models/{model}/operations/{op}", operation)
        return app

    def file_app(self) -> web.Application:
        async def serve(request: web.Request) -> web.Response:
            self.file_requests.append(dict(request.headers))
            return web.Response(body=sample_bytes(sample_path("16:9", 8)), content_type="video/mp4")

        app = web.Application()
        app.router.add_get("/{tail:.*}", serve)
        return app
