"""The console as a person meets it: tables on a phone keep words and amounts whole, the gallery pages, the
keyboard focus stays put when a generation ends, screenshots show a frame of each video, and the Usage page
of `serve --emulator` says that nothing was paid."""
from __future__ import annotations

import json
import urllib.request

import pytest

from tests.console.conftest import show_frames

pytestmark = pytest.mark.slow

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
# Each cell's text as the lines it is laid out on (a Range's client rects, grouped by their top).
CELL_LINES = """(selector) => [...document.querySelectorAll(selector)].map((cell) => {
  const range = document.createRange(); range.selectNodeContents(cell);
  const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
  return {text: cell.innerText.trim(), lines: tops.size, cls: cell.className};
})"""


def _post(server, path: str, body: dict) -> dict:
    request = urllib.request.Request(f"{server.base_url}{path}", method="POST", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as resp:
        return json.loads(resp.read())


def _usage_sample(route):
    group = route.request.url.split("group_by=")[1].split("&")[0]
    rows = {"day": [{"day": "2026-11-26", "key": None, "model": None}],
            "model": [{"model": "veo-3.1-generate-preview", "key": None, "day": None}],
            "key": [{"key": "studio-production-key", "model": None, "day": None}]}[group]
    for row in rows:
        row.update(requests=123456, cost_usd=82.08, video_seconds=1234.5, images=12, input_tokens=1234567,
                   output_tokens=7654321, video_tokens=0)
    route.fulfill(json={"object": "usage", "start": 0, "end": 1, "group_by": group, "currency": "usd", "data": rows,
                        "budget": {"limit_usd": 500.0, "period": "month", "spent_usd": 82.08,
                                   "remaining_usd": 417.92}})


def test_on_a_phone_usage_and_admin_tables_never_break_a_word_or_an_amount(server, make_console):
    console = make_console(server, **PHONE)
    page = console.open("#/usage")
    page.route("**/v1/usage?*", _usage_sample)
    page.reload()
    page.get_by_role("region", name="Spend per model").wait_for()
    cells = page.evaluate(CELL_LINES, "#usage-body td")
    assert any(c["text"] == "$82.08" for c in cells)
    whole = [c for c in cells if not any(ch.isspace() for ch in c["text"]) or "num" in c["cls"]]
    assert whole and all(c["lines"] == 1 for c in whole), [c for c in whole if c["lines"] != 1]

    page.goto(f"{server.base_url}/#/admin")
    page.get_by_role("region", name="Doctor: routes").wait_for()
    cells = page.evaluate(CELL_LINES, "#admin-body td")
    broken = [c for c in cells if c["text"] and " " not in c["text"] and c["lines"] != 1]
    assert cells and broken == []
    # The page itself does not scroll sideways: a wide table scrolls in its own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_gallery_shows_a_page_of_cards_at_a_time(server, make_console):
    for index in range(14):
        _post(server, "/v1/videos", {"model": "veo-3.1-fast-generate-preview", "prompt": f"kite {index}",
                                     "seconds": "4"})
    with urllib.request.urlopen(f"{server.base_url}/v1/videos?limit=100") as resp:
        total = len(json.loads(resp.read())["data"])
    console = make_console(server)
    page = console.open("#/gallery")
    page.locator("#gallery > li").first.wait_for()
    assert page.locator("#gallery > li").count() == 12
    assert page.locator("#gallery-status").inner_text().startswith("Videos 1–12")
    older = page.get_by_role("button", name="Older videos")
    older.click()
    page.wait_for_function("() => document.getElementById('gallery-status').textContent.startsWith('Videos 13')")
    assert page.locator("#gallery > li").count() == min(12, total - 12)
    assert page.evaluate("document.activeElement.id") == "gallery-heading"
    page.get_by_role("button", name="Newer videos").click()
    page.wait_for_function("() => document.getElementById('gallery-status').textContent.startsWith('Videos 1–12')")
    assert page.get_by_role("button", name="Newer videos").is_hidden()


def test_the_focus_stays_on_start_when_a_generation_ends(server, make_console):
    console = make_console(server)
    page = console.open()
    page.wait_for_selector("#model option", state="attached")
    page.get_by_label("Model", exact=True).select_option("veo-3.1-fast-generate-preview")
    page.wait_for_function("() => document.getElementById('play-form').dataset.model === "
                           "'veo-3.1-fast-generate-preview'")
    page.get_by_label("Duration", exact=True).select_option("4")
    page.get_by_label("Prompt", exact=True).fill("a paper boat")
    page.locator("#start").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#thread video')")
    page.wait_for_function("() => document.getElementById('start').getAttribute('aria-disabled') === 'false'")
    assert page.evaluate("document.activeElement.id") == "start"
    # A second Enter starts the next one: the keyboard user is where they were.
    assert page.evaluate("document.activeElement !== document.body")


def test_a_screenshot_shows_a_frame_of_the_video_not_a_black_box(server, make_console):
    console = make_console(server)
    page = console.open()
    page.get_by_label("Model", exact=True).select_option("veo-3.1-fast-generate-preview")
    page.wait_for_function("() => document.getElementById('play-form').dataset.model === "
                           "'veo-3.1-fast-generate-preview'")
    page.get_by_label("Duration", exact=True).select_option("4")
    page.get_by_label("Prompt", exact=True).fill("a lighthouse")
    page.get_by_role("button", name="Start").click()
    video = page.locator("#thread video").first
    video.wait_for()
    page.wait_for_function("() => document.querySelector('#thread video').readyState >= 1")
    assert show_frames(page) == 1
    # The pixels the screenshot takes: the frame drawn onto a canvas is not all black.
    brightest = video.evaluate("""v => { const c = document.createElement('canvas'); c.width = 32; c.height = 18;
        const g = c.getContext('2d'); g.drawImage(v, 0, 0, 32, 18);
        return Math.max(...g.getImageData(0, 0, 32, 18).data.filter((_, i) => i % 4 !== 3)); }""")
    assert video.evaluate("v => v.currentTime") > 0 and brightest > 40


def test_usage_of_the_emulator_says_nothing_was_paid(server, make_console):
    _post(server, "/v1/chat/completions", {"model": "gemini-3.5-flash", "messages": [{"role": "user", "content": "hi"}]})
    console = make_console(server)
    page = console.open("#/usage")
    notice = page.locator("#usage-emulated")
    notice.wait_for()
    assert "nothing was paid" in notice.inner_text()
    costs = page.evaluate("() => [...document.querySelectorAll('#usage-body td.num')].map((c) => c.innerText)"
                          ".filter((t) => t.startsWith('$'))")
    assert costs and set(costs) == {"$0.00"}
