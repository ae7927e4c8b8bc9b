"""Issue 25: `frontline migrate` turns a one-war database into the default war without changing a byte of any
public response. The code from before wars (PRE_WARS, taken from git) migrates and loads a database and serves
it; this code then migrates the same database and serves it; every public URL of before must answer the same
bytes (same status, same body, same ETag)."""
from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tarfile
import io
import time
from pathlib import Path

import httpx
import pytest

from app import PROJECT_ROOT, cli
from app.platform.pgcluster import free_port
from tests.conftest import LiveServer, _create_database, drop_database

PRE_WARS = "95d0688"  # main before issue 25
PUBLIC = "http://frontline.test"  # FRONTLINE_PUBLIC_URL on both sides: links do not depend on the port
AT = "2024-11-30T12:00:00+03:00"
URLS = ["/", "/embed", "/embed?lang=ar&controls=0", "/?lang=ar", "/api/timeline", "/api/timeline?rev=1",
        "/api/timeline/window?i=0", "/api/factions", "/api/reports", "/api/revisions", "/api/places?q=aleppo",
        f"/api/snapshot?at={AT}", f"/api/snapshot?at={AT}&rev=1", f"/api/snapshot.kml?at={AT}", "/api/areas.csv",
        f"/api/diff?from=2024-11-28T00:00:00%2B03:00&to={AT}", f"/api/point?at={AT}&lat=36.2&lon=37.15",
        "/api/changes.json", "/api/changes.atom", "/api/changes.json?rev=1", "/api/corrections", "/corrections",
        "/api/basemap/places", "/ogc/", "/ogc/collections", "/ogc/collections/control_zones/items?limit=3", "/ogc/collections/control_zones",
        f"/api/render.png?at={AT}&width=400&height=300", "/api/health"]
URLS = [u.replace("+03:00", "%2B03:00") for u in URLS]
# The pages carry the code's own interface (it changes with any feature): they must keep answering; the data
# they show comes from the URLs above, compared byte for byte. So does a picture's layout (issue 27 redrew it:
# bands, place-name placement, the source line), drawn from the same data.
PAGES = {"/", "/embed", "/embed?lang=ar&controls=0", "/?lang=ar", "/corrections",
         f"/api/render.png?at={AT}&width=400&height=300".replace("+03:00", "%2B03:00")}


def _old_code(tmp: Path) -> Path | None:
    try:
        tar = subprocess.run(["git", "-C", str(PROJECT_ROOT), "archive", PRE_WARS], capture_output=True, check=True).stdout
    except (subprocess.CalledProcessError, FileNotFoundError):
        return None
    tarfile.open(fileobj=io.BytesIO(tar)).extractall(tmp)
    (tmp / "node_modules").symlink_to(PROJECT_ROOT / "node_modules")
    return tmp


def _fetch(base: str) -> dict[str, tuple]:
    out = {}
    with httpx.Client(base_url=base, timeout=120) as c:
        for u in URLS:
            r = c.get(u, headers={"Accept-Encoding": "identity"})
            # OGC API - Features stamps each items response with the time it was made (timeStamp): left out.
            body = re.sub(rb'"timeStamp": ?"[^"]*"', b"", r.content) if u.startswith("/ogc/") else r.content
            out[u] = (r.status_code, hashlib.sha256(body).hexdigest(), r.headers.get("etag"), len(r.content))
    return out


def test_migration_keeps_every_public_response(base_settings, tmp_path):
    old = _old_code(tmp_path / "old")
    if old is None:
        pytest.skip(f"the git history with {PRE_WARS} is not here (a shallow clone)")
    url = _create_database(base_settings.database_url, f"{os.environ.get('FRONTLINE_TEST_DB', 'frontline_test')}_bytes")
    env = {**os.environ, "PYTHONPATH": str(old), "DATABASE_URL": url, "FRONTLINE_PUBLIC_URL": PUBLIC,
           "FRONTLINE_TILE_URL": "", "FRONTLINE_RENDER_RATE_PER_MINUTE": "0"}
    run = lambda *args: subprocess.run([sys.executable, "-c", "import sys; from app.cli import main; sys.exit(main(sys.argv[1:]))", *args],
                                       env=env, cwd=old, check=True, capture_output=True)
    try:
        run("migrate")
        run("load", str(old / "data"))
        port = free_port()
        server = subprocess.Popen([sys.executable, "-c", "import uvicorn; from app.platform.config import load_settings; "
                                   "from app.main import create_app; "
                                   f"uvicorn.run(create_app(load_settings()), host='127.0.0.1', port={port}, log_level='warning')"],
                                  env=env, cwd=old)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "the server of before wars did not start"
                time.sleep(0.2)
            before = _fetch(f"http://127.0.0.1:{port}")
        finally:
            server.terminate()
            server.wait(timeout=30)
        s = base_settings.model_copy(update={"database_url": url, "public_url": PUBLIC, "tile_url": "",
                                             "render_rate_per_minute": 0})
        cli.migrate(s)
        srv = LiveServer(s)
        try:
            after = _fetch(srv.url)
            with srv.client() as c:
                wars = c.get("/api/wars").json()
        finally:
            srv.stop()
        assert [w["slug"] for w in wars] == ["aleppo-2024"] and wars[0]["default"]
        assert all(v[0] == 200 for v in before.values()), {u: v for u, v in before.items() if v[0] != 200}
        changed = {u: (before[u], after[u]) for u in URLS
                   if (before[u][0] != after[u][0] if u in PAGES else before[u] != after[u])}
        assert not changed, changed
    finally:
        drop_database(base_settings.database_url, url)
