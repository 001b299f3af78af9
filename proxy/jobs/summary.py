"""What a job remembers of the request that made it: what the Videos API shows (no images, no secrets)."""
from __future__ import annotations

from proxy.http.models import ChatCompletionRequest
from proxy.routing.routes import Route

PROMPT_CHARS = 2000


def job_summary(request: ChatCompletionRequest, route: Route, source: str) -> dict:
    config = request.extra("video_config") or {}
    config = config if isinstance(config, dict) else {}

    def setting(name: str):
        return config.get(name, route.defaults.get(name))

    return {"prompt": request.prompt_text()[:PROMPT_CHARS], "seconds": setting("duration_seconds"),
            "aspect_ratio": setting("aspect_ratio"), "resolution": setting("resolution"), "source": source,
            "audio": setting("generate_audio")}
