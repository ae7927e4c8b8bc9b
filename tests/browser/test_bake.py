"""The baked site works from a plain static file server on another origin, with no request to the app."""
import json

from app.cli.bake import bake
from app.main import create_app


def test_baked_embed_renders_and_plays_without_the_app(live_seed, site_server, make_page, tmp_path):
    out = tmp_path / "site"
    first = bake(create_app(live_seed.settings), out)
    again = bake(create_app(live_seed.settings), out)
    assert first["written"] > 30 and again["written"] == 0  # re-baking an unchanged revision rewrites nothing
    latest = json.loads((out / "latest.json").read_text())
    manifest = json.loads((out / latest["manifest"]).read_text())
    assert manifest["revision"] == latest["revision"] and len(manifest["files"]) > 30
    assert (out / latest["viewer"]).with_suffix(".html.gz").exists() or (out / (latest["viewer"] + ".gz")).exists()
    assert (out / f"r/{latest['revision']}/api/timeline.json.br").exists()
    # the index and every window as files, the same bytes the API serves
    index = json.loads((out / f"r/{latest['revision']}/api/timeline.json").read_text())
    for w in index["windows"]:
        doc = json.loads((out / f"r/{latest['revision']}/api/window/{w['i']}.json").read_text())
        assert doc["i"] == w["i"] and "keyframe" in doc and "changes" in doc

    static = site_server(out).url  # stops after the page has closed
    page = make_page(800, 600)
    to_app = []
    page.on("request", lambda r: to_app.append(r.url) if r.url.startswith(live_seed.url) else None)
    page.goto(f"{static}/{latest['embed']}?autoplay=1&speed=4&t=2024-11-27T06:00:00%2B03:00")
    page.wait_for_function("() => document.body.dataset.ready === '1'", timeout=30000)
    first_instant = page.evaluate("() => document.body.dataset.instant")
    page.wait_for_function("(t) => document.body.dataset.instant !== t", arg=first_instant, timeout=30000)
    assert page.locator(".leaflet-zones-pane path").count() > 0
    assert to_app == []
    page.goto(f"{static}/{latest['viewer']}?t=2024-11-30T12:00:00%2B03:00&c=36.1993,37.1626&z=13")
    page.wait_for_function("() => document.body.dataset.ready === '1'", timeout=30000)
    assert page.locator(".leaflet-zones-pane path").count() > 0
    # the popup's "why" is computed in the page from the loaded window: the citadel is HTS's, with its reports
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    popup = page.locator(".leaflet-popup-content .popup")
    popup.wait_for()
    assert "Hayat Tahrir al-Sham" in popup.inner_text() and popup.locator(".popup-report").count() >= 1
    assert to_app == []
