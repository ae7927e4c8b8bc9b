"""Serving: `frontline serve` and `frontline up` (what `make run` does: database, schema, seed data, serve)."""
from __future__ import annotations

import os

from app.cli.common import check_database, migrate
from app.cli.data import cmd_load
from app.platform.config import load_settings


def cmd_serve(args) -> int:
    import uvicorn

    s = load_settings()
    check_database(s)
    migrate(s)
    from app.main import create_app
    from app.platform.server import uvicorn_config

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
    args.folder, args.replace, args.if_empty, args.war = None, False, True, None
    rc = cmd_load(args)
    if rc:
        return rc
    return cmd_serve(args)


def add_serve_and_up(sub) -> None:
    for name, func in (("serve", cmd_serve), ("up", cmd_up)):
        sp = sub.add_parser(name, help="serve the app" if name == "serve" else "database, schema, seed data, serve")
        sp.add_argument("--host")
        sp.add_argument("--port", type=int)
        sp.add_argument("--workers", type=int, default=1)
        sp.set_defaults(func=func)


PARSERS = {"serve": add_serve_and_up}
