"""`models.py` is the one schema source: the database the Alembic migrations build is the one the models describe.

Two fresh databases: one migrated as `frontline migrate` does (`alembic upgrade head`), one built from the models
alone (`Base.metadata.create_all`). Then:

1. Alembic's autogenerate comparison of the migrated database with the models (the options migrations/env.py
   uses: PostGIS's own tables and the GiST indexes GeoAlchemy2 makes are not drift) finds nothing.
2. Autogenerate does not see everything: it never compares CHECK and exclusion constraints, an index's method
   (GiST, GIN), operator classes or partial-index predicates, and its view of expression indexes and server
   defaults is partial. So the two databases' catalogs are compared as PostgreSQL itself renders them
   (format_type, pg_get_expr, pg_get_constraintdef, pg_get_indexdef): every column with its type, nullability
   and default, every constraint, every index. Column order is not compared (columns added by a later
   migration come last; nothing reads rows by position).
3. Triggers and their functions are SQL in the migrations, which the models cannot build; models.TRIGGERS
   names them, and the migrated database must have exactly those.

And the migration files sort in the order they run (migrations/README.md).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from app import PROJECT_ROOT, cli
from app.store import models
from app.store.db import Base, migration_options
from tests.conftest import _create_database, drop_database, plain_url

PREFIX = os.environ.get("FRONTLINE_TEST_DB", "frontline_test")

# Objects of the public schema that belong to an extension (PostGIS's spatial_ref_sys) or to Alembic
# (alembic_version) are not the app's schema.
NOT_EXTENSION = """NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass
                                AND e.objid = c.oid AND e.deptype = 'e') AND c.relname <> 'alembic_version'"""
CATALOG = {
    "column": f"""
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               pg_get_expr(d.adbin, d.adrelid)
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
          AND {NOT_EXTENSION}""",
    # contype t: constraint triggers (compared with the triggers); n: NOT NULL (PostgreSQL 18; in the columns).
    "constraint": f"""
        SELECT c.relname, con.conname, con.contype, pg_get_constraintdef(con.oid)
        FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND con.contype NOT IN ('t', 'n') AND {NOT_EXTENSION}""",
    "index": f"""
        SELECT c.relname, i.relname, pg_get_indexdef(x.indexrelid)
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND {NOT_EXTENSION}""",
}
TRIGGERS = f"""
    SELECT c.relname, t.tgname, p.proname
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_proc p ON p.oid = t.tgfoid
    WHERE n.nspname = 'public' AND NOT t.tgisinternal AND {NOT_EXTENSION}"""


@pytest.fixture(scope="module")
def migrated_url(base_settings):
    url = _create_database(base_settings.database_url, f"{PREFIX}_drift_migrated")
    cli.migrate(base_settings.model_copy(update={"database_url": url}))
    yield url
    drop_database(base_settings.database_url, url)


@pytest.fixture(scope="module")
def models_url(base_settings):
    url = _create_database(base_settings.database_url, f"{PREFIX}_drift_models")
    engine = create_engine(url)
    with engine.begin() as conn:
        for ext in models.EXTENSIONS:
            conn.execute(text(f"CREATE EXTENSION IF NOT EXISTS {ext}"))
        Base.metadata.create_all(conn)
    engine.dispose()
    yield url
    drop_database(base_settings.database_url, url)


def _catalog(url: str) -> dict[str, set[tuple]]:
    with psycopg.connect(plain_url(url)) as conn:
        out = {kind: {tuple(r) for r in conn.execute(sql)} for kind, sql in CATALOG.items()}
        out["trigger"] = {tuple(r) for r in conn.execute(TRIGGERS)}
    return out


def _differences(migrated: set[tuple], declared: set[tuple], kind: str) -> list[str]:
    return ([f"{kind} only in the migrated database: {r}" for r in sorted(migrated - declared, key=repr)]
            + [f"{kind} only in the models: {r}" for r in sorted(declared - migrated, key=repr)])


def _describe(d) -> str:
    """One line per autogenerate difference: ('remove_table', Table) -> 'remove_table webhook_endpoints'."""
    if isinstance(d, list):  # a column's modifications: [(op, schema, table, column, existing, old, new)]
        shown = lambda v: getattr(getattr(v, "arg", v), "text", v)  # a server default's SQL text
        return "; ".join(f"{op} {table}.{column}: {shown(old)!r} -> {shown(new)!r}" for op, _, table, column, _, old, new in d)
    op, obj = d[0], d[-1]
    table = getattr(obj, "table", None)
    where = f"{table.name}." if table is not None else ""
    return f"{op} {where}{getattr(obj, 'name', obj)}" + (f" ({d[2]})" if op.endswith("column") else "")


def test_autogenerate_finds_no_difference_between_migrations_and_models(migrated_url):
    engine = create_engine(migrated_url)
    try:
        with engine.connect() as conn:
            opts = {k: v for k, v in migration_options().items() if k != "process_revision_directives"}
            diff = compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata)
    finally:
        engine.dispose()
    assert not diff, "models.py and the migrations differ (autogenerate):\n" + "\n".join(map(_describe, diff))


def test_catalogs_of_migrated_and_model_built_databases_agree(migrated_url, models_url):
    # What autogenerate cannot compare: CHECK and exclusion constraints, index methods, operator classes,
    # partial-index predicates, expression indexes (see the module docstring).
    migrated, declared = _catalog(migrated_url), _catalog(models_url)
    problems = []
    for kind in CATALOG:
        problems += _differences(migrated[kind], declared[kind], kind)
    # The models cannot create triggers; they name them (models.TRIGGERS) and the migrations must build those.
    assert declared["trigger"] == set()
    problems += _differences(migrated["trigger"], {(t, name, fn) for (t, name), fn in models.TRIGGERS.items()},
                             "trigger")
    assert not problems, "models.py and the migrations differ:\n" + "\n".join(problems)


def test_migration_files_sort_in_the_order_they_run():
    # <step>_<revision id>[_<what>].py, the step being the place in the chain (migrations/README.md).
    scripts = ScriptDirectory.from_config(Config(str(PROJECT_ROOT / "alembic.ini")))
    chain = list(reversed(list(scripts.walk_revisions())))  # base first
    names = [Path(sc.path).name for sc in chain]
    assert names == sorted(names), f"the files do not sort in the order they run: {names}"
    for step, (sc, name) in enumerate(zip(chain, names), start=1):
        assert re.fullmatch(rf"{step:03d}_{re.escape(sc.revision)}(_[a-z0-9_]+)?\.py", name), \
            f"{name} (revision {sc.revision}, step {step}) should be named {step:03d}_{sc.revision}_<what>.py"
        assert f"Step {step}" in (sc.module.__doc__ or ""), f"{name}: its docstring should say 'Step {step}'"


def _war_catalog(url: str, schema: str) -> dict[str, set[tuple]]:
    """The catalog of one schema, read with that schema first on the search path (so its own tables and those of
    public are named alike), less the tables every war shares."""
    with psycopg.connect(plain_url(url)) as conn:
        conn.execute(f"SET search_path TO {schema}, public")
        out = {kind: {tuple(r) for r in conn.execute(sql.replace("n.nspname = 'public'", f"n.nspname = '{schema}'"))}
               for kind, sql in CATALOG.items()}
        out["trigger"] = {tuple(r) for r in conn.execute(TRIGGERS.replace("n.nspname = 'public'", f"n.nspname = '{schema}'"))}
    # Index definitions name the schema: left out, the rest must be equal.
    plain = lambda r: tuple(v.replace(f"{schema}.", "") if isinstance(v, str) else v for v in r)
    return {kind: {plain(r) for r in rows if r[0] not in models.SHARED_TABLES} for kind, rows in out.items()}


def test_a_wars_schema_is_the_migrated_schema(migrated_url):
    """`frontline war add` makes a war's tables from the models: they must be what the migrations made in public
    (columns, constraints, indexes, triggers), so every war runs the same statements the same way."""
    from sqlalchemy.orm import Session

    from app.store import wars

    engine = create_engine(migrated_url)
    try:
        with Session(engine) as s:
            first = wars.create(s, "drift-first")   # takes public (its tables hold no data set)
            second = wars.create(s, "drift-second")  # a schema of its own
            s.commit()
        assert first["schema"] == "public" and second["schema"] == "war_drift_second"
        public, own = _war_catalog(migrated_url, "public"), _war_catalog(migrated_url, second["schema"])
        problems = []
        for kind in public:
            problems += _differences(public[kind], own[kind], kind)
        assert not problems, "a war's schema differs from the migrated one:\n" + "\n".join(problems)
    finally:
        with Session(engine) as s:
            wars.drop(s, "drift-second")
            wars.drop(s, "drift-first")
            s.commit()
        engine.dispose()
