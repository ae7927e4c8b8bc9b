"""Find gazetteer places named in a report's text (English or Arabic, with transliteration variants)."""
from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.loader import fold_text

# Arabic proclitics that attach to names: و (and), ب (in), ل (to), ف; plus the article ال.
_AR_PREFIX = re.compile(r"^(?:و|ف|ب|ل)?(?:ال)?")


def match_places(session: Session, body: str, limit: int = 200) -> list[dict]:
    hay = " " + fold_text(body) + " "
    places = session.execute(text("SELECT slug, name_en, name_ar, variants, kind, rank, ST_X(geom) lon, ST_Y(geom) lat FROM places")).mappings().all()
    found = []
    for p in places:
        names = [p["name_en"], p["name_ar"], *(p["variants"] or [])]
        hits = []
        for n in names:
            key = fold_text(n)
            if len(key) < 3:
                continue
            pattern = r"(?<![\w])" + r"(?:[وفبل]?(?:ال)?)?" + re.escape(_AR_PREFIX.sub("", key) if re.match(r"[\u0600-\u06ff]", key) else key) + r"(?![\w])"
            m = re.search(pattern, hay)
            if m:
                hits.append((n, m.start()))
        if hits:
            n, pos = min(hits, key=lambda h: h[1])
            found.append({"slug": p["slug"], "name_en": p["name_en"], "name_ar": p["name_ar"], "kind": p["kind"], "rank": p["rank"],
                          "lon": round(p["lon"], 5), "lat": round(p["lat"], 5), "matched": n, "position": pos})
    found.sort(key=lambda f: f["position"])
    return found[:limit]
