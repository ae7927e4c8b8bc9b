"""Tools for people who keep data sets: checking and tidying a data set folder (datacheck), finding the
gazetteer places a report names (matching) and importing a gazetteer (places_import).

May import: app.domain, app.store, app.platform and app.usecases. Never the web framework or an interface.
"""
