"""The editor's truthful preview in Chromium (issue 26, item 3): a large flip and a change that changes nothing
are said in the preview and Save asks before sending them; a click on the map shows the public answer to "who
holds this, since when, on which reports"."""
from __future__ import annotations

import json

from playwright.sync_api import expect

from tests.browser.test_editor import owner, screen_xy, sign_in
from tests.browser.test_editor_move import SQUARE_A, at_mid, draw_polygon, fill_form
from tests.conftest import OUTPUT


def test_save_asks_before_a_large_flip_and_before_a_change_that_changes_nothing(page, mini_server):
    sign_in(page, mini_server)
    page.evaluate("() => window.frontlineEditor.map.setView([36.1, 36.8], 10, {animate: false})")
    draw_polygon(page, SQUARE_A)  # about 400 km² of red and blue given to green
    page.select_option("#f-faction", "green")
    at_mid(page)
    fill_form(page, "Green takes the crossing")
    page.click("#save-btn")
    # Save previewed first and asks: nothing was sent to /api/changes yet.
    expect(page.locator("#confirm-save")).to_be_visible()
    expect(page.locator("#confirm-save")).to_have_text("Save this large change")
    expect(page.locator("#form-error")).to_contain_text("large change")
    expect(page.locator("#preview-large")).to_contain_text("Green")
    assert owner(mini_server, 36.8, 36.1) != "green"
    with page.expect_response(lambda r: r.url.endswith("/api/changes") and r.request.method == "POST") as resp:
        page.click("#confirm-save")
    assert resp.value.status == 201, resp.value.text()
    assert json.loads(resp.value.request.post_data)["confirm_large"] is True
    assert owner(mini_server, 36.8, 36.1) == "green"

    # The same area for the same faction an hour later changes nothing: said plainly, with what already says it.
    draw_polygon(page, SQUARE_A)
    page.select_option("#f-faction", "green")
    page.fill("#f-at", "2024-01-02 01:00")
    page.press("#f-at", "Enter")
    fill_form(page, "Green holds the crossing", reports=("2",))
    page.click("#preview-btn")
    box = page.locator("#preview-nochange")
    expect(box).to_contain_text("No change")
    expect(box).to_contain_text("Green takes the crossing")
    expect(box).to_contain_text("Report one")
    page.screenshot(path=str(OUTPUT / "editor-preview-no-change.png"))
    page.click("#save-btn")
    expect(page.locator("#confirm-save")).to_have_text("Save anyway: it adds a source")
    with page.expect_response(lambda r: r.url.endswith("/api/changes") and r.request.method == "POST") as resp:
        page.click("#confirm-save")
    assert resp.value.status == 201, resp.value.text()
    assert json.loads(resp.value.request.post_data)["confirm_adds_source"] is True
    page.problems.check()


def test_a_click_on_the_map_shows_who_holds_it_since_when_and_on_which_reports(page, mini_server):
    sign_in(page, mini_server)
    page.evaluate("() => window.frontlineEditor.map.setView([36.1, 36.8], 10, {animate: false})")
    at_mid(page)
    expected = page.evaluate("""async () => (await (await fetch('/api/point?lat=36.1&lon=36.8&at='
        + encodeURIComponent('2024-01-02T00:00:00+03:00'))).json())""")
    with page.expect_response(lambda r: "/api/point?" in r.url) as resp:
        page.mouse.click(*screen_xy(page, 36.8, 36.1))
    assert resp.value.status == 200
    popup = page.locator(".ed-point-popup")
    expect(popup).to_be_visible()
    name = {"red": "Red", "blue": "Blue", "green": "Green"}[expected["faction"]]
    expect(popup.locator("h3")).to_contain_text(name)
    expect(popup.locator(".popup-since")).to_be_visible()
    # While drawing, a click is a vertex, never a question (the request would start within the click's handler).
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/api/point?" in r.url else None)
    page.keyboard.press("Escape")
    page.click("#draw-polygon")
    page.mouse.click(*screen_xy(page, 36.7, 36.0))
    page.mouse.click(*screen_xy(page, 36.9, 36.0))
    assert page.evaluate("() => window.frontlineEditor.draw.drawing()") == "Polygon"
    assert asked == []
    page.problems.check()
