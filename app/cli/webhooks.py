"""Webhooks: `frontline webhook add|list|remove|log` (see README, "Webhooks").

The secret of `add` comes from a file (`--secret-file`), standard input (`--secret-stdin`) or the
environment (FRONTLINE_WEBHOOK_SECRET), never necessarily from the command line, where every user of the
machine can read it (/proc/PID/cmdline) and the shell keeps it in its history; `--secret` still works.
"""
from __future__ import annotations

import os
import sys

from app.cli.common import check_database, migrate, session_scope
from app.platform.config import load_settings


SECRET_ENV = "FRONTLINE_WEBHOOK_SECRET"


class SecretError(Exception):
    """No secret, two sources of one, or an unreadable file."""


def read_secret(args) -> str:
    """The secret of `webhook add` from exactly one source: --secret-file, --secret-stdin, --secret, or else
    FRONTLINE_WEBHOOK_SECRET. One line break at the end of a file or of standard input is not part of it."""
    given = [name for name, on in (("--secret-file", args.secret_file is not None), ("--secret-stdin", args.secret_stdin),
                                   ("--secret", args.secret is not None)) if on]
    if len(given) > 1:
        raise SecretError(f"give the secret one way, not with {' and '.join(given)}")
    if args.secret_file is not None:
        try:
            with open(args.secret_file, encoding="utf-8") as f:
                text = f.read(4096)
        except (OSError, UnicodeDecodeError) as e:
            raise SecretError(f"cannot read the secret file {args.secret_file}: "
                              f"{getattr(e, 'strerror', None) or e.__class__.__name__}") from None
        return text.removesuffix("\n").removesuffix("\r")
    if args.secret_stdin:
        try:
            if sys.stdin.isatty():  # typed: not echoed
                import getpass
                return getpass.getpass("webhook secret: ")
            line = sys.stdin.readline(4096)
        except (OSError, UnicodeDecodeError, EOFError) as e:
            raise SecretError(f"cannot read the secret from standard input: {e.__class__.__name__}") from None
        return line.removesuffix("\n").removesuffix("\r")
    if args.secret is not None:
        return args.secret
    if os.environ.get(SECRET_ENV):
        return os.environ[SECRET_ENV]
    raise SecretError(f"give the secret with --secret-file PATH, --secret-stdin or {SECRET_ENV} "
                      "(e.g. `openssl rand -hex 32 > hook.secret`)")


def cmd_webhook(args) -> int:
    """Webhook endpoints: add, list, remove, and the delivery log (see README, "Webhooks")."""
    import json

    from app.usecases import webhooks
    from app.domain.errors import FrontlineError

    s = load_settings()
    check_database(s)
    migrate(s)
    try:
        with session_scope(s, getattr(args, 'war', None)) as session:
            if args.action == "add":
                try:
                    secret = read_secret(args)
                except SecretError as e:
                    print(f"frontline webhook: {e}", file=sys.stderr)
                    return 1
                factions = args.faction.split(",") if args.faction else None
                eid = webhooks.add_endpoint(session, args.url, secret, factions=factions, place=args.place,
                                            km=args.km or 0.0, allow_private=args.allow_private)
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
    return 0


def add_webhook(sub) -> None:
    wh = sub.add_parser("webhook", help="endpoints told about every publish (signed POSTs), and their delivery log")
    wh_sub = wh.add_subparsers(dest="action", required=True)
    wa = wh_sub.add_parser("add", help="register an endpoint")
    wa.add_argument("--war", metavar="SLUG", help="the war the endpoint follows (default: the default war)")
    wa.add_argument("url")
    secret = wa.add_argument_group("the secret (16-200 characters; signs each body: X-Frontline-Signature); "
                                   f"one of these, or the environment variable {SECRET_ENV}")
    secret.add_argument("--secret-file", metavar="PATH", help="read it from this file (one line)")
    secret.add_argument("--secret-stdin", action="store_true",
                        help="read it from standard input (one line; asked for without echo on a terminal)")
    secret.add_argument("--secret", help="UNSAFE: on the command line, other users see it (ps, /proc) and "
                                         "the shell history keeps it; prefer the three above")
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


PARSERS = {"webhook": add_webhook}
