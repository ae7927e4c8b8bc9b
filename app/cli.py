"""The `frontline` command: set-up, database, data, users, serving."""
from __future__ import annotations

import argparse
import getpass
import os
import secrets
import sys
from pathlib import Path

from app import PROJECT_ROOT
from app.errors import SetupError


def _state_dir() -> Path:
    return Path(os.environ.get("FRONTLINE_STATE_DIR", PROJECT_ROOT / "var")).resolve()


def _secret_key() -> str:
    """A configured secret, or one generated once into the state folder (never committed)."""
    for k in ("FRONTLINE_SECRET_KEY", "SECRET_KEY"):
        if os.environ.get(k):
            return os.environ[k]
    p = _state_dir() / "secret_key"
    if not p.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(secrets.token_urlsafe(48))
        os.chmod(p, 0o600)
    return p.read_text().strip()


def load_settings(**overrides):
    """Settings from the environment; with no DATABASE_URL, the private cluster (started if needed)."""
    from pydantic import ValidationError

    from app.config import Settings

    try:
        settings = Settings(secret_key=_secret_key(), **overrides)
    except ValidationError as e:
        msgs = "\n".join(f"  {'.'.join(map(str, err['loc'])) or 'setting'}: {err['msg']}" for err in e.errors())
        raise SetupError(f"bad configuration:\n{msgs}") from None
    if settings.database_url is None:
        from app.pgcluster import Cluster

        url = Cluster(settings.state_dir).start()
        settings = settings.model_copy(update={"database_url": url})
    return settings


def check_database(settings) -> None:
    """Connect once and say clearly which setting is wrong when it fails."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    try:
        with psycopg.connect(host=url.host, port=url.port, user=url.username, password=url.password,
                             dbname=url.database, connect_timeout=5) as conn:
            has = conn.execute("SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'").fetchone()[0]
    except psycopg.Error as e:
        where = "DATABASE_URL" if os.environ.get("DATABASE_URL") or os.environ.get("FRONTLINE_DATABASE_URL") else "the private cluster"
        reason = str(e).strip().splitlines()[0] if str(e).strip() else e.__class__.__name__
        raise SetupError(f"cannot connect to the database given by {where} "
                         f"({url.render_as_string(hide_password=True)}): {reason}\n"
                         "Fix DATABASE_URL, or unset it to let Frontline run its own PostgreSQL.") from None
    if not has:
        raise SetupError(f"the database server at {url.host}:{url.port} has no PostGIS; install it there "
                         "(Debian: apt-get install postgresql-15-postgis-3) or point DATABASE_URL elsewhere")


def migrate(settings) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.attributes["url"] = settings.database_url
    command.upgrade(cfg, "head")
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from app import services
    engine = create_engine(settings.database_url)
    try:
        with Session(engine) as s:
            services.refold_legacy(s)
    finally:
        engine.dispose()


def _session(settings):
    from sqlalchemy.orm import Session

    from app.db import make_engine

    engine = make_engine(settings.database_url, pool_size=1)
    return engine, Session(engine)


def cmd_db(args) -> int:
    from app.pgcluster import Cluster

    if os.environ.get("DATABASE_URL"):
        print("DATABASE_URL is set: Frontline uses that server and starts none of its own.")
        return 0
    c = Cluster(_state_dir())
    if args.action == "start":
        c.start()
        print(f"PostgreSQL+PostGIS running on 127.0.0.1:{c.port()} (data in {c.datadir})")
    elif args.action == "stop":
        print("stopped" if c.stop() else "not running")
    elif args.action == "status":
        print(f"{'running' if c.running() else 'stopped'}; data in {c.datadir}")
        if c.running():
            print(f"port {c.port()}")
    elif args.action == "url":
        c.start()
        print(c.url())
    return 0


def cmd_migrate(args) -> int:
    s = load_settings()
    check_database(s)
    migrate(s)
    print("database schema is up to date")
    return 0


def cmd_load(args) -> int:
    from app import loader

    s = load_settings()
    check_database(s)
    migrate(s)
    engine, session = _session(s)
    try:
        with session:
            if args.if_empty and loader.is_loaded(session):
                print("data set already loaded; nothing to do")
                return 0
            outcome = loader.load(session, Path(args.folder or s.dataset_dir), replace=args.replace)
            session.commit()
        print(f"data set {outcome}")
    except loader.LoadError as e:
        print(f"frontline load: {e.message}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


def cmd_data(args) -> int:
    from app import datacheck

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
    print(f"{folder}: ok; " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    return 0


def cmd_export_dataset(args) -> int:
    from app import datacheck, loader

    s = load_settings()
    check_database(s)
    engine, session = _session(s)
    try:
        with session:
            counts = datacheck.export_dataset(session, Path(args.folder))
    except loader.LoadError as e:
        print(f"frontline export-dataset: {e.message}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"wrote {args.folder}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


def cmd_user(args) -> int:
    from app import auth
    from app.errors import FrontlineError

    s = load_settings()
    check_database(s)
    if sys.stdin.isatty():
        pw = getpass.getpass(f"password for {args.name}: ")
        if getpass.getpass("again: ") != pw:
            print("passwords differ", file=sys.stderr)
            return 1
    else:
        pw = sys.stdin.readline().rstrip("\n")
    engine, session = _session(s)
    try:
        with session:
            auth.add_user(session, args.name, pw, args.role)
            session.commit()
    except FrontlineError as e:  # a user name or password that cannot be stored: nothing was saved
        print(f"frontline user add: {e.message}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"user {args.name} ({args.role}) saved")
    return 0


def cmd_user_disable(args) -> int:
    """Disable an account: it can no longer sign in and its sessions end at once."""
    from app import auth
    from app.errors import NotFound

    s = load_settings()
    check_database(s)
    engine, session = _session(s)
    try:
        with session:
            try:
                auth.disable_user(session, args.name)
            except NotFound as e:
                print(f"frontline: {e.message}", file=sys.stderr)
                return 1
            session.commit()
    finally:
        engine.dispose()
    print(f"user {args.name} disabled; their sessions have ended")
    return 0


def cmd_export(args) -> int:
    from app import backup

    s = load_settings()
    check_database(s)
    engine, session = _session(s)
    try:
        with session:
            # streamed: rows go from a server-side cursor to the file one line at a time (bounded memory)
            n = backup.export_to(session, Path(args.file), with_password_hashes=args.with_password_hashes)
    finally:
        engine.dispose()
    print(f"exported to {args.file}: " + ", ".join(f"{v} {k}" for k, v in n.items()))
    return 0


def cmd_import(args) -> int:
    from app import backup
    from app.errors import FrontlineError

    s = load_settings()
    check_database(s)
    migrate(s)
    engine, session = _session(s)
    try:
        with session:
            counts = backup.import_(session, Path(args.file))
            session.commit()
    except FrontlineError as e:
        print(f"frontline import: {e.message}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print("imported: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


def cmd_render(args) -> int:
    """PNG at an instant, or GIF/MP4 of a period, with a progress bar on standard error."""
    from datetime import timedelta


    from app import render
    from app.db import Database
    from app.domain.times import parse_instant
    from app.errors import FrontlineError
    from app.readmodel import ReadModel

    s = load_settings()
    check_database(s)
    db = Database.connect(s.database_url)
    rm = ReadModel(db.ReadSession)

    def bar(done, total):
        n = int(30 * done / total)
        print(f"\r[{'#' * n}{'.' * (30 - n)}] {done}/{total} frames", end="" if done < total else "\n", file=sys.stderr, flush=True)
    try:
        rev = args.rev or rm.revision
        out = Path(args.out)
        fmt = out.suffix.lstrip(".").lower()
        if fmt == "png":
            at = parse_instant(args.at or "", "--at")
            data = render.png(rm.frames(rev, [at]), at, width=args.width, height=args.height, lang=args.lang)
        else:
            tl = rm.publication(rev).describe_doc()
            ds = tl["dataset"]
            t1 = parse_instant(args.start or ds["start"].replace("Z", "+00:00"), "--from")
            t2 = parse_instant(args.end or ds["end"].replace("Z", "+00:00"), "--to")
            inst = render.frame_instants(tl, t1, t2, timedelta(minutes=args.step) if args.step else None)
            data = render.animation(rm.frames(rev, inst), inst, fmt=fmt, fps=args.fps, width=args.width, height=args.height, lang=args.lang, progress=bar)
    except FrontlineError as e:
        print(f"frontline render: {e.message}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    out.write_bytes(data)
    print(f"written {out} ({len(data):,} bytes)")
    return 0


def cmd_bake(args) -> int:
    from app.bake import bake
    from app.main import create_app

    s = load_settings()
    check_database(s)

    def bar(done, total, name):
        n = int(30 * done / total)
        print(f"\r[{'#' * n}{'.' * (30 - n)}] {done}/{total} {name[-40:]:<40}", end="" if done < total else "\n",
              file=sys.stderr, flush=True)
    # The bake builds every window itself, in order: no background builder beside it.
    out = bake(create_app(s.model_copy(update={"tile_url": s.tile_url, "prebuild_windows": False})), Path(args.out), bar)
    print(f"baked revision {out['revision']} into {args.out}: {out['written']} files written, {out['unchanged']} unchanged")
    return 0


def cmd_serve(args) -> int:
    import uvicorn

    s = load_settings()
    check_database(s)
    migrate(s)
    from app.main import create_app
    from app.server import uvicorn_config

    host = args.host or s.host
    port = args.port or s.port
    print(f"Frontline on http://{host}:{port}/")
    # Connection limits (header size and count, request line, header/body timeouts, concurrent connections)
    # come from the settings: app/server.py, docs/deploy.md.
    if args.workers and args.workers > 1:
        from uvicorn.supervisors import Multiprocess

        os.environ["DATABASE_URL"] = s.database_url
        config = uvicorn_config("app.main:app_from_env", s, host=host, port=port, factory=True, workers=args.workers,
                                log_level="warning", proxy_headers=False)
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        uvicorn.Server(uvicorn_config(create_app(s), s, host=host, port=port, log_level="warning", proxy_headers=False)).run()
    return 0


def cmd_up(args) -> int:
    """What `make run` does: database, schema, seed data when empty, serve."""
    args.folder, args.replace, args.if_empty = None, False, True
    rc = cmd_load(args)
    if rc:
        return rc
    return cmd_serve(args)


def cmd_webhook(args) -> int:
    """Webhook endpoints: add, list, remove, and the delivery log (see README, "Webhooks")."""
    import json

    from app import webhooks
    from app.errors import FrontlineError

    s = load_settings()
    check_database(s)
    migrate(s)
    engine, session = _session(s)
    try:
        with session:
            if args.action == "add":
                factions = args.faction.split(",") if args.faction else None
                eid = webhooks.add_endpoint(session, args.url, args.secret, factions=factions, place=args.place,
                                            km=args.km or 0.0, allow_private=args.allow_private)
                session.commit()
                print(f"webhook endpoint {eid} added: {args.url}")
            elif args.action == "list":
                rows = webhooks.list_endpoints(session)
                if not rows:
                    print("no webhook endpoints")
                for r in rows:
                    follows = []
                    if r["factions"]:
                        follows.append("factions " + ",".join(r["factions"]))
                    if r["place_slug"]:
                        follows.append(f"place {r['place_slug']} within {r['km']:g} km")
                    print(f"{r['id']:>4}  {r['url']}  [{'; '.join(follows) or 'everything'}]"
                          f"{'  (private addresses allowed)' if r['allow_private'] else ''}"
                          f"  delivered {r['delivered']}, pending {r['pending']}, failed {r['failed']}")
            elif args.action == "remove":
                webhooks.remove_endpoint(session, args.id)
                session.commit()
                print(f"webhook endpoint {args.id} removed")
            elif args.action == "log":
                rows = webhooks.delivery_log(session, limit=args.limit, endpoint_id=args.endpoint)
                if args.json:
                    print(json.dumps(rows, indent=1))
                    return 0
                if not rows:
                    print("no deliveries yet")
                for r in rows:
                    print(f"{r['id']:>6}  rev {r['revision_id']:<5} {r['status']:<9} attempts {r['attempts']:<3} "
                          f"HTTP {r['last_status'] or '-':<4} {r['url']}"
                          + (f"  next {r['next_attempt_at']}" if r["status"] == "pending" else "")
                          + (f"  error: {r['last_error']}" if r["last_error"] else ""))
    except FrontlineError as e:
        print(f"frontline webhook: {e.message}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


def _bar(stage: str, done: int, total: int) -> None:
    """A progress bar on standard error (one line per stage)."""
    n = int(30 * done / total) if total else 30
    print(f"\r{stage:<22} [{'#' * n}{'.' * (30 - n)}] {done}/{total}", end="" if done < total else "\n",
          file=sys.stderr, flush=True)


def cmd_import_snapshots(args) -> int:
    from app import archive
    from app.errors import FrontlineError

    s = load_settings()
    check_database(s)
    migrate(s)
    engine, session = _session(s)
    try:
        opts = archive.ImportOptions(faction=args.faction, date_field=args.date_field, faction_field=args.faction_field,
                                     time_of_day=archive.parse_time_of_day(args.time), remainder=args.remainder,
                                     report=args.report, confidence=args.confidence, dry_run=args.dry_run)
        with session:
            frame = archive.frame_of(session)
            summary = archive.import_snapshots(session, Path(args.source), opts, progress=None if args.quiet else _bar)
    except FrontlineError as e:
        print(f"frontline import-snapshots: {e.message}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print("\n".join(summary.lines(frame)))
    return 0


def cmd_export_snapshots(args) -> int:
    from datetime import timedelta

    from app import archive
    from app.domain.times import parse_instant
    from app.errors import FrontlineError

    s = load_settings()
    check_database(s)
    engine, session = _session(s)
    try:
        with session:
            frame = archive.frame_of(session)

            def when(v, name, end=False):
                if v is None:
                    return None
                from app.dataset_init import parse_when
                if len(v) != 10:
                    return parse_instant(v, name)
                # a date: from its first instant, or up to its last one (the midnight after is the next day's)
                return parse_when(v, frame.offset_minutes, name, end=end) - timedelta(microseconds=1 if end else 0)
            out = archive.export_snapshots(session, Path(args.out_dir), every=args.every, t_from=when(args.start, "--from"),
                                           t_to=when(args.end, "--to", end=True), fmt=args.format,
                                           time_of_day=archive.parse_time_of_day(args.time),
                                           progress=None if args.quiet else _bar)
    except FrontlineError as e:
        print(f"frontline export-snapshots: {e.message}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"written {len(out.written)} snapshot file(s) to {args.out_dir}"
          + (f" ({out.skipped_empty} step(s) with an empty map left out)" if out.skipped_empty else "")
          + f" in {out.seconds:.1f} s")
    return 0


def cmd_dataset_init(args) -> int:
    from app import dataset_init as di
    from app import loader
    from app.errors import FrontlineError

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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="frontline", description="Frontline: who controls what, over time.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    db = sub.add_parser("db", help="the private PostgreSQL+PostGIS cluster (when DATABASE_URL is not set)")
    db.add_argument("action", choices=["start", "stop", "status", "url"])
    db.set_defaults(func=cmd_db)
    sub.add_parser("migrate", help="bring the schema up to date").set_defaults(func=cmd_migrate)
    ld = sub.add_parser("load", help="import a data set folder (default: data/)")
    ld.add_argument("folder", nargs="?")
    ld.add_argument("--replace", action="store_true", help="wipe the data set in the database first")
    ld.add_argument("--if-empty", action="store_true", help="only when no data set is loaded")
    ld.set_defaults(func=cmd_load)
    dc = sub.add_parser("data", help="check a data set folder (`data check DIR`) or tidy its topology (`data tidy DIR`)")
    dc.add_argument("action", choices=["check", "tidy"])
    dc.add_argument("folder", nargs="?", help="default: data/")
    dc.set_defaults(func=cmd_data)
    xd = sub.add_parser("export-dataset", help="write the database's data set back as a data set folder")
    xd.add_argument("folder")
    xd.set_defaults(func=cmd_export_dataset)
    ex = sub.add_parser("export", help="write the whole data set to a versioned file (.json or .json.gz)")
    ex.add_argument("file")
    ex.add_argument("--with-password-hashes", action="store_true", help="include users' password hashes")
    ex.set_defaults(func=cmd_export)
    im = sub.add_parser("import", help="restore an export into an empty database")
    im.add_argument("file")
    im.set_defaults(func=cmd_import)
    rd = sub.add_parser("render", help="a PNG at an instant (--at) or a GIF/MP4 of the period, by the file's extension")
    rd.add_argument("out", help="out.png, out.gif or out.mp4")
    rd.add_argument("--at", help="instant for a PNG, ISO 8601 with offset")
    rd.add_argument("--from", dest="start", help="first instant of an animation (default: the data set's start)")
    rd.add_argument("--to", dest="end", help="last instant (default: the data set's end)")
    rd.add_argument("--step", type=int, help="minutes between frames (default: one frame per change)")
    rd.add_argument("--fps", type=float, default=1.5)
    rd.add_argument("--width", type=int, default=1200)
    rd.add_argument("--height", type=int, default=900)
    rd.add_argument("--lang", choices=["en", "ar"], default="en")
    rd.add_argument("--rev", type=int, help="a published revision (default: the latest)")
    rd.set_defaults(func=cmd_render)
    bk = sub.add_parser("bake", help="write the public site of the current revision as static files")
    bk.add_argument("out")
    bk.set_defaults(func=cmd_bake)
    us = sub.add_parser("user", help="manage editors")
    us_sub = us.add_subparsers(dest="action", required=True)
    ua = us_sub.add_parser("add", help="add a user or reset their password (password from stdin when not a terminal)")
    ua.add_argument("name")
    ua.add_argument("--role", choices=["editor", "admin"], default="editor")
    ua.set_defaults(func=cmd_user)
    isn = sub.add_parser("import-snapshots", help="import dated snapshots (a folder of dated files, or one file of dated features) as one revision")
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
    isn.set_defaults(func=cmd_import_snapshots)
    esn = sub.add_parser("export-snapshots", help="write one dated file per step, readable back by import-snapshots")
    esn.add_argument("out_dir")
    esn.add_argument("--every", choices=["day", "change"], default="day")
    esn.add_argument("--from", dest="start", metavar="T", help="first instant (ISO 8601 with offset) or date (default: the data set's start)")
    esn.add_argument("--to", dest="end", metavar="T", help="last instant or date (default: the data set's end)")
    esn.add_argument("--format", choices=["geojson", "kml"], default="geojson")
    esn.add_argument("--time", metavar="HH:MM", default="00:00", help="local time of day of the daily steps (default 00:00)")
    esn.add_argument("--quiet", action="store_true", help="no progress bar")
    esn.set_defaults(func=cmd_export_snapshots)
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
    wh = sub.add_parser("webhook", help="endpoints told about every publish (signed POSTs), and their delivery log")
    wh_sub = wh.add_subparsers(dest="action", required=True)
    wa = wh_sub.add_parser("add", help="register an endpoint")
    wa.add_argument("url")
    wa.add_argument("--secret", required=True, help="16-200 characters; signs each body (X-Frontline-Signature)")
    wa.add_argument("--faction", help="only changes to these faction slugs (comma-separated)")
    wa.add_argument("--place", help="only changes containing this gazetteer place (slug) or within --km of it")
    wa.add_argument("--km", type=float, help="distance from --place in km (default 0: containing it)")
    wa.add_argument("--allow-private", action="store_true", help="allow private/loopback addresses (an internal receiver)")
    wh_sub.add_parser("list", help="the endpoints and their delivery counts")
    wr = wh_sub.add_parser("remove", help="remove an endpoint (and its deliveries)")
    wr.add_argument("id", type=int)
    wl = wh_sub.add_parser("log", help="recent deliveries: status, attempts, last HTTP status and error")
    wl.add_argument("--endpoint", type=int)
    wl.add_argument("--limit", type=int, default=50)
    wl.add_argument("--json", action="store_true")
    wh.set_defaults(func=cmd_webhook)
    ud = us_sub.add_parser("disable", help="disable an account and end its sessions at once")
    ud.add_argument("name")
    ud.set_defaults(func=cmd_user_disable)
    for name, func in (("serve", cmd_serve), ("up", cmd_up)):
        sp = sub.add_parser(name, help="serve the app" if name == "serve" else "database, schema, seed data, serve")
        sp.add_argument("--host")
        sp.add_argument("--port", type=int)
        sp.add_argument("--workers", type=int, default=1)
        sp.set_defaults(func=func)
    args = ap.parse_args(argv)
    try:
        return args.func(args)
    except SetupError as e:
        print(f"frontline: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
