"""The HTTP API: routes only. Each parses its input (schemas, deps), calls a use case or the read side,
and shapes the response; errors (errors) maps domain errors to HTTP statuses.

May import: app.domain, app.platform, app.read, app.usecases, app.tools and app.web (templating). Never the
store: no SQL, no session opened or committed in a route (tests/unit/test_architecture.py).
"""
