"""KML 2.2 of zones: one style per faction (its colour), one placemark per zone with its validity as a
TimeSpan and its area, the geometry written from the zone's GeoJSON object."""
from __future__ import annotations

from xml.sax.saxutils import escape

from app.domain.text import storable
from app.domain.times import iso

MEDIA_TYPE = "application/vnd.google-earth.kml+xml"


def _coords(ring) -> str:
    points = ring.tolist() if hasattr(ring, "tolist") else ring
    return " ".join(f"{x},{y}" for x, y in points)


def kml(zones: list[dict], factions: dict) -> str:
    """`factions`: slug -> faction row (name_en, color), in the order their styles are written."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>',
           "<name>Frontline control zones</name>"]
    for slug, f in factions.items():
        c = f["color"].lstrip("#")
        out.append(f'<Style id="{escape(slug)}"><LineStyle><color>ff{c[4:6]}{c[2:4]}{c[0:2]}</color><width>1.5</width></LineStyle>'
                   f'<PolyStyle><color>80{c[4:6]}{c[2:4]}{c[0:2]}</color></PolyStyle></Style>')
    for z in zones:
        name = factions.get(z["faction"], {}).get("name_en", z["faction"])
        begin, end = iso(z["valid_from"]), iso(z["valid_to"])
        out.append(f"<Placemark><name>{escape(name)}</name><styleUrl>#{escape(z['faction'])}</styleUrl>"
                   f"<TimeSpan><begin>{begin}</begin>{'<end>' + end + '</end>' if end else ''}</TimeSpan>"
                   f"<ExtendedData><Data name=\"faction\"><value>{escape(z['faction'])}</value></Data>"
                   f"<Data name=\"area_km2\"><value>{z['area_km2']}</value></Data></ExtendedData><MultiGeometry>")
        for poly in z["geometry"]["coordinates"]:
            out.append("<Polygon><outerBoundaryIs><LinearRing><coordinates>" + _coords(poly[0]) + "</coordinates></LinearRing></outerBoundaryIs>")
            for hole in poly[1:]:
                out.append("<innerBoundaryIs><LinearRing><coordinates>" + _coords(hole) + "</coordinates></LinearRing></innerBoundaryIs>")
            out.append("</Polygon>")
        out.append("</MultiGeometry></Placemark>")
    out.append("</Document></kml>")
    # A name stored before the text rule may hold what XML cannot carry (app.domain.text): KML is XML too.
    return storable("\n".join(out))
