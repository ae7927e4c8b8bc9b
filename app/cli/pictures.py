"""Pictures: `frontline render OUT` (a PNG at an instant, or a GIF/MP4 of a period)."""
from __future__ import annotations

import sys
from pathlib import Path

from app.cli.common import check_database
from app.platform.config import load_settings


def cmd_render(args) -> int:
    """PNG at an instant, or GIF/MP4 of a period, with a progress bar on standard error."""
    from datetime import timedelta

    from app.read import pictures as render
    from app.store.db import Database
    from app.domain.times import parse_instant
    from app.domain.errors import FrontlineError
    from app.read.model import ReadModel

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


def add_render(sub) -> None:
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


PARSERS = {"render": add_render}
