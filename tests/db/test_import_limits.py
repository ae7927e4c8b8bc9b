"""`frontline import-snapshots` within bounds (issue 29, items 6-8), through the real CLI on its own database:
a .gz that unpacks to 300 MB is refused without being unpacked, a file just over the feature, vertex or
document limit is refused naming the limit and its option, a big GeoJSON sequence is read line by line, and
nested JSON or a foreign crs is a message with exit 1, never a traceback. Nothing is stored in any case."""
from __future__ import annotations

import gzip
import json
import math
import os
import resource

import pytest
from sqlalchemy import create_engine, text

from app import cli
from tests.conftest import _create_database

MB = 1 << 20


@pytest.fixture(scope="module")
def war_db(base_settings, tmp_path_factory):
    url = _create_database(base_settings.database_url, f"{os.environ.get('FRONTLINE_TEST_DB', 'frontline_test')}_import_limits")
    old = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    war = tmp_path_factory.mktemp("war")
    assert cli.main(["dataset", "init", str(war), "--title", "Limits", "--start", "2022-02-24", "--end", "2022-12-31",
                     "--extent", "22,44,41,53", "--faction", "ru:Red:#D55E00", "--faction", "ua:Blue:#0072B2"]) == 0
    assert cli.main(["load", str(war)]) == 0
    engine = create_engine(url)
    yield engine
    engine.dispose()
    if old is None:
        os.environ.pop("DATABASE_URL", None)
    else:
        os.environ["DATABASE_URL"] = old


def counts(engine):
    with engine.connect() as c:
        return tuple(c.execute(text("SELECT (SELECT count(*) FROM revisions), (SELECT count(*) FROM control_changes)")).one())


def square(i: int, side: float = 0.001, vertices: int = 4) -> dict:
    x, y = 30 + (i % 1000) * 0.002, 48 + (i // 1000) * 0.002
    if vertices <= 4:
        ring = [[x, y], [x + side, y], [x + side, y + side], [x, y + side], [x, y]]
    else:  # a circle of `vertices` positions
        ring = [[x + side * math.cos(2 * math.pi * k / vertices), y + side * math.sin(2 * math.pi * k / vertices)]
                for k in range(vertices)]
        ring.append(ring[0])
    return {"type": "Feature", "properties": {"date": "2022-03-01"}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def run(capsys, path, *extra) -> tuple[int, str]:
    capsys.readouterr()
    rc = cli.main(["import-snapshots", str(path), "--faction", "ru", "--remainder", "ua", "--report", "source-1",
                   "--quiet", *extra])
    out = capsys.readouterr()
    assert "Traceback" not in out.err + out.out
    return rc, out.err


def bomb(path, head: bytes, fill: bytes, mb: int) -> None:
    """A gzip file of `head` and `mb` MB of `fill`: one member compressed once and repeated (gzip readers read
    concatenated members as one stream), so writing it costs nothing."""
    member = gzip.compress(fill * MB, 9)
    path.write_bytes(gzip.compress(head) + member * mb)


def test_a_gz_bomb_is_refused_without_unpacking_it(war_db, tmp_path, capsys):
    before = counts(war_db)
    for name, head in (("bomb.geojson.gz", b'{"type":"FeatureCollection","features":['), ("bomb.geojsonl.gz", b"")):
        bomb(tmp_path / name, head, b" ", 300)  # 300 MB unpacked, about 300 KB packed
        assert (tmp_path / name).stat().st_size < 1 * MB
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
        rc, err = run(capsys, tmp_path / name)
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak) * 1024
        assert rc == 1 and name in err and "32 MB" in err and "nothing was stored" in err, err
        assert grown < 150 * MB, f"{name}: peak memory grew by {grown / MB:.0f} MB"
    # past the limit of one file, decompressed: 300 MB of blank lines of 1 KB
    member = gzip.compress((b" " * 1023 + b"\n") * 1024, 9)
    (tmp_path / "lines.geojsonl.gz").write_bytes(member * 300)
    rc, err = run(capsys, tmp_path / "lines.geojsonl.gz", "--max-file-mb", "20")
    assert rc == 1 and "larger than 20 MB (after decompression)" in err and "--max-file-mb" in err, err
    assert counts(war_db) == before


@pytest.mark.parametrize("kind", ["collection", "sequence"])
def test_one_feature_over_the_limit_is_refused(war_db, tmp_path, capsys, kind):
    before = counts(war_db)
    feats = [square(i) for i in range(101)]
    p = tmp_path / ("many.geojson" if kind == "collection" else "many.geojsonl")
    p.write_text(json.dumps({"type": "FeatureCollection", "features": feats}) if kind == "collection"
                 else "\n".join(json.dumps(f) for f in feats))
    rc, err = run(capsys, p, "--max-features", "100", "--dry-run")
    assert rc == 1 and "feature 100: more than 100 features in one import" in err and "--max-features" in err, err
    rc, err = run(capsys, p, "--max-features", "101", "--dry-run")
    assert rc == 0, err
    assert counts(war_db) == before


def test_one_vertex_over_the_limit_is_refused(war_db, tmp_path, capsys):
    before = counts(war_db)
    p = tmp_path / "round.geojson"
    p.write_text(json.dumps({"type": "FeatureCollection", "features": [square(0, 0.01, 999), square(5, 0.0005)]}))
    rc, err = run(capsys, p, "--max-vertices", "1004")  # 1,000 + 5 positions
    assert rc == 1 and "feature 1: more than 1,004 vertices in one import" in err and "--max-vertices" in err, err
    assert counts(war_db) == before


def test_a_big_document_is_refused_and_the_same_features_as_a_sequence_are_read_line_by_line(war_db, tmp_path, capsys):
    before = counts(war_db)
    feats = [square(i * 2, 0.0005, 1000) for i in range(30)]  # about 1.3 MB
    doc = tmp_path / "big.geojson"
    doc.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    rc, err = run(capsys, doc, "--max-document-mb", "1", "--dry-run")
    assert rc == 1 and "larger than 1 MB" in err and "GeoJSON sequence" in err, err
    seq = tmp_path / "big.geojsonl"
    seq.write_text("\n".join(json.dumps(f) for f in feats))
    rc, err = run(capsys, seq, "--max-document-mb", "1", "--dry-run")
    assert rc == 0, err
    # one feature per line in a .geojson file: read line by line too
    doc.write_text("\n".join(json.dumps(f) for f in feats))
    rc, err = run(capsys, doc, "--max-document-mb", "1", "--dry-run")
    assert rc == 0, err
    assert counts(war_db) == before


@pytest.mark.parametrize("content", ["[" * 200_000 + "]" * 200_000, '{"a":' * 200_000 + "1" + "}" * 200_000],
                         ids=["array", "object"])
@pytest.mark.parametrize("suffix", [".geojson", ".geojsonl"])
def test_nested_json_is_a_message_not_a_traceback(war_db, tmp_path, capsys, content, suffix):
    before = counts(war_db)
    p = tmp_path / f"deep{suffix}"
    p.write_text(content)
    rc, err = run(capsys, p)
    assert rc == 1 and "nested too deeply" in err, err
    assert counts(war_db) == before


def test_a_foreign_crs_is_refused_naming_it(war_db, tmp_path, capsys):
    before = counts(war_db)
    p = tmp_path / "mercator.geojson"
    p.write_text(json.dumps({"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:3857"}},
                             "features": [square(0)]}))
    rc, err = run(capsys, p)
    assert rc == 1 and "'EPSG:3857'" in err and "WGS 84" in err, err
    p.write_text(json.dumps({"type": "FeatureCollection", "features": [
        square(0), {**square(3), "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}}]}))
    rc, err = run(capsys, p)
    assert rc == 1 and "feature 1: declares the coordinate reference system 'urn:ogc:def:crs:EPSG::3857'" in err, err
    assert counts(war_db) == before
