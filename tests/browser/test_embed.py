"""The embed (/embed) as newsrooms use it: the snippet pasted into a page on another origin.

The host page is served by a tiny threaded http.server on its own port at http://localhost (a different
origin from the app at http://127.0.0.1). Waits are on app flags (body[data-ready], body[data-instant]) and
on the loader's data-frontline-height attribute, never on a timer.
"""
from __future__ import annotations

import functools
import http.server
import threading
from urllib.parse import quote

import httpx
import pytest

from app.platform.pgcluster import free_port
from tests.conftest import OUTPUT, login
from tests.browser.conftest import _page


class Host:
    def __init__(self, folder):
        self.folder = folder
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
        handler.log_message = lambda *a, **k: None
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
        self.url = f"http://localhost:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def page(self, name: str, body: str) -> str:
        (self.folder / name).write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>Host</title></head>"
                                        f"<body style='margin:0'>{body}</body></html>", encoding="utf-8")
        return f"{self.url}/{name}"

    def close(self):
        self.server.shutdown()


@pytest.fixture
def host(tmp_path):
    h = Host(tmp_path)
    yield h
    h.close()


def snippet(server, query: str) -> str:
    return (f'<iframe src="{server.url}/embed?{query}" title="Frontline map" style="width:100%;border:0;aspect-ratio:4/3" '
            f'loading="lazy" allowfullscreen></iframe><script src="{server.url}/static/js/embed-loader.js" async></script>')


def embed_frame(page):
    frame = page.frame_locator("iframe[title='Frontline map']")
    frame.locator("body[data-ready='1']").wait_for()
    return next(f for f in page.frames if "/embed" in f.url)


def test_snippet_on_another_origin_renders_autoplays_and_resizes(live_seed, page, host):
    url = host.page("article.html", "<article style='width:600px'><h1>Aleppo</h1>"
                    + snippet(live_seed, "autoplay=1&speed=4") + "<p>After the map.</p></article>")
    page.goto(url)
    iframe = page.locator("iframe")
    frame = embed_frame(page)
    assert frame.evaluate("document.querySelectorAll('.leaflet-zones-pane path').length") > 0
    first = frame.evaluate("document.body.dataset.instant")
    frame.wait_for_function("(t) => document.body.dataset.instant > t", arg=first)
    # the loader sized the frame to the height the embed reported (map at 4:3 plus the time control)
    page.wait_for_function("() => document.querySelector('iframe').hasAttribute('data-frontline-height')")
    controls = frame.evaluate("document.getElementById('timecontrol').offsetHeight"
                              " + document.getElementById('embed-footer').offsetHeight")
    page.wait_for_function("(h) => document.querySelector('iframe').getAttribute('data-frontline-height') === String(h)",
                           arg=450 + controls)
    reported = int(iframe.get_attribute("data-frontline-height"))
    assert abs(iframe.bounding_box()["height"] - reported) <= 1
    page.screenshot(path=str(OUTPUT / "embed-host-600.png"))


def test_without_the_loader_the_frame_keeps_its_4_3_shape(live_seed, page, host):
    iframe_only = snippet(live_seed, "legend=0").split("<script")[0]
    page.goto(host.page("plain.html", f"<div style='width:480px'>{iframe_only}</div>"))
    frame = embed_frame(page)
    assert round(page.locator("iframe").bounding_box()["height"]) == 360
    # the whole embed (map and time control) fits inside the frame: nothing to scroll
    assert frame.evaluate("document.documentElement.scrollHeight") <= 360


def test_embed_fits_320_px(live_seed, make_page, host):
    page = make_page(320, 640)
    page.goto(host.page("narrow.html", snippet(live_seed, "lang=ar&theme=dark&t=" + quote("2024-12-01T12:00:00+03:00"))))
    frame = embed_frame(page)
    page.wait_for_function("() => document.querySelector('iframe').hasAttribute('data-frontline-height')")
    assert frame.evaluate("document.documentElement.scrollWidth") <= 320
    assert frame.evaluate("document.documentElement.dir") == "rtl"
    page.screenshot(path=str(OUTPUT / "embed-host-320-ar-dark.png"))


def test_loader_ignores_messages_from_other_origins(live_seed, page, host):
    # A frame from the host's own origin pretends to be Frontline: the loader must not resize the Frontline frame.
    host.page("evil.html", "<script>parent.postMessage({type:'frontline:height', height: 999}, '*')</script>")
    page.goto(host.page("two.html", snippet(live_seed, "controls=0") + f"<iframe id='evil' src='{host.url}/evil.html'></iframe>"))
    embed_frame(page)
    page.wait_for_function("() => document.querySelector('iframe').hasAttribute('data-frontline-height')")
    assert page.evaluate("document.getElementById('evil').style.height") == ""
    assert page.locator("iframe").first.get_attribute("data-frontline-height") != "999"


def test_only_the_embed_can_be_framed(live_seed, browser, host):
    # Own context: the refused frames log CSP errors on purpose, which the `page` fixture would count as failures.
    context, page = _page(browser)
    try:
        page.goto(host.page("frames.html", "".join(
            f"<iframe id='{n}' src='{live_seed.url}{p}' style='width:400px;height:300px'></iframe>"
            for n, p in [("embed", "/embed"), ("login", "/login"), ("editor", "/editor")])))
        page.frame_locator("#embed").locator("body[data-ready='1']").wait_for()
        frames = {f.name or f.url: f for f in page.frames}
        urls = [f.url for f in page.frames]
        assert any(u.startswith(f"{live_seed.url}/embed") for u in urls)
        # Chromium replaces a refused frame by its error page: no login form, no editor is ever loaded in it.
        for sel in ("#login", "#editor"):
            handle = page.locator(sel).element_handle()
            child = handle.content_frame()
            child.wait_for_load_state()
            assert not child.url.startswith(live_seed.url) or child.evaluate("!document.querySelector('form, #map')"), child.url
            assert child.locator("input[name=password]").count() == 0
        assert frames
    finally:
        context.close()


def test_description_matches_the_chosen_instant(live_seed, page):
    from tests.browser.test_viewer import window_changes
    tl = httpx.get(f"{live_seed.url}/api/timeline", timeout=60).json()
    tl["changes"] = window_changes(live_seed.url, tl)
    i = 12
    t = tl["instants"][i]
    page.goto(f"{live_seed.url}/embed?t={t}&controls=0")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    assert page.evaluate("document.body.dataset.instant") == t
    text = page.locator("#description").inner_text()
    for f in tl["factions"]:
        km2 = tl["areas_km2"][f["slug"]][i]
        if km2 > 0.5:
            assert f"{f['name_en']} holds {round(km2):,} km²" in text
    for c in tl["changes"]:
        if c["at"] == t:
            assert c["summary_en"] in text
    # and in Arabic
    page.goto(f"{live_seed.url}/embed?t={t}&lang=ar")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    ar = page.locator("#description").inner_text()
    assert tl["factions"][0]["name_ar"] in ar and any(c["summary_ar"] in ar for c in tl["changes"] if c["at"] == t)
    assert page.locator("#timecontrol").is_visible()


def test_embed_sets_no_cookie_and_no_storage(live_seed, make_page):
    page = make_page(800, 600)
    page.goto(f"{live_seed.url}/embed?autoplay=1&speed=4&c=36.1993,37.1626&z=12")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.locator(".leaflet-popup-content .popup").wait_for()
    first = page.evaluate("document.body.dataset.instant")
    page.wait_for_function("(t) => document.body.dataset.instant !== t", arg=first)
    assert page.context.cookies() == []
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    assert page.evaluate("document.cookie") == ""


def test_hidden_controls_and_legend(live_seed, page):
    page.goto(f"{live_seed.url}/embed?controls=0&legend=0")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    assert not page.locator("#timecontrol").is_visible()
    assert not page.locator("#legend").is_visible()


def rect(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def test_rev_pins_an_embed_to_a_revision(mini_server, make_page):
    with mini_server.client() as c:
        old = c.get("/api/timeline").json()
        token = login(c)
        r = c.post("/api/changes", headers={"X-CSRF-Token": token}, json={
            "faction": "green", "at": "2024-01-03T12:00:00+03:00", "geometry": rect(36.55, 35.6, 36.75, 35.8),
            "confidence": "confirmed", "report_ids": [1], "note": "test", "summary_en": "Test change", "base_revision": old["revision"],
            "confirm_large": True})
        assert r.status_code == 201, r.text
        new = c.get("/api/timeline").json()
    assert new["revision"] > old["revision"]
    t = quote("2024-01-04T12:00:00+03:00")

    def green_km2(query):
        page = make_page(640, 520)
        page.goto(f"{mini_server.url}/embed?t={t}{query}")
        page.wait_for_function("() => document.body.dataset.ready === '1'")
        return int(page.locator(".legend-item[data-faction='green']").get_attribute("data-km2")), page

    pinned, page = green_km2(f"&rev={old['revision']}")
    live, _ = green_km2("")
    i_old = max(i for i, x in enumerate(old["instants"]) if x <= "2024-01-04T09:00:00Z")
    i_new = max(i for i, x in enumerate(new["instants"]) if x <= "2024-01-04T09:00:00Z")
    assert pinned == round(old["areas_km2"]["green"][i_old])
    assert live == round(new["areas_km2"]["green"][i_new])
    assert live > pinned
    # a popup in the pinned embed asks the pinned revision too
    with page.expect_request(lambda r: "/api/point" in r.url) as req:
        page.locator("#map").click()
    assert f"rev={old['revision']}" in req.value.url


def test_description_is_in_the_page_without_scripts(live_seed, make_page):
    from urllib.parse import quote
    import httpx
    html = httpx.get(f"{live_seed.url}/embed", params={"t": "2024-12-02T12:00:00+03:00"}).text
    assert "Control of the area at 2 Dec 2024, 12:00 UTC+3." in html and "km²" in html
    page = make_page(640, 600, java_script_enabled=False)
    page.goto(f"{live_seed.url}/embed?t={quote('2024-12-02T12:00:00+03:00')}&lang=ar")
    text = page.locator("#description").inner_text()
    assert "السيطرة على المنطقة" in text and page.locator("#description").is_visible()


# --- issue 18: an embed a newsroom can publish --------------------------------------------------------------

def _zoom(frame):
    return float(frame.evaluate("document.getElementById('map').dataset.view").split(",")[2])


def _centre(page):
    box = page.locator("iframe").bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + 150


def test_wheel_scrolls_the_host_page_and_zooms_only_with_ctrl_or_after_a_click(live_seed, page, host):
    page.goto(host.page("long.html", "<div style='height:200px'>Intro</div><article style='width:600px'>"
                        + snippet(live_seed, "controls=0") + "</article><div style='height:3000px'>More</div>"))
    frame = embed_frame(page)
    z0 = _zoom(frame)
    page.mouse.move(*_centre(page))
    page.mouse.wheel(0, 240)
    # the host page scrolls (the embed does not take the wheel) and the map says how to zoom
    page.wait_for_function("() => window.scrollY > 0")
    assert frame.locator("#embed-hint").is_visible()
    assert "Ctrl" in frame.locator("#embed-hint").inner_text() or "⌘" in frame.locator("#embed-hint").inner_text()
    assert _zoom(frame) == z0
    # Ctrl + wheel zooms the map and leaves the host where it is
    scrolled = page.evaluate("window.scrollY")
    page.mouse.move(*_centre(page))
    page.keyboard.down("Control")
    page.mouse.wheel(0, -120)
    page.keyboard.up("Control")
    frame.wait_for_function("(z) => Number(document.getElementById('map').dataset.view.split(',')[2]) > z", arg=z0)
    assert page.evaluate("window.scrollY") == scrolled
    # after a click on the map, the plain wheel zooms too
    z1 = _zoom(frame)
    x, y = _centre(page)
    page.mouse.click(x, y)
    page.mouse.wheel(0, -240)
    frame.wait_for_function("(z) => Number(document.getElementById('map').dataset.view.split(',')[2]) > z", arg=z1)
    assert page.evaluate("window.scrollY") == scrolled


@pytest.mark.parametrize("case", ["rev", "factions", "network"])
def test_a_map_that_cannot_be_shown_says_why(live_seed, browser, case):
    # Own context: the failing requests are logged as console errors on purpose.
    context, page = _page(browser, 480, 400)
    try:
        if case == "network":
            page.route("**/api/timeline*", lambda r: r.abort())
        query = {"rev": "rev=999999", "factions": "factions=nope,nada", "network": "lang=ar"}[case]
        page.goto(f"{live_seed.url}/embed?{query}")
        page.wait_for_function("() => document.body.dataset.ready === 'error'")
        box = page.locator("#embed-error")
        assert box.is_visible()
        text = box.inner_text()
        expected = {"rev": "999999", "factions": "nope, nada", "network": "لا اتصال بالخادم"}[case]
        assert expected in text, text
        page.screenshot(path=str(OUTPUT / f"embed-error-{case}.png"))
    finally:
        context.close()


def test_footer_fullscreen_small_legend_and_the_full_map_link(live_seed, make_page):
    from datetime import datetime, timedelta
    tl = httpx.get(f"{live_seed.url}/api/timeline", timeout=60).json()
    rev = tl["revision"]
    created = next(r for r in httpx.get(f"{live_seed.url}/api/revisions", params={"limit": 500}).json() if r["id"] == rev)["created_at"]
    local = datetime.fromisoformat(created.replace("Z", "+00:00")) + timedelta(minutes=tl["dataset"]["utc_offset_minutes"])
    page = make_page(360, 400)
    page.goto(f"{live_seed.url}/embed?rev={rev}&factions=hts,saa")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    footer = page.locator("#embed-footer")
    footer.get_by_text("Data as of").wait_for()
    text = footer.inner_text()
    assert tl["dataset"]["title_en"] in text and "Source" in text
    assert f"{local.day} {local:%b} {local.year}, {local:%H:%M}" in text, text
    # the "Frontline" link opens the full map with the same revision and factions
    href = page.locator("#embed-brand").get_attribute("href")
    assert f"rev={rev}" in href and "f=hts%2Csaa" in href, href
    # the legend folds away in a small embed
    toggle = page.locator(".embed-legend-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "true"
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("#legend .legend-list").is_visible()
    # full screen
    button = page.locator("#embed-fullscreen")
    assert button.is_visible() and button.get_attribute("aria-label") == "Full screen"
    button.click()
    page.wait_for_function("() => document.fullscreenElement === document.documentElement")
    page.wait_for_function("() => document.getElementById('embed-fullscreen').getAttribute('aria-label') === 'Exit full screen'")


def test_speed_3_plays_at_3x(live_seed, page):
    page.goto(f"{live_seed.url}/embed?speed=3")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    assert page.locator(".tc-speed").input_value() == "3"


def test_live_region_speaks_when_playback_pauses(live_seed, page):
    page.goto(f"{live_seed.url}/embed?autoplay=1&speed=4")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    page.evaluate("""() => { window.__writes = 0;
        new MutationObserver(() => window.__writes++).observe(document.getElementById('description'),
                                                              {childList: true, characterData: true, subtree: true}); }""")
    for _ in range(3):
        t = page.evaluate("document.body.dataset.instant")
        page.wait_for_function("(t) => document.body.dataset.instant !== t && document.body.dataset.ready === '1'", arg=t)
    assert page.evaluate("window.__writes") == 0
    page.locator(".tc-play").click()  # pause
    page.wait_for_function("() => window.__writes > 0")
    t = page.evaluate("document.body.dataset.instant")
    text = page.locator("#description").inner_text()
    assert text.startswith("Control of the area at"), text
    tl = httpx.get(f"{live_seed.url}/api/timeline", timeout=60).json()
    # the description is of the instant shown when paused
    i = tl["instants"].index(t)
    km2 = round(tl["areas_km2"][tl["factions"][0]["slug"]][i])
    assert f"{km2:,}" in text or str(km2) in text


def _watch_instants(page):
    page.evaluate("""() => { window.__seen = [];
        new MutationObserver(() => window.__seen.push(document.body.dataset.instant))
          .observe(document.body, {attributes: true, attributeFilter: ['data-instant']}); }""")


def _z(iso):
    from datetime import datetime, timezone
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(timezone.utc)


def test_playback_runs_to_the_end_of_the_period(live_seed, page):
    tl = httpx.get(f"{live_seed.url}/api/timeline", timeout=60).json()
    last, end = tl["instants"][-1], tl["dataset"]["end"]
    assert _z(end) > _z(last)  # the seed's period ends after its last change (the slider runs to the end)
    page.goto(f"{live_seed.url}/embed?speed=4&t={quote(last)}")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    page.locator(".tc-play").click()
    page.wait_for_function("() => document.querySelector('.tc-play').getAttribute('aria-pressed') === 'false'"
                           " && document.body.dataset.ready === '1'")
    assert _z(page.evaluate("document.body.dataset.instant")) == _z(end)


def test_playback_by_real_time_moves_hour_by_hour(live_seed, page):
    tl = httpx.get(f"{live_seed.url}/api/timeline", timeout=60).json()
    start = tl["instants"][3]
    page.goto(f"{live_seed.url}/embed?play=time&speed=4&t={quote(start)}")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    assert page.locator(".tc-mode").input_value() == "time"
    _watch_instants(page)
    page.locator(".tc-play").click()
    page.wait_for_function("() => window.__seen.length >= 4")
    page.locator(".tc-play").click()
    seen = [_z(x) for x in page.evaluate("window.__seen")[:4]]
    # every frame is one hour after the one before, whether or not something changed then
    assert all((b - a).total_seconds() == 3600 for a, b in zip(seen, seen[1:])), seen
    assert all(s.minute == 0 and s.second == 0 for s in seen)
    # and the reader can switch back to change by change
    page.locator(".tc-mode").select_option("changes")
    assert page.locator(".tc-mode").input_value() == "changes"


def test_the_frontline_link_opens_the_same_revision_in_the_viewer(live_seed, page):
    rev = httpx.get(f"{live_seed.url}/api/timeline", timeout=60).json()["revision"]
    page.goto(f"{live_seed.url}/embed?rev={rev}&factions=hts")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    href = page.locator("#embed-brand").get_attribute("href")
    with page.expect_request(lambda r: "/api/timeline" in r.url and "window" not in r.url) as req:
        page.goto(f"{live_seed.url}{href}")
    assert f"rev={rev}" in req.value.url
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    # only the factions the embed showed are ticked, and the address keeps the revision as the map moves
    assert page.locator(".legend-item[data-faction='hts'] input").is_checked()
    assert not page.locator(".legend-item[data-faction='saa'] input").is_checked()
    page.locator(".leaflet-control-zoom-in").click()
    page.wait_for_function("(r) => new URLSearchParams(location.search).get('rev') === r"
                           " && new URLSearchParams(location.search).get('z') !== null", arg=str(rev))


# --- issue 27, item 4: every bad parameter is a translated message in the frame, with the title and the footer ---

BAD_PARAMS = [
    # query, words the message must carry (the value the newsroom typed)
    ("rev=abc", "abc"), ("rev=0", "0"), ("rev=-3", "-3"), ("rev=1.5", "1.5"), ("rev=999", "999"),
    ("rev=99999999999999999999", "99999999999999999999"),
    ("factions=nope,nada", "nope, nada"), ("factions=hts,nope", "nope"),
    ("t=yesterday", "yesterday"), ("t=" + "2024-11-30T12:00:00+03:00" * 3, "t="),
    ("speed=fast", "fast"), ("c=36.2,37.1&z=abc", "abc"), ("c=north&z=9", "north"), ("bbox=1,2,3", "1,2,3"),
    ("lang=english", ""), ("theme=a-very-long-theme-name", ""),
]


@pytest.mark.parametrize("query, words", BAD_PARAMS, ids=[q[:30] for q, _ in BAD_PARAMS])
def test_a_bad_parameter_is_a_message_in_the_frame_with_its_title_and_footer(live_seed, browser, query, words):
    context, page = _page(browser, 480, 400)
    try:
        r = page.goto(f"{live_seed.url}/embed?{query}")
        assert r.status == 200 and "text/html" in r.headers["content-type"]  # before: 422 and JSON for rev=abc, rev=0
        if query.startswith(("lang=", "theme=")):  # not errors: an unknown language or theme takes the default
            page.wait_for_function("() => document.body.dataset.ready === '1'")
            return
        page.wait_for_function("() => document.body.dataset.ready === 'error'")
        box = page.locator("#embed-error")
        assert box.is_visible()
        assert words in box.inner_text(), box.inner_text()
        assert "{" not in box.inner_text() and "detail" not in box.inner_text()
        title = httpx.get(f"{live_seed.url}/api/timeline", timeout=60).json()["dataset"]["title_en"]
        footer = page.locator("#embed-footer")
        assert footer.is_visible()  # before: rev=999 dropped the title and the source
        assert title in footer.inner_text() and "Source" in footer.inner_text()
        # a value that cannot be a revision is refused before any request (nothing fails in the console)
        if query.split("=")[0] != "rev" or query == "rev=999":
            return
        assert not page.problems, page.problems
    finally:
        context.close()


@pytest.mark.parametrize("query, words", [("rev=abc", "abc"), ("rev=999", "999"), ("t=yesterday", "yesterday"),
                                          ("factions=hts,nope", "nope")])
def test_bad_parameters_are_explained_in_arabic(live_seed, browser, query, words):
    context, page = _page(browser, 480, 400)
    try:
        page.goto(f"{live_seed.url}/embed?lang=ar&{query}")
        page.wait_for_function("() => document.body.dataset.ready === 'error'")
        text = page.locator("#embed-error").inner_text()
        assert words in text and any("\u0600" <= ch <= "\u06ff" for ch in text), text
        footer = page.locator("#embed-footer").inner_text()
        title = httpx.get(f"{live_seed.url}/api/timeline", timeout=60).json()["dataset"]["title_ar"]
        assert title in footer and "المصدر" in footer, footer
    finally:
        context.close()


@pytest.mark.parametrize("path, words", [("/embed?war=nope", "nope"), ("/embed?war=NOPE!", "NOPE!"),
                                         ("/w/nope/embed", "nope"), ("/embed?lang=ar&war=nope", "nope")])
def test_an_unknown_war_is_a_message_in_the_frame(live_seed, browser, path, words):
    """war= (or /w/SLUG/) naming no war on this server: before, raw JSON (404, or 422 for a malformed slug)."""
    context, page = _page(browser, 480, 400)
    try:
        r = page.goto(f"{live_seed.url}{path}")
        assert r.status == 200 and "text/html" in r.headers["content-type"]
        page.wait_for_function("() => document.body.dataset.ready === 'error'")
        text = page.locator("#embed-error").inner_text()
        assert words in text and ("war" in text or "حرب" in text), text
        footer = page.locator("#embed-footer")
        assert footer.is_visible() and ("Source" in footer.inner_text() or "المصدر" in footer.inner_text())
        assert not page.problems, page.problems  # nothing requested of a war that is not there
    finally:
        context.close()
