"""The fold: from ordered control changes to zone versions. Pure functions (shapely only).

A change at T assigns its area to its faction from T onwards; every other faction loses exactly that area.
Changes apply in order of (at, id). A faction's zone version is valid over the half-open interval
[valid_from, valid_to): it starts at the instant its area last changed and ends at the next instant it
changes (None = still valid). An unchanged zone is not repeated at every instant.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable

import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from app.domain.geometry import GRID, to_multipolygon

# Overlay results with less area than this (square degrees; 1e-10 deg2 is about 1 m2 here) are slivers.
SLIVER = 1e-10


@dataclass(frozen=True)
class Change:
    id: int
    at: datetime
    faction: str
    geom: BaseGeometry


@dataclass
class ZoneVersion:
    faction: str
    valid_from: datetime
    valid_to: datetime | None
    geom: MultiPolygon
    change_ids: list[int] = field(default_factory=list)


def _clean(geom: BaseGeometry) -> MultiPolygon:
    mp = to_multipolygon(geom)
    if mp.is_empty:
        return mp
    parts = [p for p in mp.geoms if p.area > SLIVER]
    return MultiPolygon(parts) if parts else MultiPolygon()


def apply_change(state: dict[str, MultiPolygon], faction: str, area: BaseGeometry) -> set[str]:
    """Apply one change to `state` in place. Returns the factions whose area changed."""
    touched: set[str] = set()
    for f, g in list(state.items()):
        if f == faction or g.is_empty:
            continue
        if not g.intersects(area):
            continue
        # One overlay, not two: what is left after removing the area tells whether the faction lost any.
        rest = _clean(shapely.difference(g, area, grid_size=GRID))
        if g.area - rest.area <= SLIVER:
            continue
        state[f] = rest
        touched.add(f)
    before = state.get(faction, MultiPolygon())
    after = _clean(shapely.union(before, area, grid_size=GRID)) if not before.is_empty else _clean(shapely.set_precision(area, GRID))
    if before.is_empty or not after.equals(before):
        touched.add(faction)
    state[faction] = after
    return touched


def fold(changes: Iterable[Change], *, initial: dict[str, ZoneVersion] | None = None,
         ) -> list[ZoneVersion]:
    """Fold changes (sorted here by (at, id)) into zone versions.

    `initial` holds the versions open just before the first change (for recomputing from an instant on):
    they are extended when untouched, closed when their faction's area changes.
    """
    open_versions: dict[str, ZoneVersion] = dict(initial or {})
    state: dict[str, MultiPolygon] = {f: v.geom for f, v in open_versions.items()}
    closed: list[ZoneVersion] = []
    ordered = sorted(changes, key=lambda c: (c.at, c.id))
    i = 0
    while i < len(ordered):
        at = ordered[i].at
        touched: set[str] = set()
        ids_by_faction: dict[str, list[int]] = {}
        while i < len(ordered) and ordered[i].at == at:
            c = ordered[i]
            for f in apply_change(state, c.faction, c.geom):
                touched.add(f)
                ids_by_faction.setdefault(f, []).append(c.id)
            i += 1
        for f in touched:
            prev = open_versions.pop(f, None)
            if prev is not None:
                if prev.valid_from == at:
                    # Same instant: several changes at T fold into one version.
                    ids_by_faction[f] = prev.change_ids + ids_by_faction[f]
                else:
                    prev.valid_to = at
                    closed.append(prev)
            g = state[f]
            if not g.is_empty:
                open_versions[f] = ZoneVersion(f, at, None, g, ids_by_faction[f])
    return closed + list(open_versions.values())


def state_at(versions: Iterable[ZoneVersion], at: datetime) -> dict[str, ZoneVersion]:
    """The versions valid at `at` (half-open: valid_from <= at < valid_to)."""
    return {v.faction: v for v in versions if v.valid_from <= at and (v.valid_to is None or at < v.valid_to)}
