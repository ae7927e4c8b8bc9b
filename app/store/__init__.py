"""The store: the schema and every SQL statement. `models.py` is the one schema source (the Alembic
migrations agree with it: tests/db/test_schema_drift.py); `queries.py` and its siblings hold the statements,
always with bound parameters; `db.py` the engines and sessions; `backup.py` export and import of every table.

May import: app.domain, app.platform and the database libraries (SQLAlchemy, GeoAlchemy2, psycopg). Never the
web framework, a use case, the read side or an interface. No SQL anywhere else in app/
(tests/unit/test_architecture.py).
"""
