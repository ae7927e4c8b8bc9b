"""`frontline db start|stop|status|url` (the private cluster) and `frontline migrate` (the schema)."""
from __future__ import annotations

import os
import sys

from app.cli.common import check_database, migrate
from app.platform.config import load_settings, private_cluster, read_settings


def cmd_db(args) -> int:
    if os.environ.get("DATABASE_URL"):
        print("DATABASE_URL is set: Frontline uses that server and starts none of its own.")
        return 0
    c = private_cluster(read_settings())
    if args.action == "start":
        c.start()
        print(f"PostgreSQL+PostGIS running on 127.0.0.1:{c.port()} (data in {c.datadir}; {_durability(c)})")
        if c.durable and c.current()["fsync"] != "on":
            print("frontline: this cluster was started with fsync=off on its command line (by an older Frontline): "
                  "`frontline db stop && frontline db start` makes it durable", file=sys.stderr)
    elif args.action == "stop":
        print("stopped" if c.stop() else "not running")
    elif args.action == "status":
        print(f"{'running' if c.running() else 'stopped'}; data in {c.datadir}")
        if c.running():
            print(f"port {c.port()}; {_durability(c)}")
    elif args.action == "url":
        c.start()
        print(c.url())
    return 0


def _durability(c) -> str:
    now = c.current()
    archive = f"WAL archived to {c.archive_dir}" if c.archive_dir and now["archive_command"] != "true" else "no WAL archive"
    return f"fsync {now['fsync']}, {archive}"


def cmd_migrate(args) -> int:
    s = load_settings()
    check_database(s)
    migrate(s)
    print("database schema is up to date")
    return 0


def add_db(sub) -> None:
    db = sub.add_parser("db", help="the private PostgreSQL+PostGIS cluster (when DATABASE_URL is not set)")
    db.add_argument("action", choices=["start", "stop", "status", "url"])
    db.set_defaults(func=cmd_db)


def add_migrate(sub) -> None:
    sub.add_parser("migrate", help="bring the schema up to date").set_defaults(func=cmd_migrate)


PARSERS = {"db": add_db, "migrate": add_migrate}
