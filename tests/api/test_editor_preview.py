"""A truthful preview over real HTTP (issue 26, item 3): the factions' km² before and after at the instant are
what /api/timeline says there; a change that changes nothing says so, names what already says it and is saved
only when the editor confirms it adds a source; a large flip is saved only when confirmed. A refused save
stores nothing."""
from __future__ import annotations

import bisect
from datetime import datetime

from tests.api.test_editor_api import T_MID, change, counts, rect, revision

SMALL = rect(36.76, 36.06, 36.78, 36.08)        # about 4 km², inside the area change() takes
T_AFTER_MID = "2024-01-02T01:00:00+03:00"      # after T_MID, before red's advance of 2 Jan 12:00


def timeline_areas(client, at: str) -> dict[str, float]:
    """Each faction's km² at `at` as the public timeline has it (the last instant at or before `at`)."""
    tl = client.get("/api/timeline").json()
    instants = [datetime.fromisoformat(t) for t in tl["instants"]]
    i = bisect.bisect_right(instants, datetime.fromisoformat(at)) - 1
    return {f: series[i] for f, series in tl["areas_km2"].items()}


def preview(client, **kw):
    body = change(0, **kw)
    body.pop("base_revision")
    body.pop("confirm_large")
    r = client.post("/api/changes/preview", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def test_preview_before_and_after_are_the_timelines_areas(editor_client):
    before = timeline_areas(editor_client, T_MID)
    p = preview(editor_client)
    rows = {f["faction"]: f for f in p["factions"]}
    for f, km2 in before.items():
        if km2 or f in rows:
            assert abs(rows[f]["area_before_km2"] - km2) < 0.02, (f, rows[f], km2)
    saved = editor_client.post("/api/changes", json=change(revision(editor_client)))
    assert saved.status_code == 201, saved.text
    after = timeline_areas(editor_client, T_MID)
    for f, km2 in after.items():
        if km2 or f in rows:
            assert abs(rows[f]["area_after_km2"] - km2) < 0.02, (f, rows[f], km2)
    assert rows["green"]["delta_km2"] > 0 and rows["red"]["delta_km2"] < 0


def test_a_change_that_changes_nothing_is_said_and_saved_only_to_add_a_source(editor_client, mini_server):
    first = editor_client.post("/api/changes", json=change(revision(editor_client), geometry=SMALL,
                                                           summary_en="Green takes the small area"))
    assert first.status_code == 201, first.text
    p = preview(editor_client, geometry=SMALL, at=T_AFTER_MID, report_ids=[2])
    assert p["no_change"] is True
    assert all(abs(f["delta_km2"]) < 0.01 for f in p["factions"])
    assert p["later_instants"] == [] and p["overridden_by"] == []
    assert [c["id"] for c in p["existing"]] == [first.json()["change_id"]]
    assert p["existing"][0]["summary_en"] == "Green takes the small area"
    assert [r["title"] for r in p["existing"][0]["reports"]] == ["Report one"]

    stored = counts(mini_server)
    r = editor_client.post("/api/changes", json=change(revision(editor_client), geometry=SMALL, at=T_AFTER_MID, report_ids=[2]))
    assert r.status_code == 409, r.text
    assert r.json()["error"] == "needs_confirmation"
    assert "changes nothing" in r.json()["message"] and "confirm_adds_source" in r.json()["message"]
    assert r.json()["detail"]["confirm"] == "adds_source"
    assert counts(mini_server) == stored
    r = editor_client.post("/api/changes", json=change(revision(editor_client), geometry=SMALL, at=T_AFTER_MID,
                                                       report_ids=[2], confirm_adds_source=True))
    assert r.status_code == 201, r.text


def test_a_large_flip_is_saved_only_when_confirmed(editor_client, mini_server):
    p = preview(editor_client)
    assert p["no_change"] is False and "green" in p["large_flip"]
    small = preview(editor_client, geometry=SMALL)
    assert small["large_flip"] == [] and small["no_change"] is False
    stored = counts(mini_server)
    r = editor_client.post("/api/changes", json=change(revision(editor_client), confirm_large=False))
    assert r.status_code == 409, r.text
    assert r.json()["error"] == "needs_confirmation" and r.json()["detail"]["confirm"] == "large"
    assert "confirm_large" in r.json()["message"]
    assert counts(mini_server) == stored
    assert editor_client.post("/api/changes", json=change(revision(editor_client), confirm_large=True)).status_code == 201
    # A small change needs no confirmation.
    assert editor_client.post("/api/changes", json=change(revision(editor_client), geometry=SMALL, at=T_AFTER_MID,
                                                          faction="blue")).status_code == 201
