"""Server-rendered pictures: the front moves between frames, one GIF frame per change, legend drawn, bounds."""
import io
import os
import subprocess
import sys

import pytest
from PIL import Image

from app.read import pictures as render

CITADEL = (37.1626, 36.1993)


@pytest.fixture(scope="module")
def http(live_seed):
    with live_seed.client() as c:
        yield c


def _pixel(png: bytes, tl: dict, lonlat, w, h):
    img = Image.open(io.BytesIO(png)).convert("RGB")
    x, y = render.Plan(tl, w, h).proj(*lonlat)
    # the most common colour around the point (a place label may sit right on it)
    from collections import Counter
    box = img.crop((int(x) - 25, int(y) - 25, int(x) + 25, int(y) + 25))
    return Counter(p for p in box.getdata() if p != (255, 255, 255)).most_common(1)[0][0]


def test_png_shows_the_front_moving_at_the_citadel(http):
    tl = http.get("/api/timeline").json()
    colors = {f["slug"]: tuple(int(f["color"][i:i + 2], 16) for i in (1, 3, 5)) for f in tl["factions"]}
    w, h = 1600, 1200
    a = http.get("/api/render.png", params={"at": "2024-11-27T12:00:00+03:00", "width": w, "height": h, "bbox": "37.0,36.1,37.3,36.3"})
    b = http.get("/api/render.png", params={"at": "2024-12-02T12:00:00+03:00", "width": w, "height": h, "bbox": "37.0,36.1,37.3,36.3"})
    assert a.status_code == 200 and a.headers["content-type"] == "image/png"
    tl_box = dict(tl, dataset=dict(tl["dataset"], extent=[37.0, 36.1, 37.3, 36.3]))
    pa, pb = _pixel(a.content, tl_box, CITADEL, w, h), _pixel(b.content, tl_box, CITADEL, w, h)
    assert pa != pb

    def nearest(p):
        return min(colors, key=lambda k: sum((p[i] - (colors[k][i] * 150 + 244 * 105) / 255) ** 2 for i in range(3)))
    assert nearest(pa) == "saa" and nearest(pb) == "hts"
    assert "immutable" not in a.headers["cache-control"]
    again = http.get("/api/render.png", params={"at": "2024-11-27T12:00:00+03:00", "width": w, "height": h, "bbox": "37.0,36.1,37.3,36.3"},
                     headers={"If-None-Match": a.headers["etag"]})
    assert again.status_code == 304


def test_gif_has_one_frame_per_change_and_a_legend(http):
    tl = http.get("/api/timeline").json()
    r = http.get("/api/render.gif", params={"from": "2024-11-27T00:00:00+03:00", "to": "2024-11-30T00:00:00+03:00", "width": 400, "height": 300})
    assert r.status_code == 200 and r.headers["content-type"] == "image/gif"
    gif = Image.open(io.BytesIO(r.content))
    expected = [i for i in tl["instants"] if "2024-11-26T21:00:00Z" <= i <= "2024-11-29T21:00:00Z"]
    assert gif.n_frames == len(expected) + 1  # and the period's end, held
    gif.seek(gif.n_frames - 1)
    frame = gif.convert("RGB")
    # the legend sits bottom-right on white: its swatches carry the factions' colours
    legend = frame.crop((0, 60, 400, 300))  # above the footer, which takes as many lines as its sources need
    present = set(legend.getdata())
    hts = tuple(int(tl["factions"][0]["color"][i:i + 2], 16) for i in (1, 3, 5))
    assert any(sum(abs(p[i] - hts[i]) for i in range(3)) < 60 for p in present)
    assert (255, 255, 255) in present


def test_mp4(http):
    r = http.get("/api/render.mp4", params={"from": "2024-11-30T00:00:00+03:00", "to": "2024-12-01T00:00:00+03:00", "width": 320, "height": 240})
    assert r.status_code == 200 and r.content[4:8] == b"ftyp"


@pytest.mark.parametrize("url, params, words", [
    ("/api/render.png", {"at": "2024-11-30T12:00:00+03:00", "width": 5000}, "width"),
    ("/api/render.png", {"at": "2024-11-30T12:00:00+03:00", "height": 10}, "height"),
    ("/api/render.gif", {"from": "2024-11-27T00:00:00+03:00", "to": "2024-12-02T00:00:00+03:00", "step": 1}, "frames"),
    ("/api/render.gif", {"from": "2024-12-02T00:00:00+03:00", "to": "2024-11-27T00:00:00+03:00"}, "from must not be after to"),
    ("/api/render.gif", {"from": "2024-11-27T00:00:00+03:00", "to": "2024-11-28T00:00:00+03:00", "fps": 100}, "fps"),
    ("/api/render.png", {"at": "2024-11-30T12:00:00+03:00", "lang": "fr"}, "lang"),
])
def test_bounds_are_clear_4xx(http, url, params, words):
    r = http.get(url, params=params)
    assert r.status_code == 422 and words in r.json()["message"]


def test_cli_render_with_progress(live_seed, tmp_path):
    out = tmp_path / "a.gif"
    env = {**os.environ, "DATABASE_URL": live_seed.settings.database_url}
    r = subprocess.run([sys.executable, "-m", "app.cli", "render", str(out), "--from", "2024-11-30T00:00:00+03:00",
                        "--to", "2024-12-01T00:00:00+03:00", "--width", "300", "--height", "200"], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "frames" in r.stderr and out.stat().st_size > 1000


def test_arabic_labels_are_shaped():
    shaped = render.shape_text("حلب")
    assert shaped != "حلب" and all("\ufe70" <= ch <= "\ufeff" for ch in shaped)  # presentation forms, visual order
