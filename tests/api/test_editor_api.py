"""The editor's write API over real HTTP (live server on the mini data set): authorisation, CSRF,
optimistic concurrency, hostile geometry, and what a saved / reverted change does to the public map."""
from __future__ import annotations

import json
import time

import psycopg
import pytest
from shapely.geometry import Point, shape

from tests.conftest import EDITOR, login

T_MID = "2024-01-02T00:00:00+03:00"      # between the initial state and the first later change (01-02 12:00)
T_LATER = "2024-01-03T12:00:00+03:00"
T_BEFORE = "2024-01-01T12:00:00+03:00"


def rect(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def pg_url(server) -> str:
    return server.settings.database_url.replace("postgresql+psycopg://", "postgresql://")


def counts(server) -> tuple[int, int, int]:
    with psycopg.connect(pg_url(server)) as c:
        return tuple(c.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                     for t in ("control_changes", "revisions", "control_zones"))


def owner(client, lon, lat, at) -> str | None:
    r = client.get("/api/snapshot", params={"at": at})
    assert r.status_code == 200, r.text
    p = Point(lon, lat)
    hits = [f["properties"]["faction"] for f in r.json()["features"] if shape(f["geometry"]).contains(p)]
    assert len(hits) <= 1, f"overlapping zones at {lon},{lat}: {hits}"
    return hits[0] if hits else None



def revision(client) -> int:
    return client.get("/api/timeline").json()["revision"]


def change(base, **kw):
    body = {"faction": "green", "at": T_MID, "geometry": rect(36.7, 36.0, 36.9, 36.2), "confidence": "confirmed",
            "report_ids": [1], "note": "test change", "summary_en": "Green takes the test area", "base_revision": base,
            # About 400 km²: a large flip, confirmed here (tests/api/test_editor_preview.py tests the confirmation).
            "confirm_large": True}
    body.update(kw)
    return body


# --- who may write ---------------------------------------------------------------------------------------

def test_anonymous_write_is_refused(mini_server):
    before = counts(mini_server)
    with mini_server.client() as c:
        r = c.post("/api/changes", json=change(1))
        assert r.status_code == 401
        assert r.json()["message"]
        assert c.post("/api/changes/preview", json={k: v for k, v in change(1).items() if k != "base_revision"}).status_code == 401
        assert c.post("/api/reports", json={"title": "x", "publisher": "y", "published_at": T_MID}).status_code == 401
        assert c.post("/api/revisions/1/revert", json={"base_revision": 1}).status_code == 401
    assert counts(mini_server) == before


def test_write_without_csrf_token_is_refused(mini_server):
    before = counts(mini_server)
    with mini_server.client() as c:
        login(c)
        r = c.post("/api/changes", json=change(revision(c)))
        assert r.status_code == 403
        assert "CSRF" in r.json()["message"]
        r = c.post("/api/changes", json=change(revision(c)), headers={"X-CSRF-Token": "not-the-token"})
        assert r.status_code == 403
    assert counts(mini_server) == before


def test_deactivated_users_session_is_refused(editor_client, mini_server):
    with psycopg.connect(pg_url(mini_server), autocommit=True) as c:
        c.execute("UPDATE users SET active = false WHERE username = %s", (EDITOR[0],))
    before = counts(mini_server)
    r = editor_client.post("/api/changes", json=change(revision(editor_client)))
    assert r.status_code == 401
    assert editor_client.get("/api/me").json() == {"user": None}
    assert counts(mini_server) == before


# --- concurrency -----------------------------------------------------------------------------------------

def test_stale_base_revision_is_a_409_and_stores_nothing(editor_client, mini_server):
    base = revision(editor_client)
    r = editor_client.post("/api/changes", json=change(base, geometry=rect(37.1, 35.9, 37.2, 36.0)))
    assert r.status_code == 201
    before = counts(mini_server)
    # A second editor still working on `base`: refused visibly, never merged.
    r = editor_client.post("/api/changes", json=change(base))
    assert r.status_code == 409
    assert "reload" in r.json()["message"].lower()
    assert counts(mini_server) == before
    r = editor_client.post("/api/revisions/2/revert", json={"base_revision": base})
    assert r.status_code == 409
    assert counts(mini_server) == before


# --- hostile and malformed geometry ----------------------------------------------------------------------

def _ring(n):
    return [[36.6 + 0.1 * (i % 2), 35.6 + 0.1 * (i // 2 % 2)] for i in range(n)]


BAD_GEOMETRIES = {
    "bow-tie": {"type": "Polygon", "coordinates": [[[36.6, 35.6], [36.8, 35.8], [36.8, 35.6], [36.6, 35.8], [36.6, 35.6]]]},
    "unclosed ring": {"type": "Polygon", "coordinates": [[[36.6, 35.6], [36.8, 35.6], [36.8, 35.8], [36.6, 35.8]]]},
    "three positions": {"type": "Polygon", "coordinates": [[[36.6, 35.6], [36.8, 35.6], [36.6, 35.6]]]},
    "strings as coordinates": {"type": "Polygon", "coordinates": [[["36.6", "35.6"], ["36.8", "35.6"], ["36.8", "35.8"], ["36.6", "35.6"]]]},
    "longitude 500": rect(500, 35.6, 500.2, 35.8),
    "a point": {"type": "Point", "coordinates": [36.7, 35.7]},
    "a crs member": {**rect(36.6, 35.6, 36.8, 35.8), "crs": {"type": "name", "properties": {"name": "EPSG:3857"}}},
    "empty polygon": {"type": "Polygon", "coordinates": []},
    "empty multipolygon": {"type": "MultiPolygon", "coordinates": []},
    "outside the extent": rect(38.5, 35.6, 38.7, 35.8),
    "partly outside the extent": rect(37.9, 35.6, 38.2, 35.8),
    "nested wrongly": {"type": "Polygon", "coordinates": [[[[36.6, 35.6]]]]},
    "no area": {"type": "Polygon", "coordinates": [[[36.6, 35.6], [36.8, 35.6], [37.0, 35.6], [36.6, 35.6]]]},
    "not an object": [[36.6, 35.6]],
}


def _nested_collection(depth):
    g = {"type": "Polygon", "coordinates": rect(36.6, 35.6, 36.8, 35.8)["coordinates"]}
    for _ in range(depth):
        g = {"type": "GeometryCollection", "geometries": [g]}
    return g


@pytest.mark.parametrize("name", sorted(BAD_GEOMETRIES))
def test_bad_geometry_is_refused_with_a_message(editor_client, mini_server, name):
    before = counts(mini_server)
    geom = BAD_GEOMETRIES[name]
    for url in ("/api/changes", "/api/changes/preview"):
        body = change(revision(editor_client), geometry=geom)
        if url.endswith("preview"):
            body.pop("base_revision")
        r = editor_client.post(url, json=body)
        assert 400 <= r.status_code < 500, (name, r.status_code, r.text)
        assert r.json()["message"], name
    assert counts(mini_server) == before


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_in_raw_json_are_refused(editor_client, mini_server, token):
    before = counts(mini_server)
    body = json.dumps(change(revision(editor_client), geometry=rect(36.6, 35.6, 36.8, 35.8)))
    body = body.replace("36.6", token, 1)  # the first coordinate becomes a bare NaN / Infinity token
    assert token in body
    r = editor_client.post("/api/changes", content=body, headers={"Content-Type": "application/json"})
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["message"]
    assert counts(mini_server) == before


def test_deeply_nested_geometry_collection_is_refused(editor_client, mini_server):
    before = counts(mini_server)
    for depth in (5, 200):
        r = editor_client.post("/api/changes", json=change(revision(editor_client), geometry=_nested_collection(depth)))
        assert 400 <= r.status_code < 500, (depth, r.status_code, r.text[:300])
        assert r.json()["message"]
    # Deeper than the JSON parser's recursion limit: a 400 with a message, never a 500.
    depth = 5000
    raw = json.dumps(change(revision(editor_client), geometry=None)).replace(
        '"geometry": null', '"geometry": ' + '{"type": "GeometryCollection", "geometries": [' * depth + "]}" * depth)
    r = editor_client.post("/api/changes", content=raw, headers={"Content-Type": "application/json"})
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    assert r.json()["message"]
    assert counts(mini_server) == before


def test_a_million_vertices_are_refused_quickly(editor_client, mini_server):
    before = counts(mini_server)
    n = 1_000_000
    ring = ",".join(f"[{36.6 + (i % 1000) * 1e-4:.4f},{35.6 + (i // 1000) * 1e-4:.4f}]" for i in range(n - 1))
    ring += ",[36.6000,35.6000]"
    body = json.dumps(change(revision(editor_client), geometry=None)).replace(
        '"geometry": null', '"geometry": {"type": "Polygon", "coordinates": [[' + ring + "]]}")
    t0 = time.monotonic()
    r = editor_client.post("/api/changes", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code in (413, 422), r.text[:300]
    assert r.json()["message"]
    assert time.monotonic() - t0 < 10
    # Under the body limit but over the vertex limit: refused by the vertex count, with a message.
    many = _ring(30_001)
    many[-1] = many[0]
    r = editor_client.post("/api/changes", json=change(revision(editor_client),
                                                        geometry={"type": "Polygon", "coordinates": [many]}))
    assert r.status_code in (413, 422)
    assert "vertices" in r.json()["message"] or "larger" in r.json()["message"]
    assert counts(mini_server) == before


def test_a_50_mb_body_is_413(editor_client, mini_server):
    before = counts(mini_server)
    body = b'{"faction": "green", "note": "' + b"x" * (50 * 1024 * 1024) + b'"}'
    r = editor_client.post("/api/changes", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert r.json()["message"]
    assert counts(mini_server) == before


def test_other_bad_input_is_a_422_with_a_message(editor_client, mini_server):
    before = counts(mini_server)
    base = revision(editor_client)
    for bad in ({"faction": "purple"}, {"report_ids": []}, {"report_ids": [9999]}, {"at": "yesterday"},
                {"at": "2030-01-01T00:00:00+03:00"}, {"at": "2024-01-02T00:00:00"}, {"confidence": "rumour"}):
        r = editor_client.post("/api/changes", json=change(base, **bad))
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["message"], bad
    assert counts(mini_server) == before


# --- what a change does to the map -----------------------------------------------------------------------

def test_valid_change_shows_on_the_public_map_without_overlaps(editor_client, mini_server):
    assert owner(editor_client, 36.75, 36.1, T_MID) == "red"
    before = counts(mini_server)
    r = editor_client.post("/api/changes", json=change(revision(editor_client)))
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["revision"] == revision(editor_client) and out["change_id"] > 0
    assert counts(mini_server)[:2] == (before[0] + 1, before[1] + 1)
    assert owner(editor_client, 36.75, 36.1, T_MID) == "green"
    assert owner(editor_client, 36.85, 36.1, T_MID) == "green"
    assert owner(editor_client, 36.75, 36.1, T_BEFORE) == "red"   # the past before T is untouched
    assert mini_server.overlaps() == []
    revs = editor_client.get("/api/revisions").json()
    assert revs[0]["id"] == out["revision"] and revs[0]["kind"] == "change" and revs[0]["changes"] == [out["change_id"]]
    assert EDITOR[0] not in str(revs) and "author" not in revs[0]  # the public never learns who edited


def test_change_in_the_middle_of_the_timeline_recomputes_later_zones(editor_client, mini_server):
    # Pristine: red holds x<36.8 from the start and takes 36.8..37.0 at 01-02 12:00; blue holds the rest.
    assert owner(editor_client, 36.95, 36.1, T_LATER) == "red"
    r = editor_client.post("/api/changes", json=change(revision(editor_client)))  # green takes 36.7..36.9 at 01-02 00:00
    assert r.status_code == 201, r.text
    # Later: the red advance at 12:00 (36.8..37.0) still happens, over green's new ground where they meet.
    assert owner(editor_client, 36.75, 36.1, T_LATER) == "green"
    assert owner(editor_client, 36.85, 36.1, T_LATER) == "red"
    assert owner(editor_client, 36.95, 36.1, T_LATER) == "red"
    assert owner(editor_client, 36.6, 36.1, T_LATER) == "red"
    assert owner(editor_client, 37.05, 36.0, T_LATER) == "contested"  # the 01-03 change is untouched
    assert owner(editor_client, 36.75, 36.1, "2024-01-04T12:00:00+03:00") == "green"
    assert mini_server.overlaps() == []


def test_revert_returns_the_map_to_before(editor_client, mini_server):
    points = [(36.75, 36.1), (36.85, 36.1), (36.95, 36.1), (37.05, 36.0)]
    instants = [T_MID, T_LATER]
    before = {(p, t): owner(editor_client, *p, t) for p in points for t in instants}
    saved = editor_client.post("/api/changes", json=change(revision(editor_client))).json()
    assert owner(editor_client, 36.75, 36.1, T_MID) == "green"
    r = editor_client.post(f"/api/revisions/{saved['revision']}/revert",
                           json={"base_revision": saved["revision"], "reason": "wrong report"})
    assert r.status_code == 200, r.text
    assert r.json()["changes"] == [saved["change_id"]]
    after = {(p, t): owner(editor_client, *p, t) for p in points for t in instants}
    assert after == before
    assert mini_server.overlaps() == []
    revs = editor_client.get("/api/revisions").json()
    assert revs[0]["kind"] == "revert" and revs[0]["reverts_id"] == saved["revision"] and "wrong report" not in str(revs)
    # Reverting it again is a conflict with a message, not a second retraction.
    r = editor_client.post(f"/api/revisions/{saved['revision']}/revert", json={"base_revision": revs[0]["id"]})
    assert r.status_code == 409 and r.json()["message"]


def test_the_initial_load_cannot_be_reverted(editor_client, mini_server):
    before = counts(mini_server)
    r = editor_client.post("/api/revisions/1/revert", json={"base_revision": revision(editor_client)})
    assert r.status_code == 422 and "cannot be reverted" in r.json()["message"]
    assert counts(mini_server) == before


def next_revision_number(server) -> int:
    with psycopg.connect(pg_url(server)) as c:
        last, called = c.execute("SELECT last_value, is_called FROM revisions_id_seq").fetchone()
        return last + 1 if called else last


def test_preview_stores_nothing(editor_client, mini_server):
    before = counts(mini_server)
    next_number = next_revision_number(mini_server)
    rev = revision(editor_client)
    body = change(rev)
    body.pop("base_revision")
    body.pop("summary_en")
    r = editor_client.post("/api/changes/preview", json=body)
    assert r.status_code == 200, r.text
    rows = {f["faction"]: f for f in r.json()["factions"]}
    assert rows["green"]["delta_km2"] > 0 and rows["green"]["gained"]["type"] in ("Polygon", "MultiPolygon")
    assert rows["red"]["delta_km2"] < 0 and rows["red"]["lost"] is not None
    assert rows["blue"]["delta_km2"] < 0
    assert abs(sum(f["delta_km2"] for f in rows.values())) < 1.0  # what one gains the others lose
    assert counts(mini_server) == before
    assert revision(editor_client) == rev
    assert owner(editor_client, 36.75, 36.1, T_MID) == "red"
    # The whole story: red's advance at 2 Jan 12:00 retakes part of this area, so that instant changes too.
    assert r.json()["later_instants"] == ["2024-01-02T09:00:00Z"]
    assert [c["faction"] for c in r.json()["overridden_by"]] == ["red"]
    # Previews consume no revision number: the next save takes the number that was next before the preview.
    saved = editor_client.post("/api/changes", json=change(rev))
    assert saved.status_code == 201 and saved.json()["revision"] == next_number


def test_add_report_and_match_places(editor_client, mini_server):
    r = editor_client.post("/api/reports", json={"title": "<script>alert(1)</script> Wire", "publisher": "AP",
                                                 "published_at": "2024-01-02T09:00:00+03:00", "url": "https://example.org/a",
                                                 "language": "en", "summary": "s"})
    assert r.status_code == 201, r.text
    assert r.json()["title"] == "<script>alert(1)</script> Wire"
    # Listed at once where the editor reads reports (adding a report makes no revision), never cached.
    listed = editor_client.get("/api/editor/reports")
    assert r.json()["id"] in [x["id"] for x in listed.json()]
    assert listed.headers["cache-control"] == "no-store"
    with mini_server.client() as anon:
        assert anon.get("/api/editor/reports").status_code == 401
    r = editor_client.post("/api/reports", json={"title": "t", "publisher": "p", "published_at": "2024-01-02T09:00:00"})
    assert r.status_code == 422
    r = editor_client.post("/api/match-places", json={"text": "nothing here"})
    assert r.status_code == 200 and isinstance(r.json()["places"], list)
