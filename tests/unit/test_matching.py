"""Place matching against the real gazetteer (data/geojson/places.geojson) and the five seed reports; no DB."""
from __future__ import annotations


import pytest

from app import PROJECT_ROOT
from app.tools.matching import match_in, places_from_geojson

SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"


@pytest.fixture(scope="module")
def places():
    return places_from_geojson(PROJECT_ROOT / "data" / "geojson" / "places.geojson")


def slugs(places, text):
    return [m["slug"] for m in match_in(places, text)]


def seed(prefix: str) -> str:
    files = sorted(SEEDS.glob(prefix + "_*.txt"))
    if not files:
        pytest.skip(f"seed report {prefix} not found in {SEEDS}")
    return files[0].read_text(encoding="utf-8")


# What each seed report names (checked by reading them), in the order a person would list them.
EXPECTED = {
    "000": {"aleppo", "aleppo-presidential-palace", "aleppo-military-academy", "damascus", "idlib"},
    "001": {"aleppo", "aleppo-presidential-palace", "aleppo-military-academy", "damascus"},
    "002": {"aleppo", "idlib", "aleppo-university"},
    "003": {"aleppo", "saraqib", "aleppo-citadel", "idlib"},
    "004": {"aleppo", "damascus"},
}


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_finds_the_places_each_seed_report_names(places, prefix):
    found = set(slugs(places, seed(prefix)))
    missing = EXPECTED[prefix] - found
    assert not missing, f"{prefix}: not found {missing}; found {sorted(found)}"


def test_arabic_text_with_proclitics_and_articles(places):
    text = "سيطرت الفصائل على قلعة حلب وسراقب وجامعة حلب، ثم دخلت الأكاديمية العسكرية في حلب."
    found = slugs(places, text)
    for s in ("aleppo-citadel", "saraqib", "aleppo-university", "aleppo-military-academy"):
        assert s in found, (s, found)
    # Every "حلب" here is part of a longer name (the citadel, the university, the academy): the longest match
    # wins, so Aleppo itself is not pinned.
    assert "aleppo" not in found, found
    # First mention first: the citadel comes before Saraqib in the text.
    assert found.index("aleppo-citadel") < found.index("saraqib")


def test_english_variants_case_and_accents(places):
    found = slugs(places, "Rebels entered HALAB, then the Citadel of Aleppo; fighting near Sarāqib and Idleb.")
    for s in ("aleppo", "saraqib", "idlib"):
        assert s in found, (s, found)


def test_results_carry_coordinates_and_the_matched_name(places):
    [m] = [m for m in match_in(places, "The fall of Saraqib") if m["slug"] == "saraqib"]
    assert 36.5 < m["lon"] < 37 and 35.7 < m["lat"] < 36
    assert m["matched"] == "Saraqib" and m["name_ar"] and m["kind"]


def test_no_false_hits_inside_words_or_on_empty_text(places):
    assert match_in(places, "") == []
    assert "aleppo" not in slugs(places, "Aleppoville and Xaleppo are not places")
    assert slugs(places, "Nothing happened anywhere today.") == []


def test_limit(places):
    text = " ".join(p["name_en"] for p in places)
    assert len(match_in(places, text, limit=5)) == 5


@pytest.mark.parametrize("text", [
    "Fighters entered New Aleppo on Friday.",
    "دخل المقاتلون حلب الجديدة يوم الجمعة",
    "Clashes in Halab al-Jadida, west of the city.",
])
def test_the_longest_match_wins(places, text):
    # "Aleppo" / "حلب" and "الجديدة" (Jdeideh) lie inside the longer name: they are not mentions of their own.
    found = slugs(places, text)
    assert found == ["new-aleppo"], found


def test_a_shorter_name_still_counts_where_it_stands_alone(places):
    found = slugs(places, "From New Aleppo the fighters moved on to Jdeideh and the centre of Aleppo.")
    assert found == ["new-aleppo", "jdeideh", "aleppo"], found
    arabic = slugs(places, "من حلب الجديدة إلى الجديدة")
    assert arabic == ["new-aleppo", "jdeideh"], arabic
