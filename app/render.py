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

import orjson
from PIL import Image, ImageDraw, ImageFont

from app.basemap import ATTRIBUTION, BASE, LAYERS
from app.errors import BadInput

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
    import arabic_reshaper
    from bidi.algorithm import get_display

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


@functools.lru_cache(maxsize=1)
def _base() -> dict:
    out = {}
    for name, file in LAYERS.items():
        out[name] = json.loads((BASE / file).resolve().read_text(encoding="utf-8"))
    return out


def _hex(c: str, a: int = 255):
    c = c.lstrip("#")
    return (int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16), a)


def local_label(t: datetime, offset_minutes: int, tz_label: str, lang: str) -> str:
    lt = t.astimezone(timezone(timedelta(minutes=offset_minutes)))
    if lang == "ar":
        return shape_text(f"{lt.day} {MONTHS_AR[lt.month - 1]} {lt.year}، {lt:%H:%M}") + f"  ({tz_label})"
    return f"{lt.day} {MONTHS_EN[lt.month - 1]} {lt.year}, {lt:%H:%M} {tz_label}"


class Frame:
    """What one picture shows: zones at an instant (+ the areas gained at that step)."""

    def __init__(self, timeline: dict, at: datetime):
        self.at = at
        iso = at.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
        self.zones = [z for z in timeline["zones"] if z["from"] <= iso and (z["to"] is None or iso < z["to"])]
        self.changes = [c for c in timeline["changes"] if c["at"] == self._step_instant(timeline, iso)]

    @staticmethod
    def _step_instant(tl, iso):
        past = [i for i in tl["instants"] if i <= iso]
        return past[-1] if past else None


def render_frame(timeline: dict, frame: Frame, *, width: int, height: int, lang: str = "en",
                 bbox: tuple | None = None, highlight: bool = True) -> Image.Image:
    ds = timeline["dataset"]
    factions = {f["slug"]: f for f in timeline["factions"]}
    proj = Projection(bbox or ds["extent"], width, height)
    img = Image.new("RGBA", (width, height), (244, 241, 234, 255))
    base = _base()
    d = ImageDraw.Draw(img)
    for feat in base["rivers"]["features"]:
        for poly in _rings(feat["geometry"]):
            d.polygon([proj(*p[:2]) for p in poly[0]], fill=(169, 203, 230, 255))
    zl = Image.new("RGBA", img.size, (0, 0, 0, 0))
    zd = ImageDraw.Draw(zl)
    for z in frame.zones:
        col = factions[z["faction"]]["color"]
        for poly in _rings(z["geometry"]):
            zd.polygon([proj(*p) for p in poly[0]], fill=_hex(col, 150))
            for hole in poly[1:]:
                zd.polygon([proj(*p) for p in hole], fill=(0, 0, 0, 0))
    img.alpha_composite(zl)
    d = ImageDraw.Draw(img)
    for z in frame.zones:
        col = _hex(factions[z["faction"]]["color"])
        dark = tuple(int(v * 0.6) for v in col[:3]) + (255,)
        for ring in _lines(z["geometry"]):
            d.line([proj(*p) for p in ring], fill=dark, width=1)
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
                hd.line(pts + pts[:1], fill=(20, 20, 20, 255), width=3)
        img.alpha_composite(hl)
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


def _legend(img: Image.Image, tl: dict, frame: Frame, lang: str) -> None:
    d = ImageDraw.Draw(img)
    w, h = img.size
    ds = tl["dataset"]
    big, mid, small = font(max(14, w // 55), True), font(max(12, w // 75)), font(max(10, w // 110))
    title = shape_text(ds["title_ar"]) if lang == "ar" and ds.get("title_ar") else ds["title_en"]
    when = local_label(frame.at, ds["utc_offset_minutes"], ds["tz_label"], lang)
    pad = 10
    while d.textlength(title, font=big) > w - 2 * pad and big.size > 9:  # the title always fits the width
        big = font(big.size - 1, True)
    tw = max(d.textlength(title, font=big), d.textlength(when, font=mid)) + 2 * pad
    d.rectangle([0, 0, min(w, tw), big.size + mid.size + 3 * pad], fill=(255, 255, 255, 255))
    d.text((pad, pad), title, font=big, fill=(0, 0, 0))
    d.text((pad, pad * 2 + big.size), when, font=mid, fill=(40, 40, 40))
    rows = [(tl_f, next((z["area_km2"] for z in frame.zones if z["faction"] == tl_f["slug"]), 0.0)) for tl_f in tl["factions"]]
    rows = [r for r in rows if r[1] > 0]
    lh = mid.size + 6
    lw = max((d.textlength(_fname(f, lang) + f"  {a:,.0f} km²", font=mid) for f, a in rows), default=100) + lh + 3 * pad
    y0 = h - len(rows) * lh - 2 * pad - small.size - 12
    d.rectangle([w - lw - pad, y0, w - pad, y0 + len(rows) * lh + pad], fill=(255, 255, 255, 255))
    for i, (f, a) in enumerate(rows):
        y = y0 + pad // 2 + i * lh
        d.rectangle([w - lw, y + 2, w - lw + lh - 6, y + lh - 4], fill=_hex(f["color"]), outline=(60, 60, 60))
        d.text((w - lw + lh, y), _fname(f, lang) + f"  {a:,.0f} km²", font=mid, fill=(0, 0, 0))
    attrib = "Frontline · " + ATTRIBUTION + " · Sources: " + "; ".join(sorted({r["publisher"] for r in tl["reports"]}))[:160]
    d.rectangle([0, h - small.size - 8, w, h], fill=(255, 255, 255, 255))
    d.text((pad, h - small.size - 5), attrib[: int(w / (small.size * 0.55))], font=small, fill=(60, 60, 60))


def _fname(f: dict, lang: str) -> str:
    return shape_text(f.get("short_ar") or f["name_ar"]) if lang == "ar" else (f.get("short_en") or f["name_en"])


def check_size(width: int, height: int) -> None:
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise BadInput(f"width and height must be between {MIN_SIDE} and {MAX_SIDE} pixels")


def png(timeline_body: bytes, at: datetime, *, width=1200, height=900, lang="en", bbox=None) -> bytes:
    check_size(width, height)
    tl = timeline_body if isinstance(timeline_body, dict) else orjson.loads(timeline_body)
    img = render_frame(tl, Frame(tl, at), width=width, height=height, lang=lang, bbox=bbox)
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


def animation(timeline_body: bytes, instants: list[datetime], *, fmt: str, fps: float, width=800, height=600, lang="en",
              bbox=None, progress: Callable[[int, int], None] | None = None) -> bytes:
    check_size(width, height)
    if len(instants) > MAX_FRAMES:
        raise BadInput(f"at most {MAX_FRAMES} frames")
    if not (0.2 <= fps <= 30):
        raise BadInput("fps must be between 0.2 and 30")
    tl = timeline_body if isinstance(timeline_body, dict) else orjson.loads(timeline_body)
    if fmt not in ("gif", "mp4"):
        raise BadInput("format must be gif or mp4")
    # Memory limit: a GIF keeps each frame as it will be stored (one byte a pixel, quantized at once), never
    # the whole animation in RGB; an MP4 streams each frame to the encoder as soon as it is drawn.
    if fmt == "gif":
        pal = []
        for i, t in enumerate(instants):
            pal.append(render_frame(tl, Frame(tl, t), width=width, height=height, lang=lang, bbox=bbox)
                       .quantize(colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE))
            if progress:
                progress(i + 1, len(instants))
        buf = io.BytesIO()
        pal[0].save(buf, "GIF", save_all=True, append_images=pal[1:], duration=int(1000 / fps), loop=0, optimize=False)
        return buf.getvalue()
    frames = (render_frame(tl, Frame(tl, t), width=width, height=height, lang=lang, bbox=bbox) for t in instants)
    if fmt == "mp4":
        import imageio_ffmpeg

        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out.mp4"
            w2, h2 = width - width % 2, height - height % 2
            cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
                   "-s", f"{w2}x{h2}", "-r", str(fps), "-i", "-", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                   "-movflags", "+faststart", str(out)]
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
            for i, f in enumerate(frames):
                proc.stdin.write(f.crop((0, 0, w2, h2)).tobytes())
                if progress:
                    progress(i + 1, len(instants))
            proc.stdin.close()
            if proc.wait(timeout=300) != 0:
                raise RuntimeError(proc.stderr.read().decode()[-500:])
            return out.read_bytes()
    raise BadInput("format must be gif or mp4")
