"""Fixtures of the console's end-to-end tests: a real `genproxy serve --emulator` and Debian's headless Chromium
driven by Playwright (which cannot download its own browsers here: executable_path names the system one)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.hardening.serve import ServeProcess
from tests.support import REPO

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CONSOLE_KEY = "console-test-key-0001"
# Fast jobs: the emulator's video operations take EMULATOR_DELAY seconds and the proxy polls often.
EMULATOR_DELAY = "2"
# The console's Veo controls (first and last frame, references, remix) are played against Google as of November
# 2026, when the Gemini API still served the Veo 3.1 preview ids (the rest of the suite plays the same snapshot).
EMULATOR_ARGS = ("--emulator-delay", EMULATOR_DELAY, "--emulator-catalog", "2026-11")
FAST = {"poll_initial_delay": 0.2, "poll_max_delay": 0.3, "keepalive_interval": 0.5}
#: Where the README's screenshots go when GENPROXY_SCREENSHOTS=1 (otherwise into the test's temporary folder).
SCREENSHOTS = REPO / "docs" / "console"


def _chromium_or_skip():
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # a test dependency like any other: not a reason to skip
        pytest.fail("playwright is not installed: pip install -e '.[test]'")
    return sync_playwright


@pytest.fixture(scope="module")
def browser():
    # Module scope: the sync API's event loop must be gone before the next module's asyncio tests run.
    sync_playwright = _chromium_or_skip()
    with sync_playwright() as playwright:
        executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, browser):
    """An open local proxy (no client keys): the console needs no key and its user is the admin."""
    proc = ServeProcess(tmp_path_factory.mktemp("console-open"), FAST, args=EMULATOR_ARGS)
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory, browser):
    proc = ServeProcess(tmp_path_factory.mktemp("console-keyed"), {**FAST, "api_keys": [CONSOLE_KEY]},
                        args=EMULATOR_ARGS)
    yield proc
    proc.stop()


# Seek each loaded video a moment in and wait for the frame (the 'seeked' event, then two animation frames).
SHOW_FRAMES = """async () => {
  const videos = [...document.querySelectorAll('video')].filter((v) => v.readyState >= 1 && v.duration > 0);
  await Promise.all(videos.map((v) => new Promise((done) => {
    v.pause();
    const at = Math.min(1.5, v.duration / 2);
    if (Math.abs(v.currentTime - at) < 0.01 && v.readyState >= 2) return done();
    v.addEventListener('seeked', () => done(), { once: true });
    v.currentTime = at;
  })));
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  return videos.length;
}"""


def show_frames(page) -> int:
    return page.evaluate(SHOW_FRAMES)


class Console:
    """One browser page on the console, failing the test on any uncaught script error."""

    def __init__(self, page, base_url: str, shots: Path):
        self.page, self.base_url, self.shots = page, base_url, shots
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def open(self, hash_: str = "#/playground"):
        self.page.goto(f"{self.base_url}/{hash_}")
        return self.page

    def screenshot(self, name: str, full_page: bool = True) -> Path:
        """A screenshot with every video showing a frame: a video not yet played is drawn as a black box (the
        docs showed black boxes), so each one is paused a moment in, and the shot waits until it is drawn."""
        show_frames(self.page)
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture
def make_console(browser, tmp_path):
    shots = SCREENSHOTS if os.environ.get("GENPROXY_SCREENSHOTS") == "1" else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    contexts = []
    consoles = []

    def make(server_, **context_args) -> Console:
        context = browser.new_context(**{"viewport": {"width": 1200, "height": 900}, **context_args})
        context.set_default_timeout(30_000)
        contexts.append(context)
        console = Console(context.new_page(), server_.base_url, shots)
        consoles.append(console)
        return console

    yield make
    for context in contexts:
        context.close()
    errors = [e for c in consoles for e in c.errors]
    assert not errors, f"script errors in the console: {errors}"
