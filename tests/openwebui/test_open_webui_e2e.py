"""The real Open WebUI (pip open-webui) in front of `genproxy serve --emulator`, driven in headless Chromium.

Opt-in: `make e2e-openwebui` installs Open WebUI (~7 GB) into its own venv and runs this with OPENWEBUI_BIN set;
without it every test here is skipped (CI covers the same contracts without Open WebUI:
tests/clients/test_open_webui_contracts.py sends exactly the requests Open WebUI sends).

What a user of docs/open-webui.md sees: a video plays in the chat, replying "now make it night" on Gemini Omni
edits it, an image shows (a chat with an image model, and Open WebUI's own image engine "Gemini"), and one turn
on a video model starts exactly one job while Open WebUI's title and follow-up tasks cost nothing.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.console.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.hardening.serve import ServeProcess
from tests.support import REPO

pytestmark = pytest.mark.slow

OPENWEBUI_BIN = os.environ.get("OPENWEBUI_BIN", "")
KEY = "sk-openwebui-e2e-0001"
SCREENSHOTS = REPO / "docs" / "open-webui"
FAST = {"poll_initial_delay": 0.2, "poll_max_delay": 0.3, "keepalive_interval": 0.5}
VIDEO_MODEL = "veo-3.1-fast-generate-preview"
OMNI_MODEL = "gemini-omni-1.1-flash"
IMAGE_MODEL = "gemini-3.1-flash-image"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, key: str | None = None, timeout: float = 5) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"} if key else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture(scope="module")
def genproxy(tmp_path_factory):
    if not OPENWEBUI_BIN:
        pytest.skip("Open WebUI is not installed: run `make e2e-openwebui`")
    proc = ServeProcess(tmp_path_factory.mktemp("owui-genproxy"),
                        {**FAST, "api_keys": [{"key": KEY, "name": "open-webui", "chat_video_links": True}]},
                        args=("--emulator-delay", "2"))
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def open_webui(genproxy, tmp_path_factory):
    """Open WebUI as docs/open-webui.md sets it up: offline, single-user, genproxy as its OpenAI connection and
    as its Gemini image engine."""
    home = tmp_path_factory.mktemp("owui")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "GENPROXY_", "GEMINI_"))}
    env.update({
        "HOME": str(home), "DATA_DIR": str(home / "data"), "WEBUI_SECRET_KEY": "e2e-only-secret",
        "OPENAI_API_BASE_URL": f"{genproxy.base_url}/v1", "OPENAI_API_KEY": KEY,
        "ENABLE_OPENAI_API": "true", "ENABLE_OLLAMA_API": "false",
        "OFFLINE_MODE": "true", "HF_HUB_OFFLINE": "1", "WEBUI_AUTH": "false",
        "ENABLE_VERSION_UPDATE_CHECK": "false", "BYPASS_EMBEDDING_AND_RETRIEVAL": "true",
        "RAG_EMBEDDING_ENGINE": "openai", "ENABLE_PERSISTENT_CONFIG": "false",
        "ANONYMIZED_TELEMETRY": "false", "DO_NOT_TRACK": "true", "SCARF_NO_ANALYTICS": "true",
        "ENABLE_IMAGE_GENERATION": "true", "IMAGE_GENERATION_ENGINE": "gemini",
        "IMAGES_GEMINI_API_BASE_URL": f"{genproxy.base_url}/v1beta", "IMAGES_GEMINI_API_KEY": KEY,
        "IMAGE_GENERATION_MODEL": "imagen-3.0-generate-002",
    })
    log = (home / "open-webui.log").open("w")
    proc = subprocess.Popen([OPENWEBUI_BIN, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                            cwd=home, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"Open WebUI exited: {(home / 'open-webui.log').read_text()[-3000:]}")
        try:
            if _get(f"{base}/health", timeout=2)[0] == 200:
                break
        except OSError:
            pass
        time.sleep(1)
    else:
        pytest.fail("Open WebUI did not start in 240 s")
    yield base
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def chat(browser, open_webui, tmp_path):
    shots = SCREENSHOTS if os.environ.get("GENPROXY_SCREENSHOTS") == "1" else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.goto(f"{open_webui}/auth")  # WEBUI_AUTH=false signs the single user in
    page.wait_for_url(re.compile(r".*/(\?.*)?$"))
    yield Chat(page, open_webui, shots)
    context.close()


class Chat:
    def __init__(self, page, base: str, shots: Path):
        self.page, self.base, self.shots = page, base, shots

    def new(self, model: str) -> None:
        self.page.goto(f"{self.base}/?models={model}")
        self.page.wait_for_selector("#chat-input")
        self.dismiss()

    def dismiss(self) -> None:
        """Close the "What's new" dialog Open WebUI shows on a first visit."""
        for _ in range(10):
            self.page.wait_for_timeout(300)
            if self.page.locator("div[role=dialog]").count() == 0:
                return
            self.page.keyboard.press("Escape")

    def send(self, text: str) -> None:
        answers = self.page.locator(".chat-assistant").count()
        self.page.locator("#chat-input").click()
        self.page.keyboard.type(text)
        self.page.keyboard.press("Enter")
        self.page.wait_for_function(f"document.querySelectorAll('.chat-assistant').length > {answers}")
        # Done: the answer's action buttons (in the message around .chat-assistant) appear once message.done.
        message = self.page.locator(".chat-assistant").last.locator("xpath=ancestor::div[starts-with(@id, 'message-')]")
        message.locator('button[aria-label="Regenerate"]').wait_for()

    def last_video(self):
        video = self.page.locator(".chat-assistant").last.locator("video")
        video.wait_for()
        return video

    def shot(self, name: str, video=None) -> None:
        if video is not None:  # show a frame, not a black box: seek and wait for it to be drawn
            video.evaluate("v => new Promise(done => { v.pause(); v.addEventListener('seeked', done, {once: true});"
                           " v.currentTime = Math.min(1.5, (v.duration || 2) / 2); })")
        self.page.screenshot(path=str(self.shots / f"{name}.png"))


def _jobs(genproxy) -> list[dict]:
    status, body = _get(f"{genproxy.base_url}/v1/videos?limit=100", KEY)
    assert status == 200, body
    return json.loads(body)["data"]


def test_a_video_plays_in_the_chat_and_one_turn_starts_one_job(chat, genproxy):
    before = len(_jobs(genproxy))
    chat.new(VIDEO_MODEL)
    chat.send("A cat on a roof at sunset")
    video = chat.last_video()
    assert "/v1/videos/video_" in video.get_attribute("src") and "signature=" in video.get_attribute("src")
    video.evaluate("v => { v.muted = true; return v.play(); }")
    chat.page.wait_for_function("v => v.currentTime > 0.5", arg=video.element_handle(), timeout=20_000)
    chat.shot("video-plays", video)
    # Open WebUI's title, tags and follow-up tasks went to the same model: answered by text, no job.
    chat.page.wait_for_timeout(3000)
    assert len(_jobs(genproxy)) == before + 1
    assert "front-end bookkeeping" in genproxy.stderr()


def test_replying_edits_the_omni_video(chat, genproxy):
    chat.new(OMNI_MODEL)
    chat.send("A red car on a coast road")
    first = chat.last_video().get_attribute("src")
    first_job = re.search(r"video_[0-9a-f]{24}", first).group(0)
    chat.send("now make it night")
    second = chat.last_video()
    assert second.get_attribute("src") != first
    answer = chat.page.locator(".chat-assistant").last.inner_text()
    assert f"Edited video {first_job}" in answer
    chat.shot("omni-edit", second)


def test_an_image_shows(chat, genproxy):
    chat.new(IMAGE_MODEL)
    chat.send("A lighthouse at dawn")
    image = chat.page.locator(".chat-assistant").last.locator("img").first
    image.wait_for()
    chat.page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=image.element_handle())
    chat.shot("image")


def test_open_webuis_gemini_image_engine(chat):
    """Open WebUI's own image generation (engine "gemini", :predict with instances as an object) through
    genproxy's native Gemini path, as its image button calls it."""
    token = chat.page.evaluate("localStorage.token")
    answer = chat.page.request.post(f"{chat.base}/api/v1/images/generations",
                                    headers={"Authorization": f"Bearer {token}"}, data={"prompt": "A lighthouse"})
    assert answer.status == 200, answer.text()
    images = answer.json()
    assert images and images[0]["url"]
    picture = chat.page.request.get(f"{chat.base}{images[0]['url']}" if images[0]["url"].startswith("/")
                                    else images[0]["url"], headers={"Authorization": f"Bearer {token}"})
    assert picture.status == 200 and picture.body()[:8] == b"\x89PNG\r\n\x1a\n"
