"""OpenAI chat completions <-> Gemini generateContent: the mapping the text and image plugins share.

messages.py (contents, remote images), parameters.py (generationConfig, tools, the body),
reply.py (messages, finish reasons, usage, deltas), send.py.

Requests: messages -> ``contents`` / ``systemInstruction`` (pure; remote image URLs are only
noted here and fetched later by :func:`fetch_remote_parts`), parameters -> ``generationConfig``,
tools -> ``functionDeclarations`` / ``toolConfig``.
Replies: candidates -> assistant messages (``content``, ``reasoning_content``, ``tool_calls``,
``images``), ``finishReason`` -> ``finish_reason``, ``usageMetadata`` -> ``usage``; streamed
events -> :class:`Delta`.

Decisions:
- JSON schemas are sent as ``responseJsonSchema`` / ``parametersJsonSchema`` (Gemini's fields that
  take JSON Schema as is, ``additionalProperties`` included) rather than the OpenAPI-subset
  ``responseSchema`` / ``parameters``, which reject what OpenAI's strict schemas contain.
- Gemini 3 thought signatures are remembered per tool call id and put back when a client drops
  them (signatures.py).
- Unknown top-level fields are a 400 naming the field, except the harmless ones OpenAI clients
  send (``IGNORED``); parameters Gemini cannot honour (``UNSUPPORTED``) are a 400 too.
"""
from plugins.gemini_chat.parameters import build_body, check_fields
from plugins.gemini_chat.reply import completions, deltas, remember_signatures, split_parts
from plugins.gemini_chat.send import send

__all__ = ["build_body", "check_fields", "completions", "deltas", "remember_signatures", "send", "split_parts"]
