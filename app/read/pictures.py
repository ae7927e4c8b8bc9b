"""Server-side pictures of the map: a PNG at an instant, a GIF or MP4 of the period (Pillow; no browser).

Everything is drawn from the data: the zones of a revision, the base geography Frontline ships (borders,
governorates, the Euphrates, major places, Arabic shaped and right-to-left), a legend with km2, the instant
in local time with its zone, the title, and the attribution and sources line. Work per request is bounded
(size, frame count); results are cached per revision and parameters by the caller.
"""
from __future__ import annotations

import functools
import io
import json
import math
import subprocess
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from PIL import Image, ImageDraw, ImageFont

from app.domain.errors import BadInput
from app.domain.text import REPLACEMENT, storable
from app.domain.times import zoned
from app.read.basemap import ATTRIBUTION, BASE, LAYERS

MAX_SIDE = 2000
MIN_SIDE = 200
MAX_FRAMES = 120
FONT_PATHS = ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans.ttf"]
BOLD_PATHS = ["/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"]
MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MONTHS_AR = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"]


@functools.lru_cache(maxsize=16)
def font(size: int, bold: bool = False):
    for p in (BOLD_PATHS if bold else FONT_PATHS):
        if Path(p).exists():
            return ImageFont.truetype(p, size, layout_engine=ImageFont.Layout.BASIC)
    return ImageFont.load_default(size)


def shape_text(s: str) -> str:
    """Arabic letters joined (presentation forms) and in visual order, for a renderer without shaping."""
    if not any("\u0600" <= ch <= "\u06ff" for ch in s):
        return s
    import unicodedata

    import arabic_reshaper
    from bidi.algorithm import get_display

    # python-bidi fails on a character with no bidirectional class (unassigned, a noncharacter): such a character in
    # a stored name (from before the text rule, or merely newer than this Python's Unicode) shows as U+FFFD instead.
    s = "".join(ch if unicodedata.bidirectional(ch) else REPLACEMENT for ch in storable(s))
    return get_display(arabic_reshaper.reshape(s))


class Projection:
    """Web Mercator fitted to a bbox inside width x height (what a web map shows)."""

    def __init__(self, bbox, width, height, pad=0.04):
        x0, y0 = self._merc(bbox[0], bbox[1])
        x1, y1 = self._merc(bbox[2], bbox[3])
        w, h = (x1 - x0) * (1 + 2 * pad), (y1 - y0) * (1 + 2 * pad)
        self.scale = min(width / w, height / h)
        self.cx, self.cy = (x0 + x1) / 2, (y0 + y1) / 2
        self.w, self.h = width, height

    @classmethod
    def from_view(cls, lat: float, lon: float, zoom: float, width: int, height: int) -> "Projection":
        """What a web map of this size shows at centre (lat, lon) and zoom (256 px tiles): the viewer's view."""
        self = cls.__new__(cls)
        self.scale = 256 * 2 ** zoom / (2 * math.pi)
        self.cx, self.cy = cls._merc(lon, lat)
        self.w, self.h = width, height
        return self

    @staticmethod
    def _merc(lon, lat):
        return math.radians(lon), math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    def __call__(self, lon, lat):
        x, y = self._merc(lon, lat)
        return (self.w / 2 + (x - self.cx) * self.scale, self.h / 2 - (y - self.cy) * self.scale)


def _rings(geom: dict):
    t = geom["type"]
    if t == "Polygon":
        yield geom["coordinates"]
    elif t == "MultiPolygon":
        yield from geom["coordinates"]
    elif t == "GeometryCollection":
        for g in geom["geometries"]:
            yield from _rings(g)


def _lines(geom: dict):
    for poly in _rings(geom):
        yield from poly


ON_EDGE_DEG = 1e-6
UNMAPPED = (125, 125, 125)


def _off_edge(ring, extent) -> list[list]:
    """The runs of a zone's ring that do not lie on the data set's extent: a zone's edge there is the edge of
    what is mapped, not a front, and is not drawn as one."""
    x0, y0, x1, y1 = extent

    def on_edge(a, b):
        return any(abs(a[i] - v) < ON_EDGE_DEG and abs(b[i] - v) < ON_EDGE_DEG for i, v in ((0, x0), (0, x1), (1, y0), (1, y1)))
    runs, cur = [], []
    for a, b in zip(ring, ring[1:]):
        if on_edge(a, b):
            if len(cur) > 1:
                runs.append(cur)
            cur = []
            continue
        if not cur:
            cur = [a]
        cur.append(b)
    if len(cur) > 1:
        runs.append(cur)
    return runs


def _unmapped(img: Image.Image, proj: "Projection", extent) -> None:
    """Grey over everything outside the data set's extent (nothing is mapped there), edged with a thin dashed
    grey line, never a faction's colour."""
    ax, ay = proj(extent[0], extent[3])
    bx, by = proj(extent[2], extent[1])
    mask = Image.new("L", img.size, 255)
    ImageDraw.Draw(mask).rectangle([ax, ay, bx, by], fill=0)
    veil = Image.new("RGBA", img.size, UNMAPPED + (120,))
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    layer.paste(veil, (0, 0), mask)
    img.alpha_composite(layer)
    d = ImageDraw.Draw(img)
    for (px, py), (qx, qy) in (((ax, ay), (bx, ay)), ((bx, ay), (bx, by)), ((bx, by), (ax, by)), ((ax, by), (ax, ay))):
        n = max(1, int(math.hypot(qx - px, qy - py) // 8))
        for i in range(0, n, 2):
            d.line([(px + (qx - px) * i / n, py + (qy - py) * i / n),
                    (px + (qx - px) * (i + 1) / n, py + (qy - py) * (i + 1) / n)], fill=(90, 90, 90, 255), width=1)


@functools.lru_cache(maxsize=1)
def _base() -> dict:
    out = {}
    for name, file in LAYERS.items():
        out[name] = json.loads((BASE / file).resolve().read_text(encoding="utf-8"))
    return out


def _hex(c: str, a: int = 255):
    c = c.lstrip("#")
    return (int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16), a)


def local_label(t: datetime, offset_minutes: int, tz_label: str, lang: str, time_zone: str | None = None) -> str:
    lt, tz_label = zoned(t, {"utc_offset_minutes": offset_minutes, "tz_label": tz_label, "time_zone": time_zone})
    if lang == "ar":
        return shape_text(f"{lt.day} {MONTHS_AR[lt.month - 1]} {lt.year}، {lt:%H:%M}") + f"  ({tz_label})"
    return f"{lt.day} {MONTHS_EN[lt.month - 1]} {lt.year}, {lt:%H:%M} {tz_label}"


class Frame:
    """What one picture shows: zones at an instant (+ the areas gained at that step)."""

    def __init__(self, timeline: dict, at: datetime, factions: frozenset | None = None):
        self.at = at
        iso = at.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
        shown = (lambda slug: slug in factions) if factions is not None else (lambda slug: True)
        # Hidden factions (the reader unticked them) are left out of the zones, the highlights and the legend.
        self.zones = [z for z in timeline["zones"]
                      if z["from"] <= iso and (z["to"] is None or iso < z["to"]) and shown(z["faction"])]
        self.changes = [c for c in timeline["changes"]
                        if c["at"] == self._step_instant(timeline, iso) and shown(c["faction"])]

    @staticmethod
    def _step_instant(tl, iso):
        past = [i for i in tl["instants"] if i <= iso]
        return past[-1] if past else None


def _fill_polygon(layer: Image.Image, rings: list[list[tuple]], fill: tuple) -> None:
    """One polygon with its holes, through a mask of its own: a hole shows what lies under it (another
    faction's enclave, drawn before or after), where cutting the hole into the shared layer would erase it."""
    xs = [x for x, _ in rings[0]]
    ys = [y for _, y in rings[0]]
    x0, y0 = max(0, int(math.floor(min(xs)))), max(0, int(math.floor(min(ys))))
    x1, y1 = min(layer.width, int(math.ceil(max(xs))) + 1), min(layer.height, int(math.ceil(max(ys))) + 1)
    if x1 <= x0 or y1 <= y0 or len(rings[0]) < 3:
        return
    mask = Image.new("L", (x1 - x0, y1 - y0), 0)
    md = ImageDraw.Draw(mask)
    md.polygon([(x - x0, y - y0) for x, y in rings[0]], fill=255)
    for hole in rings[1:]:
        if len(hole) >= 3:
            md.polygon([(x - x0, y - y0) for x, y in hole], fill=0)
    layer.paste(Image.new("RGBA", mask.size, fill), (x0, y0), mask)


def render_frame(timeline: dict, frame: Frame, *, width: int, height: int, lang: str = "en",
                 bbox: tuple | None = None, view: tuple | None = None, highlight: bool = True) -> Image.Image:
    ds = timeline["dataset"]
    factions = {f["slug"]: f for f in timeline["factions"]}
    proj = Projection.from_view(*view, width, height) if view else Projection(bbox or ds["extent"], width, height)
    img = Image.new("RGBA", (width, height), (244, 241, 234, 255))
    base = _base()
    zl = Image.new("RGBA", img.size, (0, 0, 0, 0))
    for z in frame.zones:
        fill = _hex(factions[z["faction"]]["color"], 150)
        for poly in _rings(z["geometry"]):
            _fill_polygon(zl, [[proj(*p) for p in ring] for ring in poly], fill)
    img.alpha_composite(zl)
    d = ImageDraw.Draw(img)
    # Water over the zones: Lake Assad and the Euphrates read as water whoever holds the banks.
    for feat in base["rivers"]["features"]:
        for poly in _rings(feat["geometry"]):
            d.polygon([proj(*p[:2]) for p in poly[0]], fill=(169, 203, 230, 255))
    for z in frame.zones:
        col = _hex(factions[z["faction"]]["color"])
        dark = tuple(int(v * 0.6) for v in col[:3]) + (255,)
        for ring in _lines(z["geometry"]):
            for run in _off_edge(ring, ds["extent"]):
                d.line([proj(*p) for p in run], fill=dark, width=1)
    for feat in base["governorates"]["features"]:
        for ring in _lines(feat["geometry"]):
            d.line([proj(*p[:2]) for p in ring], fill=(150, 140, 130, 255), width=1)
    for feat in base["countries"]["features"]:
        for ring in _lines(feat["geometry"]):
            d.line([proj(*p[:2]) for p in ring], fill=(80, 80, 80, 255), width=2)
    if highlight:
        hl = Image.new("RGBA", img.size, (0, 0, 0, 0))
        hd = ImageDraw.Draw(hl)
        for c in frame.changes:
            if c["at"] == ds["start"]:
                continue
            for poly in _rings(c["geometry"]):
                pts = [proj(*p) for p in poly[0]]
                hd.polygon(pts, fill=(255, 255, 255, 70))
                ring = list(poly[0]) if poly[0][0] == poly[0][-1] else list(poly[0]) + [poly[0][0]]
                for run in _off_edge(ring, ds["extent"]):  # no outline along the edge of the mapped area
                    hd.line([proj(*p) for p in run], fill=(20, 20, 20, 255), width=3)
        img.alpha_composite(hl)
        d = ImageDraw.Draw(img)
    _unmapped(img, proj, ds["extent"])
    d = ImageDraw.Draw(img)
    small = font(max(11, width // 90))
    for feat in base["places"]["features"]:
        p = feat["properties"]
        if p.get("rank", 5) > 3 or p.get("kind") not in ("city", "town"):
            continue
        x, y = proj(*feat["geometry"]["coordinates"])
        if not (0 <= x < width and 0 <= y < height):
            continue
        name = shape_text(p["name_ar"]) if lang == "ar" and p.get("name_ar") else p["name_en"]
        d.ellipse([x - 3, y - 3, x + 3, y + 3], fill=(30, 30, 30, 255))
        d.text((x + 5, y - 6), name, font=small, fill=(20, 20, 20, 255), stroke_width=2, stroke_fill=(255, 255, 255, 255))
    _legend(img, timeline, frame, lang)
    return img.convert("RGB")


AR_DIGITS = str.maketrans("0123456789,", "٠١٢٣٤٥٦٧٨٩٬")
WORDS = {
    # "more" stays English in both: it ends the (English) list of publishers' names
    "en": {"km2": "km²", "sources": "Sources", "brand": "Frontline", "more": " and {n} more (all in /api/reports)",
           "unmapped": "Not mapped"},
    "ar": {"km2": "كم²", "sources": "المصادر", "brand": "خط الجبهة", "more": " and {n} more (all in /api/reports)",
           "unmapped": "خارج نطاق الخريطة"},
}


def area_label(f: dict, km2: float, lang: str) -> str:
    """One legend row's text, in logical order: the faction, its area and the unit in the picture's language."""
    if lang == "ar":
        return f"{f.get('short_ar') or f['name_ar']}  {format(round(km2), ',').translate(AR_DIGITS)} {WORDS['ar']['km2']}"
    return f"{f.get('short_en') or f['name_en']}  {km2:,.0f} {WORDS['en']['km2']}"


def wrap(d: ImageDraw.ImageDraw, text: str, fnt, width: float, lang: str) -> list[str]:
    """Lines of `text` (logical order, split at spaces) that each fit `width` once shaped: a footer is never cut."""
    lines, cur = [], ""
    for word in text.split(" "):
        cand = f"{cur} {word}" if cur else word
        if cur and d.textlength(shape_text(cand) if lang == "ar" else cand, font=fnt) > width:
            lines.append(cur)
            cur = word
        else:
            cur = cand
    if cur:
        lines.append(cur)
    return lines


def _legend(img: Image.Image, tl: dict, frame: Frame, lang: str) -> None:
    d = ImageDraw.Draw(img)
    w, h = img.size
    ds = tl["dataset"]
    rtl = lang == "ar"
    big, mid, small = font(max(14, w // 55), True), font(max(12, w // 75)), font(max(10, w // 110))
    pad = 10
    # Title and instant: top-left, or top-right in Arabic.
    title = shape_text(ds["title_ar"]) if rtl and ds.get("title_ar") else ds["title_en"]
    when = local_label(frame.at, ds["utc_offset_minutes"], ds["tz_label"], lang, ds.get("time_zone"))
    while d.textlength(title, font=big) > w - 2 * pad and big.size > 9:  # the title always fits the width
        big = font(big.size - 1, True)
    tw = min(w, max(d.textlength(title, font=big), d.textlength(when, font=mid)) + 2 * pad)
    bx = w - tw if rtl else 0
    d.rectangle([bx, 0, bx + tw, big.size + mid.size + 3 * pad], fill=(255, 255, 255, 255))
    for text, fnt, y, col in ((title, big, pad, (0, 0, 0)), (when, mid, pad * 2 + big.size, (40, 40, 40))):
        x = bx + tw - pad - d.textlength(text, font=fnt) if rtl else pad
        d.text((x, y), text, font=fnt, fill=col)

    # Footer: attribution and sources, wrapped onto as many lines as it needs (never cut mid-word). The
    # attribution and the publishers' names are English: in Arabic they follow an Arabic lead line, left to
    # right, rather than being mixed into one bidi paragraph (which scrambles them).
    words = WORDS[lang]
    publishers = sorted({r["publisher"] for r in tl["reports"]})
    lh_small = small.size + 4
    # At most about a fifth of the picture: with many publishers the list ends in "and N more" (named whole,
    # never cut mid-word); the full list is in the data (/api/reports).
    max_lines = max(3, int(h * 0.2 / lh_small))

    def footer_lines(names: list[str], more: int) -> list[tuple[str, bool]]:
        sources = "; ".join(names) + (words["more"].format(n=more) if more else "")
        if rtl:
            out = [(shape_text(f"{words['brand']} · {words['sources']}:"), True)]
            return out + [(line, False) for line in wrap(d, f"{ATTRIBUTION} · {sources}", small, w - 2 * pad, "en")]
        return [(line, False) for line in wrap(d, f"{words['brand']} · {ATTRIBUTION} · {words['sources']}: {sources}",
                                               small, w - 2 * pad, "en")]

    keep = len(publishers)
    lines = footer_lines(publishers, 0)
    while len(lines) > max_lines and keep > 1:
        keep -= 1
        lines = footer_lines(publishers[:keep], len(publishers) - keep)
    fh = len(lines) * lh_small + 6
    d.rectangle([0, h - fh, w, h], fill=(255, 255, 255, 255))
    for i, (text, right) in enumerate(lines):
        x = w - pad - d.textlength(text, font=small) if right else pad
        d.text((x, h - fh + 3 + i * lh_small), text, font=small, fill=(60, 60, 60))

    # Legend: bottom-right with the swatch before the text; mirrored in Arabic (bottom-left, swatch on the right).
    areas = {}
    for z in frame.zones:
        areas[z["faction"]] = areas.get(z["faction"], 0.0) + z["area_km2"]
    rows = [(f, areas[f["slug"]]) for f in tl["factions"] if areas.get(f["slug"], 0) > 0]
    lh = mid.size + 6
    texts = [shape_text(area_label(f, a, lang)) if rtl else area_label(f, a, lang) for f, a in rows]
    # The last row: the grey beyond the data set's extent (_unmapped), not a faction.
    rows.append(({"color": "#%02x%02x%02x" % UNMAPPED}, 0.0))
    texts.append(shape_text(words["unmapped"]) if rtl else words["unmapped"])
    lw = max((d.textlength(t, font=mid) for t in texts), default=100) + lh + 3 * pad
    y0 = h - fh - len(rows) * lh - pad - 8
    lx = pad if rtl else w - lw - pad
    d.rectangle([lx, y0, lx + lw, y0 + len(rows) * lh + pad], fill=(255, 255, 255, 255))
    for i, ((f, _), text) in enumerate(zip(rows, texts)):
        y = y0 + pad // 2 + i * lh
        sw = lh - 6
        if rtl:
            sx = lx + lw - pad - sw
            tx = sx - 6 - d.textlength(text, font=mid)
        else:
            sx = lx + pad
            tx = sx + sw + 6
        d.rectangle([sx, y + 2, sx + sw, y + lh - 4], fill=_hex(f["color"]), outline=(60, 60, 60))
        d.text((tx, y), text, font=mid, fill=(0, 0, 0))


def check_size(width: int, height: int) -> None:
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise BadInput(f"width and height must be between {MIN_SIDE} and {MAX_SIDE} pixels")


def check_factions(tl: dict, factions) -> frozenset | None:
    """The factions to draw (None: all). An unknown slug is a 4xx naming the known ones."""
    if factions is None:
        return None
    known = [f["slug"] for f in tl["factions"]]
    bad = [s for s in factions if s not in known]
    if bad:
        raise BadInput(f"unknown faction {', '.join(bad)}; known: {', '.join(known)}")
    return frozenset(factions)


def png(tl: dict, at: datetime, *, width=1200, height=900, lang="en", bbox=None, view=None,
        factions=None) -> bytes:
    """`tl`: what the read model gathers for pictures (app.read.model.ReadModel.frames)."""
    check_size(width, height)
    shown = check_factions(tl, factions)
    img = render_frame(tl, Frame(tl, at, shown), width=width, height=height, lang=lang, bbox=bbox, view=view)
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def frame_instants(tl: dict, t_from: datetime, t_to: datetime, step: timedelta | None) -> list[datetime]:
    """One frame per change instant in [from, to] (step None), or every `step`."""
    if t_from > t_to:
        raise BadInput("from must not be after to")
    if step is None:
        parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
        out = [parse(i) for i in tl["instants"] if t_from <= parse(i) <= t_to]
        return out or [t_from]
    if step.total_seconds() < 60:
        raise BadInput("step must be at least one minute")
    n = int((t_to - t_from) / step) + 1
    if n > MAX_FRAMES:
        raise BadInput(f"that makes {n} frames; at most {MAX_FRAMES} (use a longer step or a shorter period)")
    return [t_from + i * step for i in range(n)]


def _gif_frames(frames: list[Image.Image], keep: list[tuple]) -> list[Image.Image]:
    """Frames on one shared 256-colour palette: the faction colours exactly (a legend swatch must match its
    zone), then the colours the frames use most. Median cut per frame shifted the swatches' colours."""
    counts: dict[tuple, int] = {}
    for f in frames:
        # a small table first (Pillow sizes it by maxcolors: 2^24 cost 150 ms a frame); frames use ~1000 colours
        for n, c in f.getcolors(maxcolors=1 << 14) or f.getcolors(maxcolors=1 << 24):
            counts[c] = counts.get(c, 0) + n
    colours = list(dict.fromkeys(keep))
    colours += [c for c, _ in sorted(counts.items(), key=lambda kv: -kv[1]) if c not in colours][: 256 - len(colours)]
    # Exact mapping (Pillow's quantize(palette=) rounds through a coarse colour cache: white became 252): each
    # colour the frames use is mapped once to its nearest palette entry, then frames go through a lookup table.
    import numpy as np

    pal = np.array(colours, dtype=np.int32)
    used = np.array(list(counts), dtype=np.int32)
    nearest = np.empty(len(used), dtype=np.uint8)
    for i in range(0, len(used), 4096):  # in blocks: bounded memory for frames with many colours
        block = used[i:i + 4096]
        nearest[i:i + 4096] = ((block[:, None, :] - pal[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
    lut = np.zeros(1 << 24, dtype=np.uint8)
    lut[(used[:, 0] << 16) | (used[:, 1] << 8) | used[:, 2]] = nearest
    flat = [v for c in colours for v in c] + [0] * (3 * (256 - len(colours)))
    out = []
    for f in frames:
        arr = np.asarray(f, dtype=np.int32)
        im = Image.fromarray(lut[(arr[..., 0] << 16) | (arr[..., 1] << 8) | arr[..., 2]], "P")
        im.putpalette(flat)
        out.append(im)
    return out


def animation(tl: dict, instants: list[datetime], *, fmt: str, fps: float, width=800, height=600, lang="en",
              bbox=None, view=None, factions=None, progress: Callable[[int, int], None] | None = None) -> bytes:
    """`tl`: what the read model gathers for pictures (app.read.model.ReadModel.frames)."""
    check_size(width, height)
    if len(instants) > MAX_FRAMES:
        raise BadInput(f"at most {MAX_FRAMES} frames")
    if not (0.2 <= fps <= 30):
        raise BadInput("fps must be between 0.2 and 30")
    if fmt not in ("gif", "mp4"):
        raise BadInput("format must be gif or mp4")
    shown = check_factions(tl, factions)
    keep = [_hex(f["color"])[:3] for f in tl["factions"]]

    def frames():
        for i, t in enumerate(instants):
            yield render_frame(tl, Frame(tl, t, shown), width=width, height=height, lang=lang, bbox=bbox, view=view)
            if progress:
                progress(i + 1, len(instants))
    # Memory limit: a GIF keeps each frame as it will be stored (one byte a pixel, the faction colours exact),
    # never the whole animation in RGB; an MP4 streams each frame to the encoder as soon as it is drawn.
    if fmt == "gif":
        pal = [_gif_frames([f], keep)[0] for f in frames()]
        buf = io.BytesIO()
        pal[0].save(buf, "GIF", save_all=True, append_images=pal[1:], duration=int(1000 / fps), loop=0, optimize=False)
        return buf.getvalue()
    if fmt == "mp4":
        import imageio_ffmpeg

        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out.mp4"
            w2, h2 = width - width % 2, height - height % 2
            cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
                   "-s", f"{w2}x{h2}", "-r", str(fps), "-i", "-", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                   "-movflags", "+faststart", str(out)]
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
            for f in frames():
                proc.stdin.write(f.crop((0, 0, w2, h2)).tobytes())
            proc.stdin.close()
            if proc.wait(timeout=300) != 0:
                raise RuntimeError(proc.stderr.read().decode()[-500:])
            return out.read_bytes()
    raise BadInput("format must be gif or mp4")
