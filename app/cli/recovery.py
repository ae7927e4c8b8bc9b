"""`frontline backup` (a base backup of the private cluster) and `frontline restore [--to TIME]` (a base backup
replayed with the WAL archive: to its end, or to an instant). For a server of DATABASE_URL, use its own tools."""
from __future__ import annotations

import os
import sys
from datetime import datetime

from app.platform.config import private_cluster, read_settings


def _cluster():
    if os.environ.get("DATABASE_URL") or os.environ.get("FRONTLINE_DATABASE_URL"):
        print("frontline: DATABASE_URL is set: back up and restore that server with its own tools "
              "(pg_basebackup and WAL archiving); these commands serve the private cluster", file=sys.stderr)
        return None
    return private_cluster(read_settings())


def cmd_backup(args) -> int:
    c = _cluster()
    if c is None:
        return 1
    path = c.backup(args.folder)
    where = f"; the WAL archive is {c.archive_dir}" if c.archive_dir else "; WAL archiving is off (FRONTLINE_WAL_ARCHIVE=off)"
    print(f"base backup in {path}{where}")
    return 0


def cmd_restore(args) -> int:
    to = None
    if args.to:
        try:
            to = datetime.fromisoformat(args.to)
        except ValueError:
            to = None
        if to is None or to.tzinfo is None:
            print(f"frontline restore: --to {args.to!r} is not an ISO 8601 instant with an offset "
                  "(e.g. 2026-12-07T16:30:00+00:00)", file=sys.stderr)
            return 1
    c = _cluster()
    if c is None:
        return 1
    out = c.restore(args.backup, to=to)
    print(f"restored {out['backup']}" + (f" up to {to.isoformat()}" if to else " with every archived change")
          + (f"; the previous data folder is kept in {out['moved_aside']}" if out["moved_aside"] else ""))
    return 0


def add_backup(sub) -> None:
    b = sub.add_parser("backup", help="a base backup of the private cluster (pg_basebackup)")
    b.add_argument("folder", nargs="?", help="a new or empty folder (default: var/pg/base-backups/<UTC time>)")
    b.set_defaults(func=cmd_backup)


def add_restore(sub) -> None:
    r = sub.add_parser("restore", help="stop the private cluster and rebuild it from a base backup and the WAL archive")
    r.add_argument("--to", help="recover up to this instant (ISO 8601 with an offset); default: everything archived")
    r.add_argument("--from", dest="backup", help="the base backup folder (default: the newest one complete before --to)")
    r.set_defaults(func=cmd_restore)


PARSERS = {"backup": add_backup, "restore": add_restore}
