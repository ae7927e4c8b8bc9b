"""The `frontline` command, by command group: one module per group, each with its commands and their parsers.

    common     what the groups share: check_database, migrate, session_scope (one session per command), bar
    db         db start|stop|status|url, migrate
    wars       war list|add|show|end|reopen|default
    data       load, data check|tidy, export-dataset, dataset init
    places     places import (a gazetteer the user brings)
    snapshots  import-snapshots, export-snapshots
    backup     export, import
    recovery   backup, restore (the private cluster: base backups and the WAL archive)
    users      user add|disable
    webhooks   webhook add|list|remove|log
    pictures   render
    bake       bake
    serve      serve, up

May import: everything but the HTTP routes (app.api, app.web); it builds the app through app.main.
"""
from __future__ import annotations

import argparse
import sys

from app.cli import backup, bake, data, db, pictures, places, recovery, serve, snapshots, users, wars, webhooks
from app.cli.common import check_database, migrate, session_scope  # noqa: F401  (the names tests and scripts use)
from app.domain.errors import SetupError
from app.platform.config import load_settings  # noqa: F401  (tests' name for it: app.cli.load_settings)

# The commands in the order `frontline --help` lists them, each with its group.
COMMANDS = [
    (db, "db"), (db, "migrate"), (wars, "war"), (data, "load"), (data, "data"), (data, "export-dataset"), (backup, "export"),
    (backup, "import"), (recovery, "backup"), (recovery, "restore"), (pictures, "render"), (bake, "bake"), (users, "user"), (snapshots, "import-snapshots"),
    (snapshots, "export-snapshots"), (data, "dataset"), (places, "places"), (webhooks, "webhook"), (serve, "serve"),
]


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="frontline", description="Frontline: who controls what, over time.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    for group, name in COMMANDS:
        group.PARSERS[name](sub)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except SetupError as e:
        print(f"frontline: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
