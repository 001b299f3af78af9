"""The console's speech and music page end to end: a voice speaks into a player with a download, and a Lyria
clip is made with a progress bar and plays."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

AUDIO_PLAYING = """() => { const a = document.querySelector('#audio-results audio');
  return a && a.readyState >= 1 && a.duration > 0 }"""


def _choose(page, model: str):
    page.wait_for_selector(f"#audio-model option[value='{model}']", state="attached")
    page.get_by_label("Audio model", exact=True).select_option(model)
    page.wait_for_function("(m) => document.getElementById('audio-form').dataset.model === m", arg=model)


def test_speech_plays_and_downloads(server, make_console):
    console = make_console(server)
    page = console.open("#/audio")
    _choose(page, "gemini-3.8-flash-tts")
    page.get_by_label("Voice", exact=True).select_option("nova")
    page.get_by_label("Audio format", exact=True).select_option("wav")
    page.get_by_label("Text to speak", exact=True).fill("Hello from the console, thirty chars.")
    page.get_by_role("button", name="Make it").click()
    page.wait_for_function(AUDIO_PLAYING)
    seconds = page.locator("#audio-results audio").evaluate("a => a.duration")
    assert seconds == pytest.approx(len("Hello from the console, thirty chars.") / 15, abs=0.2)
    assert page.locator("#audio-results a.download").get_attribute("download") == "speech.wav"
    assert not console.errors


def test_a_clip_shows_progress_lyrics_and_plays(server, make_console):
    console = make_console(server)
    page = console.open("#/audio")
    _choose(page, "lyria-3-clip-preview")
    assert page.get_by_label("Song duration (s)", exact=True).is_disabled()
    page.get_by_label("Describe the music", exact=True).fill("a bright ukulele tune")
    page.get_by_role("button", name="Make it").click()
    page.wait_for_function(AUDIO_PLAYING, timeout=60_000)
    assert page.locator("#audio-results audio").evaluate("a => a.duration") == pytest.approx(30, abs=0.2)
    assert "[Verse 1]" in page.locator("#audio-results pre.lyrics").inner_text()
    assert page.locator("#audio-progress").evaluate("p => p.value") == 100
    assert not console.errors


def test_the_main_playground_leaves_speech_and_music_to_their_page(server, make_console):
    page = make_console(server).open()
    page.wait_for_selector("#model option", state="attached")
    assert page.locator("#model option[value='gemini-3.8-flash-tts']").count() == 0
