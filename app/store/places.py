"""The SQL of the gazetteer search (`/api/places`): names in English, Arabic and their variants, folded
(app.usecases.load.fold_text) into `places.search_text`. Bound parameters always.
"""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

_COLS = "slug, name_en, name_ar, variants, kind, rank, ST_X(geom) lon, ST_Y(geom) lat"

TOP_PLACES = text(f"SELECT {_COLS} FROM places ORDER BY rank, name_en LIMIT :limit")

# A folded key found inside a name, or a name like it (pg_trgm); names starting with the key first.
SEARCH_PLACES = text(f"""
    SELECT {_COLS}
    FROM places
    WHERE search_text LIKE '%' || :k || '%' OR word_similarity(:k, search_text) > 0.5
    ORDER BY (search_text LIKE :k || '%' OR search_text LIKE '%| ' || :k || '%') DESC,
             word_similarity(:k, search_text) DESC, rank, name_en
    LIMIT :limit
""")


def search(session: Session, key: str, limit: int) -> list[dict]:
    """Places whose folded names hold `key` (LIKE wildcards are dropped from it); the most important
    places when `key` is empty."""
    if not key:
        rows = session.execute(TOP_PLACES, {"limit": limit}).mappings().all()
    else:
        rows = session.execute(SEARCH_PLACES, {"k": key.replace("%", "").replace("_", " "), "limit": limit}).mappings().all()
    return [dict(r) for r in rows]
