"""Touch in the embed, on a phone, inside a newsroom's article (issue 27): one finger scrolls the host page
(the map says "use two fingers"), two fingers pan and zoom the map, a tap opens the point's popup. The full
viewer (/), a page of its own, keeps one-finger panning, and so does /embed opened as a page of its own.

Chromium with touch emulation (390x844, has_touch, is_mobile). Gestures are real touch input sent through the
browser's input pipeline with CDP (Input.dispatchTouchEvent), so the browser itself decides what scrolls: the
same path a finger takes. The host article is served from http://localhost (another origin than the app at
http://127.0.0.1). Waits are on conditions (the host's scrollY, the map's data-view), never on a timer.
"""
from __future__ import annotations

import math
from urllib.parse import quote

import pytest

from tests.browser.test_embed import Host, embed_frame, snippet
from tests.conftest import OUTPUT

PHONE = dict(width=390, height=844, has_touch=True, is_mobile=True)
CITADEL = (36.1993, 37.1626)
QUERY = f"controls=0&t={quote('2024-12-01T12:00:00+03:00')}&c={CITADEL[0]},{CITADEL[1]}&z=13"


@pytest.fixture
def host(tmp_path):
    h = Host(tmp_path)
    yield h
    h.close()


def article(host: Host, server, query: str = QUERY, lang: str = "en") -> str:
    """A long phone-width article with the embed snippet in the middle (with a viewport meta, as real articles have)."""
    para = "<p style='margin:0 0 16px;font:18px/1.5 serif'>" + "Reporting from the front. " * 20 + "</p>"
    (host.folder / "article.html").write_text(
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'><title>Article</title></head>"
        f"<body style='margin:0;padding:0 16px'><h1>Aleppo</h1>{para * 6}"
        f"{snippet(server, query)}{para * 12}</body></html>", encoding="utf-8")
    return f"{host.url}/article.html"


def open_article(page, host, server, query: str = QUERY):
    page.goto(article(host, server, query))
    # bring the frame (lazy-loaded) to the middle of the screen and let it load and size itself
    page.evaluate("() => window.scrollTo(0, document.querySelector('iframe').getBoundingClientRect().top + window.scrollY - 200)")
    frame = embed_frame(page)
    page.wait_for_function("() => document.querySelector('iframe').hasAttribute('data-frontline-height')")
    page.evaluate("() => window.scrollTo(0, document.querySelector('iframe').getBoundingClientRect().top + window.scrollY - 200)")
    # the loader's resize has reached the frame and the map has taken its new size (a moveend of its own)
    frame.wait_for_function("(h) => window.innerHeight === h", arg=int(page.locator("iframe").get_attribute("data-frontline-height")))
    frames_drawn(frame)
    return frame


def map_box(page, frame):
    """The map's box in the host page's viewport coordinates."""
    box = page.locator("iframe").bounding_box()
    inner = frame.evaluate("() => { const r = document.getElementById('map').getBoundingClientRect(); "
                           "return {x: r.x, y: r.y, width: r.width, height: r.height}; }")
    return {"x": box["x"] + inner["x"], "y": box["y"] + inner["y"], "width": inner["width"], "height": inner["height"]}


def view(frame) -> tuple[float, float, float]:
    return tuple(float(v) for v in frame.evaluate("() => document.getElementById('map').dataset.view").split(","))


def pane(frame) -> tuple[float, float]:
    """Where Leaflet has moved the map's pane (px): changes at once while a drag or a pinch is under way."""
    return tuple(frame.evaluate("() => { const m = new DOMMatrix(getComputedStyle(document.querySelector('.leaflet-map-pane')).transform);"
                                " return [m.e, m.f]; }"))


def px(a, b) -> float:
    """How far apart two views' centres are, in screen pixels at a's zoom (Web Mercator)."""
    def xy(lat, lon, z):
        s = 256 * 2 ** z
        return s * (lon + 180) / 360, s * (1 - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / math.pi) / 2
    (x0, y0), (x1, y1) = xy(a[0], a[1], a[2]), xy(b[0], b[1], a[2])
    return math.hypot(x1 - x0, y1 - y0)


def still(frame, v0, p0):
    """The map has not moved: within 3 px (the frame's last resize, when the loader sizes it, may still shift the
    centre by half a pixel; a drag moves it by the length of the swipe)."""
    p1, v1 = pane(frame), view(frame)
    assert math.dist(p0, p1) < 3 and px(v0, v1) < 3, f"the map moved: pane {p0} -> {p1}, view {v0} -> {v1}"


def frames_drawn(frame, n: int = 3):
    """Wait for the frame to draw n more animation frames (whatever the gesture set off has run)."""
    frame.evaluate("(n) => new Promise((done) => { const f = (k) => k ? requestAnimationFrame(() => f(k - 1)) : done(); f(n); })", n)


def touch(page, steps: list[list[tuple[float, float]]]):
    """One touch gesture: steps[0] puts the fingers down, each further step moves them, then they all lift."""
    cdp = page.context.new_cdp_session(page)
    try:
        points = lambda ps: [{"x": x, "y": y, "id": i, "radiusX": 4, "radiusY": 4, "force": 1} for i, (x, y) in enumerate(ps)]
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": points(steps[0])})
        for ps in steps[1:]:
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": points(ps)})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    finally:
        cdp.detach()


def swipe(page, start: tuple[float, float], dx: float, dy: float, fingers: int = 1, spread: float = 60, grow: float = 0, n: int = 12):
    """A swipe by (dx, dy) with 1 or 2 fingers (`spread` px apart, moving `grow` px further apart: a pinch)."""
    x0, y0 = start
    steps = []
    for k in range(n + 1):
        x, y = x0 + dx * k / n, y0 + dy * k / n
        if fingers == 1:
            steps.append([(x, y)])
        else:
            half = (spread + grow * k / n) / 2
            steps.append([(x - half, y), (x + half, y)])
    touch(page, steps)


def test_one_finger_scrolls_the_host_page_and_the_map_stays(live_seed, make_page, host):
    page = make_page(**PHONE)
    frame = open_article(page, host, live_seed)
    box = map_box(page, frame)
    assert box["width"] > 300  # nearly the screen's width: without the fix the reader is stuck here
    y0, v0, p0 = page.evaluate("window.scrollY"), view(frame), pane(frame)
    swipe(page, (box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.8), 0, -200)
    frames_drawn(frame)
    still(frame, v0, p0)
    page.wait_for_function("(y) => window.scrollY > y + 100", arg=y0)
    # the map says how to move it, and the hint goes away by itself
    hint = frame.locator("#embed-hint")
    assert hint.is_visible()
    assert hint.inner_text() == "Use two fingers to move the map"
    page.screenshot(path=str(OUTPUT / "embed-touch-hint-390.png"))
    hint.wait_for(state="hidden")
    still(frame, v0, p0)  # and nothing moved it later (no inertia from a drag)


def test_the_hint_is_in_arabic_in_an_arabic_embed(live_seed, make_page, host):
    page = make_page(**PHONE)
    frame = open_article(page, host, live_seed, QUERY + "&lang=ar")
    box = map_box(page, frame)
    y0 = page.evaluate("window.scrollY")
    swipe(page, (box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.8), 0, -150)
    page.wait_for_function("(y) => window.scrollY > y + 50", arg=y0)
    hint = frame.locator("#embed-hint")
    assert hint.is_visible()
    assert hint.inner_text() == "استخدم إصبعين لتحريك الخريطة"
    page.screenshot(path=str(OUTPUT / "embed-touch-hint-390-ar.png"))


def test_two_fingers_pan_the_map_and_the_host_page_stays(live_seed, make_page, host):
    page = make_page(**PHONE)
    frame = open_article(page, host, live_seed)
    box = map_box(page, frame)
    y0, (lat0, lon0, z0) = page.evaluate("window.scrollY"), view(frame)
    swipe(page, (box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.7), -80, -100, fingers=2)
    # the fingers moved up and to the left (80 and 100 px, some 0.01 degree at zoom 13): the map follows them, so
    # its centre moves south and east, at the same zoom
    frame.wait_for_function("([lat0, lon0]) => { const [lat, lon] = document.getElementById('map').dataset.view.split(',').map(Number);"
                            " return lat < lat0 - 0.005 && lon > lon0 + 0.005; }", arg=[lat0, lon0])
    assert view(frame)[2] == z0
    assert page.evaluate("window.scrollY") == y0
    assert not frame.locator("#embed-hint").is_visible()


def test_two_fingers_pinch_zooms_the_map(live_seed, make_page, host):
    page = make_page(**PHONE)
    frame = open_article(page, host, live_seed)
    box = map_box(page, frame)
    y0, z0 = page.evaluate("window.scrollY"), view(frame)[2]
    swipe(page, (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2), 0, 0, fingers=2, spread=40, grow=160)
    frame.wait_for_function("(z) => Number(document.getElementById('map').dataset.view.split(',')[2]) > z", arg=z0)
    assert page.evaluate("window.scrollY") == y0


def test_a_tap_opens_the_popup(live_seed, make_page, host):
    page = make_page(**PHONE)
    frame = open_article(page, host, live_seed)
    box = map_box(page, frame)
    y0 = page.evaluate("window.scrollY")
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    popup = frame.locator(".leaflet-popup-content .popup")
    popup.wait_for()
    assert "held since" in popup.inner_text()
    assert page.evaluate("window.scrollY") == y0
    assert not frame.locator("#embed-hint").is_visible()  # a tap is not a drag: no hint
    page.screenshot(path=str(OUTPUT / "embed-touch-popup-390.png"))


@pytest.mark.parametrize("path", ["/", "/embed"])
def test_a_page_of_its_own_keeps_one_finger_panning(live_seed, make_page, path):
    # The viewer is the whole page and /embed opened by itself has no host to scroll: one finger moves the map.
    page = make_page(**PHONE)
    page.goto(f"{live_seed.url}{path}?{QUERY}")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    box = page.locator("#map").bounding_box()
    lat0, lon0, _ = view(page)
    y0 = page.evaluate("window.scrollY")
    swipe(page, (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2), -60, -80)
    page.wait_for_function("([lat0, lon0]) => { const [lat, lon] = document.getElementById('map').dataset.view.split(',').map(Number);"
                           " return lat < lat0 - 0.005 && lon > lon0 + 0.005; }", arg=[lat0, lon0])
    assert page.evaluate("window.scrollY") == y0
    assert not page.locator("#embed-hint").is_visible()
