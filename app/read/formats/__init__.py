"""Formatters, one per format in its own module (as pygeoapi's `formatter/`): each takes the read side's objects
(a publication, zones whose geometry is a GeoJSON object, feed entries, database rows) and writes bytes or a
document. Nothing here reads the database, and nothing parses a formatter's output back.

- json_: the one JSON encoder (numpy coordinates, text fragments rendered by PostGIS)
- geojson: zones as GeoJSON features, the snapshot FeatureCollection, the diff's gained/lost areas
- kml: zones as KML placemarks with their validity as a TimeSpan
- csv_: the areas of every faction at every change instant
- feeds: Atom 1.0 and JSON Feed 1.1 of the published changes
- ogc: a zone version as an OGC API - Features item
- timeline: the viewer's timeline index and its windows (keyframe and changes)

May import what app.read may (app.domain, app.platform; libraries), and nothing that does I/O.
"""
