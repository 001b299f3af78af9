"""What each Gemini image model accepts in image_config, per upstream model id.

Source: the Gemini API discovery document's ImageConfig (generativelanguage v1beta: "Supported aspect
ratios: 1:1, 1:4, 4:1, 1:8, 8:1, 2:3, 3:2, 3:4, 4:3, 4:5, 5:4, 9:16, 16:9, or 21:9"; imageSize
"Supported values are 512, 1K, 2K, 4K") and ai.google.dev/gemini-api/docs/image-generation: the extreme
ratios (1:4, 4:1, 1:8, 8:1) and the 512 px size are Gemini 3.1 Flash Image's only (3P: lobehub #12493,
nanobot #4656); Gemini 3 Pro Image takes the ten standard ratios at 1K, 2K or 4K.
"""
from __future__ import annotations

from dataclasses import dataclass

STANDARD_RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")
EXTREME_RATIOS = ("1:4", "4:1", "1:8", "8:1")


@dataclass(frozen=True)
class ImageLimits:
    aspect_ratios: tuple[str, ...]
    sizes: tuple[str, ...]


PRO_IMAGE = ImageLimits(STANDARD_RATIOS, ("1K", "2K", "4K"))
FLASH_IMAGE_3_1 = ImageLimits(STANDARD_RATIOS + EXTREME_RATIOS, ("512", "1K", "2K", "4K"))

MODELS = {
    "gemini-3-pro-image": PRO_IMAGE,
    "gemini-3.1-flash-image": FLASH_IMAGE_3_1,
}
# Ids the table does not list yet are checked by family (new Flash/Pro image ids keep their family's options).
FAMILIES = (("gemini-3.1-flash-image", FLASH_IMAGE_3_1), ("gemini-3-pro-image", PRO_IMAGE))
#: what the Gemini API accepts at all: for an image model this table does not know
ANY = ImageLimits(STANDARD_RATIOS + EXTREME_RATIOS, ("512", "1K", "2K", "4K"))
#: spellings clients use for the 512 px size ("0.5K" is OpenRouter's and several gateways')
SIZE_ALIASES = {"0.5K": "512", "512PX": "512"}


def limits_for(target: str) -> ImageLimits:
    name = target.rsplit("/", 1)[-1]
    if name in MODELS:
        return MODELS[name]
    return next((limits for prefix, limits in FAMILIES if name.startswith(prefix)), ANY)


def normalize_size(size) -> str:
    text = str(size).strip().upper()
    return SIZE_ALIASES.get(text, text)


def describe(limits: ImageLimits) -> dict:
    """The limits as plain JSON for GET /v1/models/{id} (every ratio goes with every size)."""
    return {"type": "image", "aspect_ratios": list(limits.aspect_ratios), "image_sizes": list(limits.sizes)}
