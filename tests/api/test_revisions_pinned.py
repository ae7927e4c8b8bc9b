"""`rev=` names a revision that exists, or answers 404 (issue 29, item 5).

Revision numbers come from a sequence, and sequence values are not transactional: a rolled-back write or a
crash leaves numbers that were never used. Such a number is not a revision: every pinned route answers 404
with a clear message (never the data of an older revision under its number, never `immutable`), and every
feed revision answers 200 or 404, never 500. Real HTTP to a live server on the mini data set.
"""
from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest

from tests.api.test_editor_api import T_MID, change, pg_url, rect, revision

PINNED_ROUTES = [
    ("/api/timeline", {}),
    ("/api/timeline/window", {"i": 0}),
    ("/api/snapshot", {"at": T_MID}),
    ("/api/snapshot.kml", {"at": T_MID}),
    ("/api/factions", {}),
    ("/api/reports", {}),
    ("/api/areas.csv", {}),
    ("/api/diff", {"from": T_MID, "to": "2024-01-04T00:00:00+03:00"}),
    ("/api/point", {"at": T_MID, "lat": 36.1, "lon": 36.8}),
    ("/api/changes.atom", {}),
    ("/api/changes.json", {}),
    ("/api/corrections", {}),
    ("/corrections", {}),
]


def _wait_for(client, rev: int) -> None:
    deadline = time.monotonic() + 10
    while revision(client) != rev and time.monotonic() < deadline:
        time.sleep(0.1)
    assert revision(client) == rev


@pytest.fixture
def gap(mini_server, editor_client):
    """Numbers skipped as a crash or a rolled-back write skips them, then a real save after the gap:
    (the revision before the gap, the skipped numbers, the revision after it)."""
    with mini_server.client() as c:
        before = revision(c)
        with psycopg.connect(pg_url(mini_server), autocommit=True) as conn:
            # A rolled-back insert consumes a number too; nextval is what a crashed transaction leaves behind.
            with conn.transaction(force_rollback=True):
                conn.execute("INSERT INTO revisions (kind, reason, details) VALUES ('change', 'rolled back', '{}')")
            conn.execute("SELECT nextval('revisions_id_seq') FROM generate_series(1, 3)")
        r = editor_client.post("/api/changes", json=change(before, geometry=rect(36.85, 36.05, 36.95, 36.15)))
        assert r.status_code in (200, 201), r.text
        after = r.json()["revision"]
        assert after >= before + 5
        _wait_for(c, after)
        yield before, list(range(before + 1, after)), after


def test_a_skipped_revision_number_is_404_on_every_pinned_route(mini_server, gap):
    before, skipped, after = gap
    with mini_server.client() as c:
        for rev in skipped:
            for path, params in PINNED_ROUTES:
                r = c.get(path, params={**params, "rev": rev})
                assert r.status_code == 404, (path, rev, r.status_code, r.text[:200])
                assert "immutable" not in r.headers.get("cache-control", ""), (path, rev)
                if path.startswith("/api/"):
                    message = r.json()["message"]
                    assert f"revision {rev} does not exist" in message, message
                    assert str(before) in message and str(after) in message, message  # the nearest ones
        # The revisions on either side are real, served and immutable.
        for rev in (before, after):
            for path, params in PINNED_ROUTES:
                r = c.get(path, params={**params, "rev": rev})
                assert r.status_code == 200, (path, rev, r.status_code, r.text[:200])
                if path != "/api/point":  # computed per request, sent without a lifetime
                    assert "immutable" in r.headers["cache-control"], (path, rev)
        # Past the latest: 404 as before.
        assert c.get("/api/timeline", params={"rev": after + 1}).status_code == 404


def test_every_feed_revision_answers_200_or_404(mini_server, gap):
    _, skipped, after = gap
    with mini_server.client() as c:
        for rev in range(1, after + 3):
            for path in ("/api/changes.atom", "/api/changes.json", "/api/corrections"):
                r = c.get(path, params={"rev": rev})
                assert r.status_code == (404 if rev in skipped or rev > after else 200), (path, rev, r.text[:200])


def test_corrections_link_before_a_gap_to_a_revision_that_exists(mini_server, editor_client):
    """A correction's "before" link pins the revision published before it, not its number minus one."""
    with mini_server.client() as c:
        rev0 = revision(c)
        with psycopg.connect(pg_url(mini_server), autocommit=True) as conn:
            conn.execute("SELECT nextval('revisions_id_seq') FROM generate_series(1, 2)")
        # 2 January lies before the latest instant the map already showed: a correction.
        r = editor_client.post("/api/changes", json=change(rev0, geometry=rect(36.85, 36.05, 36.95, 36.15)))
        assert r.status_code in (200, 201), r.text
        rev1 = r.json()["revision"]
        _wait_for(c, rev1)
        rows = c.get("/api/corrections").json()["corrections"]
        assert [x["revision"] for x in rows] == [rev1]
        pinned = {k: parse_qs(urlsplit(rows[0][k]).query)["rev"] for k in ("before", "after")}
        assert pinned == {"before": [str(rev0)], "after": [str(rev1)]}
        assert c.get("/api/timeline", params={"rev": rev0}).status_code == 200


def test_the_revision_after_a_gap_is_derived_from_the_one_before(mini_server, editor_client, monkeypatch):
    """Publishing costs what the revision wrote: after a gap, the publication is derived from the revision
    before the gap (not rebuilt from the whole history because `rev - 1` is not a revision)."""
    from app.read.publication import Publication

    with mini_server.client() as c:
        before = revision(c)
        c.get("/api/timeline")  # the publication of `before` is built and kept
        with psycopg.connect(pg_url(mini_server), autocommit=True) as conn:
            conn.execute("SELECT nextval('revisions_id_seq') FROM generate_series(1, 3)")
        calls = []
        real_derive = Publication.derive.__func__
        monkeypatch.setattr(Publication, "derive", classmethod(
            lambda cls, prev, s, rev, meta: calls.append((prev.rev, rev)) or real_derive(cls, prev, s, rev, meta)))
        r = editor_client.post("/api/changes", json=change(before, geometry=rect(36.85, 36.05, 36.95, 36.15)))
        assert r.status_code in (200, 201), r.text
        after = r.json()["revision"]
        _wait_for(c, after)
        assert (before, after) in calls
