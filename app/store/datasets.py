"""The data set row, its factions and its gazetteer: the one place that reads them.

A war's schema holds one data set (app/store/wars.py: the session's search path says which war). Every caller that needs its extent, its
period and local time, its grid or its titles asks `row()` (or one of the small functions built on it), so the
row is read one way only. Writing it is the loader's job (app/store/load.py).
"""
from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import text
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from app.domain.cells import Grid

# The end of the period: an ended war's end, or for one going on an hour after its latest change (its timeline
# grows as editors record; `ended_at` is NULL then).
END = """COALESCE(end_at, GREATEST(start_at, (SELECT max(at) FROM control_changes WHERE retracted_in IS NULL))
                           + interval '1 hour')"""

# `home_view` without the loader's private `_content_hash` (that is `content_hash`, on its own).
ROW = text(f"""
    SELECT id, slug, title_en, title_ar, description_en, description_ar, notes_en, utc_offset_minutes, tz_label,
           time_zone, opens_at, start_at, {END} AS end_at, end_at AS ended_at, ST_XMin(extent) x0, ST_YMin(extent) y0, ST_XMax(extent) x1, ST_YMax(extent) y1,
           home_view - '_content_hash' AS home_view, home_view ->> '_content_hash' AS content_hash,
           cell_deg, cell_splits
    FROM dataset LIMIT 1""")

IS_LOADED = text("SELECT EXISTS (SELECT 1 FROM dataset)")

FACTIONS = text("""
    SELECT id, slug, name_en, name_ar, short_en, short_ar, color, description_en, description_ar, sort_order
    FROM factions ORDER BY sort_order, slug""")

FACTION_ID = text("SELECT id FROM factions WHERE slug = :slug")

# The gazetteer: every place, in the order it was loaded.
PLACES = text("""
    SELECT slug, name_en, name_ar, variants, kind, rank, ST_X(geom) lon, ST_Y(geom) lat FROM places ORDER BY id""")


class TimeSettings(NamedTuple):
    """The data set's period [start_at, end_at) and its local time (`time_zone` an IANA name or None)."""
    start_at: datetime
    end_at: datetime
    utc_offset_minutes: int
    tz_label: str
    time_zone: str | None = None
    ongoing: bool = False


def row(session: Session) -> RowMapping | None:
    """The data set row (None when nothing is loaded): titles, period, local time, extent (x0, y0, x1, y1),
    home_view, content_hash, cell_deg and cell_splits."""
    return session.execute(ROW).mappings().one_or_none()


def extent(session: Session) -> tuple[float, float, float, float] | None:
    """(minlon, minlat, maxlon, maxlat), or None when no data set is loaded."""
    r = row(session)
    return None if r is None else (r["x0"], r["y0"], r["x1"], r["y1"])


def time_settings(session: Session) -> TimeSettings | None:
    r = row(session)
    return None if r is None else TimeSettings(r["start_at"], r["end_at"], r["utc_offset_minutes"], r["tz_label"],
                                                r["time_zone"], r["ended_at"] is None)


def grid(session: Session) -> Grid:
    """The storage grid of the zones (app/domain/cells.py): the extent, the cell size and the split cells."""
    r = session.execute(ROW).mappings().one()
    return Grid.over((r["x0"], r["y0"], r["x1"], r["y1"]), r["cell_deg"], r["cell_splits"])


def is_loaded(session: Session) -> bool:
    return bool(session.execute(IS_LOADED).scalar_one())


def content_hash(session: Session) -> str | None:
    """The hash of the folder the data set was loaded from (None: nothing loaded, or loaded without one)."""
    r = row(session)
    return None if r is None else r["content_hash"]


def factions(session: Session) -> list[RowMapping]:
    """Every faction, in the data set's order."""
    return list(session.execute(FACTIONS).mappings())


def faction_id(session: Session, slug: str) -> int | None:
    return session.execute(FACTION_ID, {"slug": slug}).scalar_one_or_none()


def places(session: Session) -> list[RowMapping]:
    """The gazetteer: slug, names, variants, kind, rank, lon and lat of every place."""
    return list(session.execute(PLACES).mappings())
