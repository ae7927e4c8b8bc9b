"""A generated 100-day war (10 changes a day, about 1,000 changes, several windows) played in Chromium on `/`
and `/embed`: the zones painted at instants reached by jumping (date picker, End, Home, a permalink) and by
playing across window boundaries equal /api/snapshot there, point by point.

The war comes from a small generator in this module (bench/genwar.py, the benchmark's generator, was not on
main when this test was written): two sides split by a long irregular front running south to north, and every
day local changes straddling it, passing ground to one side or, sometimes, to 'contested'.
"""
from __future__ import annotations

import json
import math
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from tests.browser.paint import compare
from tests.conftest import _live, _prepare

EXTENT = (30.0, 44.0, 38.0, 50.0)
TZ = timezone(timedelta(hours=2))
START = datetime(2030, 3, 1, tzinfo=TZ)
FACTIONS = [
    {"slug": "west", "name_en": "Western forces", "name_ar": "القوات الغربية", "color": "#0072B2"},
    {"slug": "east", "name_en": "Eastern forces", "name_ar": "القوات الشرقية", "color": "#D55E00"},
    {"slug": "contested", "name_en": "Contested", "name_ar": "متنازع عليها", "color": "#999999"},
]


def generate_war(out: Path, *, days: int = 100, per_day: int = 10, front_vertices: int = 600, seed: int = 1) -> Path:
    """Write a data-set folder (docs/data-format.md) of a synthetic war; deterministic for a seed."""
    rng = random.Random(seed)
    x0, y0, x1, y1 = EXTENT
    waves = [(rng.uniform(0.1, 0.5) / (k + 1), rng.uniform(1, 5) * (k + 1), rng.uniform(0, 6.3)) for k in range(6)]
    mid = (x0 + x1) / 2

    def front_x(y):
        return mid + sum(a * math.sin(f * (y - y0) + p) for a, f, p in waves)

    ys = [y0 + 0.05 + (y1 - y0 - 0.1) * i / (front_vertices - 1) for i in range(front_vertices)]
    line = [[round(front_x(y), 5), round(y, 5)] for y in ys]
    west = [[x0 + 0.05, ys[0]]] + line + [[x0 + 0.05, ys[-1]], [x0 + 0.05, ys[0]]]
    east = [line[0], [x1 - 0.05, ys[0]], [x1 - 0.05, ys[-1]]] + line[::-1]
    iso = lambda t: t.isoformat(timespec="seconds")  # noqa: E731
    feats = [{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
              "properties": {"key": f"base-{side}", "at": iso(START), "faction": side, "confidence": "confirmed",
                             "reports": ["r0"], "summary_en": f"The {side} side holds its half.", "summary_ar": "البداية."}}
             for side, ring in (("west", west), ("east", east))]
    reports = [{"key": "r0", "title": "Situation at the start", "publisher": "Test", "published_at": iso(START),
                "url": None, "language": "en", "summary": "The line at the start."}]
    for d in range(1, days + 1):
        reports.append({"key": f"r{d}", "title": f"Day {d}", "publisher": "Test", "published_at": iso(START + timedelta(days=d)),
                        "url": None, "language": "en", "summary": f"Day {d}."})
        for k in range(per_day):
            at = START + timedelta(days=d, minutes=60 + k * 90)
            cy = rng.uniform(y0 + 0.3, y1 - 0.3)
            cx = front_x(cy) + rng.uniform(-0.05, 0.05)
            r, n = rng.uniform(0.03, 0.09), 14
            ring = [[round(cx + r * rng.uniform(0.6, 1.0) * math.cos(2 * math.pi * j / n), 5),
                     round(cy + r * rng.uniform(0.6, 1.0) * math.sin(2 * math.pi * j / n), 5)] for j in range(n)]
            ring.append(ring[0])
            side = "contested" if rng.random() < 0.15 else rng.choice(["west", "east"])
            feats.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                          "properties": {"key": f"d{d}-{k}", "at": iso(at), "faction": side,
                                         "confidence": "claimed" if rng.random() < 0.3 else "confirmed", "reports": [f"r{d}"],
                                         "summary_en": f"Day {d}: ground passes to {side} ({k}).",
                                         "summary_ar": f"اليوم {d}: تغيير {k}."}})
    (out / "geojson").mkdir(parents=True, exist_ok=True)
    (out / "dataset.json").write_text(json.dumps({
        "slug": "war100", "title_en": "A generated 100-day war", "title_ar": "حرب مولدة لمئة يوم",
        "utc_offset_minutes": 120, "tz_label": "UTC+2", "start": iso(START), "end": iso(START + timedelta(days=days + 1)),
        "extent": list(EXTENT), "home_view": {"center": [(y0 + y1) / 2, (x0 + x1) / 2], "zoom": 6}}))
    (out / "factions.json").write_text(json.dumps(FACTIONS, ensure_ascii=False))
    (out / "reports.json").write_text(json.dumps(reports))
    (out / "geojson" / "changes.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    (out / "geojson" / "places.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(front_x(y), 3) + dx, y]},
         "properties": {"slug": f"p{i}", "name_en": f"Place {i}", "name_ar": f"مكان {i}", "variants": [], "kind": "town", "rank": 2}}
        for i, (y, dx) in enumerate((y0 + 0.5 + i * 0.5, (-0.3, 0.3)[i % 2]) for i in range(10))]}))
    return out


@pytest.fixture(scope="module")
def war(base_settings, tmp_path_factory):
    folder = generate_war(tmp_path_factory.mktemp("war") / "war100")
    url = _prepare(base_settings, "war100", folder)
    yield from _live(base_settings, url)


@pytest.fixture(scope="module")
def index(war):
    idx = httpx.get(f"{war.url}/api/timeline", timeout=120).json()
    assert len(idx["instants"]) > 900 and len(idx["windows"]) >= 3, "the war spans several windows"
    assert all("data" not in w for w in idx["windows"]), "a long war is not inlined"
    return idx


def wait_shown(page, iso=None):
    if iso:
        page.wait_for_function("(t) => document.body.dataset.instant === t && document.body.dataset.ready === '1'",
                               arg=iso, timeout=60000)
    else:
        page.wait_for_function("() => document.body.dataset.ready === '1'", timeout=60000)
    return page.evaluate("document.body.dataset.instant")


def same_as_snapshot(page, server, index, legend=True):
    at = page.evaluate("document.body.dataset.instant")
    fc = httpx.get(f"{server.url}/api/snapshot", params={"at": at, "rev": index["revision"]}, timeout=120).json()
    n, bad = compare(page, fc, index["factions"], nx=16, ny=12)
    assert n > 80 and not bad, f"at {at}: {len(bad)} of {n} points painted unlike /api/snapshot: {bad[:5]}"
    if legend:
        km2 = {}
        for f in fc["features"]:
            km2[f["properties"]["faction"]] = km2.get(f["properties"]["faction"], 0) + f["properties"]["area_km2"]
        for f in index["factions"]:
            shown = int(page.locator(f".legend-item[data-faction='{f['slug']}']").get_attribute("data-km2"))
            want = km2.get(f["slug"], 0)
            assert abs(shown - want) <= max(2, want * 0.002), (f["slug"], shown, want)


# A view across the front where most changes happen: the middle of the extent at zoom 8.
VIEW = "c=47,34&z=8"


def test_the_viewer_plays_and_jumps_through_a_100_day_war(war, index, page):
    page.goto(f"{war.url}/?{VIEW}")
    wait_shown(page, index["instants"][0])
    same_as_snapshot(page, war, index)
    # a date picked: the map at that day's local midnight (from a window not loaded yet)
    day = (START + timedelta(days=61)).date().isoformat()
    page.locator(".tc-date").fill(day)
    at = wait_shown(page, (START + timedelta(days=61)).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    same_as_snapshot(page, war, index)
    # step across a window boundary with the keyboard: every step paints the snapshot of its instant
    k = next(w for w in index["windows"] if w["from"] > at)
    boundary = index["instants"].index(k["from"])
    page.goto(f"{war.url}/?{VIEW}&t={index['instants'][boundary - 2]}")
    wait_shown(page, index["instants"][boundary - 2])
    page.locator(".tc-slider").focus()
    for j in range(boundary - 1, boundary + 2):
        page.keyboard.press("ArrowRight")
        wait_shown(page, index["instants"][j])
        same_as_snapshot(page, war, index, legend=False)
    assert page.locator("#map").get_attribute("data-window") == str(k["i"])
    # play: the animation advances and pauses cleanly
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("(t) => document.body.dataset.instant > t", arg=index["instants"][boundary + 1], timeout=30000)
    page.get_by_role("button", name="Pause").click()
    wait_shown(page)
    same_as_snapshot(page, war, index)
    # End and Home
    page.locator(".tc-slider").focus()
    page.keyboard.press("End")
    wait_shown(page, index["instants"][-1])
    same_as_snapshot(page, war, index)
    page.keyboard.press("Home")
    wait_shown(page, index["instants"][0])
    same_as_snapshot(page, war, index)
    # memory stays bounded: at most the current window and its neighbours are held
    assert len(page.locator(".feed-item").all()) <= max(w["changes"] for w in index["windows"])


def test_the_embed_jumps_and_plays_through_a_100_day_war(war, index, make_page):
    page = make_page(800, 600)
    t = index["instants"][len(index["instants"]) * 2 // 3]
    page.goto(f"{war.url}/embed?{VIEW}&t={t}")
    wait_shown(page, t)
    same_as_snapshot(page, war, index)
    page.locator(".tc-slider").focus()
    page.keyboard.press("End")
    wait_shown(page, index["instants"][-1])
    same_as_snapshot(page, war, index)
    # autoplay from the start crosses into the second window without a blank map or an error
    page.goto(f"{war.url}/embed?{VIEW}&autoplay=1&speed=4&t={index['windows'][1]['from']}")
    first = wait_shown(page)
    page.wait_for_function("(t) => document.body.dataset.instant > t", arg=first, timeout=30000)
    wait_shown(page)
    assert int(page.locator("#map").get_attribute("data-window")) >= 1
