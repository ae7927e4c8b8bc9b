"""Server-side pictures of the map: a PNG at an instant, a GIF or MP4 of the period (Pillow; no browser).

Everything is drawn from the data: the zones of a revision, the base geography Frontline ships (borders,
governorates, the Euphrates, major places, Arabic shaped and right-to-left), a legend with km2, the instant
in local time with its zone, the title, and the attribution and sources line. Work per request is bounded
(size, frame count); results are cached per revision and parameters by the caller.

Legible from 400 px to the social sizes (`PRESETS`): a `Plan` gives the title and the instant a band above the
map and the legend and the source line bands below it, with type scaled to the picture's short side; place names
are placed where they collide with nothing, or left out. An animation ends on the period's end and holds it.
"""
from __future__ import annotations

import functools
import io
import json
import math
import re
import subprocess
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from PIL import Image, ImageDraw, ImageFont

from app.domain.errors import BadInput
from app.domain.text import REPLACEMENT, storable
from app.domain.times import zoned
from app.read.basemap import ATTRIBUTION_SHORT, BASE, LAYERS

MAX_SIDE = 2000
MIN_SIDE = 200
MAX_FRAMES = 120
HOLD_SECONDS = 3  # how long an animation's last frame stays
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
    """Web Mercator fitted to a bbox inside width x height (what a web map shows), placed at `origin` (the top-left
    corner of the picture's map area: the header and the bottom bands are not map)."""

    def __init__(self, bbox, width, height, pad=0.04, origin=(0, 0)):
        x0, y0 = self._merc(bbox[0], bbox[1])
        x1, y1 = self._merc(bbox[2], bbox[3])
        w, h = (x1 - x0) * (1 + 2 * pad), (y1 - y0) * (1 + 2 * pad)
        self.scale = min(width / w, height / h)
        self.cx, self.cy = (x0 + x1) / 2, (y0 + y1) / 2
        self.w, self.h = width, height
        self.ox, self.oy = origin

    @classmethod
    def from_view(cls, lat: float, lon: float, zoom: float, width: int, height: int, origin=(0, 0)) -> "Projection":
        """What a web map of this size shows at centre (lat, lon) and zoom (256 px tiles): the viewer's view."""
        self = cls.__new__(cls)
        self.scale = 256 * 2 ** zoom / (2 * math.pi)
        self.cx, self.cy = cls._merc(lon, lat)
        self.w, self.h = width, height
        self.ox, self.oy = origin
        return self

    @staticmethod
    def _merc(lon, lat):
        return math.radians(lon), math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    def __call__(self, lon, lat):
        x, y = self._merc(lon, lat)
        return (self.ox + self.w / 2 + (x - self.cx) * self.scale, self.oy + self.h / 2 - (y - self.cy) * self.scale)


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


def local_label(t: datetime, offset_minutes: int, tz_label: str, lang: str, time_zone: str | None = None, *,
                year: bool = True) -> str:
    """The instant in the war's local time, labelled with its zone (its offset at that instant when the war has
    an IANA time zone). Digits are Western in both languages, as the viewer writes them (shared/timefmt.js)."""
    lt, tz_label = zoned(t, {"utc_offset_minutes": offset_minutes, "tz_label": tz_label, "time_zone": time_zone})
    day = f"{lt.day} {(MONTHS_AR if lang == 'ar' else MONTHS_EN)[lt.month - 1]}" + (f" {lt.year}" if year else "")
    if lang == "ar":
        return shape_text(f"{day}، {lt:%H:%M}") + (f"  ({tz_label})" if tz_label else "")
    return f"{day}, {lt:%H:%M}" + (f" {tz_label}" if tz_label else "")


# How reports name who published them: "AFP (via LBCI)", "Censor.NET, citing Reuters", "Safir (citing Al
# Jazeera)". A picture credits the publisher once, whatever republished or was cited.
_QUALIFIER = re.compile(r"\s*(\(.*\)|,\s*(citing|via|republished by)\b.*)$", re.IGNORECASE)
_UNNAMED = "publisher not identified"


def publisher_name(publisher: str | None) -> str | None:
    """The publisher a picture credits for a report ("AFP (via LBCI)" -> "AFP"), None when it is not named."""
    name = _QUALIFIER.sub("", (publisher or "").strip()).strip()
    return None if not name or name.lower() == _UNNAMED else name


class Frame:
    """What one picture shows: zones at an instant (+ the areas gained at that step), and who reported it."""

    def __init__(self, timeline: dict, at: datetime, factions: frozenset | None = None):
        self.at = at
        iso = at.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
        shown = (lambda slug: slug in factions) if factions is not None else (lambda slug: True)
        # Hidden factions (the reader unticked them) are left out of the zones, the highlights and the legend.
        self.zones = [z for z in timeline["zones"]
                      if z["from"] <= iso and (z["to"] is None or iso < z["to"]) and shown(z["faction"])]
        self.step = self._step_instant(timeline, iso)
        self.changes = [c for c in timeline["changes"] if c["at"] == self.step and shown(c["faction"])]
        self.publishers, self.unnamed = self._sources(timeline, iso, shown)

    @staticmethod
    def _step_instant(tl, iso):
        past = [i for i in tl["instants"] if i <= iso]
        return past[-1] if past else None

    @staticmethod
    def _sources(tl, iso, shown) -> tuple[list[str], int]:
        """The publishers of the reports cited by the changes shown up to this instant, each named once, the most
        cited first; and how many of those reports do not name their publisher. (Without the citations, e.g. a
        hand-made timeline: every report of the revision.)"""
        reports = {r["id"]: r for r in tl["reports"] if "id" in r}
        if "citations" in tl and reports:
            cited: dict = {}
            for at, faction, ids in tl["citations"]:
                if at <= iso and shown(faction):
                    for rid in ids:
                        cited[rid] = cited.get(rid, 0) + 1
            rows = [(reports[rid], n) for rid, n in cited.items() if rid in reports]
        else:
            rows = [(r, 1) for r in tl["reports"]]
        counts: dict[str, int] = {}
        unnamed = 0
        for r, n in rows:
            name = publisher_name(r.get("publisher"))
            if name is None:
                unnamed += 1
            else:
                counts[name] = counts.get(name, 0) + n
        return sorted(counts, key=lambda k: (-counts[k], k.lower())), unnamed


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


# Social sizes (the share dialog offers them; `preset=` on the picture routes).
PRESETS = {"square": (1080, 1080), "portrait": (1080, 1350), "story": (1080, 1920), "landscape": (1920, 1080)}
WORDS = {
    # "more" stays English in both: it ends the (English) list of publishers' names
    "en": {"km2": "km²", "sources": "Sources", "brand": "Frontline", "more": "and {n} more", "others": "{n} publishers",
           "latest": "Latest change, {t}", "unmapped": "Not mapped"},
    "ar": {"km2": "كم²", "sources": "المصادر", "brand": "خط الجبهة", "more": "and {n} more", "others": "{n} publishers",
           "latest": "آخر تغيير، {t}", "unmapped": "خارج نطاق الخريطة"},
}
INK, GREY, PAPER, LAND = (20, 20, 20, 255), (60, 60, 60, 255), (255, 255, 255, 255), (244, 241, 234, 255)
OUTLINE_FILL = (255, 255, 255, 70)  # the latest change: a white veil and a dark 3 px outline


def area_label(f: dict, km2: float, lang: str) -> str:
    """One legend row's text, in logical order: the faction, its area and the unit in the picture's language.
    Western digits with a comma in Arabic too: what the viewer shows (Intl.NumberFormat("ar") in Chromium)."""
    if lang == "ar":
        return f"{f.get('short_ar') or f['name_ar']}  {km2:,.0f} {WORDS['ar']['km2']}"
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


def _overlap(a, b, gap: float = 0) -> bool:
    return a[0] < b[2] + gap and b[0] < a[2] + gap and a[1] < b[3] + gap and b[1] < a[3] + gap


class Plan:
    """Where everything goes in a picture of one size, the same for every frame of an animation (nothing jumps):
    a header band (title, instant), the map, a legend band and a source band, each sized for the text it holds
    at this size. Text scales with the picture's short side, so a 1080 px social picture seen on a phone reads
    like a 400 px one; the legend never lies over the map, however small the picture.

    The bands are sized from what any frame can need: a legend row for every shown faction that holds ground at
    some instant of the revision (with its largest area's digits) and the latest-change entry; the source band's
    lines for every publisher of the revision."""

    def __init__(self, tl: dict, width: int, height: int, lang: str = "en", *, shown: frozenset | None = None,
                 bbox=None, view=None, highlight: bool = True):
        self.w, self.h, self.lang, self.rtl = width, height, lang, lang == "ar"
        self.highlight = highlight
        ds = tl["dataset"]
        u = min(width, height)
        self.pad = max(6, round(u * 0.02))
        self.title_font = font(max(13, round(u * 0.034)), True)
        self.text_font = font(max(11, round(u * 0.026)))
        self.small_font = font(max(10, round(u * 0.021)))
        self.label_font = font(max(10, round(u * 0.021)))
        d = self.d = ImageDraw.Draw(Image.new("RGB", (8, 8)))
        inner = width - 2 * self.pad
        # Header: the title on at most two lines (smaller type if it needs more), then the instant.
        title = ds["title_ar"] if self.rtl and ds.get("title_ar") else ds["title_en"]
        while True:
            self.title_lines = wrap(d, title, self.title_font, inner, lang)
            if len(self.title_lines) <= 2 or self.title_font.size <= 9:
                break
            self.title_font = font(self.title_font.size - 1, True)
        self.title_lh = round(self.title_font.size * 1.25)
        self.text_lh = round(self.text_font.size * 1.35)
        self.header_h = self.pad + len(self.title_lines) * self.title_lh + self.text_lh + self.pad
        # Legend: rows of entries, packed across the width.
        peak = {f: max(v, default=0) for f, v in tl.get("areas_km2", {}).items()}
        self.factions = [f for f in tl["factions"] if (shown is None or f["slug"] in shown) and peak.get(f["slug"], 1) > 0]
        entries = [area_label(f, peak.get(f["slug"], 0), lang) for f in self.factions]
        # After the factions: the latest change's outline (when drawn) and the grey of what is not mapped.
        self.extra = (["latest"] if highlight else []) + ["unmapped"]
        if highlight:
            entries.append(self.latest_text(datetime.fromisoformat(ds["end"].replace("Z", "+00:00")), ds))
        entries.append(WORDS[lang]["unmapped"])
        while True:  # the widest entry fits the width (a small picture of a faction with a long name)
            self.sw = round(self.text_font.size * 1.1)  # swatch side
            self.entry_gap = round(self.text_font.size * 1.4)
            widths = [self.sw + self.text_font.size // 2 + self._tw(t, self.text_font) for t in entries]
            if max(widths, default=0) <= inner or self.text_font.size <= 8:
                break
            self.text_font = font(self.text_font.size - 1)
            self.text_lh = round(self.text_font.size * 1.35)
        self.slot_w = widths  # reserved widths: entries never move between frames
        self.rows: list[list[int]] = []
        x = inner + 1
        for i, ew in enumerate(widths):
            if x + ew > inner and (not self.rows or x > 0):
                self.rows.append([])
                x = 0
            self.rows[-1].append(i)
            x += ew + self.entry_gap
        self.legend_h = len(self.rows) * self.text_lh + self.pad if entries else 0
        # Source band: as many lines as the longest source line of the revision needs, at most three.
        everyone = Frame._sources({"reports": tl["reports"]}, "", lambda s: True)
        self.footer_cap = 3 + (1 if self.rtl else 0)
        self.small_lh = round(self.small_font.size * 1.3)
        self.footer_n = max(len(self.footer_lines(*everyone)), len(self.footer_lines([], everyone[1])))
        self.footer_h = self.footer_n * self.small_lh + self.pad
        top, bottom = self.header_h, height - self.legend_h - self.footer_h
        self.map_box = (0, top, width, bottom)
        mw, mh = width, max(1, bottom - top)
        self.proj = (Projection.from_view(*view, mw, mh, origin=(0, top)) if view
                     else Projection(bbox or ds["extent"], mw, mh, origin=(0, top)))

    def _tw(self, text: str, fnt) -> float:
        return self.d.textlength(shape_text(text) if self.rtl else text, font=fnt)

    def latest_text(self, t: datetime, ds: dict) -> str:
        """ "Latest change, 2 Dec 12:00" in logical order (shaped when drawn)."""
        lt, _ = zoned(t, ds)
        months = MONTHS_AR if self.rtl else MONTHS_EN
        return WORDS[self.lang]["latest"].format(t=f"{lt.day} {months[lt.month - 1]} {lt:%H:%M}")

    def footer_lines(self, names: list[str], unnamed: int) -> list[tuple[str, bool]]:
        """The source band's lines, (text, right-aligned): the publishers named whole, as many as fit the band's
        lines, then "and N more"; the brand and the base map's attribution. The names are English data: in an
        Arabic picture they follow an Arabic lead line, left to right, rather than being mixed into one bidi
        paragraph (which scrambles them)."""
        words, d, inner = WORDS[self.lang], self.d, self.w - 2 * self.pad

        def lines(keep: int) -> list[tuple[str, bool]]:
            more = len(names) - keep + unnamed
            listed = ", ".join(names[:keep])
            tail = words["more"].format(n=more) if more and keep else (words["others"].format(n=more) if more else "")
            sources = f"{listed} {tail}".strip() if listed else tail
            if self.rtl:
                lead = [(shape_text(f"{words['brand']} · {words['sources']}:"), True)]
                return lead + [(x, False) for x in wrap(d, f"{sources} · {ATTRIBUTION_SHORT}".lstrip(" ·"),
                                                          self.small_font, inner, "en")]
            text = f"{words['sources']}: {sources} · " if sources else ""
            return [(x, False) for x in wrap(d, f"{text}{words['brand']} · {ATTRIBUTION_SHORT}", self.small_font, inner, "en")]

        keep = len(names)
        out = lines(keep)
        while len(out) > self.footer_cap and keep > 0:
            keep -= 1
            out = lines(keep)
        return out


def render_frame(timeline: dict, frame: Frame, *, width: int, height: int, lang: str = "en",
                 bbox: tuple | None = None, view: tuple | None = None, highlight: bool = True,
                 plan: Plan | None = None, placed: list | None = None) -> Image.Image:
    """One picture. `placed`, when given, receives every text and place dot drawn as (kind, text, box): what the
    legibility tests check (nothing overlaps, nothing is cut)."""
    plan = plan or Plan(timeline, width, height, lang, bbox=bbox, view=view, highlight=highlight)
    placed = [] if placed is None else placed
    factions = {f["slug"]: f for f in timeline["factions"]}
    ds = timeline["dataset"]
    proj = plan.proj
    img = Image.new("RGBA", (width, height), LAND)
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
    outlined = highlight and any(c["at"] != timeline["dataset"]["start"] for c in frame.changes)
    if outlined:
        hl = Image.new("RGBA", img.size, (0, 0, 0, 0))
        hd = ImageDraw.Draw(hl)
        for c in frame.changes:
            if c["at"] == timeline["dataset"]["start"]:
                continue
            for poly in _rings(c["geometry"]):
                pts = [proj(*p) for p in poly[0]]
                hd.polygon(pts, fill=OUTLINE_FILL)
                ring = list(poly[0]) if poly[0][0] == poly[0][-1] else list(poly[0]) + [poly[0][0]]
                for run in _off_edge(ring, ds["extent"]):  # no outline along the edge of the mapped area
                    hd.line([proj(*p) for p in run], fill=INK, width=3)
        img.alpha_composite(hl)
    # Beyond the data set's extent: greyed, not mapped (under the bands drawn next).
    _unmapped(img, proj, ds["extent"])
    d = ImageDraw.Draw(img)
    _places(d, plan, placed)
    _header(d, plan, timeline, frame, placed)
    _legend(d, plan, frame, placed, outlined, timeline["dataset"])
    _footer(d, plan, frame, placed)
    return img.convert("RGB")


def _places(d: ImageDraw.ImageDraw, plan: Plan, placed: list) -> None:
    """Major places, most important first, each label on the first side of its dot where it overlaps no label or
    dot already placed and stays inside the map area; a place whose label fits nowhere is left out, dot and all
    (a dot without a name tells the reader nothing)."""
    x0, y0, x1, y1 = plan.map_box
    m = 2
    fnt = plan.label_font
    r = max(2, round(fnt.size * 0.28))
    gap = r + 2
    feats = [f for f in _base()["places"]["features"]
             if f["properties"].get("rank", 5) <= 3 and f["properties"].get("kind") in ("city", "town")]
    feats.sort(key=lambda f: f["properties"].get("rank", 5))  # stable: the gazetteer's order within a rank
    taken: list[tuple] = []
    for feat in feats:
        p = feat["properties"]
        x, y = plan.proj(*feat["geometry"]["coordinates"])
        dot = (x - r, y - r, x + r, y + r)
        if not (x0 + m <= dot[0] and dot[2] <= x1 - m and y0 + m <= dot[1] and dot[3] <= y1 - m):
            continue
        if any(_overlap(dot, b, 1) for b in taken):
            continue
        name = shape_text(p["name_ar"]) if plan.rtl and p.get("name_ar") else p["name_en"]
        bb = d.textbbox((0, 0), name, font=fnt, stroke_width=2)
        tw, th = bb[2] - bb[0], bb[3] - bb[1]
        right, left = (x + gap, y - th / 2), (x - gap - tw, y - th / 2)
        sides = [left, right] if plan.rtl else [right, left]
        sides += [(x - tw / 2, y - gap - th), (x - tw / 2, y + gap)]  # above, below
        for sx, sy in sides:
            box = (sx, sy, sx + tw, sy + th)
            if (x0 + m <= box[0] and box[2] <= x1 - m and y0 + m <= box[1] and box[3] <= y1 - m
                    and not any(_overlap(box, b, 1) for b in taken) and not _overlap(box, dot)):
                d.ellipse(dot, fill=(30, 30, 30, 255))
                # textbbox is relative to the anchor: draw so that the ink lands exactly on `box`
                d.text((sx - bb[0], sy - bb[1]), name, font=fnt, fill=INK, stroke_width=2, stroke_fill=PAPER)
                taken += [dot, box]
                placed += [("dot", p["name_en"], dot), ("label", p["name_en"], box)]
                break


def _text(d, placed, kind, xy, text, fnt, fill, right_edge=None):
    """Draw `text` with its left edge at x (or its right edge at right_edge) and top at y; record its ink box."""
    x, y = xy
    bb = d.textbbox((0, 0), text, font=fnt)
    if right_edge is not None:
        x = right_edge - (bb[2] - bb[0])
    d.text((x - bb[0], y), text, font=fnt, fill=fill)
    placed.append((kind, text, (x, y + bb[1], x + bb[2] - bb[0], y + bb[3])))


def _header(d, plan: Plan, tl: dict, frame: Frame, placed: list) -> None:
    ds, pad, rtl = tl["dataset"], plan.pad, plan.rtl
    d.rectangle([0, 0, plan.w, plan.header_h - 1], fill=PAPER)
    y = pad
    for line in plan.title_lines:
        _text(d, placed, "title", (pad, y), shape_text(line) if rtl else line, plan.title_font, INK,
              right_edge=plan.w - pad if rtl else None)
        y += plan.title_lh
    when = local_label(frame.at, ds["utc_offset_minutes"], ds["tz_label"], plan.lang, ds.get("time_zone"))
    _text(d, placed, "time", (pad, y), when, plan.text_font, GREY, right_edge=plan.w - pad if rtl else None)


def _legend(d, plan: Plan, frame: Frame, placed: list, outlined: bool, ds: dict) -> None:
    """A swatch and its words for every symbol on the map: each faction's fill with its area at this instant,
    and the latest change's outline (only when this frame draws one). Rows run right to left in Arabic."""
    if not plan.legend_h:
        return
    top = plan.h - plan.footer_h - plan.legend_h
    d.rectangle([0, top, plan.w, top + plan.legend_h - 1], fill=PAPER)
    areas: dict[str, float] = {}
    for z in frame.zones:
        areas[z["faction"]] = areas.get(z["faction"], 0.0) + z["area_km2"]
    fnt, sw, lh = plan.text_font, plan.sw, plan.text_lh
    n = len(plan.factions)
    for r, row in enumerate(plan.rows):
        y = top + plan.pad // 2 + r * lh
        x = 0
        for i in row:
            if i < n:
                f = plan.factions[i]
                text, swatch = area_label(f, areas.get(f["slug"], 0.0), plan.lang), ("fill", _hex(f["color"]))
            elif plan.extra[i - n] == "unmapped":
                text, swatch = WORDS[plan.lang]["unmapped"], ("fill", UNMAPPED + (255,))
            elif outlined:
                text, swatch = plan.latest_text(datetime.fromisoformat(frame.step.replace("Z", "+00:00")), ds), ("outline", None)
            else:
                x += plan.slot_w[i] + plan.entry_gap
                continue
            shown_text = shape_text(text) if plan.rtl else text
            sy = y + (lh - sw) // 2
            if plan.rtl:
                right = plan.w - plan.pad - x
                sx0, tx_right = right - sw, right - sw - fnt.size // 2
            else:
                sx0 = plan.pad + x
            box = [sx0, sy, sx0 + sw, sy + sw]
            if swatch[0] == "fill":
                d.rectangle(box, fill=swatch[1], outline=GREY)
            else:
                d.rectangle(box, fill=(235, 235, 235, 255), outline=INK, width=max(2, sw // 6))
            placed.append(("swatch", text, tuple(box)))
            ty = y + (lh - fnt.size) // 2 - 1
            if plan.rtl:
                _text(d, placed, "legend", (0, ty), shown_text, fnt, INK, right_edge=tx_right)
            else:
                _text(d, placed, "legend", (sx0 + sw + fnt.size // 2, ty), shown_text, fnt, INK)
            x += plan.slot_w[i] + plan.entry_gap


def _footer(d, plan: Plan, frame: Frame, placed: list) -> None:
    top = plan.h - plan.footer_h
    d.rectangle([0, top, plan.w, plan.h], fill=PAPER)
    names, unnamed = frame.publishers, frame.unnamed
    lines = plan.footer_lines(names, unnamed)
    while len(lines) > plan.footer_n and names:  # never more lines than the band was sized for
        names, unnamed = names[:-1], unnamed + 1
        lines = plan.footer_lines(names, unnamed)
    for i, (text, right) in enumerate(lines):
        _text(d, placed, "source", (plan.pad, top + plan.pad // 2 + i * plan.small_lh), text, plan.small_font, GREY,
              right_edge=plan.w - plan.pad if right else None)


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
    plan = Plan(tl, width, height, lang, shown=shown, bbox=bbox, view=view)
    img = render_frame(tl, Frame(tl, at, shown), width=width, height=height, lang=lang, plan=plan)
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def frame_instants(tl: dict, t_from: datetime, t_to: datetime, step: timedelta | None) -> list[datetime]:
    """One frame per change instant in [from, to] (step None), or every `step`; the last frame is `to` itself, so
    an animation ends on the period's end, stamped with it (and holds it: see `animation`)."""
    if t_from > t_to:
        raise BadInput("from must not be after to")
    if step is None:
        parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
        out = [parse(i) for i in tl["instants"] if t_from <= parse(i) <= t_to] or [t_from]
        return out + [t_to] if out[-1] < t_to else out
    if step.total_seconds() < 60:
        raise BadInput("step must be at least one minute")
    n = int((t_to - t_from) / step) + 1
    out = [t_from + i * step for i in range(n)]
    out += [t_to] if out[-1] < t_to else []
    if len(out) > MAX_FRAMES:
        raise BadInput(f"that makes {len(out)} frames; at most {MAX_FRAMES} (use a longer step or a shorter period)")
    return out


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
    plan = Plan(tl, width, height, lang, shown=shown, bbox=bbox, view=view)  # one layout: nothing jumps
    # The last frame (the period's end) stays on screen: a reader sees where the front ended before it loops.
    hold_ms = max(HOLD_SECONDS * 1000, 2 * int(1000 / fps))

    def frames():
        for i, t in enumerate(instants):
            yield render_frame(tl, Frame(tl, t, shown), width=width, height=height, lang=lang, plan=plan)
            if progress:
                progress(i + 1, len(instants))
    # Memory limit: a GIF keeps each frame as it will be stored (one byte a pixel, the faction colours exact),
    # never the whole animation in RGB; an MP4 streams each frame to the encoder as soon as it is drawn.
    if fmt == "gif":
        pal = [_gif_frames([f], keep)[0] for f in frames()]
        buf = io.BytesIO()
        durations = [int(1000 / fps)] * (len(pal) - 1) + [hold_ms]
        pal[0].save(buf, "GIF", save_all=True, append_images=pal[1:], duration=durations, loop=0, optimize=False)
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
            raw = b""
            for f in frames():
                raw = f.crop((0, 0, w2, h2)).tobytes()
                proc.stdin.write(raw)
            for _ in range(max(0, math.ceil(hold_ms / 1000 * fps) - 1)):  # the hold: the last frame again
                proc.stdin.write(raw)
            proc.stdin.close()
            if proc.wait(timeout=300) != 0:
                raise RuntimeError(proc.stderr.read().decode()[-500:])
            return out.read_bytes()
    raise BadInput("format must be gif or mp4")
