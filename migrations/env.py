"""Alembic environment. The options (app/store/db.py: migration_options) are the ones the schema drift test
compares with: GeoAlchemy2's helpers keep autogenerate from duplicating GiST indexes or reporting PostGIS's
own tables, and column types and server defaults are compared."""
from alembic import context
from sqlalchemy import create_engine, pool

from app.store import models  # noqa: F401  (registers the tables)
from app.store.db import migration_options

config = context.config


def database_url() -> str:
    """`frontline migrate` passes its URL; the `alembic` command uses the app's settings (DATABASE_URL, or the
    private cluster, started if needed)."""
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from app.platform.config import load_settings

    return load_settings().database_url


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, **migration_options())
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        context.configure(connection=conn, **migration_options())
        with context.begin_transaction():
            context.run_migrations()


run()
