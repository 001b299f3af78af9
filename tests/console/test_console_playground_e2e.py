"""More of the console end to end: uploads, image models, extending a Veo video, remix in the gallery, a gallery
that updates itself, a failed job (on a server of their own, so the README's screenshots show plain prompts)."""
from __future__ import annotations

import re

import pytest

from proxy.emulator.media import make_png
from tests.console.test_console_e2e import PLAYING, _api, _choose_model, _generate

pytestmark = pytest.mark.slow


def test_a_first_frame_upload_makes_an_image_to_video_request(server, make_console, tmp_path):
    frame = tmp_path / "frame.png"
    frame.write_bytes(make_png(128, 72, "first frame"))
    console = make_console(server)
    page = console.open()
    _choose_model(page, "veo-3.1-generate-preview")
    assert page.get_by_label("Last frame", exact=True).is_disabled()  # only with a first frame
    page.get_by_label("First frame", exact=True).set_input_files(str(frame))
    # A first frame and reference images do not go together: the other input is disabled.
    assert page.get_by_label("Reference images", exact=True).is_disabled()
    assert page.get_by_label("Last frame", exact=True).is_enabled()
    page.get_by_label("Prompt", exact=True).fill("the scene comes alive")
    page.get_by_role("button", name="Start").click()
    page.wait_for_function(PLAYING, arg=1)
    answer = page.locator("#thread li.assistant .answer-text").inner_text()
    assert "from first frame" in answer, answer


def test_reference_images_allow_only_the_durations_google_takes_them_at(server, make_console, tmp_path):
    ref = tmp_path / "ref.png"
    ref.write_bytes(make_png(64, 64, "reference"))
    console = make_console(server)
    page = console.open()
    _choose_model(page, "veo-3.1-generate-preview")
    page.get_by_label("Duration", exact=True).select_option("4")
    page.get_by_label("Reference images", exact=True).set_input_files(str(ref))
    assert page.get_by_label("Duration", exact=True).input_value() == "8"
    assert page.locator("#opt-duration_seconds option[value='4']").is_disabled()
    assert "Reference images need a duration of 8 s." in page.locator("#limit-note").inner_text()
    assert page.get_by_label("First frame", exact=True).is_disabled()


def test_an_image_model_shows_the_image_at_the_chosen_ratio(server, make_console):
    console = make_console(server)
    page = console.open()
    _choose_model(page, "gemini-3-pro-image")
    ratios = page.locator("#opt-aspect_ratio option").all_inner_texts()
    assert ratios[0] == "Model default" and "21:9" in ratios and "1:4" not in ratios  # 1:4 is Flash Image's only
    page.get_by_label("Aspect ratio", exact=True).select_option("16:9")
    page.get_by_label("Prompt", exact=True).fill("a watercolor fox")
    page.get_by_role("button", name="Start").click()
    image = page.locator("#thread img")
    image.wait_for()
    page.wait_for_function("() => document.querySelector('#thread img').naturalWidth > 0")
    width, height = image.evaluate("i => [i.naturalWidth, i.naturalHeight]")
    assert (width, height) == (1376, 768)  # Google's 16:9 at 1K
    console.screenshot("playground-image")


def test_a_veo_video_is_extended_from_the_playground(server, make_console):
    console = make_console(server)
    page = console.open()
    _choose_model(page, "veo-3.1-generate-preview")
    page.get_by_label("Prompt", exact=True).fill("a train leaves the station")
    page.get_by_role("button", name="Start").click()
    page.wait_for_function(PLAYING, arg=1)
    first = page.locator("#thread video").first.get_attribute("data-job-id")
    page.get_by_label("Extend this video (what happens next)", exact=True).fill("it enters a tunnel")
    page.get_by_role("button", name="Send").click()
    page.wait_for_function(PLAYING, arg=2)
    assert page.locator("#thread li.assistant .answer-text").nth(1).inner_text() == f"Extended video {first}."
    assert page.locator("#thread video").nth(1).get_attribute("data-job-id") != first


def test_a_remix_from_the_gallery_starts_a_new_job(server, make_console):
    console = make_console(server)
    page = console.open()
    _choose_model(page, "gemini-omni-1.2-flash")
    page.get_by_label("Duration", exact=True).select_option("3")
    page.get_by_label("Prompt", exact=True).fill("a snowman waves")
    page.get_by_role("button", name="Start").click()
    page.wait_for_function(PLAYING, arg=1)
    job = page.locator("#thread video").first.get_attribute("data-job-id")
    page.get_by_role("link", name="Gallery").click()
    card = page.locator(f"#gallery [data-job='{job}']")
    card.get_by_label("Remix / extend", exact=True).fill("now it is melting")
    card.get_by_role("button", name="Remix").click()
    remix = page.locator("#gallery li", has_text="now it is melting")
    remix.wait_for()
    assert job in remix.inner_text()  # "From": the video it was made from
    remix.locator("video").wait_for(timeout=20_000)


def test_the_gallery_updates_while_a_job_runs(server, make_console):
    # The emulator's delay marker makes this one operation take 6 s (proxy/emulator/faults.py).
    status, video = _api(server, "POST", "/v1/videos", {"model": "veo-3.1-generate-preview",
                                                        "prompt": "a slow sunrise [emulate:delay=6]", "seconds": "4"})
    assert status == 200, video
    console = make_console(server)
    page = console.open("#/gallery")
    card = page.locator(f"#gallery [data-job='{video['id']}']")
    card.wait_for()
    assert re.search(r"queued|in_progress", card.inner_text()), card.inner_text()
    # No reload, no click: the page polls while a job runs.
    card.locator("video").wait_for(timeout=20_000)
    assert "completed" in page.locator(f"#gallery [data-job='{video['id']}']").inner_text()


def test_a_failed_generation_shows_googles_message(server, make_console):
    console = make_console(server)
    page = console.open()
    _generate(page, "veo-3.1-generate-preview", "a storm [emulate:operation-error]", Duration="4")
    error = page.locator("#play-error")
    error.wait_for(state="visible")
    # The stream had started (200): the error arrives inside it and is shown with its code, no invented status.
    text = error.inner_text()
    assert text.startswith("Error: Video generation failed upstream (INTERNAL): Video generation failed due to an "
                           "internal error."), text
    assert text.endswith("(code: generation_failed)"), text
    assert page.locator("#thread video").count() == 0
    assert page.get_by_role("button", name="Start").is_enabled()
