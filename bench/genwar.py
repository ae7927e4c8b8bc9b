"""A synthetic long war as a data-set folder (docs/data-format.md), for measuring Frontline at scale.

Two sides, 'west' and 'east', split by a long irregular front running south to north; the baseline is two
big polygons sharing that front line exactly. Every later change is a small irregular (star-shaped, so
always valid) polygon centred near the *current* front, passing to one side or, sometimes, to 'contested';
the generator moves its own model of the front as the sides gain ground, so changes keep straddling it.
Every change cites the day's report. Deterministic for a seed; 1,000 days x 10 a day takes seconds.

    python bench/genwar.py --days 100 --per-day 10 --front-vertices 5000 --change-vertices 40 --seed 1 OUT
"""
from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

# A fictional region (no real place): 8 x 6 degrees.
EXTENT = (30.0, 44.0, 38.0, 50.0)
MARGIN = 0.05             # the baseline polygons stay this far inside the extent
OFFSET_MIN = 120
TZ = timezone(timedelta(minutes=OFFSET_MIN))
START = datetime(2030, 3, 1, tzinfo=TZ)
CONTESTED_SHARE = 0.15
RADIUS = (0.02, 0.07)     # a change's radius in degrees (about 2-8 km)

FACTIONS = [
    {"slug": "west", "name_en": "Western forces", "name_ar": "القوات الغربية", "short_en": "West", "short_ar": "الغرب",
     "color": "#0072B2", "description_en": "The side holding the west at the start (synthetic).",
     "description_ar": "الطرف الذي يسيطر على الغرب في البداية (بيانات اصطناعية)."},
    {"slug": "east", "name_en": "Eastern forces", "name_ar": "القوات الشرقية", "short_en": "East", "short_ar": "الشرق",
     "color": "#D55E00", "description_en": "The side holding the east at the start (synthetic).",
     "description_ar": "الطرف الذي يسيطر على الشرق في البداية (بيانات اصطناعية)."},
    {"slug": "contested", "name_en": "Contested", "name_ar": "متنازع عليها", "short_en": "Contested", "short_ar": "متنازع عليها",
     "color": "#999999", "description_en": "Ground where fighting is reported and no side holds it.",
     "description_ar": "أرض يدور فيها القتال ولا يسيطر عليها أي طرف."},
]


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


class Front:
    """The front as x = f(y), sampled at `n` latitudes from the south edge to the north edge."""

    def __init__(self, rng: random.Random, n: int):
        minx, miny, maxx, maxy = EXTENT
        self.lo, self.hi = minx + 0.5, maxx - 0.5
        self.y0, self.y1 = miny + MARGIN, maxy - MARGIN
        self.n = n
        self.ys = [self.y0 + (self.y1 - self.y0) * i / (n - 1) for i in range(n)]
        mid = (minx + maxx) / 2
        waves = [(rng.uniform(0.2, 0.9) / (k + 1) ** 0.8, rng.uniform(1.5, 6.0) * (k + 1), rng.uniform(0, 2 * math.pi))
                 for k in range(8)]
        self.xs = []
        walk = 0.0
        for y in self.ys:
            walk = 0.97 * walk + rng.gauss(0, 0.004)  # small-scale irregularity (correlated, so it reads as a line)
            x = mid + sum(a * math.sin(f * y + p) for a, f, p in waves) + walk
            self.xs.append(min(max(x, self.lo), self.hi))

    def index(self, y: float) -> int:
        return min(max(int(round((y - self.y0) / (self.y1 - self.y0) * (self.n - 1))), 0), self.n - 1)

    def x_at(self, y: float) -> float:
        return self.xs[self.index(y)]

    def push(self, cx: float, cy: float, r: float, side: str) -> None:
        """The side took a disc of radius r at (cx, cy): move the front past it (approximately)."""
        i0, i1 = self.index(cy - r), self.index(cy + r)
        for i in range(i0, i1 + 1):
            d = (self.ys[i] - cy) / r
            if abs(d) >= 1:
                continue
            w = r * math.sqrt(1 - d * d)
            if side == "west":
                self.xs[i] = min(max(self.xs[i], cx + w), self.hi)
            else:
                self.xs[i] = max(min(self.xs[i], cx - w), self.lo)


def _star(rng: random.Random, cx: float, cy: float, r: float, n: int) -> list[list[float]]:
    """An irregular star-shaped polygon (always simple) of n vertices around (cx, cy)."""
    angles = sorted(rng.uniform(0, 2 * math.pi) for _ in range(n))
    # Spread angles so no two vertices collapse after rounding.
    angles = [(a + 2 * math.pi * i / n) / 2 for i, a in enumerate(angles)]
    radii, prev = [], rng.uniform(0.7, 1.0)
    for _ in range(n):
        prev = min(max(prev + rng.uniform(-0.12, 0.12), 0.55), 1.0)
        radii.append(prev * r)
    ring = []
    for a, rr in zip(angles, radii):
        p = [round(cx + rr * math.cos(a) / math.cos(math.radians(cy)), 5), round(cy + rr * math.sin(a), 5)]
        if not ring or p != ring[-1]:
            ring.append(p)
    if ring[-1] == ring[0]:
        ring.pop()
    ring.append(list(ring[0]))
    return ring


def generate(out: Path, *, days: int = 100, per_day: int = 10, front_vertices: int = 5000, change_vertices: int = 40,
             seed: int = 1) -> dict:
    """Write the data set into `out` (replacing it). Returns facts the benchmark uses (period, counts, a mid change)."""
    if days < 1 or per_day < 1 or front_vertices < 3 or change_vertices < 3:
        raise ValueError("days and per-day must be >= 1, vertices >= 3")
    rng = random.Random(seed)
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    (out / "geojson").mkdir(parents=True)
    minx, miny, maxx, maxy = EXTENT
    front = Front(rng, front_vertices)
    end = START + timedelta(days=days + 1)

    ds = {"slug": f"synthetic-war-{days}d-{per_day}pd-s{seed}",
          "title_en": f"A synthetic war of {days} days ({per_day} changes a day)",
          "title_ar": f"حرب اصطناعية لمدة {days} يوماً ({per_day} تغييرات يومياً)",
          "description_en": "Generated by bench/genwar.py to measure Frontline at scale. No real place or event.",
          "description_ar": "بيانات مولّدة بواسطة bench/genwar.py لقياس أداء Frontline. لا تمثل مكاناً أو حدثاً حقيقياً.",
          "utc_offset_minutes": OFFSET_MIN, "tz_label": "UTC+2", "start": _iso(START), "end": _iso(end),
          "extent": [minx, miny, maxx, maxy], "home_view": {"center": [(miny + maxy) / 2, (minx + maxx) / 2], "zoom": 6},
          "notes_en": f"Synthetic (seed {seed}, front of {front_vertices} vertices, changes of {change_vertices} vertices)."}

    reports = [{"key": "r-baseline", "title": "Synthetic situation report: the initial front", "publisher": "bench/genwar.py",
                "published_at": _iso(START), "url": None, "language": "en", "summary": "The line of contact at the start."}]
    west_ring = [[minx + MARGIN, front.y0]] + [[round(x, 5), round(y, 6)] for x, y in zip(front.xs, front.ys)] + \
                [[minx + MARGIN, front.y1], [minx + MARGIN, front.y0]]
    east_ring = [[round(front.xs[0], 5), round(front.y0, 6)], [maxx - MARGIN, front.y0], [maxx - MARGIN, front.y1]] + \
                [[round(x, 5), round(y, 6)] for x, y in zip(reversed(front.xs), reversed(front.ys))]
    feats = []
    for side, ring in (("west", west_ring), ("east", east_ring)):
        feats.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                      "properties": {"key": f"baseline-{side}", "at": _iso(START), "faction": side, "confidence": "confirmed",
                                     "reports": ["r-baseline"], "summary_en": f"At the start the {side} side holds its half.",
                                     "summary_ar": "الوضع في البداية."}})

    n_places = 40
    places = []
    for k in range(n_places):
        y = front.y0 + (front.y1 - front.y0) * (k + 0.5) / n_places
        x = min(max(front.x_at(y) + rng.uniform(-0.6, 0.6), minx + 0.1), maxx - 0.1)
        places.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(x, 5), round(y, 5)]},
                       "properties": {"slug": f"town-{k + 1}", "name_en": f"Town {k + 1}", "name_ar": f"البلدة {k + 1}",
                                      "variants": [f"Town{k + 1}"], "kind": "town" if k % 5 else "city",
                                      "rank": 2 if k % 5 == 0 else 4}})

    step = timedelta(minutes=(24 * 60) // (per_day + 1))
    mid_day = (days + 1) // 2
    mid = None
    for d in range(1, days + 1):
        rkey = f"r-day-{d:05d}"
        day0 = START + timedelta(days=d)
        reports.append({"key": rkey, "title": f"Synthetic situation report, day {d}", "publisher": "bench/genwar.py",
                        "published_at": _iso(day0 + timedelta(hours=23)), "url": None, "language": "en",
                        "summary": f"Movements along the front on day {d} (synthetic)."})
        for k in range(per_day):
            at = day0 + step * (k + 1)
            r = rng.uniform(*RADIUS)
            cy = rng.uniform(front.y0 + r + 0.01, front.y1 - r - 0.01)
            cx = front.x_at(cy) + rng.uniform(-0.3, 0.3) * r
            cx = min(max(cx, minx + MARGIN + 2 * r), maxx - MARGIN - 2 * r)
            roll = rng.random()
            faction = "contested" if roll < CONTESTED_SHARE else ("west" if roll < (1 + CONTESTED_SHARE) / 2 else "east")
            ring = _star(rng, cx, cy, r, change_vertices)
            if faction != "contested":
                front.push(cx, cy, 0.8 * r, faction)
            key = f"d{d:05d}-{k + 1:03d}"
            feats.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                          "properties": {"key": key, "at": _iso(at), "faction": faction,
                                         "confidence": "confirmed" if rng.random() < 0.7 else "claimed",
                                         "reports": [rkey], "summary_en": f"Day {d}: {faction} near {cy:.2f}N {cx:.2f}E.",
                                         "summary_ar": f"اليوم {d}: تغيير قرب خط الجبهة."}})
            if d == mid_day and mid is None:
                mid = {"key": key, "at": _iso(at), "center": [round(cx, 5), round(cy, 5)], "radius": r, "faction": faction}

    (out / "dataset.json").write_text(json.dumps(ds, ensure_ascii=False, indent=1), encoding="utf-8")
    (out / "factions.json").write_text(json.dumps(FACTIONS, ensure_ascii=False, indent=1), encoding="utf-8")
    (out / "reports.json").write_text(json.dumps(reports, ensure_ascii=False), encoding="utf-8")
    (out / "geojson" / "changes.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    (out / "geojson" / "places.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": places}, ensure_ascii=False), encoding="utf-8")
    return {"folder": str(out), "start": ds["start"], "end": ds["end"], "changes": len(feats), "days": days,
            "per_day": per_day, "mid": mid, "extent": list(EXTENT)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="the folder to write (replaced)")
    ap.add_argument("--days", type=int, default=100)
    ap.add_argument("--per-day", type=int, default=10, help="changes per day")
    ap.add_argument("--front-vertices", type=int, default=5000, help="vertices of the initial front")
    ap.add_argument("--change-vertices", type=int, default=40, help="vertices of each change's polygon")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    info = generate(a.out, days=a.days, per_day=a.per_day, front_vertices=a.front_vertices,
                    change_vertices=a.change_vertices, seed=a.seed)
    print(f"wrote {info['changes']} changes ({info['start']} .. {info['end']}) into {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
