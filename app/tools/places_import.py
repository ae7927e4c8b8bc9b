"""Bring a gazetteer (`frontline places import FILE`): place points from a GeoJSON or CSV file the user brings
(villages, hamlets, neighbourhoods; names in several languages; population or rank) added to the war's gazetteer,
which the editor's place search, the report matcher and `frontline export-dataset` (hence the data check) read.

Each point of the file is, in order:

* **refused** with a reason: not a point, coordinates that are no longer/latitude, outside the war's extent, no
  name at all, a name the text rule refuses or longer than MAX_NAME;
* **merged** into a place already there (the gazetteer's, or one added earlier from the same file) when one of
  their names is the same once folded (case, accents, hyphens, apostrophes and spaces aside: "Khan al `Asal" is
  "Khan al-Asal", "خان العسل" is "خان العسل") and the two points are within `merge_km`: the place keeps its
  slug, position, kind and rank, and gains the names it lacked (an Arabic name if it had none; the others as
  variants);
* otherwise **added**, with a slug made from its English name, its kind from the file (`kind`, or WOF/GeoNames'
  `placetype`/`feature_code`; a village by default) and its rank (1-5) from the file's `rank` or its population.

Recognised fields (GeoJSON properties or CSV columns): `name_en`/`name:en`/`name` (a `name` in Arabic script
is the Arabic name), `name_ar`/`name:ar`, any other `name_xx`/`name:xx` and `variants`/`alt_names` (a list, or
names separated by `;` or `|`) as variants, `population`/`pop`, `rank`, `kind`/`placetype`/`feature_code`;
a CSV's position is `lat`/`latitude`/`y` and `lon`/`lng`/`longitude`/`x`. The war's own data is untouched: no
change, zone or revision moves, and the app works the same without an import.
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from app.domain import text as text_rule
from app.domain.errors import BadInput
from app.store import datasets, gazetteer
from app.usecases.load import fold_text

MAX_NAME = 200
MAX_FILE_BYTES = 100 * 1024 * 1024
MERGE_KM = 2.0
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_KEY_DROP = re.compile(r"[^0-9a-z\u0600-\u06ff]+")
KINDS = {"city", "town", "village", "neighbourhood", "landmark", "base", "airport"}
FEATURE_KINDS = {"PPLC": "city", "PPLA": "city", "PPLA2": "town", "PPLA3": "town", "PPLA4": "village",
                 "PPLX": "neighbourhood", "neighbourhood": "neighbourhood", "microhood": "neighbourhood",
                 "macrohood": "neighbourhood", "borough": "neighbourhood", "locality": "village", "PPL": "village",
                 "PPLL": "village", "PPLF": "village", "PPLS": "village", "PPLQ": "village"}


def name_key(name: str) -> str:
    """The form two names are compared in: folded (app.usecases.load.fold_text), then letters and digits only."""
    return _KEY_DROP.sub("", fold_text(name or ""))


def rank_of(population, kind: str) -> int:
    try:
        pop = int(float(population or 0))
    except (TypeError, ValueError):
        pop = 0
    if pop >= 1_000_000:
        return 1
    if pop >= 100_000:
        return 2
    if pop >= 20_000:
        return 3
    if pop >= 2_000:
        return 4
    return {"city": 2, "town": 4}.get(kind, 5)


def slugify(name: str) -> str:
    s = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    s = re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")
    return s[:80] or "place"


@dataclass
class Outcome:
    read: int = 0
    added: int = 0
    merged: int = 0
    refused: int = 0
    reasons: dict[str, list[str]] = field(default_factory=dict)   # reason -> examples (item numbers, names)
    merges: list[str] = field(default_factory=list)               # "name -> slug" examples

    def refuse(self, reason: str, example: str) -> None:
        self.refused += 1
        self.reasons.setdefault(reason, []).append(example)

    def lines(self, limit: int = 5) -> list[str]:
        out = [f"{self.read} read: {self.added} added, {self.merged} merged into places already there, "
               f"{self.refused} refused"]
        if self.merges:
            out.append("  merged (name -> place): " + "; ".join(self.merges[:limit])
                       + (f"; and {self.merged - limit} more" if self.merged > limit else ""))
        for reason, examples in sorted(self.reasons.items(), key=lambda kv: -len(kv[1])):
            out.append(f"  refused, {reason}: {len(examples)} (e.g. {', '.join(examples[:limit])})")
        return out


# ------------------------------------------------------------------------------------------------ reading
def _names(props: dict) -> tuple[str, str, list[str]]:
    """(English name, Arabic name, variants) from a feature's properties or a CSV row."""
    def val(*keys):
        for k in keys:
            v = props.get(k)
            if isinstance(v, str) and v.strip():
                return v.strip()
        return ""
    en, ar = val("name_en", "name:en", "name_eng"), val("name_ar", "name:ar", "name_ara")
    plain = val("name")
    variants: list[str] = []
    if plain:
        if _ARABIC.search(plain):
            ar = ar or plain
            if plain != ar:
                variants.append(plain)
        elif not en:
            en = plain
        elif plain != en:
            variants.append(plain)
    if ar and not _ARABIC.search(ar):  # an "Arabic" name in Latin letters (a transliteration) is a variant
        variants.append(ar)
        ar = ""
    for k, v in props.items():
        if re.fullmatch(r"name[_:][a-z]{2,3}(?:[_-][a-z]+)?", k or "") and k not in ("name_en", "name:en", "name_ar", "name:ar") \
                and isinstance(v, str) and v.strip():
            variants.append(v.strip())
    for k in ("variants", "alt_names", "alternate_names", "alt_name"):
        v = props.get(k)
        if isinstance(v, list):
            variants += [x.strip() for x in v if isinstance(x, str) and x.strip()]
        elif isinstance(v, str) and v.strip():
            variants += [x.strip() for x in re.split(r"[;|]", v) if x.strip()]
    return en, ar, variants


def _kind(props: dict) -> str:
    k = str(props.get("kind") or "").strip().lower()
    if k in KINDS:
        return k
    for key in ("feature_code", "placetype", "fcode"):
        v = props.get(key)
        if isinstance(v, str) and v in FEATURE_KINDS:
            return FEATURE_KINDS[v]
    return "village"


def _float(v):
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def read_file(path: Path) -> list[tuple[str, dict, tuple | None]]:
    """The file's items: (label for messages, properties, (lon, lat) or None when it is not a point)."""
    path = Path(path)
    if path.stat().st_size > MAX_FILE_BYTES:
        raise BadInput(f"{path.name}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    raw = path.read_bytes()
    body = raw.decode("utf-8-sig", errors="replace")
    if path.suffix.lower() in (".csv", ".tsv", ".txt"):
        dialect = csv.excel_tab if path.suffix.lower() == ".tsv" or ("\t" in body.split("\n", 1)[0] and "," not in body.split("\n", 1)[0]) else csv.excel
        out = []
        for i, row in enumerate(csv.DictReader(io.StringIO(body), dialect=dialect), start=2):
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
            lon = _float(next((row[k] for k in ("lon", "lng", "longitude", "x") if row.get(k)), None))
            lat = _float(next((row[k] for k in ("lat", "latitude", "y") if row.get(k)), None))
            out.append((f"line {i}", row, (lon, lat) if lon is not None and lat is not None else None))
        return out
    try:
        doc = json.loads(body)
    except ValueError as e:
        raise BadInput(f"{path.name}: neither CSV (by its name) nor JSON: {e}") from None
    feats = doc.get("features") if isinstance(doc, dict) and doc.get("type") == "FeatureCollection" else None
    if not isinstance(feats, list):
        raise BadInput(f"{path.name}: a GeoJSON FeatureCollection of points is expected")
    out = []
    for i, f in enumerate(feats):
        props = (f or {}).get("properties") or {} if isinstance(f, dict) else {}
        g = (f or {}).get("geometry") if isinstance(f, dict) else None
        xy = None
        if isinstance(g, dict) and g.get("type") == "Point" and isinstance(g.get("coordinates"), list) and len(g["coordinates"]) >= 2:
            lon, lat = _float(g["coordinates"][0]), _float(g["coordinates"][1])
            xy = (lon, lat) if lon is not None and lat is not None else ("bad",)
        out.append((f"feature {i}", props if isinstance(props, dict) else {}, xy))
    return out


# ------------------------------------------------------------------------------------------------ importing
class _Grid:
    """Places by position (cells of about 0.05 degrees), for the within-merge_km look-up."""

    def __init__(self, cell: float):
        self.cell, self.cells = cell, {}

    def add(self, p: dict) -> None:
        self.cells.setdefault((int(p["lon"] // self.cell), int(p["lat"] // self.cell)), []).append(p)

    def near(self, lon: float, lat: float):
        cx, cy = int(lon // self.cell), int(lat // self.cell)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                yield from self.cells.get((cx + dx, cy + dy), ())


def _km(a_lon, a_lat, b_lon, b_lat) -> float:
    return math.hypot((a_lon - b_lon) * math.cos(math.radians((a_lat + b_lat) / 2)), a_lat - b_lat) * 111.32


def _search_text(p: dict) -> str:
    return " | ".join(fold_text(n) for n in [p["name_en"], p["name_ar"], *p["variants"]] if n)


def import_places(session: Session, path: Path, *, merge_km: float = MERGE_KM, dry_run: bool = False) -> Outcome:
    """Import the file into the gazetteer of the war the session works in (`frontline places import --war SLUG`:
    app/cli/common.py's session_scope; see the module's notes). The caller commits."""
    ds = datasets.row(session)
    if ds is None:
        raise BadInput("no war is loaded: load its data set first (frontline load)")
    x0, y0, x1, y1 = ds["x0"], ds["y0"], ds["x1"], ds["y1"]
    items = read_file(path)
    existing = [{**dict(r), "variants": list(r["variants"] or []), "new": False} for r in datasets.places(session)]
    grid = _Grid(max(0.02, merge_km / 111.32))
    for p in existing:
        p["keys"] = {name_key(n) for n in [p["name_en"], p["name_ar"], *p["variants"]] if name_key(n)}
        grid.add(p)
    slugs = {p["slug"] for p in existing}
    out = Outcome(read=len(items))
    changed: dict[str, dict] = {}
    added: list[dict] = []
    for label, props, xy in items:
        en, ar, variants = _names(props)
        shown = en or ar or label
        if xy is None:
            out.refuse("not a point", label)
            continue
        if len(xy) != 2 or not (-180 <= xy[0] <= 180 and -90 <= xy[1] <= 90):
            out.refuse("coordinates that are not a longitude and latitude", label)
            continue
        lon, lat = xy
        if not (x0 <= lon <= x1 and y0 <= lat <= y1):
            out.refuse("outside the war's extent", f"{shown} ({label})")
            continue
        names = [n for n in dict.fromkeys([en, ar, *variants]) if n]
        if not names or not any(name_key(n) for n in names):
            out.refuse("no name", label)
            continue
        bad = next((n for n in names if len(n) > MAX_NAME or text_rule.problem(n)), None)
        if bad is not None:
            out.refuse("a name that cannot be stored (too long, or characters the text rule refuses)", label)
            continue
        keys = {name_key(n) for n in names} - {""}
        target = next((p for p in grid.near(lon, lat) if p["keys"] & keys and _km(lon, lat, p["lon"], p["lat"]) <= merge_km), None)
        if target is not None:
            out.merged += 1
            if len(out.merges) < 50:
                out.merges.append(f"{shown} -> {target['slug']}")
            grew = False
            if ar and not target["name_ar"]:
                target["name_ar"], grew = ar, True
            have = {name_key(n) for n in [target["name_en"], target["name_ar"], *target["variants"]]}
            for n in names:
                if name_key(n) not in have:
                    target["variants"].append(n)
                    have.add(name_key(n))
                    grew = True
            target["keys"] |= keys
            if grew and not target["new"]:
                changed[target["slug"]] = target
            continue
        kind = _kind(props)
        rank = props.get("rank")
        try:
            rank = int(rank) if rank not in (None, "") else rank_of(props.get("population") or props.get("pop"), kind)
        except (TypeError, ValueError):
            rank = rank_of(props.get("population"), kind)
        rank = min(5, max(1, rank))
        base = slugify(en or next((v for v in variants if not _ARABIC.search(v)), ""))
        slug, n = base, 2
        while slug in slugs:
            slug, n = f"{base}-{n}", n + 1
        slugs.add(slug)
        p = {"slug": slug, "name_en": en or ar, "name_ar": ar, "variants": [v for v in variants if v not in (en, ar)],
             "kind": kind, "rank": rank, "lon": round(lon, 6), "lat": round(lat, 6), "keys": keys, "new": True}
        grid.add(p)
        added.append(p)
        out.added += 1
    if not dry_run:
        gazetteer.add_places(session, [{k: p[k] for k in ("slug", "name_en", "name_ar", "variants", "kind", "rank", "lon", "lat")}
                                       | {"search_text": _search_text(p)} for p in added])
        for p in changed.values():
            gazetteer.set_names(session, p["slug"], name_ar=p["name_ar"], variants=p["variants"], search_text=_search_text(p))
    return out
