"""mkdocs hook: the site's home page is README.md and its changelog page CHANGELOG.md, so neither is kept twice."""
from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PAGES_FROM_REPO = {"index.md": "README.md", "changelog.md": "CHANGELOG.md"}


def on_page_read_source(page, config):  # mkdocs' hook signature
    source = PAGES_FROM_REPO.get(page.file.src_uri)
    if source is None:
        return None
    text = (REPO / source).read_text(encoding="utf-8")
    text = text.replace("](CHANGELOG.md)", "](changelog.md)")
    return re.sub(r"\]\(docs/", "](", text)
