"""`frontline export` / `frontline import`: the whole data set as one versioned file, streamed both ways.

Format version 2 is JSON Lines (gzip-compressed when the name ends in .gz): a header line
`{"format": "frontline-export", "version": 2, ..., "tables": [...]}`, then for each table a line
`{"@table": "name"}` followed by one line per row, the row as PostgreSQL renders it (`row_to_json`: geometry
as hex EWKB, ranges as text, bytea as hex), so an import restores it bit for bit and every snapshot, live or
revision-pinned, is identical afterwards. Version 1 (one JSON document) is still read.

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
VERSION = 2
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
    """Write the data set to a text stream as JSON Lines; returns rows per table."""
    ts = tables()
    header = {"format": FORMAT, "version": VERSION, "exported_at": datetime.now(timezone.utc).isoformat(),
              "with_password_hashes": with_password_hashes, "tables": [t.name for t in ts]}
    out.write(json.dumps(header) + "\n")
    counts = {}
    conn = session.connection().execution_options(stream_results=True, yield_per=FETCH_ROWS)
    for t in ts:
        out.write(json.dumps({"@table": t.name}) + "\n")
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
        counts[t.name] = n
    return counts


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
    if head.get("version") not in (1, 2):
        raise BadInput(f"{path} is export format version {head.get('version')}; this Frontline reads versions 1 and 2")
    return head


def batches(path: Path) -> Iterator[tuple[str, list[str]]]:
    """(table, rows as JSON texts) in file order, in batches of at most BATCH_BYTES."""
    head = read(path)
    if head["version"] == 1:
        with _open(path) as f:
            doc = json.load(f)  # version 1 files are one document; read as before
        for name, rows in doc["tables"].items():
            for i in range(0, len(rows), 1000):
                yield name, [json.dumps(r, ensure_ascii=False) for r in rows[i:i + 1000]]
        return
    with _open(path) as f:
        f.readline()
        table, batch, size = None, [], 0
        for lineno, line in enumerate(f, start=2):
            line = line.rstrip("\n")
            if not line:
                continue
            if line.startswith('{"@table"'):
                if table is not None and batch:
                    yield table, batch
                table, batch, size = json.loads(line)["@table"], [], 0
                continue
            if table is None:
                raise BadInput(f"{path} line {lineno}: a row before any table")
            batch.append(line)
            size += len(line)
            if size >= BATCH_BYTES:
                yield table, batch
                batch, size = [], 0
        if table is not None and batch:
            yield table, batch


def import_(session: Session, path: Path) -> dict[str, int]:
    """Restore into an empty database (schema migrated, no data set). Does not commit."""
    if session.execute(text("SELECT count(*) FROM dataset")).scalar_one():
        raise BadInput("the database already holds a data set; import into an empty database")
    known = {t.name: t for t in tables()}
    for name in known:  # e.g. a webhook endpoint or a user added before the import: its id would collide
        if session.execute(text(f'SELECT EXISTS (SELECT 1 FROM "{name}")')).scalar_one():
            raise BadInput(f"the database already holds rows in {name}; import into an empty database")
    counts = {name: 0 for name in known}
    for name, rows in batches(path):
        if name not in known:
            raise BadInput(f"{path} holds a table this Frontline does not know: {name[:60]!r}")
        session.execute(text(f'INSERT INTO "{name}" SELECT * FROM json_populate_recordset(NULL::"{name}", CAST(:rows AS json))'),
                        {"rows": "[" + ",".join(rows) + "]"})
        counts[name] += len(rows)
    for t in known.values():
        pk = list(t.primary_key.columns)
        if len(pk) == 1 and isinstance(pk[0].type, Integer):
            session.execute(text("SELECT setval(s, coalesce((SELECT max(\"%s\") FROM \"%s\"), 0) + 1, false) "
                                 "FROM pg_get_serial_sequence(:t, :c) s WHERE s IS NOT NULL" % (pk[0].name, t.name)),
                            {"t": t.name, "c": pk[0].name})
    return counts
