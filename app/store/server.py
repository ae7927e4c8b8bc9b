"""The database server itself, before any schema: can it be reached, and does it offer PostGIS."""
from __future__ import annotations

import psycopg
from sqlalchemy.engine import make_url

POSTGIS_AVAILABLE = "SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'"


def postgis_available(database_url: str, *, connect_timeout: int = 5) -> bool:
    """Connect once to the server of `database_url`; raises psycopg.Error when that fails."""
    url = make_url(database_url)
    with psycopg.connect(host=url.host, port=url.port, user=url.username, password=url.password,
                         dbname=url.database, connect_timeout=connect_timeout) as conn:
        return bool(conn.execute(POSTGIS_AVAILABLE).fetchone()[0])
