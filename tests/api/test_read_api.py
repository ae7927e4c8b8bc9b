"""The public read API over real HTTP against the seed data set."""
import csv
import io
import json
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

AT = "2024-11-30T12:00:00+03:00"
CITADEL = (36.1993, 37.1626)


@pytest.fixture(scope="module")
def http(live_seed):
    with live_seed.client() as c:
        yield c


def test_factions(http):
    r = http.get("/api/factions")
    assert r.status_code == 200
    slugs = {f["slug"]: f for f in r.json()}
    assert {"hts", "saa", "sdf", "sna"} <= set(slugs)
    assert all(f["color"].startswith("#") and f["name_ar"] for f in slugs.values())


def test_timeline_has_everything_to_animate(http):
    r = http.get("/api/timeline")
    assert r.status_code == 200
    doc = r.json()
    assert doc["revision"] >= 1
    assert doc["instants"] == sorted(doc["instants"])
    assert doc["reports"] and "zones" not in doc and "changes" not in doc  # geometry lives in the windows
    n = len(doc["instants"])
    assert all(len(v) == n for v in doc["areas_km2"].values())
    # The seed week is one window, carried inline: the viewer plays it from this one response.
    assert len(doc["windows"]) == 1
    w = doc["windows"][0]
    assert (w["first"], w["end"], w["from"], w["to"]) == (0, n, doc["instants"][0], None)
    data = w["data"]
    assert len(data["changes"]) == w["changes"] >= 15
    assert [(c["at"], c["id"]) for c in data["changes"]] == sorted((c["at"], c["id"]) for c in data["changes"])
    assert all(c["geometry"]["type"] == "MultiPolygon" and "note" not in c for c in data["changes"])
    kf = data["keyframe"]
    assert kf["type"] == "FeatureCollection" and kf["at_interval"][0] == doc["instants"][0]
    # Coordinates at about 1 m (5 decimals), not 15 digits.
    text = r.text
    assert not any(len(tok.split(".")[1]) > 5 for tok in text.split("[")[-200:] if "." in tok and tok.split(".")[1][:1].isdigit()
                   and tok.split(".")[1].rstrip("],").isdigit())
    # The same window on its own URL is the same document.
    alone = http.get("/api/timeline/window", params={"i": 0, "rev": doc["revision"]})
    assert alone.status_code == 200 and alone.json() == data
    missing = http.get("/api/timeline/window", params={"i": 1})
    assert missing.status_code == 404 and "1 window" in missing.json()["message"]


def test_snapshot_is_geojson_with_faction_slugs(http):
    r = http.get("/api/snapshot", params={"at": AT})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/geo+json")
    fc = r.json()
    assert fc["type"] == "FeatureCollection"
    factions = [f["properties"]["faction"] for f in fc["features"]]
    assert len(factions) == len(set(factions))  # one zone per faction at an instant
    assert {"hts", "saa", "sdf"} <= set(factions)
    for f in fc["features"]:
        p = f["properties"]
        assert p["valid_from"] <= "2024-11-30T09:00:00Z" and (p["valid_to"] is None or p["valid_to"] > "2024-11-30T09:00:00Z")
        assert p["confidence"] in ("confirmed", "claimed", "inferred") and p["report_ids"]


def test_etag_304_and_cache_headers(http):
    r = http.get("/api/snapshot", params={"at": AT})
    etag = r.headers["etag"]
    assert etag.startswith('"') and "max-age=30" in r.headers["cache-control"]
    r2 = http.get("/api/snapshot", params={"at": AT}, headers={"If-None-Match": etag})
    assert r2.status_code == 304 and r2.content == b""
    rev = http.get("/api/timeline").json()["revision"]
    pinned = http.get("/api/snapshot", params={"at": AT, "rev": rev})
    assert "immutable" in pinned.headers["cache-control"] and pinned.headers["etag"] == etag


@pytest.mark.parametrize("path", ["/api/snapshot", "/api/snapshot.kml", "/api/point"])
def test_one_304_rule_for_star_weak_tags_and_lists(http, path):
    """The micro-cache (snapshot, KML), the routes behind it and every other sender answer alike: `*`, a weak form
    of the tag and a list holding it are all 304 (RFC 9110); a different tag is not. /api/point has no ETag."""
    params = {"at": AT, "lat": CITADEL[0], "lon": CITADEL[1]}
    for _ in range(2):  # the second round is served by the micro-cache
        etag = http.get(path, params=params).headers.get("etag")
        for inm in ("*", f"W/{etag}", f'"nope", {etag}', '"nope"'):
            r = http.get(path, params=params, headers={"If-None-Match": inm})
            expect = 304 if etag and inm != '"nope"' else 200
            assert r.status_code == expect, (path, inm, r.status_code)


def test_cache_is_keyed_by_interval_not_by_at_string(http):
    doc = http.get("/api/timeline").json()
    a, b = doc["instants"][3], doc["instants"][4]
    e1 = http.get("/api/snapshot", params={"at": a}).headers["etag"]
    e2 = http.get("/api/snapshot", params={"at": a.replace("Z", "+00:00")}).headers["etag"]
    assert e1 == e2
    e3 = http.get("/api/snapshot", params={"at": b}).headers["etag"]
    assert e3 != e1


def test_gzip_is_served_precompressed(live_seed):
    with live_seed.client(headers={"Accept-Encoding": "gzip"}) as c:
        r = c.get("/api/timeline")
        assert r.headers["content-encoding"] == "gzip"
        assert json.loads(r.content)["revision"] >= 1  # httpx decodes


def test_diff_between_start_and_end(http):
    r = http.get("/api/diff", params={"from": "2024-11-27T06:00:00+03:00", "to": "2024-12-02T20:00:00+03:00"})
    assert r.status_code == 200
    doc = r.json()
    by = {f["faction"]: f for f in doc["factions"]}
    assert by["hts"]["gained_km2"] > 500 and by["saa"]["lost_km2"] > 500
    assert by["hts"]["area_to_km2"] - by["hts"]["area_from_km2"] == pytest.approx(by["hts"]["gained_km2"] - by["hts"]["lost_km2"], rel=0.01, abs=1)
    kinds = {(f["properties"]["faction"], f["properties"]["kind"]) for f in doc["features"]}
    assert ("hts", "gained") in kinds and ("saa", "lost") in kinds


def test_point_explains_the_colour(http):
    before = http.get("/api/point", params={"lat": CITADEL[0], "lon": CITADEL[1], "at": "2024-11-27T12:00:00+03:00"}).json()
    after = http.get("/api/point", params={"lat": CITADEL[0], "lon": CITADEL[1], "at": "2024-12-02T12:00:00+03:00"}).json()
    assert before["faction"] == "saa"
    assert after["faction"] == "hts"
    assert after["since"] > before["at"]
    last = after["changes"][-1]
    assert last["faction"] == "hts" and last["reports"] and last["reports"][0]["title"]


def test_reports_and_places(http):
    reports = http.get("/api/reports").json()
    assert len(reports) >= 5 and all(r["summary"] for r in reports)
    for q, slug_part in (("Saraqib", "saraqib"), ("saraqeb", "saraqib"), ("سراقب", "saraqib"), ("citadel", "citadel"), ("Halab", "aleppo")):
        hits = http.get("/api/places", params={"q": q}).json()
        assert any(slug_part in h["slug"] for h in hits), (q, hits[:3])


def test_downloads_kml_and_csv(http):
    r = http.get("/api/snapshot.kml", params={"at": AT})
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    root = ET.fromstring(r.content)
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    assert len(root.findall(".//k:Placemark", ns)) >= 3
    r = http.get("/api/areas.csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0][0] == "instant_utc" and "hts_km2" in rows[0]
    assert len(rows) - 1 == len(http.get("/api/timeline").json()["instants"])
    r = http.get("/api/snapshot", params={"at": AT, "download": "true"})
    assert "attachment" in r.headers["content-disposition"]


def test_ogc_api_features(http):
    landing = http.get("/ogc/").json()
    assert {l["rel"] for l in landing["links"]} >= {"conformance", "data", "service-desc"}
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in http.get("/ogc/conformance").json()["conformsTo"]
    cols = http.get("/ogc/collections").json()["collections"]
    assert cols[0]["id"] == "control_zones"
    items = http.get("/ogc/collections/control_zones/items", params={"datetime": AT}).json()
    snap = http.get("/api/snapshot", params={"at": AT}).json()
    assert sorted(f["properties"]["faction"] for f in items["features"]) == sorted(f["properties"]["faction"] for f in snap["features"])
    # interval: zones valid at any moment of it
    inter = http.get("/ogc/collections/control_zones/items", params={"datetime": "2024-11-29T00:00:00Z/2024-11-30T00:00:00Z", "limit": 1000}).json()
    assert inter["numberMatched"] > items["numberMatched"]
    # paging with next links
    page1 = http.get("/ogc/collections/control_zones/items", params={"limit": 2}).json()
    nxt = [l["href"] for l in page1["links"] if l["rel"] == "next"][0]
    page2 = http.get(nxt).json()
    assert page2["numberReturned"] == 2 and {f["id"] for f in page1["features"]}.isdisjoint(f["id"] for f in page2["features"])
    # bbox around Sheikh Maqsoud only returns zones touching it
    small = http.get("/ogc/collections/control_zones/items", params={"bbox": "37.150,36.220,37.160,36.230", "datetime": AT}).json()
    assert "sdf" in {f["properties"]["faction"] for f in small["features"]}
    html = http.get("/ogc/collections/control_zones/items", params={"f": "html", "datetime": AT})
    assert html.headers["content-type"].startswith("text/html") and "zones" in html.text
    one = http.get(f"/ogc/collections/control_zones/items/{items['features'][0]['id']}").json()
    assert one["type"] == "Feature"


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="gdal-bin not installed (make test installs it)")
def test_gdal_ogrinfo_reads_the_zones_valid_at_an_instant(live_seed, http):
    t = "2024-11-30T09:00:00Z"  # 30 Nov 12:00 +03:00
    out = subprocess.run(["ogrinfo", "-ro", "-al", "-q", f"OAPIF:{live_seed.url}/ogc/collections/control_zones",
                          "-where", f"valid_from <= '{t}' AND (valid_to IS NULL OR valid_to > '{t}')"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    listed = sorted(line.split("=")[1].strip() for line in out.stdout.splitlines() if line.strip().startswith("faction (String)"))
    snap = http.get("/api/snapshot", params={"at": AT}).json()
    assert listed == sorted(f["properties"]["faction"] for f in snap["features"])


@pytest.mark.parametrize("url, params, status, words", [
    ("/api/snapshot", {"at": "yesterday"}, 422, "ISO 8601"),
    ("/api/snapshot", {"at": "2024-11-30T12:00:00"}, 422, "offset"),
    ("/api/snapshot", {"at": "2024-13-45T12:00:00+03:00"}, 422, "ISO 8601"),
    ("/api/snapshot", {}, 422, "at"),
    ("/api/snapshot", {"at": AT, "rev": "999999"}, 404, "revision"),
    ("/api/snapshot", {"at": AT, "rev": "abc"}, 422, "rev"),
    ("/api/diff", {"from": "2024-12-01T00:00:00+03:00", "to": "2024-11-28T00:00:00+03:00"}, 422, "from must not be after to"),
    ("/api/point", {"lat": "91", "lon": "37", "at": AT}, 422, "lat"),
    ("/api/point", {"lat": "x", "lon": "37", "at": AT}, 422, "lat"),
    ("/ogc/collections/control_zones/items", {"bbox": "1,2,3"}, 422, "four numbers"),
    ("/ogc/collections/control_zones/items", {"bbox": "a,b,c,d"}, 422, "four numbers"),
    ("/ogc/collections/control_zones/items", {"bbox": "40,36,37,37"}, 422, "minimums"),
    ("/ogc/collections/control_zones/items", {"bbox": "37,36,200,37"}, 422, "outside"),
    ("/ogc/collections/control_zones/items", {"limit": "1000000"}, 422, "limit"),
    ("/ogc/collections/control_zones/items", {"datetime": "2024-12-01T00:00:00Z/2024-11-01T00:00:00Z"}, 422, "starts after"),
    ("/ogc/collections/control_zones/items", {"datetime": "nonsense"}, 422, "ISO 8601"),
    ("/ogc/collections/nope/items", {}, 404, "control_zones"),
    ("/ogc/collections/control_zones/items/abc", {}, 404, "zone ids are"),
    ("/ogc/collections/control_zones/items/hts~20991231T000000Z", {}, 404, "no zone"),
    ("/api/basemap/secret", {}, 404, "layers"),
    ("/api/places", {"q": "x" * 500}, 422, "q"),
])
def test_bad_input_gets_a_clear_4xx(http, url, params, status, words):
    r = http.get(url, params=params)
    assert r.status_code == status, r.text
    body = r.json()
    assert words.lower() in (body["message"]).lower()
    assert "Traceback" not in r.text and "SELECT" not in r.text


def test_sql_metacharacters_are_harmless(http):
    for q in ("'; DROP TABLE places; --", "%", "_", "\\", "' OR 1=1 --"):
        assert http.get("/api/places", params={"q": q}).status_code == 200
    assert http.get("/api/places", params={"q": "Aleppo"}).json()


def test_health(http):
    body = http.get("/api/health").json()
    assert body["database"] == "up" and body["revision"] >= 1


def test_served_zones_are_valid_with_no_seams_at_every_instant(http):
    """Zones are stored in grid cells and dissolved for serving: no seam of the grid may survive as a sliver
    hole or part, and rounding to 5 decimals must not make a ring collapse or cross itself."""
    import shapely
    from shapely.geometry import shape

    for at in http.get("/api/timeline").json()["instants"]:
        for f in http.get("/api/snapshot", params={"at": at}).json()["features"]:
            g = shape(f["geometry"])
            assert g.is_valid, (at, f["properties"]["faction"], shapely.is_valid_reason(g))
            rings = [shapely.Polygon(r) for p in g.geoms for r in (p.exterior, *p.interiors)]
            assert min(r.area for r in rings) > 1e-7, (at, f["properties"]["faction"])  # ~1,000 m2: no grid seams
