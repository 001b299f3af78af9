"""The requests chat front-ends send, as they send them (for the contract tests; the real Open WebUI runs in
tests/openwebui/ with `make e2e-openwebui`).

Open WebUI 0.12.4: the task templates are open_webui/config.py's DEFAULT_*_PROMPT_TEMPLATE (the first lines and
the markers kept, guidelines shortened), sent by routers/tasks.py as one user message with stream false; the
ordinary chat turn is streamed with its tools and stream_options (research note /work/research/frontends.md 1.3).
"""
from __future__ import annotations

TITLE = """### Task:
Generate a concise title summarizing the chat history.
### Guidelines:
- The title should clearly represent the main theme or subject of the conversation.
### Output:
JSON format: { "title": "your concise title here" }
### Chat History:
<chat_history>
USER: A cat on a roof at sunset
</chat_history>"""

TAGS = """### Task:
Generate 1-3 broad tags categorizing the main themes of the chat history, along with 1-3 more specific subtopic tags.
### Output:
JSON format: { "tags": ["tag1", "tag2", "tag3"] }
### Chat History:
<chat_history>
USER: A cat on a roof at sunset
ASSISTANT: Generated 1 video with veo-3.1-fast-generate-preview in 5 s.
</chat_history>"""

FOLLOW_UPS = """### Task:
Predict 3-5 useful messages this user might naturally send next to advance their current objective.
### Output:
JSON format: { "follow_ups": ["Message 1?", "Message 2?", "Message 3?"] }
### Chat History:
<chat_history>
USER: A cat on a roof at sunset
</chat_history>"""

QUERIES = """### Task:
Analyze the chat history to determine the necessity of generating search queries, in the given language.
### Output:
JSON format: { "queries": ["query1", "query2"] }
### Chat History:
<chat_history>
USER: A cat on a roof at sunset
</chat_history>"""

AUTOCOMPLETE = """### Task:
You are an autocompletion system. Continue the text in `<text>` based on the **completion type** in `<type>` and the given language.
<type>General</type>
<text>A cat on a</text>"""

EMOJI = """Your task is to reflect the speaker's likely facial expression through a fitting emoji. Interpret emotions from the message and reflect their facial expression using fitting, diverse emojis.

Message: ```A cat on a roof```"""

RAG = """### Task:
Respond to the user query using the provided context, incorporating inline citations in the format [id] **only when the <source> tag includes an explicit id attribute** (e.g., <source id="1">).
<context>
<source id="1">Cats like roofs.</source>
</context>
<user_query>
A cat on a roof at sunset
</user_query>"""

LIBRECHAT_TITLE = ("Provide a concise, 5-word-or-less title for the conversation, using title case conventions. "
                   "Only return the title itself.\n\nConversation:\nUser: A cat on a roof\nAI: Generated 1 video.")

LOBECHAT_SYSTEM = ("You are a professional conversation summarizer. Generate a concise title that captures the "
                   "essence of the conversation.")

#: Built-in tools Open WebUI 0.12 adds to an ordinary turn (utils/tools.py get_builtin_tools), abridged.
OPEN_WEBUI_TOOLS = [{"type": "function", "function": {"name": "get_current_timestamp", "description": "now",
                                                      "parameters": {"type": "object", "properties": {}}}}]


def open_webui_task(model: str, prompt: str) -> dict:
    """A background task as routers/tasks.py sends it (metadata is popped before the request leaves)."""
    return {"model": model, "messages": [{"role": "user", "content": prompt}], "stream": False, "max_tokens": 1000}


def open_webui_turn(model: str, messages: list[dict]) -> dict:
    """An ordinary Open WebUI chat turn as it reaches the connection."""
    return {"model": model, "messages": messages, "stream": True, "tools": OPEN_WEBUI_TOOLS}
