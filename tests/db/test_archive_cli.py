"""A new war in two commands, through the real `frontline` CLI on its own database: dataset init, load,
import-snapshots (progress bar, closing summary, --dry-run), re-import, export-snapshots, and a refusal."""
from __future__ import annotations

import os
from datetime import date

import pytest
from sqlalchemy import create_engine, text

from app import cli
from tests.archive_series import write_folder
from tests.conftest import _create_database


@pytest.fixture
def cli_db(base_settings, monkeypatch):
    url = _create_database(base_settings.database_url, f"{os.environ.get('FRONTLINE_TEST_DB', 'frontline_test')}_archive_cli")
    monkeypatch.setenv("DATABASE_URL", url)
    engine = create_engine(url)
    yield engine
    engine.dispose()


def counts(engine):
    with engine.connect() as c:
        return c.execute(text("SELECT (SELECT count(*) FROM revisions), (SELECT count(*) FROM control_changes)")).one()


def test_new_war_in_two_commands(cli_db, tmp_path, capsys):
    war, series = tmp_path / "war", tmp_path / "series"
    assert cli.main(["dataset", "init", str(war), "--title", "Generated war", "--start", "2022-02-24", "--end", "2022-12-31",
                     "--extent", "22,44,41,53", "--faction", "ru:Red army:#D55E00", "--faction", "ua:Blue army:#0072B2",
                     "--utc-offset", "+02:00"]) == 0
    assert "data set scaffolded" in capsys.readouterr().out
    assert cli.main(["load", str(war)]) == 0
    write_folder(series, date(2022, 3, 1), 5, (31.0, 48.5), 2.0, vertices=400)
    capsys.readouterr()

    args = ["import-snapshots", str(series), "--faction", "ru", "--remainder", "ua", "--report", "source-1"]
    assert cli.main([*args, "--dry-run"]) == 0
    out = capsys.readouterr()
    assert "dry run: nothing was stored" in out.out and counts(cli_db) == (1, 0)

    assert cli.main(args) == 0
    out = capsys.readouterr()
    assert "[##############################] " in out.err  # the progress bar
    assert "snapshots read: 5 from 5 file(s)" in out.out and "stored as revision 2" in out.out
    assert "km² moved" in out.out and "time:" in out.out
    after = counts(cli_db)
    assert after[0] == 2 and after[1] > 0

    assert cli.main(args) == 0
    assert "nothing to store: the map already matches every snapshot" in capsys.readouterr().out
    assert counts(cli_db) == after

    assert cli.main(["export-snapshots", str(tmp_path / "out"), "--every", "change", "--format", "kml", "--quiet"]) == 0
    assert "written 4 snapshot file(s)" in capsys.readouterr().out  # 5 days, one repeating the day before
    assert sorted(p.name for p in (tmp_path / "out").iterdir())[0] == "2022-03-01.kml"

    assert cli.main(["export-snapshots", str(tmp_path / "days"), "--from", "2022-03-02", "--to", "2022-03-04", "--quiet"]) == 0
    assert sorted(p.name for p in (tmp_path / "days").iterdir()) == ["2022-03-02.geojson", "2022-03-03.geojson", "2022-03-04.geojson"]
    capsys.readouterr()

    assert cli.main(["import-snapshots", str(series), "--faction", "ru", "--remainder", "ua", "--report", "missing"]) == 1
    assert "unknown report 'missing' (--report)" in capsys.readouterr().err
    assert counts(cli_db) == after
