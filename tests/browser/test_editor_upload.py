"""The editor's snapshot upload in a real browser: choose a GeoJSON file, map its property values to factions,
pick the instant and the report, preview the changes (table with km², areas on a map), save one revision,
and the public snapshot then shows the uploaded area."""
from __future__ import annotations

import json

import httpx
from playwright.sync_api import expect
from shapely.geometry import Point, shape

from tests.browser.test_editor import owner, sign_in
from tests.conftest import OUTPUT

AT_LOCAL = "2024-01-03T12:00"
AT = "2024-01-03T12:00:00+03:00"
SNAP = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"side": "Red"}, "geometry": {"type": "Polygon", "coordinates": [
        [[36.5, 35.5], [37.1, 35.5], [37.1, 36.5], [36.5, 36.5], [36.5, 35.5]]]}},
    {"type": "Feature", "properties": {"side": "other"}, "geometry": {"type": "Polygon", "coordinates": [
        [[37.6, 36.6], [37.7, 36.6], [37.7, 36.7], [37.6, 36.6]]]}}]}


def test_upload_a_geojson_snapshot_and_save_it(page, mini_server):
    assert owner(mini_server, 37.0, 36.0, AT) != "red"
    sign_in(page, mini_server)
    root = page.locator("#snapshot-upload")
    page.wait_for_selector("#snapshot-upload[data-ready='1']")
    page.click("#up-details > summary")
    page.set_input_files("#up-file", files=[{"name": "red-2024-01-03.geojson", "mimeType": "application/geo+json",
                                             "buffer": json.dumps(SNAP).encode()}])
    expect(page.locator("#up-info")).to_contain_text("2 feature(s); properties: side")
    page.select_option("#up-mode", "side")
    expect(page.locator("#up-v0")).to_have_value("red")  # "Red" guessed from the faction's name
    expect(page.locator("#up-v1")).to_have_value("")     # left out
    page.fill("#up-at", AT_LOCAL)
    page.select_option("#up-remainder", "blue")
    page.select_option("#up-reports", index=0)
    page.click("#up-preview")
    expect(page.locator("#up-total")).to_contain_text("km² moved")
    expect(page.locator("#up-table tbody tr").first).to_contain_text("Red")
    assert page.locator("#up-map path.leaflet-interactive").count() >= 1  # the areas drawn on the preview map
    page.screenshot(path=str(OUTPUT / "editor-upload-preview.png"), full_page=True)

    with page.expect_response(lambda r: r.url.endswith("/api/snapshot-upload") and r.request.method == "POST") as resp:
        page.click("#up-save")
    assert resp.value.status == 201
    saved = resp.value.json()
    expect(page.locator("#up-done")).to_contain_text(f"Saved as revision {saved['revision']}")
    expect(root).to_have_attribute("data-saved", str(saved["revision"]))

    # What the public sees now (the live server's read model follows the new revision).
    deadline_ok = False
    for _ in range(40):
        r = httpx.get(mini_server.url + "/api/snapshot", params={"at": AT})
        feats = [f for f in r.json()["features"] if f["properties"]["faction"] == "red"]
        if feats and shape(feats[0]["geometry"]).contains(Point(37.0, 36.0)):
            deadline_ok = True
            break
        page.wait_for_timeout(250)
    assert deadline_ok, "the uploaded area is not red on the public map"
    assert mini_server.overlaps() == []
