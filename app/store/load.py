"""Statements of a data set load: wiping the data set, then writing its row, factions, reports and places.

The changes and the zones a load writes are queries.py's (shared with the editor's writes). Bound parameters
always; app/usecases/load.py runs these in one transaction.
"""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

# Everything of the data set, and the history that refers to it (revisions may refer to each other).
WIPE = (
    text("TRUNCATE control_zones, change_reports, control_changes, places, reports, factions, dataset RESTART IDENTITY CASCADE"),
    text("UPDATE revisions SET reverts_id = NULL"),
    text("DELETE FROM revisions"),
)

DATASET = text("""
    INSERT INTO dataset (id, slug, title_en, title_ar, description_en, description_ar, notes_en,
                         utc_offset_minutes, tz_label, time_zone, opens_at, start_at, end_at, extent, home_view, cell_deg)
    VALUES (1, :slug, :title_en, :title_ar, :description_en, :description_ar, :notes_en,
            :off, :label, :tz, :opens_at, :start_at, :end_at, ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326), CAST(:home AS jsonb), :cell)
""")

FACTION = text("""
    INSERT INTO factions (slug, name_en, name_ar, short_en, short_ar, color, description_en, description_ar, sort_order)
    VALUES (:slug, :name_en, :name_ar, :short_en, :short_ar, :color, :description_en, :description_ar, :i)
""")

REPORT = text("""
    INSERT INTO reports (key, title, publisher, published_at, url, language, summary)
    VALUES (:key, :title, :publisher, :published, :url, :language, :summary) RETURNING id
""")

PLACE = text("""
    INSERT INTO places (slug, name_en, name_ar, variants, kind, rank, geom, search_text)
    VALUES (:slug, :name_en, :name_ar, CAST(:variants AS jsonb), :kind, :rank,
            ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :search_text)
""")


def wipe(session: Session) -> None:
    """Remove the data set, its changes, zones, reports, places and every revision."""
    for statement in WIPE:
        session.execute(statement)


def write_dataset(session: Session, ds: dict, *, home_view: dict, cell_deg: float) -> None:
    """The data set row from a validated dataset.json (`start_at`, `end_at` and `extent_box` parsed)."""
    minx, miny, maxx, maxy = ds["extent_box"]
    session.execute(DATASET, {
        "slug": ds["slug"], "title_en": ds.get("title_en", ds["slug"]), "title_ar": ds.get("title_ar", ""),
        "description_en": ds.get("description_en", ""), "description_ar": ds.get("description_ar", ""),
        "notes_en": ds.get("notes_en", ""), "off": int(ds["utc_offset_minutes"]), "label": ds["tz_label"],
        "tz": ds.get("time_zone") or None, "opens_at": ds.get("opens_at", "start"),
        "start_at": ds["start_at"], "end_at": ds["end_at"], "minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy,
        "home": json.dumps(home_view), "cell": cell_deg})


def write_faction(session: Session, f: dict, sort_order: int) -> None:
    session.execute(FACTION, {"slug": f["slug"], "name_en": f["name_en"], "name_ar": f["name_ar"],
                              "short_en": f.get("short_en", ""), "short_ar": f.get("short_ar", ""), "color": f["color"],
                              "description_en": f.get("description_en", ""),
                              "description_ar": f.get("description_ar", ""), "i": sort_order})


def write_report(session: Session, r: dict, published: datetime) -> int:
    return session.execute(REPORT, {"key": r["key"], "title": r["title"], "publisher": r["publisher"],
                                    "published": published, "url": r.get("url") or None,
                                    "language": r.get("language", "en"), "summary": r.get("summary", "")}).scalar_one()


def write_place(session: Session, p: dict) -> None:
    session.execute(PLACE, {"slug": p["slug"], "name_en": p.get("name_en", ""), "name_ar": p.get("name_ar", ""),
                            "variants": json.dumps(p.get("variants", []), ensure_ascii=False), "kind": p["kind"],
                            "rank": p["rank"], "lon": p["lon"], "lat": p["lat"], "search_text": p["search_text"]})
