"""Archives of dated snapshots: `frontline import-snapshots` and `frontline export-snapshots`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.common import bar, check_database, migrate, session_scope
from app.platform.config import load_settings


def cmd_import_snapshots(args) -> int:
    from app.usecases import archive
    from app.domain.errors import FrontlineError

    s = load_settings()
    check_database(s)
    migrate(s)
    try:
        opts = archive.ImportOptions(faction=args.faction, date_field=args.date_field, faction_field=args.faction_field,
                                     time_of_day=archive.parse_time_of_day(args.time), remainder=args.remainder,
                                     report=args.report, confidence=args.confidence, dry_run=args.dry_run,
                                     limits=_limits(archive, args))
        with session_scope(s, args.war) as session:
            frame = archive.frame_of(session)
            # No reader lives in this process: the servers hear of the revision from the database (NOTIFY, poll).
            summary = archive.import_snapshots(session, Path(args.source), opts, progress=None if args.quiet else bar,
                                               readers=None)
    except FrontlineError as e:
        print(f"frontline import-snapshots: {e.message}", file=sys.stderr)
        return 1
    print("\n".join(summary.lines(frame)))
    return 0


def cmd_export_snapshots(args) -> int:
    from datetime import timedelta

    from app.usecases import archive
    from app.domain.times import parse_instant
    from app.domain.errors import FrontlineError

    s = load_settings()
    check_database(s)
    try:
        with session_scope(s, args.war) as session:
            frame = archive.frame_of(session)

            def when(v, name, end=False):
                if v is None:
                    return None
                from app.usecases.dataset_init import parse_when
                if len(v) != 10:
                    return parse_instant(v, name)
                # a date: from its first instant, or up to its last one (the midnight after is the next day's)
                return parse_when(v, frame.offset_minutes, name, end=end) - timedelta(microseconds=1 if end else 0)
            out = archive.export_snapshots(session, Path(args.out_dir), every=args.every, t_from=when(args.start, "--from"),
                                           t_to=when(args.end, "--to", end=True), fmt=args.format,
                                           time_of_day=archive.parse_time_of_day(args.time),
                                           progress=None if args.quiet else bar)
    except FrontlineError as e:
        print(f"frontline export-snapshots: {e.message}", file=sys.stderr)
        return 1
    print(f"written {len(out.written)} snapshot file(s) to {args.out_dir}"
          + (f" ({out.skipped_empty} step(s) with an empty map left out)" if out.skipped_empty else "")
          + f" in {out.seconds:.1f} s")
    return 0


def add_import_snapshots(sub) -> None:
    isn = sub.add_parser("import-snapshots", help="import dated snapshots (a folder of dated files, or one file of dated features) as one revision")
    isn.add_argument("--war", metavar="SLUG", help="the war to import into (default: the default war)")
    isn.add_argument("source", help="a folder of .geojson/.json/.kml files named with a date (YYYYMMDD or YYYY-MM-DD), "
                     "or one GeoJSON, GeoJSON-seq or KML file whose features carry a date")
    isn.add_argument("--faction", metavar="SLUG", help="the faction whose whole area each snapshot shows")
    isn.add_argument("--remainder", metavar="SLUG", required=True, help="the faction that gets area lost and gained by no one in the snapshot")
    isn.add_argument("--report", metavar="KEY", required=True, help="key of the report every change cites")
    isn.add_argument("--time", metavar="HH:MM", default="00:00", help="local time of day of a dated snapshot (default 00:00)")
    isn.add_argument("--date-field", metavar="NAME", default="date", help="feature property with the date (one-file series; default: date)")
    isn.add_argument("--faction-field", metavar="NAME", help="feature property naming the faction (then --faction is a default)")
    isn.add_argument("--confidence", choices=["confirmed", "claimed", "inferred"], default="confirmed")
    isn.add_argument("--dry-run", action="store_true", help="print the summary and store nothing")
    isn.add_argument("--quiet", action="store_true", help="no progress bar")
    # Bounds on what is read, so that no file exhausts memory (a small .gz can unpack to gigabytes).
    # The defaults are archive.Limits' (imported only when the command runs).
    isn.add_argument("--max-file-mb", type=_positive(float), metavar="MB",
                     help="largest file, after decompression (default 256)")
    isn.add_argument("--max-document-mb", type=_positive(float), metavar="MB",
                     help="largest GeoJSON object or KML file, which are read whole, and longest line of a GeoJSON "
                          "sequence, which is read line by line (default 32)")
    isn.add_argument("--max-features", type=_positive(int), metavar="N", help="most features in one import (default 100,000)")
    isn.add_argument("--max-vertices", type=_positive(int), metavar="N", help="most vertices in one import (default 5,000,000)")
    isn.set_defaults(func=cmd_import_snapshots)


def _limits(archive, args):
    given = {"max_bytes": args.max_file_mb and int(args.max_file_mb * archive.MiB),
             "max_document_bytes": args.max_document_mb and int(args.max_document_mb * archive.MiB),
             "max_features": args.max_features, "max_vertices": args.max_vertices}
    return archive.Limits(**{k: v for k, v in given.items() if v})


def _positive(kind):
    def parse(v: str):
        try:
            x = kind(v)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{v!r} is not a number") from None
        if not x > 0:
            raise argparse.ArgumentTypeError(f"{v!r} is not above 0")
        return x
    return parse


def add_export_snapshots(sub) -> None:
    esn = sub.add_parser("export-snapshots", help="write one dated file per step, readable back by import-snapshots")
    esn.add_argument("--war", metavar="SLUG", help="the war to export (default: the default war)")
    esn.add_argument("out_dir")
    esn.add_argument("--every", choices=["day", "change"], default="day")
    esn.add_argument("--from", dest="start", metavar="T", help="first instant (ISO 8601 with offset) or date (default: the data set's start)")
    esn.add_argument("--to", dest="end", metavar="T", help="last instant or date (default: the data set's end)")
    esn.add_argument("--format", choices=["geojson", "kml"], default="geojson")
    esn.add_argument("--time", metavar="HH:MM", default="00:00", help="local time of day of the daily steps (default 00:00)")
    esn.add_argument("--quiet", action="store_true", help="no progress bar")
    esn.set_defaults(func=cmd_export_snapshots)


PARSERS = {"import-snapshots": add_import_snapshots, "export-snapshots": add_export_snapshots}
