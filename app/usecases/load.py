"""Load a data set folder (docs/data-format.md) into the database, idempotently and all-or-nothing.

Everything is validated in Python first; any problem is reported with the file, the feature and the reason,
and nothing is written. The load itself is one transaction; the statements are app/store/load.py and
app/store/queries.py.
"""
from __future__ import annotations

from datetime import timedelta
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from app.store import datasets, queries
from app.store import load as store
from app.store import wars
from app.domain import citations
from app.domain.cells import cell_size_for
from app.store.models import CONFIDENCE
from app.domain.geometry import parse_polygonal
from app.domain.times import offset_label, parse_instant, zoned
from app.domain.errors import BadInput, FrontlineError
from app.domain.text import problem as text_problem, storable

FILES = ["dataset.json", "factions.json", "reports.json", "geojson/changes.geojson", "geojson/places.geojson",
         "changes.json"]
TEXT_FIELDS = ("summary_en", "summary_ar", "note")
KINDS = {"city", "town", "village", "neighbourhood", "landmark", "base", "airport", "road"}


class LoadError(FrontlineError):
    code = "load_error"


@dataclass
class Problem:
    file: str
    where: str
    reason: str

    def __str__(self):
        return f"{self.file}: {self.where}: {self.reason}"


def fold_text(s: str) -> str:
    """Lower-case, strip accents and Arabic diacritics, unify hyphens/apostrophes: the search key."""
    s = unicodedata.normalize("NFKD", s or "")
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = s.lower().replace("ʿ", "").replace("ʾ", "").replace("'", "").replace("’", "").replace("‘", "")
    s = re.sub(r"[\u0640]", "", s)  # tatweel
    s = s.replace("أ", "ا").replace("إ", "ا").replace("آ", "ا").replace("ة", "ه").replace("ى", "ي")
    s = re.sub(r"[-_/,.()]+", " ", s)
    return re.sub(r"\s+", " ", s).strip()


def content_hash(folder: Path) -> str:
    """SHA-256 of each file's name and bytes, in FILES order: the same folder loads as 'unchanged'."""
    parts = []
    for name in FILES:
        p = folder / name
        if name == "changes.json" and not p.exists():
            continue  # optional: folders without it hash as before
        parts += [name.encode(), p.read_bytes() if p.exists() else b""]
    return hashlib.sha256(b"".join(parts)).hexdigest()


def _read_json(folder: Path, name: str, problems: list[Problem]):
    p = folder / name
    if not p.exists():
        problems.append(Problem(name, "file", "missing"))
        return None
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        problems.append(Problem(name, f"line {e.lineno}", f"not valid JSON: {e.msg}"))
        return None


def _strings(value, field: str = ""):
    """(field, text) for every string in a JSON value, keys included: `variants[1]`, `home_view.label`."""
    if isinstance(value, str):
        yield field, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield "a field's name" + (f" in {field}" if field else ""), str(k)
            yield from _strings(v, f"{field}.{k}" if field else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, f"{field}[{i}]")


def _check_texts(ds, factions, reports, changes, places, texts, problems: list[Problem]) -> None:
    """The one text rule (app.domain.text) on every text of the folder: each refusal names file, record and field."""
    def check(file: str, where: str, record) -> None:
        for field, value in _strings(record):
            wrong = text_problem(value)
            if wrong is not None:
                problems.append(Problem(file, storable(where), f"{field or 'the value'} {wrong}"))

    def label(kind: str, i: int, r, key: str) -> str:
        return f"{kind} {i} ({r.get(key, '?')})" if isinstance(r, dict) else f"{kind} {i}"

    check("dataset.json", "dataset", ds)
    for i, f in enumerate(factions if isinstance(factions, list) else []):
        check("factions.json", label("faction", i, f, "slug"), f)
    for i, r in enumerate(reports if isinstance(reports, list) else []):
        check("reports.json", label("report", i, r, "key"), r)
    for name, doc, key in (("geojson/changes.geojson", changes, "key"), ("geojson/places.geojson", places, "slug")):
        for i, feat in enumerate((doc or {}).get("features", []) if isinstance(doc, dict) else []):
            p = feat.get("properties") if isinstance(feat, dict) else None
            check(name, label("feature", i, p or {}, key), p or {})
    for i, t in enumerate(texts or []):
        check("changes.json", label("entry", i, t, "key"), t)


def validate(folder: Path, *, max_vertices: int = 200_000) -> dict:
    """Read and check the whole data set; raise LoadError listing every problem found."""
    problems: list[Problem] = []
    folder = Path(folder)
    ds = _read_json(folder, "dataset.json", problems)
    factions = _read_json(folder, "factions.json", problems)
    reports = _read_json(folder, "reports.json", problems)
    changes = _read_json(folder, "geojson/changes.geojson", problems)
    places = _read_json(folder, "geojson/places.geojson", problems)
    # The changes' texts may sit beside the coordinates in changes.json ([{key, summary_en, summary_ar, note}]).
    texts: dict[str, dict] = {}
    tlist = None
    if (folder / "changes.json").exists():
        tlist = _read_json(folder, "changes.json", problems)
        if tlist is not None and not isinstance(tlist, list):
            problems.append(Problem("changes.json", "file", "must be a list of {key, summary_en, summary_ar, note}"))
        for i, t in enumerate(tlist if isinstance(tlist, list) else []):
            if not isinstance(t, dict) or not t.get("key"):
                problems.append(Problem("changes.json", f"entry {i}", "missing key"))
            elif t["key"] in texts:
                problems.append(Problem("changes.json", f"entry {i} ({t['key']})", "duplicate key"))
            else:
                texts[t["key"]] = t
    if problems:
        raise LoadError("the data set cannot be read:\n" + "\n".join(map(str, problems)), problems=[str(p) for p in problems])
    _check_texts(ds, factions, reports, changes, places, tlist if isinstance(tlist, list) else [], problems)
    out: dict = {"dataset": ds}
    try:
        ds["start_at"] = parse_instant(ds["start"], "start")
        # No `end`: a war going on (changes up to now). `time_zone` (IANA) replaces the fixed offset; a folder of
        # before time zones gives `utc_offset_minutes` and `tz_label` alone.
        ds["end_at"] = parse_instant(ds["end"], "end") if ds.get("end") else None
        if ds["end_at"] is not None and ds["end_at"] <= ds["start_at"]:
            raise BadInput("end must be after start")
        if ds.get("time_zone"):
            tz_now = zoned(ds["start_at"], {"time_zone": ds["time_zone"]})
            ds.setdefault("utc_offset_minutes", int(tz_now[0].utcoffset().total_seconds() // 60))
            ds.setdefault("tz_label", tz_now[1])
        elif "utc_offset_minutes" not in ds:
            raise BadInput("give the war's time zone: time_zone (an IANA name such as Asia/Damascus)")
        else:
            ds.setdefault("tz_label", offset_label(timedelta(minutes=int(ds["utc_offset_minutes"]))))
        if ds.get("opens_at", "start") not in ("start", "latest"):
            raise BadInput("opens_at must be 'start' or 'latest'")
        minx, miny, maxx, maxy = (float(v) for v in ds["extent"])
        if not (minx < maxx and miny < maxy):
            raise BadInput("extent must be [minlon, minlat, maxlon, maxlat]")
        ds["extent_box"] = (minx, miny, maxx, maxy)
    except (KeyError, TypeError, ValueError, FrontlineError) as e:
        problems.append(Problem("dataset.json", "dataset", getattr(e, "message", None) or f"missing or bad field {e}"))
        raise LoadError("\n".join(map(str, problems)), problems=[str(p) for p in problems])

    slugs = set()
    for i, f in enumerate(factions or []):
        where = f"faction {i} ({f.get('slug', '?')})"
        for k in ("slug", "name_en", "name_ar", "color"):
            if not f.get(k):
                problems.append(Problem("factions.json", where, f"missing {k}"))
        if f.get("color") and not re.fullmatch(r"#[0-9a-fA-F]{6}", f["color"]):
            problems.append(Problem("factions.json", where, "color must be #rrggbb"))
        if f.get("slug") in slugs:
            problems.append(Problem("factions.json", where, "duplicate slug"))
        slugs.add(f.get("slug"))
    if "contested" not in slugs:
        problems.append(Problem("factions.json", "factions", "the pseudo-faction 'contested' is missing"))
    out["factions"] = factions

    rkeys = set()
    for i, r in enumerate(reports or []):
        where = f"report {i} ({r.get('key', '?')})"
        for k in ("key", "published_at"):
            if not r.get(k):
                problems.append(Problem("reports.json", where, f"missing {k}"))
        try:
            r["published"] = parse_instant(r.get("published_at") or "", "published_at")
        except FrontlineError as e:
            problems.append(Problem("reports.json", where, e.message))
        for why in citations.report_problems(r.get("title"), r.get("publisher"), r.get("url")):
            problems.append(Problem("reports.json", where, why))
        if r.get("key") in rkeys:
            problems.append(Problem("reports.json", where, "duplicate key"))
        rkeys.add(r.get("key"))
    out["reports"] = reports

    cited = set()
    parsed_changes = []
    ckeys = set()
    for i, feat in enumerate((changes or {}).get("features", [])):
        p = feat.get("properties") or {}
        where = f"feature {i} ({p.get('key', '?')})"
        try:
            at = parse_instant(p.get("at") or "", "at")
            if at < ds["start_at"] or (ds["end_at"] is not None and at >= ds["end_at"]):
                raise BadInput(f"at {p.get('at')} is outside the data set's period")
            if p.get("faction") not in slugs:
                raise BadInput(f"unknown faction {p.get('faction')!r}")
            if p.get("confidence") not in CONFIDENCE:
                raise BadInput("confidence must be 'confirmed', 'claimed' or 'inferred'")
            refs = list(dict.fromkeys(p.get("reports") or []))
            if (why := citations.citation_problem(refs, rkeys)) is not None:
                raise BadInput(why)
            if p.get("key") in ckeys:
                raise BadInput("duplicate key")
            ckeys.add(p.get("key"))
            geom = parse_polygonal(feat.get("geometry"), max_vertices=max_vertices, extent=ds["extent_box"])
        except FrontlineError as e:
            problems.append(Problem("geojson/changes.geojson", where, e.message))
            continue
        cited |= set(refs)
        t = texts.get(p.get("key")) or {}
        if texts and not t and not p.get("summary_en"):
            problems.append(Problem("changes.json", f"change {p.get('key')}", "no texts for this change"))
        words = {k: (p.get(k) if p.get(k) is not None else t.get(k)) or "" for k in TEXT_FIELDS}
        parsed_changes.append({"order": i, "key": p.get("key"), "at": at, "faction": p["faction"],
                               "confidence": p["confidence"], "reports": refs, "geom": geom, **words})
    feature_keys = {(f.get("properties") or {}).get("key") for f in (changes or {}).get("features", [])}
    for k in sorted(set(texts) - feature_keys):
        problems.append(Problem("changes.json", f"entry {k}", "no change in geojson/changes.geojson has this key"))
    # No changes at all is a new war not drawn yet (`frontline dataset init`): it loads as an empty map.
    out["changes"] = parsed_changes

    pslugs = set()
    parsed_places = []
    for i, feat in enumerate((places or {}).get("features", [])):
        p = feat.get("properties") or {}
        where = f"feature {i} ({p.get('slug', '?')})"
        g = feat.get("geometry") or {}
        if g.get("type") != "Point":
            problems.append(Problem("geojson/places.geojson", where, "geometry must be a Point"))
            continue
        if not p.get("slug") or p["slug"] in pslugs:
            problems.append(Problem("geojson/places.geojson", where, "missing or duplicate slug"))
            continue
        if p.get("kind") not in KINDS:
            problems.append(Problem("geojson/places.geojson", where, f"kind must be one of {sorted(KINDS)}"))
            continue
        pslugs.add(p["slug"])
        names = [p.get("name_en", ""), p.get("name_ar", ""), *p.get("variants", [])]
        parsed_places.append({**p, "lon": float(g["coordinates"][0]), "lat": float(g["coordinates"][1]),
                              "rank": int(p.get("rank", 3)), "search_text": " | ".join(fold_text(n) for n in names if n)})
    out["places"] = parsed_places
    if problems:
        raise LoadError(f"the data set has {len(problems)} problem(s); nothing was loaded:\n" + "\n".join(map(str, problems)),
                        problems=[str(p) for p in problems])
    return out


def is_loaded(session: Session) -> bool:
    return datasets.is_loaded(session)


def load(session: Session, folder: Path, *, replace: bool = False) -> str:
    """Import the data set. Returns what happened: 'loaded', 'unchanged' or 'replaced'. Does not commit."""
    from app.usecases import changes as services

    folder = Path(folder)
    digest = content_hash(folder)
    existing = datasets.content_hash(session)
    if existing is not None and not replace:
        if existing == digest:
            return "unchanged"
        raise LoadError("a different data set (or an edited one) is already in the database; "
                        "use `frontline load --replace` to wipe it and load this folder")
    data = validate(folder)
    outcome = "loaded"
    if existing is not None or is_loaded(session):
        outcome = "replaced"
        store.wipe(session)
    ds = data["dataset"]
    home_view = dict(ds.get("home_view") or {})
    home_view["_content_hash"] = digest
    store.write_dataset(session, ds, home_view=home_view, cell_deg=cell_size_for(ds["extent_box"]))
    for i, f in enumerate(data["factions"]):
        store.write_faction(session, f, i)
    report_ids = {r["key"]: store.write_report(session, r, r["published"]) for r in data["reports"]}
    for p in data["places"]:
        store.write_place(session, p)
    rev = services.new_revision(session, kind="load", reason=f"load data set {ds['slug']}",
                                details={"source": str(folder.name), "content_hash": digest, "changes": len(data["changes"])})
    ids = list(session.execute(queries.NEW_CHANGE_IDS, {"n": len(data["changes"])}).scalars()) if data["changes"] else []
    rows, cites = [], []
    for cid, c in zip(ids, data["changes"]):
        rows.append({"id": cid, "key": c["key"], "at": c["at"], "faction": c["faction"], "confidence": c["confidence"],
                     "wkb": c["geom"].wkb, "summary_en": c["summary_en"], "summary_ar": c["summary_ar"],
                     "note": c["note"], "rev": rev})
        cites += [{"change_id": cid, "report_id": report_ids[k]} for k in c["reports"]]
    for i in range(0, len(rows), 1000):  # batches: one round trip per thousand changes, not per change
        session.execute(queries.INSERT_CHANGE_MANY, rows[i:i + 1000])
    for i in range(0, len(cites), 5000):
        session.execute(queries.CITE, cites[i:i + 5000])
    services.recompute_from(session, None, rev)
    wars.register_here(session, ds["slug"])
    return outcome
