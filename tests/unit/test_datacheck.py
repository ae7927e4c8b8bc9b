"""`frontline data check`: the seed data set passes it, and each rule catches what it is for."""
import json
import shutil
from pathlib import Path

import pytest

from app import PROJECT_ROOT, cli
from app.tools import datacheck

DATA = PROJECT_ROOT / "data"


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "ds"
    shutil.copytree(DATA, folder, ignore=shutil.ignore_patterns("base", "tools"))
    return folder


def _edit(folder: Path, name: str, fn):
    p = folder / name
    obj = json.loads(p.read_text())
    fn(obj)
    if name.endswith(".geojson"):
        datacheck.write_features(p, obj["features"], obj.get("name"))
    else:
        p.write_text(json.dumps(obj, ensure_ascii=False, indent=1))


def _texts(folder: Path) -> dict:
    return {t["key"]: t for t in json.loads((folder / "changes.json").read_text())}


def test_the_seed_data_set_passes_the_check():
    problems, figures = datacheck.check(DATA)
    assert problems == []
    assert figures["changes"] >= 30 and figures["reports"] >= 10


def test_cli_data_check(tmp_path, capsys):
    assert cli.main(["data", "check", str(DATA)]) == 0
    assert "ok" in capsys.readouterr().out
    folder = _copy(tmp_path)
    _edit(folder, "geojson/changes.geojson", lambda fc: fc["features"][7]["properties"].update(faction="nobody"))
    assert cli.main(["data", "check", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "feature 7" in err and "unknown faction 'nobody'" in err


def test_changes_are_one_feature_per_line_with_texts_beside_them():
    lines = (DATA / "geojson" / "changes.geojson").read_text().splitlines()
    fc = json.loads("\n".join(lines))
    assert len(lines) == len(fc["features"]) + 2
    for line, feat in zip(lines[1:-1], fc["features"]):
        assert json.loads(line.rstrip(",")) == feat
        assert "summary_en" not in feat["properties"]
    texts = _texts(DATA)
    assert set(texts) == {f["properties"]["key"] for f in fc["features"]}
    assert all(t["summary_en"] and t["summary_ar"] for t in texts.values())


def test_a_report_published_before_the_change_is_counted_not_refused(tmp_path):
    # The citation rule (app/domain/citations.py) is the editor's: it accepts such a citation (a morning report
    # for an afternoon change, one source report for a series of imported snapshots), so the check only counts it.
    folder = _copy(tmp_path)
    fc = json.loads((folder / "geojson" / "changes.geojson").read_text())
    feat = next(f for f in fc["features"] if "baseline" not in f["properties"]["key"])
    key = feat["properties"]["reports"][0]
    before = datacheck.check(folder)[1]["citations_of_earlier_reports"]
    _edit(folder, "reports.json", lambda rs: [r.update(published_at="2023-01-01T00:00:00+03:00") for r in rs if r["key"] == key])
    problems, figures = datacheck.check(folder)
    assert problems == [] and figures["citations_of_earlier_reports"] > before


def test_an_uncited_report_is_counted_not_refused(tmp_path):
    # An editor adds a report before citing it: a database holding one must export to a folder that passes.
    folder = _copy(tmp_path)
    _edit(folder, "reports.json", lambda rs: rs.append({**rs[0], "key": "never-cited"}))
    problems, figures = datacheck.check(folder)
    assert problems == [] and figures["reports_never_cited"] == 1


def test_place_containment_rule(tmp_path):
    folder = _copy(tmp_path)
    texts = json.loads((folder / "changes.json").read_text())
    t = next(t for t in texts if t["key"].endswith("saraqib"))
    t["summary_en"] = t["summary_en"] + " Jarabulus too."
    (folder / "changes.json").write_text(json.dumps(texts, ensure_ascii=False))
    problems, _ = datacheck.check(folder)
    assert len(problems) == 1 and "names Jarabulus (jarabulus)" in problems[0] and t["key"] in problems[0]
    # A reference point is not a claim; neither is a place the note explains.
    t["summary_en"] = t["summary_en"].replace("Jarabulus too.", "Nothing changed near Jarabulus.")
    (folder / "changes.json").write_text(json.dumps(texts, ensure_ascii=False))
    assert datacheck.check(folder)[0] == []
    t["summary_en"] = t["summary_en"].replace("near Jarabulus", "in Jarabulus")
    t["note"] += " Jarabulus is named for contrast; it did not change hands."
    (folder / "changes.json").write_text(json.dumps(texts, ensure_ascii=False))
    assert datacheck.check(folder)[0] == []


def test_inferred_is_a_confidence_and_others_are_refused(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "geojson/changes.geojson", lambda fc: fc["features"][8]["properties"].update(confidence="inferred"))
    assert datacheck.check(folder)[0] == []
    _edit(folder, "geojson/changes.geojson", lambda fc: fc["features"][8]["properties"].update(confidence="rumoured"))
    problems, _ = datacheck.check(folder)
    assert len(problems) == 1 and "confidence must be 'confirmed', 'claimed' or 'inferred'" in problems[0]


def test_texts_must_match_the_changes(tmp_path):
    folder = _copy(tmp_path)
    texts = json.loads((folder / "changes.json").read_text())
    texts[0]["key"] = "no-such-change"
    (folder / "changes.json").write_text(json.dumps(texts, ensure_ascii=False))
    problems, _ = datacheck.check(folder)
    assert any("no texts for this change" in p for p in problems)
    assert any("entry no-such-change" in p for p in problems)


def test_a_sliver_left_by_a_change_is_found(tmp_path):
    folder = _copy(tmp_path)
    fc = json.loads((folder / "geojson" / "changes.geojson").read_text())
    last = fc["features"][-1]["properties"]
    # A 50 m x 50 m square handed to the SNA deep inside government-held Hama.
    x, y, d = 36.75, 35.0, 0.0005
    fc["features"].append({"type": "Feature", "properties": {**last, "key": "tiny", "faction": "sna"},
                           "geometry": {"type": "Polygon", "coordinates": [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]]}})
    datacheck.write_features(folder / "geojson" / "changes.geojson", fc["features"], "changes")
    texts = json.loads((folder / "changes.json").read_text())
    texts.append({"key": "tiny", "summary_en": "A tiny area.", "summary_ar": "منطقة صغيرة.", "note": ""})
    (folder / "changes.json").write_text(json.dumps(texts, ensure_ascii=False))
    problems, _ = datacheck.check(folder)
    assert any("sna has a sliver" in p for p in problems), problems


def test_needles_are_found():
    from shapely.geometry import Polygon
    spike = Polygon([(37, 36), (37.1, 36), (37.1, 36.05), (37.2, 36.0501), (37.1, 36.0502), (37.1, 36.1), (37, 36.1)])
    assert datacheck.needles(spike) == [(37.2, 36.0501)]
    assert datacheck.needles(Polygon([(37, 36), (37.1, 36), (37.1, 36.1), (37, 36.1)])) == []


def test_tidy_keeps_the_data_set_valid(tmp_path):
    folder = _copy(tmp_path)
    assert datacheck.tidy(folder) > 0
    assert datacheck.check(folder)[0] == []


def test_story_checks_hold_in_the_fold_at_the_gazetteer_points_with_a_margin():
    """The same story checks as tests/db/test_story.py, on the pure fold, each point at least 300 m inside."""
    from datetime import datetime

    from shapely.geometry import Point

    from app.usecases import load as loader
    from app.domain.timeline import Change, fold, state_at

    data = loader.validate(DATA)
    where = {p["slug"]: Point(p["lon"], p["lat"]) for p in data["places"]}
    versions = fold([Change(c["order"], c["at"], c["faction"], c["geom"]) for c in data["changes"]])
    checks = json.loads((PROJECT_ROOT / "tests" / "fixtures" / "story_checks.json").read_text())
    wrong = []
    for c in checks:
        pt = where[c["place"]]
        st = state_at(versions, datetime.fromisoformat(c["at"]))
        holders = [f for f, v in st.items() if v.geom.contains(pt)]
        margin_m = min((st[f].geom.boundary.distance(pt) for f in holders), default=0) * 111_000 * 0.81
        if holders != [c["faction"]] or margin_m < 300:
            wrong.append(f"{c['place']} at {c['at']}: want {c['faction']}, got {holders}, {margin_m:.0f} m inside")
    assert not wrong, "\n".join(wrong)


def test_readme_table_lists_every_change_with_a_sentence_of_a_cited_report():
    import re

    readme = (DATA / "README.md").read_text()
    table = readme[readme.index("## Every change and what supports it"):]
    rows = re.findall(r"^\| `([^`]+)` \| (\w+) \| `([^`]+)` \| (.+) \|$", table, re.M)
    fc = json.loads((DATA / "geojson" / "changes.geojson").read_text())
    props = {f["properties"]["key"]: f["properties"] for f in fc["features"]}
    reports = {r["key"]: r for r in json.loads((DATA / "reports.json").read_text())}
    assert {r[0] for r in rows} == set(props)
    for key, confidence, report, sentence in rows:
        assert confidence == props[key]["confidence"], key
        assert report in props[key]["reports"], (key, report)
        assert sentence.strip() in reports[report]["summary"].replace("|", "/"), (key, report)


# Resolution of the front lines (where two factions' zones meet), measured at every change instant by
# datacheck.front_figures: borders and the edge of the mapped area are not fronts. Issue 28's targets.
TARGET = {"city_median_km": 0.4, "country_median_km": 1.0, "straight_run_km": 5.0}
NOW = {"city_median_km": 0.8, "country_median_km": 1.5, "straight_run_km": 18.5}  # measured 0.79, 1.5, 18.4
# (before the village-level redraw: 1.04, 4.29, 93.7)


def _figures():
    f = datacheck.front_figures(DATA)
    return {"city_median_km": f["city_median_km"], "country_median_km": f["country_median_km"],
            "straight_run_km": f["longest_straight_km"]}


def test_resolution_does_not_get_worse():
    got = _figures()
    worse = {k: (round(v, 2), NOW[k]) for k, v in got.items() if v > NOW[k]}
    assert not worse, f"coarser than before: {worse}"


@pytest.mark.xfail(strict=True, reason="lines run between settlements about 1.5 km apart: the targets need finer evidence (issue 28; data/README.md, Resolution)")
def test_village_level_resolution():
    got = _figures()
    assert all(got[k] <= TARGET[k] for k in TARGET), got


def test_front_figures_leave_borders_and_the_mapped_edge_out():
    """Two zones side by side in a box: the line between them is the only front; the box's edge is the edge of
    the mapped area; extra vertices on a straight front do not make it finer."""
    from shapely.geometry import box

    from app.tools.datacheck import front_lines

    west, east = box(37.0, 36.0, 37.1, 36.1), box(37.1, 36.0, 37.2, 36.1)
    fronts, edges = front_lines({"a": west, "b": east}, box_edge=box(37.0, 36.0, 37.2, 36.1).exterior)
    assert [(a, b) for a, b, _ in fronts] == [("a", "b")]
    assert sum(datacheck._line_km(l) for _, _, l in fronts) == pytest.approx(11.1, abs=0.2)
    assert sum(datacheck._line_km(l) for _, _, l in edges) == pytest.approx(2 * 17.9 + 2 * 11.1, abs=1)
    dense = [(37.1, 36.0 + i * 0.001) for i in range(101)]
    assert datacheck._turning(dense) == [dense[0], dense[-1]]
    assert datacheck._straight_runs(datacheck._turning(dense))[0][0] == pytest.approx(11.1, abs=0.2)
    # A front left as a hole: ground no zone covers is the mapped area's edge, not a front.
    fronts, edges = front_lines({"a": west.difference(box(37.04, 36.04, 37.06, 36.06))},
                                box_edge=box(37.0, 36.0, 37.1, 36.1).exterior)
    assert fronts == [] and len(edges) == 2


def test_newsroom_source_rules_each_name_the_report(tmp_path):
    """Issue 28, item 4: with "sources_policy": "newsroom" the check refuses a report with no publisher or link,
    an unlabelled state outlet, a party's wording in a title, a late report not labelled as a later account, a
    change resting only on partisan outlets, and a 'claimed' change resting only on later accounts."""
    folder = _copy(tmp_path)
    assert datacheck.check(folder)[0] == []

    def reports(rs):
        by = {r["key"]: r for r in rs}
        by["novinite-2024-11-27"]["publisher"] = "Publisher not identified"
        by["reuters-2024-11-28"]["url"] = None
        by["trt-2024-11-30-idlib"]["publisher"] = "TRT World"
        by["afp-2024-11-28-m5"]["title"] = "Jihadists cut the highway, the regime says"
        by["wikipedia-dawn-of-freedom"]["title"] = "Operation Dawn of Freedom"
    _edit(folder, "reports.json", reports)

    def changes(fc):
        for f in fc["features"]:
            p = f["properties"]
            if p["key"] == "2024-12-01-sna-tal-rifaat":
                p["reports"] = ["trt-2024-12-01-talrifaat"]
            if p["key"] == "2024-12-01-sdf-deir-hafer-maskanah":
                p["confidence"] = "claimed"
    _edit(folder, "geojson/changes.geojson", changes)
    problems = "\n".join(datacheck.check(folder)[0])
    for want in ("novinite-2024-11-27: the publisher is not identified", "reuters-2024-11-28: no link",
                 "trt-2024-11-30-idlib: TRT is a state or partisan outlet", "afp-2024-11-28-m5: the title uses a party's wording (regime, jihadis)",
                 "2024-11-30-sna-tadef: cites wikipedia-dawn-of-freedom, published 23 days after it",
                 "2024-12-01-sna-tal-rifaat: rests only on state or partisan outlets (trt-2024-12-01-talrifaat)",
                 "2024-12-01-sdf-deir-hafer-maskanah: rests only on later accounts (safir-2026-01-17-deirhafer)"):
        assert want in problems, (want, problems)
    # Without the policy (an export of a database does not carry it), only the plain rules apply.
    _edit(folder, "dataset.json", lambda ds: ds.pop("sources_policy"))
    assert datacheck.check(folder)[0] == []
