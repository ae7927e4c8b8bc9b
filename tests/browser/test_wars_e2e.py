"""Issue 25, as a user meets it: a one-war instance, then `frontline war add` and `import-snapshots --war` bring
an ongoing war up beside it (the commands run as a user runs them, against the test's own database); both play
in the viewer and the embed, `/api/wars` and `/` list both, and the ongoing war's viewer opens at its latest
change with what changed recently."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import FIXTURES, LiveServer, _create_database, drop_database


def frontline(url: str, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": url, "FRONTLINE_TILE_URL": ""}  # no tiles from the internet in tests
    r = subprocess.run([sys.executable, "-m", "app.cli", *args], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"frontline {' '.join(args)}: {r.stdout}\n{r.stderr}"
    return r.stdout


def _square(x0, y0, d):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x0 + d, y0], [x0 + d, y0 + d], [x0, y0 + d], [x0, y0]]]}


@pytest.fixture(scope="module")
def instance(base_settings, tmp_path_factory):
    url = _create_database(base_settings.database_url, f"{os.environ.get('FRONTLINE_TEST_DB', 'frontline_test')}_e2e_wars")
    tmp = tmp_path_factory.mktemp("wars")
    frontline(url, "load", str(FIXTURES / "mini"))
    today = datetime.now(timezone(timedelta(hours=2))).date()
    frontline(url, "war", "add", "east", "--title", "East front", "--time-zone", "Europe/Kyiv",
              "--start", (today - timedelta(days=20)).isoformat(), "--extent", "30,50,31,51",
              "--faction", "ua:Ukraine:#0057B7", "--faction", "ru:Russia:#D52B1E", "--baseline", "ua")
    snaps = tmp / "snaps"
    snaps.mkdir()
    for i, days in enumerate((3, 2, 1)):  # the ground Russia holds, growing day by day
        day = today - timedelta(days=days)
        (snaps / f"{day.isoformat()}.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {}, "geometry": _square(30.2, 50.2, 0.1 + 0.1 * i)}]}))
    out = frontline(url, "import-snapshots", str(snaps), "--war", "east", "--faction", "ru", "--remainder", "ua",
                    "--report", "source-1", "--quiet")
    assert "3" in out
    listed = frontline(url, "war", "list")
    assert "east" in listed and "ongoing" in listed and "mini" in listed
    s = base_settings.model_copy(update={"database_url": url, "revision_poll_seconds": 0.5, "tile_url": "",
                                         "render_rate_per_minute": 0})
    srv = LiveServer(s)
    yield srv
    srv.stop()
    drop_database(base_settings.database_url, url)


def _ready(page):
    page.wait_for_function("() => document.body.dataset.ready === '1'", timeout=30000)


def test_both_wars_are_listed_and_play(instance, make_page):
    with instance.client() as c:
        wars = {w["slug"]: w for w in c.get("/api/wars").json()}
        east = c.get("/api/timeline", params={"war": "east"}).json()
    assert wars["east"]["status"] == "ongoing" and wars["mini"]["status"] == "ended"
    assert len(east["instants"]) == 4  # the baseline and three snapshots
    page = make_page()
    page.goto(instance.url + "/")
    assert page.locator("h2", has_text="East front").count() == 1
    assert page.locator("h2", has_text="Mini test war").count() == 1
    # The default war still plays at its old addresses, the new one under /w/east/.
    for path in ("/?war=mini", "/embed", "/w/east/embed", "/w/east/?lang=ar"):
        p = make_page(390, 844) if "embed" in path else make_page()
        p.goto(instance.url + path)
        _ready(p)


def test_the_ongoing_war_opens_at_its_latest_change_with_what_changed(instance, make_page):
    with instance.client() as c:
        latest = c.get("/api/timeline", params={"war": "east"}).json()["instants"][-1]
    page = make_page()
    page.goto(instance.url + "/w/east/")
    _ready(page)
    assert page.evaluate("() => document.body.dataset.instant") == latest
    recent = page.locator("#recent")
    recent.get_by_role("button", name="7 days").click()
    recent.locator(".recent-factions li").first.wait_for()
    text = recent.inner_text()
    assert "Russia" in text and "km²" in text and "ago" in text


def test_bake_writes_every_war(instance, site_server, make_page, tmp_path):
    out = tmp_path / "site"
    frontline(instance.settings.database_url, "bake", str(out))
    wars = {w["slug"]: w for w in json.loads((out / "wars.json").read_text())}
    assert wars["mini"]["path"] == "" and wars["east"]["path"] == "w/east/"
    latest = json.loads((out / "w/east/latest.json").read_text())
    timeline = json.loads((out / "w/east" / latest["viewer"]).parent.joinpath("api/timeline.json").read_text())
    assert timeline["dataset"]["slug"] == "east" and timeline["dataset"]["ongoing"] is True
    assert json.loads((out / "latest.json").read_text())["revision"] >= 1  # the default war where it was
    static = site_server(out).url
    page = make_page()
    page.goto(f"{static}/w/east/{latest['viewer']}")
    _ready(page)
    assert page.evaluate("() => document.body.dataset.instant") == timeline["instants"][-1]


def test_quick_ranges_narrow_the_time_slider(instance, make_page):
    page = make_page()
    page.goto(instance.url + "/w/east/")
    _ready(page)
    slider = page.locator(".tc-slider")
    whole = float(slider.get_attribute("min"))
    page.locator("#recent").get_by_role("button", name="7 days").click()
    week = float(slider.get_attribute("min"))
    assert week > whole and abs(week * 60_000 - (page.evaluate("() => Date.now()") - 7 * 86400e3)) < 3600e3
    page.locator("#recent").get_by_role("button", name="All").click()
    assert float(slider.get_attribute("min")) == whole
