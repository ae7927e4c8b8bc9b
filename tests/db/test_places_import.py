"""`frontline places import FILE`: a gazetteer the user brings (issue 28, item 5), tested on the Who's On First
villages in ../shared/geodata/ (CI has it) and on small CSV files: what is added, merged and refused, and what the
place search (`/api/places`, the editor's and the viewer's search) finds afterwards."""
from __future__ import annotations

from pathlib import Path

import pytest

from app import PROJECT_ROOT, cli
from app.domain.errors import BadInput
from app.read import lookup
from app.store import datasets
from app.tools import places_import
from app.usecases.load import fold_text

WOF = PROJECT_ROOT.parent / "shared" / "geodata" / "wof_localities_nw_syria.geojson"


def search(session, q):
    return [p["slug"] for p in lookup.places(session, fold_text(q), 8)]


@pytest.mark.skipif(not WOF.exists(), reason="../shared/geodata/ is not here")
def test_the_wof_villages_are_added_merged_or_refused_and_found_in_both_languages(mini_db):
    before = len(datasets.places(mini_db))
    assert not any("khan-al-asal" in s for s in search(mini_db, "Khan al-Asal"))
    out = places_import.import_places(mini_db, WOF)
    assert out.read == 6414 and out.added + out.merged + out.refused == out.read
    assert out.refused and set(out.reasons) == {"outside the war's extent"}  # the mini war's extent is 36-38 E, 35-37 N
    assert out.added > 3000
    assert len(datasets.places(mini_db)) == before + out.added
    for q in ("Khan al-Asal", "خان العسل", "Khan al Asal"):
        hits = search(mini_db, q)
        assert hits and hits[0].startswith("khan-al-asal"), (q, hits)
    # The place keeps WOF's Arabic name; a Latin "Arabic" name (a transliteration) became a variant instead.
    rows = {p["slug"]: p for p in datasets.places(mini_db)}
    assert rows[hits[0]]["name_ar"] == "خان العسل"
    assert all(not p["name_ar"] or any("\u0600" <= ch <= "\u06ff" for ch in p["name_ar"]) for p in rows.values())
    # Importing the same file again adds nothing: every point finds itself.
    again = places_import.import_places(mini_db, WOF)
    assert again.added == 0 and again.merged == out.added + out.merged


def test_a_csv_is_merged_into_the_gazetteer_and_refusals_say_why(mini_db, tmp_path):
    have = datasets.places(mini_db)[0]
    csv = tmp_path / "places.csv"
    csv.write_text(
        "name,name_ar,name_fr,lat,lon,population\n"
        f"{have['name_en'].upper()},,{have['name_en']} (fr),{have['lat'] + 0.005},{have['lon']},\n"   # same name, 0.6 km: merged
        "Tell Example,تل المثال,,36.5,37.5,25000\n"                                            # added, rank 3 from population
        ",قرية فقط,,36.6,37.6,\n"                                                              # Arabic name only: added
        "Far Away,,,33.0,40.0,\n"                                                              # outside the extent
        "No Place,,,,,\n"                                                                      # no position
        ",,,36.7,37.7,\n",                                                                     # no name
        encoding="utf-8")
    out = places_import.import_places(mini_db, csv)
    assert (out.read, out.added, out.merged, out.refused) == (6, 2, 1, 3)
    assert set(out.reasons) == {"outside the war's extent", "not a point", "no name"}
    rows = {p["slug"]: p for p in datasets.places(mini_db)}
    assert f"{have['name_en']} (fr)" in rows[have["slug"]]["variants"]
    assert rows["tell-example"]["rank"] == 3 and rows["tell-example"]["name_ar"] == "تل المثال"
    assert "tell-example" in search(mini_db, "تل المثال")
    arabic_only = [p for p in rows.values() if p["name_ar"] == "قرية فقط"]
    assert len(arabic_only) == 1 and arabic_only[0]["slug"].startswith("place")
    text = "\n".join(out.lines())
    assert "2 added, 1 merged" in text and "refused, outside the war's extent: 1 (e.g. Far Away (line 5))" in text


def test_a_dry_run_writes_nothing_and_another_war_is_refused(mini_db, mini_url, tmp_path):
    import os
    import subprocess
    import sys

    csv = tmp_path / "p.csv"
    csv.write_text("name,lat,lon\nSomewhere New,36.4,37.4\n", encoding="utf-8")
    n = len(datasets.places(mini_db))
    assert places_import.import_places(mini_db, csv, dry_run=True).added == 1
    assert len(datasets.places(mini_db)) == n
    r = subprocess.run([sys.executable, "-m", "app.cli", "places", "import", str(csv), "--war", "elsewhere"],
                       env={**os.environ, "DATABASE_URL": mini_url}, capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "no war 'elsewhere'" in r.stderr
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "Feature"}', encoding="utf-8")
    with pytest.raises(BadInput, match="FeatureCollection"):
        places_import.import_places(mini_db, bad)


def test_the_command_is_registered():
    args = cli.parser().parse_args(["places", "import", "x.geojson", "--war", "aleppo-2024", "--merge-km", "1.5"])
    assert args.func.__name__ == "cmd_places_import" and args.war == "aleppo-2024" and args.merge_km == 1.5
