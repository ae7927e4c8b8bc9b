"""What the map paints, read back from the page: the faction whose fill is on top at screen points.

The zones pane is one SVG; its paths are painted in document order (keyframe, then each change), so the owner
of a point is the last path whose fill contains it. Points are turned into lon/lat with Web Mercator from the
map's view (#map[data-view]), which is exact for Leaflet's EPSG:3857 map.
"""
from __future__ import annotations

import math

from shapely.geometry import Point, shape
from shapely.strtree import STRtree

PAINTED = """(pts) => {
  const svg = document.querySelector('.leaflet-zones-pane svg');
  if (!svg) return pts.map(() => null);
  const r = svg.getBoundingClientRect();
  const vb = svg.viewBox.baseVal;
  const paths = [...svg.querySelectorAll('path')];
  return pts.map(([x, y]) => {
    const p = new DOMPoint(vb.x + (x - r.left) * vb.width / r.width, vb.y + (y - r.top) * vb.height / r.height);
    let fill = null;
    for (const el of paths) if (el.isPointInFill(p)) fill = el.getAttribute('fill');
    return fill;
  });
}"""


def _merc(lat: float, lon: float, zoom: float) -> tuple[float, float]:
    s = 256 * 2 ** zoom
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    return (lon + 180) / 360 * s, (1 - y / math.pi) / 2 * s


def _unmerc(x: float, y: float, zoom: float) -> tuple[float, float]:
    s = 256 * 2 ** zoom
    lon = x / s * 360 - 180
    lat = math.degrees(2 * math.atan(math.exp(math.pi * (1 - 2 * y / s))) - math.pi / 2)
    return lat, lon


def grid(page, center: tuple[float, float], zoom: float, nx: int = 14, ny: int = 10):
    """Screen points on a grid inside #map, each with its (lat, lon)."""
    box = page.locator("#map").bounding_box()
    cx, cy = _merc(*center, zoom)
    out = []
    for i in range(nx):
        for j in range(ny):
            x = box["x"] + box["width"] * (i + 0.5) / nx
            y = box["y"] + box["height"] * (j + 0.5) / ny
            lat, lon = _unmerc(cx + x - (box["x"] + box["width"] / 2), cy + y - (box["y"] + box["height"] / 2), zoom)
            out.append((x, y, lat, lon))
    return out


def painted_factions(page, points, factions: list[dict]) -> list[str | None]:
    by_fill = {f["color"].lower(): f["slug"] for f in factions}
    by_fill.update({f"url(#fl-solid-{f['slug']})": f["slug"] for f in factions})
    fills = page.evaluate(PAINTED, [[x, y] for x, y, _, _ in points])
    return [by_fill.get((f or "").lower(), f) if f else None for f in fills]


def snapshot_factions(fc: dict, points, margin_deg: float) -> list[str | None | bool]:
    """The faction of each point in a snapshot (None outside every zone); False when the point lies within
    `margin_deg` of a zone boundary (a pixel there may fall either side)."""
    shapes = [(f["properties"]["faction"], shape(f["geometry"])) for f in fc["features"] if f["geometry"]]
    tree = STRtree([g.boundary for _, g in shapes])
    out = []
    for _, _, lat, lon in points:
        p = Point(lon, lat)
        if len(tree.query(p, predicate="dwithin", distance=margin_deg)):
            out.append(False)
            continue
        hit = [s for s, g in shapes if g.contains(p)]
        out.append(hit[0] if hit else None)
    return out


def view(page) -> tuple[tuple[float, float], float]:
    """The map's centre and zoom (the map writes them in #map[data-view] after every move)."""
    # after any pan or zoom animation (a popup pans the map into view): the view is then final
    page.wait_for_function("() => !!document.getElementById('map').dataset.view"
                           " && !document.querySelector('#map .leaflet-pan-anim, #map.leaflet-zoom-anim')")
    lat, lon, zoom = map(float, page.locator("#map").get_attribute("data-view").split(","))
    return (lat, lon), zoom


def compare(page, fc: dict, factions: list[dict], nx=14, ny=10) -> tuple[int, list]:
    """(points compared, mismatches [(lat, lon, painted, snapshot)]) between the map and a snapshot."""
    center, zoom = view(page)
    pts = grid(page, center, zoom, nx, ny)
    painted = painted_factions(page, pts, factions)
    margin = 3 * 360 / (256 * 2 ** zoom)  # about 3 pixels at the equator, more than that north of it
    expected = snapshot_factions(fc, pts, margin)
    bad, n = [], 0
    for (x, y, lat, lon), got, want in zip(pts, painted, expected):
        if want is False:
            continue
        n += 1
        if got != want:
            bad.append((round(lat, 4), round(lon, 4), got, want))
    return n, bad
