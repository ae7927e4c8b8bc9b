"""Data set folders as data: check one (`frontline data check`), tidy its topology (`frontline data tidy`),
and write the database back as one (`frontline export-dataset`).

The check reads the folder with the loader's own validation (app.usecases.load.validate) and replays it with the
pure fold (app.domain.timeline.fold), so what it accepts is exactly what `frontline load` stores. On top of
the loader's rules it checks what makes a data set trustworthy rather than merely loadable:

* the citation rule (app/domain/citations.py, which the loader and the editor apply too); what it only notes
  (reports not cited yet, changes citing a report published before them) is counted in the figures;
* after every instant no two factions overlap and no zone has slivers (parts under 0.01 km2) or needles;
* the place-containment rule: when a change's English summary names a place of the gazetteer
  (places.geojson), the change's area contains that place, unless the name follows a word that says the
  place is only a reference point ("towards Hama", "west of Aleppo") or the change's note names the place
  too (the note says why the place itself is not part of the change).

With "sources_policy": "newsroom" in dataset.json it enforces a newsroom's sourcing rules (source_problems:
publisher and link, later accounts labelled, state or partisan outlets labelled and never a change's only
source, neutral titles). It also measures the front lines (front_figures: where two factions' zones meet at each change instant; borders
and the edge of the mapped area are not fronts) and prints the figures.

Files are written with one GeoJSON feature per line (diffable, and still a valid FeatureCollection that
QGIS opens) and the texts of the changes pretty-printed in changes.json beside them.
"""
from __future__ import annotations

import json
import math
import re
from datetime import datetime
from pathlib import Path

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, mapping, shape
from shapely.ops import polygonize, unary_union
from shapely.strtree import STRtree

from app.usecases import load as loader
from app.domain import citations
from app.domain.times import local_iso
from app.domain.timeline import Change, fold, state_at

KM_PER_DEG = 111.32
SLIVER_KM2 = 0.01          # zone parts smaller than this are slivers
OVERLAP_KM2 = 0.001        # overlap between two factions' zones larger than this is an error
NEEDLE_DEG = 5.0           # a ring vertex whose two arms meet at less than this angle is a needle
NEEDLE_ARM_M = 10.0        # ... when both arms are longer than this
DIGITS = 7                 # coordinate decimals written (1e-7 deg, the loader's grid)
TEXT_FIELDS = ("summary_en", "summary_ar", "note")
GEO_FIELDS = ("key", "at", "faction", "confidence", "reports")
# A place named right after one of these words is a reference point, not ground the change claims.
# A name followed by one of these (maybe after one more name: "the Damascus-Aleppo highway") is a region or
# a road named after the place, not the place itself.
REGION_AFTER = re.compile(r"^(?: [a-z]+)? (?:countryside|province|governorate|highway|road)\b")
RELATIONAL = ("towards", "toward", "of", "near", "beyond", "past", "from", "to", "outside", "around the edge of")


# ------------------------------------------------------------------------------------------------ helpers
def _km2(g) -> float:
    if g.is_empty:
        return 0.0
    lat = g.centroid.y
    return g.area * KM_PER_DEG * KM_PER_DEG * math.cos(math.radians(lat))


def _dist_km(a, b) -> float:
    lat = math.radians((a[1] + b[1]) / 2)
    return math.hypot((b[0] - a[0]) * math.cos(lat), b[1] - a[1]) * KM_PER_DEG


BORDER_FILES = ("geomaps_borders_syria_area.geojson", "worldatlas_neighbours_admin0.geojson")


def border_file(folder: Path) -> Path | None:
    """The country borders the zones are clipped to: the OpenStreetMap-derived 100 m extract when the folder
    has it (data/tools/extract_border.py), else Natural Earth's 10m line."""
    for name in BORDER_FILES:
        path = Path(folder) / "geojson" / "base" / name
        if path.exists():
            return path
    return None


def _polygons(g) -> list[Polygon]:
    if g.is_empty:
        return []
    if g.geom_type == "Polygon":
        return [g]
    return [p for x in getattr(g, "geoms", []) for p in _polygons(x)]


def needles(poly: Polygon) -> list[tuple[float, float]]:
    """Vertices where a ring doubles back on itself (both arms longer than NEEDLE_ARM_M)."""
    out = []
    for ring in [poly.exterior, *poly.interiors]:
        cs = list(ring.coords)[:-1]
        n = len(cs)
        for i in range(n):
            a, b, c = cs[i - 1], cs[i], cs[(i + 1) % n]
            if _dist_km(a, b) * 1000 < NEEDLE_ARM_M or _dist_km(b, c) * 1000 < NEEDLE_ARM_M:
                continue
            coslat = math.cos(math.radians(b[1]))
            ux, uy, vx, vy = (a[0] - b[0]) * coslat, a[1] - b[1], (c[0] - b[0]) * coslat, c[1] - b[1]
            cos = (ux * vx + uy * vy) / (math.hypot(ux, uy) * math.hypot(vx, vy))
            if cos > math.cos(math.radians(NEEDLE_DEG)):
                out.append((round(b[0], 5), round(b[1], 5)))
    return out


# ------------------------------------------------------------------------------------------------ fronts
# Resolution measured on front lines only: the edges where two factions' zones meet at an instant. A zone's
# edge on an international border is a border; on the data set's extent (or around ground no zone covers) it
# is the edge of what is mapped, never a front. Spacing is measured between the vertices where the line turns
# (by TURN_DEG or more): extra vertices on a straight line do not make it finer.
TURN_DEG = 1.0
RUN_DEG = 3.0              # a straight run: consecutive pieces whose direction stays within this of the run's first
ON_LINE_DEG = 1e-6         # a segment whose midpoint is this close to a line lies on it (about 0.1 m)
RIVER_KM = 0.25            # a straight run within this of a river follows the river
NEAR_FRONT_KM = 1.0        # named places this close to a front are checked for the side they are on
RIVER_FILES = ("gshhg_rivers_nw_syria.geojson",)


def _front_pieces(ring_coords, kinds):
    """Split a ring into maximal runs of consecutive segments of the same kind: [(kind, [coords...]), ...]."""
    n = len(kinds)
    if n == 0:
        return []
    # Start at a change of kind so a run is not cut at the ring's seam.
    start = next((i for i in range(n) if kinds[i] != kinds[i - 1]), 0)
    out, cur, cur_kind = [], [ring_coords[start]], kinds[start]
    for k in range(n):
        i = (start + k) % n
        if kinds[i] != cur_kind:
            out.append((cur_kind, cur))
            cur, cur_kind = [ring_coords[i]], kinds[i]
        cur.append(ring_coords[i + 1])
    out.append((cur_kind, cur))
    return out


def _turning(line):
    """The vertices of a line where it turns by TURN_DEG or more (ends kept)."""
    if len(line) <= 2:
        return list(line)
    out = [line[0]]
    for a, b, c in zip(line, line[1:], line[2:]):
        d1 = _direction(out[-1], b)
        d2 = _direction(b, c)
        if abs((d2 - d1 + math.pi) % (2 * math.pi) - math.pi) >= math.radians(TURN_DEG):
            out.append(b)
    out.append(line[-1])
    return out


def _direction(a, b) -> float:
    coslat = math.cos(math.radians((a[1] + b[1]) / 2))
    return math.atan2(b[1] - a[1], (b[0] - a[0]) * coslat)


def _straight_runs(line):
    """(length km, start, end) of the straight runs of a line: consecutive pieces whose direction stays within
    RUN_DEG of the run's first piece."""
    runs, start, d0, length = [], None, None, 0.0
    for a, b in zip(line, line[1:]):
        d = _direction(a, b)
        if d0 is not None and abs((d - d0 + math.pi) % (2 * math.pi) - math.pi) < math.radians(RUN_DEG):
            length += _dist_km(a, b)
        else:
            if start is not None:
                runs.append((length, start, a))
            start, d0, length = a, d, _dist_km(a, b)
    if start is not None:
        runs.append((length, start, line[-1]))
    return runs


def river_lines(folder: Path):
    for name in RIVER_FILES:
        path = Path(folder) / "geojson" / "base" / name
        if path.exists():
            return unary_union([shape(f["geometry"]) for f in json.loads(path.read_text())["features"]])
    return None


def front_lines(state: dict, *, box_edge, border=None):
    """The lines of one instant's zones ({faction: geometry}): (fronts, coverage_edges), each a list of
    (faction_a, faction_b_or_None, [coords...]). Every front is listed once (from the zone of the faction
    that sorts first); border segments are left out."""
    import numpy as np

    names = sorted(f for f, g in state.items() if not g.is_empty)
    bounds = {f: state[f].boundary for f in names}
    for g in bounds.values():
        shapely.prepare(g)
    fronts, edges = [], []
    for a in names:
        for p in _polygons(state[a]):
            for ring in [p.exterior, *p.interiors]:
                cs = np.asarray(ring.coords)
                if len(cs) < 2:
                    continue
                mids = shapely.points((cs[:-1] + cs[1:]) / 2)
                kinds = np.full(len(mids), "", dtype=object)
                on_border = shapely.dwithin(border, mids, ON_LINE_DEG) if border is not None else np.zeros(len(mids), bool)
                kinds[on_border] = "border"
                on_edge = ~on_border & shapely.dwithin(box_edge, mids, ON_LINE_DEG)
                kinds[on_edge] = "edge"
                rest = kinds == ""
                for b in names:
                    if b == a or not rest.any():
                        continue
                    hit = rest & shapely.dwithin(bounds[b], mids, ON_LINE_DEG)
                    kinds[hit] = b
                    rest &= ~hit
                kinds[rest] = "edge"  # ground no zone covers: the edge of what is mapped
                coords = [tuple(c) for c in cs]
                for kind, line in _front_pieces(coords, list(kinds)):
                    if kind == "border":
                        continue
                    if kind == "edge":
                        edges.append((a, None, line))
                    elif a < kind:
                        fronts.append((a, kind, line))
    return fronts, edges


def front_figures(folder: Path, data: dict | None = None, versions=None) -> dict:
    """Resolution of the front lines at every change instant of the data set's fold (see front_lines):
    median and 90th-percentile vertex spacing in Aleppo city (the hull of the gazetteer's neighbourhoods
    + 1 km) and in the countryside, the longest straight runs that follow no river, front length against
    the length of the edge of what is mapped, and how many places a change names that lie within 1 km of a
    front are on the side of that change. Each distinct front piece counts once, whatever the number of
    instants it lasts."""
    from shapely.geometry import MultiPoint, box

    folder = Path(folder)
    data = data or loader.validate(folder)
    if versions is None:
        versions = fold([Change(c["order"], c["at"], c["faction"], c["geom"]) for c in data["changes"]])
    hood = [(p["lon"], p["lat"]) for p in data["places"] if p["kind"] == "neighbourhood"]
    city = MultiPoint(hood).convex_hull.buffer(0.01) if len(hood) >= 3 else None
    if city is not None:
        shapely.prepare(city)
    box_edge = box(*data["dataset"]["extent_box"]).exterior
    bpath = border_file(folder)
    border = unary_union([shape(f["geometry"]).boundary for f in json.loads(bpath.read_text())["features"]]) if bpath else None
    rivers = river_lines(folder)
    if rivers is not None:
        rivers_near = rivers.buffer(RIVER_KM / KM_PER_DEG)
        shapely.prepare(rivers_near)
    instants = sorted({c["at"] for c in data["changes"]})
    seen_seg, seen_run = set(), set()
    city_seg, country_seg, runs = [], [], []
    front_km = edge_km = 0.0
    per_instant = []
    named_ok = named_all = 0
    for t in instants:
        st = {f: v.geom for f, v in state_at(versions, t).items()}
        fronts, edges = front_lines(st, box_edge=box_edge, border=border)
        fk = sum(_line_km(l) for _, _, l in fronts)
        ek = sum(_line_km(l) for _, _, l in edges)
        per_instant.append((t, fk, ek))
        front_km, edge_km = max(front_km, fk), max(edge_km, ek)
        for _, _, line in fronts:
            pts = _turning(line)
            for a, b in zip(pts, pts[1:]):
                key = (a, b) if a <= b else (b, a)
                if key in seen_seg:
                    continue
                seen_seg.add(key)
                mid = Point((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
                (city_seg if city is not None and city.contains(mid) else country_seg).append(_dist_km(a, b))
            for length, a, b in _straight_runs(pts):
                key = (a, b) if a <= b else (b, a)
                if key in seen_run or length < 1.0:
                    continue
                seen_run.add(key)
                if rivers is not None and rivers_near.covers(shapely.geometry.LineString([a, b])):
                    continue
                runs.append((round(length, 1), (round(float(a[0]), 3), round(float(a[1]), 3)),
                             (round(float(b[0]), 3), round(float(b[1]), 3))))
        # Places a change at this instant names, near a front: on the change's side?
        lines = [shapely.geometry.LineString(l) for _, _, l in fronts if len(l) > 1]
        front_geom = shapely.union_all(lines) if lines else None
        for c in data["changes"]:
            if c["at"] != t or c["faction"] not in st or front_geom is None:
                continue
            for p, reference in named_places(c["summary_en"], data["places"]):
                if reference:
                    continue
                pt = Point(p["lon"], p["lat"])
                if front_geom.distance(pt) * KM_PER_DEG > NEAR_FRONT_KM:
                    continue
                named_all += 1
                named_ok += bool(st[c["faction"]].covers(pt))

    def q(xs, f):
        xs = sorted(xs)
        return round(xs[min(len(xs) - 1, int(f * len(xs)))], 2) if xs else 0.0
    runs.sort(reverse=True)
    return {"city_median_km": q(city_seg, 0.5), "city_p90_km": q(city_seg, 0.9),
            "country_median_km": q(country_seg, 0.5), "country_p90_km": q(country_seg, 0.9),
            "longest_straight_km": runs[0][0] if runs else 0.0, "longest_runs": runs[:5],
            "straight_runs_over_5km": sum(r[0] > 5.0 for r in runs),
            "front_km_max": round(front_km), "coverage_edge_km_max": round(edge_km),
            "front_pieces": len(city_seg) + len(country_seg),
            "named_places_near_fronts_on_their_side": f"{named_ok}/{named_all}",
            "per_instant": per_instant}


def _line_km(line) -> float:
    return sum(_dist_km(a, b) for a, b in zip(line, line[1:]))


# ------------------------------------------------------------------------------------------------ sources
# A newsroom's sourcing rules (issue 28, item 4), on top of the citation rule every data set keeps. They apply to
# a data set whose dataset.json says "sources_policy": "newsroom" (the seed does; an export of a database does not
# carry the key, so what the editor accepted still passes the plain check).
LATE_DAYS = 7              # a report published more than this after a change it is cited for is a later account
LATER_LABEL = re.compile(r"\blater (?:account|analysis|compilation)\b", re.I)
PARTISAN_LABEL = re.compile(r"\b(?:state media|partisan)\b", re.I)
UNKNOWN_PUBLISHER = re.compile(r"\b(?:not identified|unknown|unidentified|n/a)\b", re.I)
# Outlets owned or run by a party to the war (or a state taking part in it): their reports carry the label.
PARTISAN_OUTLETS = ("TRT", "Anadolu", "Daily Sabah", "A News", "SANA", "Hawar", "ANHA", "Sputnik", "RT Arabic",
                    "Tasnim", "Press TV", "Al-Manar", "Al Mayadeen", "Ikhbariya")
# A party's words in a title (the title is the editor's neutral summary, not a headline in someone's wording).
LOADED_WORDS = ("terror", "regime", "liberat", "martyr", "pkk/ypg", "jihadis", "crusader", "infidel", "occupation forces",
                "mercenar", "rats", "heroic")


def newsroom_policy(data: dict) -> bool:
    return (data["dataset"].get("sources_policy") or "") == "newsroom"


def partisan(report: dict) -> bool:
    return bool(PARTISAN_LABEL.search(report.get("publisher") or ""))


def later(report: dict) -> bool:
    return bool(LATER_LABEL.search(report.get("title") or ""))


def source_problems(data: dict) -> list[str]:
    """The newsroom rules, each problem naming the report (or the change) it is about."""
    out = []
    reports = {r["key"]: r for r in data["reports"]}
    start = data["dataset"]["start_at"]
    for k, r in reports.items():
        pub, url, title = (r.get("publisher") or "").strip(), (r.get("url") or "").strip(), r.get("title") or ""
        if not pub or UNKNOWN_PUBLISHER.search(pub):
            out.append(f"reports: {k}: the publisher is not identified (name it, or drop the report)")
        if not url.startswith(("http://", "https://")):
            out.append(f"reports: {k}: no link (give its address, or drop the report)")
        named = [o for o in PARTISAN_OUTLETS if re.search(r"(?<![A-Za-z])" + re.escape(o) + r"(?![A-Za-z])", pub)]
        if named and not partisan(r):
            out.append(f"reports: {k}: {named[0]} is a state or partisan outlet: say so in the publisher "
                       f"(e.g. '{pub} (state media)')")
        words = [w for w in LOADED_WORDS if re.search(r"(?<![a-z])" + re.escape(w), title.lower())]
        if words:
            out.append(f"reports: {k}: the title uses a party's wording ({', '.join(words)}): write a neutral "
                       f"summary in our own words")
    for c in data["changes"]:
        cited = [reports[k] for k in c["reports"] if k in reports]
        when = max(c["at"], start)
        for r in cited:
            days = (r["published"] - when).total_seconds() / 86400
            if days > LATE_DAYS and not later(r):
                out.append(f"changes: {c['key']}: cites {r['key']}, published {days:.0f} days after it: cite a "
                           f"report of the time, or label it a later account in its title")
        if cited and all(partisan(r) for r in cited):
            out.append(f"changes: {c['key']}: rests only on state or partisan outlets ({', '.join(r['key'] for r in cited)})")
        if cited and all(later(r) for r in cited) and c["confidence"] != "inferred":
            out.append(f"changes: {c['key']}: rests only on later accounts ({', '.join(r['key'] for r in cited)}): "
                       f"its confidence can only be 'inferred'")
    return out


# ------------------------------------------------------------------------------------------------ the check
def _name_pattern(name: str) -> re.Pattern | None:
    key = loader.fold_text(name)
    if len(key) < 3 or re.search(r"[\u0600-\u06FF]", key):
        return None
    return re.compile(r"(?<![a-z0-9])" + re.escape(key) + r"(?![a-z0-9])")


def named_places(summary: str, places: list[dict]) -> list[tuple[dict, bool]]:
    """The gazetteer places a summary names, each with whether it is only a reference point there."""
    text = loader.fold_text(summary)
    found = {}
    for p in places:
        if p.get("kind") == "road":
            continue  # a road's point is one spot on a long line
        for name in [p.get("name_en", ""), *p.get("variants", [])]:
            pat = _name_pattern(name)
            if pat is None:
                continue
            for m in pat.finditer(text):
                before = re.sub(r"(?:\s(?:the|its|their))+$", "", " " + text[:m.start()].rstrip())
                reference = any(before.endswith(" " + w) for w in RELATIONAL) or bool(REGION_AFTER.match(text[m.end():]))
                prev = found.get(p["slug"])
                # A place named once as ground and once as a reference point counts as ground.
                found[p["slug"]] = (p, reference if prev is None else (prev[1] and reference))
    # A longer name wins over a shorter one inside it ("Aleppo Citadel" is not a claim on "Aleppo").
    out = []
    for slug, (p, ref) in found.items():
        out.append((p, ref))
    return out


def _shadowed(p: dict, others: list[dict], summary: str) -> bool:
    """True when every mention of p's names sits inside a longer named place's name."""
    text = loader.fold_text(summary)
    spans_other = []
    for o in others:
        if o is p:
            continue
        for name in [o.get("name_en", ""), *o.get("variants", [])]:
            pat = _name_pattern(name)
            if pat:
                spans_other += [m.span() for m in pat.finditer(text)]
    for name in [p.get("name_en", ""), *p.get("variants", [])]:
        pat = _name_pattern(name)
        if not pat:
            continue
        for m in pat.finditer(text):
            if not any(s <= m.start() and m.end() <= e and (e - s) > (m.end() - m.start()) for s, e in spans_other):
                return False
    return True


def check(folder: Path) -> tuple[list[str], dict]:
    """Problems found in the data set folder (empty when it passes), and figures about it."""
    folder = Path(folder)
    try:
        data = loader.validate(folder)
    except loader.LoadError as e:
        return (list(e.detail.get("problems") or []) or [e.message]), {}
    problems: list[str] = []
    changes = data["changes"]
    reports = {r["key"]: r for r in data["reports"]}
    places = data["places"]
    start = data["dataset"]["start_at"]
    from datetime import timedelta, timezone
    local = timezone(timedelta(minutes=int(data["dataset"].get("utc_offset_minutes") or 0)))

    def when(t: datetime) -> str:
        return t.astimezone(local).isoformat()

    # The citation rule itself (app/domain/citations.py) is the loader's; its notes are counted, never refused.
    published = {k: r["published"] for k, r in reports.items()}
    uncited = citations.never_cited(sorted(reports), [c["reports"] for c in changes])
    earlier = sum(bool(citations.published_before(c["at"], c["reports"], published, start_at=start)) for c in changes)

    if newsroom_policy(data):
        problems += source_problems(data)

    # Place containment.
    for c in changes:
        hits = named_places(c["summary_en"], places)
        hit_places = [p for p, _ in hits]
        note = loader.fold_text(c.get("note") or "")
        for p, reference in hits:
            if reference or _shadowed(p, hit_places, c["summary_en"]):
                continue
            pt = Point(p["lon"], p["lat"])
            if c["geom"].buffer(1e-6).contains(pt):
                continue
            names = [p.get("name_en", ""), *p.get("variants", [])]
            if any((pat := _name_pattern(n)) and pat.search(note) for n in names):
                continue
            dist = c["geom"].exterior.distance(pt) if hasattr(c["geom"], "exterior") else c["geom"].distance(pt)
            problems.append(f"changes: {c['key']}: its summary names {p['name_en']} ({p['slug']}) but the change "
                            f"does not contain it ({dist * KM_PER_DEG:.1f} km away) and the note does not say why")

    # Replay the fold and look at the state after every instant.
    versions = fold([Change(c["order"], c["at"], c["faction"], c["geom"]) for c in changes])
    instants = sorted({c["at"] for c in changes})
    keys_at = {}
    for c in changes:
        keys_at.setdefault(c["at"], []).append(c["key"])
    for t in instants:
        st = {f: v.geom for f, v in state_at(versions, t).items()}
        names = sorted(st)
        where = f"after {when(t)} ({', '.join(keys_at[t][:3])}{'...' if len(keys_at[t]) > 3 else ''})"
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                ov = _km2(st[a].intersection(st[b]))
                if ov > OVERLAP_KM2:
                    problems.append(f"fold: {where}: {a} and {b} overlap by {ov:.3f} km2")
            for p in _polygons(st[a]):
                if _km2(p) < SLIVER_KM2:
                    rp = p.representative_point()
                    problems.append(f"fold: {where}: {a} has a sliver of {_km2(p) * 1e6:.0f} m2 at {rp.x:.5f},{rp.y:.5f}")
                for n in needles(p):
                    problems.append(f"fold: {where}: {a} has a needle at {n[0]},{n[1]}")
    last = {f: v.geom for f, v in state_at(versions, instants[-1]).items()} if instants else {}
    fr = front_figures(folder, data, versions) if instants else {}
    figures = {"changes": len(changes), "reports": len(reports), "places": len(places), "instants": len(instants),
               "reports_never_cited": len(uncited), "citations_of_earlier_reports": earlier,
               "vertices": sum(len(shapely.get_coordinates(c["geom"])) for c in changes),
               "area_km2_at_end": {f: round(_km2(g)) for f, g in sorted(last.items())},
               "fronts": {k: v for k, v in fr.items() if k != "per_instant"}}
    return problems, figures


FRONT_LABELS = (
    ("country_median_km", "vertex spacing along fronts, countryside: median {} km"), ("country_p90_km", "p90 {} km"),
    ("city_median_km", "Aleppo city: median {} km"), ("city_p90_km", "p90 {} km"),
    ("longest_straight_km", "longest straight run (no river) {} km"), ("straight_runs_over_5km", "runs over 5 km: {}"),
    ("front_km_max", "front length (between factions, the longest instant) {} km"),
    ("coverage_edge_km_max", "edge of the mapped area (never a front) {} km"),
    ("named_places_near_fronts_on_their_side", "places a change names within 1 km of a front on its side: {}"))


def describe_fronts(fr: dict) -> list[str]:
    """The front figures as the lines `frontline data check` prints."""
    parts = [label.format(fr[k]) for k, label in FRONT_LABELS if k in fr]
    lines = ["fronts at every change instant (each piece once): " + "; ".join(parts[:4]),
             "  " + "; ".join(parts[4:6]) + (f" (longest: {fr['longest_runs'][:3]})" if fr.get("longest_runs") else ""),
             "  " + "; ".join(parts[6:])]
    return lines


# ------------------------------------------------------------------------------------------------ writing
def _round(obj, digits=DIGITS):
    if isinstance(obj, float):
        return round(obj, digits)
    if isinstance(obj, (list, tuple)):
        return [_round(x, digits) for x in obj]
    return obj


def write_features(path: Path, features: list[dict], name: str | None = None) -> None:
    """A FeatureCollection with one feature per line (so a diff shows which features changed)."""
    head = {"type": "FeatureCollection"}
    if name:
        head["name"] = name
    lines = []
    for f in features:
        g = f["geometry"]
        if g is not None and g["type"] != "Point":
            # Snap to the loader's grid with shapely (plain rounding can make a ring cross itself).
            g = mapping(shapely.set_precision(shape(g), 10 ** -DIGITS))
        if g is not None:
            g = {"type": g["type"], "coordinates": _round(g["coordinates"])}
        lines.append(json.dumps({"type": "Feature", "properties": f["properties"], "geometry": g},
                                ensure_ascii=False, separators=(",", ":")))
    text = json.dumps(head, ensure_ascii=False)[:-1] + ', "features": [\n' + ",\n".join(lines) + "\n]}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def write_changes(folder: Path, changes: list[dict]) -> None:
    """changes: dicts with GEO_FIELDS, TEXT_FIELDS and 'geometry' (GeoJSON). Writes both files."""
    feats = [{"properties": {k: c[k] for k in GEO_FIELDS}, "geometry": c["geometry"]} for c in changes]
    write_features(folder / "geojson" / "changes.geojson", feats, "changes")
    texts = [{"key": c["key"], **{k: c.get(k) or "" for k in TEXT_FIELDS}} for c in changes]
    (folder / "changes.json").write_text(json.dumps(texts, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# ------------------------------------------------------------------------------------------------ tidy
NODE_GRID = 1e-7


def tidy(folder: Path) -> int:
    """Rebuild every change from the faces of one planar partition of all their edges, so that edges two
    changes share are bit-identical (hand-drawn edges that almost coincide otherwise leave slivers and
    needles in the fold). Faces under the sliver size join the neighbour they share the longest edge
    with. Rewrites geojson/changes.geojson; returns the number of changes."""
    from shapely.validation import make_valid

    path = Path(folder) / "geojson" / "changes.geojson"
    fc = json.loads(path.read_text(encoding="utf-8"))
    feats = fc["features"]
    geoms = [shape(f["geometry"]) for f in feats]
    lines = shapely.union_all([g.boundary for g in geoms], grid_size=NODE_GRID)
    faces = [f for f in polygonize(lines) if f.area > 0]
    tree = STRtree(geoms)
    member = [frozenset(int(i) for i in tree.query(f.representative_point(), predicate="within")) for f in faces]
    sliver_deg2 = SLIVER_KM2 / (KM_PER_DEG ** 2)
    small = [i for i, f in enumerate(faces) if f.area < sliver_deg2]
    ftree = STRtree(faces)
    for _ in range(3):
        for i in list(small):
            best, best_len = None, 0.0
            for j in ftree.query(faces[i], predicate="intersects"):
                j = int(j)
                if j == i or j in small:
                    continue
                shared = faces[i].boundary.intersection(faces[j].boundary).length
                if shared > best_len:
                    best, best_len = j, shared
            if best is not None:
                member[i] = member[best]
                small.remove(i)
    for k, f in enumerate(feats):
        parts = [faces[i] for i, m in enumerate(member) if k in m]
        if not parts:
            raise ValueError(f"change {f['properties'].get('key')} vanished in the partition")
        g = make_valid(unary_union(parts))
        polys = [p for p in _polygons(g) if p.area >= sliver_deg2]
        f["geometry"] = mapping(polys[0] if len(polys) == 1 else MultiPolygon(polys))
    write_features(path, feats, fc.get("name", "changes"))
    return len(feats)


# ------------------------------------------------------------------------------------------------ export
# factions.json's fields, in the order the file lists them.
FACTION_FIELDS = ("slug", "name_en", "name_ar", "short_en", "short_ar", "color", "description_en", "description_ar")


def export_dataset(session, folder: Path) -> dict:
    """Write the database's data set (the current state of every change, edits included) as a folder in
    the data set format. Base geography (geojson/base/) is not in the database and is not written."""
    from app.store import changes as changes_store
    from app.store import datasets, reports as reports_store

    folder = Path(folder)
    ds = datasets.row(session)
    if ds is None:
        raise loader.LoadError("no data set is loaded; nothing to export")
    offset = ds["utc_offset_minutes"]

    def iso(t: datetime) -> str:  # a data set folder writes local times (docs/data-format.md), not the API's UTC
        return local_iso(t, offset)

    home = {k: v for k, v in (ds["home_view"] or {}).items() if not k.startswith("_")}
    _json(folder / "dataset.json", {
        "slug": ds["slug"], "title_en": ds["title_en"], "title_ar": ds["title_ar"],
        "description_en": ds["description_en"], "description_ar": ds["description_ar"],
        "utc_offset_minutes": ds["utc_offset_minutes"], "tz_label": ds["tz_label"],
        # A war in a time zone, going on (no end), opening at its latest change: as its folder said.
        **({"time_zone": ds["time_zone"]} if ds["time_zone"] else {}),
        "start": iso(ds["start_at"]), **({"end": iso(ds["ended_at"])} if ds["ended_at"] is not None else {}),
        **({"opens_at": ds["opens_at"]} if ds["opens_at"] != "start" else {}),
        "extent": [ds["x0"], ds["y0"], ds["x1"], ds["y1"]], "home_view": home, "notes_en": ds["notes_en"]})
    factions = datasets.factions(session)
    _json(folder / "factions.json", [{k: f[k] for k in FACTION_FIELDS} for f in factions])
    reports = reports_store.for_export(session)
    # Citations go by report id: reports added in the editor have no key, and each gets its own, unlike any other.
    rkeys = {}
    taken = {r["key"] for r in reports if r["key"]}
    out_reports = []
    for i, r in enumerate(reports):
        key = r["key"]
        if not key:
            key = f"report-{i + 1}"
            while key in taken:
                key += "-b"
            taken.add(key)
        rkeys[r["id"]] = key
        out_reports.append({"key": key, "title": r["title"], "publisher": r["publisher"],
                            "published_at": iso(r["published_at"]), "url": r["url"], "language": r["language"] or "en",
                            "summary": r["summary"] or ""})
    _json(folder / "reports.json", out_reports)
    rows = changes_store.active_for_export(session)
    seen = set()
    changes = []
    for r in rows:
        key = r["key"] or f"{iso(r['at'])[:10]}-change-{r['id']}"
        while key in seen:
            key += "-b"
        seen.add(key)
        changes.append({"key": key, "at": iso(r["at"]), "faction": r["faction"], "confidence": r["confidence"],
                        "reports": sorted(rkeys[i] for i in r["report_ids"]), "geometry": json.loads(r["geom"]),
                        "summary_en": r["summary_en"] or "", "summary_ar": r["summary_ar"] or "", "note": r["note"] or ""})
    write_changes(folder, changes)
    places = datasets.places(session)
    write_features(folder / "geojson" / "places.geojson", [
        {"properties": {"slug": p["slug"], "name_en": p["name_en"], "name_ar": p["name_ar"],
                        "variants": p["variants"] or [], "kind": p["kind"], "rank": p["rank"]},
         "geometry": {"type": "Point", "coordinates": [p["lon"], p["lat"]]}} for p in places])
    return {"changes": len(changes), "reports": len(out_reports), "places": len(places), "factions": len(factions)}
