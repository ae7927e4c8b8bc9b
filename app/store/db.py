"""Engines and sessions. The lifespan of the app owns them; nothing here runs at import time."""
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

    @classmethod
    def connect(cls, url: str, read_url: str | None = None) -> "Database":
        primary = make_engine(url)
        read = make_engine(read_url) if read_url else primary
        return cls(primary, read)

    def dispose(self) -> None:
        self.primary.dispose()
        if self.read is not self.primary:
            self.read.dispose()
