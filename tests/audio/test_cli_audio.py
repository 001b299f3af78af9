"""`genproxy speak` and `genproxy music` as a user runs them, against a running proxy."""
from __future__ import annotations

import re

import pytest

from tests.audio.test_music import decoded
from tests.clients.helpers import run
from tests.clients.test_cli_client import GENPROXY, conn


async def test_speak_writes_the_audio(proxy, tmp_path):
    out = tmp_path / "hello.mp3"
    code, stdout, stderr = await run(*GENPROXY, "speak", "Hello from the command line", "--voice", "nova",
                                     "-o", str(out), *conn(proxy))
    assert code == 0, stderr
    assert decoded(out.read_bytes())[1] == pytest.approx(len("Hello from the command line") / 15, abs=0.15)


async def test_music_shows_progress_and_saves_the_song(proxy, tmp_path):
    out = tmp_path / "song.mp3"
    code, stdout, stderr = await run(*GENPROXY, "music", "A short jazz loop [emulate:delay=0.3]", "--model",
                                     "lyria-3-pro-preview", "--duration", "40", "-o", str(out), *conn(proxy))
    assert code == 0, stderr
    assert re.search(r"\[#{30}\] 100% completed", stderr), stderr
    assert decoded(out.read_bytes())[1] == pytest.approx(40, abs=0.1)
    assert "[Verse 1]" in stdout


async def test_speak_refusal_is_one_line(proxy, tmp_path):
    code, _stdout, stderr = await run(*GENPROXY, "speak", "hi", "--voice", "robot", "-o", str(tmp_path / "x.mp3"),
                                      *conn(proxy))
    assert code == 1 and "Unknown voice 'robot'" in stderr
