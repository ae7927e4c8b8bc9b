"""A generated 100-day war (10 changes a day, about 1,000 changes, several windows) played in Chromium on `/`
and `/embed`: the zones painted at instants reached by jumping (date picker, End, Home, a permalink) and by
playing across window boundaries equal /api/snapshot there, point by point.

The war comes from the benchmark's generator (bench/genwar.py), with a lighter front (600 vertices) so that it
loads quickly: two sides split by a long irregular front, every day local changes straddling it, passing
ground to one side or, sometimes, to 'contested'.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest

from tests.browser.paint import compare
from tests.conftest import _live, _prepare

START = datetime(2030, 3, 1, tzinfo=timezone(timedelta(hours=2)))  # bench/genwar.py's first day
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@pytest.fixture(scope="module")
def war(base_settings, tmp_path_factory):
    from bench.genwar import START as GEN_START, generate

    assert GEN_START == START
    folder = tmp_path_factory.mktemp("war") / "war100"
    generate(folder, days=100, per_day=10, front_vertices=600, change_vertices=14, seed=1)
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
    # the area chart's time axis: a few month labels that do not overlap (not a label per day)
    labels = page.locator(".chart-xlabel")
    texts = labels.all_text_contents()
    assert 2 <= len(texts) <= 6 and texts[0].endswith("2030") and all(t.split()[0] in MONTHS for t in texts), texts
    boxes = sorted((b["x"], b["x"] + b["width"]) for b in (labels.nth(i).bounding_box() for i in range(len(texts))))
    assert all(a[1] <= b[0] for a, b in zip(boxes, boxes[1:])), boxes
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
