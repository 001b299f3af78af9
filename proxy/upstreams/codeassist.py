"""Code Assist (cloudcode-pa ``v1internal``): what Gemini CLI OAuth tokens reach. Text only.

Body ``{"project", "model", "request": <generateContent body>}``; replies (and each SSE event)
are wrapped as ``{"response": <GenerateContentResponse>}``. The project is the credential's
``project_id``, so the body is built per credential.
"""
from __future__ import annotations

from collections.abc import AsyncIterator

from proxy.credentials import Credential
from proxy.upstreams.base import Upstream
from proxy.upstreams.errors import malformed_reply


class CodeAssistUpstream(Upstream):
    name = "codeassist"

    def _body(self, model: str, request: dict):
        def build(credential: Credential) -> dict:
            body = {"model": model, "request": request}
            if credential.project_id:
                body = {"project": credential.project_id, **body}
            return body
        return build

    def _unwrap(self, reply: dict) -> dict:
        if not isinstance(reply, dict) or not isinstance(reply.get("response"), dict):
            raise malformed_reply(self.name, "reply without a 'response' object")
        return reply["response"]

    async def generate_content(self, model: str, body: dict) -> dict:
        reply, _ = await self.send_json("POST", f"{self.base_url}/v1internal:generateContent", self._body(model, body))
        return self._unwrap(reply)

    def stream_generate_content(self, model: str, body: dict) -> AsyncIterator[dict]:
        return self.stream_sse(f"{self.base_url}/v1internal:streamGenerateContent?alt=sse", self._body(model, body),
                               unwrap=self._unwrap_event)

    def _unwrap_event(self, event: dict) -> dict:
        if isinstance(event, dict) and "error" in event and "response" not in event:
            return event  # an in-stream error: the text plugin reports it
        return self._unwrap(event)
