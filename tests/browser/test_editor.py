"""The editor in a real browser: sign in through the form, draw with the mouse, preview, save, revert;
data text is shown as text. The page fixtures fail the test on any console error, exception or dialog."""
from __future__ import annotations

import re

import httpx
from playwright.sync_api import expect
from shapely.geometry import Point, shape

from tests.conftest import EDITOR, OUTPUT, login

T_MID = "2024-01-02T00:00:00+03:00"


def owner(server, lon, lat, at=T_MID):
    r = httpx.get(server.url + "/api/snapshot", params={"at": at})
    assert r.status_code == 200
    hits = [f["properties"]["faction"] for f in r.json()["features"] if shape(f["geometry"]).contains(Point(lon, lat))]
    assert len(hits) <= 1, hits
    return hits[0] if hits else None



def expected_status_logged(page, status: int):
    """Chromium logs every 4xx fetch as a console error; a refusal the test provoked on purpose is not a problem.
    Remove exactly those entries (and check they are there); anything else still fails the test."""
    mark = f"status of {status} "
    mine = [p for p in page.problems if p.startswith("console.error: Failed to load resource") and mark in p]
    assert mine, f"expected the browser to log the {status}"
    page.problems[:] = [p for p in page.problems if p not in mine]


def click_save(page):
    """Click Save, and confirm when the editor asks first (a large flip, a change that changes nothing)."""
    page.click("#save-btn")  # Save disables itself at once and enables itself again when it is done or asks
    page.wait_for_function("() => !document.querySelector('#save-btn').disabled")
    if page.locator("#confirm-save").is_visible():
        page.click("#confirm-save")


def sign_in(page, server):
    page.goto(server.url + "/editor")
    expect(page).to_have_url(re.compile(r"/login\?next=/editor"))
    page.fill("#username", EDITOR[0])
    page.fill("#password", EDITOR[1])
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/editor$"))
    page.wait_for_selector("body[data-ready='1']")


def screen_xy(page, lon, lat):
    """Page coordinates of a lon/lat on the editor's map."""
    p = page.evaluate("([lat, lon]) => window.frontlineEditor.map.latLngToContainerPoint([lat, lon])", [lat, lon])
    box = page.locator("#map").bounding_box()
    return box["x"] + p["x"], box["y"] + p["y"]


def test_wrong_password_shows_a_message(page, mini_server):
    page.goto(mini_server.url + "/login")
    page.fill("#username", EDITOR[0])
    page.fill("#password", "not-the-password")
    page.click("button[type=submit]")
    expect(page.locator("#login-error")).to_have_text("Wrong user name or password.")
    expect(page).to_have_url(re.compile(r"/login\?error=credentials"))


def test_draw_preview_save_and_revert(page, mini_server):
    assert owner(mini_server, 36.75, 36.1) == "red"
    sign_in(page, mini_server)
    expect(page.locator("#rev-num")).to_have_text("1")
    expect(page.locator("#time-tz")).to_have_text("UTC+3")

    # Draw a polygon around (36.8, 36.1) with real clicks: four corners, then the first again to close it.
    page.evaluate("() => window.frontlineEditor.map.setView([36.1, 36.8], 10, {animate: false})")
    page.click("#draw-polygon")
    corners = [(36.7, 36.0), (36.9, 36.0), (36.9, 36.2), (36.7, 36.2), (36.7, 36.0)]
    for lon, lat in corners:
        page.mouse.click(*screen_xy(page, lon, lat))
    expect(page.locator("#shape-info")).to_contain_text("1 shape drawn")
    geom = page.evaluate("() => window.frontlineEditor.draw.geometry()")
    assert geom["type"] == "Polygon" and shape(geom).contains(Point(36.75, 36.1))

    # Faction, instant (local time), confidence, a report.
    page.select_option("#f-faction", "green")
    page.fill("#f-at", "2024-01-02 00:00")
    page.press("#f-at", "Enter")  # the instant is read when committed (Enter or leaving the field)
    expect(page.locator("#time-input")).to_have_value("2024-01-02 00:00")  # the map follows the form's instant
    page.check("input[name=confidence][value=claimed]")
    page.select_option("#f-reports", ["1"])
    page.fill("#f-summary", "Green takes the crossing")
    page.fill("#f-note", "browser test")

    page.click("#preview-btn")
    table = page.locator("#preview-table tbody")
    expect(table.locator("tr", has_text="Green")).to_have_count(1)
    expect(table.locator("tr.gain", has_text="Green")).to_have_count(1)
    expect(table.locator("tr.loss", has_text="Red")).to_have_count(1)
    assert owner(mini_server, 36.75, 36.1) == "red"  # preview stores nothing
    # The whole story: red's advance at 2 Jan 12:00 retakes part of this area, so that later instant changes too,
    # one click away on the map.
    expect(page.locator("#preview-later")).to_be_visible()
    expect(page.locator("#preview-overrides li", has_text="Red")).to_have_count(1)
    later = page.locator("#preview-later-list button")
    expect(later).to_have_count(1)
    later.first.click()
    expect(page.locator("#status")).to_contain_text("under the preview")
    expect(page.locator("#f-at")).to_have_value("2024-01-02 00:00")  # the change keeps its instant
    page.screenshot(path=str(OUTPUT / "editor-preview.png"))

    with page.expect_response(lambda r: r.url.endswith("/api/changes") and r.request.method == "POST") as resp:
        click_save(page)
    assert resp.value.status == 201, resp.value.text()
    saved = resp.value.json()
    expect(page.locator("#status")).to_contain_text(f"revision {saved['revision']}")
    expect(page.locator("#rev-num")).to_have_text(str(saved["revision"]))
    assert owner(mini_server, 36.75, 36.1) == "green"
    assert owner(mini_server, 36.75, 36.1, "2024-01-01T12:00:00+03:00") == "red"
    assert mini_server.overlaps() == []

    # History: the new revision, by the editor; revert it (the reason is asked inline, no dialog).
    page.click("#tab-history")
    item = page.locator(f"#h-list li[data-revision='{saved['revision']}']")
    expect(item).to_contain_text(EDITOR[0])
    expect(item).to_contain_text("browser test")
    item.locator("[data-action=revert]").click()
    item.locator("input").fill("drawn in a test")
    with page.expect_response(lambda r: "/revert" in r.url) as resp:
        item.locator("[data-action=confirm-revert]").click()
    assert resp.value.status == 200, resp.value.text()
    expect(page.locator("#status")).to_contain_text(f"Revision {saved['revision']} reverted")
    expect(page.locator("#h-list li").first).to_contain_text("drawn in a test")
    assert owner(mini_server, 36.75, 36.1) == "red"
    assert mini_server.overlaps() == []


def test_stale_save_offers_reload_and_keeps_the_drawing(page, mini_server):
    sign_in(page, mini_server)
    # Another editor saves first.
    with mini_server.client() as c:
        c.headers["X-CSRF-Token"] = login(c)
        r = c.post("/api/changes", json={"confirm_large": True, "faction": "blue", "at": "2024-01-01T06:00:00+03:00", "report_ids": [1],
                                         "geometry": {"type": "Polygon", "coordinates": [[[36.55, 35.6], [36.65, 35.6], [36.65, 35.7], [36.55, 35.7], [36.55, 35.6]]]},
                                         "summary_en": "Blue moves first", "base_revision": 1})
        assert r.status_code == 201
    page.evaluate("""() => window.frontlineEditor.draw.setGeometry({type: "Polygon",
        coordinates: [[[36.7, 36.0], [36.9, 36.0], [36.9, 36.2], [36.7, 36.2], [36.7, 36.0]]]})""")
    page.select_option("#f-faction", "green")
    page.fill("#f-at", "2024-01-02 00:00")
    page.select_option("#f-reports", ["2"])
    page.fill("#f-summary", "Green takes the crossing")
    with page.expect_response(lambda r: r.url.endswith("/api/changes")) as resp:
        click_save(page)
    assert resp.value.status == 409
    expect(page.locator("#form-error")).to_contain_text("the map changed since you loaded it")
    page.click("#reload-reapply")
    expect(page.locator("#rev-num")).to_have_text(str(r.json()["revision"]))
    expect(page.locator("#form-error")).to_be_hidden()
    expect(page.locator("#shape-info")).to_contain_text("1 shape drawn")
    expect(page.locator("#f-faction")).to_have_value("green")
    with page.expect_response(lambda r: r.url.endswith("/api/changes")) as resp:
        click_save(page)
    assert resp.value.status == 201
    assert owner(mini_server, 36.75, 36.1) == "green"
    expected_status_logged(page, 409)


def test_bad_geometry_message_is_shown_next_to_the_form(page, mini_server):
    sign_in(page, mini_server)
    # Two overlapping shapes make an invalid MultiPolygon: the server's 422 message is shown.
    page.evaluate("""() => window.frontlineEditor.draw.setGeometry({type: "MultiPolygon", coordinates: [
        [[[36.7, 36.0], [36.9, 36.0], [36.9, 36.2], [36.7, 36.2], [36.7, 36.0]]],
        [[[36.8, 36.1], [37.0, 36.1], [37.0, 36.3], [36.8, 36.3], [36.8, 36.1]]]]})""")
    page.select_option("#f-faction", "red")
    page.select_option("#f-reports", ["1"])
    page.fill("#f-summary", "Two shapes")
    with page.expect_response(lambda r: r.url.endswith(("/api/changes", "/api/changes/preview"))) as resp:
        page.click("#save-btn")
    assert resp.value.status == 422
    expect(page.locator("#form-error")).to_contain_text("not valid")
    expect(page.locator("#reload-reapply")).to_be_hidden()
    expected_status_logged(page, 422)


def test_hostile_report_title_is_shown_as_text(page, mini_server):
    hostile = "<img src=x onerror=alert(1)>"
    with mini_server.client() as c:
        c.headers["X-CSRF-Token"] = login(c)
        r = c.post("/api/reports", json={"title": hostile, "publisher": "<b>Evil</b> Wire",
                                         "published_at": "2024-01-02T09:00:00+03:00", "summary": "<script>alert(2)</script>"})
        assert r.status_code == 201
    sign_in(page, mini_server)
    option = page.locator("#f-reports option", has_text="onerror")
    expect(option).to_have_count(1)
    assert hostile in option.inner_text() and "<b>Evil</b> Wire" in option.inner_text()
    assert page.locator("img[src=x]").count() == 0 and page.locator("#f-reports b").count() == 0
    # Picking it in the report panel puts its text in the text box, still as text.
    page.click("#tab-places")
    page.select_option("#m-report", label=f"{hostile} — <b>Evil</b> Wire")
    expect(page.locator("#m-text")).to_have_value(re.compile(re.escape(hostile)))


def test_report_text_pins_places(page, mini_server):
    sign_in(page, mini_server)
    page.click("#tab-places")
    page.fill("#m-text", "Fighting near Westtown and Midville; سيطرت الفصائل على المدينة")
    with page.expect_response(lambda r: r.url.endswith("/api/match-places")) as resp:
        page.click("#m-find")
    assert resp.value.status == 200
    places = resp.value.json()["places"]
    expect(page.locator("#m-places li")).to_have_count(len(places))
    expect(page.locator("#m-count")).not_to_be_empty()
    assert {p["name_en"] for p in places} >= {"Westtown", "Midville"}
    expect(page.locator(".ed-pin")).to_have_count(len(places))
    page.locator("#m-places button", has_text="Midville").click()
    page.wait_for_function("() => window.frontlineEditor.map.getZoom() >= 13")


def test_sign_out(page, mini_server):
    sign_in(page, mini_server)
    page.click("#sign-out")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.locator("#login-error")).to_have_text("You are signed out.")
    page.goto(mini_server.url + "/editor")
    expect(page).to_have_url(re.compile(r"/login"))


def test_phone_layout(make_page, mini_server):
    page = make_page(390, 844)
    sign_in(page, mini_server)
    assert page.locator("#map").bounding_box()["height"] > 250
    expect(page.locator("#save-btn")).to_be_attached()
    page.screenshot(path=str(OUTPUT / "editor-phone.png"), full_page=True)
