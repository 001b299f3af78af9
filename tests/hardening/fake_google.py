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
    #: every reply repeats the credentials it received and the URL it was called at (a hostile upstream)
    echo_credentials: bool = False
    file_requests: list[dict] = field(default_factory=list)

    @staticmethod
    def _echo(request: web.Request) -> str:
        key = request.headers.get("x-goog-api-key", "")
        auth = request.headers.get("Authorization", "")
        return f"API key not valid: '{key}' '{auth}' (called at {request.url})"

    def upstream_app(self) -> web.Application:
        async def submit(request: web.Request) -> web.Response:
            await request.read()
            if self.echo_credentials and not request.match_info["action"].endswith(":predictLongRunning"):
                return web.json_response({"error": {"code": 400, "message": self._echo(request),
                                                    "status": "INVALID_ARGUMENT"}}, status=400)
            if self.submit_error is not None:
                return web.json_response(self.submit_error[1], status=self.submit_error[0])
            return web.json_response({"name": OPERATION})

        async def operation(request: web.Request) -> web.Response:
            if self.echo_credentials:
                return web.json_response({"name": OPERATION, "done": True,
                                          "error": {"code": 13, "message": self._echo(request)}})
            return web.json_response({"name": OPERATION, "done": True, "response": {"generateVideoResponse": {
                "generatedSamples": [{"video": {"uri": self.video_uri}}]}}})

        async def vertex(request: web.Request) -> web.Response:
            # Vertex AI paths, where OAuth token files are sent: the same behaviour, Vertex's method names.
            path = request.match_info["tail"]
            if path.endswith(":fetchPredictOperation"):
                return await operation(request)
            request.match_info["action"] = path.rpartition("/")[2]
            return await submit(request)

        app = web.Application()
        app.router.add_post("/v1beta/models/{action}", submit)
        app.router.add_get("/v1beta/models/{model}/operations/{op}", operation)
        app.router.add_post("/v1/projects/{tail:.+}", vertex)
        return app

    def file_app(self) -> web.Application:
        async def serve(request: web.Request) -> web.Response:
            self.file_requests.append(dict(request.headers))
            return web.Response(body=sample_bytes(sample_path("16:9", 8)), content_type="video/mp4")

        app = web.Application()
        app.router.add_get("/{tail:.*}", serve)
        return app
