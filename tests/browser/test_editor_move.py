"""Moving the front in a real browser, with real mouse and keyboard through Leaflet-Geoman: reshaping an
existing zone by dragging its vertex handles, cutting a zone along a line, drafts that survive a reload,
the leave warning, undo/redo and the drawing keys, the 409 that shows what the other editor changed."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import LOCAL, PageProblems
from tests.browser.test_editor import click_save, expected_status_logged, owner, screen_xy, sign_in
from tests.conftest import OUTPUT, login

T_MID = "2024-01-02T00:00:00+03:00"


def drag(page, start, end, steps=12):
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=steps)
    page.mouse.up()


def at_mid(page):
    page.fill("#f-at", "2024-01-02 00:00")
    page.locator("#f-at").dispatch_event("change")
    expect(page.locator("#time-input")).to_have_value("2024-01-02 00:00")


def fill_form(page, summary, reports=("1",)):
    page.select_option("#f-reports", list(reports))
    page.fill("#f-summary", summary)


def save(page):
    with page.expect_response(lambda r: r.url.endswith("/api/changes") and r.request.method == "POST") as resp:
        click_save(page)
    assert resp.value.status == 201, resp.value.text()
    return resp.value.json()


def test_reshape_an_existing_zone_by_dragging_a_vertex(page, mini_server):
    sign_in(page, mini_server)
    at_mid(page)
    assert owner(mini_server, 36.82, 36.45) == "blue"
    page.select_option("#zone-faction", "red")
    page.click("#zone-edit")
    expect(page.locator("#zone-editing")).to_be_visible()
    # The red zone's north-east corner (36.8, 36.5) has a vertex handle: drag it east to (36.9, 36.5).
    expect(page.locator(".leaflet-marker-pane .marker-icon").first).to_be_visible()
    drag(page, screen_xy(page, 36.8, 36.5), screen_xy(page, 36.9, 36.5))
    with page.expect_response(lambda r: r.url.endswith("/api/editor/difference")) as resp:
        page.click("#zone-apply")
    assert resp.value.status == 200, resp.value.text()
    gained = resp.value.json()["gained"]
    assert gained is not None and resp.value.json()["lost"] is None
    expect(page.locator("#shape-info")).to_contain_text("1 shape drawn")
    expect(page.locator("#f-faction")).to_have_value("red")
    expect(page.locator("#zone-editing")).to_be_hidden()
    page.screenshot(path=str(OUTPUT / "editor-zone-difference.png"))
    fill_form(page, "Red pushes east along the ridge")
    page.click("#preview-btn")
    expect(page.locator("#preview-table tbody tr.gain", has_text="Red")).to_have_count(1)
    expect(page.locator("#preview-table tbody tr.loss", has_text="Blue")).to_have_count(1)
    save(page)
    # The triangle between the old edge and the moved vertex passed to red; the rest of blue stays blue.
    assert owner(mini_server, 36.82, 36.45) == "red"
    assert owner(mini_server, 36.82, 35.6) == "blue"
    assert owner(mini_server, 36.6, 36.0) == "red"
    assert mini_server.overlaps() == []


def test_shrinking_a_zone_queues_the_area_given_up_as_the_next_change(page, mini_server):
    sign_in(page, mini_server)
    at_mid(page)
    page.select_option("#zone-faction", "red")
    page.click("#zone-edit")
    # North-east corner east (red gains), south-east corner west (red gives up).
    drag(page, screen_xy(page, 36.8, 36.5), screen_xy(page, 36.9, 36.5))
    drag(page, screen_xy(page, 36.8, 35.5), screen_xy(page, 36.7, 35.5))
    with page.expect_response(lambda r: r.url.endswith("/api/editor/difference")):
        page.click("#zone-apply")
    expect(page.locator("#pending-part")).to_be_visible()
    fill_form(page, "Red pushes east in the north")
    save(page)
    # The given-up area is now the drawing; the faction is for the editor to choose.
    expect(page.locator("#pending-part")).to_be_hidden()
    expect(page.locator("#shape-info")).to_contain_text("1 shape drawn")
    expect(page.locator("#f-faction")).to_have_value("")
    page.select_option("#f-faction", "blue")
    fill_form(page, "Blue takes the southern flank")
    save(page)
    assert owner(mini_server, 36.82, 36.45) == "red"
    assert owner(mini_server, 36.78, 35.55) == "blue"
    assert mini_server.overlaps() == []


def test_cut_a_zone_along_a_line(page, mini_server):
    sign_in(page, mini_server)
    at_mid(page)
    page.evaluate("() => window.frontlineEditor.map.setView([36.0, 37.1], 8, {animate: false})")
    page.select_option("#zone-faction", "blue")
    page.click("#zone-cut")
    # A line across the blue zone, from west of it to east of it; Enter finishes it.
    for lon, lat in [(36.7, 36.05), (37.15, 36.0), (37.65, 36.05)]:
        page.mouse.click(*screen_xy(page, lon, lat))
    with page.expect_response(lambda r: r.url.endswith("/api/editor/split")) as resp:
        page.keyboard.press("Enter")
    assert resp.value.status == 200, resp.value.text()
    expect(page.locator("#cut-pieces button")).to_have_count(2)
    page.screenshot(path=str(OUTPUT / "editor-cut-pieces.png"))
    # Click the northern side on the map: it becomes the change's area.
    page.mouse.click(*screen_xy(page, 37.1, 36.3))
    expect(page.locator("#shape-info")).to_contain_text("1 shape drawn")
    expect(page.locator("#cut-mode")).to_be_hidden()
    geom = page.evaluate("() => window.frontlineEditor.draw.geometry()")
    lats = [p[1] for ring in (geom["coordinates"] if geom["type"] == "Polygon" else geom["coordinates"][0]) for p in ring]
    assert min(lats) > 35.95
    page.select_option("#f-faction", "green")
    fill_form(page, "Green takes the north of the plain")
    save(page)
    assert owner(mini_server, 37.1, 36.3) == "green"
    assert owner(mini_server, 37.1, 35.7) == "blue"
    assert mini_server.overlaps() == []


def test_a_line_that_does_not_cut_says_so(page, mini_server):
    sign_in(page, mini_server)
    at_mid(page)
    page.select_option("#zone-faction", "blue")
    page.click("#zone-cut")
    for lon, lat in [(37.0, 36.0), (37.1, 36.05)]:  # both ends inside the zone
        page.mouse.click(*screen_xy(page, lon, lat))
    with page.expect_response(lambda r: r.url.endswith("/api/editor/split")) as resp:
        page.keyboard.press("Enter")
    assert resp.value.status == 422
    expect(page.locator("#form-error")).to_contain_text("does not cut")
    expected_status_logged(page, 422)


def draw_polygon(page, corners):
    page.click("#draw-polygon")
    for lon, lat in corners:
        page.mouse.click(*screen_xy(page, lon, lat))
    page.mouse.click(*screen_xy(page, *corners[0]))


SQUARE_A = [(36.7, 36.0), (36.9, 36.0), (36.9, 36.2), (36.7, 36.2)]
SQUARE_B = [(37.0, 35.6), (37.2, 35.6), (37.2, 35.8), (37.0, 35.8)]


def test_undo_redo_enter_and_escape(page, mini_server):
    sign_in(page, mini_server)
    page.evaluate("() => window.frontlineEditor.map.setView([35.9, 36.95], 9, {animate: false})")
    draw_polygon(page, SQUARE_A)
    draw_polygon(page, SQUARE_B)
    info = page.locator("#shape-info")
    expect(info).to_contain_text("2 shapes drawn")
    page.keyboard.press("Control+z")
    expect(info).to_contain_text("1 shape drawn")
    page.keyboard.press("Control+z")
    expect(info).to_have_text("No area drawn yet.")
    expect(page.locator("#draw-undo")).to_be_disabled()
    page.keyboard.press("Control+Shift+z")
    expect(info).to_contain_text("1 shape drawn")
    page.click("#draw-redo")
    expect(info).to_contain_text("2 shapes drawn")
    expect(page.locator("#draw-redo")).to_be_disabled()
    page.click("#draw-undo")
    expect(info).to_contain_text("1 shape drawn")

    # Esc drops the polygon being drawn; the drawn shape stays.
    page.click("#draw-polygon")
    for lon, lat in SQUARE_B[:3]:
        page.mouse.click(*screen_xy(page, lon, lat))
    page.keyboard.press("Escape")
    assert page.evaluate("() => window.frontlineEditor.draw.drawing()") is None
    expect(info).to_contain_text("1 shape drawn")

    # While drawing, Ctrl+Z takes back the last vertex; Enter finishes the shape.
    page.click("#draw-polygon")
    for lon, lat in SQUARE_B + [(37.3, 35.9)]:
        page.mouse.click(*screen_xy(page, lon, lat))
    page.keyboard.press("Control+z")  # drops (37.3, 35.9)
    page.keyboard.press("Enter")
    expect(info).to_contain_text("2 shapes drawn")
    geom = page.evaluate("() => window.frontlineEditor.draw.geometry()")
    rings = [poly[0] for poly in geom["coordinates"]]
    assert sorted(len(r) for r in rings) == [5, 5]  # two squares: four corners and the closing position each
    assert all(p[0] < 37.25 for r in rings for p in r)


def own_page(browser, width=1280, height=800):
    """A page like the `page` fixture (problems recorded) that answers the leave prompt itself: accept (leave)."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.problems = PageProblems()
    page.prompts = []
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(LOCAL) else r.abort())
    page.on("console", lambda m: page.problems.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: page.problems.append(f"uncaught: {e}"))

    def dialog(d):
        page.prompts.append(d.type)
        if d.type == "beforeunload":
            d.accept()
        else:
            page.problems.append(f"dialog opened: {d.message}")
            d.dismiss()
    page.on("dialog", dialog)
    return context, page


def test_draft_survives_a_reload_after_the_leave_warning(browser, mini_server):
    context, page = own_page(browser)
    try:
        sign_in(page, mini_server)
        page.evaluate("() => window.frontlineEditor.map.setView([36.1, 36.8], 10, {animate: false})")
        draw_polygon(page, SQUARE_A)
        page.select_option("#f-faction", "green")
        page.fill("#f-at", "2024-01-02 00:00")
        page.select_option("#f-reports", ["2"])
        page.fill("#f-summary", "Green crosses the river")
        page.fill("#f-note", "two sources, one video")
        page.check("input[name=confidence][value=claimed]")
        page.reload()  # the leave prompt comes first (accepted by own_page), then the page loads again
        page.wait_for_selector("body[data-ready='1']")
        assert page.prompts == ["beforeunload"]
        expect(page.locator("#draft-box")).to_contain_text("draft")
        expect(page.locator("#shape-info")).to_contain_text("1 shape drawn")
        expect(page.locator("#f-faction")).to_have_value("green")
        expect(page.locator("#f-at")).to_have_value("2024-01-02 00:00")
        expect(page.locator("#f-summary")).to_have_value("Green crosses the river")
        expect(page.locator("#f-note")).to_have_value("two sources, one video")
        expect(page.locator("input[name=confidence][value=claimed]")).to_be_checked()
        assert page.evaluate("() => [...document.querySelector('#f-reports').selectedOptions].map(o => o.value)") == ["2"]
        page.screenshot(path=str(OUTPUT / "editor-draft-restored.png"))
        # Saved: the draft is gone and leaving asks nothing.
        save(page)
        page.reload()
        page.wait_for_selector("body[data-ready='1']")
        assert page.prompts == ["beforeunload"]
        expect(page.locator("#draft-box")).to_be_hidden()
        expect(page.locator("#shape-info")).to_have_text("No area drawn yet.")
        assert owner(mini_server, 36.8, 36.1) == "green"
        page.problems.check()
    finally:
        context.close()


def test_leaving_with_unsaved_work_warns_and_discarding_the_draft_does_not(browser, mini_server):
    context, page = own_page(browser)
    try:
        sign_in(page, mini_server)
        page.click("#map")  # the browser asks only on pages the person has interacted with
        page.fill("#f-summary", "half-written")
        page.click(".ed-nav a[href='/']")  # the "Public map" link
        page.wait_for_url(mini_server.url + "/")
        assert page.prompts == ["beforeunload"]
        page.goto(mini_server.url + "/editor")
        page.wait_for_selector("body[data-ready='1']")
        expect(page.locator("#f-summary")).to_have_value("half-written")
        page.click("#draft-discard")
        expect(page.locator("#f-summary")).to_have_value("")
        page.goto(mini_server.url + "/")
        assert page.prompts == ["beforeunload"]  # nothing unsaved: no second prompt
        page.problems.check()
    finally:
        context.close()


def test_a_discarded_draft_does_not_come_back_after_a_reload(browser, mini_server):
    """Issue 26: after "Discard draft" and a reload the draft came back (clearing the drawing saved the form's
    old text again)."""
    context, page = own_page(browser)
    try:
        sign_in(page, mini_server)
        page.evaluate("() => window.frontlineEditor.map.setView([36.1, 36.8], 10, {animate: false})")
        draw_polygon(page, SQUARE_A)
        page.select_option("#f-faction", "green")
        page.fill("#f-summary", "Green crosses the river")
        page.fill("#f-note", "two sources, one video")
        page.reload()
        page.wait_for_selector("body[data-ready='1']")
        expect(page.locator("#draft-box")).to_be_visible()
        page.click("#draft-discard")
        expect(page.locator("#draft-box")).to_be_hidden()
        expect(page.locator("#shape-info")).to_have_text("No area drawn yet.")
        assert page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('frontline:editor-draft'))") == []
        page.reload()
        page.wait_for_selector("body[data-ready='1']")
        expect(page.locator("#draft-box")).to_be_hidden()
        expect(page.locator("#shape-info")).to_have_text("No area drawn yet.")
        expect(page.locator("#f-summary")).to_have_value("")
        expect(page.locator("#f-note")).to_have_value("")
        page.problems.check()
    finally:
        context.close()


def test_conflict_scrolls_the_message_into_view_and_shows_the_other_change(make_page, mini_server):
    page = make_page(390, 844)
    sign_in(page, mini_server)
    page.evaluate("""() => window.frontlineEditor.draw.setGeometry({type: "Polygon",
        coordinates: [[[36.7, 36.0], [36.9, 36.0], [36.9, 36.2], [36.7, 36.2], [36.7, 36.0]]]})""")
    page.select_option("#f-faction", "green")
    page.fill("#f-at", "2024-01-02 00:00")
    fill_form(page, "Green takes the crossing", reports=("2",))
    with mini_server.client() as c:
        c.headers["X-CSRF-Token"] = login(c)
        r = c.post("/api/changes", json={"confirm_large": True, "faction": "blue", "at": "2024-01-01T06:00:00+03:00", "report_ids": [1],
                                         "geometry": {"type": "Polygon", "coordinates": [[[36.55, 35.6], [36.65, 35.6], [36.65, 35.7], [36.55, 35.7], [36.55, 35.6]]]},
                                         "summary_en": "Blue moves first", "base_revision": 1})
        assert r.status_code == 201
    page.evaluate("() => window.scrollTo(0, 0)")
    with page.expect_response(lambda r: r.url.endswith("/api/changes")) as resp:
        click_save(page)
    assert resp.value.status == 409
    expect(page.locator("#others-list")).to_contain_text("Blue moves first")
    expect(page.locator("#others-list")).to_contain_text("editor1")
    expect(page.locator("#form-error")).to_be_in_viewport()
    expect(page.locator("#reload-reapply")).to_be_in_viewport()
    expect(page.locator(".ed-highlight")).to_have_count(1)
    page.screenshot(path=str(OUTPUT / "editor-conflict-phone.png"))
    page.click("#reload-reapply")
    expect(page.locator("#rev-num")).to_have_text(str(r.json()["revision"]))
    save(page)
    expected_status_logged(page, 409)


def test_history_shows_what_changed_and_offers_revert_only_where_it_can(page, mini_server):
    sign_in(page, mini_server)
    page.evaluate("""() => window.frontlineEditor.draw.setGeometry({type: "Polygon",
        coordinates: [[[36.7, 36.0], [36.9, 36.0], [36.9, 36.2], [36.7, 36.2], [36.7, 36.0]]]})""")
    page.select_option("#f-faction", "green")
    page.fill("#f-at", "2024-01-02 00:00")
    fill_form(page, "Green takes the crossing", reports=("1", "2"))
    page.fill("#f-note", "private: seen on a video")
    saved = save(page)
    page.click("#tab-history")
    item = page.locator(f"#h-list li[data-revision='{saved['revision']}']")
    expect(item).to_contain_text("Green")
    expect(item).to_contain_text("km²")
    expect(item).to_contain_text("Green takes the crossing")
    expect(item).to_contain_text("private: seen on a video")
    expect(item).to_contain_text("editor1")
    expect(item.locator(".ed-rev-reports")).to_contain_text(";")  # two reports
    item.locator("[data-action=show]").click()
    expect(page.locator(".ed-highlight")).to_have_count(1)
    expect(page.locator("#time-input")).to_have_value("2024-01-02 00:00")
    item.locator("[data-action=revert]").click()
    item.locator("input").fill("wrong day")
    with page.expect_response(lambda r: "/revert" in r.url):
        item.locator("[data-action=confirm-revert]").click()
    item = page.locator(f"#h-list li[data-revision='{saved['revision']}']")
    expect(item).to_contain_text(re.compile(r"reverted by #\d+"))
    expect(item.locator("[data-action=revert]")).to_have_count(0)
    revert = page.locator("#h-list li").first
    expect(revert).to_contain_text(f"Reverted #{saved['revision']}")
    expect(revert).to_contain_text("Green takes the crossing")
    expect(revert).to_contain_text("wrong day")
    expect(revert.locator("[data-action=revert]")).to_have_text("Undo this revert")
    page.screenshot(path=str(OUTPUT / "editor-history.png"), full_page=True)


def test_place_search_and_legend(page, mini_server):
    sign_in(page, mini_server)
    expect(page.locator("#legend li")).to_have_count(page.evaluate("() => window.frontlineEditor.ctx.timeline.factions.length"))
    page.fill("#place-q", "Midville")
    page.press("#place-q", "Enter")
    expect(page.locator(".ed-pin")).to_have_count(1)
    page.wait_for_function("() => window.frontlineEditor.map.getZoom() >= 13")


def test_the_editor_in_arabic(make_page, mini_server):
    page = make_page(390, 844)
    page.goto(mini_server.url + "/editor?lang=ar")
    expect(page).to_have_url(re.compile(r"/login\?next=/editor%3Flang%3Dar"))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#login-title")).to_have_text("الدخول إلى المحرر")
    page.fill("#username", "editor1")
    page.fill("#password", "editor-password-1")
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/editor\?lang=ar$"))
    page.wait_for_selector("body[data-ready='1']")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("#zone-edit")).to_have_text("البدء من هذه المنطقة")
    expect(page.locator("#shape-info")).to_have_text("لم تُرسم أي منطقة بعد.")
    page.evaluate("""() => window.frontlineEditor.draw.setGeometry({type: "Polygon",
        coordinates: [[[36.7, 36.0], [36.9, 36.0], [36.9, 36.2], [36.7, 36.2], [36.7, 36.0]]]})""")
    expect(page.locator("#shape-info")).to_have_text("شكل واحد مرسوم: هو منطقة التغيير.")
    page.select_option("#f-faction", "green")
    page.select_option("#f-reports", ["1"])
    page.click("#save-btn")
    expect(page.locator("#form-error")).to_contain_text("اكتب الملخص العام")
    page.screenshot(path=str(OUTPUT / "editor-ar-phone.png"), full_page=True)
