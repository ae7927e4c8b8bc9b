"""Alembic environment. geoalchemy2's helpers keep autogenerate from duplicating GiST indexes."""
from alembic import context
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine, pool

from app.store import models  # noqa: F401  (registers the tables)
from app.store.db import Base

config = context.config
url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")


def include_object(obj, name, type_, reflected, compare_to):
    if type_ == "table" and name == "spatial_ref_sys":
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)


def run() -> None:
    connection = config.attributes.get("connection")
    kwargs = dict(
        target_metadata=Base.metadata,
        include_object=include_object,
        process_revision_directives=alembic_helpers.writer,
        render_item=alembic_helpers.render_item,
        compare_type=True,
    )
    if connection is not None:
        context.configure(connection=connection, **kwargs)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        context.configure(connection=conn, **kwargs)
        with context.begin_transaction():
            context.run_migrations()


run()
