"""The publication of a revision: the public facts of a revision without geometry (the time axis, the areas
of every faction at every instant, the changes, the cited reports, the windows the timeline is cut into),
built once and never changed, and the zones of an interval (the stored pieces valid then, dissolved per
faction and kept as objects until a formatter writes them).

A publication is built from the database (`Publication.build`) or derived from the previous revision's
(`Publication.derive`, copy on write: only what the revision wrote is read). app.read.model keeps them.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from sqlalchemy.orm import Session

from app.domain.cells import Grid
from app.domain.times import iso
from app.store import queries

# A window holds at most this many changes (and about this many vertices of change geometry), so the browser
# never needs more than a keyframe and a few hundred changes to show any instant.
WINDOW_CHANGES = 250
WINDOW_VERTICES = 60_000


def dataset_json(ds: dict | None) -> dict | None:
    if ds is None:
        return None
    out = {"slug": ds["slug"], "title_en": ds["title_en"], "title_ar": ds["title_ar"],
           "description_en": ds["description_en"], "description_ar": ds["description_ar"], "notes_en": ds["notes_en"],
           "utc_offset_minutes": ds["utc_offset_minutes"], "tz_label": ds["tz_label"],
           "start": iso(ds["start_at"]), "end": iso(ds["end_at"]),
           "extent": [ds["x0"], ds["y0"], ds["x1"], ds["y1"]], "home_view": ds["home_view"] or {}}
    # Said only when they differ from a data set of before wars, so its responses keep their bytes: an IANA time
    # zone (local times follow it, daylight saving included), a war going on (its end is an hour after its
    # latest change and grows), a viewer that opens at the latest change.
    if ds.get("time_zone"):
        out["time_zone"] = ds["time_zone"]
    if ds.get("ongoing"):
        out["ongoing"] = True
    if ds.get("opens_at", "start") != "start":
        out["opens_at"] = ds["opens_at"]
    return out


def public_reports(s: Session, rev: int | None) -> list[dict]:
    """The reports cited by the changes of revision `rev` (None: every stored report, for editors).
    A report added but not cited by a published change is not public yet, and what a revision shows
    never changes afterwards (its URLs are immutable)."""
    rows = s.execute(queries.REPORTS_OF_REVISION, {"rev": rev}).mappings()
    return [{"id": r["id"], "key": r["key"], "title": r["title"], "publisher": r["publisher"],
             "published_at": iso(r["published_at"]), "url": r["url"], "language": r["language"], "summary": r["summary"]}
            for r in rows]


def cut_windows(instants: list[datetime], changes: list[dict]) -> list[tuple[int, int]]:
    """Split the instants into windows [first, end) of at most WINDOW_CHANGES changes / WINDOW_VERTICES vertices
    (a single instant is never split)."""
    per_instant: dict[datetime, list[int]] = {}
    for c in changes:
        per_instant.setdefault(c["_at"], []).append(c["_npoints"])
    windows, first, n, v = [], 0, 0, 0
    for i, t in enumerate(instants):
        sizes = per_instant.get(t, [])
        if i > first and (n + len(sizes) > WINDOW_CHANGES or v + sum(sizes) > WINDOW_VERTICES):
            windows.append((first, i))
            first, n, v = i, 0, 0
        n += len(sizes)
        v += sum(sizes)
    if instants:
        windows.append((first, len(instants)))
    return windows


@dataclass
class Publication:
    """Revision `rev` as the public sees it, without geometry: the time axis, areas, changes, windows."""
    rev: int
    dataset_row: dict | None
    dataset: dict | None
    factions: list[dict]
    instants: list[datetime]
    areas: dict[str, list[float]]
    # faction -> the instant indices at which its area changes (for "valid_from/valid_to" of a dissolved zone)
    faction_steps: dict[str, list[int]]
    changes: list[dict]
    reports: list[dict]
    windows: list[tuple[int, int]]
    grid: Grid | None = None
    # faction -> {instant: (piece boundaries there, area starting minus area ending there)}: the sweep's input,
    # kept so that the next revision's publication is this one plus what that revision wrote.
    ledger: dict | None = None
    # The changes with their instant and vertex count (windows are cut from these).
    rows: list | None = None

    @classmethod
    def build(cls, s: Session, rev: int, meta: dict) -> "Publication":
        ledger: dict = {}
        _post(ledger, s.execute(queries.ZONE_SPANS, {"rev": rev}).mappings(), 1)
        rows = [_change_row(c) for c in s.execute(queries.CHANGES_META_OF_REVISION, {"rev": rev}).mappings()]
        return cls._assemble(s, rev, meta, ledger, rows)

    @classmethod
    def derive(cls, prev: "Publication", s: Session, rev: int, meta: dict) -> "Publication":
        """Revision `rev` from the publication of `rev - 1`: only the pieces and changes `rev` wrote are read."""
        written = s.execute(queries.PIECES_WRITTEN_IN, {"rev": rev}).mappings().all()
        # Copy on write: a faction the revision did not touch shares the previous ledger (entries are never
        # mutated in place, only replaced), so a derive costs what the revision wrote, not the whole history.
        ledger = dict(prev.ledger)
        for f in {r["faction"] for r in written}:
            ledger[f] = dict(prev.ledger.get(f, {}))
        _post(ledger, written, None)
        removed = set(s.execute(queries.CHANGES_RETRACTED_IN, {"rev": rev}).scalars())
        added = set(s.execute(queries.CHANGES_ADDED_IN, {"rev": rev}).scalars())
        rows = prev.rows  # kept in (at, id) order; shared when the revision adds or removes no change
        if removed or added:
            rows = [r for r in prev.rows if r["id"] not in removed and r["id"] not in added]
            for c in s.execute(queries.CHANGES_META_BY_IDS, {"ids": list(added)}).mappings() if added else []:
                bisect.insort(rows, _change_row(c), key=_row_order)
        return cls._assemble(s, rev, meta, ledger, rows)

    @classmethod
    def _assemble(cls, s: Session, rev: int, meta: dict, ledger: dict, rows: list) -> "Publication":
        for f in list(ledger):
            zero = [t for t, e in ledger[f].items() if e[0] == 0]
            if zero:  # only a ledger this revision wrote to can have any (and it is this publication's own copy)
                ledger[f] = {t: e for t, e in ledger[f].items() if e[0] != 0}
        instants = sorted({t for led in ledger.values() for t in led})
        index = {t: i for i, t in enumerate(instants)}
        slugs = [f["slug"] for f in meta["factions"]]
        # Areas at every instant by a sweep: +area where a piece starts, -area where it ends.
        areas, steps = {}, {}
        for f in slugs:
            led = ledger.get(f, {})
            acc, out = 0.0, []
            for t in instants:
                e = led.get(t)
                if e is not None:
                    acc += e[1]
                out.append(round(max(acc, 0.0), 2))
            areas[f] = out
            steps[f] = sorted(index[t] for t in led)
        windows = cut_windows(instants, rows)
        changes = [r["_public"] for r in rows]
        ds = meta["dataset"]
        grid = Grid.over((ds["x0"], ds["y0"], ds["x1"], ds["y1"]), ds["cell_deg"]) if ds else None
        return cls(rev, meta["dataset"], dataset_json(meta["dataset"]), meta["factions"], instants, areas, steps, changes,
                   public_reports(s, rev), windows, grid, ledger, rows)

    def interval(self, at: datetime) -> int:
        return bisect.bisect_right(self.instants, at) - 1

    @cached_property
    def change_by_id(self) -> dict[int, dict]:
        return {c["id"]: c for c in self.changes}

    def instant(self, index: int) -> datetime | None:
        return self.instants[index] if 0 <= index < len(self.instants) else None

    def zone_validity(self, faction: str, idx: int) -> tuple[datetime, datetime | None]:
        """[valid_from, valid_to) of `faction`'s dissolved zone holding interval idx."""
        st = self.faction_steps.get(faction, [])
        k = bisect.bisect_right(st, idx)
        start = st[k - 1] if k > 0 else idx
        return self.instants[start], (self.instant(st[k]) if k < len(st) else None)

    def window_of(self, idx: int) -> int:
        return max(0, bisect.bisect_right([w[0] for w in self.windows], idx) - 1)

    def describe_doc(self) -> dict:
        return {"dataset": self.dataset, "factions": self.factions, "instants": [iso(t) for t in self.instants],
                "areas_km2": self.areas, "changes": self.changes}


def _post(ledger: dict, spans, sign: int | None) -> None:
    """Add piece spans to the ledger (`sign` None: each row carries its own, +1 written, -1 retired)."""
    for r in spans:
        k = (sign if sign is not None else r["sign"]) * r.get("n", 1)
        a = (sign if sign is not None else r["sign"]) * r["area_km2"]
        led = ledger.setdefault(r["faction"], {})
        e = led.get(r["valid_from"])
        led[r["valid_from"]] = (k, a) if e is None else (e[0] + k, e[1] + a)
        if r["valid_to"] is not None:
            e = led.get(r["valid_to"])
            led[r["valid_to"]] = (k, -a) if e is None else (e[0] + k, e[1] - a)


def _change_row(c) -> dict:
    public = {"id": c["id"], "key": c["key"], "at": iso(c["at"]), "faction": c["faction"], "confidence": c["confidence"],
              "summary_en": c["summary_en"], "summary_ar": c["summary_ar"], "report_ids": c["report_ids"],
              "area_km2": round(c["area_km2"], 2),
              "bbox": [round(c["minx"], 5), round(c["miny"], 5), round(c["maxx"], 5), round(c["maxy"], 5)]}
    # The public part is made once and shared by every later publication (never modified).
    return {**public, "_public": public, "_at": c["at"], "_npoints": c["npoints"]}


def _row_order(r: dict):
    return (r["_at"], r["id"])


def zones_at(s: Session, pub: Publication, idx: int) -> list[dict]:
    """The zones of interval idx: the stored pieces valid then, dissolved into one MultiPolygon per faction."""
    from app.domain.dissolve import dissolve_geometry

    start = pub.instants[idx]
    rows = s.execute(queries.PIECES_AT, {"at": start, "rev": pub.rev}).mappings().all()
    by_faction: dict[str, list] = {}
    for r in rows:
        by_faction.setdefault(r["faction"], []).append(r)
    out = []
    conf = pub.change_by_id
    for f in [f["slug"] for f in pub.factions]:
        pieces = by_faction.get(f)
        if not pieces:
            continue
        geom = dissolve_geometry([bytes(p["wkb"]) for p in pieces], [p["cell"] for p in pieces], pub.grid)
        if geom is None:
            continue
        valid_from, valid_to = pub.zone_validity(f, idx)
        ids = sorted({i for p in pieces if p["valid_from"] == valid_from for i in (p["change_ids"] or [])})
        confs = {conf[i]["confidence"] for i in ids if i in conf}
        out.append({"faction": f, "valid_from": valid_from, "valid_to": valid_to,
                    "area_km2": round(sum(p["area_km2"] for p in pieces), 2), "change_ids": ids,
                    "confidence": "claimed" if "claimed" in confs else ("inferred" if "inferred" in confs else "confirmed"),
                    "report_ids": sorted({r for i in ids if i in conf for r in conf[i]["report_ids"]}),
                    "geometry": geom})
    return out
