"""Editor upload of one snapshot over real HTTP (mini data set): inspect, preview with km2, save as one
revision, the same validation as the CLI, the size limit, and no access without an editor."""
from __future__ import annotations

import json

from sqlalchemy import create_engine, text

from app.usecases import archive

AT = "2024-01-03T12:00:00+03:00"
# Red's whole area at AT: the mini data set's red zone grown east by a strip.
SNAP = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"side": "R"}, "geometry": {"type": "Polygon", "coordinates": [
        [[36.5, 35.5], [37.1, 35.5], [37.1, 36.5], [36.5, 36.5], [36.5, 35.5]]]}},
    {"type": "Feature", "properties": {"side": "X"}, "geometry": {"type": "Polygon", "coordinates": [
        [[37.6, 36.6], [37.7, 36.6], [37.7, 36.7], [37.6, 36.6]]]}}]}


def _counts(url):
    e = create_engine(url)
    with e.connect() as c:
        out = c.execute(text("SELECT (SELECT count(*) FROM revisions), (SELECT count(*) FROM control_changes)")).one()
    e.dispose()
    return tuple(out)


def _body(client, **kw):
    ctx = client.get("/api/snapshot-upload/context").json()
    body = {"content": json.dumps(SNAP), "filename": "red.geojson", "at": AT, "remainder": "blue",
            "faction_field": "side", "assign": {"R": "red", "X": ""}, "report_ids": [1], "base_revision": ctx["revision"]}
    body.update(kw)
    return body


def test_inspect_preview_save(editor_client, mini_server):
    ctx = editor_client.get("/api/snapshot-upload/context").json()
    assert {f["slug"] for f in ctx["factions"]} >= {"red", "blue", "contested"} and ctx["max_bytes"] > 0
    ins = editor_client.post("/api/snapshot-upload/inspect", json={"content": json.dumps(SNAP), "filename": "red.geojson"}).json()
    assert ins == {"features": 2, "properties": {"side": ["R", "X"]}}

    before = _counts(mini_server.settings.database_url)
    r = editor_client.post("/api/snapshot-upload/preview", json=_body(editor_client))
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["used"] == 1 and p["left_out"] == 1 and p["changes"]
    assert all(c["area_km2"] > 0 and "km²" in c["summary_en"] and c["geometry"]["type"] == "MultiPolygon" for c in p["changes"])
    assert _counts(mini_server.settings.database_url) == before

    r = editor_client.post("/api/snapshot-upload", json=_body(editor_client))
    assert r.status_code == 201, r.text
    saved = r.json()
    after = _counts(mini_server.settings.database_url)
    assert after == (before[0] + 1, before[1] + saved["changes"])
    e = create_engine(mini_server.settings.database_url)
    from sqlalchemy.orm import Session
    with Session(e) as s:
        from app.domain.times import parse_instant
        m = archive.map_at(s, parse_instant(AT))
        want = archive.to_area(SNAP["features"][0]["geometry"], (36, 35, 38, 37))[0]
        assert m["red"].symmetric_difference(want).area / want.area < 1e-3
    e.dispose()
    assert mini_server.overlaps() == []
    # saving the same snapshot again: nothing to save, nothing stored
    r = editor_client.post("/api/snapshot-upload", json=_body(editor_client))
    assert r.status_code == 422 and "nothing to save" in r.json()["message"]
    # a stale base revision is a conflict
    r = editor_client.post("/api/snapshot-upload", json={**_body(editor_client), "base_revision": 1})
    assert r.status_code == 409
    assert _counts(mini_server.settings.database_url) == after
    # the upload is one revision, reverted as a whole from the history
    r = editor_client.post(f"/api/revisions/{saved['revision']}/revert", json={"base_revision": saved["revision"]})
    assert r.status_code == 200, r.text
    assert len(r.json()["changes"]) == saved["changes"]


def test_bad_uploads_are_refused(editor_client, mini_server):
    before = _counts(mini_server.settings.database_url)
    out = {
        "outside": ({"content": json.dumps({"type": "Polygon", "coordinates": [[[50, 48], [51, 48], [51, 49], [50, 48]]]}),
                     "faction": "red", "faction_field": None}, "outside the data set's extent"),
        "period": ({"at": "2030-01-01T00:00:00+03:00"}, "outside the data set's period"),
        "faction": ({"assign": {"R": "purple"}}, "unknown faction 'purple'"),
        "json": ({"content": "{nope"}, "red.geojson: is not valid JSON"),
        "report": ({"report_ids": [999]}, "unknown report id(s): [999]"),
        "nothing": ({"assign": {}}, "no feature is mapped to a faction"),
    }
    for case, (kw, msg) in out.items():
        r = editor_client.post("/api/snapshot-upload", json=_body(editor_client, **kw))
        assert r.status_code == 422, (case, r.text)
        assert msg in r.json()["message"], (case, r.json())
    big = "x" * (mini_server.settings.max_body_bytes + 10)
    r = editor_client.post("/api/snapshot-upload/preview", json=_body(editor_client, content=big))
    assert r.status_code == 413
    assert _counts(mini_server.settings.database_url) == before


def test_upload_needs_an_editor(mini_server):
    with mini_server.client() as c:
        assert c.get("/api/snapshot-upload/context").status_code == 401
        assert c.post("/api/snapshot-upload/preview", json={}).status_code in (401, 403)
