"""The read model: public responses built once per data revision and served as bytes from memory.

Published data changes rarely and is read a lot. Every instant between two consecutive change instants has
the same map, so snapshots are cached by (revision, interval index), not by the raw `at` string. Bodies
are compressed once (gzip level from settings) and carry a strong ETag (a hash of the body). A worker
learns of a new revision through LISTEN/NOTIFY (the `revisions` trigger) and a periodic check, so several
app processes never disagree for longer than the poll interval; a write in this process updates it at once.
When the database is unreachable, what is cached keeps being served.
"""
from __future__ import annotations

import bisect
import gzip
import hashlib
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

import orjson
import psycopg
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from app import queries
from app.domain.times import iso

log = logging.getLogger("frontline.readmodel")


@dataclass(frozen=True)
class Payload:
    body: bytes
    gz: bytes
    etag: str
    media_type: str

    @classmethod
    def build(cls, body: bytes, media_type: str, level: int) -> "Payload":
        return cls(body, gzip.compress(body, compresslevel=level, mtime=0),
                   '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"', media_type)


class LRU:
    def __init__(self, size: int):
        self.size, self.data, self.lock = size, OrderedDict(), threading.Lock()

    def get_or_build(self, key, build: Callable[[], object]):
        with self.lock:
            if key in self.data:
                self.data.move_to_end(key)
                return self.data[key]
        value = build()
        with self.lock:
            self.data[key] = value
            while len(self.data) > self.size:
                self.data.popitem(last=False)
        return value

    def clear(self):
        with self.lock:
            self.data.clear()


def _json(obj) -> bytes:
    return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS)


def _frag(geojson_text: str | None):
    return orjson.Fragment(geojson_text) if geojson_text else None


class ReadModel:
    def __init__(self, Session: sessionmaker, *, gzip_level: int = 5, listen_url: str | None = None,
                 poll_seconds: float = 2.0, replica: bool = False):
        self.Session = Session
        # With a replica, the revision advances only when the replica has it: building revision N's
        # responses from a replica that has not replayed N yet would cache a wrong answer forever.
        self.replica = replica
        self.gzip_level = gzip_level
        self.listen_url = listen_url
        self.poll_seconds = poll_seconds
        self._revision: int | None = None
        self.generation = 0  # part of the micro-cache's key: bumped when everything must be rebuilt
        self.cache = LRU(512)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- revision tracking -------------------------------------------------------------------------
    @property
    def revision(self) -> int:
        if self._revision is None:
            self.refresh()
        return self._revision or 0

    def refresh(self) -> int | None:
        """Ask the database for the newest revision. Keeps the old value when the database is down."""
        try:
            with self.Session() as s:
                self.set_revision(queries.current_revision(s))
        except Exception as e:  # the database may be down: keep serving what we have
            log.warning("revision check failed: %s", e.__class__.__name__)
        return self._revision

    def note_write(self, rev: int) -> None:
        """This process just published `rev` on the primary."""
        if self.replica:
            self.refresh()
        else:
            self.set_revision(rev)

    def set_revision(self, rev: int) -> None:
        if rev != self._revision:
            self._revision = rev

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
                with psycopg.connect(self.listen_url, autocommit=True, connect_timeout=3) as conn:
                    conn.execute("LISTEN frontline_revision")
                    self.refresh()
                    while not self._stop.is_set():
                        # Wake on a notification or after poll_seconds; either way ask the database, which
                        # also covers a notification missed across a reconnect and a restored backup.
                        for _ in conn.notifies(timeout=self.poll_seconds, stop_after=1):
                            pass
                        self.refresh()
            except Exception:
                self.refresh()
                self._stop.wait(self.poll_seconds)

    # --- building ------------------------------------------------------------------------------------
    def _meta(self, s: Session, rev: int) -> dict:
        ds = s.execute(text("""SELECT slug, title_en, title_ar, description_en, description_ar, notes_en, utc_offset_minutes,
                   tz_label, start_at, end_at, ST_XMin(extent) x0, ST_YMin(extent) y0, ST_XMax(extent) x1, ST_YMax(extent) y1,
                   home_view - '_content_hash' AS home_view FROM dataset LIMIT 1""")).mappings().one_or_none()
        factions = [dict(r) for r in s.execute(text("""SELECT slug, name_en, name_ar, short_en, short_ar, color,
                   description_en, description_ar FROM factions ORDER BY sort_order""")).mappings()]
        instants = sorted({r[0] for r in s.execute(text("""SELECT DISTINCT lower(valid) FROM control_zones WHERE revs @> CAST(:rev AS integer)
                   UNION SELECT DISTINCT upper(valid) FROM control_zones WHERE revs @> CAST(:rev AS integer) AND NOT upper_inf(valid)"""),
                   {"rev": rev})})
        return {"dataset": dict(ds) if ds else None, "factions": factions, "instants": instants}

    def meta(self, rev: int) -> dict:
        def build():
            with self.Session() as s:
                return self._meta(s, rev)
        return self.cache.get_or_build(("meta", rev), build)

    def interval(self, rev: int, at: datetime) -> int:
        """Index of the interval [instants[i], instants[i+1]) holding `at`; -1 before the first instant."""
        return bisect.bisect_right(self.meta(rev)["instants"], at) - 1

    def interval_start(self, rev: int, index: int) -> datetime | None:
        inst = self.meta(rev)["instants"]
        return inst[index] if 0 <= index < len(inst) else None

    def dataset_json(self, meta: dict) -> dict | None:
        ds = meta["dataset"]
        if ds is None:
            return None
        return {"slug": ds["slug"], "title_en": ds["title_en"], "title_ar": ds["title_ar"],
                "description_en": ds["description_en"], "description_ar": ds["description_ar"], "notes_en": ds["notes_en"],
                "utc_offset_minutes": ds["utc_offset_minutes"], "tz_label": ds["tz_label"],
                "start": iso(ds["start_at"]), "end": iso(ds["end_at"]),
                "extent": [ds["x0"], ds["y0"], ds["x1"], ds["y1"]], "home_view": ds["home_view"] or {}}

    def reports(self, s: Session, rev: int | None) -> list[dict]:
        """The reports cited by the changes of revision `rev` (None: every stored report, for editors).
        A report added but not cited by a published change is not public yet, and what a revision shows
        never changes afterwards (its URLs are immutable)."""
        rows = s.execute(text("""
            SELECT r.id, r.key, r.title, r.publisher, r.published_at, r.url, r.language, r.summary FROM reports r
            WHERE CAST(:rev AS integer) IS NULL OR EXISTS (
                SELECT 1 FROM change_reports cr JOIN control_changes c ON c.id = cr.change_id
                WHERE cr.report_id = r.id AND c.created_in <= :rev AND (c.retracted_in IS NULL OR c.retracted_in > :rev))
            ORDER BY r.published_at, r.id"""), {"rev": rev}).mappings()
        return [{"id": r["id"], "key": r["key"], "title": r["title"], "publisher": r["publisher"],
                 "published_at": iso(r["published_at"]), "url": r["url"], "language": r["language"], "summary": r["summary"]}
                for r in rows]

    def timeline(self, rev: int) -> Payload:
        def build():
            meta = self.meta(rev)
            with self.Session() as s:
                zones = s.execute(queries.ZONES_OF_REVISION, {"rev": rev, "digits": queries.COORD_DIGITS}).mappings().all()
                changes = s.execute(queries.CHANGES_OF_REVISION, {"rev": rev, "digits": queries.COORD_DIGITS}).mappings().all()
                reports = self.reports(s, rev)
            instants = meta["instants"]
            areas: dict[str, list[float]] = {f["slug"]: [0.0] * len(instants) for f in meta["factions"]}
            for z in zones:
                i0 = bisect.bisect_left(instants, z["valid_from"])
                i1 = len(instants) if z["valid_to"] is None else bisect.bisect_left(instants, z["valid_to"])
                for i in range(i0, i1):
                    areas[z["faction"]][i] = round(z["area_km2"], 2)
            doc = {
                "revision": rev,
                "dataset": self.dataset_json(meta),
                "factions": meta["factions"],
                "instants": [iso(t) for t in instants],
                "areas_km2": areas,
                "zones": [{"id": z["id"], "faction": z["faction"], "from": iso(z["valid_from"]), "to": iso(z["valid_to"]),
                           "area_km2": round(z["area_km2"], 2), "change_ids": z["change_ids"], "geometry": _frag(z["geometry"])}
                          for z in zones],
                "changes": [{"id": c["id"], "key": c["key"], "at": iso(c["at"]), "faction": c["faction"], "confidence": c["confidence"],
                             "summary_en": c["summary_en"], "summary_ar": c["summary_ar"], "note": c["note"],
                             "report_ids": c["report_ids"], "area_km2": round(c["area_km2"], 2),
                             "bbox": [round(c["minx"], 5), round(c["miny"], 5), round(c["maxx"], 5), round(c["maxy"], 5)],
                             "geometry": _frag(c["geometry"])} for c in changes],
                "reports": reports,
            }
            return Payload.build(_json(doc), "application/json", self.gzip_level)
        return self.cache.get_or_build(("timeline", rev), build)

    def snapshot(self, rev: int, at: datetime) -> Payload:
        idx = self.interval(rev, at)

        def build():
            start = self.interval_start(rev, idx)
            features = []
            if start is not None:
                with self.Session() as s:
                    zones = queries.zones_at(s, start, rev)
                    info = self._change_info(s, {i for z in zones for i in (z["change_ids"] or [])})
                for z in zones:
                    ids = z["change_ids"] or []
                    confs = {info[i]["confidence"] for i in ids if i in info}
                    sources = sorted({rid for i in ids if i in info for rid in info[i]["report_ids"]})
                    features.append({"type": "Feature", "id": z["id"], "geometry": _frag(z["geometry"]), "properties": {
                        "faction": z["faction"], "valid_from": iso(z["valid_from"]), "valid_to": iso(z["valid_to"]),
                        "area_km2": round(z["area_km2"], 2), "confidence": "claimed" if "claimed" in confs else "confirmed",
                        "change_ids": ids, "report_ids": sources}})
            doc = {"type": "FeatureCollection", "revision": rev, "at_interval": [iso(start), iso(self.interval_start(rev, idx + 1))],
                   "features": features}
            return Payload.build(_json(doc), "application/geo+json", self.gzip_level)
        return self.cache.get_or_build(("snapshot", rev, idx), build)

    def _change_info(self, s: Session, ids: set[int]) -> dict[int, dict]:
        if not ids:
            return {}
        rows = s.execute(text("""SELECT c.id, c.confidence, coalesce(array_agg(cr.report_id) FILTER (WHERE cr.report_id IS NOT NULL), '{}') AS report_ids
                                 FROM control_changes c LEFT JOIN change_reports cr ON cr.change_id = c.id
                                 WHERE c.id = ANY(:ids) GROUP BY c.id"""), {"ids": list(ids)}).mappings()
        return {r["id"]: dict(r) for r in rows}

    def clear(self) -> None:
        """Forget everything built (tests restoring a database; an operator after a restore)."""
        self.generation += 1
        self.cache.clear()

    def cached(self, key, build: Callable[[], Payload]) -> Payload:
        return self.cache.get_or_build(key, build)
