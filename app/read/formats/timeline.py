"""The viewer's own format: the timeline index (`/api/timeline`: the time axis, areas, reports and the list of
windows, no geometry) and a window (`/api/timeline/window`: a keyframe and the changes after it, with their
geometry). The map at t is the window's keyframe with its changes up to t painted over it in order.
"""
from __future__ import annotations

import bisect
from datetime import datetime

from app.domain.times import iso
from app.read.formats.json_ import fragment


def _window_counts(pub) -> list[int]:
    starts = [iso(pub.instants[a]) for a, _ in pub.windows]
    counts = [0] * len(pub.windows)
    for c in pub.changes:
        counts[max(0, bisect.bisect_right(starts, c["at"]) - 1)] += 1
    return counts


def index(pub) -> dict:
    """`pub`: an app.read.model.Publication."""
    return {
        "revision": pub.rev, "dataset": pub.dataset, "factions": pub.factions,
        "instants": [iso(t) for t in pub.instants], "areas_km2": pub.areas, "reports": pub.reports,
        "windows": [{"i": i, "from": iso(pub.instants[a]), "to": iso(pub.instant(b)), "first": a, "end": b,
                     "changes": n} for i, ((a, b), n) in enumerate(zip(pub.windows, _window_counts(pub)))],
    }


def window(pub, i: int, start: datetime, end: datetime | None, keyframe: dict, rows) -> dict:
    """Window `i` of `pub` over [start, end): its keyframe (a GeoJSON FeatureCollection, see geojson) and the
    changes, each its public facts and the geometry PostGIS wrote (`rows`: id and GeoJSON text, in order)."""
    meta = pub.change_by_id
    changes = [{**meta[r["id"]], "geometry": fragment(r["geometry"])} for r in rows if r["id"] in meta]
    return {"revision": pub.rev, "i": i, "from": iso(start), "to": iso(end), "keyframe": keyframe, "changes": changes}
