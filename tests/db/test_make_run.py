"""What `make run` does (`frontline up`): on an empty database it loads the seed data as the first war and serves
it, at / and at /w/SLUG/; run again on the same database, it finds the war loaded and serves it as it is."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx

from app.platform.pgcluster import free_port
from tests.conftest import _create_database, drop_database


def _up(url: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "FRONTLINE_TILE_URL": ""}
    p = subprocess.Popen([sys.executable, "-m", "app.cli", "up", "--port", str(port)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        assert p.poll() is None, p.stdout.read().decode(errors="replace")[-3000:]
        try:
            if httpx.get(base + "/api/health", timeout=2).status_code == 200:
                return p, base
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "frontline up did not serve within 180 s"
        time.sleep(0.3)


def _down(p: subprocess.Popen) -> None:
    os.killpg(p.pid, signal.SIGTERM)
    p.wait(30)


def test_frontline_up_loads_the_seed_war_and_serves_it(base_settings):
    url = _create_database(base_settings.database_url, f"{os.environ.get('FRONTLINE_TEST_DB', 'frontline_test')}_up")
    try:
        for _ in range(2):  # the second time: the war is there already, nothing is loaded again
            p, base = _up(url)
            try:
                wars = httpx.get(base + "/api/wars", timeout=30).json()
                assert [w["slug"] for w in wars] == ["aleppo-2024"] and wars[0]["status"] == "ended"
                assert httpx.get(base + "/", timeout=30).status_code == 200
                assert httpx.get(base + "/w/aleppo-2024/", timeout=30).status_code == 200
                assert httpx.get(base + "/api/timeline", timeout=60).json()["revision"] == 1
            finally:
                _down(p)
    finally:
        drop_database(base_settings.database_url, url)
