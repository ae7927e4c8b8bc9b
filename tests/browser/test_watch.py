"""Following the front from the viewer, in Chromium: "Watch" on a place's popup and on a dragged box gives the
feed addresses (which the server answers) and the webhook recipe; the place's popup says when it last changed
hands (as /api/point's chain says); the Share dialog links the feeds of the view and factions shown; "as
published on" reloads the map with as_of= (kept in the address, a banner, no live updates)."""
from __future__ import annotations

import time

from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, quote, urlparse

import httpx
import pytest

from tests.browser.test_follow import save_as_another_client
from tests.conftest import OUTPUT

pytestmark = pytest.mark.browser

T_2DEC = "2024-12-02T12:00:00+03:00"
CITADEL = "aleppo-citadel"
OFFSET_H = 3  # the seed's and the mini data set's UTC offset


def place(server, slug):
    fc = httpx.get(f"{server.url}/api/basemap/places", timeout=60).json()
    f = next(f for f in fc["features"] if f["properties"]["slug"] == slug)
    lon, lat = f["geometry"]["coordinates"]
    return lat, lon


def last_changed_hands(server, lat, lon, at):
    """From the API: the latest change after the baseline whose faction differs from the holder before it."""
    start = httpx.get(f"{server.url}/api/timeline", timeout=60).json()["dataset"]["start"]
    pt = httpx.get(f"{server.url}/api/point", params={"lat": f"{lat:.5f}", "lon": f"{lon:.5f}", "at": at}, timeout=60).json()
    chain = sorted(pt["changes"], key=lambda c: c["at"])
    base = [c for c in chain if c["at"] <= start]
    prev, last = (base[-1]["faction"] if base else None), None
    for c in chain[len(base):]:
        if prev is not None and c["faction"] != prev:
            last = c
        prev = c["faction"]
    return last


def open_at(page, server, query):
    page.goto(f"{server.url}/?{query}")
    # Drawn, and live updates set up (they start once the map is drawn: live, or pinned for as_of/rev).
    page.wait_for_function("() => document.body.dataset.ready === '1' && !!document.body.dataset.follow")


def click_centre(page):
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def feed_ok(url, kind):
    r = httpx.get(url, timeout=60)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/atom+xml" if kind == "atom" else "application/feed+json")
    return r


@pytest.mark.parametrize("lang, size", [("en", (1280, 800)), ("ar", (390, 844))])
def test_place_popup_says_when_it_last_changed_hands_and_watch_gives_its_feeds(live_seed, make_page, lang, size):
    page = make_page(*size)
    lat, lon = place(live_seed, CITADEL)
    expected = last_changed_hands(live_seed, lat, lon, T_2DEC)
    assert expected and expected["faction"] == "hts" and expected["at"] == "2024-11-30T09:00:00Z"
    open_at(page, live_seed, f"t={quote(T_2DEC)}&c={lat},{lon}&z=14" + ("&lang=ar" if lang == "ar" else ""))
    click_centre(page)
    sec = page.locator(f".leaflet-popup-content .popup-place[data-place='{CITADEL}']")
    sec.wait_for()
    hands = sec.locator(".popup-hands").inner_text()
    if lang == "en":
        assert hands == "At the place's marker: last changed hands 30 Nov 2024, 12:00 UTC+3, to Hayat Tahrir al-Sham and allied opposition factions"
    else:
        assert "30 نوفمبر 2024، 12:00" in hands and "هيئة تحرير الشام" in hands
    page.screenshot(path=str(OUTPUT / f"watch-popup-{lang}.png"))
    sec.locator(".watch-place").click()
    dialog = page.locator("#watch-dialog")
    dialog.wait_for()
    atom, js = page.input_value("#watch-atom"), page.input_value("#watch-json")
    assert atom == f"{live_seed.url}/api/changes.atom?place={CITADEL}&km=5"
    assert js == f"{live_seed.url}/api/changes.json?place={CITADEL}&km=5"
    assert "--place aleppo-citadel --km 5" in page.input_value("#watch-hook")
    assert page.input_value("#watch-hook").startswith("frontline webhook add https://")
    text = dialog.inner_text()
    assert "X-Frontline-Signature" in text and "hmac.compare_digest" in text and "README" in text
    page.screenshot(path=str(OUTPUT / f"watch-place-{lang}.png"))
    # The addresses work, and the feed lists the citadel's capture.
    items = feed_ok(js, "json").json()["items"]
    assert any(i["_frontline"]["faction"] == "hts" and i["_frontline"]["at"] == "2024-11-30T09:00:00Z" for i in items), items[:2]
    feed_ok(atom, "atom")
    page.fill("#watch-km", "0")
    assert page.input_value("#watch-atom") == f"{live_seed.url}/api/changes.atom?place={CITADEL}"
    assert page.input_value("#watch-hook").endswith(f"--place {CITADEL}")
    page.keyboard.press("Escape")
    assert not dialog.is_visible()


def test_a_place_that_never_changed_hands_says_so(live_seed, page):
    lat, lon = place(live_seed, "hama")
    assert last_changed_hands(live_seed, lat, lon, T_2DEC) is None
    open_at(page, live_seed, f"t={quote(T_2DEC)}&c={lat},{lon}&z=12")
    click_centre(page)
    sec = page.locator(".leaflet-popup-content .popup-place[data-place='hama']")
    sec.wait_for()
    assert sec.locator(".popup-hands").inner_text() == "At the place's marker: has not changed hands since 27 Nov 2024"


def bbox_of(url):
    return [float(v) for v in parse_qs(urlparse(url).query)["bbox"][0].split(",")]


def test_watch_an_area_by_dragging_a_box_or_with_the_keyboard(live_seed, page):
    open_at(page, live_seed, f"t={quote(T_2DEC)}&c=36.2,37.1&z=10")
    view = page.evaluate("() => { const b = document.querySelector('#map').getBoundingClientRect(); return [b.x, b.y, b.width, b.height]; }")
    x, y, w, h = view
    page.click("#watch-area-btn")
    page.wait_for_function("() => document.body.dataset.watchPicking === '1'")
    page.mouse.move(x + w * 0.3, y + h * 0.3)
    page.mouse.down()
    page.mouse.move(x + w * 0.5, y + h * 0.5, steps=5)
    page.mouse.move(x + w * 0.7, y + h * 0.7, steps=5)
    page.mouse.up()
    page.locator("#watch-dialog").wait_for()
    atom = page.input_value("#watch-atom")
    x0, y0, x1, y1 = bbox_of(atom)
    assert x0 < 37.1 < x1 and y0 < 36.2 < y1, (x0, y0, x1, y1)  # the box is around the map's centre ...
    full = page.evaluate("() => document.querySelector('#map').dataset.view")
    assert x1 - x0 < 1.2 and y1 - y0 < 1.0, full  # ... and smaller than the view (a zoom-10 view is ~1.7 deg wide)
    assert page.locator(".leaflet-popup").count() == 0, "the drag opened no popup"
    assert "--place " in page.input_value("#watch-hook")
    feed_ok(atom, "atom")
    feed_ok(page.input_value("#watch-json"), "json")
    page.screenshot(path=str(OUTPUT / "watch-area.png"))
    page.keyboard.press("Escape")
    # With the keyboard: the button, then "Use the current view".
    page.focus("#watch-area-btn")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'watch-use-view'")
    page.keyboard.press("Enter")
    page.locator("#watch-dialog").wait_for()
    vx0, vy0, vx1, vy1 = bbox_of(page.input_value("#watch-atom"))
    assert vx0 < x0 and vx1 > x1 and vy0 < y0 and vy1 > y1
    assert page.evaluate("() => document.body.dataset.watchPicking") is None


def test_share_links_the_feeds_of_the_view_and_factions(live_seed, page):
    open_at(page, live_seed, f"t={quote(T_2DEC)}&c=36.2,37.1&z=11&f=hts,sna")
    page.click("#share-btn")
    atom = page.get_attribute("#share-feed-atom", "href")
    js = page.get_attribute("#share-feed-json", "href")
    q = parse_qs(urlparse(atom).query)
    assert q["faction"] == ["hts,sna"]
    x0, y0, x1, y1 = bbox_of(atom)
    assert x0 < 37.1 < x1 and y0 < 36.2 < y1 and x1 - x0 < 1
    assert parse_qs(urlparse(js).query) == q
    feed_ok(atom, "atom")
    items = feed_ok(js, "json").json()["items"]
    assert items and {i["_frontline"]["faction"] for i in items} <= {"hts", "sna"}
    page.screenshot(path=str(OUTPUT / "share-feeds.png"))


def test_as_published_on_shows_the_old_data_with_a_banner_and_no_live_updates(mini_server, make_page):
    time.sleep(1.1)  # `before`, cut to the second, must come after revision 1 (the mini load may be a moment ago)
    before = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    old_rev = httpx.get(f"{mini_server.url}/api/timeline", timeout=60).json()["revision"]
    new_rev = save_as_another_client(mini_server)
    assert new_rev > old_rev
    page = make_page()
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/api/timeline" in r.url or "/api/events" in r.url else None)
    open_at(page, mini_server, f"as_of={quote(before)}")
    assert page.evaluate("() => document.body.dataset.follow") == "pinned"
    assert not any("/api/events" in u for u in asked)
    assert any("as_of=" in u for u in asked if u.split("?")[0].endswith("/api/timeline"))
    banner = page.locator("#asof-banner")
    assert banner.is_visible() and "As published on" in banner.inner_text()
    # The data shown are those of the old revision (the Share dialog pins what the page loaded).
    page.click("#share-btn")
    assert f"revision {old_rev}:" in page.inner_text("#share-pin-note")
    page.keyboard.press("Escape")
    page.wait_for_function("() => new URLSearchParams(location.search).has('t')")  # the address was rewritten ...
    assert parse_qs(urlparse(page.url).query)["as_of"] == [before]  # ... and keeps as_of
    assert page.get_attribute("#asof-banner a[href^='/corrections']", "href") == "/corrections"
    with page.expect_request(lambda r: "/api/point?" in r.url) as req:  # the popup asks as of the same instant
        click_centre(page)
    assert parse_qs(urlparse(req.value.url).query)["as_of"] == [before]
    page.screenshot(path=str(OUTPUT / "asof-banner.png"))
    with page.expect_navigation():
        page.click("#asof-latest")
    page.wait_for_function("() => document.body.dataset.ready === '1' && document.body.dataset.follow === 'live'")
    assert "as_of" not in page.url and page.locator("#asof-banner").count() == 0
    # The picker: a date-time in the data set's time, and "Show".
    page.click("details.asof summary")
    soon = datetime.now(timezone(timedelta(hours=OFFSET_H))) + timedelta(minutes=2)  # after the save: the new data
    page.fill("#asof-input", soon.strftime("%Y-%m-%dT%H:%M"))
    with page.expect_navigation():
        page.click("#asof-show")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    assert parse_qs(urlparse(page.url).query)["as_of"] == [soon.strftime("%Y-%m-%dT%H:%M:00+0" + str(OFFSET_H) + ":00")]
    assert page.locator("#asof-banner").is_visible()
    page.click("#share-btn")
    assert f"revision {new_rev}:" in page.inner_text("#share-pin-note")
    page.keyboard.press("Escape")
    assert page.get_attribute("#asof-corrections", "href") == "/corrections"


def test_arabic_as_published_on_banner(mini_server, make_page):
    page = make_page(390, 844)
    open_at(page, mini_server, f"lang=ar&as_of={quote(datetime.now(timezone.utc).replace(microsecond=0).isoformat())}")
    banner = page.locator("#asof-banner")
    assert "كما نُشرت في" in banner.inner_text()
    assert page.get_attribute("#asof-banner a[href^='/corrections']", "href") == "/corrections?lang=ar"
    page.screenshot(path=str(OUTPUT / "asof-banner-ar.png"))


def test_baked_site_computes_last_changed_hands_and_offers_no_feeds(live_seed, site_server, make_page, tmp_path):
    import json

    from app.cli.bake import bake
    from app.main import create_app

    out = tmp_path / "site"
    bake(create_app(live_seed.settings), out)
    latest = json.loads((out / "latest.json").read_text())
    site = site_server(out)
    lat, lon = place(live_seed, CITADEL)
    page = make_page()
    to_app = []
    page.on("request", lambda r: to_app.append(r.url) if r.url.startswith(live_seed.url) else None)
    page.goto(f"{site.url}/{latest['viewer']}?t={quote(T_2DEC)}&c={lat},{lon}&z=14")
    page.wait_for_function("() => document.body.dataset.ready === '1'", timeout=30000)
    click_centre(page)
    sec = page.locator(f".leaflet-popup-content .popup-place[data-place='{CITADEL}']")
    sec.wait_for()
    assert sec.locator(".popup-hands").inner_text().startswith("At the place's marker: last changed hands 30 Nov 2024, 12:00 UTC+3, to Hayat")
    assert sec.locator(".watch-place").count() == 0  # no server, no feeds
    assert page.locator("#watch-area-btn").count() == 0 and page.locator("details.asof").count() == 0
    page.click("#share-btn")
    assert page.locator("#share-feed-atom").count() == 0
    assert to_app == []
