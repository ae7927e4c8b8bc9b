"""Data set folders: `frontline load`, `data check|tidy`, `export-dataset` and `dataset init`."""
from __future__ import annotations

import sys
from pathlib import Path

from app import PROJECT_ROOT
from app.cli.common import check_database, migrate, session_scope
from app.platform.config import load_settings


def cmd_load(args) -> int:
    from app.usecases import load as loader

    s = load_settings()
    check_database(s)
    migrate(s)
    try:
        with session_scope(s) as session:
            if args.if_empty and loader.is_loaded(session):
                print("data set already loaded; nothing to do")
                return 0
            outcome = loader.load(session, Path(args.folder or s.dataset_dir), replace=args.replace)
            session.commit()
        print(f"data set {outcome}")
    except loader.LoadError as e:
        print(f"frontline load: {e.message}", file=sys.stderr)
        return 1
    return 0


def cmd_data(args) -> int:
    from app.tools import datacheck

    folder = Path(args.folder or PROJECT_ROOT / "data")
    if args.action == "tidy":
        n = datacheck.tidy(folder)
        print(f"rewrote {folder / 'geojson' / 'changes.geojson'}: {n} changes on one planar partition")
        return 0
    problems, figures = datacheck.check(folder)
    if problems:
        print(f"frontline data check: {folder}: {len(problems)} problem(s):", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    fronts = figures.pop("fronts", None)
    print(f"{folder}: ok; " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    if fronts:
        print("\n".join(datacheck.describe_fronts(fronts)))
    return 0


def cmd_export_dataset(args) -> int:
    from app.tools import datacheck
    from app.usecases import load as loader

    s = load_settings()
    check_database(s)
    try:
        with session_scope(s) as session:
            counts = datacheck.export_dataset(session, Path(args.folder))
    except loader.LoadError as e:
        print(f"frontline export-dataset: {e.message}", file=sys.stderr)
        return 1
    print(f"wrote {args.folder}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


def cmd_dataset_init(args) -> int:
    from app.usecases import dataset_init as di
    from app.usecases import load as loader
    from app.domain.errors import FrontlineError

    try:
        off = di.parse_offset(args.utc_offset)
        spec = di.Spec(title=args.title, title_ar=args.title_ar or "", slug=args.slug or "",
                       start=di.parse_when(args.start, off, "--start"), end=di.parse_when(args.end, off, "--end", end=True),
                       extent=di.parse_extent(args.extent), factions=[di.parse_faction(f) for f in args.faction],
                       utc_offset_minutes=off, baseline=args.baseline, report_key=args.report_key)
        files = di.write(Path(args.dir), spec)
        loader.validate(Path(args.dir))  # what `frontline load` will check
    except FrontlineError as e:
        print(f"frontline dataset init: {e.message}", file=sys.stderr)
        return 1
    print(f"data set scaffolded in {args.dir} ({len(files)} files). Next:\n"
          f"  1. fill in reports.json (key {spec.report_key!r}) and the Arabic names in factions.json\n"
          f"  2. frontline load {args.dir}   (add --replace to wipe the data set loaded now)\n"
          f"  3. frontline import-snapshots SNAPSHOTS --faction SLUG --remainder SLUG --report {spec.report_key}"
          f"   (or draw the changes in the editor)")
    return 0


def add_load(sub) -> None:
    ld = sub.add_parser("load", help="import a data set folder (default: data/)")
    ld.add_argument("folder", nargs="?")
    ld.add_argument("--replace", action="store_true", help="wipe the data set in the database first")
    ld.add_argument("--if-empty", action="store_true", help="only when no data set is loaded")
    ld.set_defaults(func=cmd_load)


def add_data(sub) -> None:
    dc = sub.add_parser("data", help="check a data set folder (`data check DIR`) or tidy its topology (`data tidy DIR`)")
    dc.add_argument("action", choices=["check", "tidy"])
    dc.add_argument("folder", nargs="?", help="default: data/")
    dc.set_defaults(func=cmd_data)


def add_export_dataset(sub) -> None:
    xd = sub.add_parser("export-dataset", help="write the database's data set back as a data set folder")
    xd.add_argument("folder")
    xd.set_defaults(func=cmd_export_dataset)


def add_dataset(sub) -> None:
    dsp = sub.add_parser("dataset", help="data set folders")
    ds_sub = dsp.add_subparsers(dest="action", required=True)
    dsi = ds_sub.add_parser("init", help="scaffold a data set folder that `frontline load` accepts")
    dsi.add_argument("dir")
    dsi.add_argument("--title", required=True)
    dsi.add_argument("--title-ar")
    dsi.add_argument("--slug")
    dsi.add_argument("--start", required=True, help="first day (YYYY-MM-DD, local) or instant")
    dsi.add_argument("--end", required=True, help="last day, included (YYYY-MM-DD, local) or the end instant")
    dsi.add_argument("--extent", required=True, help="minlon,minlat,maxlon,maxlat")
    dsi.add_argument("--faction", action="append", required=True, metavar="SLUG:NAME:#RRGGBB",
                     help="a faction (repeat for each); `contested` is added")
    dsi.add_argument("--utc-offset", default="+00:00", help="the data set's local time, e.g. +03:00 (default +00:00)")
    dsi.add_argument("--baseline", metavar="SLUG", help="the faction that holds the whole extent at the start (default: none)")
    dsi.add_argument("--report-key", default="source-1", help="key of the first report (default source-1)")
    dsi.set_defaults(func=cmd_dataset_init)


PARSERS = {"load": add_load, "data": add_data, "export-dataset": add_export_dataset, "dataset": add_dataset}
