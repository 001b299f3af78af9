"""Front-ends' bookkeeping requests (chat titles, tags, follow-up suggestions, search queries) sent to a media
model: answered by a text model, so they never start a paid image, video or audio generation.

Chat front-ends send these side requests to the chat's own model: Open WebUI 0.12.4 picks the chat's model for
its tasks unless TASK_MODEL_EXTERNAL is set (open_webui/utils/task.py get_task_model_id), so every turn on a
Veo model used to start four videos. What marks them (/work/research/frontends.md, from the 0.12.4 wheel and
the front-ends' sources):

- Open WebUI: the header ``X-OpenWebUI-Task: {{TASK}}`` when the connection is configured to send it (its
  per-connection header templates), or the body: ``stream`` false, exactly one message, a user message, whose
  text starts ``### Task:`` and holds the template's ``<chat_history>`` (title, tags, follow-ups, queries,
  image prompt: open_webui/config.py DEFAULT_*_PROMPT_TEMPLATE) or ``<text>``/``<type>`` (autocomplete), or
  the emoji task's opening. Open WebUI's RAG template also starts ``### Task:``, but it arrives inside the
  ordinary streamed chat request, with the conversation: that one is a real turn.
- LibreChat: one user message starting "Provide a concise, 5-word-or-less title" (danny-avila/agents
  src/utils/title.ts), its structured variant "Analyze this conversation and provide:", or the older
  assistants endpoint's "Please generate a concise title".
- LobeChat: a system message starting "You are a professional conversation summarizer" (lobehub/lobe-chat
  packages/prompts/src/chains/summaryTitle.ts), or its older Chinese title prompt (src/chains/summaryTitle.ts).
"""
from __future__ import annotations

import json

from aiohttp import web

from proxy.hookspecs import Completion
from proxy.http.models import ChatCompletionRequest

#: Open WebUI's task marker header (set through the connection's header templates: {{TASK}}).
TASK_HEADER = "X-OpenWebUI-Task"
OPEN_WEBUI_TASK = "### Task:"
OPEN_WEBUI_EMOJI = "Your task is to reflect the speaker's likely facial expression"
# First words of a single user message that is a title request (LibreChat).
TITLE_OPENINGS = ("Provide a concise, 5-word-or-less title", "Analyze this conversation and provide:",
                  "Please generate a concise title")
# First words of the system message of a title request (LobeChat, current and older).
TITLE_SYSTEM_OPENINGS = ("You are a professional conversation summarizer",
                         "你是一名擅长会话的助理，你需要将用户的会话总结为")
# Fields of a media request that a text model does not take.
MEDIA_FIELDS = ("modalities", "video_config", "image_config", "audio", "audio_config", "n")


def _text(message) -> str:
    if isinstance(message.content, str):
        return message.content
    return "\n".join(p.get("text", "") for p in message.content or [] if p.get("type") == "text")


def housekeeping_task(request: web.Request, body: ChatCompletionRequest) -> str | None:
    """What kind of bookkeeping request this is (for the log), or None for a real turn."""
    header = request.headers.get(TASK_HEADER, "").strip()
    if header:
        return header[:64]
    messages = body.messages
    if len(messages) == 1 and messages[0].role == "user":
        text = _text(messages[0]).lstrip()
        if not body.stream and text.startswith(OPEN_WEBUI_TASK) and (
                "<chat_history>" in text or ("<text>" in text and "<type>" in text)):
            return "open-webui"
        if not body.stream and text.startswith(OPEN_WEBUI_EMOJI):
            return "open-webui emoji"
        if text.startswith(TITLE_OPENINGS):
            return "title"
    if messages and messages[0].role in ("system", "developer") and _text(messages[0]).lstrip().startswith(
            TITLE_SYSTEM_OPENINGS):
        return "title"
    return None


def as_text_request(body: ChatCompletionRequest, model: str) -> ChatCompletionRequest:
    """The same conversation for a text model: the media fields left out."""
    raw = body.model_dump(exclude_none=True)
    for name in MEDIA_FIELDS:
        raw.pop(name, None)
    raw["model"] = model
    return ChatCompletionRequest.model_validate(raw)


def canned_answer() -> Completion:
    """What answers when no text model is configured (housekeeping_model: null): an empty JSON object, which
    Open WebUI reads as "no title/tags/follow-ups" and keeps its defaults; nothing is spent."""
    return Completion(message={"role": "assistant", "content": json.dumps({})}, finish_reason="stop",
                      usage={"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0})
