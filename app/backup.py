"""`frontline export` / `frontline import`: the whole data set as one versioned JSON file.

Rows are dumped as PostgreSQL renders them (geometry as hex EWKB, ranges as text), so an import restores
them bit for bit and every snapshot, live or revision-pinned, is identical afterwards. Users are exported
without password hashes unless asked (a restored user then has to be given a password again).
"""
from __future__ import annotations

import gzip
import json
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.errors import BadInput

FORMAT = "frontline-export"
VERSION = 1
# In dependency order (foreign keys); sessions and login attempts are not data.
TABLES = ["dataset", "factions", "users", "reports", "places", "revisions", "control_changes", "change_reports", "control_zones"]
SEQUENCES = {"factions": "id", "users": "id", "reports": "id", "places": "id", "revisions": "id",
             "control_changes": "id", "control_zones": "id"}


def export(session: Session, *, with_password_hashes: bool = False) -> dict:
    doc = {"format": FORMAT, "version": VERSION, "exported_at": datetime.now(timezone.utc).isoformat(),
           "with_password_hashes": with_password_hashes, "tables": {}}
    for t in TABLES:
        order = "change_id, report_id" if t == "change_reports" else "id"
        rows = session.execute(text(f"SELECT coalesce(json_agg(t ORDER BY {order}), '[]') FROM {t} t")).scalar_one()
        if t == "users" and not with_password_hashes:
            for r in rows:
                r["password_hash"] = None
        doc["tables"][t] = rows
    return doc


def write(doc: dict, path: Path) -> None:
    data = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    path.write_bytes(gzip.compress(data, 6) if path.suffix == ".gz" else data)


def read(path: Path) -> dict:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError as e:
        raise BadInput(f"{path} is not a Frontline export (not JSON: {e.msg})") from None
    if doc.get("format") != FORMAT:
        raise BadInput(f"{path} is not a Frontline export")
    if doc.get("version") != VERSION:
        raise BadInput(f"{path} is export format version {doc.get('version')}; this Frontline reads version {VERSION}")
    return doc


def import_(session: Session, doc: dict) -> dict:
    """Restore into an empty database (schema migrated, no data set). Does not commit."""
    if session.execute(text("SELECT count(*) FROM dataset")).scalar_one():
        raise BadInput("the database already holds a data set; import into an empty database")
    counts = {}
    for t in TABLES:
        rows = doc["tables"].get(t, [])
        if rows:
            session.execute(text(f"INSERT INTO {t} SELECT * FROM json_populate_recordset(NULL::{t}, CAST(:rows AS json))"),
                            {"rows": json.dumps(rows)})
        counts[t] = len(rows)
    for t, col in SEQUENCES.items():
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{t}', '{col}'), coalesce((SELECT max({col}) FROM {t}), 0) + 1, false)"))
    return counts
