"""Accounts: `frontline user add NAME` (or reset a password) and `frontline user disable NAME`."""
from __future__ import annotations

import getpass
import sys

from app.cli.common import check_database, session_scope
from app.platform.config import load_settings


def cmd_user(args) -> int:
    from app.domain.errors import FrontlineError
    from app.usecases import accounts as auth

    s = load_settings()
    check_database(s)
    if sys.stdin.isatty():
        pw = getpass.getpass(f"password for {args.name}: ")
        if getpass.getpass("again: ") != pw:
            print("passwords differ", file=sys.stderr)
            return 1
    else:
        pw = sys.stdin.readline().rstrip("\n")
    try:
        with session_scope(s) as session:
            auth.add_user(session, args.name, pw, args.role, args.war or None)
    except FrontlineError as e:  # a user name or password that cannot be stored: nothing was saved
        print(f"frontline user add: {e.message}", file=sys.stderr)
        return 1
    print(f"user {args.name} ({args.role}) saved" + (f"; edits {', '.join(args.war)}" if args.war and args.role == "editor" else ""))
    return 0


def cmd_user_disable(args) -> int:
    """Disable an account: it can no longer sign in and its sessions end at once."""
    from app.usecases import accounts as auth
    from app.domain.errors import NotFound

    s = load_settings()
    check_database(s)
    with session_scope(s) as session:
        try:
            auth.disable_user(session, args.name)
        except NotFound as e:
            print(f"frontline: {e.message}", file=sys.stderr)
            return 1
    print(f"user {args.name} disabled; their sessions have ended")
    return 0


def add_user(sub) -> None:
    us = sub.add_parser("user", help="manage editors")
    us_sub = us.add_subparsers(dest="action", required=True)
    ua = us_sub.add_parser("add", help="add a user or reset their password (password from stdin when not a terminal)")
    ua.add_argument("name")
    ua.add_argument("--role", choices=["editor", "admin"], default="editor")
    ua.add_argument("--war", action="append", metavar="SLUG",
                    help="a war this editor edits (repeat for several; default: the default war); admins edit every war")
    ua.set_defaults(func=cmd_user)
    ud = us_sub.add_parser("disable", help="disable an account and end its sessions at once")
    ud.add_argument("name")
    ud.set_defaults(func=cmd_user_disable)


PARSERS = {"user": add_user}
