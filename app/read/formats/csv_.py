"""CSV of a publication's areas: one row per change instant (UTC), one column per faction (km2)."""
from __future__ import annotations

import csv
import io

from app.domain.times import iso

MEDIA_TYPE = "text/csv; charset=utf-8"


def areas_csv(pub) -> bytes:
    """`pub`: an app.read.model.Publication (its factions, instants and areas)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    slugs = [f["slug"] for f in pub.factions]
    w.writerow(["instant_utc", *[f"{s}_km2" for s in slugs]])
    for i, t in enumerate(pub.instants):
        w.writerow([iso(t), *[pub.areas[s][i] for s in slugs]])
    return buf.getvalue().encode()
