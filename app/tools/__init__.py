"""Tools for people who keep data sets: checking and tidying a data set folder (datacheck) and finding the
gazetteer places a report names (matching).

May import: app.domain, app.store, app.platform and app.usecases. Never the web framework or an interface.
"""
