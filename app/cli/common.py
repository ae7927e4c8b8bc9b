"""What the command groups share: the database checked and migrated, one session per command, a progress bar.

`session_scope(settings)` is the one place a command gets its unit of work: an engine of one connection and a
session on it, both closed when the command is done. The use cases it is handed to commit.
"""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app import PROJECT_ROOT
from app.domain.errors import SetupError


@contextmanager
def session_scope(settings, war: str | None = None) -> Iterator[Session]:
    """A session on the settings' database for one command, working in the war `war` (its slug; None: the
    default war, or the tables of `public` before any war exists); the engine is disposed of afterwards.
    `session.info["war"]` is the war's row (None before any war). An unknown slug is a SetupError."""
    from app.store import wars
    from app.store.db import make_engine

    engine = make_engine(settings.database_url, pool_size=1)
    try:
        with Session(engine) as probe:
            try:
                row = wars.resolve(probe, war)
            except wars.UnknownWar:
                known = ", ".join(w["slug"] for w in wars.all_wars(probe)) or "none yet"
                raise SetupError(f"there is no war {war!r} (wars: {known}; `frontline war add` makes one)") from None
        with wars.sessionmaker_for(engine, row["schema"] if row else wars.PUBLIC)() as session:
            session.info["war"] = row
            yield session
    finally:
        engine.dispose()


def check_database(settings) -> None:
    """Connect once and say clearly which setting is wrong when it fails."""
    import psycopg

    from app.store.server import postgis_available

    url = make_url(settings.database_url)
    try:
        has = postgis_available(settings.database_url)
    except psycopg.Error as e:
        where = "DATABASE_URL" if os.environ.get("DATABASE_URL") or os.environ.get("FRONTLINE_DATABASE_URL") else "the private cluster"
        reason = str(e).strip().splitlines()[0] if str(e).strip() else e.__class__.__name__
        raise SetupError(f"cannot connect to the database given by {where} "
                         f"({url.render_as_string(hide_password=True)}): {reason}\n"
                         "Fix DATABASE_URL, or unset it to let Frontline run its own PostgreSQL.") from None
    if not has:
        raise SetupError(f"the database server at {url.host}:{url.port} has no PostGIS; install it there "
                         "(Debian: apt-get install postgresql-15-postgis-3) or point DATABASE_URL elsewhere")


def migrate(settings) -> None:
    """Bring the schema up to date (Alembic), then refold zones stored before cells existed."""
    from alembic import command
    from alembic.config import Config

    from app.usecases import changes as services

    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.attributes["url"] = settings.database_url
    command.upgrade(cfg, "head")
    with session_scope(settings) as s:
        services.refold_legacy(s)


def bar(stage: str, done: int, total: int) -> None:
    """A progress bar on standard error (one line per stage)."""
    n = int(30 * done / total) if total else 30
    print(f"\r{stage:<22} [{'#' * n}{'.' * (30 - n)}] {done}/{total}", end="" if done < total else "\n",
          file=sys.stderr, flush=True)
