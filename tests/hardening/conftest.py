"""A live server the way `frontline serve` runs it: uvicorn with Frontline's connection limits."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager

import httpx


class GuardedServer:
    def __init__(self, settings):
        import uvicorn

        from app.main import create_app
        from app.platform.pgcluster import free_port
        from app.platform.server import uvicorn_config

        self.settings = settings
        self.port = free_port()
        self.app = create_app(settings)
        self.server = uvicorn.Server(uvicorn_config(self.app, settings, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{self.port}"

    def client(self, **kw) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=120, **kw)

    def stop(self):
        self.server.should_exit = True
        self.thread.join(timeout=15)


@contextmanager
def guarded(base_settings, url, **overrides):
    s = base_settings.model_copy(update={"database_url": url, "tile_url": "", "revision_poll_seconds": 0.5, **overrides})
    srv = GuardedServer(s)
    try:
        yield srv
    finally:
        srv.stop()
