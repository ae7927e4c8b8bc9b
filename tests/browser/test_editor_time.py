"""The editor's time fields in a real browser: typed key by key, stepped and picked, in the page's language and
the war's local time (Aleppo: UTC+3), clamped to the war's period only on commit (Enter, leaving the field).

The browser runs in New York time with a US locale on purpose: nothing the editor shows or sends may follow
the browser's own time zone or date format."""
from __future__ import annotations

import json
import re
from datetime import datetime

from playwright.sync_api import expect

from tests.browser.test_editor import click_save
from tests.conftest import EDITOR, login

BROWSER = {"timezone_id": "America/New_York", "locale": "en-US"}
AREA = {"type": "Polygon", "coordinates": [[[37.10, 36.15], [37.12, 36.15], [37.12, 36.17], [37.10, 36.17], [37.10, 36.15]]]}
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def open_editor(make_page, server, lang="en", width=1280, height=800):
    page = make_page(width, height, **BROWSER)
    page.goto(server.url + f"/login?next=/editor%3Flang%3D{lang}&lang={lang}")
    page.fill("#username", EDITOR[0])
    page.fill("#password", EDITOR[1])
    page.click("button[type=submit]")
    page.wait_for_selector("body[data-ready='1']")
    assert page.evaluate("document.documentElement.lang") == lang
    return page


def type_key_by_key(page, selector, text, shown=None):
    """Clear the field, then type `text` one key at a time; after every key the field holds exactly what was
    typed so far (nothing is clamped, completed or rewritten while typing)."""
    field = page.locator(selector)
    field.click()
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.press("Backspace")
    expect(field).to_have_value("")
    for i, ch in enumerate(text):
        page.keyboard.type(ch)
        expect(field).to_have_value(text[: i + 1])
    return field


def fill_change(page, faction="hts"):
    page.evaluate("(g) => window.frontlineEditor.draw.setGeometry(g)", AREA)
    page.select_option("#f-faction", faction)
    page.locator("#f-reports option").first.wait_for(state="attached")
    page.select_option("#f-reports", index=0)


def preview_body(page):
    with page.expect_request(lambda r: r.url.endswith("/api/changes/preview") and r.method == "POST") as req:
        page.click("#preview-btn")
    expect(page.locator("#preview")).to_be_visible()
    return json.loads(req.value.post_data)


def test_instant_typed_key_by_key_is_the_instant_sent(make_page, seed_server):
    page = open_editor(make_page, seed_server)
    fill_change(page)
    expect(page.locator("#f-tz")).to_have_text("UTC+3")
    field = type_key_by_key(page, "#f-at", "2024-11-29 10:00")
    page.keyboard.press("Enter")  # commits the field; it does not submit (save) the form
    expect(field).to_have_value("2024-11-29 10:00")
    expect(page.locator("#f-at-note")).to_have_text("29 Nov 2024, 10:00 UTC+3")
    expect(page.locator("#status")).to_be_hidden()
    # The map follows the change's instant.
    expect(page.locator("#time-input")).to_have_value("2024-11-29 10:00")
    expect(page.locator("#time-text")).to_have_text("29 Nov 2024, 10:00 UTC+3")
    assert preview_body(page)["at"] == "2024-11-29T10:00:00+03:00"
    expect(page.locator("#preview-at")).to_have_text("29 Nov 2024, 10:00 UTC+3")


def test_arabic_instant_typed_in_arabic_digits_is_saved(make_page, seed_server):
    page = open_editor(make_page, seed_server, "ar")
    fill_change(page)
    page.fill("#f-summary", "typed in Arabic digits")
    typed = "2024-11-29 10:00".translate(ARABIC_DIGITS)
    field = type_key_by_key(page, "#f-at", typed)
    page.keyboard.press("Tab")
    # Shown as the viewer shows times: Latin digits, Arabic month names, the zone labelled.
    expect(field).to_have_value("2024-11-29 10:00")
    expect(page.locator("#f-at-note")).to_have_text("29 نوفمبر 2024، 10:00 (UTC+3)")
    with page.expect_response(lambda r: r.url.endswith("/api/changes") and r.request.method == "POST") as resp:
        click_save(page)
    assert resp.value.status == 201, resp.value.text()
    assert json.loads(resp.value.request.post_data)["at"] == "2024-11-29T10:00:00+03:00"
    change_id = resp.value.json()["change_id"]
    with seed_server.client() as c:
        login(c)
        saved = c.get(f"/api/editor/changes/{change_id}").json()
    assert datetime.fromisoformat(saved["at"]) == datetime.fromisoformat("2024-11-29T10:00:00+03:00")


def test_map_shows_typed_key_by_key(make_page, seed_server):
    page = open_editor(make_page, seed_server)
    expect(page.locator("#time-tz")).to_have_text("UTC+3")
    type_key_by_key(page, "#time-input", "2024-11-30 06:30")
    # Nothing moved while typing: the map still shows the instant it showed.
    expect(page.locator("#time-text")).not_to_have_text(re.compile("30 Nov 2024, 06:30"))
    with page.expect_request(lambda r: "/api/snapshot" in r.url and "2024-11-30T03%3A30%3A00" in r.url):
        page.keyboard.press("Enter")
    expect(page.locator("#time-text")).to_have_text("30 Nov 2024, 06:30 UTC+3")
    expect(page.locator("#time-input")).to_have_value("2024-11-30 06:30")
    expect(page.locator("#f-at")).to_have_value("2024-11-30 06:30")  # a new change starts at the instant shown


def test_clamped_to_the_period_only_on_commit(make_page, seed_server):
    page = open_editor(make_page, seed_server)
    fill_change(page)
    # Before the war's period: every key lands as typed, the clamp comes when the field is left.
    field = type_key_by_key(page, "#f-at", "2024-10-01 08:00")
    page.keyboard.press("Tab")
    expect(field).to_have_value("2024-11-27 00:00")
    expect(page.locator("#f-at-note")).to_contain_text("moved to the start of the war's period")
    assert preview_body(page)["at"] == "2024-11-27T00:00:00+03:00"
    # After it: the last minute of the period (its end is exclusive).
    type_key_by_key(page, "#time-input", "2025-01-15 12:00")
    page.keyboard.press("Enter")
    expect(page.locator("#time-input")).to_have_value("2024-12-02 23:59")
    expect(page.locator("#time-input-note")).to_contain_text("moved to the end of the war's period")


def test_bad_instant_gets_a_message_and_is_kept(make_page, seed_server):
    page = open_editor(make_page, seed_server)
    fill_change(page)
    field = type_key_by_key(page, "#f-at", "11/29/2024 10:00 AM")
    page.keyboard.press("Tab")
    expect(field).to_have_value("11/29/2024 10:00 AM")  # what was typed stays, to be corrected
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-at-note")).to_contain_text("year first")
    page.click("#preview-btn")
    expect(page.locator("#form-error")).to_contain_text("year first")
    expect(page.locator("#preview")).to_be_hidden()


def test_stepping_and_picking(make_page, seed_server):
    page = open_editor(make_page, seed_server)
    field = type_key_by_key(page, "#time-input", "2024-11-29 10:00")
    page.keyboard.press("ArrowUp")
    expect(field).to_have_value("2024-11-29 11:00")
    expect(page.locator("#time-text")).to_have_text("29 Nov 2024, 11:00 UTC+3")
    page.keyboard.press("PageDown")
    expect(field).to_have_value("2024-11-28 11:00")
    page.click("#time-input-later")
    expect(field).to_have_value("2024-11-28 12:00")
    page.click("#time-input-earlier")
    page.click("#time-input-earlier")
    expect(field).to_have_value("2024-11-28 10:00")
    # Stepping stops at the period's ends.
    type_key_by_key(page, "#time-input", "2024-11-27 00:30")
    page.keyboard.press("ArrowDown")
    expect(field).to_have_value("2024-11-27 00:00")
    # Picking a day (what the calendar's picker does) keeps the time of day.
    type_key_by_key(page, "#time-input", "2024-11-29 10:00")
    page.keyboard.press("Enter")
    page.click("#time-input-pick")
    page.locator("#time-input-date").evaluate("(d) => { d.value = '2024-12-01'; d.dispatchEvent(new Event('change', {bubbles: true})); }")
    expect(field).to_have_value("2024-12-01 10:00")
    expect(page.locator("#time-text")).to_have_text("1 Dec 2024, 10:00 UTC+3")
    expect(page.locator("#f-at")).to_have_value("2024-12-01 10:00")


def test_draft_is_stamped_in_the_wars_local_time(make_page, seed_server):
    for lang, stamp in (("en", "29 Nov 2024, 17:31 UTC+3"), ("ar", "29 نوفمبر 2024، 17:31 (UTC+3)")):
        page = make_page(1280, 800, **BROWSER)
        draft = {"v": 1, "savedAt": "2024-11-29T14:31:00.000Z", "geometry": AREA, "faction": "hts",
                 "at": "2024-11-29 10:00", "summary_en": "a draft", "revision": 0}
        page.add_init_script("localStorage.setItem(%s, %s)" % (
            json.dumps(f"frontline:editor-draft:v1:{EDITOR[0]}"), json.dumps(json.dumps(draft))))
        page.goto(seed_server.url + f"/login?next=/editor%3Flang%3D{lang}&lang={lang}")
        page.fill("#username", EDITOR[0])
        page.fill("#password", EDITOR[1])
        page.click("button[type=submit]")
        page.wait_for_selector("body[data-ready='1']")
        expect(page.locator("#draft-text")).to_contain_text(stamp)
        expect(page.locator("#f-at")).to_have_value("2024-11-29 10:00")
        expect(page.locator("#time-input")).to_have_value("2024-11-29 10:00")
