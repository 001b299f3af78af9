"""The web console end to end: Debian's headless Chromium (Playwright) against `genproxy serve --emulator`.

GENPROXY_SCREENSHOTS=1 saves the screenshots the README shows into docs/console/.
"""
from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest

from tests.console.conftest import CONSOLE_KEY

pytestmark = pytest.mark.slow

PLAYING = """(n) => { const v = document.querySelectorAll('#thread video');
  return v.length >= n && v[n - 1].readyState >= 2 && v[n - 1].duration > 0 }"""


def _api(server, method: str, path: str, body: dict | None = None, key: str | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{server.base_url}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {key}"} if key else {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _choose_model(page, model: str):
    page.wait_for_selector(f"#model option[value='{model}']", state="attached")
    page.get_by_label("Model", exact=True).select_option(model)
    _options_of(page, model)


def _options_of(page, model: str):
    """Wait until the options on show are this model's (they are built once its limits have arrived)."""
    page.wait_for_function("(m) => document.getElementById('play-form').dataset.model === m", arg=model)


def _generate(page, model: str, prompt: str, **options):
    _choose_model(page, model)
    for label, value in options.items():
        page.get_by_label(label.replace("_", " ").capitalize(), exact=True).select_option(value)
    page.get_by_label("Prompt", exact=True).fill(prompt)
    page.get_by_role("button", name="Start").click()


def test_a_veo_video_is_generated_with_live_progress_and_plays_at_the_requested_length(server, make_console):
    console = make_console(server)
    page = console.open()
    _generate(page, "veo-3.1-generate-preview", "a lighthouse in a storm, portrait", Duration="6",
              Aspect_ratio="9:16")
    # Progress from the SSE stream's genproxy chunks while the job runs.
    page.wait_for_function("() => /in_progress|queued/.test(document.getElementById('progress-text').textContent)")
    page.wait_for_function(PLAYING, arg=1)
    video = page.locator("#thread video").first
    facts = video.evaluate("v => ({ready: v.readyState, duration: v.duration, w: v.videoWidth, h: v.videoHeight})")
    assert facts["ready"] >= 2
    assert facts["duration"] == pytest.approx(6, abs=0.1)
    assert facts["h"] > facts["w"]  # 9:16
    assert page.locator("#progress-text").inner_text().startswith("completed 100%")
    download = page.get_by_role("link", name="Download")
    assert re.fullmatch(r"video_\w+\.mp4", download.get_attribute("download"))
    # Veo 3.1 videos can be extended: the follow-up form says so.
    assert page.get_by_label("Extend this video (what happens next)", exact=True).is_visible()
    console.screenshot("playground-veo")


def test_an_invalid_option_is_not_offered_and_the_limit_is_shown(server, make_console):
    console = make_console(server)
    page = console.open()
    _choose_model(page, "veo-3.1-generate-preview")
    page.get_by_label("Duration", exact=True).select_option("8")
    page.get_by_label("Resolution", exact=True).select_option("4k")
    page.get_by_label("Duration", exact=True).select_option("4")
    # 4k and 1080p are made only at 8 s: the resolution moves to 720p, both are disabled, and the API's own
    # message says why.
    assert page.get_by_label("Resolution", exact=True).input_value() == "720p"
    assert page.locator("#opt-resolution option[value='4k']").is_disabled()
    assert page.locator("#opt-resolution option[value='1080p']").is_disabled()
    note = page.locator("#limit-note").inner_text()
    assert "Resolution changed to 720p." in note
    assert "veo-3.1-generate-preview makes 4k videos only at duration_seconds 8; got 4. Use 720p or 8 s." in note
    console.screenshot("playground-limits")

    # A stale page that still sends the refused combination gets the API's error, shown as the API states it.
    page.evaluate("""() => { const s = document.getElementById('opt-resolution');
        s.querySelector('option[value="1080p"]').disabled = false; s.value = '1080p'; }""")
    page.get_by_label("Prompt", exact=True).fill("a lighthouse")
    page.get_by_role("button", name="Start").click()
    error = page.locator("#play-error")
    error.wait_for(state="visible")
    assert error.inner_text() == ("Error 400: veo-3.1-generate-preview makes 1080p videos only at duration_seconds 8; "
                                  "got 4. Use 720p or 8 s. (param: video_config.resolution, code: invalid_value)")
    assert page.locator("#thread video").count() == 0


def test_an_omni_video_is_edited_in_a_second_turn(server, make_console):
    console = make_console(server)
    page = console.open()
    _choose_model(page, "gemini-omni-1.1-flash")
    assert page.locator("#opt-duration_seconds option").all_inner_texts() == ["4 s", "6 s", "8 s", "10 s"]
    page.get_by_label("Duration", exact=True).select_option("4")
    page.get_by_label("Prompt", exact=True).fill("a paper boat on a river")
    page.get_by_role("button", name="Start").click()
    page.wait_for_function(PLAYING, arg=1)
    first_job = page.locator("#thread video").first.get_attribute("data-job-id")

    page.get_by_label("Edit this video (a follow-up prompt)", exact=True).fill("make it night, with lanterns")
    page.get_by_role("button", name="Send").click()
    page.wait_for_function(PLAYING, arg=2)
    turns = page.locator("#thread > li")
    assert turns.count() == 4
    assert turns.nth(3).locator(".answer-text").inner_text().startswith(f"Edited video {first_job} with gemini-omni-1.1-flash")
    second = page.locator("#thread video").nth(1)
    assert second.get_attribute("data-job-id") != first_job
    assert second.evaluate("v => v.duration") == pytest.approx(4, abs=0.1)
    console.screenshot("playground-omni-edit")


def test_the_job_is_in_the_gallery_after_a_reload_and_can_be_deleted(server, make_console):
    console = make_console(server)
    page = console.open()
    _generate(page, "veo-3.1-fast-generate-preview", "a red kite over the sea", Duration="4")
    page.wait_for_function(PLAYING, arg=1)
    job = page.locator("#thread video").first.get_attribute("data-job-id")

    page.reload()
    page.get_by_role("link", name="Gallery").click()
    card = page.locator(f"#gallery [data-job='{job}']")
    card.wait_for()
    assert "a red kite over the sea" in card.locator("h3").inner_text()
    assert "completed" in card.inner_text() and "veo-3.1-fast-generate-preview" in card.inner_text()
    page.wait_for_function("(id) => { const v = document.querySelector(`[data-job='${id}'] video`);"
                           " return v && v.readyState >= 2 }", arg=job)
    assert card.locator("video").evaluate("v => v.duration") == pytest.approx(4, abs=0.1)
    console.screenshot("gallery")

    page.once("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name=f"Delete video {job}").click()
    card.wait_for(state="detached")
    assert _api(server, "GET", f"/v1/videos/{job}")[0] == 404


def test_usage_reads_this_proxys_ledger(server, make_console):
    # A text request, recorded in the ledger; the console's date fields (YYYY-MM-DD) ask GET /v1/usage for it.
    with urllib.request.urlopen(urllib.request.Request(
            f"{server.base_url}/v1/chat/completions", method="POST", headers={"Content-Type": "application/json"},
            data=json.dumps({"model": "gemini-3.5-flash", "messages": [{"role": "user", "content": "hi"}]}).encode())
    ) as resp:
        assert resp.status == 200
    console = make_console(server)
    page = console.open("#/usage")
    per_model = page.get_by_role("region", name="Spend per model")
    per_model.wait_for()
    assert "gemini-3.5-flash" in per_model.inner_text()
    assert page.locator("#usage-unavailable").count() == 0


# The exact answer shape of GET /v1/usage (the money branch); this sample is served by the test's route
# interception, not by genproxy.
SAMPLE_USAGE = {
    "day": [{"key": None, "model": None, "day": day, "requests": n, "cost_usd": cost, "video_seconds": secs, "images": 0,
             "input_tokens": 0, "output_tokens": 0, "video_tokens": 0}
            for day, n, cost, secs in (("2026-11-25", 3, 2.4, 24), ("2026-11-26", 5, 4.8, 40), ("2026-11-27", 2, 1.2, 8))],
    "model": [{"key": None, "model": model, "day": None, "requests": n, "cost_usd": cost, "video_seconds": secs,
               "images": images, "input_tokens": 1200, "output_tokens": 300, "video_tokens": 0}
              for model, n, cost, secs, images in (("veo-3.1-generate-preview", 6, 7.2, 60, 0),
                                                   ("gemini-omni-1.1-flash", 3, 1.08, 12, 0),
                                                   ("gemini-3-pro-image", 1, 0.12, 0, 1))],
    "key": [{"key": name, "model": None, "day": None, "requests": n, "cost_usd": cost, "video_seconds": secs,
             "images": 0, "input_tokens": 0, "output_tokens": 0, "video_tokens": 0}
            for name, n, cost, secs in (("studio", 7, 6.0, 56), ("ci", 3, 2.4, 16))],
}


def test_usage_shows_spend_per_day_model_and_key_and_the_budget(server, make_console):
    console = make_console(server)
    page = console.page
    asked = []

    def fulfil(route):
        group = re.search(r"group_by=(\w+)", route.request.url).group(1)
        asked.append(route.request.url)
        route.fulfill(json={"object": "usage", "start": "2026-10-29", "end": "2026-11-27", "group_by": group,
                            "currency": "usd", "data": SAMPLE_USAGE[group],
                            "budget": {"limit_usd": 50.0, "period": "month", "spent_usd": 8.4, "remaining_usd": 41.6}})

    page.route("**/v1/usage?*", fulfil)
    console.open("#/usage")
    page.locator("#budget-heading").wait_for()
    body = page.locator("#usage-body").inner_text()
    assert "$41.60" in body and "$50.00" in body and "17% used" in body
    per_model = page.get_by_role("region", name="Spend per model")
    assert "veo-3.1-generate-preview" in per_model.inner_text() and "$7.20" in per_model.inner_text()
    # An open local proxy's user is the admin: spend per key name too.
    assert "studio" in page.get_by_role("region", name="Spend per key").inner_text()
    assert {re.search(r"group_by=(\w+)", url).group(1) for url in asked} == {"day", "model", "key"}
    console.screenshot("usage")


def test_admin_shows_credentials_routes_with_retired_ids_and_doctor_findings(server, make_console):
    console = make_console(server)
    page = console.open()
    page.get_by_role("link", name="Admin").click()
    credentials = page.get_by_role("region", name="Upstream credentials")
    credentials.wait_for()
    assert "api_key" in credentials.inner_text() and "ready" in credentials.inner_text()
    retired = page.get_by_role("region", name="Retired ids")
    row = retired.locator("tr", has_text="veo-2.0-generate-001")
    assert "veo-3.1-generate-preview" in row.inner_text() and "2026-06-30" in row.inner_text()
    doctor = page.get_by_role("region", name="Doctor: routes")
    assert "veo-3.1-generate-preview" in doctor.inner_text() and "ok" in doctor.inner_text()
    console.screenshot("admin", full_page=False)


def test_a_keyed_proxy_asks_for_a_key_and_keeps_it_for_the_session_only(keyed_server, make_console):
    console = make_console(keyed_server)
    page = console.open()
    key_input = page.get_by_label("Client key", exact=True)
    key_input.wait_for()
    assert page.locator("#page-playground").is_hidden()
    key_input.fill("not-a-key")
    page.get_by_role("button", name="Use this key").click()
    error = page.locator("#key-error")
    error.wait_for(state="visible")
    assert error.inner_text() == "Error 401: Incorrect API key provided. (code: invalid_api_key)"
    assert page.evaluate("sessionStorage.length") == 0  # a refused key is not kept
    console.screenshot("key")

    key_input.fill(CONSOLE_KEY)
    page.get_by_role("button", name="Use this key").click()
    page.locator("#page-playground").wait_for()
    assert page.evaluate("sessionStorage.getItem('genproxy.key')") == CONSOLE_KEY
    assert page.evaluate("localStorage.length") == 0
    # A client key is not an admin key: no Admin page, and its endpoints refuse it.
    assert page.get_by_role("link", name="Admin").is_hidden()
    page.goto(f"{keyed_server.base_url}/#/admin")
    page.locator("#page-playground").wait_for()
    assert _api(keyed_server, "GET", "/v1/admin/routes", key=CONSOLE_KEY)[0] == 403
    # The key lasts for the browser session: a reload keeps it, a new session asks again.
    page.reload()
    page.locator("#page-playground").wait_for()
    assert page.get_by_label("Client key", exact=True).is_hidden()
    other = make_console(keyed_server).open()
    other.get_by_label("Client key", exact=True).wait_for()


def test_keyboard_only_use_and_labels(server, make_console):
    console = make_console(server)
    page = console.open()
    page.wait_for_selector("#model option", state="attached")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.id === 'main'")
    # Every control has a label.
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('input, select, textarea')]
        .filter(e => !e.closest('[hidden]') && e.labels.length === 0 && !e.getAttribute('aria-label')).map(e => e.id)""")
    assert unlabelled == []
    # A text chat, by keyboard alone.
    page.get_by_label("Model", exact=True).focus()
    page.keyboard.press("End")  # the last model of the list: a text model
    model = page.get_by_label("Model", exact=True).input_value()
    _options_of(page, model)
    page.keyboard.press("Tab")
    page.keyboard.type("Say hello")
    assert page.evaluate("document.activeElement.id") == "prompt"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "start"
    page.keyboard.press("Enter")
    page.locator("#thread li.assistant .answer-text").filter(has_not_text="…").wait_for()
    assert page.locator("#thread li.assistant .who").inner_text() == model
    assert page.locator("#thread li.assistant .answer-text").inner_text().strip()


def test_readable_on_a_phone(server, make_console):
    console = make_console(server, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                           device_scale_factor=2)
    page = console.open()
    _choose_model(page, "veo-3.1-generate-preview")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    console.screenshot("phone-playground")
    page.goto(f"{server.base_url}/#/gallery")
    page.locator("#gallery-status").filter(has_text=re.compile(".")).wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    console.screenshot("phone-gallery", full_page=False)
