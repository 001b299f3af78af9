"""Fenced code blocks of the README and docs/, with where they are and whether the docs test skips them."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SKIP = re.compile(r"<!--\s*docs-test:\s*skip\s*\((?P<reason>[^)]*)\)\s*-->")
FENCE = re.compile(r"^(?P<indent>\s*)```(?P<lang>[\w+-]*)\s*$")


@dataclass(frozen=True)
class DocBlock:
    path: str
    line: int
    lang: str
    code: str
    skip_reason: str | None

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def blocks_of(text: str, path: str) -> list[DocBlock]:
    lines = text.splitlines()
    found: list[DocBlock] = []
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        start, indent = i, len(opening.group("indent"))
        i += 1
        body: list[str] = []
        while i < len(lines) and not re.match(r"^\s*```\s*$", lines[i]):
            body.append(lines[i][indent:] if lines[i][:indent].strip() == "" else lines[i])
            i += 1
        i += 1
        before = next((lines[j] for j in range(start - 1, -1, -1) if lines[j].strip()), "")
        skip = SKIP.search(before)
        found.append(DocBlock(path, start + 1, opening.group("lang").lower(), "\n".join(body) + "\n",
                              skip.group("reason") if skip else None))
    return found


def collect_blocks(repo: Path) -> list[DocBlock]:
    pages = [repo / "README.md", *sorted((repo / "docs").rglob("*.md"))]
    return [b for page in pages for b in blocks_of(page.read_text(encoding="utf-8"), str(page.relative_to(repo)))]
