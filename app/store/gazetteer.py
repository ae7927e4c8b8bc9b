"""The SQL of `frontline places import` (app/tools/places_import.py): add gazetteer places in batches and add
names to a place already there. Bound parameters always.
"""
from __future__ import annotations

import json

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.store.load import PLACE

ADD_NAMES = text("""
    UPDATE places SET name_ar = :name_ar, variants = CAST(:variants AS jsonb), search_text = :search_text
    WHERE slug = :slug
""")


def add_places(session: Session, rows: list[dict]) -> None:
    """Insert places (slug, name_en, name_ar, variants (a list), kind, rank, lon, lat, search_text), a thousand
    per round trip."""
    params = [{**r, "variants": json.dumps(r.get("variants") or [], ensure_ascii=False)} for r in rows]
    for i in range(0, len(params), 1000):
        session.execute(PLACE, params[i:i + 1000])


def set_names(session: Session, slug: str, *, name_ar: str, variants: list[str], search_text: str) -> None:
    session.execute(ADD_NAMES, {"slug": slug, "name_ar": name_ar, "search_text": search_text,
                                "variants": json.dumps(variants, ensure_ascii=False)})
