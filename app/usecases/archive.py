"""Archives of dated snapshots: `frontline import-snapshots` (in) and `frontline export-snapshots` (out).

A snapshot dated D states each of its factions' *whole* area from D on. From one snapshot to the next, the
area a faction gained passes to it; the area it lost passes to the faction that gained it in the same
snapshot, else to the remainder faction. The first snapshot is compared with the map as it stands at its
instant. A faction named somewhere in a series but absent from one of its snapshots holds nothing then.

The module has three layers:
- reading files (GeoJSON, GeoJSON-seq, KML; plain or .gz) into `Snapshot`s, refusing bad input with a
  message naming the file and the feature;
- pure shapely functions turning snapshots into control changes (`plan`), with generated summaries;
- the database side (`import_snapshots`, `export_snapshots`), which reads the map through the public
  snapshot query and writes only through `services` (one revision, one recompute, one transaction), then
  publishes the revision (app/usecases/publish.py). The statements are in app/store.
"""
from __future__ import annotations

import gzip
import io
import json
import math
import re
import time
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, time as dtime, timedelta, timezone
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator

import numpy as np
import orjson
import shapely
from shapely.geometry import MultiPolygon, mapping
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from app.domain.geometry import GRID, to_multipolygon
from app.domain.errors import BadInput, TooLarge
from app.domain.text import problem as text_problem, storable
from app.store import changes as changes_store
from app.store import datasets, queries, reports
from app.usecases.publish import Readers, publish

SNAPSHOT_SUFFIXES = (".geojson", ".json", ".kml", ".geojsonl", ".geojsons", ".geojsonseq", ".ndjson", ".jsonl")
SEQ_SUFFIXES = (".geojsonl", ".geojsons", ".geojsonseq", ".ndjson", ".jsonl")
# Overlay results with less area than this (square degrees; about 1 m2) are slivers, as in the fold.
SLIVER = 1e-10
# Two areas are "the same" when they differ by less than this share of their union (plus an absolute
# allowance of ~100 m2 for grid rounding along long borders).
SAME_RELATIVE, SAME_ABSOLUTE = 1e-6, 1e-8
MAX_PROBLEMS = 50
Progress = Callable[[str, int, int], None]


class ArchiveError(BadInput):
    """Bad input in a snapshot series: the message lists every problem, each naming file and feature."""
    code = "bad_snapshots"


# --- the data set's frame ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Frame:
    """What snapshots are checked against: the data set's period, extent and local time."""
    start: datetime
    end: datetime
    extent: tuple[float, float, float, float]
    offset_minutes: int
    tz_label: str = ""

    @property
    def tz(self) -> timezone:
        return timezone(timedelta(minutes=self.offset_minutes))

    def local(self, t: datetime) -> datetime:
        return t.astimezone(self.tz)

    def label(self, t: datetime) -> str:
        lt = self.local(t)
        return f"{lt:%Y-%m-%d}" + (f" {lt:%H:%M}" if (lt.hour, lt.minute, lt.second) != (0, 0, 0) else "")


# --- dates ---------------------------------------------------------------------------------------------
# A date in a file name: YYYYMMDD or YYYY-MM-DD (also _ or . between parts), optionally followed by a local
# time THHMM[SS] / THH-MM / THH:MM (what export-snapshots writes when a step is not at --time).
_NAME_DATE = re.compile(r"(?<!\d)(\d{4})([-_.]?)(\d{2})\2(\d{2})(?:T(\d{2})[-:h]?(\d{2})(?:[-:]?(\d{2}))?)?(?!\d)")


def date_in_name(name: str) -> tuple[date, dtime | None] | None:
    """The first valid date (and local time, if any) in a file name; None when there is none."""
    for m in _NAME_DATE.finditer(name):
        try:
            d = date(int(m[1]), int(m[3]), int(m[4]))
            t = dtime(int(m[5]), int(m[6]), int(m[7] or 0)) if m[5] else None
        except ValueError:
            continue
        return d, t
    return None


def parse_time_of_day(value: str) -> dtime:
    m = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", (value or "").strip())
    try:
        if not m:
            raise ValueError
        return dtime(int(m[1]), int(m[2]), int(m[3] or 0))
    except ValueError:
        raise BadInput(f"--time {value!r} is not a time of day; use HH:MM, e.g. 06:00") from None


def instant_of(value, tz: timezone, default_time: dtime) -> datetime:
    """A date property's value as an instant: a date (local, at `default_time`), a local date-time, or an
    ISO 8601 instant with an offset. Raises ValueError with the reason."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError("is empty or not a text")
    v = value.strip()
    if re.fullmatch(r"\d{4}-?\d{2}-?\d{2}", v):
        d = date_in_name(v)
        if d is None:
            raise ValueError(f"{v!r} is not a valid date")
        return datetime.combine(d[0], default_time, tz).astimezone(timezone.utc)
    try:
        dt = datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{v[:40]!r} is not a date (YYYY-MM-DD) or an ISO 8601 instant") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz)  # a local date-time, in the data set's time zone
    return dt.astimezone(timezone.utc)


# --- geometry ------------------------------------------------------------------------------------------
def clean(geom: BaseGeometry) -> MultiPolygon:
    """Polygonal parts only, without slivers (tiny or thinner than ~10 cm on average)."""
    mp = to_multipolygon(geom)
    if mp.is_empty:
        return mp
    parts = [p for p in mp.geoms if p.area > SLIVER and 2 * p.area / max(p.length, 1e-12) > 1e-6]
    if len(parts) == len(mp.geoms):
        return mp
    return MultiPolygon(parts) if parts else MultiPolygon()


def to_area(obj, extent: tuple[float, float, float, float]) -> tuple[MultiPolygon, bool]:
    """A GeoJSON geometry (dict) or shapely geometry as a valid MultiPolygon on the grid.

    Returns (area, repaired). Raises ValueError with the reason for anything that is not a usable area.
    Invalid rings are repaired with make_valid; a repair that leaves nothing is refused.
    """
    if obj is None:
        raise ValueError("has no geometry")
    if isinstance(obj, dict):
        gtype = obj.get("type")
        if gtype not in ("Polygon", "MultiPolygon", "GeometryCollection"):
            raise ValueError(f"geometry is a {str(gtype)[:30]}; a snapshot holds areas (Polygon or MultiPolygon)")
        try:
            # GEOS's reader is several times faster than building from Python lists (shapely.geometry.shape)
            geom = shapely.from_geojson(orjson.dumps(obj))
        except Exception as e:  # malformed coordinates: GEOSException, orjson errors
            raise ValueError(f"geometry cannot be read: {str(e)[:120] or e.__class__.__name__}") from None
    else:
        geom = obj
    if geom.is_empty:
        return MultiPolygon(), False
    geom = shapely.force_2d(geom)
    if geom.geom_type == "GeometryCollection":
        odd = sorted({g.geom_type for g in geom.geoms if g.geom_type not in ("Polygon", "MultiPolygon")})
        if odd:
            raise ValueError(f"geometry collection holds {', '.join(odd)}; a snapshot holds areas only")
    xy = shapely.get_coordinates(geom)
    if not np.isfinite(xy).all():
        raise ValueError("geometry has a coordinate that is not a finite number")
    minx, miny, maxx, maxy = extent
    bx = geom.bounds
    eps = 1e-9
    if bx[0] < minx - eps or bx[1] < miny - eps or bx[2] > maxx + eps or bx[3] > maxy + eps:
        raise ValueError(f"geometry (bounds {[round(v, 5) for v in bx]}) lies outside the data set's extent "
                         f"{list(extent)} (coordinates are [longitude, latitude])")
    # Onto the storage grid first, as every change is: rounding coordinates is cheap and almost always keeps
    # the geometry valid; when it does not, the full precision reducer (or a repair) takes over.
    snapped = shapely.set_precision(geom, GRID, mode="pointwise")
    if snapped.is_valid:
        return clean(snapped), False
    if geom.is_valid:
        return clean(shapely.set_precision(geom, GRID)), False
    reason = shapely.is_valid_reason(geom)
    geom = to_multipolygon(shapely.make_valid(geom))
    if geom.is_empty or geom.area == 0:
        raise ValueError(f"geometry is invalid ({reason}) and repairing it leaves no area")
    return clean(shapely.set_precision(geom, GRID)), True


def snap(geom: MultiPolygon) -> MultiPolygon:
    return clean(shapely.set_precision(geom, GRID)) if not geom.is_empty else geom


def union(geoms: Iterable[BaseGeometry]) -> MultiPolygon:
    gs = [g for g in geoms if g is not None and not g.is_empty]
    if not gs:
        return MultiPolygon()
    if len(gs) == 1:
        return to_multipolygon(gs[0])
    return clean(shapely.union_all(gs, grid_size=GRID))


def difference(a: MultiPolygon, b: MultiPolygon) -> MultiPolygon:
    if a.is_empty:
        return MultiPolygon()
    if b.is_empty or not a.intersects(b):
        return snap(a)
    return clean(shapely.difference(a, b, grid_size=GRID))


def same_area(a: MultiPolygon, b: MultiPolygon) -> bool:
    if a.is_empty and b.is_empty:
        return True
    if a.is_empty or b.is_empty:
        return False
    sym = shapely.symmetric_difference(a, b, grid_size=GRID).area
    return sym <= max(SAME_ABSOLUTE, SAME_RELATIVE * max(a.area, b.area))


# Area on the WGS 84 ellipsoid: longitude against the authalic "q" of latitude is an equal-area plane
# (the ellipsoidal cylindrical equal-area projection), so a polygon's area there times a^2/2 is its area on
# the ellipsoid, for edges straight in that projection (the short edges of drawn borders: within 0.01% of
# PostGIS's geodesic ST_Area).
_A, _F = 6378137.0, 1 / 298.257223563
_E2 = _F * (2 - _F)
_E = math.sqrt(_E2)


def _q(lat_deg: np.ndarray) -> np.ndarray:
    s = np.sin(np.radians(lat_deg))
    return (1 - _E2) * (s / (1 - _E2 * s * s) - np.log((1 - _E * s) / (1 + _E * s)) / (2 * _E))


def area_km2(geom: BaseGeometry) -> float:
    if geom.is_empty:
        return 0.0
    proj = shapely.transform(geom, lambda xy: np.column_stack([np.radians(xy[:, 0]), _q(xy[:, 1])]))
    return float(proj.area * _A * _A / 2 / 1e6)


# --- reading files ---------------------------------------------------------------------------------------
MiB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """What one import (or one editor upload) may read, so that no file can exhaust the server's memory.

    A GeoJSON sequence is read line by line, so only one line is in memory at a time; a GeoJSON object or a
    KML file is parsed whole, so it is refused above `max_document_bytes` before parsing (a JSON text becomes
    about six times its size in Python objects). Every size counts bytes after decompression, read through
    a reader that stops at the limit (a small .gz can unpack to gigabytes). `frontline import-snapshots`
    has an option for each."""
    max_bytes: int = 256 * MiB            # one file, decompressed
    max_document_bytes: int = 32 * MiB    # one GeoJSON object or KML file parsed whole; one line of a sequence
    # Measured (bench/import_limits.py): 185,000 tiny polygons accepted peaked at 915 MB, too near 1 GB.
    max_features: int = 100_000           # in one import
    max_vertices: int = 5_000_000         # in one import


class SnapshotsTooLarge(TooLarge, ArchiveError):
    """A snapshot file or series over one of the Limits: refused as a whole, nothing stored."""
    code = "snapshots_too_large"


def _mb(n: int) -> str:
    return f"{n / MiB:,.0f} MB" if n >= MiB else f"{n:,} bytes"


class Budget:
    """Features and vertices read so far in one import, against the limits."""

    def __init__(self, limits: Limits):
        self.limits, self.features, self.vertices = limits, 0, 0

    def feature(self, where: str) -> None:
        self.features += 1
        if self.features > self.limits.max_features:
            raise SnapshotsTooLarge(f"{where}: more than {self.limits.max_features:,} features in one import (the limit; "
                                    "--max-features raises it); nothing was stored")

    def add_vertices(self, n: int, where: str) -> None:
        self.vertices += n
        if self.vertices > self.limits.max_vertices:
            raise SnapshotsTooLarge(f"{where}: more than {self.limits.max_vertices:,} vertices in one import (the limit; "
                                    "--max-vertices raises it; simplify the areas first); nothing was stored")


@dataclass
class RawFeature:
    where: str          # "file.geojson: feature 3" (for messages)
    geometry: object    # GeoJSON dict, or a shapely geometry (KML)
    props: dict
    problem: str | None = None   # why the feature cannot be used, found while reading it (e.g. its crs)


def _stem_suffix(path: Path) -> str:
    name = path.name.lower()
    return Path(name[:-3]).suffix if name.endswith(".gz") else path.suffix.lower()


def _file_opener(path: Path) -> Callable[[], BinaryIO]:
    with open(path, "rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
    if gz or path.suffix.lower() == ".gz":
        return lambda: gzip.open(path, "rb")  # decompressed as it is read: never more than asked for
    return lambda: open(path, "rb")


def _read_at_most(stream: BinaryIO, limit: int) -> bytes:
    """Up to limit + 1 bytes (one more than allowed tells that there is more)."""
    out = bytearray()
    while len(out) <= limit:
        chunk = stream.read(min(limit + 1 - len(out), MiB))
        if not chunk:
            break
        out += chunk
    return bytes(out)


def _strip_bom(data: bytes) -> bytes:
    return data[3:] if data.startswith(b"\xef\xbb\xbf") else data


def read_features(path: Path, limits: Limits = Limits()) -> Iterator[RawFeature]:
    """Every feature of one file (GeoJSON, GeoJSON-seq or KML, optionally gzip-compressed), read within
    `limits` (a sequence line by line). Raises ValueError naming what cannot be read, SnapshotsTooLarge
    past a limit."""
    try:
        opener = _file_opener(path)
    except OSError as e:
        raise ValueError(f"cannot be read: {str(e)[:160] or e.__class__.__name__}") from None
    return _features(path.name, opener, _stem_suffix(path), limits)


def features_from_text(name: str, content: str, suffix: str = "", limits: Limits = Limits()) -> list[RawFeature]:
    """Every feature of a GeoJSON, GeoJSON-seq or KML text (the kind told by the suffix, else sniffed)."""
    data = content.encode("utf-8", "surrogatepass")
    return list(_features(name, lambda: io.BytesIO(data), suffix, limits))


def _features(name: str, opener: Callable[[], BinaryIO], suffix: str, limits: Limits) -> Iterator[RawFeature]:
    try:
        with opener() as stream:
            data = _read_at_most(stream, limits.max_document_bytes)
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as e:
        raise ValueError(f"cannot be read: {str(e)[:160] or e.__class__.__name__}") from None
    data = _strip_bom(data)
    head = data[:4096].lstrip(b" \t\r\n")
    if suffix == ".kml" or head.startswith(b"<"):
        if len(data) > limits.max_document_bytes:
            raise SnapshotsTooLarge(f"{name}: is larger than {_mb(limits.max_document_bytes)} (after decompression), the "
                                    "limit for a KML file, which is read whole; split it (or raise --max-document-mb); nothing was stored")
        return iter(_kml_features(name, data))
    whole = len(data) <= limits.max_document_bytes
    if suffix in SEQ_SUFFIXES or head.startswith(b"\x1e"):  # RFC 8142 record separator
        return _seq_features(name, opener, limits)
    if not whole:
        first = data.split(b"\n", 1)[0]
        try:  # one feature per line without the sequence suffix: read line by line
            if isinstance(orjson.loads(first), dict):
                return _seq_features(name, opener, limits)
        except orjson.JSONDecodeError:
            pass
        raise SnapshotsTooLarge(f"{name}: is larger than {_mb(limits.max_document_bytes)} (after decompression), the "
                                "limit for a GeoJSON document, which is read whole; write it as a GeoJSON sequence "
                                "(one feature per line, .geojsonl; e.g. ogr2ogr -f GeoJSONSeq), which is read line by line, "
                                "or raise --max-document-mb; nothing was stored")
    doc = _json_document(data)
    if doc is _SEQUENCE:
        return _seq_features(name, opener, limits)
    return iter(_geojson_features(name, doc))


def _nested_too_deeply(e: Exception) -> bool:
    return any(w in str(e).lower() for w in ("recursion", "depth limit"))


DEPTH_MESSAGE = "is nested too deeply (more than 1,024 levels of arrays or objects; GeoJSON needs at most 6)"


def _json_document(data: bytes):
    try:
        return orjson.loads(data)  # several times faster than json on big coordinate arrays
    except orjson.JSONDecodeError as e:
        if _nested_too_deeply(e):
            raise ValueError(DEPTH_MESSAGE) from None
    try:  # the standard parser says where and what is wrong
        json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise ValueError(f"is not UTF-8 text (byte {e.start})") from None
    except RecursionError:
        raise ValueError(DEPTH_MESSAGE) from None
    except json.JSONDecodeError as e:
        if e.msg == "Extra data":  # one feature per line without the sequence suffix
            return _SEQUENCE
        raise ValueError(f"is not valid JSON (line {e.lineno}: {e.msg})") from None
    raise ValueError("is not valid JSON")  # orjson refused what json accepts (e.g. NaN)


_SEQUENCE = object()


def _lines(name: str, opener, limits: Limits) -> Iterator[tuple[int, bytes]]:
    total = 0
    try:
        with opener() as stream:
            n = 0
            while True:
                line = stream.readline(limits.max_document_bytes + 1)
                if not line:
                    return
                n += 1
                total += len(line)
                if total > limits.max_bytes:
                    raise SnapshotsTooLarge(f"{name}: is larger than {_mb(limits.max_bytes)} (after decompression), the "
                                            "limit for one file (--max-file-mb); nothing was stored")
                if len(line) > limits.max_document_bytes:
                    raise SnapshotsTooLarge(f"{name}: line {n} is longer than {_mb(limits.max_document_bytes)}, the limit for "
                                            "one feature (--max-document-mb); nothing was stored")
                yield n, line
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as e:
        raise ValueError(f"cannot be read: {str(e)[:160] or e.__class__.__name__}") from None


def _crs_problem(crs) -> str | None:
    """Why a GeoJSON `crs` member (GeoJSON 2008) is refused, or None for WGS 84 longitude/latitude. Coordinates
    are not transformed (no projection library): a file in another system is refused, naming it."""
    if crs is None:
        return None
    props = crs.get("properties") if isinstance(crs, dict) else None
    props = props if isinstance(props, dict) else {}
    kind = crs.get("type") if isinstance(crs, dict) else None
    if kind == "name" and isinstance(props.get("name"), str):
        label = props["name"]
        if _WGS84.search(label.strip()):
            return None
    elif kind == "EPSG" and props.get("code") in (4326, "4326"):
        return None
    elif kind == "link":
        label = f"a linked system ({str(props.get('href'))[:80]})"
    else:
        label = str(crs)[:80] if not isinstance(crs, (dict, list)) else f"a {str(kind)[:20]!r} crs member"
    return (f"declares the coordinate reference system {str(label)[:100]!r}; only WGS 84 longitude/latitude "
            "(EPSG:4326, OGC CRS84) is accepted: reproject the file first (e.g. ogr2ogr -t_srs EPSG:4326)")


_WGS84 = re.compile(r"(?:^|[:/])(?:epsg(?::[\d.]*)?:4326|epsg/\d+/4326|ogc(?::[\d.]*)?:crs84|ogc/[\d.]+/crs84|crs84|wgs ?84)$",
                    re.IGNORECASE)


def _feature(name: str, f, i: int) -> RawFeature:
    if not isinstance(f, dict) or f.get("type") != "Feature":
        raise ValueError(f"feature {i} is not a GeoJSON Feature")
    props = f.get("properties")
    if props is not None and not isinstance(props, dict):
        raise ValueError(f"feature {i}: 'properties' is not an object")
    geom = f.get("geometry")
    wrong = _crs_problem(f.get("crs")) or (_crs_problem(geom.get("crs")) if isinstance(geom, dict) else None)
    return RawFeature(f"{name}: feature {i}", geom, props or {}, wrong)


def _geojson_features(name: str, doc, base: int = 0) -> list[RawFeature]:
    if not isinstance(doc, dict):
        raise ValueError("is not a GeoJSON object")
    t = doc.get("type")
    if t in ("FeatureCollection", "Feature", "Polygon", "MultiPolygon", "GeometryCollection"):
        wrong = _crs_problem(doc.get("crs")) if t != "Feature" else None
        if wrong:
            raise ValueError(wrong)
    if t == "FeatureCollection":
        feats = doc.get("features")
        if not isinstance(feats, list):
            raise ValueError("is a FeatureCollection without a 'features' list")
        return [_feature(name, f, base + i) for i, f in enumerate(feats)]
    if t == "Feature":
        return [_feature(name, doc, base)]
    if t in ("Polygon", "MultiPolygon", "GeometryCollection"):
        return [RawFeature(f"{name}: geometry", doc, {})]
    raise ValueError(f"is not GeoJSON (type {str(t)[:30]!r}; expected FeatureCollection or Feature)")


def _seq_features(name: str, opener, limits: Limits) -> Iterator[RawFeature]:
    count = 0
    for n, line in _lines(name, opener, limits):
        line = line.strip().lstrip(b"\x1e").strip()  # RFC 8142 record separators
        if not line:
            continue
        try:
            doc = orjson.loads(line)
        except orjson.JSONDecodeError as e:
            if _nested_too_deeply(e):
                raise ValueError(f"line {n} {DEPTH_MESSAGE}") from None
            raise ValueError(f"line {n} is not valid JSON ({str(e)[:80]})") from None
        feats = _geojson_features(name, doc, base=count)
        count += len(feats)
        yield from feats


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _kml_polygon(el) -> shapely.Polygon:
    def ring(boundary):
        for lr in boundary.iter():
            if _local(lr.tag) == "coordinates":
                pts = []
                for tok in (lr.text or "").split():
                    parts = tok.split(",")
                    if len(parts) < 2:
                        raise ValueError(f"coordinate {tok[:30]!r} is not lon,lat")
                    pts.append((float(parts[0]), float(parts[1])))
                return pts
        return []
    outer, holes = [], []
    for child in el:
        tag = _local(child.tag)
        if tag == "outerBoundaryIs":
            outer = ring(child)
        elif tag == "innerBoundaryIs":
            holes.append(ring(child))
    if len(outer) < 3:
        raise ValueError("polygon has no outer ring of at least 3 positions")
    return shapely.Polygon(outer, [h for h in holes if len(h) >= 3])


def _kml_features(name: str, content: bytes) -> list[RawFeature]:
    from defusedxml import ElementTree as DET  # refuses entity expansion and external references
    from defusedxml.common import DefusedXmlException

    try:
        root = DET.fromstring(content)
    except DefusedXmlException as e:
        raise ValueError(f"is refused as unsafe XML ({e.__class__.__name__})") from None
    except Exception as e:  # xml.etree.ElementTree.ParseError
        raise ValueError(f"is not valid KML/XML ({str(e)[:120]})") from None
    out: list[RawFeature] = []
    for i, pm in enumerate(el for el in root.iter() if _local(el.tag) == "Placemark"):
        where = f"{name}: placemark {i}"
        props: dict = {}
        polys, other = [], []
        for el in pm.iter():
            tag = _local(el.tag)
            if tag == "name" and "name" not in props:
                props["name"] = (el.text or "").strip()
            elif tag == "Data" and el.get("name"):
                v = next((c.text for c in el if _local(c.tag) == "value"), None)
                props[el.get("name")] = (v or "").strip()
            elif tag == "SimpleData" and el.get("name"):
                props[el.get("name")] = (el.text or "").strip()
            elif tag in ("when", "begin") and "_when" not in props:
                props["_when"] = (el.text or "").strip()
            elif tag == "Polygon":
                try:
                    polys.append(_kml_polygon(el))
                except ValueError as e:
                    raise ValueError(f"placemark {i}: {e}") from None
            elif tag in ("Point", "LineString", "Track", "Model"):
                other.append(tag)
        if polys:
            geom = shapely.GeometryCollection(polys) if len(polys) > 1 else polys[0]
        else:  # to_area refuses it, naming the type
            geom = {"type": other[0]} if other else None
        out.append(RawFeature(where, geom, props))
    return out


# --- snapshots -----------------------------------------------------------------------------------------
@dataclass
class Snapshot:
    at: datetime                          # UTC
    source: str                           # the file (and date) it comes from, for messages and notes
    areas: dict[str, MultiPolygon]        # faction slug -> the whole area it holds from `at` on


@dataclass
class Series:
    snapshots: list[Snapshot]
    factions: list[str]                   # every faction the series speaks about
    files: int = 0
    features: int = 0
    repaired: int = 0


@dataclass
class ReadOptions:
    faction: str | None = None
    date_field: str = "date"
    faction_field: str | None = None
    time_of_day: dtime = dtime(0, 0)
    limits: Limits = field(default_factory=Limits)


def _scalar(v) -> str | None:
    """A property's value as a text when it is one (or a number); None for objects and arrays (any depth)."""
    if isinstance(v, str):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v)
    return None


def read_series(source: Path, frame: Frame, opts: ReadOptions, known_factions: Iterable[str],
                progress: Progress | None = None) -> Series:
    """Read a folder of dated files or one file of dated features into snapshots, in time order.

    Every problem is collected (file and feature named) and raised together as ArchiveError.
    """
    source = Path(source)
    known = set(known_factions)
    problems: list[str] = []
    if not opts.faction and not opts.faction_field:
        raise ArchiveError("say whose area the snapshots show: --faction SLUG, or --faction-field NAME when "
                           "each feature names its faction")
    if opts.faction and opts.faction not in known:
        raise ArchiveError(f"unknown faction {opts.faction!r} (--faction); the data set has: {', '.join(sorted(known))}")
    if not source.exists():
        raise ArchiveError(f"{source}: no such file or folder")
    # File and folder names are stored with the imported changes (their notes, the revision's reason): the text rule.
    wrong = text_problem(source.name)
    if wrong is not None:
        raise ArchiveError(f"{storable(source.name)}: the {'folder' if source.is_dir() else 'file'} name {wrong} "
                           "(rename it)")
    by_instant: dict[datetime, dict[str, list[MultiPolygon]]] = {}
    sources: dict[datetime, str] = {}
    name_date = None if source.is_dir() else date_in_name(source.name)
    series = Series([], [])

    def add(at: datetime, faction: str, area: MultiPolygon, src: str):
        by_instant.setdefault(at, {}).setdefault(faction, []).append(area)
        sources.setdefault(at, src)

    budget = Budget(opts.limits)

    def take(rf: RawFeature, at: datetime | None, src: str) -> None:
        budget.feature(rf.where)
        if rf.problem:
            problems.append(f"{rf.where}: {rf.problem}")
            return
        faction = opts.faction
        if opts.faction_field:
            v = rf.props.get(opts.faction_field)
            if v not in (None, ""):
                faction = _scalar(v)
                if faction is None:
                    problems.append(f"{rf.where}: its {opts.faction_field!r} property is not a text naming a faction")
                    return
            elif not faction:
                problems.append(f"{rf.where}: no {opts.faction_field!r} property naming its faction")
                return
        if faction not in known:
            problems.append(f"{rf.where}: unknown faction {str(faction)[:40]!r}; the data set has: {', '.join(sorted(known))}")
            return
        if at is None:
            v = rf.props.get(opts.date_field, rf.props.get("_when"))
            if isinstance(v, (dict, list)):
                problems.append(f"{rf.where}: its {opts.date_field!r} property is not a date")
                return
            if v in (None, "") and name_date is not None:  # one snapshot in one file named with its date
                d, t = name_date
                v = datetime.combine(d, t or opts.time_of_day, frame.tz).isoformat()
            if v in (None, ""):
                problems.append(f"{rf.where}: no {opts.date_field!r} property giving its date (nor a date in the file name)")
                return
            try:
                at = instant_of(v, frame.tz, opts.time_of_day)
            except ValueError as e:
                problems.append(f"{rf.where}: {opts.date_field} {e}")
                return
            if not (frame.start <= at < frame.end):
                problems.append(f"{rf.where}: date {frame.label(at)} is outside the data set's period "
                                f"{frame.label(frame.start)} - {frame.label(frame.end)}")
                return
            src = f"{src} {frame.label(at)}"
        try:
            area, repaired = to_area(rf.geometry, frame.extent)
        except ValueError as e:
            problems.append(f"{rf.where}: {e}")
            return
        budget.add_vertices(int(shapely.get_num_coordinates(area)), rf.where)
        series.features += 1
        series.repaired += repaired
        add(at, faction, area, src)

    if source.is_dir():
        files = sorted(p for p in source.iterdir() if p.is_file() and not p.name.startswith(".")
                       and _stem_suffix(p) in SNAPSHOT_SUFFIXES)
        if not files:
            raise ArchiveError(f"{source}: no snapshot files ({', '.join(SNAPSHOT_SUFFIXES)}, optionally .gz) in this folder")
        seen: dict[datetime, str] = {}
        for n, p in enumerate(files):
            if progress:
                progress("reading", n, len(files))
            wrong = text_problem(p.name)
            if wrong is not None:
                problems.append(f"{storable(p.name)}: the file name {wrong} (rename the file)")
                continue
            found = date_in_name(p.name)
            if found is None:
                problems.append(f"{p.name}: no date in the file name (name files YYYYMMDD or YYYY-MM-DD, e.g. 2024-11-30.geojson)")
                continue
            d, t = found
            at = datetime.combine(d, t or opts.time_of_day, frame.tz).astimezone(timezone.utc)
            if not (frame.start <= at < frame.end):
                problems.append(f"{p.name}: date {frame.label(at)} is outside the data set's period "
                                f"{frame.label(frame.start)} - {frame.label(frame.end)}")
                continue
            if at in seen:
                problems.append(f"{p.name}: same instant as {seen[at]} ({frame.label(at)})")
                continue
            seen[at] = p.name
            try:
                for rf in read_features(p, opts.limits):
                    take(rf, at, p.name)
                    if len(problems) > MAX_PROBLEMS:
                        break
            except ValueError as e:
                problems.append(f"{p.name}: {e}")
                continue
            series.files += 1
            by_instant.setdefault(at, {})
            sources[at] = p.name
            if len(problems) > MAX_PROBLEMS:
                break
    else:
        if progress:
            progress("reading", 0, 1)
        try:
            for rf in read_features(source, opts.limits):  # a sequence streams: one line at a time
                take(rf, None, source.name)
                if len(problems) > MAX_PROBLEMS:
                    break
        except ValueError as e:
            raise ArchiveError(f"{source.name}: {e}") from None
        series.files = 1
    if progress:
        progress("reading", 1, 1)
    if problems:
        more = "\n... and more" if len(problems) > MAX_PROBLEMS else ""
        raise ArchiveError(f"{len(problems)} problem(s) in the snapshots; nothing was imported:\n"
                           + "\n".join(problems[:MAX_PROBLEMS]) + more, problems=problems[:MAX_PROBLEMS])
    if not by_instant:
        raise ArchiveError(f"{source.name}: no snapshots (no features)")
    factions = sorted({f for fs in by_instant.values() for f in fs})
    for at in sorted(by_instant):
        areas = {f: union(by_instant[at].get(f, [])) for f in factions}
        snap = Snapshot(at, sources[at], areas)
        problems += overlapping_factions(snap)
        series.snapshots.append(snap)
    if problems:
        raise ArchiveError("the snapshots give one area to several factions; nothing was imported:\n"
                           + "\n".join(problems[:MAX_PROBLEMS]), problems=problems[:MAX_PROBLEMS])
    series.factions = factions
    return series


def overlapping_factions(snap: Snapshot) -> list[str]:
    out = []
    items = [(f, a) for f, a in snap.areas.items() if not a.is_empty]
    for i, (fa, a) in enumerate(items):
        for fb, b in items[i + 1:]:
            if a.intersects(b):
                common = shapely.intersection(a, b, grid_size=GRID).area
                if common > max(SAME_ABSOLUTE, SAME_RELATIVE * min(a.area, b.area)):
                    out.append(f"{snap.source}: {fa} and {fb} both hold {area_km2(shapely.intersection(a, b)):,.3f} km2")
    return out


# --- from snapshots to changes (pure) ------------------------------------------------------------------
@dataclass
class PlannedChange:
    at: datetime
    faction: str
    geom: MultiPolygon
    kind: str                    # "gain": a faction's new area; "rest": area lost that nobody in the snapshot gained
    source: str
    lost_by: list[str] = field(default_factory=list)
    area_km2: float = 0.0


@dataclass
class Step:
    snapshot: Snapshot
    changes: list[PlannedChange]


def diff_step(prev: dict[str, MultiPolygon], snap: Snapshot, remainder: str) -> list[PlannedChange]:
    """The changes that turn `prev` (faction -> area just before) into the snapshot, for its factions."""
    out: list[PlannedChange] = []
    lost_parts, lost_by = [], []
    for f in sorted(snap.areas):
        now, before = snap.areas[f], prev.get(f, MultiPolygon())
        if now is before or (now.is_empty and before.is_empty) or (
                not now.is_empty and not before.is_empty and now.equals_exact(before, 0)):
            continue  # identical: the common case of a day without movement
        gained = difference(now, before)
        if not gained.is_empty:
            out.append(PlannedChange(snap.at, f, gained, "gain", snap.source))
        lost = difference(before, now)
        if not lost.is_empty:
            lost_parts.append(lost)
            lost_by.append(f)
    if lost_parts:
        # Lost area that another faction of this snapshot holds went to it (its gain covers it).
        rest = difference(union(lost_parts), union(snap.areas.values()))
        if not rest.is_empty:
            out.append(PlannedChange(snap.at, remainder, rest, "rest", snap.source, lost_by))
    for c in out:
        c.area_km2 = area_km2(c.geom)
    return out


def plan(snapshots: list[Snapshot], before: dict[str, MultiPolygon], remainder: str,
         progress: Progress | None = None) -> list[Step]:
    """Changes for every snapshot: the first against `before` (the map at its instant), then each against
    the one before it. Identical consecutive snapshots give no change."""
    steps = []
    prev = {f: before.get(f, MultiPolygon()) for f in (snapshots[0].areas if snapshots else {})}
    for i, snap in enumerate(snapshots):
        if progress:
            progress("comparing", i, len(snapshots))
        steps.append(Step(snap, diff_step(prev, snap, remainder)))
        prev = snap.areas
    if progress:
        progress("comparing", len(snapshots), len(snapshots))
    return steps


@dataclass(frozen=True)
class Place:
    name_en: str
    name_ar: str
    rank: int
    lon: float
    lat: float


def places_in(geom: BaseGeometry, places: list[Place], limit: int = 4) -> tuple[list[Place], int]:
    """The most important gazetteer places inside an area (by rank), and how many there are in all."""
    if not places or geom.is_empty:
        return [], 0
    xs = np.fromiter((p.lon for p in places), float, len(places))
    ys = np.fromiter((p.lat for p in places), float, len(places))
    inside = shapely.contains_xy(geom, xs, ys)
    hit = sorted((p for p, ok in zip(places, inside) if ok), key=lambda p: (p.rank, p.name_en))
    return hit[:limit], len(hit)


def _names(items: list[str], more: int, lang: str) -> str:
    if lang == "ar":
        s = "، ".join(items)
        return s + (f" و{more} أماكن أخرى" if more else "")
    if more:
        return ", ".join(items) + f" and {more} other place{'s' if more > 1 else ''}"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def summarise(c: PlannedChange, names: dict[str, tuple[str, str]], places: list[Place], frame: Frame) -> tuple[str, str]:
    """Generated English and Arabic summaries: what changed, km2, and the gazetteer places in it."""
    when = frame.label(c.at)
    km2 = f"{c.area_km2:,.1f}" if c.area_km2 >= 0.1 else f"{c.area_km2:,.3f}"
    top, total = places_in(c.geom, places)
    en_f, ar_f = names.get(c.faction, (c.faction, c.faction))
    if c.kind == "gain":
        en = f"Snapshot of {when}: {en_f} holds {km2} km² more"
        ar = f"لقطة {when}: {ar_f} يسيطر على {km2} كم² إضافية"
    else:
        lost_en = _names([names.get(f, (f, f))[0] for f in c.lost_by], 0, "en")
        lost_ar = _names([names.get(f, (f, f))[1] for f in c.lost_by], 0, "ar")
        en = f"Snapshot of {when}: {km2} km² no longer held by {lost_en} pass to {en_f}"
        ar = f"لقطة {when}: {km2} كم² لم تعد بيد {lost_ar} تنتقل إلى {ar_f}"
    if top:
        en += ", including " + _names([p.name_en or p.name_ar for p in top], total - len(top), "en")
        ar += "، منها " + _names([p.name_ar or p.name_en for p in top], total - len(top), "ar")
    return en + ".", ar + "."


# --- the database side -----------------------------------------------------------------------------------
def _faction_names(session: Session) -> dict[str, tuple[str, str]]:
    return {r["slug"]: (r["name_en"], r["name_ar"]) for r in datasets.factions(session)}


def _colors(session: Session) -> dict[str, str]:
    return {r["slug"]: r["color"] for r in datasets.factions(session)}


def _places(session: Session) -> list[Place]:
    return [Place(r["name_en"], r["name_ar"], r["rank"], r["lon"], r["lat"]) for r in datasets.places(session)]


def frame_of(session: Session) -> Frame:
    r = datasets.row(session)
    if r is None:
        raise ArchiveError("no data set is loaded; run `frontline load DIR` first (or `frontline dataset init DIR ...`)")
    # A war going on takes snapshots up to now (its editors' rule: app/usecases/changes.py, check_period).
    from app.usecases.changes import CLOCK_SKEW

    end = r["ended_at"] if r["ended_at"] is not None else datetime.now(timezone.utc) + CLOCK_SKEW
    return Frame(r["start_at"], end, (r["x0"], r["y0"], r["x1"], r["y1"]), r["utc_offset_minutes"], r["tz_label"])


def map_at(session: Session, at: datetime, factions: Iterable[str] | None = None) -> dict[str, MultiPolygon]:
    """The map at an instant (faction -> area; only `factions` when given) in the current revision, built as
    the public snapshot builds it: the stored pieces valid then, dissolved per faction, at full precision so
    that comparisons are exact."""
    from app.domain.dissolve import union_pieces

    rev = queries.current_revision(session)
    keep = None if factions is None else set(factions)
    pieces: dict[str, list[bytes]] = {}
    for r in session.execute(queries.PIECES_AT, {"at": at, "rev": rev}).mappings():
        if keep is None or r["faction"] in keep:
            pieces.setdefault(r["faction"], []).append(bytes(r["wkb"]))
    out = {f: to_multipolygon(union_pieces(list(shapely.from_wkb(w)))) for f, w in pieces.items()}
    return {f: g for f, g in out.items() if not g.is_empty}


@dataclass
class ImportOptions(ReadOptions):
    remainder: str = ""
    report: str = ""
    confidence: str = "confirmed"
    dry_run: bool = False


@dataclass
class ImportSummary:
    snapshots: int = 0
    files: int = 0
    features: int = 0
    repaired: int = 0
    changes: int = 0
    km2_moved: float = 0.0
    already: int = 0          # snapshots the map already showed (an earlier import of the same series)
    identical: int = 0        # snapshots identical to the one before
    seconds: float = 0.0
    revision: int | None = None
    dry_run: bool = False
    first: datetime | None = None
    last: datetime | None = None

    def lines(self, frame: Frame | None = None) -> list[str]:
        span = f" ({frame.label(self.first)} - {frame.label(self.last)})" if frame and self.first else ""
        out = [f"snapshots read: {self.snapshots} from {self.files} file(s), {self.features} feature(s){span}",
               f"geometries repaired (make_valid): {self.repaired}",
               f"changes {'that would be made' if self.dry_run else 'made'}: {self.changes}, "
               f"{self.km2_moved:,.1f} km² moved",
               f"snapshots already on the map: {self.already}; identical to the previous one: {self.identical}"]
        if self.dry_run:
            out.append("dry run: nothing was stored")
        elif self.revision is not None:
            out.append(f"stored as revision {self.revision} (one revision for the whole import)")
        else:
            out.append("nothing to store: the map already matches every snapshot")
        out.append(f"time: {self.seconds:.1f} s")
        return out


def import_snapshots(session: Session, source: Path, opts: ImportOptions, progress: Progress | None = None, *,
                     readers: Readers | None) -> ImportSummary:
    """Import a snapshot series as one revision, all or nothing. Publishes it and tells `readers` (or rolls back
    for a dry run)."""
    t0 = time.monotonic()
    frame = frame_of(session)
    factions = _faction_names(session)
    if opts.remainder not in factions:
        raise ArchiveError(f"unknown faction {opts.remainder!r} (--remainder); the data set has: {', '.join(factions)}")
    report_id = reports.id_by_key(session, opts.report)
    if report_id is None:
        raise ArchiveError(f"unknown report {opts.report!r} (--report); add it to reports.json or in the editor first")
    if opts.confidence not in ("confirmed", "claimed", "inferred"):
        raise ArchiveError("--confidence must be 'confirmed', 'claimed' or 'inferred'")
    series = read_series(source, frame, opts, factions, progress)
    snaps = series.snapshots
    summary = ImportSummary(snapshots=len(snaps), files=series.files, features=series.features,
                            repaired=series.repaired, dry_run=opts.dry_run, first=snaps[0].at, last=snaps[-1].at)

    queries.lock_writes(session)  # the map read below must stay the map we write against
    before = map_at(session, snaps[0].at, series.factions)
    steps = plan(snaps, before, opts.remainder, progress)
    # Idempotence: leading snapshots the map already shows (an earlier import of this series, or of its
    # first part) are skipped; from the first snapshot that differs on, every step is kept.
    leading = True
    for i, step in enumerate(steps):
        if not step.changes:
            if i == 0:
                summary.already += 1
            else:
                summary.identical += 1
            continue
        if leading:
            shown = before if i == 0 else map_at(session, step.snapshot.at, step.snapshot.areas)
            if all(same_area(a, shown.get(f, MultiPolygon())) for f, a in step.snapshot.areas.items()):
                summary.already += 1
                step.changes = []
                continue
            leading = False
    changes = [c for s in steps for c in s.changes]
    summary.changes = len(changes)
    summary.km2_moved = sum(c.area_km2 for c in changes)
    if opts.dry_run or not changes:
        session.rollback()
        summary.seconds = time.monotonic() - t0
        return summary

    rev = write_changes(session, changes, kind="import", reason=f"import snapshots from {Path(source).name}",
                        details={"source": Path(source).name, "snapshots": len(snaps), "changes": len(changes),
                                 "report": opts.report, "km2_moved": round(summary.km2_moved, 3),
                                 "from": snaps[0].at.isoformat(), "to": snaps[-1].at.isoformat()},
                        report_ids=[report_id], confidence=opts.confidence, names=factions, frame=frame, progress=progress,
                        readers=readers)
    summary.revision = rev
    summary.seconds = time.monotonic() - t0
    return summary


def write_changes(session: Session, changes: list[PlannedChange], *, kind: str, reason: str, details: dict,
                  report_ids: list[int], confidence: str, names: dict[str, tuple[str, str]], frame: Frame,
                  readers: Readers | None, author_id: int | None = None, progress: Progress | None = None) -> int:
    """Store planned changes as one revision through the services (summaries generated here), recompute the
    zones once from the earliest change, check invariant 1, publish and tell `readers`. The caller holds the
    write lock."""
    from app.usecases import changes as services

    places = _places(session)
    rev = changes_store.new_revision(session, kind=kind, reason=reason[:500], author_id=author_id, details=details)
    for n, c in enumerate(changes):
        if progress:
            progress("writing", n, len(changes))
        # Generated from stored names: any text stored before the text rule is not copied on.
        en, ar = (storable(x) for x in summarise(c, names, places, frame))
        data = services.ChangeInput(faction=c.faction, at=c.at, geometry=mapping(c.geom), confidence=confidence,
                                    report_ids=report_ids, note=f"imported from {c.source}", summary_en=en, summary_ar=ar)
        services.insert_change(session, data, c.geom, rev)
    if progress:
        progress("writing", len(changes), len(changes))
        progress("recomputing the zones", 0, 1)
    # Only the cells the imported changes cover are refolded (the rest of the map cannot change).
    services.recompute_from(session, min(c.at for c in changes), rev, area=shapely.union_all([c.geom for c in changes]))
    overlaps = services.check_overlaps(session, rev)
    if overlaps:  # cannot happen by construction; refuse rather than publish a broken map
        session.rollback()
        raise ArchiveError(f"the import would make zones overlap: {overlaps[:3]}")
    if progress:
        progress("recomputing the zones", 1, 1)
    from app.usecases import webhooks
    webhooks.enqueue_for_revision(session, rev)  # same transaction: subscribers hear of the import once it is published
    publish(session, rev, readers)
    return rev


# --- export ----------------------------------------------------------------------------------------------
def export_name(at: datetime, frame: Frame, time_of_day: dtime, suffix: str) -> str:
    """A file name import-snapshots reads back: the local date, and the local time when not --time."""
    lt = frame.local(at)
    if lt.time() == time_of_day:
        return f"{lt:%Y-%m-%d}{suffix}"
    return f"{lt:%Y-%m-%dT%H%M}{suffix}" if lt.second == 0 else f"{lt:%Y-%m-%dT%H%M%S}{suffix}"


def geojson_text(areas: dict[str, MultiPolygon], at: datetime, frame: Frame) -> str:
    stamp = frame.local(at).isoformat()
    feats = [json.dumps({"type": "Feature", "properties": {"faction": f, "date": stamp, "area_km2": round(area_km2(g), 3)},
                         "geometry": mapping(shapely.set_precision(g, GRID))}, separators=(",", ":"))
             for f, g in areas.items() if not g.is_empty]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(feats) + "\n]}\n"


def kml_text(areas: dict[str, MultiPolygon], at: datetime, frame: Frame, colors: dict[str, str]) -> str:
    from xml.sax.saxutils import escape, quoteattr

    stamp = frame.local(at).isoformat()

    def coords(ring) -> str:
        return " ".join(f"{x:.7f},{y:.7f}" for x, y in ring.coords)
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>',
           f"<name>{escape(frame.label(at))}</name>"]
    for f, g in areas.items():
        if g.is_empty:
            continue
        c = (colors.get(f) or "#999999").lstrip("#")
        out.append(f"<Placemark><name>{escape(f)}</name><TimeStamp><when>{stamp}</when></TimeStamp>"
                   f"<Style><PolyStyle><color>80{c[4:6]}{c[2:4]}{c[0:2]}</color></PolyStyle></Style>"
                   f"<ExtendedData><Data name={quoteattr('faction')}><value>{escape(f)}</value></Data>"
                   f"<Data name=\"date\"><value>{stamp}</value></Data></ExtendedData><MultiGeometry>")
        for p in shapely.set_precision(g, GRID).geoms:
            out.append("<Polygon><outerBoundaryIs><LinearRing><coordinates>" + coords(p.exterior)
                       + "</coordinates></LinearRing></outerBoundaryIs>"
                       + "".join("<innerBoundaryIs><LinearRing><coordinates>" + coords(h)
                                 + "</coordinates></LinearRing></innerBoundaryIs>" for h in p.interiors) + "</Polygon>")
        out.append("</MultiGeometry></Placemark>")
    out.append("</Document></kml>")
    return "\n".join(out) + "\n"


@dataclass
class ExportSummary:
    written: list[Path]
    skipped_empty: int
    seconds: float


def export_instants(session: Session, frame: Frame, every: str, t_from: datetime, t_to: datetime,
                    time_of_day: dtime) -> list[datetime]:
    if every == "change":
        return changes_store.active_instants(session, t_from, t_to)
    out = []
    d = frame.local(t_from).date()
    while True:
        at = datetime.combine(d, time_of_day, frame.tz).astimezone(timezone.utc)
        if at > t_to:
            break
        if at >= t_from:
            out.append(at)
        d += timedelta(days=1)
    return out


def export_snapshots(session: Session, out_dir: Path, *, every: str = "day", t_from: datetime | None = None,
                     t_to: datetime | None = None, fmt: str = "geojson", time_of_day: dtime = dtime(0, 0),
                     progress: Progress | None = None) -> ExportSummary:
    """One dated file per step (every day at --time, or at every change instant) that import-snapshots
    reads back with `--faction-field faction`."""
    t0 = time.monotonic()
    if every not in ("day", "change"):
        raise BadInput("--every must be 'day' or 'change'")
    if fmt not in ("geojson", "kml"):
        raise BadInput("--format must be 'geojson' or 'kml'")
    frame = frame_of(session)
    t_from = max(t_from or frame.start, frame.start)
    last = frame.end - timedelta(microseconds=1)
    t_to = min(t_to or last, last)
    if t_from > t_to:
        raise BadInput(f"--from {frame.label(t_from)} is after --to {frame.label(t_to)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    colors = _colors(session)
    instants = export_instants(session, frame, every, t_from, t_to, time_of_day)
    written, skipped = [], 0
    for n, at in enumerate(instants):
        if progress:
            progress("exporting", n, len(instants))
        areas = map_at(session, at)
        if not any(not g.is_empty for g in areas.values()):
            skipped += 1  # nothing held yet: a file saying so would hand everything to the remainder
            continue
        p = out_dir / export_name(at, frame, time_of_day, ".kml" if fmt == "kml" else ".geojson")
        p.write_text(kml_text(areas, at, frame, colors) if fmt == "kml" else geojson_text(areas, at, frame), encoding="utf-8")
        written.append(p)
    if progress:
        progress("exporting", len(instants), len(instants))
    return ExportSummary(written, skipped, time.monotonic() - t0)


# --- one snapshot uploaded in the editor -----------------------------------------------------------------
@dataclass
class Upload:
    """An editor's upload: a GeoJSON/KML text, how its features map to factions, and the instant."""
    content: str
    filename: str
    at: datetime
    remainder: str
    faction: str | None = None           # every feature is this faction's ...
    faction_field: str | None = None     # ... or the value of this property, through `assign`
    assign: dict[str, str] = field(default_factory=dict)   # property value -> faction slug ("" = leave out)
    report_ids: list[int] = field(default_factory=list)
    confidence: str = "confirmed"
    note: str = ""


# An upload travels in one request body (FRONTLINE_MAX_BODY_BYTES caps it first); these bound what it may hold.
UPLOAD_LIMITS = Limits(max_features=50_000, max_vertices=2_000_000)


def _upload_features(filename: str, content: str) -> list[RawFeature]:
    try:
        feats = features_from_text(filename, content, _stem_suffix(Path(filename or "upload")), UPLOAD_LIMITS)
    except ValueError as e:
        raise ArchiveError(f"{filename}: {e}") from None
    budget = Budget(UPLOAD_LIMITS)
    for rf in feats:
        budget.feature(rf.where)
    return feats


def inspect_upload(content: str, filename: str) -> dict:
    """What a file holds, for mapping its features to factions: feature count and each property's values."""
    feats = _upload_features(filename, content)
    wrong = [f"{rf.where}: {rf.problem}" for rf in feats if rf.problem]
    if wrong:
        raise ArchiveError(f"{len(wrong)} problem(s) in the file:\n" + "\n".join(wrong[:MAX_PROBLEMS]), problems=wrong[:MAX_PROBLEMS])
    props: dict[str, list[str]] = {}
    for rf in feats:
        for k, v in rf.props.items():
            if k.startswith("_") or isinstance(v, (dict, list)) or v in (None, ""):
                continue
            vals = props.setdefault(k, [])
            if str(v) not in vals and len(vals) < 50:
                vals.append(str(v))
    return {"features": len(feats), "properties": props}


def upload_context(session: Session) -> dict:
    frame = frame_of(session)
    factions = [{"slug": r["slug"], "name_en": r["name_en"], "name_ar": r["name_ar"], "color": r["color"]}
                for r in datasets.factions(session)]
    return {"revision": queries.current_revision(session), "factions": factions,
            "utc_offset_minutes": frame.offset_minutes, "tz_label": frame.tz_label,
            "start": frame.start.isoformat(), "end": frame.end.isoformat()}


def _plan_upload(session: Session, up: Upload) -> tuple[Frame, dict, list[PlannedChange], Snapshot, dict]:
    frame = frame_of(session)
    factions = _faction_names(session)
    if up.remainder not in factions:
        raise ArchiveError(f"unknown faction {up.remainder!r} for the area nobody in the file takes")
    if not (frame.start <= up.at < frame.end):
        raise ArchiveError(f"the instant {frame.label(up.at)} is outside the data set's period "
                           f"{frame.label(frame.start)} - {frame.label(frame.end)}")
    if up.confidence not in ("confirmed", "claimed", "inferred"):
        raise ArchiveError("confidence must be 'confirmed' or 'claimed'")
    feats = _upload_features(up.filename, up.content)
    budget = Budget(UPLOAD_LIMITS)
    problems, areas, counts = [], {}, {"features": len(feats), "used": 0, "left_out": 0, "repaired": 0}
    for rf in feats:
        if rf.problem:
            problems.append(f"{rf.where}: {rf.problem}")
            continue
        faction = up.faction
        if up.faction_field:
            faction = up.assign.get(_scalar(rf.props.get(up.faction_field, "")) or "", "")
        if not faction:
            counts["left_out"] += 1
            continue
        if faction not in factions:
            problems.append(f"{rf.where}: unknown faction {str(faction)[:40]!r}")
            continue
        try:
            area, repaired = to_area(rf.geometry, frame.extent)
        except ValueError as e:
            problems.append(f"{rf.where}: {e}")
            continue
        budget.add_vertices(int(shapely.get_num_coordinates(area)), rf.where)
        counts["used"] += 1
        counts["repaired"] += repaired
        areas.setdefault(faction, []).append(area)
    if problems:
        raise ArchiveError(f"{len(problems)} problem(s) in the file; nothing was saved:\n" + "\n".join(problems[:MAX_PROBLEMS]),
                           problems=problems[:MAX_PROBLEMS])
    if not areas:
        raise ArchiveError("no feature is mapped to a faction: choose the faction, or map the values of a property")
    snap = Snapshot(up.at, up.filename, {f: union(gs) for f, gs in areas.items()})
    overlaps = overlapping_factions(snap)
    if overlaps:
        raise ArchiveError("the file gives one area to several factions:\n" + "\n".join(overlaps))
    changes = diff_step(map_at(session, up.at), snap, up.remainder)
    return frame, factions, changes, snap, counts


def _change_json(c: PlannedChange, names, places, frame) -> dict:
    en, _ = summarise(c, names, places, frame)
    return {"faction": c.faction, "kind": c.kind, "area_km2": round(c.area_km2, 3), "summary_en": en,
            "geometry": mapping(shapely.set_precision(c.geom, 1e-5))}


def preview_upload(session: Session, up: Upload) -> dict:
    """The changes an upload would make at its instant (with km2 and generated summaries); nothing stored."""
    frame, names, changes, snap, counts = _plan_upload(session, up)
    places = _places(session)
    session.rollback()
    return {"at": up.at.isoformat(), **counts, "km2_moved": round(sum(c.area_km2 for c in changes), 3),
            "changes": [_change_json(c, names, places, frame) for c in changes]}


def save_upload(session: Session, up: Upload, *, base_revision: int, author_id: int, readers: Readers | None) -> dict:
    """Save an upload's changes as one revision (kind 'change': revertible from the history like any edit),
    publish it and tell `readers`."""
    from app.domain.errors import Conflict

    if not up.report_ids:
        raise ArchiveError("cite at least one report")
    found = reports.existing_ids(session, up.report_ids)
    missing = [i for i in up.report_ids if i not in found]
    if missing:
        raise ArchiveError(f"unknown report id(s): {missing[:10]}")
    queries.lock_writes(session)
    current = queries.current_revision(session)
    if base_revision != current:
        raise Conflict(f"the map changed since you loaded it (you edited revision {base_revision}, the current one is "
                       f"{current}); reload and upload again", base_revision=base_revision, current_revision=current)
    frame, names, changes, snap, counts = _plan_upload(session, up)
    if not changes:
        raise ArchiveError("the map already shows this snapshot at that instant: nothing to save")
    rev = write_changes(session, changes, kind="change",
                        reason=up.note or f"upload of snapshot {up.filename} at {frame.label(up.at)}",
                        details={"upload": up.filename[:200], "at": up.at.isoformat(), "changes": len(changes)},
                        report_ids=list(dict.fromkeys(up.report_ids)), confidence=up.confidence, names=names, frame=frame,
                        author_id=author_id, readers=readers)
    return {"revision": rev, "changes": len(changes), "km2_moved": round(sum(c.area_km2 for c in changes), 3)}
