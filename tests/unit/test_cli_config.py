"""Set-up errors name the setting and say what to do; never a stack trace."""
import os
import subprocess
import sys

import pytest

from app.platform.pgcluster import free_port


@pytest.mark.parametrize("url, words", [
    (lambda: f"postgresql://nobody:wrong@127.0.0.1:{free_port()}/nothing", "cannot connect to the database given by DATABASE_URL"),
    (lambda: "not a url at all", "DATABASE_URL"),
    (lambda: "mysql://u:p@localhost/db", "DATABASE_URL must point at PostgreSQL"),
])
def test_bogus_database_url_is_named(url, words, tmp_path):
    env = {**os.environ, "DATABASE_URL": url(), "FRONTLINE_STATE_DIR": str(tmp_path)}
    r = subprocess.run([sys.executable, "-m", "app.cli", "up", "--port", str(free_port())], env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert words in r.stderr and "Traceback" not in r.stderr


def test_bad_setting_is_named(tmp_path):
    env = {**os.environ, "PORT": "99999", "FRONTLINE_STATE_DIR": str(tmp_path), "DATABASE_URL": "postgresql://a:b@127.0.0.1:1/x"}
    r = subprocess.run([sys.executable, "-m", "app.cli", "migrate"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "port" in r.stderr.lower() and "Traceback" not in r.stderr
