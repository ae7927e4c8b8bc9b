"""One citation rule (app/domain/citations.py) for the editor's API, the loader and `frontline data check`: an
export (`frontline export-dataset`) of a database the app accepted passes the data check, including changes
saved through the API with the loosest citations it accepts."""
from __future__ import annotations

import pytest

from app import cli
from app.domain import citations
from app.tools import datacheck
from tests.conftest import login

T_MID = "2024-01-02T00:00:00+03:00"
SQUARE = {"type": "Polygon", "coordinates": [[[36.7, 36.0], [36.9, 36.0], [36.9, 36.2], [36.7, 36.2], [36.7, 36.0]]]}


def test_an_export_of_what_the_api_accepted_passes_the_data_check(mini_server, tmp_path, monkeypatch, capsys):
    with mini_server.client() as c:
        c.headers["X-CSRF-Token"] = login(c)
        # The loosest report the API takes: no address, no summary, published long before anything it backs;
        # and one no change cites (an editor adds a report before citing it).
        early = c.post("/api/reports", json={"title": "x", "publisher": "y", "published_at": "2000-01-01T00:00:00Z"})
        assert early.status_code == 201, early.text
        unused = c.post("/api/reports", json={"title": "Not cited yet", "publisher": "Wire",
                                              "published_at": "2024-01-05T00:00:00+03:00", "url": "https://example.org/u"})
        assert unused.status_code == 201, unused.text
        rid = early.json()["id"]
        base = c.get("/api/timeline").json()["revision"]
        r = c.post("/api/changes", json={"faction": "green", "at": T_MID, "geometry": SQUARE, "confidence": "claimed",
                                         "report_ids": [rid, rid], "summary_en": "Green takes the test area", "base_revision": base,
                                         "confirm_large": True})
        assert r.status_code == 201, r.text
        # What the API refuses, the rule refuses, with the rule's words.
        for ids, words in (([], None), ([rid, 999_999], "unknown report"), (list(range(1, 52)), None)):
            bad = c.post("/api/changes", json={"faction": "green", "at": T_MID, "geometry": SQUARE, "report_ids": ids,
                                               "summary_en": "Green takes the test area", "base_revision": base + 1})
            assert bad.status_code == 422, (ids, bad.text)
            assert words is None or words in bad.text
    monkeypatch.setenv("DATABASE_URL", mini_server.settings.database_url)
    out = tmp_path / "export"
    assert cli.main(["export-dataset", str(out)]) == 0
    capsys.readouterr()
    code = cli.main(["data", "check", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    problems, figures = datacheck.check(out)
    assert problems == []
    assert figures["reports_never_cited"] == 1 and figures["citations_of_earlier_reports"] >= 1


def test_the_rule():
    assert citations.citation_problem([], {1}) == "cites no report (every change must cite at least one)"
    assert citations.citation_problem([1, 1], {1}) is None
    assert "unknown" in citations.citation_problem([1, 2], {1})
    assert "at most" in citations.citation_problem(list(range(51)), set(range(51)))
    assert citations.citation_problem(list(range(50)) * 2, set(range(50))) is None
    assert citations.report_problems(" ", "p", None) == ["missing title"]
    assert citations.report_problems("t", "p", "ftp://x") == ["url must start with http:// or https://"]


@pytest.mark.parametrize("refs, words", [([], "cites no report"), (["nope"], "cites unknown report(s) ['nope']")])
def test_the_loader_and_the_check_use_the_rule(tmp_path, refs, words):
    import json
    import shutil

    from tests.conftest import FIXTURES

    folder = tmp_path / "ds"
    shutil.copytree(FIXTURES / "mini", folder)
    path = folder / "geojson" / "changes.geojson"
    doc = json.loads(path.read_text())
    doc["features"][1]["properties"]["reports"] = refs
    path.write_text(json.dumps(doc))
    problems, _ = datacheck.check(folder)
    assert any(words in p for p in problems), problems


def test_an_export_after_dataset_init_and_import_snapshots_passes_the_data_check(mini_db, tmp_path):
    # The documented way to start a war: `dataset init` (its report source-1 is published at the start), then
    # `import-snapshots --report source-1`: every imported change cites a report published before it.
    from datetime import date, datetime, timedelta, timezone

    from app.usecases import archive, dataset_init
    from app.usecases import load as loader
    from tests.archive_series import write_folder

    tz = timezone(timedelta(hours=2))
    spec = dataset_init.Spec(title="Generated war", start=datetime(2022, 2, 24, tzinfo=tz), end=datetime(2023, 1, 1, tzinfo=tz),
                             extent=(22.0, 44.0, 41.0, 53.0), utc_offset_minutes=120, baseline="blue",
                             factions=[dataset_init.parse_faction("red:Red army:#D55E00"),
                                       dataset_init.parse_faction("blue:Blue army:#0072B2")])
    dataset_init.write(tmp_path / "war", spec)
    loader.load(mini_db, tmp_path / "war", replace=True)
    mini_db.commit()
    write_folder(tmp_path / "series", date(2022, 3, 1), 3, (31.0, 48.5), 2.0, vertices=60)
    s = archive.import_snapshots(mini_db, tmp_path / "series",
                                 archive.ImportOptions(faction="red", remainder="blue", report="source-1"), readers=None)
    assert s.changes > 0
    datacheck.export_dataset(mini_db, tmp_path / "out")
    problems, figures = datacheck.check(tmp_path / "out")
    assert problems == []
    assert figures["citations_of_earlier_reports"] == s.changes
