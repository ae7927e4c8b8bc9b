"""Engines and sessions (the lifespan of the app owns them; nothing here runs at import time), the declarative
base with its naming convention, and the options Alembic compares the models with (migration_options)."""
from __future__ import annotations

from dataclasses import dataclass

import orjson
from sqlalchemy import MetaData, create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, sessionmaker

# Stable constraint names, so Alembic migrations and error messages can refer to them.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# Tables PostGIS and its companion extensions create (in public or in their own schemas): theirs, not ours.
EXTENSION_SCHEMAS = {"topology", "tiger", "tiger_data"}
EXTENSION_TABLES = {"spatial_ref_sys", "us_gaz", "us_lex", "us_rules"}


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """What Alembic's autogenerate compares: everything but the extensions' own tables (GeoAlchemy2's helper
    leaves out spatial_ref_sys, geometry_columns and the like; the topology and tiger schemas are left out too)."""
    from geoalchemy2 import alembic_helpers

    if type_ == "table" and (name in EXTENSION_TABLES or getattr(obj, "schema", None) in EXTENSION_SCHEMAS):
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)


def migration_options() -> dict:
    """The options migrations/env.py gives Alembic, and tests/db/test_schema_drift.py its comparison: GeoAlchemy2's
    helpers, so the GiST index of a geometry column is not reported (or written) twice, and comparison of column
    types and server defaults. (Imported here, not at the top: geoalchemy2.alembic_helpers loads Alembic.)"""
    from geoalchemy2 import alembic_helpers

    return dict(
        target_metadata=Base.metadata,
        include_object=include_object,
        process_revision_directives=alembic_helpers.writer,
        render_item=alembic_helpers.render_item,
        compare_type=True,
        compare_server_default=True,
    )


def make_engine(url: str, *, pool_size: int = 5, connect_timeout: int = 5) -> Engine:
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=10,
        pool_pre_ping=True,
        pool_timeout=10,
        connect_args={"connect_timeout": connect_timeout, "application_name": "frontline"},
        # jsonb columns (a zone piece's change ids: thousands per snapshot of a long war) decoded by orjson,
        # several times faster than the standard library's json.
        json_deserializer=orjson.loads,
    )


@dataclass
class Database:
    """The primary (writes, read-your-own-write) and the read engine (a replica when configured)."""
    primary: Engine
    read: Engine

    def __post_init__(self):
        self.Session = sessionmaker(self.primary, expire_on_commit=False)
        self.ReadSession = sessionmaker(self.read, expire_on_commit=False)
        self._wars: dict[str, tuple[sessionmaker, sessionmaker]] = {}

    def war_sessions(self, schema: str) -> tuple[sessionmaker, sessionmaker]:
        """(Session, ReadSession) of the war whose tables are in `schema` (app/store/wars.py): every transaction
        of theirs works in that war. The sessions of the war in `public` are the plain ones."""
        if schema == "public":
            return self.Session, self.ReadSession
        if schema not in self._wars:
            from app.store.wars import sessionmaker_for

            self._wars[schema] = (sessionmaker_for(self.primary, schema), sessionmaker_for(self.read, schema))
        return self._wars[schema]

    @classmethod
    def connect(cls, url: str, read_url: str | None = None) -> "Database":
        primary = make_engine(url)
        read = make_engine(read_url) if read_url else primary
        return cls(primary, read)

    def dispose(self) -> None:
        self.primary.dispose()
        if self.read is not self.primary:
            self.read.dispose()
