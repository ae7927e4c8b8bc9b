"""Durable by default, and back from a lost data folder: `frontline backup`, more saves, the postmaster killed
(kill -9) and its data folder deleted, then `frontline restore` brings back every acknowledged save; `restore
--to` stops at an instant. Each test runs a private cluster of its own in a temporary state folder."""
import os
import shutil
import signal
import time
from datetime import datetime, timezone

import psycopg
import pytest

from app import cli
from app.platform.config import private_cluster, read_settings
from app.platform.pgcluster import DB_NAME, DB_USER


@pytest.fixture
def state(tmp_path_factory, monkeypatch):
    folder = tmp_path_factory.mktemp("restore-state")
    monkeypatch.setenv("FRONTLINE_STATE_DIR", str(folder))
    for name in ("DATABASE_URL", "FRONTLINE_DATABASE_URL", "FRONTLINE_PG_DURABLE", "FRONTLINE_WAL_ARCHIVE"):
        monkeypatch.delenv(name, raising=False)
    yield folder
    c = private_cluster(read_settings())
    try:
        c.stop()
    except Exception:
        pass
    if not c.home.is_relative_to(folder):  # a private temp folder: the cluster lived under /var/lib/frontline
        shutil.rmtree(c.home.parent, ignore_errors=True)


def connect(cluster):
    return psycopg.connect(host="127.0.0.1", port=cluster.port(), user=DB_USER, password=cluster.password(),
                           dbname=DB_NAME, autocommit=True, connect_timeout=10)


def save(cluster, ids):
    """Each id one acknowledged commit."""
    with connect(cluster) as conn:
        for i in ids:
            conn.execute("INSERT INTO saves (id) VALUES (%s)", (i,))


def saved(cluster) -> list[int]:
    with connect(cluster) as conn:
        return [r[0] for r in conn.execute("SELECT id FROM saves ORDER BY id")]


def kill_postmaster(cluster) -> None:
    pid = int((cluster.datadir / "postmaster.pid").read_text().split()[0])
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError("the postmaster did not die")


def wait_archived(cluster) -> None:
    """Until the segment holding the last commit is in the archive (archive_timeout is 1 s here)."""
    with connect(cluster) as conn:
        segment = conn.execute("SELECT pg_walfile_name(pg_current_wal_lsn())").fetchone()[0]
        deadline = time.monotonic() + 30
        while (conn.execute("SELECT last_archived_wal FROM pg_stat_archiver").fetchone()[0] or "") < segment:
            assert time.monotonic() < deadline, "the WAL was not archived"
            time.sleep(0.1)


def test_db_start_on_a_new_state_folder_is_durable_and_archives(state, monkeypatch, capsys):
    assert cli.main(["db", "start"]) == 0
    c = private_cluster(read_settings())
    now = c.current()
    assert (now["fsync"], now["full_page_writes"], now["synchronous_commit"]) == ("on", "on", "on")
    assert now["archive_mode"] == "on" and str(c.archive_dir) in now["archive_command"]
    assert c.archive_dir == c.home / "wal-archive"
    # A later start asking for less (the test suite's setting) leaves a running cluster as durable as it is.
    monkeypatch.setenv("FRONTLINE_PG_DURABLE", "false")
    assert cli.main(["db", "start"]) == 0
    assert c.current()["fsync"] == "on"


def test_restore_brings_back_every_acknowledged_save(state, monkeypatch, capsys):
    monkeypatch.setenv("FRONTLINE_PG_DURABLE", "false")  # speed: what is lost here is the folder, not the cache
    monkeypatch.setenv("FRONTLINE_WAL_ARCHIVE_SECONDS", "1")
    assert cli.main(["db", "start"]) == 0
    c = private_cluster(read_settings())
    with connect(c) as conn:
        conn.execute("CREATE TABLE saves (id int PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())")
    save(c, range(0, 20))
    assert cli.main(["backup"]) == 0
    assert "base backup in" in capsys.readouterr().out
    save(c, range(20, 40))
    time.sleep(0.3)
    middle = datetime.now(timezone.utc)
    time.sleep(0.3)
    save(c, range(40, 60))
    wait_archived(c)

    # The data folder is gone: the base backup and the archive bring back every save.
    kill_postmaster(c)
    shutil.rmtree(c.datadir)
    assert cli.main(["restore"]) == 0
    assert saved(c) == list(range(60))

    # To an instant: the saves before it, none after.
    assert cli.main(["restore", "--to", middle.isoformat()]) == 0
    assert saved(c) == list(range(40))

    # A crash that leaves the folder: the saves not archived yet come back from its own WAL, no wait needed.
    save(c, range(100, 110))
    kill_postmaster(c)
    assert cli.main(["restore"]) == 0
    assert saved(c) == list(range(40)) + list(range(100, 110))
    assert c.current()["fsync"] == "off" and c.current()["synchronous_commit"] == "on" and not (c.datadir / "recovery.signal").exists()


def test_restore_refuses_bad_input_with_a_message(state, monkeypatch, capsys):
    assert cli.main(["restore", "--to", "yesterday"]) == 1
    assert "not an ISO 8601 instant" in capsys.readouterr().err
    assert cli.main(["restore", "--to", "2024-01-01T00:00:00"]) == 1  # no offset
    capsys.readouterr()
    monkeypatch.setenv("FRONTLINE_PG_DURABLE", "false")
    monkeypatch.setenv("FRONTLINE_WAL_ARCHIVE", "off")
    assert cli.main(["db", "start"]) == 0
    assert cli.main(["restore", "--to", "2024-01-01T00:00:00Z"]) == 2
    assert "needs the WAL archive" in capsys.readouterr().err
    monkeypatch.delenv("FRONTLINE_WAL_ARCHIVE")
    assert cli.main(["restore"]) == 2
    assert "no base backup" in capsys.readouterr().err
    # The test suite's fast cluster, then `make run` on it: the running cluster becomes durable and archives.
    monkeypatch.delenv("FRONTLINE_PG_DURABLE")
    c = private_cluster(read_settings())
    assert c.current()["fsync"] == "off"
    assert cli.main(["db", "start"]) == 0
    assert "fsync on, WAL archived to" in capsys.readouterr().out
    assert c.current()["fsync"] == "on" and str(c.archive_dir) in c.current()["archive_command"]
