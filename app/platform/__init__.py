"""The platform: what runs the app on a machine. Settings (config), the private PostgreSQL cluster
(pgcluster), how uvicorn serves (server), security headers and the body limit (security), rate limits
(ratelimit), the micro-cache in front of the public read path (fastpath) and the one 304 rule (conditional).

May import: app.domain (its errors) and libraries. Nothing above it: no store, use case, read side or route.
"""
