"""The editor's own API over real HTTP: the public summary is required, the editors' history, and the
geometry helpers that move the front (cut along a line, the difference of an edited zone)."""
from __future__ import annotations

from datetime import datetime

import psycopg
import pytest
from shapely.geometry import shape

from tests.api.test_editor_api import T_MID, change, counts, pg_url, rect, revision


@pytest.mark.parametrize("summary", [None, "", "   "])
def test_a_change_without_a_public_summary_is_422_and_stores_nothing(editor_client, mini_server, summary):
    before = counts(mini_server)
    body = change(revision(editor_client), note="an editors' remark that must never be published")
    body.pop("summary_en")
    if summary is not None:
        body["summary_en"] = summary
    body["summary_ar"] = "ملخص"  # Arabic alone is not enough: English is required
    r = editor_client.post("/api/changes", json=body)
    assert r.status_code == 422, r.text
    assert "summary" in r.json()["message"]
    assert counts(mini_server) == before


def test_the_summary_is_stored_as_written_and_the_note_stays_apart(editor_client, mini_server):
    r = editor_client.post("/api/changes", json=change(revision(editor_client), summary_en="  Green takes the hill  ",
                                                        summary_ar="", note="private remark"))
    assert r.status_code == 201, r.text
    with psycopg.connect(pg_url(mini_server)) as c:
        en, ar, note = c.execute("SELECT summary_en, summary_ar, note FROM control_changes WHERE id = %s",
                                 (r.json()["change_id"],)).fetchone()
    assert (en, ar, note) == ("Green takes the hill", "", "private remark")


def test_history_for_editors_tells_who_changed_what_and_what_a_revert_reverted(editor_client, mini_server):
    assert editor_client.get("/api/editor/revisions").status_code == 200
    base = revision(editor_client)
    saved = editor_client.post("/api/changes", json=change(base, report_ids=[1, 2], note="seen on two channels")).json()
    rev = editor_client.post(f"/api/revisions/{saved['revision']}/revert",
                             json={"base_revision": saved["revision"], "reason": "wrong day"}).json()["revision"]
    hist = {r["id"]: r for r in editor_client.get("/api/editor/revisions").json()}
    c = hist[saved["revision"]]
    assert c["kind"] == "change" and c["author"] == "editor1"
    assert c["active"] is False and c["reverted_by"] == rev
    [ch] = c["changes"]
    assert ch["faction"] == "green" and datetime.fromisoformat(ch["at"]) == datetime.fromisoformat(T_MID)
    assert ch["summary_en"] == "Green takes the test area" and ch["note"] == "seen on two channels"
    assert 300 < ch["area_km2"] < 500  # 0.2 x 0.2 degrees at 36 N: about 400 km2
    assert [r["id"] for r in ch["reports"]] == [1, 2] and all(r["title"] for r in ch["reports"])
    assert ch["bbox"] == pytest.approx([36.7, 36.0, 36.9, 36.2])
    rv = hist[rev]
    assert rv["kind"] == "revert" and rv["reverts_id"] == saved["revision"] and rv["active"] is True
    assert rv["effect"] == "retracted" and rv["changes"][0]["id"] == saved["change_id"]
    assert rv["reverts"]["summary"] == "Green takes the test area"
    assert rv["reason"] == "wrong day"
    # The change's area, to show it on the map.
    g = editor_client.get(f"/api/editor/changes/{saved['change_id']}").json()
    assert shape(g["geometry"]).equals(shape(rect(36.7, 36.0, 36.9, 36.2)))
    assert editor_client.get("/api/editor/changes/999999").status_code == 404
    # Paging.
    older = editor_client.get("/api/editor/revisions", params={"before": rev, "limit": 1}).json()
    assert [r["id"] for r in older] == [saved["revision"]]


def test_history_and_tools_are_for_editors_only(mini_server):
    with mini_server.client() as anon:
        assert anon.get("/api/editor/revisions").status_code == 401
        assert anon.get("/api/editor/changes/1").status_code == 401
        assert anon.post("/api/editor/split", json={}).status_code == 401


ZONE = rect(36.5, 35.5, 36.8, 36.5)  # red at T_MID


def test_split_cuts_a_zone_along_a_line(editor_client):
    line = {"type": "LineString", "coordinates": [[36.4, 36.0], [36.65, 36.05], [36.9, 36.0]]}
    r = editor_client.post("/api/editor/split", json={"zone": ZONE, "line": line})
    assert r.status_code == 200, r.text
    pieces = [shape(p["geometry"]) for p in r.json()["pieces"]]
    assert len(pieces) == 2
    assert sum(p.area for p in pieces) == pytest.approx(shape(ZONE).area, rel=1e-6)
    assert pieces[0].intersection(pieces[1]).area == pytest.approx(0, abs=1e-9)
    north = next(p for p in pieces if p.centroid.y > 36.0)
    assert north.bounds == pytest.approx((36.5, 36.02, 36.8, 36.5), abs=1e-6)  # the line is at 36.02 at x=36.5
    assert all(p["area_km2"] > 0 for p in r.json()["pieces"])


@pytest.mark.parametrize("line, message", [
    ({"type": "LineString", "coordinates": [[36.6, 36.0], [36.7, 36.0]]}, "does not cut"),       # ends inside
    ({"type": "LineString", "coordinates": [[30.0, 30.0], [31.0, 31.0]]}, "does not cut"),       # elsewhere
    ({"type": "Point", "coordinates": [36.6, 36.0]}, "LineString"),
    ({"type": "LineString", "coordinates": [[36.6, 36.0]]}, "two positions"),
    ({"type": "LineString", "coordinates": [[36.6, 36.0], [200.0, 36.0]]}, "longitude"),
])
def test_split_refuses_a_line_that_does_not_cut(editor_client, line, message):
    r = editor_client.post("/api/editor/split", json={"zone": ZONE, "line": line})
    assert r.status_code == 422, r.text
    assert message in r.json()["message"]


def test_difference_of_an_edited_zone(editor_client):
    # The red zone's east edge moved from 36.8 to 36.9 in its northern half, and pulled back in the south.
    after = {"type": "Polygon", "coordinates": [[[36.5, 35.5], [36.7, 35.5], [36.7, 36.0], [36.9, 36.0], [36.9, 36.5],
                                                 [36.5, 36.5], [36.5, 35.5]]]}
    r = editor_client.post("/api/editor/difference", json={"before": ZONE, "after": after})
    assert r.status_code == 200, r.text
    out = r.json()
    assert shape(out["gained"]).equals(shape(rect(36.8, 36.0, 36.9, 36.5)))
    assert shape(out["lost"]).equals(shape(rect(36.7, 35.5, 36.8, 36.0)))
    assert out["gained_km2"] > 0 and out["lost_km2"] > 0
    # Unchanged: nothing gained, nothing lost (rounding slivers are dropped).
    same = editor_client.post("/api/editor/difference", json={"before": ZONE, "after": ZONE}).json()
    assert same["gained"] is None and same["lost"] is None
    bad = editor_client.post("/api/editor/difference", json={"before": ZONE, "after": {"type": "Polygon", "coordinates": []}})
    assert bad.status_code == 422 and bad.json()["message"].startswith("after:")
