"""Hostile uploads in the editor over real HTTP (issue 29, items 7-8): deeply nested JSON or XML and a GeoJSON `crs`
other than WGS 84 give a 4xx naming what is wrong, never a 500, and store nothing."""
from __future__ import annotations

import json

import pytest

from tests.api.test_upload_api import _counts

AT = "2024-01-03T12:00:00+03:00"
RING = [[36.5, 35.5], [37.1, 35.5], [37.1, 36.5], [36.5, 36.5], [36.5, 35.5]]



def _post_all(client, content: str, filename: str = "x.geojson"):
    ctx = client.get("/api/snapshot-upload/context").json()
    plan = {"content": content, "filename": filename, "at": AT, "remainder": "blue", "faction": "red", "report_ids": [1]}
    return [client.post("/api/snapshot-upload/inspect", json={"content": content, "filename": filename}),
            client.post("/api/snapshot-upload/preview", json=plan),
            client.post("/api/snapshot-upload", json={**plan, "base_revision": ctx["revision"]})]


NESTED = {
    "array": "[" * 200_000 + "]" * 200_000,
    "object": '{"a":' * 200_000 + "1" + "}" * 200_000,
    "in a feature": '{"type":"Feature","properties":{"p":' + "[" * 200_000 + "]" * 200_000 + '},"geometry":null}',
    "unclosed": "[" * 200_000,
}


@pytest.mark.parametrize("case", list(NESTED))
def test_deeply_nested_json_is_a_4xx_on_inspect_preview_and_save(editor_client, mini_server, case):
    before = _counts(mini_server.settings.database_url)
    for r in _post_all(editor_client, NESTED[case]):
        assert r.status_code == 422, (case, r.status_code, r.text[:300])
        assert "nested" in r.json()["message"] or "not valid JSON" in r.json()["message"], r.json()
    assert _counts(mini_server.settings.database_url) == before


def test_deeply_nested_kml_is_a_4xx(editor_client, mini_server):
    before = _counts(mini_server.settings.database_url)
    kml = '<kml xmlns="http://www.opengis.net/kml/2.2">' + "<Folder>" * 100_000 + "</Folder>" * 100_000 + "</kml>"
    ins, *plan = _post_all(editor_client, kml, "x.kml")
    assert ins.status_code == 200 and ins.json()["features"] == 0  # no placemark in it
    for r in plan:
        assert r.status_code == 422 and "no feature" in r.json()["message"], r.text[:300]
    assert _counts(mini_server.settings.database_url) == before


CRS = {
    "EPSG:3857": {"type": "name", "properties": {"name": "EPSG:3857"}},
    "urn:ogc:def:crs:EPSG::32637": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32637"}},
}


@pytest.mark.parametrize("name", list(CRS))
@pytest.mark.parametrize("where", ["collection", "feature", "geometry"])
def test_a_crs_other_than_wgs84_is_refused_naming_it(editor_client, mini_server, name, where):
    before = _counts(mini_server.settings.database_url)
    geom = {"type": "Polygon", "coordinates": [RING]}
    feat = {"type": "Feature", "properties": {}, "geometry": geom}
    doc = {"type": "FeatureCollection", "features": [feat]}
    {"collection": doc, "feature": feat, "geometry": geom}[where]["crs"] = CRS[name]
    for r in _post_all(editor_client, json.dumps(doc))[1:]:
        assert r.status_code == 422, r.text[:300]
        assert name in r.json()["message"] and "WGS 84" in r.json()["message"], r.json()
    assert _counts(mini_server.settings.database_url) == before


@pytest.mark.parametrize("name", ["urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326", "urn:ogc:def:crs:EPSG::4326",
                                  "http://www.opengis.net/def/crs/OGC/1.3/CRS84"])
def test_wgs84_crs_members_are_accepted(editor_client, name):
    doc = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": name}},
           "features": [{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [RING]}}]}
    r = _post_all(editor_client, json.dumps(doc))[1]
    assert r.status_code == 200, r.text[:300]


def test_a_deeply_nested_request_body_is_a_4xx(editor_client, mini_server):
    before = _counts(mini_server.settings.database_url)
    body = '{"content":' + "[" * 200_000 + "]" * 200_000 + ',"filename":"x.geojson"}'
    for path in ("/api/snapshot-upload/inspect", "/api/snapshot-upload/preview", "/api/snapshot-upload"):
        r = editor_client.post(path, content=body, headers={"Content-Type": "application/json"})
        assert 400 <= r.status_code < 500, (path, r.status_code, r.text[:300])
    assert _counts(mini_server.settings.database_url) == before
