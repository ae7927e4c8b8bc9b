"""The gazetteer: `frontline places import FILE [--war SLUG]` (place points a user brings, GeoJSON or CSV)."""
from __future__ import annotations

import sys
from pathlib import Path

from app.cli.common import check_database, migrate, session_scope
from app.domain.errors import FrontlineError
from app.platform.config import load_settings


def cmd_places_import(args) -> int:
    from app.tools import places_import

    s = load_settings()
    check_database(s)
    migrate(s)
    path = Path(args.file)
    if not path.is_file():
        print(f"frontline places import: no file {path}", file=sys.stderr)
        return 1
    try:
        with session_scope(s, args.war) as session:
            outcome = places_import.import_places(session, path, merge_km=args.merge_km, dry_run=args.dry_run)
            if not args.dry_run:
                session.commit()
    except FrontlineError as e:
        print(f"frontline places import: {e.message}", file=sys.stderr)
        return 1
    print(f"{path.name}{' (dry run: nothing written)' if args.dry_run else ''}: " + "\n".join(outcome.lines()))
    return 0


def add_places(sub) -> None:
    pl = sub.add_parser("places", help="the gazetteer: `places import FILE` (GeoJSON or CSV place points)")
    pl_sub = pl.add_subparsers(dest="action", required=True)
    imp = pl_sub.add_parser("import", help="add place points (names in several languages, population or rank) to the gazetteer")
    imp.add_argument("file", help="a GeoJSON FeatureCollection of points, or a CSV with lat/lon columns")
    imp.add_argument("--war", metavar="SLUG", help="the war whose gazetteer gets the places (default: the default war)")
    imp.add_argument("--merge-km", type=float, default=2.0,
                     help="a point with the same name as a place this close (km) is merged into it (default 2)")
    imp.add_argument("--dry-run", action="store_true", help="report what would be added, merged or refused; write nothing")
    imp.set_defaults(func=cmd_places_import)


PARSERS = {"places": add_places}
