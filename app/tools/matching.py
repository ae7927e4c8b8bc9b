"""Find gazetteer places named in a report's text (English or Arabic, with transliteration variants).

The matching itself is a pure function over a list of places (`match_in`), testable on the gazetteer file
without a database; `match_places` feeds it the places stored in the database.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from sqlalchemy.orm import Session

from app.store import datasets
from app.usecases.load import fold_text

# Arabic proclitics that attach to names: و (and), ف (so), ب (in), ل (to); plus the article ال.
_AR_PREFIX = re.compile(r"^(?:و|ف|ب|ل)?(?:ال)?")
_ARABIC = re.compile(r"[\u0600-\u06ff]")


def _pattern(key: str) -> re.Pattern:
    if _ARABIC.match(key):
        # "قلعة حلب" also matches "وقلعة حلب", "بالقلعة حلب"...: strip the name's own article/proclitic and
        # allow any of them in front of it in the text.
        core = _AR_PREFIX.sub("", key) or key
        return re.compile(r"(?<![\w])(?:[وفبل]?(?:ال)?)?" + re.escape(core) + r"(?![\w])")
    return re.compile(r"(?<![\w])" + re.escape(key) + r"(?![\w])")


def match_in(places: Iterable[Mapping], body: str, limit: int = 200) -> list[dict]:
    """The places named in `body`, in order of first mention. Each place: slug, name_en, name_ar, variants,
    kind, rank, lon, lat. Names shorter than 3 characters once folded are ignored (too many false hits).

    The longest match wins: every occurrence of every name is a span of the text, and spans are taken longest
    first, skipping any that overlaps one already taken, so "Aleppo" inside "New Aleppo" (or "الجديدة" inside
    "حلب الجديدة") is not a mention of Aleppo (or of Jdeideh)."""
    hay = " " + fold_text(body) + " "
    spans = []  # (start, end, place index, name)
    plist = list(places)
    for i, p in enumerate(plist):
        for n in dict.fromkeys([p.get("name_en"), p.get("name_ar"), *(p.get("variants") or [])]):
            key = fold_text(n or "")
            if len(key) < 3:
                continue
            # A name whose letters are nowhere in the text cannot match: skip its regex (a gazetteer of thousands
            # of villages, `frontline places import`, would otherwise cost a regex per name per report).
            if (_AR_PREFIX.sub("", key) or key if _ARABIC.match(key) else key) not in hay:
                continue
            for m in _pattern(key).finditer(hay):
                spans.append((m.start(), m.end(), i, n))
    taken: list[tuple[int, int]] = []
    first: dict[int, tuple[int, str]] = {}
    for start, end, i, n in sorted(spans, key=lambda s: (-(s[1] - s[0]), s[0], s[2])):
        if any(start < e and s < end for s, e in taken):
            continue
        taken.append((start, end))
        if i not in first or start < first[i][0]:
            first[i] = (start, n)
    found = []
    for i, (pos, n) in first.items():
        p = plist[i]
        found.append({"slug": p["slug"], "name_en": p["name_en"], "name_ar": p.get("name_ar") or "", "kind": p.get("kind"),
                      "rank": p.get("rank"), "lon": round(float(p["lon"]), 5), "lat": round(float(p["lat"]), 5),
                      "matched": n, "position": pos})
    found.sort(key=lambda f: (f["position"], -len(fold_text(f["matched"]))))
    return found[:limit]


def places_from_geojson(path: Path) -> list[dict]:
    """The gazetteer file (data/geojson/places.geojson) as the list `match_in` takes."""
    fc = json.loads(Path(path).read_text(encoding="utf-8"))
    out = []
    for f in fc["features"]:
        lon, lat = f["geometry"]["coordinates"][:2]
        out.append({**f["properties"], "lon": lon, "lat": lat})
    return out


def match_places(session: Session, body: str, limit: int = 200) -> list[dict]:
    places = datasets.places(session)
    return match_in(places, body, limit)
