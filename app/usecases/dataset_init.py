"""`frontline dataset init`: scaffold a data set folder (docs/data-format.md) that `frontline load` accepts.

A new war in two commands: `dataset init`, then `import-snapshots` (or drawing in the editor). The folder
holds the factions given plus the `contested` pseudo-faction, one report to fill in (changes must cite
one), an empty gazetteer and no changes yet (or, with --baseline, the whole extent held by one faction).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from app.domain.errors import BadInput

SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
CONTESTED = {"slug": "contested", "name_en": "Contested", "name_ar": "متنازع عليها", "short_en": "Contested",
             "short_ar": "متنازع عليها", "color": "#999999",
             "description_en": "Ground fought over, or held by no one side according to the reports.",
             "description_ar": "مناطق متنازع عليها أو لا يسيطر عليها طرف واحد بحسب التقارير."}


@dataclass
class Spec:
    title: str
    start: datetime
    end: datetime | None  # None: a war going on
    extent: tuple[float, float, float, float]
    factions: list[dict]
    utc_offset_minutes: int = 0
    slug: str = ""
    title_ar: str = ""
    baseline: str | None = None
    report_key: str = "source-1"
    time_zone: str | None = None  # an IANA name; replaces utc_offset_minutes


def parse_offset(value: str) -> int:
    """'+03:00', '-05:30', '+3', 'Z' -> minutes east of UTC."""
    v = (value or "").strip()
    if v.upper() in ("Z", "UTC", "+00:00", "0"):
        return 0
    m = re.fullmatch(r"([+-])(\d{1,2})(?::?(\d{2}))?", v)
    if not m or int(m[2]) > 14 or int(m[3] or 0) >= 60:
        raise BadInput(f"--utc-offset {value!r} is not an offset; use e.g. +03:00 or -05:00")
    minutes = int(m[2]) * 60 + int(m[3] or 0)
    return minutes if m[1] == "+" else -minutes


def tz_label(minutes: int) -> str:
    if minutes == 0:
        return "UTC"
    h, m = divmod(abs(minutes), 60)
    return f"UTC{'+' if minutes > 0 else '-'}{h}" + (f":{m:02d}" if m else "")


def parse_when(value: str, offset: int, name: str, *, end: bool = False, time_zone: str | None = None) -> datetime:
    """A date (local midnight; for --end the midnight after it, so the day is included) or an ISO instant.
    Local: in `time_zone` (IANA) when given, else at the fixed `offset`."""
    from app.domain.times import zone

    v = (value or "").strip()
    tz = zone(time_zone) if time_zone else timezone(timedelta(minutes=offset))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        try:
            d = date.fromisoformat(v)
        except ValueError:
            raise BadInput(f"{name} {value!r} is not a valid date") from None
        return datetime.combine(d + timedelta(days=1 if end else 0), time(0, 0), tz)
    try:
        dt = datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(f"{name} {value!r} is not a date (YYYY-MM-DD) or an ISO 8601 instant") from None
    return dt.replace(tzinfo=tz) if dt.tzinfo is None else dt


def parse_extent(value: str) -> tuple[float, float, float, float]:
    try:
        x0, y0, x1, y1 = (float(v) for v in value.split(","))
    except ValueError:
        raise BadInput(f"--extent {value!r} must be minlon,minlat,maxlon,maxlat (four numbers)") from None
    if not (-180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90):
        raise BadInput(f"--extent {value!r} must be minlon,minlat,maxlon,maxlat with min < max, "
                       "longitudes in -180..180 and latitudes in -90..90")
    return x0, y0, x1, y1


def parse_faction(value: str) -> dict:
    """'slug:Name:#rrggbb' (the name may hold colons)."""
    parts = value.split(":")
    if len(parts) < 3:
        raise BadInput(f"--faction {value!r} must be slug:Name:#rrggbb, e.g. ua:Ukrainian forces:#0057b7")
    slug, name, color = parts[0].strip(), ":".join(parts[1:-1]).strip(), parts[-1].strip()
    if not SLUG.fullmatch(slug):
        raise BadInput(f"--faction {value!r}: the slug {slug!r} must be lower-case letters, digits, - or _")
    if not name:
        raise BadInput(f"--faction {value!r}: the name is empty")
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", color):
        raise BadInput(f"--faction {value!r}: the colour {color!r} must be #rrggbb")
    return {"slug": slug, "name_en": name, "name_ar": name, "short_en": name, "short_ar": name, "color": color.upper(),
            "description_en": "", "description_ar": ""}


def slugify(title: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return s[:40].strip("-") or "war"


def build(spec: Spec) -> dict[str, object]:
    """The files of the data set (relative path -> JSON document). Pure."""
    if spec.end is not None and spec.start >= spec.end:
        raise BadInput("--start must come before --end")
    if not spec.factions:
        raise BadInput("give at least one --faction slug:Name:#rrggbb")
    slugs = [f["slug"] for f in spec.factions]
    dup = sorted({s for s in slugs if slugs.count(s) > 1})
    if dup:
        raise BadInput(f"faction(s) given twice: {', '.join(dup)}")
    factions = list(spec.factions) + ([] if "contested" in slugs else [dict(CONTESTED)])
    if spec.baseline and spec.baseline not in {f["slug"] for f in factions}:
        raise BadInput(f"--baseline {spec.baseline!r} is not one of the factions: {', '.join(f['slug'] for f in factions)}")
    x0, y0, x1, y1 = spec.extent
    start_iso = spec.start.isoformat()
    dataset = {
        "slug": spec.slug or slugify(spec.title), "title_en": spec.title, "title_ar": spec.title_ar or spec.title,
        "description_en": "", "description_ar": "",
        **({"time_zone": spec.time_zone} if spec.time_zone else
           {"utc_offset_minutes": spec.utc_offset_minutes, "tz_label": tz_label(spec.utc_offset_minutes)}),
        "start": start_iso, **({"end": spec.end.isoformat()} if spec.end is not None else {}), "extent": [x0, y0, x1, y1],
        "home_view": {"center": [round((y0 + y1) / 2, 5), round((x0 + x1) / 2, 5)], "zoom": 7},
        "notes_en": "Scaffolded by `frontline dataset init`: fill in the descriptions, the Arabic names and the first report.",
    }
    reports = [{"key": spec.report_key, "title": "(fill in) the first source", "publisher": "(fill in)",
                "published_at": start_iso, "url": None, "language": "en",
                "summary": "Fill in: what this source says, in your own words."}]
    features = []
    if spec.baseline:
        features.append({"type": "Feature", "properties": {
            "key": "baseline", "at": start_iso, "faction": spec.baseline, "confidence": "claimed",
            "reports": [spec.report_key], "summary_en": "Initial situation: the whole map area.", "summary_ar": "الوضع الأولي."},
            "geometry": {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}})
    return {
        "dataset.json": dataset,
        "factions.json": factions,
        "reports.json": reports,
        "geojson/changes.geojson": {"type": "FeatureCollection", "features": features},
        "geojson/places.geojson": {"type": "FeatureCollection", "features": []},
    }


def write(folder: Path, spec: Spec) -> list[Path]:
    """Write the data set folder; refuses a folder that exists and is not empty. Returns the files."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BadInput(f"{folder} exists and is not an empty folder; choose a new one")
    files = build(spec)
    out = []
    for rel, doc in files.items():
        p = folder / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        out.append(p)
    return out
