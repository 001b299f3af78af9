"""What each Lyria model accepts, with sources (research note /work/research/audio.md section 2).

- lyria-3-clip-preview: "the Clip model always produces 30-second clips", MP3 44.1 kHz stereo
  (ai.google.dev/gemini-api/docs/music-generation).
- lyria-3-pro-preview: full songs, "a couple of minutes", length set only through the prompt; about 3 minutes
  at most (getaibook, 3P). lyria-3.5: the same, and WAV on request ("For Lyria 3.5, you can also request
  WAV": music page, "Select output format"); its ``responseFormat`` is refused by the other models.
- Images: "up to 10 images together with the text prompt" (music page, "Generate music from images").
- "Music generation is a single-turn process" (music page, Limitations): earlier turns are not sent.
- ``expected_seconds``: how long Google takes, for the progress figure only (genproxy's estimate: Lyria
  3.5 "reasons about song structure before generating"; 3P code treats Pro as minutes-long).
"""
from __future__ import annotations

from dataclasses import dataclass

MAX_IMAGES = 10
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
MAX_PROMPT_CHARS = 8000  # genproxy's bound: Lyria's prompt limit is not published; lyrics fit well under it


@dataclass(frozen=True)
class MusicModel:
    id: str
    fixed_seconds: int | None = None   # the clip's length, which no prompt changes
    min_seconds: int = 10
    max_seconds: int = 180
    formats: tuple[str, ...] = ("mp3",)
    expected_seconds: float = 60.0


MUSIC_MODELS: dict[str, MusicModel] = {m.id: m for m in (
    MusicModel("lyria-3-clip-preview", fixed_seconds=30, expected_seconds=20.0),
    MusicModel("lyria-3-pro-preview", expected_seconds=90.0),
    MusicModel("lyria-3.5", formats=("mp3", "wav"), expected_seconds=120.0),
)}


def limits_for(model_id: str) -> MusicModel:
    """The table's entry; an id it does not know is a song model taking MP3 (Google checks the rest)."""
    return MUSIC_MODELS.get(model_id) or MusicModel(model_id)


def describe(model: MusicModel) -> dict:
    seconds = {"fixed": model.fixed_seconds} if model.fixed_seconds else \
        {"min": model.min_seconds, "max": model.max_seconds, "default": "Google's choice (a couple of minutes)"}
    return {"type": "music", "duration_seconds": seconds, "formats": list(model.formats),
            "reference_images": MAX_IMAGES, "image_types": list(IMAGE_TYPES), "instrumental": True,
            "max_prompt_chars": MAX_PROMPT_CHARS}
