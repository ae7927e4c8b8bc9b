"""The public viewer (/) in a real Chromium: what a reader sees and does.

Pages fail on any console error, uncaught exception or failed local request (see conftest). Tests wait on the
app's own flags (body[data-ready], body[data-instant]), never on a timer. Predicates are arrow functions: a bare expression would be evaluated with eval(), which the
page's CSP (script-src 'self') refuses.
"""
from __future__ import annotations

from urllib.parse import parse_qs, quote, urlparse

import httpx
import pytest
from shapely.geometry import Point, shape

from tests.browser.paint import compare
from tests.conftest import OUTPUT, login

CITADEL = (36.1993, 37.1626)  # lat, lon
T_27NOV = "2024-11-27T00:00:00+03:00"
T_30NOV = "2024-11-30T12:00:00+03:00"


@pytest.fixture(scope="module")
def timeline(live_seed):
    """The index, with `changes`: every change of every window (the seed data is one window, inlined)."""
    index = httpx.get(f"{live_seed.url}/api/timeline", timeout=60).json()
    assert "zones" not in index and "changes" not in index, "the index carries no geometry"
    return {**index, "changes": window_changes(live_seed.url, index)}


def window_changes(url: str, index: dict) -> list[dict]:
    out = []
    for w in index["windows"]:
        doc = w.get("data") or httpx.get(f"{url}/api/timeline/window", params={"i": w["i"], "rev": index["revision"]},
                                         timeout=60).json()
        out += doc["changes"]
    return out


def names(timeline):
    return {f["slug"]: f["name_en"] for f in timeline["factions"]}


def open_viewer(page, server, query: str = ""):
    page.goto(f"{server.url}/{'?' + query if query else ''}")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    return page


def instant(page) -> str:
    return page.evaluate("document.body.dataset.instant")


def citadel_query(t: str, **extra) -> str:
    q = f"t={quote(t)}&c={CITADEL[0]},{CITADEL[1]}&z=13"
    return q + "".join(f"&{k}={v}" for k, v in extra.items())


def click_map_centre(page):
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    popup = page.locator(".leaflet-popup-content .popup")
    popup.wait_for()
    return popup


def zone_at(server, at_utc: str, lat: float, lon: float):
    """The zone (from the API's snapshot) valid at at_utc that contains the point: what the map should show."""
    fc = httpx.get(f"{server.url}/api/snapshot", params={"at": at_utc}, timeout=60).json()
    p = Point(lon, lat)
    hits = [f["properties"] for f in fc["features"] if f["geometry"] and shape(f["geometry"]).contains(p)]
    assert len(hits) == 1, hits
    return hits[0]


def painted_like_the_snapshot(page, server, timeline):
    fc = httpx.get(f"{server.url}/api/snapshot", params={"at": instant(page)}, timeout=60).json()
    n, bad = compare(page, fc, timeline["factions"])
    assert n > 50 and not bad, f"{len(bad)} of {n} points painted unlike /api/snapshot: {bad[:5]}"


def test_viewer_loads_and_draws_the_zones(live_seed, page, timeline):
    open_viewer(page, live_seed, "c=36.2,37.1&z=8")
    shown = page.locator("#map").get_attribute("data-factions").split(",")
    expected = {f["slug"] for f in timeline["factions"] if timeline["areas_km2"][f["slug"]][0] > 0.5}
    assert set(shown) == expected
    assert page.locator(".leaflet-zones-pane path").count() >= len(expected)
    painted_like_the_snapshot(page, live_seed, timeline)
    # the legend names every faction with its area at this instant
    for f in timeline["factions"]:
        item = page.locator(f".legend-item[data-faction='{f['slug']}']")
        assert f["name_en"] in item.inner_text()
        assert abs(int(item.get_attribute("data-km2")) - round(timeline["areas_km2"][f["slug"]][0])) <= 1
    # the time label is local time with its zone label; the attribution names the base data
    assert page.locator(".tc-time").inner_text() == "27 Nov 2024, 00:00 UTC+3"
    assert "Natural Earth" in page.locator(".leaflet-control-attribution").inner_text()
    # the feed lists the changes of the window shown (every change when the period is one window)
    assert page.locator(".feed-item").count() == timeline["windows"][0]["changes"]


def test_citadel_is_government_on_27_november(live_seed, page, timeline):
    open_viewer(page, live_seed, citadel_query(T_27NOV))
    popup = click_map_centre(page)
    assert names(timeline)["saa"] in popup.inner_text()


def test_stepping_with_the_keyboard_hands_the_citadel_to_hts(live_seed, page, timeline):
    open_viewer(page, live_seed, citadel_query(T_27NOV))
    assert zone_at(live_seed, instant(page), *CITADEL)["faction"] == "saa"
    slider = page.locator(".tc-slider")
    slider.focus()
    seen = [instant(page)]
    while seen[-1] < "2024-11-30T09:00:00Z":
        page.keyboard.press("ArrowRight")
        page.wait_for_function("(prev) => document.body.dataset.instant !== prev", arg=seen[-1])
        seen.append(instant(page))
        assert seen[-1] in timeline["instants"], "ArrowRight steps from change to change"
        assert len(seen) < 40
    assert seen == sorted(seen)
    # The layer drawn for the citadel's zone is HTS's, and the popup (the "why") says so and cites a report.
    zone = zone_at(live_seed, instant(page), *CITADEL)
    assert zone["faction"] == "hts"
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    painted_like_the_snapshot(page, live_seed, timeline)
    popup = click_map_centre(page)
    text = popup.inner_text()
    assert names(timeline)["hts"] in text
    point = httpx.get(f"{live_seed.url}/api/point", params={"lat": CITADEL[0], "lon": CITADEL[1], "at": instant(page)}).json()
    titles = [r["title"] for c in point["changes"] for r in c["reports"]]
    assert titles and any(t in text for t in titles), "the popup names the reports behind the colour"
    assert popup.locator(".popup-report").count() >= 1
    # Home / End go to the first and last change
    slider.focus()
    page.keyboard.press("End")
    page.wait_for_function("(t) => document.body.dataset.instant === t && document.body.dataset.ready === '1'",
                           arg=timeline["instants"][-1])
    painted_like_the_snapshot(page, live_seed, timeline)
    page.keyboard.press("Home")
    page.wait_for_function("(t) => document.body.dataset.instant === t && document.body.dataset.ready === '1'",
                           arg=timeline["instants"][0])
    painted_like_the_snapshot(page, live_seed, timeline)


def test_play_animates_from_memory(live_seed, page, timeline):
    open_viewer(page, live_seed)
    # Live updates start once the map is drawn (their stream is not the playing): wait for them first.
    page.wait_for_function("() => document.body.dataset.follow !== undefined")
    requests = []
    page.on("request", lambda r: requests.append(r.url) if "/api/" in r.url else None)
    page.select_option(".tc-speed", "4")
    page.get_by_role("button", name="Play").click()
    target = timeline["instants"][3]
    page.wait_for_function("(t) => document.body.dataset.instant >= t", arg=target)
    page.get_by_role("button", name="Pause").click()
    assert requests == [], f"playing must not hit the network: {requests}"
    # the latest step's changed area is outlined on the map, and the feed marks that change
    assert page.locator(".leaflet-step-pane path").count() >= 1
    current = page.locator(".feed-item.is-current")
    assert current.count() >= 1
    assert all(current.nth(i).get_attribute("data-at") == instant(page) for i in range(current.count()))


def test_feed_click_jumps_to_the_change(live_seed, page, timeline):
    open_viewer(page, live_seed)
    change = sorted(timeline["changes"], key=lambda c: (c["at"], c["id"]))[10]
    page.locator(f".feed-item[data-change='{change['key']}'] button").click()
    page.wait_for_function("(t) => document.body.dataset.instant === t", arg=change["at"])
    assert page.locator(f".feed-item[data-change='{change['key']}']").get_attribute("aria-current") == "step"


def test_permalink_round_trip(live_seed, page, make_page, timeline):
    open_viewer(page, live_seed)
    page.locator(".tc-slider").focus()
    for _ in range(5):
        before = instant(page)
        page.keyboard.press("ArrowRight")
        page.wait_for_function("(prev) => document.body.dataset.instant !== prev", arg=before)
    t = instant(page)
    page.locator(".leaflet-control-zoom-in").click()
    page.wait_for_function("() => new URLSearchParams(location.search).get('z') === '10'")
    page.locator(".legend-item[data-faction='sdf'] input").uncheck()
    page.wait_for_function("() => new URLSearchParams(location.search).has('f')")
    q = parse_qs(urlparse(page.url).query)
    assert q["t"][0].endswith("+03:00")
    # switch language: the link carries the whole state
    with page.expect_navigation():
        page.locator("#lang-switch").click()
    page.wait_for_function("() => document.body && document.body.dataset.ready === '1'")
    assert page.evaluate("document.documentElement.lang") == "ar"
    url = page.url
    other = make_page(1280, 800)
    open_viewer(other, live_seed, urlparse(url).query)
    assert other.evaluate("document.documentElement.dir") == "rtl"
    assert instant(other) == t
    q2 = parse_qs(urlparse(other.url).query)
    assert q2["c"] == q["c"] and q2["z"] == ["10"]
    assert not other.locator(".legend-item[data-faction='sdf'] input").is_checked()
    assert other.locator(".legend-item[data-faction='hts'] input").is_checked()
    assert "sdf" not in other.locator("#map").get_attribute("data-factions").split(",")
    assert other.locator(".leaflet-zones-pane path.fl-hidden").count() >= 1, "a hidden faction is veiled, not shown"
    assert "سوريا الديمقراطية" in other.locator(".legend-item[data-faction='sdf']").inner_text()


def test_share_dialog_builds_the_snippet_from_the_state(live_seed, page):
    open_viewer(page, live_seed, f"t={quote(T_30NOV)}")
    page.get_by_role("button", name="Share").click()
    link = page.locator("#share-link").input_value()
    assert "t=2024-11-30T12%3A00%3A00%2B03%3A00" in link
    snippet = page.locator("#share-snippet").input_value()
    assert snippet.startswith(f'<iframe src="{live_seed.url}/embed?')
    assert "aspect-ratio:4/3" in snippet and "embed-loader.js" in snippet
    page.get_by_label("Autoplay").check()
    assert "autoplay=1" in page.locator("#share-snippet").input_value()
    preview = page.frame_locator(".share-preview")
    preview.locator("body[data-ready='1']").wait_for()
    assert page.locator(".share-dl a[href*='snapshot.kml']").count() == 1


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_layout_and_mirroring_screenshots(live_seed, make_page, lang):
    for w, h in [(1280, 800), (390, 844)]:
        page = make_page(w, h)
        open_viewer(page, live_seed, f"t={quote(T_30NOV)}" + ("&lang=ar" if lang == "ar" else ""))
        assert page.evaluate("document.documentElement.dir") == ("rtl" if lang == "ar" else "ltr")
        map_box = page.locator("#map").bounding_box()
        tc_box = page.locator("#timecontrol").bounding_box()
        assert tc_box["y"] >= map_box["y"] + map_box["height"] - 1, "the time control does not cover the map"
        if w == 1280:
            panel = page.locator("#panel").bounding_box()
            if lang == "en":
                assert panel["x"] >= map_box["x"] + map_box["width"] - 1
            else:
                assert panel["x"] + panel["width"] <= map_box["x"] + 1
        else:
            assert map_box["height"] >= 400, "on a phone the map keeps most of the screen"
            panel = page.locator("#panel").bounding_box()
            assert panel["y"] >= tc_box["y"] + tc_box["height"] - 1
        page.screenshot(path=str(OUTPUT / f"viewer-{lang}-{w}x{h}.png"))


def test_report_titles_are_text_never_html(mini_server, page):
    """A hostile report title shows as text in the popup and runs nothing (the page fails on any dialog/error)."""
    title = "<img src=x onerror=alert(1)><script>alert(2)</script>Hostile"
    with mini_server.client() as c:
        token = login(c)
        h = {"X-CSRF-Token": token}
        rep = c.post("/api/reports", headers=h, json={"title": title, "publisher": "<b>Wire</b>",
                                                      "published_at": "2024-01-03T10:00:00+03:00"})
        assert rep.status_code == 201, rep.text
        base = c.get("/api/timeline").json()["revision"]
        r = c.post("/api/changes", headers=h, json={
            "faction": "green", "at": "2024-01-03T12:00:00+03:00",
            "geometry": {"type": "Polygon", "coordinates": [[[36.55, 35.6], [36.75, 35.6], [36.75, 35.8], [36.55, 35.8], [36.55, 35.6]]]},
            "confidence": "claimed", "report_ids": [rep.json()["id"]], "note": "", "summary_en": "Test change", "base_revision": base,
            "confirm_large": True})
        assert r.status_code == 201, r.text
    open_viewer(page, mini_server, f"t={quote('2024-01-04T00:00:00+03:00')}&c=35.7,36.65&z=10")
    popup = click_map_centre(page)
    assert title in popup.inner_text()
    assert popup.locator("img, script").count() == 0


def test_share_dialog_downloads_a_server_rendered_picture(live_seed, page):
    open_viewer(page, live_seed, f"t={quote(T_30NOV)}")
    page.get_by_role("button", name="Share").click()
    with page.expect_download(timeout=60000) as dl:
        page.get_by_role("button", name="Picture of this instant (PNG)").click()
    path = dl.value.path()
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert dl.value.suggested_filename.endswith(".png")
    assert "Ready" in page.locator(".share-status").text_content()


def test_compare_two_instants_draws_and_lists_the_difference(live_seed, page, timeline):
    open_viewer(page, live_seed)
    page.locator("details.compare summary").click()
    page.locator("#cmp-from").select_option(timeline["instants"][0])
    page.locator("#cmp-to").select_option(timeline["instants"][-1])
    page.get_by_role("button", name="Show", exact=True).click()
    page.locator(".cmp-row").first.wait_for()
    assert page.locator(".leaflet-diff-pane path").count() >= 1
    diff = httpx.get(f"{live_seed.url}/api/diff", params={"from": timeline["instants"][0], "to": timeline["instants"][-1]}).json()
    changed = [r for r in diff["factions"] if r["gained_km2"] > 0.05 or r["lost_km2"] > 0.05]
    assert page.locator(".cmp-row").count() == len(changed)


# --- issue 18: last updated, the methodology one click away, the live region while playing ---------------------

@pytest.mark.parametrize("lang", ["en", "ar"])
def test_last_updated_and_the_methodology(live_seed, page, timeline, lang):
    from datetime import datetime, timedelta
    created = next(r for r in httpx.get(f"{live_seed.url}/api/revisions", params={"limit": 500}).json()
                   if r["id"] == timeline["revision"])["created_at"]
    local = datetime.fromisoformat(created.replace("Z", "+00:00")) + timedelta(minutes=timeline["dataset"]["utc_offset_minutes"])
    open_viewer(page, live_seed, "lang=ar" if lang == "ar" else "")
    line = page.locator("#updated")
    page.wait_for_function("() => document.getElementById('updated').textContent !== ''")
    text = line.inner_text()
    assert ("Last updated" if lang == "en" else "آخر تحديث") in text and f"{local:%H:%M}" in text and str(local.day) in text, text
    page.locator("#method-btn").click()
    dialog = page.locator("#method-dialog")
    assert dialog.is_visible()
    assert ("confirmed" if lang == "en" else "مؤكَّد") in dialog.inner_text()
    assert page.locator("#method-notes").inner_text() == timeline["dataset"]["notes_en"]
    page.screenshot(path=str(OUTPUT / f"viewer-method-{lang}.png"))
    page.keyboard.press("Escape")
    assert not dialog.is_visible()


def test_viewer_live_region_speaks_when_playback_pauses(live_seed, page, timeline):
    open_viewer(page, live_seed)
    page.evaluate("""() => { window.__writes = 0;
        new MutationObserver(() => window.__writes++).observe(document.getElementById('description'),
                                                              {childList: true, characterData: true, subtree: true}); }""")
    page.locator(".tc-speed").select_option("4")
    page.locator(".tc-play").click()
    for _ in range(3):
        t = instant(page)
        page.wait_for_function("(t) => document.body.dataset.instant !== t", arg=t)
    assert page.evaluate("window.__writes") == 0
    page.locator(".tc-play").click()
    page.wait_for_function("() => window.__writes > 0")
    assert page.locator("#description").inner_text().startswith("Control of the area at")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_place_search_goes_to_the_place_and_opens_its_popup(live_seed, page, lang):
    open_viewer(page, live_seed, "lang=ar" if lang == "ar" else "")
    box = page.locator("#place-search input[role=combobox]")
    box.fill("الشيخ مقصود" if lang == "ar" else "sheikh maq")
    option = page.locator("[role=option][data-slug='sheikh-maqsoud']")
    option.wait_for()
    assert page.locator("[role=option]").first.get_attribute("data-slug") == "sheikh-maqsoud"
    box.press("Enter")
    page.locator(".leaflet-popup-content .popup").wait_for()
    lat, lon, zoom = map(float, page.locator("#map").get_attribute("data-view").split(","))
    # Centred on the place, give or take the pan that makes room for the popup (a few hundred metres at zoom 14+).
    assert abs(lat - 36.2285) < 0.004 and abs(lon - 37.1555) < 0.004 and zoom >= 14
    # the popup is about that place: the SDF holds Sheikh Maqsoud at the start
    assert ("Syrian Democratic Forces" if lang == "en" else "قوات سوريا الديمقراطية") in page.locator(".leaflet-popup-content").inner_text()
    page.screenshot(path=str(OUTPUT / f"viewer-place-search-{lang}.png"))


def test_lake_assad_is_drawn_over_the_zones(live_seed, page):
    import io
    from PIL import Image
    from shapely.ops import polylabel
    rivers = httpx.get(f"{live_seed.url}/api/basemap/rivers", timeout=60).json()
    polys = [shape(g) for f in rivers["features"]
             for g in (f["geometry"]["geometries"] if f["geometry"]["type"] == "GeometryCollection" else [f["geometry"]])
             if g["type"] == "Polygon"]
    lake = max(polys, key=lambda g: g.area)  # Lake Assad
    inside = polylabel(lake, 0.0005)
    open_viewer(page, live_seed, f"c={inside.y:.5f},{inside.x:.5f}&z=11")
    box = page.locator("#map").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    # the SDF holds the lake's shores: a zone is painted there, and the lake is on top of it
    from tests.browser.paint import PAINTED
    assert page.evaluate(PAINTED, [[x, y]])[0] is not None
    png = page.screenshot(clip={"x": x - 2, "y": y - 2, "width": 5, "height": 5})
    r, g, b = Image.open(io.BytesIO(png)).convert("RGB").getpixel((2, 2))
    water = (0xa9, 0xcb, 0xe6)
    assert max(abs(r - water[0]), abs(g - water[1]), abs(b - water[2])) <= 6, (r, g, b)


OVERLAPS = """() => {
  const range = document.createRange();
  const boxes = [...document.querySelectorAll('.fl-place span')].filter((s) => s.offsetParent !== null)
    .map((s) => { range.selectNodeContents(s); return range.getBoundingClientRect(); }).filter((r) => r.width > 0);
  const out = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    const w = Math.min(a.right, b.right) - Math.max(a.left, b.left), h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    if (w > 1 && h > 1) out.push([i, j]);
  }
  return {n: boxes.length, overlaps: out.length};
}"""


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_place_labels_do_not_pile_up_in_aleppo(live_seed, page, lang):
    open_viewer(page, live_seed, "c=36.2,37.16&z=12" + ("&lang=ar" if lang == "ar" else ""))
    got = page.evaluate(OVERLAPS)
    assert got["n"] >= 10 and got["overlaps"] == 0, got
    # the most important names stay: Aleppo itself is always shown
    import re
    name = "حلب" if lang == "ar" else "Aleppo"
    label = page.locator(".fl-place").filter(has_text=re.compile(f"^{name}$"))
    assert label.count() == 1 and "fl-place-thinned" not in label.get_attribute("class")
    # and a hidden one was hidden because it collided: there were overlaps to thin
    assert page.locator(".fl-place-thinned").count() > 0


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("size", [(390, 844), (360, 640)], ids=["390", "360"])
def test_day_labels_do_not_collide_on_phones(live_seed, make_page, lang, size):
    page = make_page(*size)
    for url in (f"{live_seed.url}/?lang={lang}", f"{live_seed.url}/embed?lang={lang}"):
        page.goto(url)
        page.wait_for_function("() => document.body.dataset.ready === '1'")
        boxes = page.evaluate("""() => [...document.querySelectorAll('.tc-day')].map((s) => {
            const r = s.getBoundingClientRect(); return [r.left, r.right]; })""")
        assert len(boxes) >= 2, url
        boxes.sort()
        assert all(a[1] + 2 <= b[0] for a, b in zip(boxes, boxes[1:])), (url, boxes)
        assert all(0 <= a[0] and a[1] <= size[0] for a in boxes), (url, boxes)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_outside_the_extent_is_shown_not_mapped(live_seed, make_page, timeline, lang):
    """Issue 28, item 2: the ground beyond the data set's extent is veiled grey above the zones (so a zone that stops
    at the extent does not read as a front there), and the legend names it, in both languages, on a phone too."""
    page = make_page(390, 844)
    open_viewer(page, live_seed, f"lang={lang}&t={quote(T_30NOV)}&c=36.2,39.3&z=9")
    veil = page.locator(".leaflet-unmapped-pane path.fl-unmapped")
    assert veil.count() == 1
    assert veil.get_attribute("fill") == "#7d7d7d" and veil.get_attribute("stroke") == "#6b6b6b"
    box = veil.bounding_box()
    assert box and box["width"] > 0, "the veil is on the map"
    note = page.locator("#legend .legend-unmapped")
    assert note.inner_text().strip() == {"en": "Not mapped", "ar": "خارج نطاق الخريطة"}[lang]
    # The veil is drawn above the zones, below the step and compare overlays.
    z = page.evaluate("""() => ['zones', 'unmapped', 'step'].map((n) =>
        +getComputedStyle(document.querySelector(`.leaflet-${n}-pane`)).zIndex)""")
    assert z[0] < z[1] < z[2]
    page.screenshot(path=str(OUTPUT / f"viewer_unmapped_{lang}_phone.png"))
