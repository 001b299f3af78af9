"""The Gemini API (generativelanguage.googleapis.com): API keys or OAuth bearer tokens."""
from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote

from proxy.credentials import Credential
from proxy.upstreams.base import Operation, Upstream

#: a bound on pagination, in case a server keeps handing out page tokens
MAX_MODEL_PAGES = 50


class GeminiUpstream(Upstream):
    name = "gemini"

    def _model_url(self, model: str, method: str) -> str:
        return f"{self.base_url}/v1beta/models/{quote(model, safe='')}:{method}"

    async def extra_headers(self, credential: Credential) -> dict[str, str]:
        if credential.kind != "api_key" and credential.project_id:
            return {"x-goog-user-project": credential.project_id}
        return {}

    async def generate_content(self, model: str, body: dict) -> dict:
        reply, _ = await self.send_json("POST", self._model_url(model, "generateContent"), body)
        return reply

    def stream_generate_content(self, model: str, body: dict) -> AsyncIterator[dict]:
        return self.stream_sse(self._model_url(model, "streamGenerateContent") + "?alt=sse", body)

    async def count_tokens(self, model: str, body: dict) -> int:
        # CountTokensRequest takes a whole GenerateContentRequest (with its model) to count the system
        # instruction and tools too (ai.google.dev/api/tokens#method:-models.counttokens).
        request = {"generateContentRequest": {"model": f"models/{model}", **body}}
        reply, _ = await self.send_json("POST", self._model_url(model, "countTokens"), request)
        return int(reply.get("totalTokens") or 0)

    async def predict_long_running(self, model: str, body: dict) -> Operation:
        reply, credential = await self.send_json("POST", self._model_url(model, "predictLongRunning"), body)
        return Operation(name=_operation_name(reply, self.name), credential_id=credential.id)

    async def get_operation(self, model: str, name: str, credential_id: str | None) -> dict:
        reply, _ = await self.send_json("GET", f"{self.base_url}/v1beta/{name}", credential_id=credential_id)
        return reply

    async def list_models(self, credential_id: str, page_size: int = 1000) -> list[dict]:
        """Every model this credential may use: ``GET /v1beta/models``, page after page (pageSize up to
        1000, nextPageToken; ai.google.dev/api/models#method:-models.list)."""
        models: list[dict] = []
        token = None
        for _ in range(MAX_MODEL_PAGES):
            url = f"{self.base_url}/v1beta/models?pageSize={page_size}" + (f"&pageToken={quote(token, safe='')}" if token else "")
            reply, _ = await self.send_json("GET", url, credential_id=credential_id)
            models += [m for m in reply.get("models") or [] if isinstance(m, dict)]
            token = reply.get("nextPageToken")
            if not token:
                break
        return models


    # The Interactions API: POST /v1beta/interactions, GET /v1beta/interactions/{id},
    # POST /v1beta/interactions/{id}/cancel (ai.google.dev/static/api/interactions.openapi.json;
    # google-genai 3.6 _gaos/interactions.py: paths "/{api_version}/interactions[/{interactionsId}[/cancel]]").
    def _interaction_url(self, interaction_id: str = "", action: str = "") -> str:
        url = f"{self.base_url}/v1beta/interactions"
        if interaction_id:
            url += "/" + quote(interaction_id, safe="")
        return url + (f"/{action}" if action else "")

    async def create_interaction(self, body: dict, credential_id: str | None = None) -> tuple[dict, str | None]:
        """Start an interaction; ``credential_id`` pins it (an edit goes to the project of the interaction it
        continues, as previous_interaction_id is looked up there)."""
        reply, credential = await self.send_json("POST", self._interaction_url(), body, credential_id=credential_id)
        _interaction_id(reply, self.name)
        return reply, credential.id

    async def get_interaction(self, interaction_id: str, credential_id: str | None) -> dict:
        reply, _ = await self.send_json("GET", self._interaction_url(interaction_id), credential_id=credential_id)
        return reply

    async def cancel_interaction(self, interaction_id: str, credential_id: str | None) -> dict:
        reply, _ = await self.send_json("POST", self._interaction_url(interaction_id, "cancel"), {},
                                        credential_id=credential_id)
        return reply


def _interaction_id(reply: dict, upstream: str) -> str:
    from proxy.upstreams.errors import malformed_reply

    found = reply.get("id") if isinstance(reply, dict) else None
    if not isinstance(found, str) or not found:
        raise malformed_reply(upstream, "interaction without an id")
    return found


def _operation_name(reply: dict, upstream: str) -> str:
    from proxy.upstreams.errors import malformed_reply

    name = reply.get("name") if isinstance(reply, dict) else None
    if not isinstance(name, str) or not name:
        raise malformed_reply(upstream, "operation without a name")
    return name
