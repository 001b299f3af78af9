"""Vertex AI (aiplatform): OAuth bearer (cloud-platform scope) from CCS token files or a service account.

Base URL ``https://{location}-aiplatform.googleapis.com`` (``global``: no prefix), unless
``settings.vertex_base_url`` overrides it. The project comes from ``settings.vertex_project``,
else from the credential (a CCS file's ``project_id``, a service account's project).
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from urllib.parse import quote

import aiohttp

from proxy.credentials import Credential, CredentialPool
from proxy.http.errors import ApiError
from proxy.http.ids import vertex_model_path
from proxy.upstreams.base import Operation, Upstream
from proxy.upstreams.gemini import _operation_name


def vertex_project_of(credential: Credential) -> str | None:
    """The project a credential's own file names. CLIProxyAPI writes ``ALL`` or a comma list for logins that
    span several projects (google-2026-11.md section 3): take the first named one; ``ALL`` names none."""
    raw = (credential.project_id or "").strip()
    first = next((p.strip() for p in raw.split(",") if p.strip()), "")
    return None if first.upper() == "ALL" else first or None


def vertex_base_url(location: str) -> str:
    if location == "global":
        return "https://aiplatform.googleapis.com"
    return f"https://{location}-aiplatform.googleapis.com"


class VertexUpstream(Upstream):
    name = "vertex"

    def __init__(self, session: aiohttp.ClientSession, pool: CredentialPool, base_url: str | None, timeout: float = 120.0,
                 *, location: str = "us-central1", project: str | None = None):
        super().__init__(session, pool, base_url or vertex_base_url(location), timeout)
        self.location = location
        self.project = project
        self._fixed_base = base_url  # a configured base URL (emulator, proxy) serves every location
        # Where Vertex serves a model, when not at ``location``: Gemini text and image models only at `global`
        # (shared/docs/google-2026-12.md section 3); the app wires the catalog's answer (families, routes.yaml).
        self.location_for: Callable[[str], str | None] = lambda model: None

    def _location(self, model: str) -> str:
        return self.location_for(model) or self.location

    def _project(self, credential: Credential) -> str:
        project = self.project or vertex_project_of(credential)
        if not project:
            raise ApiError(503, f"No Google Cloud project for the vertex upstream with credential {credential.id}: "
                                "set vertex_project in the config or use a token file with a project_id.",
                           code="vertex_project_missing", type="service_unavailable")
        return project

    def _model_url(self, model: str, method: str):
        location = self._location(model)
        base = (self._fixed_base or vertex_base_url(location)).rstrip("/")

        def build(credential: Credential) -> str:
            return (f"{base}/v1/projects/{quote(self._project(credential), safe='')}/locations/"
                    f"{quote(location, safe='')}/publishers/google/models/{quote(model, safe='')}:{method}")
        return build

    async def generate_content(self, model: str, body: dict) -> dict:
        reply, _ = await self.send_json("POST", self._model_url(model, "generateContent"), body)
        return reply

    def stream_generate_content(self, model: str, body: dict) -> AsyncIterator[dict]:
        url = self._model_url(model, "streamGenerateContent")
        return self.stream_sse(lambda c: url(c) + "?alt=sse", body)

    async def count_tokens(self, model: str, body: dict) -> int:
        # Vertex AI's countTokens takes contents, systemInstruction and tools at the top level
        # (docs.cloud.google.com/vertex-ai/generative-ai/docs/model-reference/count-tokens).
        request = {k: v for k, v in body.items() if k in ("contents", "systemInstruction", "tools")}
        reply, _ = await self.send_json("POST", self._model_url(model, "countTokens"), request)
        return int(reply.get("totalTokens") or 0)

    async def predict_long_running(self, model: str, body: dict) -> Operation:
        reply, credential = await self.send_json("POST", self._model_url(model, "predictLongRunning"), body)
        return Operation(name=_operation_name(reply, self.name), credential_id=credential.id)

    async def check_model(self, model: str, credential_id: str) -> dict:
        """A cheap look-up of one publisher model, billed to the credential's project: Vertex AI's
        ``GET v1beta1/publishers/google/models/{model}`` with ``x-goog-user-project`` (the user-project
        override makes Google check that project: a project without the Vertex AI API answers 403
        SERVICE_DISABLED). 404: Vertex does not offer the model."""
        credential = self._pinned(credential_id)
        headers = {"x-goog-user-project": self._project(credential)}
        url = f"{self.base_url}/v1beta1/publishers/google/models/{quote(model, safe='')}"
        reply, _ = await self.send_json("GET", url, credential_id=credential_id, headers=headers)
        return reply

    async def get_operation(self, model: str, name: str, credential_id: str | None) -> dict:
        """POST ...:fetchPredictOperation {"operationName": name}, on the model path the name carries."""
        model_path = vertex_model_path(name)  # linear, bounded: the name comes from the upstream's reply
        if model_path is not None:
            url = f"{self.base_url}/v1/{model_path}:fetchPredictOperation"
        else:
            url = self._model_url(model, "fetchPredictOperation")
        reply, _ = await self.send_json("POST", url, {"operationName": name}, credential_id=credential_id)
        return reply
