"""A plain-language description of the map at an instant, from the timeline document: who holds what (km2)
and what changed at the latest step. The embed serves it in the page (screen readers, no-script readers);
static/js/viewer/describe.js keeps it current as the map plays, with the same wording."""
from __future__ import annotations

import bisect
from datetime import datetime, timezone

from app.domain.times import zoned

MONTHS = {"en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
          "ar": ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"]}
WORDS = {
    "en": {"at": "Control of the area at {t}.", "holds": "{f} holds {a} km²", "since": "Since the previous change ({t}):",
           "start": "Initial situation.", "none": "No change at this instant.", "sep": "; "},
    "ar": {"at": "السيطرة على المنطقة في {t}.", "holds": "{f} يسيطر على {a} كم²", "since": "منذ التغيير السابق ({t}):",
           "start": "الوضع الأولي.", "none": "لا تغيير في هذه اللحظة.", "sep": "، "},
}


def _parse(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def _when(t: datetime, ds: dict, lang: str) -> str:
    lt, label = zoned(t, ds)
    if lang == "ar":
        return f"{lt.day} {MONTHS['ar'][lt.month - 1]} {lt.year}، {lt:%H:%M} ({label})"
    return f"{lt.day} {MONTHS['en'][lt.month - 1]} {lt.year}, {lt:%H:%M} {label}"


def describe(timeline: dict, t: datetime, lang: str = "en") -> str:
    lang = "ar" if lang == "ar" else "en"
    w, ds = WORDS[lang], timeline["dataset"]
    instants = [_parse(i) for i in timeline["instants"]]
    i = bisect.bisect_right(instants, t) - 1
    parts = [w["at"].format(t=_when(t, ds, lang))]
    held = []
    for f in timeline["factions"]:
        a = timeline["areas_km2"][f["slug"]][i] if i >= 0 else 0
        if a > 0.5:
            held.append(w["holds"].format(f=f[f"name_{lang}"] or f["name_en"], a=f"{a:,.0f}"))
    if held:
        parts.append(w["sep"].join(held) + ".")
    step = [c for c in timeline["changes"] if i >= 0 and _parse(c["at"]) == instants[i]]
    if i > 0 and step:
        parts.append(w["since"].format(t=_when(instants[i - 1], ds, lang)))
        parts += [c.get(f"summary_{lang}") or c["summary_en"] for c in step]
    elif i == 0:
        parts.append(w["start"])
    else:
        parts.append(w["none"])
    return " ".join(parts)
