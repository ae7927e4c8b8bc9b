"""The read side: what the public sees, built once per revision and served from memory. The publication
and its windows (model), the one byte cache (cache), the feeds (feeds), server-side pictures (pictures and
their worker pool, renderpool), base geography (basemap) and the static bake (bake).

May import: app.domain, app.store and app.platform. Never a use case, the web framework or an interface.
"""
