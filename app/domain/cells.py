"""The cells that zones are stored in: which cells an area reaches, and clipping to a cell. Pure (shapely).

A change at T with area A can alter later zones only inside A. Zones are stored cut into the square cells of a
grid over the data set's extent, each piece with its own validity, so recomputing after an edit touches the
cells A covers and, in them, the changes that reach those cells: the cost follows the change, not the history.

Within one cell the cost still follows that cell's history, so a busy cell is split into four (a quadtree over
the base grid): at load where many changes reach a cell, and on a save where a cell holds many pieces. A split
cuts every piece of the cell, at every instant, into its children, so all instants of a revision share the same
leaves and a cell's history stays short however long the war.

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


# Quadtree cells: a busy cell is split into four, down to MAX_LEVEL (1/64 of the base size). Level-0 ids are the
# base grid's row-major index (as before cells could split); a deeper cell is (level << 24) | (iy << 12) | ix.
LEVEL_SHIFT = 24
AXIS_BITS = 12
MAX_LEVEL = 6
# A leaf reached by more changes than this is split (when splitting helps: see Grid.refine).
SPLIT_CHANGES = 24
# On a save: a leaf holding more live pieces than this is split (pieces are about two per change reaching it).
SPLIT_PIECES = 2 * SPLIT_CHANGES


def reaching(geoms, boxes) -> np.ndarray:
    """Where a geometry reaches a box's interior (intersects it, more than touching its edge); vectorised over
    either argument."""
    return shapely.intersects(geoms, boxes) & ~shapely.touches(geoms, boxes)


_SCALE = round(1 / GRID)


def _edge(origin: float, i: int, size: float) -> float:
    """Where the stored pieces have the edge `i` of an axis: the cell box's coordinate (Grid.box computes it as
    origin + i * size) on the storage grid, rounded as GEOS rounds (half up, divided by the scale)."""
    return math.floor((origin + i * size) * _SCALE + 0.5) / _SCALE


def _half_open(v: float, origin: float, size: float, n: int) -> int:
    """The index i, clamped to [0, n), with edge(i) <= v < edge(i + 1)."""
    i = min(n - 1, max(0, int(math.floor((v - origin) / size))))
    while i > 0 and v < _edge(origin, i, size):
        i -= 1
    while i < n - 1 and v >= _edge(origin, i + 1, size):
        i += 1
    return i


@dataclass(frozen=True)
class Grid:
    x0: float
    y0: float
    size: float
    nx: int
    ny: int
    # The cells that have been split (inner nodes of the quadtree); the others reached from the base grid are leaves.
    splits: frozenset = frozenset()

    @classmethod
    def over(cls, extent: tuple[float, float, float, float], size: float, splits=()) -> "Grid":
        x0, y0, x1, y1 = extent
        return cls(x0, y0, size, max(1, math.ceil((x1 - x0) / size - 1e-9)), max(1, math.ceil((y1 - y0) / size - 1e-9)),
                   frozenset(splits or ()))

    def with_splits(self, more) -> "Grid":
        return Grid(self.x0, self.y0, self.size, self.nx, self.ny, self.splits | frozenset(more))

    # --- cell ids ----------------------------------------------------------------------------------------
    @property
    def max_level(self) -> int:
        return max(0, min(MAX_LEVEL, int(math.floor(math.log2((1 << AXIS_BITS) / max(self.nx, self.ny))))))

    def cell_id(self, level: int, ix: int, iy: int) -> int:
        return iy * self.nx + ix if level == 0 else (level << LEVEL_SHIFT) | (iy << AXIS_BITS) | ix

    def decode(self, cell: int) -> tuple[int, int, int]:
        """(level, ix, iy) of a cell id."""
        if cell < (1 << LEVEL_SHIFT):
            iy, ix = divmod(cell, self.nx)
            return 0, ix, iy
        mask = (1 << AXIS_BITS) - 1
        return cell >> LEVEL_SHIFT, cell & mask, (cell >> AXIS_BITS) & mask

    def level_size(self, level: int) -> float:
        return self.size / (1 << level)  # exact: a power of two

    def children(self, cell: int) -> list[int]:
        level, ix, iy = self.decode(cell)
        return [self.cell_id(level + 1, 2 * ix + dx, 2 * iy + dy) for dy in (0, 1) for dx in (0, 1)]

    def box(self, cell: int):
        level, ix, iy = self.decode(cell)
        s = self.level_size(level)
        # Shared edges are computed the same way from both sides (and a child's outer edges are its parent's, since
        # (2 ix) (s / 2) == ix s exactly), so neighbouring cells of any levels meet exactly.
        return box(self.x0 + ix * s, self.y0 + iy * s, self.x0 + (ix + 1) * s, self.y0 + (iy + 1) * s)

    def cells_at(self, x: float, y: float) -> list[int]:
        """The cells holding the point (x, y), one per level from the base grid down: a revision's pieces at that
        place lie in exactly one of them (the leaf of its time; older revisions may predate a split).

        Cells are half-open, [left, right) x [bottom, top), with their edges where the stored pieces have them
        (on the storage grid): a point on an edge two cells share belongs to one of them, the one to its right
        or above it, and the answer is a function of the data alone, the same on every copy of it. Beyond the
        extent, the outermost cells hold it."""
        out = []
        for level in range(self.max_level + 1):
            s = self.level_size(level)
            ix = _half_open(x, self.x0, s, self.nx << level)
            iy = _half_open(y, self.y0, s, self.ny << level)
            out.append(self.cell_id(level, ix, iy))
        return out

    def envelope(self, cells) -> tuple[float, float, float, float]:
        b = shapely.bounds(self.boxes(list(cells)))
        return float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max())

    def boxes(self, cells: list[int]) -> np.ndarray:
        """The cells' boxes (an array of polygons), made in one vectorised call."""
        if not cells:
            return np.array([], dtype=object)
        d = np.array([self.decode(c) for c in cells], dtype=np.int64)
        s = self.size / (1 << d[:, 0]).astype(float)
        return shapely.box(self.x0 + d[:, 1] * s, self.y0 + d[:, 2] * s, self.x0 + (d[:, 1] + 1) * s, self.y0 + (d[:, 2] + 1) * s)

    def _hits(self, geom: BaseGeometry, cand: list[int]) -> list[int]:
        if not cand:
            return []
        return [c for c, h in zip(cand, reaching(geom, self.boxes(cand))) if h]

    def cells_for(self, geom: BaseGeometry) -> list[int]:
        """The leaf cells whose interior the geometry reaches (more than a sliver)."""
        if geom.is_empty:
            return []
        minx, miny, maxx, maxy = geom.bounds
        ix0 = max(0, int(math.floor((minx - self.x0) / self.size)))
        iy0 = max(0, int(math.floor((miny - self.y0) / self.size)))
        ix1 = min(self.nx - 1, int(math.floor((maxx - self.x0) / self.size)))
        iy1 = min(self.ny - 1, int(math.floor((maxy - self.y0) / self.size)))
        cand = [iy * self.nx + ix for iy in range(iy0, iy1 + 1) for ix in range(ix0, ix1 + 1)]
        shapely.prepare(geom)
        out: list[int] = []
        while cand:
            inner = []
            for c in self._hits(geom, cand):
                (inner if c in self.splits else out).append(c)
            cand = [k for c in inner for k in self.children(c)]
        return out

    def clip(self, geom: BaseGeometry, cell: int) -> MultiPolygon:
        part = to_multipolygon(shapely.intersection(geom, self.box(cell), grid_size=GRID))
        if part.is_empty:
            return part
        parts = [p for p in part.geoms if p.area > SLIVER]
        return MultiPolygon(parts) if parts else MultiPolygon()

    def split(self, geom: BaseGeometry) -> dict[int, MultiPolygon]:
        """The geometry cut into its leaf cells (parts of a sliver or less dropped)."""
        out = {}
        for c in self.cells_for(geom):
            part = self.clip(geom, c)
            if not part.is_empty:
                out[c] = part
        return out

    def child_reach(self, cell: int, geoms, ids: list[int]) -> dict[int, list[int]] | None:
        """Which of the geometries `ids` reach each child of `cell`, if splitting it is worth it: the children are
        on average less than half as busy (changes smaller than the children; this also bounds how many more pieces
        a split makes) and none is as busy as the cell. None when not worth it, or when cells get no smaller."""
        if self.decode(cell)[0] >= self.max_level:
            return None
        kids = {k: [] for k in self.children(cell)}
        boxes = self.boxes(list(kids))
        for i in ids:
            for k, h in zip(kids, reaching(geoms[i], boxes)):
                if h:
                    kids[k].append(i)
        sizes = [len(v) for v in kids.values()]
        return kids if sum(sizes) < 2 * len(ids) and max(sizes) < len(ids) else None

    def refine(self, geoms: list[BaseGeometry], limit: int | None = None) -> "Grid":
        """The quadtree for these changes (a load): a leaf reached by more than `limit` of them is split while that
        is worth it (see child_reach)."""
        limit = SPLIT_CHANGES if limit is None else limit
        reach: dict[int, list[int]] = {}
        for i, g in enumerate(geoms):
            for c in self.cells_for(g):
                reach.setdefault(c, []).append(i)
        splits = set(self.splits)
        todo = [c for c, ids in reach.items() if len(ids) > limit]
        while todo:
            c = todo.pop()
            kids = self.child_reach(c, geoms, reach[c])
            if kids is None:
                continue
            splits.add(c)
            for k, v in kids.items():
                reach[k] = v
                if len(v) > limit:
                    todo.append(k)
        return Grid(self.x0, self.y0, self.size, self.nx, self.ny, frozenset(splits))
