"""Beyond one process: a read replica takes the read path; several app processes agree on the revision."""
import os
import subprocess
import sys
import time

import httpx
from sqlalchemy import create_engine, text

from app.platform.pgcluster import free_port
from tests.conftest import EDITOR, FIXTURES, _create_database, login

PY = sys.executable
SQUARE = {"type": "Polygon", "coordinates": [[[37.30, 35.60], [37.40, 35.60], [37.40, 35.70], [37.30, 35.70], [37.30, 35.60]]]}


def _fresh_mini(base_settings, name):
    url = _create_database(base_settings.database_url, f"{os.environ.get('FRONTLINE_TEST_DB', 'frontline_test')}_{name}")
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([PY, "-m", "app.cli", "load", str(FIXTURES / "mini")], env=env, check=True, capture_output=True, timeout=120)
    r = subprocess.run([PY, "-m", "app.cli", "user", "add", EDITOR[0], "--role", "editor"], env=env, input=EDITOR[1] + "\n",
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return url


def _serve(env, *extra):
    port = free_port()
    p = subprocess.Popen([PY, "-m", "app.cli", "serve", "--port", str(port), *extra], env={**os.environ, "TILE_URL": "", **env},
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                return p, f"http://127.0.0.1:{port}"
        except httpx.HTTPError:
            time.sleep(0.2)
        assert p.poll() is None, p.stderr.read().decode()[-2000:]
    raise AssertionError("server did not start")


def _write(base, rev):
    with httpx.Client(base_url=base, timeout=60) as c:
        c.headers["X-CSRF-Token"] = login(c)
        r = c.post("/api/changes", json={"confirm_large": True, "faction": "green", "at": "2024-01-02T13:00:00+03:00", "geometry": SQUARE,
                                         "confidence": "confirmed", "report_ids": [1], "note": "scaling", "summary_en": "Scaling", "base_revision": rev})
        assert r.status_code == 201, r.text
        return r.json()["revision"]


def test_two_processes_agree_after_an_edit(base_settings):
    url = _fresh_mini(base_settings, "workers")
    env = {"DATABASE_URL": url, "FRONTLINE_REVISION_POLL_SECONDS": "1"}
    a, base_a = _serve(env)
    b, base_b = _serve(env)
    try:
        rev = httpx.get(f"{base_b}/api/timeline").json()["revision"]  # b's cache is warm
        new = _write(base_a, rev)
        deadline = time.monotonic() + 10
        while httpx.get(f"{base_b}/api/timeline").json()["revision"] != new:
            assert time.monotonic() < deadline, "the second process still serves the old revision"
            time.sleep(0.1)
        snap_a = httpx.get(f"{base_a}/api/snapshot", params={"at": "2024-01-03T00:00:00+03:00"}).json()
        snap_b = httpx.get(f"{base_b}/api/snapshot", params={"at": "2024-01-03T00:00:00+03:00"}).json()
        assert snap_a == snap_b and snap_b["revision"] == new
    finally:
        a.terminate(), b.terminate()


def test_multi_worker_server_serves(base_settings):
    url = _fresh_mini(base_settings, "multiworker")
    p, base = _serve({"DATABASE_URL": url}, "--workers", "2")
    try:
        revs = {httpx.get(f"{base}/api/timeline", headers={"Connection": "close"}).json()["revision"] for _ in range(10)}
        assert len(revs) == 1
    finally:
        p.terminate()


def test_reads_go_to_the_read_url_and_writes_to_the_primary(base_settings):
    primary = _fresh_mini(base_settings, "primary")
    replica = _fresh_mini(base_settings, "replica")  # stands in for a streaming replica: same data, another database
    eng_r = create_engine(replica)
    with eng_r.begin() as c:
        c.execute(text("UPDATE reports SET title = 'seen on the replica' WHERE id = 1"))
    p, base = _serve({"DATABASE_URL": primary, "DATABASE_READ_URL": replica})
    try:
        titles = {r["title"] for r in httpx.get(f"{base}/api/reports").json()}
        assert "seen on the replica" in titles
        rev = httpx.get(f"{base}/api/timeline").json()["revision"]
        _write(base, rev)
        eng_p = create_engine(primary)
        with eng_p.connect() as c:
            assert c.execute(text("SELECT count(*) FROM control_changes WHERE note = 'scaling'")).scalar_one() == 1
        with eng_r.connect() as c:
            assert c.execute(text("SELECT count(*) FROM control_changes WHERE note = 'scaling'")).scalar_one() == 0
        eng_p.dispose()
        # The replica has not replayed the write: the public map stays on the replica's revision (never a mixture).
        assert httpx.get(f"{base}/api/timeline").json()["revision"] == rev
    finally:
        p.terminate()
        eng_r.dispose()
