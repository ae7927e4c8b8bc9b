"""Backups: `frontline export FILE` (every table, streamed) and `frontline import FILE` (into an empty database)."""
from __future__ import annotations

import sys
from pathlib import Path

from app.cli.common import check_database, migrate, session_scope
from app.platform.config import load_settings


def cmd_export(args) -> int:
    from app.store import backup

    s = load_settings()
    check_database(s)
    with session_scope(s) as session:
        # streamed: rows go from a server-side cursor to the file one line at a time (bounded memory)
        n = backup.export_to(session, Path(args.file), with_password_hashes=args.with_password_hashes)
    print(f"exported to {args.file}: " + ", ".join(f"{v} {k}" for k, v in n.items()))
    return 0


def cmd_import(args) -> int:
    from app.store import backup
    from app.domain.errors import FrontlineError

    s = load_settings()
    check_database(s)
    migrate(s)
    try:
        with session_scope(s) as session:
            counts = backup.import_(session, Path(args.file))
            session.commit()
    except FrontlineError as e:
        print(f"frontline import: {e.message}", file=sys.stderr)
        return 1
    print("imported: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


def add_export(sub) -> None:
    ex = sub.add_parser("export", help="write the whole data set to a versioned file (.json or .json.gz)")
    ex.add_argument("file")
    ex.add_argument("--with-password-hashes", action="store_true", help="include users' password hashes")
    ex.set_defaults(func=cmd_export)


def add_import(sub) -> None:
    im = sub.add_parser("import", help="restore an export into an empty database")
    im.add_argument("file")
    im.set_defaults(func=cmd_import)


PARSERS = {"export": add_export, "import": add_import}
