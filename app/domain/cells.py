"""The fixed grid that zones are stored in: which cells an area reaches, and clipping to a cell. Pure (shapely).

A change at T with area A can alter later zones only inside A. Zones are stored cut into the square cells of a
grid over the data set's extent, each piece with its own validity, so recomputing after an edit touches the
cells A covers and, in them, the changes that reach those cells: the cost follows the change, not the history.

Clipping commutes with the fold's set operations ((X - Y) & C == (X & C) - (Y & C)), so the pieces of a cell
folded from the clipped changes are the whole-polygon fold clipped to the cell, up to the 1e-7 degree grid.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, box
from shapely.geometry.base import BaseGeometry

from app.domain.geometry import GRID, to_multipolygon
from app.domain.timeline import SLIVER

# Cell sizes (degrees) to choose from: the smallest that keeps the longer side of the extent within MAX_CELLS.
NICE = (0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)
MAX_CELLS = 64


def cell_size_for(extent: tuple[float, float, float, float]) -> float:
    span = max(extent[2] - extent[0], extent[3] - extent[1])
    return next((c for c in NICE if span / c <= MAX_CELLS), NICE[-1])


@dataclass(frozen=True)
class Grid:
    x0: float
    y0: float
    size: float
    nx: int
    ny: int

    @classmethod
    def over(cls, extent: tuple[float, float, float, float], size: float) -> "Grid":
        x0, y0, x1, y1 = extent
        return cls(x0, y0, size, max(1, math.ceil((x1 - x0) / size - 1e-9)), max(1, math.ceil((y1 - y0) / size - 1e-9)))

    def box(self, cell: int):
        iy, ix = divmod(cell, self.nx)
        # Shared edges are computed the same way from both sides, so neighbouring cells meet exactly.
        return box(self.x0 + ix * self.size, self.y0 + iy * self.size, self.x0 + (ix + 1) * self.size, self.y0 + (iy + 1) * self.size)

    def envelope(self, cells) -> tuple[float, float, float, float]:
        b = np.array([self.box(c).bounds for c in cells])
        return float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max())

    def cells_for(self, geom: BaseGeometry) -> list[int]:
        """The cells whose interior the geometry reaches (more than a sliver)."""
        if geom.is_empty:
            return []
        minx, miny, maxx, maxy = geom.bounds
        ix0 = max(0, int(math.floor((minx - self.x0) / self.size)))
        iy0 = max(0, int(math.floor((miny - self.y0) / self.size)))
        ix1 = min(self.nx - 1, int(math.floor((maxx - self.x0) / self.size)))
        iy1 = min(self.ny - 1, int(math.floor((maxy - self.y0) / self.size)))
        cand = [iy * self.nx + ix for iy in range(iy0, iy1 + 1) for ix in range(ix0, ix1 + 1)]
        if not cand:
            return []
        boxes = np.array([self.box(c) for c in cand], dtype=object)
        shapely.prepare(geom)
        hit = shapely.intersects(geom, boxes) & ~shapely.touches(geom, boxes)
        return [c for c, h in zip(cand, hit) if h]

    def clip(self, geom: BaseGeometry, cell: int) -> MultiPolygon:
        part = to_multipolygon(shapely.intersection(geom, self.box(cell), grid_size=GRID))
        if part.is_empty:
            return part
        parts = [p for p in part.geoms if p.area > SLIVER]
        return MultiPolygon(parts) if parts else MultiPolygon()

    def split(self, geom: BaseGeometry) -> dict[int, MultiPolygon]:
        """The geometry cut into its cells (parts of a sliver or less dropped)."""
        out = {}
        for c in self.cells_for(geom):
            part = self.clip(geom, c)
            if not part.is_empty:
                out[c] = part
        return out

