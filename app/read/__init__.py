"""The read side: what the public sees, built once per revision and served from memory. The read model
that keeps it and follows new revisions (model), the publication of a revision and its zones (publication),
the built responses (payload), the one byte cache class (cache), one formatter per format (formats/:
GeoJSON, KML, CSV, feeds, OGC items, the timeline, JSON), per-request look-ups (lookup: a point, the
gazetteer, the revision list), the feeds' entries (feeds), server-side pictures (pictures and their worker
pool, renderpool) and base geography (basemap). Its SQL is in the store.

May import: app.domain, app.store and app.platform. Never a use case, the web framework or an interface.
"""
