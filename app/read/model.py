"""The read model: public responses built once per data revision and served as bytes from memory.

Published data changes rarely and is read a lot. Every instant between two consecutive change instants has
the same map, so snapshots are cached by (revision, interval index), not by the raw `at` string. Bodies
are compressed once (gzip level from settings) and carry a strong ETag (a hash of the body). A worker
learns of a new revision through LISTEN/NOTIFY (the `revisions` trigger) and a periodic check, so several
app processes never disagree for longer than the poll interval; a write in this process updates it at once.
When the database is unreachable, what is cached keeps being served.

Zones are kept as objects (their geometry a GeoJSON object with numpy rings) until a formatter of
app.read.formats writes them; nothing here parses its own output back. The SQL is in app.store.
"""
from __future__ import annotations

import bisect
import logging
import threading
import time
from dataclasses import dataclass
from functools import cached_property
from datetime import datetime
from typing import Callable

import orjson
from sqlalchemy.orm import Session, sessionmaker

from app.domain.cells import Grid
from app.domain.errors import NotFound
from app.domain.times import iso
from app.read.cache import ByteLRU, payload_size
from app.read.formats import csv_, geojson, kml as kml_format, timeline as timeline_format
from app.read.formats.json_ import dumps
from app.read.payload import Payload
from app.platform.fastpath import reply_size
from app.store import publication as store
from app.store import queries

log = logging.getLogger("frontline.readmodel")


def _geometry_size(g) -> int:
    """Bytes held by a zone's geometry object (numpy rings; about what its GeoJSON text would take)."""
    if not isinstance(g, dict):
        return len(g or "")
    return sum(getattr(r, "nbytes", 16 * len(r)) + 100 for poly in g["coordinates"] for r in poly)


def _size(value) -> int:
    """Approximate bytes held by a cached value (payloads, publications, zone lists, version lists, rows)."""
    if isinstance(value, Publication):
        return 300 * (len(value.changes) + len(value.instants)) + 16 * len(value.instants) * max(1, len(value.factions)) + 4096
    if isinstance(value, tuple) and not hasattr(value, "body"):
        return sum(_size(v) for v in value)
    if isinstance(value, list):
        return 200 * len(value) + sum(_geometry_size(v.get("geometry")) for v in value if isinstance(v, dict))
    if isinstance(value, dict):
        return 200 * len(value)
    return payload_size(value)


class ReadModel:
    def __init__(self, Session: sessionmaker, *, gzip_level: int = 5, listen_url: str | None = None,
                 poll_seconds: float = 2.0, replica: bool = False, cache_bytes: int = 256 * 1024 * 1024,
                 prebuild_windows: bool = False, prebuild_settle_seconds: float = 2.0,
                 reply_bytes: int = 128 * 1024 * 1024):
        self.Session = Session
        # With a replica, the revision advances only when the replica has it: building revision N's
        # responses from a replica that has not replayed N yet would cache a wrong answer forever.
        self.replica = replica
        self.gzip_level = gzip_level
        self.listen_url = listen_url
        self.poll_seconds = poll_seconds
        self._revision: int | None = None
        self.generation = 0  # part of the micro-cache's key: bumped when everything must be rebuilt
        # One cache for everything built from a revision: bounded in bytes, each missing key built once even
        # when many requests ask for it at the same moment.
        self.cache = ByteLRU(cache_bytes, size=_size)
        # The whole replies the micro-cache in front of the app replays (app.platform.fastpath): the same class
        # with a budget of its own, as they repeat bytes this cache holds (headers included) and must not push
        # out what they were made from.
        self.replies = ByteLRU(reply_bytes, size=reply_size)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Build every window of a new revision in the background, so a reader jumping anywhere in a long war
        # gets bytes from memory instead of waiting for a keyframe to be dissolved (one builder at a time).
        self.prebuild_windows = prebuild_windows
        self.prebuild_settle_seconds = prebuild_settle_seconds
        self._builder: threading.Thread | None = None

    # --- revision tracking -------------------------------------------------------------------------
    @property
    def revision(self) -> int:
        if self._revision is None:
            self.refresh()
        return self._revision or 0

    @property
    def known_revision(self) -> int | None:
        """The newest revision this process knows of, without asking the database (None before the first check)."""
        return self._revision

    def refresh(self) -> int | None:
        """Ask the database for the newest revision. Keeps the old value when the database is down."""
        try:
            with self.Session() as s:
                self.set_revision(queries.current_revision(s))
        except Exception as e:  # the database may be down: keep serving what we have
            log.warning("revision check failed: %s", e.__class__.__name__)
        return self._revision

    def note_write(self, rev: int) -> None:
        """This process just published `rev` on the primary: its publication is built now, as part of publishing
        (derived from the previous one: tens of milliseconds at 10,000 changes), not by the first reader."""
        if self.replica:
            self.refresh()
            return
        self.set_revision(rev)
        try:
            self.publication(rev)
        except Exception as e:  # the write is committed; a reader will build it
            log.warning("building the publication of revision %s failed: %s", rev, e.__class__.__name__)

    def set_revision(self, rev: int) -> None:
        if rev != self._revision:
            self._revision = rev
            if self.prebuild_windows and (self._builder is None or not self._builder.is_alive()):
                self._builder = threading.Thread(target=self._build_windows, name="frontline-windows", daemon=True)
                self._builder.start()

    def _build_windows(self) -> None:
        """Build the windows of the newest revision once it has settled and its publication exists (a writer or
        a reader built it: this thread never starts the database work for a revision on its own), the latest
        first (where the viewer opens), one at a time, resting between them as long as each took so that
        requests are served meanwhile. Stops at a quarter of the cache; picks up newer revisions until stopped."""
        done = None
        while not self._stop.is_set():
            rev = self._revision
            # Wait until the revision has settled: while an editor saves again and again, windows built for one
            # revision are obsolete a moment later, and building them would only slow the saves down.
            if self._stop.wait(self.prebuild_settle_seconds) or self._revision != rev or rev == done:
                continue
            pub = self.cache.get(("publication", rev))
            if pub is None:
                continue
            try:
                spent = 0
                for i in reversed(range(len(pub.windows)) if len(pub.windows) > 1 else []):
                    if self._stop.is_set() or self._revision != rev:
                        break
                    if ("window", rev, i) in self.cache:
                        continue
                    t0 = time.monotonic()
                    spent += payload_size(self.window(rev, i))
                    # At most a quarter of the cache: the windows near the end stay, nothing else is pushed out.
                    if spent > self.cache.max_bytes // 4:
                        break
                    # Rest as long as the build took: the builder holds the interpreter half the time at most.
                    self._stop.wait(time.monotonic() - t0)
            except Exception as e:  # a database hiccup or a revision gone (a restore): readers build on demand
                log.info("building windows of revision %s stopped: %s", rev, e.__class__.__name__)
            done = rev

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._watch, name="frontline-revision-watch", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                if self.listen_url is None:
                    raise RuntimeError("no listen url")
                # Wake on a notification or after poll_seconds; either way ask the database, which also covers a
                # notification missed across a reconnect and a restored backup.
                store.watch_revisions(self.listen_url, self.poll_seconds, self._stop, self.refresh)
            except Exception:
                self.refresh()
                self._stop.wait(self.poll_seconds)

    # --- the publication of a revision: built once, immutable --------------------------------------
    def publication(self, rev: int) -> "Publication":
        def build():
            prev = self.cache.get(("publication", rev - 1))
            with self.Session() as s:
                # An edit's publication is the previous one plus what the edit wrote (a load replaces everything).
                if prev is not None and prev.ledger is not None and s.execute(queries.REVISION_KIND, {"rev": rev}).scalar() \
                        in ("change", "revert", "import"):
                    return Publication.derive(prev, s, rev, store.dataset_meta(s))
                return Publication.build(s, rev, store.dataset_meta(s))
        return self.cache.get_or_build(("publication", rev), build)

    def meta(self, rev: int) -> dict:
        p = self.publication(rev)
        return {"dataset": p.dataset_row, "factions": p.factions, "instants": p.instants}

    def interval(self, rev: int, at: datetime) -> int:
        """Index of the interval [instants[i], instants[i+1]) holding `at`; -1 before the first instant."""
        return self.publication(rev).interval(at)

    def interval_start(self, rev: int, index: int) -> datetime | None:
        return self.publication(rev).instant(index)

    def dataset_json(self, meta: dict) -> dict | None:
        return dataset_json(meta["dataset"])

    def reports(self, s: Session, rev: int | None) -> list[dict]:
        return public_reports(s, rev)

    # --- zones at an instant (python objects; every format is made from these) -----------------------
    def zones(self, rev: int, idx: int) -> list[dict]:
        """The zones valid in interval `idx` of revision `rev`: one dissolved MultiPolygon per faction."""
        def build():
            pub = self.publication(rev)
            start = pub.instant(idx)
            if start is None:
                return []
            with self.Session() as s:
                return zones_at(s, pub, idx)
        return self.cache.get_or_build(("zones", rev, idx), build)

    def zone_versions(self, rev: int) -> list[tuple[str, int, datetime, datetime | None]]:
        """Every (faction, instant index, valid_from, valid_to) at which a faction's dissolved zone starts, in time order."""
        def build():
            pub = self.publication(rev)
            order = {f["slug"]: i for i, f in enumerate(pub.factions)}
            out = []
            for f, steps in pub.faction_steps.items():
                for idx in steps:
                    if idx < len(pub.instants) and pub.areas[f][idx] > 0:
                        vf, vt = pub.zone_validity(f, idx)
                        out.append((f, idx, vf, vt))
            return sorted(out, key=lambda v: (v[1], order[v[0]]))
        return self.cache.get_or_build(("versions", rev), build)

    def versions_in_box(self, rev: int, box) -> set[tuple[str, int]]:
        """The (faction, instant index) zone versions with a piece inside a box, from the pieces' bounding boxes."""
        with self.Session() as s:
            rows = s.execute(queries.PIECE_SPANS_IN_BOX, {"rev": rev, "x0": box[0], "y0": box[1], "x1": box[2], "y1": box[3]}).mappings().all()
        spans: dict[str, list] = {}
        for r in rows:
            spans.setdefault(r["faction"], []).append((r["valid_from"], r["valid_to"]))
        out = set()
        for f, idx, vf, vt in self.zone_versions(rev):
            for a, b in spans.get(f, []):
                # the version [vf, vt) overlaps a piece's validity [a, b)
                if a < (vt or datetime.max.replace(tzinfo=a.tzinfo)) and (b is None or vf < b):
                    out.add((f, idx))
                    break
        return out

    # --- formats (bytes, each built once per (revision, format, parameters)) ------------------------------
    def timeline(self, rev: int) -> Payload:
        """The index: everything to lay out the time axis and the charts, no geometry; the windows to load."""
        def build():
            pub = self.publication(rev)
            doc = timeline_format.index(pub)
            if len(pub.windows) == 1:  # a short war plays from this one response
                doc["windows"][0]["data"] = self.window_doc(rev, 0)
            return Payload.build(dumps(doc), "application/json", self.gzip_level)
        return self.cache.get_or_build(("timeline", rev), build)

    def window_doc(self, rev: int, i: int) -> dict:
        pub = self.publication(rev)
        first, end = pub.windows[i]
        t0, t1 = pub.instants[first], pub.instant(end)
        with self.Session() as s:
            rows = s.execute(queries.CHANGES_IN_RANGE, {"rev": rev, "t0": t0, "t1": t1 or "infinity",
                                                        "digits": queries.COORD_DIGITS}).mappings().all()
        return timeline_format.window(pub, i, t0, t1, self.feature_collection(rev, first), rows)

    def window(self, rev: int, i: int) -> Payload:
        pub = self.publication(rev)
        if not 0 <= i < len(pub.windows):
            raise NotFound(f"window {i} does not exist; revision {rev} has {len(pub.windows)} window(s), numbered from 0")
        return self.cache.get_or_build(("window", rev, i), lambda: Payload.build(
            dumps(self.window_doc(rev, i)), "application/json", self.gzip_level))

    def feature_collection(self, rev: int, idx: int) -> dict:
        pub = self.publication(rev)
        return geojson.feature_collection(rev, pub.instant(idx), pub.instant(idx + 1), self.zones(rev, idx))

    def snapshot(self, rev: int, at: datetime) -> Payload:
        idx = self.interval(rev, at)
        return self.cache.get_or_build(("snapshot", rev, idx), lambda: Payload.build(
            dumps(self.feature_collection(rev, idx)), geojson.MEDIA_TYPE, self.gzip_level))

    def kml(self, rev: int, at: datetime) -> Payload:
        """The zones valid at `at` as KML."""
        idx = self.interval(rev, at)

        def build():
            factions = {f["slug"]: f for f in self.publication(rev).factions}
            return Payload.build(kml_format.kml(self.zones(rev, idx), factions).encode(), kml_format.MEDIA_TYPE, self.gzip_level)
        return self.cache.get_or_build(("kml", rev, idx), build)

    def areas_csv(self, rev: int) -> Payload:
        return self.cache.get_or_build(("csv", rev), lambda: Payload.build(
            csv_.areas_csv(self.publication(rev)), csv_.MEDIA_TYPE, self.gzip_level))

    def factions_payload(self, rev: int) -> Payload:
        return self.cache.get_or_build(("factions", rev), lambda: Payload.build(
            dumps(self.publication(rev).factions), "application/json", self.gzip_level))

    def reports_payload(self, rev: int) -> Payload:
        """The reports the changes of `rev` cite (see public_reports)."""
        def build():
            with self.Session() as s:
                return Payload.build(dumps(public_reports(s, rev)), "application/json", self.gzip_level)
        return self.cache.get_or_build(("reports", rev), build)

    def diff(self, session: Session, rev: int, t1: datetime, t2: datetime) -> Payload:
        """Area gained and lost per faction between the intervals holding t1 and t2 (computed in PostGIS with
        the request's `session`), built once per pair of intervals."""
        i1, i2 = self.interval(rev, t1), self.interval(rev, t2)

        def build():
            s1, s2 = self.interval_start(rev, i1), self.interval_start(rev, i2)
            rows = session.execute(queries.DIFF, {"t1": s1 or t1, "t2": s2 or t2, "rev": rev,
                                                  "digits": queries.COORD_DIGITS}).mappings().all()
            return Payload.build(geojson.diff(rev, t1, t2, rows), geojson.MEDIA_TYPE, self.gzip_level)
        return self.cache.get_or_build(("diff", rev, i1, i2), build)

    def change_instants(self, rev: int) -> list[str]:
        """The change instants of revision `rev`, ISO strings (what pictures count their frames by)."""
        return self.cache.get_or_build(("instants", rev), lambda: [iso(t) for t in self.publication(rev).instants])

    def frames(self, rev: int, instants: list[datetime]) -> dict:
        """What pictures need for these instants: the zones of each and the changes of each step, as plain objects
        (the zones' geometry is never written out and read back)."""
        pub = self.publication(rev)
        by_instant: dict[str, list] = {}
        for c in pub.changes:
            by_instant.setdefault(c["at"], []).append(c)
        zones, changes, seen = [], [], set()
        for t in instants:
            idx = pub.interval(t)
            if idx < 0 or idx in seen:
                continue
            seen.add(idx)
            for z in self.zones(rev, idx):
                zones.append({"faction": z["faction"], "from": iso(pub.instants[idx]), "to": iso(pub.instant(idx + 1)),
                              "area_km2": z["area_km2"], "geometry": geojson.plain_geometry(z["geometry"])})
            changes += by_instant.get(iso(pub.instants[idx]), [])
        if changes:
            with self.Session() as s:
                geoms = {r["id"]: orjson.loads(r["geometry"]) for r in s.execute(
                    queries.CHANGE_GEOMETRIES, {"ids": [c["id"] for c in changes], "digits": queries.COORD_DIGITS}).mappings()}
            changes = [{**c, "geometry": geoms[c["id"]]} for c in changes]
        return {"revision": rev, "dataset": pub.dataset, "factions": pub.factions, "instants": [iso(t) for t in pub.instants],
                "areas_km2": pub.areas, "reports": pub.reports, "zones": zones, "changes": changes}

    def clear(self) -> None:
        """Forget everything built (tests restoring a database; an operator after a restore)."""
        self.generation += 1
        self.cache.clear()
        self.replies.clear()

    def cached(self, key, build: Callable[[], Payload]) -> Payload:
        return self.cache.get_or_build(key, build)


# --- the publication and its pure parts ---------------------------------------------------------------------
# A window holds at most this many changes (and about this many vertices of change geometry), so the browser
# never needs more than a keyframe and a few hundred changes to show any instant.
WINDOW_CHANGES = 250
WINDOW_VERTICES = 60_000


def dataset_json(ds: dict | None) -> dict | None:
    if ds is None:
        return None
    return {"slug": ds["slug"], "title_en": ds["title_en"], "title_ar": ds["title_ar"],
            "description_en": ds["description_en"], "description_ar": ds["description_ar"], "notes_en": ds["notes_en"],
            "utc_offset_minutes": ds["utc_offset_minutes"], "tz_label": ds["tz_label"],
            "start": iso(ds["start_at"]), "end": iso(ds["end_at"]),
            "extent": [ds["x0"], ds["y0"], ds["x1"], ds["y1"]], "home_view": ds["home_view"] or {}}


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
