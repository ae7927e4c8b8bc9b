"""The SQL the read side needs around a publication that is not a query of `queries.py`: the data set and
faction rows a publication shows, the reports a point's changes cite, and waiting for a new revision
(LISTEN on the channel the `revisions` trigger notifies). Bound parameters always.
"""
from __future__ import annotations

import threading
from typing import Callable

import psycopg
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.store.datasets import END

# The channel the `revisions` trigger notifies on every publish (migrations), with the new revision's id.
REVISION_CHANNEL = "frontline_revision"

DATASET_META = text(f"""
    SELECT slug, title_en, title_ar, description_en, description_ar, notes_en, utc_offset_minutes,
           tz_label, time_zone, opens_at, start_at, {END} AS end_at, end_at IS NULL AS ongoing, ST_XMin(extent) x0, ST_YMin(extent) y0, ST_XMax(extent) x1, ST_YMax(extent) y1,
           home_view - '_content_hash' AS home_view, cell_deg
    FROM dataset LIMIT 1
""")

PUBLIC_FACTIONS = text("""
    SELECT slug, name_en, name_ar, short_en, short_ar, color, description_en, description_ar
    FROM factions ORDER BY sort_order
""")

REPORTS_BY_IDS = text("SELECT id, title, publisher, published_at, url, summary FROM reports WHERE id = ANY(:ids)")


def dataset_meta(session: Session) -> dict:
    """The data set row (None before a load) and the factions in their order, as a publication shows them."""
    ds = session.execute(DATASET_META).mappings().one_or_none()
    factions = [dict(r) for r in session.execute(PUBLIC_FACTIONS).mappings()]
    return {"dataset": dict(ds) if ds else None, "factions": factions}


def reports_by_id(session: Session, ids: list[int]) -> dict[int, dict]:
    return {r["id"]: dict(r) for r in session.execute(REPORTS_BY_IDS, {"ids": ids}).mappings()}


def watch_revisions(url: str, poll_seconds: float, stop: threading.Event, wake: Callable[[], None]) -> None:
    """Call `wake()` at once, then on every publish notification and at least every `poll_seconds`, until
    `stop` is set. Raises when the connection fails or is lost (the caller polls and reconnects)."""
    with psycopg.connect(url, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f"LISTEN {REVISION_CHANNEL}")
        wake()
        while not stop.is_set():
            for _ in conn.notifies(timeout=poll_seconds, stop_after=1):
                pass
            wake()
