"""`frontline war list|add|show|end|reopen|default`: the wars an instance holds."""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from app.cli.common import check_database, migrate, session_scope
from app.domain.errors import FrontlineError
from app.platform.config import load_settings


def _print_war(w: dict) -> None:
    print(f"{w['slug']:<24} {w['status']:<8} {w['start'] or '-':<21} {w['end'] or '-':<21} rev {w['revision']:<6} "
          f"{'(default) ' if w['default'] else ''}{w['title_en']}")


def cmd_war(args) -> int:
    from app.store import wars as store
    from app.usecases import wars as usecase

    s = load_settings()
    check_database(s)
    migrate(s)
    try:
        if args.action == "list":
            with session_scope(s) as session:
                items = usecase.listing(session)
            if args.json:
                print(json.dumps(items, ensure_ascii=False, indent=1))
            elif not items:
                print("no war yet: `frontline load` or `frontline war add SLUG ...`")
            for w in items if not args.json else []:
                _print_war(w)
            return 0
        if args.action == "add":
            return _add(s, args)
        with session_scope(s, args.slug) as session:
            war = session.info["war"]
            if args.action == "show":
                print(json.dumps(usecase.describe(session, war), ensure_ascii=False, indent=1))
                return 0
            if args.action == "default":
                store.set_default(session, args.slug)
                session.commit()
                print(f"{args.slug} is the default war (served at / and by every URL without war=)")
                return 0
            if args.action == "end":
                from app.domain.times import parse_instant

                at = usecase.end(session, at=parse_instant(args.at, "--at") if args.at else None)
                session.commit()
                print(f"the war {args.slug} ended at {at.isoformat()}")
                return 0
            if args.action == "reopen":
                usecase.reopen(session)
                session.commit()
                print(f"the war {args.slug} is going on again: changes are taken up to now")
                return 0
    except FrontlineError as e:
        print(f"frontline war {args.action}: {e.message}", file=sys.stderr)
        return 1
    return 2


def _add(s, args) -> int:
    """A new war: from a data set folder, or described on the command line (a folder is scaffolded, as
    `dataset init` does, and loaded)."""
    from app.cli.data import spec_of
    from app.store import wars as store
    from app.usecases import dataset_init as di
    from app.usecases import load as loader

    with session_scope(s) as session:
        try:
            store.create(session, args.slug)
        except ValueError as e:
            print(f"frontline war add: {e}", file=sys.stderr)
            return 1
        session.commit()
    try:
        with tempfile.TemporaryDirectory(prefix="frontline-war-") as tmp:
            folder = Path(args.folder) if args.folder else None
            if folder is None:
                if not (args.title and args.start and args.extent and args.faction):
                    raise loader.LoadError("give a data set folder, or --title, --start, --extent and --faction")
                args.slug_ds = args.slug
                spec = spec_of(args)
                spec.slug = args.slug
                folder = Path(tmp) / "war"
                di.write(folder, spec)
            with session_scope(s, args.slug) as session:
                loader.load(session, folder)
                session.commit()
    except FrontlineError as e:
        _drop(s, args.slug)
        print(f"frontline war add: {e.message}", file=sys.stderr)
        return 1
    with session_scope(s, args.slug) as session:
        from app.usecases import wars as usecase

        w = usecase.describe(session, session.info["war"])
    print(f"war {args.slug} added ({w['status']}); viewer {w['viewer']}, embed {w['embed']}")
    return 0


def _drop(s, slug: str) -> None:
    """Undo a `war add` whose data set could not be loaded."""
    from app.store import wars as store

    with session_scope(s) as session:
        store.drop(session, slug)
        session.commit()


def add_war(sub) -> None:
    from app.cli.data import add_spec_arguments

    wp = sub.add_parser("war", help="the wars this instance holds")
    w_sub = wp.add_subparsers(dest="action", required=True)
    ls = w_sub.add_parser("list", help="every war: slug, status, period, revision, title")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_war)
    add = w_sub.add_parser("add", help="a new war beside the others, from a data set folder or these options")
    add.add_argument("slug", help="its address: /w/SLUG/ (lower-case letters, digits, hyphens)")
    add.add_argument("folder", nargs="?", help="a data set folder (docs/data-format.md); else the options below")
    add_spec_arguments(add, folder_optional=True)
    add.set_defaults(func=cmd_war)
    for name, text in (("show", "one war, as /api/wars shows it"), ("reopen", "a war that ended goes on again"),
                       ("default", "the war / and every URL without war= serve")):
        p = w_sub.add_parser(name, help=text)
        p.add_argument("slug")
        p.set_defaults(func=cmd_war)
    end = w_sub.add_parser("end", help="the war is over: changes after the end are refused")
    end.add_argument("slug")
    end.add_argument("--at", help="the end, ISO 8601 with an offset (default: now)")
    end.set_defaults(func=cmd_war)


PARSERS = {"war": add_war}
