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
    folder = Path(args.folder or s.dataset_dir)
    try:
        slug = war_for_load(s, folder, args.war, replace=args.replace)
        with session_scope(s, slug) as session:
            if args.if_empty and loader.is_loaded(session):
                print("data set already loaded; nothing to do")
                return 0
            outcome = loader.load(session, folder, replace=args.replace)
            session.commit()
        print(f"data set {outcome}" + (f" as the war {slug!r}" if slug else ""))
    except loader.LoadError as e:
        print(f"frontline load: {e.message}", file=sys.stderr)
        return 1
    return 0


def war_for_load(settings, folder: Path, slug: str | None, *, replace: bool) -> str | None:
    """The war `frontline load` loads into: `--war SLUG` (made when new; an existing one only with --replace,
    or when it already holds this very folder), else the default war, else (no war yet) a new war named by
    the folder's dataset.json. Returns the slug (None: the default war)."""
    import json

    from app.store import wars
    from app.usecases import load as loader

    with session_scope(settings) as session:
        existing = {w["slug"] for w in wars.all_wars(session)}
        if slug is None and existing:
            return None
        if slug is None:
            try:
                slug = json.loads((folder / "dataset.json").read_text(encoding="utf-8"))["slug"]
            except (OSError, ValueError, KeyError, TypeError):
                raise loader.LoadError(f"{folder / 'dataset.json'} is missing or has no slug") from None
        if slug in existing:
            if not replace:
                with session_scope(settings, slug) as ws:
                    if ws.info["war"] and loader.datasets.content_hash(ws) not in (None, loader.content_hash(folder)):
                        raise loader.LoadError(f"the war {slug!r} exists already; add --replace to load this "
                                               "folder over it, or give another --war")
            return slug
        try:
            wars.create(session, slug)
        except ValueError as e:
            raise loader.LoadError(str(e)) from None
        session.commit()
    return slug


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
        with session_scope(s, args.war) as session:
            counts = datacheck.export_dataset(session, Path(args.folder))
    except loader.LoadError as e:
        print(f"frontline export-dataset: {e.message}", file=sys.stderr)
        return 1
    print(f"wrote {args.folder}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


def spec_of(args):
    """The data set a `dataset init` or `war add` command line describes."""
    from app.usecases import dataset_init as di

    off = di.parse_offset(args.utc_offset)
    tz = args.time_zone or None
    if tz:
        from app.domain.times import zone

        zone(tz)  # a clear message for a name the time zone data does not know
    return di.Spec(title=args.title, title_ar=args.title_ar or "", slug=args.slug or "",
                   start=di.parse_when(args.start, off, "--start", time_zone=tz),
                   end=di.parse_when(args.end, off, "--end", end=True, time_zone=tz) if args.end else None,
                   extent=di.parse_extent(args.extent), factions=[di.parse_faction(f) for f in args.faction],
                   utc_offset_minutes=off, baseline=args.baseline, report_key=args.report_key, time_zone=tz)


def add_spec_arguments(p, *, folder_optional: bool = False) -> None:
    """The options that describe a new war's data set (`dataset init`, `war add`)."""
    need = not folder_optional
    p.add_argument("--title", required=need)
    p.add_argument("--title-ar")
    p.add_argument("--slug")
    p.add_argument("--start", required=need, help="first day (YYYY-MM-DD, local) or instant")
    p.add_argument("--end", help="last day, included (YYYY-MM-DD, local) or the end instant; "
                                 "leave out for a war going on")
    p.add_argument("--extent", required=need, help="minlon,minlat,maxlon,maxlat")
    p.add_argument("--faction", action="append", required=need, metavar="SLUG:NAME:#RRGGBB",
                   help="a faction (repeat for each); `contested` is added")
    p.add_argument("--time-zone", help="the war's IANA time zone, e.g. Europe/Kyiv (daylight saving followed)")
    p.add_argument("--utc-offset", default="+00:00", help="a fixed local time instead, e.g. +03:00 (default +00:00)")
    p.add_argument("--baseline", metavar="SLUG", help="the faction that holds the whole extent at the start (default: none)")
    p.add_argument("--report-key", default="source-1", help="key of the first report (default source-1)")


def cmd_dataset_init(args) -> int:
    from app.usecases import dataset_init as di
    from app.usecases import load as loader
    from app.domain.errors import FrontlineError

    try:
        spec = spec_of(args)
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
    ld.add_argument("--war", metavar="SLUG", help="load as this war (made if new) beside the others; "
                                                  "default: the default war (the first load: a war named by dataset.json)")
    ld.set_defaults(func=cmd_load)


def add_data(sub) -> None:
    dc = sub.add_parser("data", help="check a data set folder (`data check DIR`) or tidy its topology (`data tidy DIR`)")
    dc.add_argument("action", choices=["check", "tidy"])
    dc.add_argument("folder", nargs="?", help="default: data/")
    dc.set_defaults(func=cmd_data)


def add_export_dataset(sub) -> None:
    xd = sub.add_parser("export-dataset", help="write the database's data set back as a data set folder")
    xd.add_argument("--war", metavar="SLUG", help="the war to write (default: the default war)")
    xd.add_argument("folder")
    xd.set_defaults(func=cmd_export_dataset)


def add_dataset(sub) -> None:
    dsp = sub.add_parser("dataset", help="data set folders")
    ds_sub = dsp.add_subparsers(dest="action", required=True)
    dsi = ds_sub.add_parser("init", help="scaffold a data set folder that `frontline load` accepts")
    dsi.add_argument("dir")
    add_spec_arguments(dsi)
    dsi.set_defaults(func=cmd_dataset_init)


PARSERS = {"load": add_load, "data": add_data, "export-dataset": add_export_dataset, "dataset": add_dataset}
