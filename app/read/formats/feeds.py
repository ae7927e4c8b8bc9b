"""Atom 1.0 and JSON Feed 1.1 of feed entries (app.read.feeds makes the entries: one per published change,
with its instant, faction, confidence, area, places, public summary, reports and a link to the map there).

The JSON Feed item is also the shape of a change in a webhook's payload (app.usecases.webhooks).
"""
from __future__ import annotations

from datetime import datetime, timezone

from app.domain.text import storable
from app.domain.times import iso, zoned
from app.read.formats.json_ import dumps


def _title(e: dict) -> str:
    where = ", ".join(p["name_en"] for p in e["places"][:3] if p["name_en"])
    conf = "" if e["confidence"] == "confirmed" else " (claimed)"
    verb = "contested" if e["faction"] == "contested" else f"held by {e['faction_en']}"
    return f"{e['area_km2']:g} km² {verb}{conf}" + (f": {where}" if where else "")


def _text(e: dict, ds: dict) -> str:
    lt, tz_label = zoned(e["at"], ds)
    lines = [f"{lt.strftime('%Y-%m-%d %H:%M')} {tz_label}: {e['faction_en']} ({e['faction']}), "
             f"{e['confidence']}, {e['area_km2']:g} km²."]
    if e["summary_en"]:
        lines.append(e["summary_en"])
    if e["places"]:
        lines.append("Places: " + ", ".join(p["name_en"] or p["slug"] for p in e["places"]) + ".")
    for r in e["reports"]:
        lines.append(f"Source: {r['publisher']}, \"{r['title']}\" ({r['published_at'][:10]})" + (f" {r['url']}" if r["url"] else ""))
    return "\n".join(lines)


def _html(e: dict, ds: dict) -> str:
    from html import escape as h

    lt, tz_label = zoned(e["at"], ds)
    out = [f"<p><strong>{h(lt.strftime('%Y-%m-%d %H:%M'))} {h(tz_label)}</strong>: "
           f"{h(e['faction_en'])}, {h(e['confidence'])}, {e['area_km2']:g} km².</p>"]
    if e["summary_en"]:
        out.append(f"<p>{h(e['summary_en'])}</p>")
    if e["summary_ar"]:
        out.append(f'<p dir="rtl" lang="ar">{h(e["summary_ar"])}</p>')
    if e["places"]:
        out.append("<p>Places: " + ", ".join(h(p["name_en"] or p["slug"]) for p in e["places"]) + "</p>")
    if e["reports"]:
        items = []
        for r in e["reports"]:
            label = f"{h(r['publisher'])}: {h(r['title'])} ({h(r['published_at'][:10])})"
            items.append(f'<li><a href="{h(r["url"])}">{label}</a></li>' if r["url"] else f"<li>{label}</li>")
        out.append("<p>Sources:</p><ul>" + "".join(items) + "</ul>")
    out.append(f'<p><a href="{h(e["link"])}">Open the map at this moment</a></p>')
    return "".join(out)


def json_item(e: dict, ds: dict) -> dict:
    """One JSON Feed 1.1 item; the structured fields sit in the `_frontline` extension (JSON Feed's rule for
    extensions: a key starting with an underscore)."""
    ext = {"change_id": e["id"], "at": iso(e["at"]), "faction": e["faction"], "faction_name_en": e["faction_en"],
           "faction_name_ar": e["faction_ar"], "confidence": e["confidence"], "area_km2": e["area_km2"],
           "summary_en": e["summary_en"], "summary_ar": e["summary_ar"], "places": e["places"], "reports": e["reports"],
           "center": e["center"], "zoom": e["zoom"], "bbox": e["bbox"], "revision": e["revision"]}
    if "retracted_in" in e:
        ext["retracted_in"] = e["retracted_in"]
    return {"id": f"urn:frontline:{ds['slug']}:change:{e['id']}", "url": e["link"], "title": _title(e),
            "content_text": _text(e, ds), "content_html": _html(e, ds),
            "summary": e["summary_en"] or _title(e), "date_published": iso(e["published_at"]),
            "tags": [e["faction"], e["confidence"]] + [p["slug"] for p in e["places"]], "_frontline": ext}


def recent_text(recent: dict) -> str:
    """A war going on, in one sentence: what changed over the last 24 hours (app.read.summary)."""
    if not recent["changes"]:
        return "No change of control recorded in the last 24 hours."
    parts = [f"{f['faction']} +{f['gained_km2']:g} km² / -{f['lost_km2']:g} km²" for f in recent["factions"]]
    places = ", ".join(f"{p['name_en']} ({p['faction']})" for p in recent["places"][:10])
    return (f"Last 24 hours: {recent['changes']} change{'s' if recent['changes'] != 1 else ''}; " + "; ".join(parts)
            + (f". Places that changed hands: {places}." if places else "."))


def json_feed(items: list[dict], ds: dict, *, base: str, self_url: str, rev: int, recent: dict | None = None) -> bytes:
    ext = {"revision": rev, **({"last_24_hours": recent} if recent is not None else {})}
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": f"{ds['title_en']}: control changes",
           "home_page_url": f"{base}/", "feed_url": self_url,
           "description": "Each published change of control: instant, faction, confidence, area, places and sources."
                          + (f" {recent_text(recent)}" if recent is not None else ""),
           "language": "en", "_frontline": ext,
           "items": [json_item(e, ds) for e in items]}
    return dumps(doc)


def atom_feed(items: list[dict], ds: dict, *, base: str, self_url: str, rev: int, updated: datetime,
              recent: dict | None = None) -> bytes:
    """Atom 1.0 (RFC 4287), written with lxml (escaping, namespaces). feedgen was tried first: its 1.0 drops
    every attribute but href from entry links, which turns "related" source links into duplicate
    "alternate" ones, something RFC 4287 forbids."""
    from lxml import etree

    ns = "http://www.w3.org/2005/Atom"

    def el(parent, tag, text=None, **attrs):
        # The last guard (entries and the data set are cleaned already): lxml refuses what XML 1.0 cannot carry.
        e = etree.SubElement(parent, f"{{{ns}}}{tag}", {k: storable(v) for k, v in attrs.items() if v is not None})
        if text is not None:
            e.text = storable(text)
        return e

    def stamp(t: datetime) -> str:
        return t.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")

    feed = etree.Element(f"{{{ns}}}feed", nsmap={None: ns})
    feed.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    el(feed, "id", f"urn:frontline:{ds['slug']}:changes")
    el(feed, "title", f"{ds['title_en']}: control changes")
    el(feed, "subtitle", f"Each published change of control (revision {rev}): instant, faction, confidence, area, places and sources."
                         + (f" {recent_text(recent)}" if recent is not None else ""))
    el(feed, "updated", stamp(updated))
    el(el(feed, "author"), "name", "Frontline")
    el(feed, "link", href=self_url, rel="self", type="application/atom+xml")
    el(feed, "link", href=f"{base}/", rel="alternate", type="text/html")
    el(feed, "generator", "Frontline")
    for e in items:
        entry = el(feed, "entry")
        el(entry, "id", f"urn:frontline:{ds['slug']}:change:{e['id']}")
        el(entry, "title", _title(e))
        el(entry, "updated", stamp(e["published_at"]))
        el(entry, "published", stamp(e["published_at"]))
        el(entry, "link", href=e["link"], rel="alternate", type="text/html")
        for r in e["reports"]:
            if r["url"]:
                el(entry, "link", href=r["url"], rel="related", title=f"{r['publisher']}: {r['title']}"[:200])
        el(entry, "category", term=e["faction"], label=e["faction_en"], scheme=f"{base}/api/factions")
        el(entry, "category", term=e["confidence"], scheme=f"{base}/#confidence")
        for p in e["places"]:
            el(entry, "category", term=p["slug"], label=p["name_en"] or p["slug"], scheme=f"{base}/api/places")
        el(entry, "summary", _text(e, ds), type="text")
        el(entry, "content", _html(e, ds), type="html")
    return etree.tostring(feed, xml_declaration=True, encoding="utf-8")
