"""The read model: public responses built once per data revision and served as bytes from memory.

Published data changes rarely and is read a lot. Every instant between two consecutive change instants has
the same map, so snapshots are cached by (revision, interval index), not by the raw `at` string. Bodies
are compressed once (gzip level from settings) and carry a strong ETag (a hash of the body). A worker
learns of a new revision through LISTEN/NOTIFY (the `revisions` trigger) and a periodic check, so several
app processes never disagree for longer than the poll interval; a write in this process updates it at once.
When the database is unreachable, what is cached keeps being served.

What a revision shows is its publication (app.read.publication); zones are kept as objects (their geometry a
GeoJSON object with numpy rings) until a formatter of app.read.formats writes them; nothing here parses its
own output back. The SQL is in app.store.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Callable

import orjson
from sqlalchemy.orm import Session, sessionmaker

from app.domain.errors import NotFound
from app.domain.times import iso
from app.read.cache import ByteLRU, payload_size
from app.read.formats import csv_, geojson, kml as kml_format, timeline as timeline_format
from app.read.formats.json_ import dumps
from app.read.payload import Payload
from app.read.publication import Publication, dataset_json, public_reports, zones_at
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

    def check_revision(self, rev: int) -> None:
        """Raise NotFound unless revision `rev` exists and is published (at most the newest this process knows).
        Numbers can have gaps (a rolled-back write, a crash: sequence values are not transactional), so a number
        at or below the newest is not proof: a gap must answer 404, never another revision's data under its
        number. Asked every time (a primary-key look-up): a load replaces the history, so "it existed" is not
        kept."""
        current = self.revision
        if current == 0:
            raise NotFound("no data set is loaded yet (run `frontline load`)")
        if rev > current:
            raise NotFound(f"revision {rev} does not exist (the latest is {current})")
        if rev == current:
            return
        with self.Session() as s:
            around = queries.revision_around(s, rev)
        if around["found"]:
            return
        near = [str(n) for n in (around["before"], around["after"]) if n is not None and n <= current]
        raise NotFound(f"revision {rev} does not exist (revision numbers can have gaps"
                       + (f"; the nearest: {' and '.join(near)}" if near else "") + f"; the latest is {current})")

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
                if prev is None and rev > 1:
                    # Numbers can have gaps (a rolled-back write, a crash): the revision before is not always rev - 1.
                    before = queries.revision_around(s, rev)["before"]
                    prev = self.cache.get(("publication", before)) if before else None
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
        # citations: (instant, faction, report ids) of every change, for a picture's source line (the publishers of
        # the changes shown up to its instant)
        return {"revision": rev, "dataset": pub.dataset, "factions": pub.factions, "instants": [iso(t) for t in pub.instants],
                "areas_km2": pub.areas, "reports": pub.reports, "zones": zones, "changes": changes,
                "citations": [(c["at"], c["faction"], c["report_ids"]) for c in pub.changes]}

    def clear(self) -> None:
        """Forget everything built (tests restoring a database; an operator after a restore)."""
        self.generation += 1
        self.cache.clear()
        self.replies.clear()

    def cached(self, key, build: Callable[[], Payload]) -> Payload:
        return self.cache.get_or_build(key, build)
