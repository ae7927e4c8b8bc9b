"""Contrast in Chromium, from computed styles: every visible text >= 4.5:1 against what is behind it (faction
chips choose black or white text by the colour's luminance), focus rings >= 3:1 against the page, in English
and Arabic, light and dark (the dark theme also by the system setting)."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from tests.browser.test_viewer import click_map_centre, open_viewer

CONTRAST_JS = (Path(__file__).parent / "contrast.js").read_text()
T = quote("2024-11-30T16:00:00+03:00")


def low(page, minimum=4.5):
    return [t for t in page.evaluate(CONTRAST_JS, {}) if t["ratio"] < minimum]


@pytest.mark.parametrize("query, scheme", [("", "light"), ("lang=ar", "light"), ("", "dark"), ("lang=ar", "dark")])
def test_viewer_text_contrast(live_seed, make_page, query, scheme):
    page = make_page(1280, 800, color_scheme=scheme)
    open_viewer(page, live_seed, f"t={T}&c=36.2285,37.1555&z=13&{query}")
    page.locator("details.compare > summary").click()
    assert not low(page), low(page)
    click_map_centre(page)
    # the popup, once faded in (Leaflet animates its opacity)
    page.wait_for_function("() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")
    assert not low(page), low(page)
    page.locator(".leaflet-popup-close-button").click()
    page.locator(".leaflet-popup").wait_for(state="detached")
    page.locator("#share-btn").click()  # the share dialog's texts too
    page.locator("#share-pin-note").wait_for()
    assert not low(page), low(page)
    page.keyboard.press("Escape")
    chips = page.evaluate(CONTRAST_JS, {})
    assert [c for c in chips if "feed-faction" in (c["cls"] or "")], "the feed's faction chips were measured"


@pytest.mark.parametrize("query", ["", "theme=dark&lang=ar"])
def test_embed_text_contrast(live_seed, page, query):
    page.goto(f"{live_seed.url}/embed?t={T}&{query}")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    assert not low(page), low(page)


FOCUS_JS = """() => {
  const el = document.activeElement;
  const cs = getComputedStyle(el);
  return { tag: el.tagName, cls: String(el.className), color: cs.outlineColor, width: parseFloat(cs.outlineWidth),
           style: cs.outlineStyle, bg: getComputedStyle(document.body).backgroundColor };
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_focus_rings(live_seed, make_page, scheme):
    page = make_page(1280, 800, color_scheme=scheme)
    open_viewer(page, live_seed, f"t={T}")
    seen = 0
    for _ in range(12):
        page.keyboard.press("Tab")
        f = page.evaluate(FOCUS_JS)
        if f["tag"] == "BODY":
            continue
        seen += 1
        assert f["style"] != "none" and f["width"] >= 2, f
        r = page.evaluate("""([a, b]) => {
          const cv = document.createElement('canvas'); cv.width = cv.height = 1; const cx = cv.getContext('2d');
          const px = (c) => { cx.clearRect(0,0,1,1); cx.fillStyle = c; cx.fillRect(0,0,1,1); return cx.getImageData(0,0,1,1).data; };
          const lum = (d) => { const c = [0,1,2].map((i) => { const v = d[i] / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
            return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]; };
          const [x, y] = [lum(px(a)), lum(px(b))].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); }""", [f["color"], f["bg"]])
        assert r >= 3, (f, r)
    assert seen >= 5


BG_JS = """(sel) => getComputedStyle(document.querySelector(sel)).backgroundColor"""


def test_dark_theme_follows_the_system_setting(live_seed, make_page):
    dark = make_page(1280, 800, color_scheme="dark")
    open_viewer(dark, live_seed, f"t={T}&c=36.2285,37.1555&z=13")
    assert dark.evaluate(BG_JS, "body") == "rgb(21, 24, 28)"
    click_map_centre(dark)
    assert dark.evaluate(BG_JS, ".leaflet-popup-content-wrapper") == "rgb(21, 24, 28)"  # the popup too
    light = make_page(1280, 800, color_scheme="light")
    open_viewer(light, live_seed, f"t={T}")
    assert light.evaluate(BG_JS, "body") == "rgb(255, 255, 255)"


def test_embed_popup_is_dark_in_the_dark_theme(live_seed, page):
    page.goto(f"{live_seed.url}/embed?t={T}&theme=dark&c=36.2285,37.1555&z=13")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.locator(".leaflet-popup-content .popup").wait_for()
    assert page.evaluate(BG_JS, ".leaflet-popup-content-wrapper") == "rgb(21, 24, 28)"


def test_embed_follows_the_system_unless_the_publisher_chose(live_seed, make_page):
    page = make_page(400, 300, color_scheme="dark")
    for query, bg in [("", "rgb(21, 24, 28)"), ("&theme=light", "rgb(255, 255, 255)"), ("&theme=dark", "rgb(21, 24, 28)")]:
        page.goto(f"{live_seed.url}/embed?t={T}{query}")
        page.wait_for_function("() => document.body.dataset.ready === '1'")
        assert page.evaluate(BG_JS, "body") == bg, query
