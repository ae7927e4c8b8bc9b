"""`frontline export` / `frontline import`: the whole data set as one versioned file, streamed both ways.

Format version 3 is JSON Lines (gzip-compressed when the name ends in .gz): a header line
`{"format": "frontline-export", "version": 3, ..., "tables": [...], "wars": [...]}`, then for each table a line
`{"@table": "name"}` (the tables every war shares: accounts and the list of wars) or `{"@table": "name",
"@war": "slug"}` (a war's own tables, once per war, app/store/wars.py) followed by one line per row, the row as PostgreSQL renders it (`row_to_json`: geometry
as hex EWKB, ranges as text, bytea as hex), so an import restores it bit for bit and every snapshot, live or
revision-pinned, is identical afterwards, in every war. Versions 1 (one JSON document) and 2 (one war, no
`@war`) are still read: their data set becomes the database's first war.

Every table of the schema is in the file except those in SKIPPED, each for the reason given there:

- exported: dataset, factions, users, reports, places, revisions, control_changes, change_reports,
  control_zones, webhook_endpoints, webhook_deliveries (the tables of app/store/models.py, the one schema
  source, which the migrations agree with: tests/db/test_schema_drift.py). Webhook endpoints are exported with
  their filters and secrets (a restored instance must sign as before), and the delivery queue and log with them
  (a delivery row exists exactly when its revision does; a pending one is sent by the restored instance).
- skipped: user_sessions and login_attempts (sign-in state: sessions would outlive the server they were opened
  on, and the throttling records are about the source's sign-ins, not the data set), alembic_version (the
  target's schema version, written by `frontline migrate`, which `frontline import` runs first) and
  spatial_ref_sys (PostGIS's own table, created with the extension).
  tests/reliability/test_backup_tables.py checks that the tables of a migrated database, less these, are the
  tables of an export.

Memory stays bounded whatever the size of the data set: the tables come from the SQLAlchemy metadata
(app/store/models.py, in foreign-key order, so a new or changed table is exported without touching this file),
rows are read through a server-side cursor and written line by line, never gathered into one JSON value in
PostgreSQL or in Python; the import reads the file line by line and inserts batches of rows.
Users are exported without password hashes unless asked (a restored user then has to be given a password).
The file holds the editors' user names and the webhook secrets: keep it as private as the database.
"""
from __future__ import annotations

import gzip
import io
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from sqlalchemy import Integer, text
from sqlalchemy.orm import Session

from app.domain.errors import BadInput

FORMAT = "frontline-export"
VERSION = 3
# Tables of the schema deliberately left out of an export, and why (see the docstring).
SKIPPED = {
    "user_sessions": "sign-in state: a session belongs to the server it was opened on",
    "login_attempts": "sign-in throttling records of the source, not the data set",
    "alembic_version": "the schema version: the target's own, written by `frontline migrate`",
    "spatial_ref_sys": "PostGIS's table, created with the extension",
}
SKIP = set(SKIPPED)
BATCH_BYTES = 4_000_000
FETCH_ROWS = 1000


def tables():
    """The data tables in dependency order (parents before children), from the models' metadata."""
    from app.store import models  # noqa: F401  (registers the tables)
    from app.store.db import Base

    return [t for t in Base.metadata.sorted_tables if t.name not in SKIP]


def _order_by(table) -> str:
    cols = [c.name for c in table.primary_key.columns] or [c.name for c in table.columns]
    return ", ".join(f'"{c}"' for c in cols)


def export(session: Session, out: io.BufferedIOBase | io.TextIOBase, *, with_password_hashes: bool = False) -> dict[str, int]:
    """Write every war and the accounts to a text stream as JSON Lines; returns rows per table (a war's tables
    as `slug/table`)."""
    from app.store import wars as war_store
    from app.store.models import SHARED_TABLES

    ts = tables()
    war_list = war_store.all_wars(session)
    header = {"format": FORMAT, "version": VERSION, "exported_at": datetime.now(timezone.utc).isoformat(),
              "with_password_hashes": with_password_hashes, "tables": [t.name for t in ts],
              "wars": [{k: w[k] for k in ("slug", "schema", "is_default", "position")} for w in war_list]}
    out.write(json.dumps(header) + "\n")
    counts = {}
    # One transaction, so the wars are exported as of one moment.
    for t in [t for t in ts if t.name in SHARED_TABLES]:
        counts[t.name] = _export_table(session, out, t, None, with_password_hashes)
    # Before any war is registered, the data set in public is exported as one (without @war).
    for w in war_list or [None]:
        schema = w["schema"] if w else war_store.PUBLIC
        session.execute(text("SELECT set_config('search_path', :p, true)"),
                        {"p": "public" if schema == war_store.PUBLIC else f"{schema}, public"})
        for t in [t for t in ts if t.name not in SHARED_TABLES]:
            n = _export_table(session, out, t, w["slug"] if w else None, with_password_hashes)
            counts[f"{w['slug']}/{t.name}" if w else t.name] = n
    return counts


def _export_table(session: Session, out, t, war: str | None, with_password_hashes: bool) -> int:
    """One table (of the war the session's search path names, for a war's table) as a marker line and its rows."""
    conn = session.connection().execution_options(stream_results=True, yield_per=FETCH_ROWS)
    out.write(json.dumps({"@table": t.name, **({"@war": war} if war else {})}) + "\n")
    n = 0
    # A server-side cursor: rows arrive FETCH_ROWS at a time, each rendered to JSON by PostgreSQL.
    result = conn.execute(text(f'SELECT row_to_json(t)::text FROM "{t.name}" t ORDER BY {_order_by(t)}'))
    for (line,) in result:
        if t.name == "users" and not with_password_hashes:
            row = json.loads(line)
            row["password_hash"] = None
            line = json.dumps(row, ensure_ascii=False)
        out.write(line + "\n")
        n += 1
    return n


def export_to(session: Session, path: Path, *, with_password_hashes: bool = False) -> dict[str, int]:
    tmp = path.with_name(path.name + ".part")
    opener = (lambda p: gzip.open(p, "wt", encoding="utf-8", compresslevel=6)) if path.suffix == ".gz" else \
        (lambda p: open(p, "w", encoding="utf-8"))
    with opener(tmp) as out:
        counts = export(session, out, with_password_hashes=with_password_hashes)
    tmp.replace(path)
    return counts


def _open(path: Path):
    with open(path, "rb") as f:
        magic = f.read(2)
    return gzip.open(path, "rt", encoding="utf-8") if magic == b"\x1f\x8b" else open(path, encoding="utf-8")


def read(path: Path) -> dict:
    """The file's header (format, version, tables); refuses what is not a Frontline export."""
    try:
        with _open(path) as f:
            first = f.readline(10_000_000)
            if first.lstrip().startswith("{") and '"@table"' not in first:
                try:
                    head = json.loads(first)
                except json.JSONDecodeError:
                    head = None
                if head is None:  # version 1: one document, possibly on one line
                    f.seek(0)
                    head = json.load(f)
            else:
                head = None
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BadInput(f"{path} is not a Frontline export ({e.__class__.__name__})") from None
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        raise BadInput(f"{path} is not a Frontline export")
    if head.get("version") not in (1, 2, 3):
        raise BadInput(f"{path} is export format version {head.get('version')}; this Frontline reads versions 1 to 3")
    return head


def batches(path: Path) -> Iterator[tuple[str, str | None, list[str]]]:
    """(table, war slug or None, rows as JSON texts) in file order, in batches of at most BATCH_BYTES."""
    head = read(path)
    if head["version"] == 1:
        with _open(path) as f:
            doc = json.load(f)  # version 1 files are one document; read as before
        for name, rows in doc["tables"].items():
            for i in range(0, len(rows), 1000):
                yield name, None, [json.dumps(r, ensure_ascii=False) for r in rows[i:i + 1000]]
        return
    with _open(path) as f:
        f.readline()
        table, war, batch, size = None, None, [], 0
        for lineno, line in enumerate(f, start=2):
            line = line.rstrip("\n")
            if not line:
                continue
            if line.startswith('{"@table"'):
                if table is not None and batch:
                    yield table, war, batch
                marker = json.loads(line)
                table, war, batch, size = marker["@table"], marker.get("@war"), [], 0
                continue
            if table is None:
                raise BadInput(f"{path} line {lineno}: a row before any table")
            batch.append(line)
            size += len(line)
            if size >= BATCH_BYTES:
                yield table, war, batch
                batch, size = [], 0
        if table is not None and batch:
            yield table, war, batch


def import_(session: Session, path: Path) -> dict[str, int]:
    """Restore into an empty database (schema migrated, no war, no data set): the accounts, the list of wars and
    every war's tables (a war's schema is made as `frontline war add` makes it). Does not commit."""
    from app.store import wars as war_store
    from app.store.models import SHARED_TABLES

    session.execute(text("SELECT set_config('search_path', 'public', true)"))
    if session.execute(text("SELECT count(*) FROM dataset")).scalar_one():
        raise BadInput("the database already holds a data set; import into an empty database")
    known = {t.name: t for t in tables()}
    for name in known:  # e.g. a webhook endpoint or a user added before the import: its id would collide
        if session.execute(text(f'SELECT EXISTS (SELECT 1 FROM "{name}")')).scalar_one():
            raise BadInput(f"the database already holds rows in {name}; import into an empty database")
    counts: dict[str, int] = {}
    schemas: dict[str | None, str] = {None: war_store.PUBLIC}
    current = None
    for name, war, rows in batches(path):
        if name not in known:
            raise BadInput(f"{path} holds a table this Frontline does not know: {name[:60]!r}")
        if name in SHARED_TABLES and war is not None:
            raise BadInput(f"{path}: the shared table {name!r} is given for the war {war[:60]!r}")
        target = None if name in SHARED_TABLES else war
        if target not in schemas:
            row = session.execute(text("SELECT schema FROM public.wars WHERE slug = :s"), {"s": target}).scalar_one_or_none()
            if row is None:
                raise BadInput(f"{path}: rows of the war {target[:60]!r} come before the war is listed")
            if row != war_store.PUBLIC:
                war_store.create_schema(session, row)
            schemas[target] = row
        schema = schemas[target]
        if schema != current:
            session.execute(text("SELECT set_config('search_path', :p, true)"),
                            {"p": "public" if schema == war_store.PUBLIC else f"{schema}, public"})
            current = schema
        session.execute(text(f'INSERT INTO "{name}" SELECT * FROM json_populate_recordset(NULL::"{name}", CAST(:rows AS json))'),
                        {"rows": "[" + ",".join(rows) + "]"})
        key = f"{target}/{name}" if target else name
        counts[key] = counts.get(key, 0) + len(rows)
    for schema in set(schemas.values()):
        session.execute(text("SELECT set_config('search_path', :p, true)"),
                        {"p": "public" if schema == war_store.PUBLIC else f"{schema}, public"})
        for t in known.values():
            if t.name in SHARED_TABLES and schema != war_store.PUBLIC:
                continue
            pk = list(t.primary_key.columns)
            if len(pk) == 1 and isinstance(pk[0].type, Integer):
                session.execute(text("SELECT setval(s, coalesce((SELECT max(\"%s\") FROM \"%s\"), 0) + 1, false) "
                                     "FROM pg_get_serial_sequence(:t, :c) s WHERE s IS NOT NULL" % (pk[0].name, t.name)),
                                {"t": t.name, "c": pk[0].name})
    session.execute(text("SELECT set_config('search_path', 'public', true)"))
    # A file from before wars (or with no war listed): its data set is the database's first war.
    if session.execute(text("SELECT count(*) FROM dataset")).scalar_one() and \
            not session.execute(text("SELECT EXISTS (SELECT 1 FROM wars)")).scalar_one():
        war_store.register_here(session, session.execute(text("SELECT slug FROM dataset LIMIT 1")).scalar_one())
    return counts
