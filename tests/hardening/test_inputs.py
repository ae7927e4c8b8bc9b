"""Every input a clean 4xx (issue 19): strict JSON types, blank text, geometry below the storage grid, NUL in
paths, bodies over the limit however they are sent, and a database connection dying under a request."""
from __future__ import annotations

import logging
import threading
import time

import psycopg
import pytest

from tests.api.test_editor_api import change, counts, pg_url, rect, revision


@pytest.mark.parametrize("ids", [[True], ["3"], [3e0], [1.0]])
def test_report_ids_are_not_coerced(editor_client, mini_server, ids):
    before = counts(mini_server)
    r = editor_client.post("/api/changes", json=change(revision(editor_client), report_ids=ids))
    assert r.status_code == 422 and "report_ids" in r.json()["message"], r.text
    assert counts(mini_server) == before


@pytest.mark.parametrize("field, value", [("base_revision", True), ("base_revision", "1"), ("base_revision", 1.0),
                                          ("at", 1733000000), ("at", "2024-01-02T00:00:00\u0000+03:00"),
                                          ("at", "   "), ("faction", "  ")])
def test_times_and_ids_are_strict(editor_client, mini_server, field, value):
    body = change(revision(editor_client))
    body[field] = value
    r = editor_client.post("/api/changes", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["message"]


@pytest.mark.parametrize("field, value", [("title", "   "), ("publisher", " \t "), ("published_at", " ")])
def test_blank_required_text_is_a_422_not_a_500(editor_client, mini_server, field, value):
    body = {"title": "A title", "publisher": "AP", "published_at": "2024-01-02T09:00:00+03:00", "language": "en"}
    body[field] = value
    r = editor_client.post("/api/reports", json=body)
    assert r.status_code == 422, r.text
    assert "blank" in r.json()["message"] or "instant" in r.json()["message"]


@pytest.mark.parametrize("side", [1e-9, 5e-8, 3e-7])
@pytest.mark.parametrize("path", ["/api/changes", "/api/changes/preview"])
def test_a_shape_below_the_storage_grid_is_a_422_naming_the_minimum(editor_client, mini_server, side, path):
    before = counts(mini_server)
    body = change(revision(editor_client), geometry=rect(36.7, 36.0, 36.7 + side, 36.0 + side))
    if path.endswith("preview"):
        body.pop("base_revision")
    r = editor_client.post(path, json=body)
    assert r.status_code == 422, r.text
    assert "1e-06 degrees" in r.json()["message"]
    assert counts(mini_server) == before


@pytest.mark.parametrize("path", ["/static/js/api.js%00.png", "/static/js/%00", "/api/timeline%00", "/%01"])
def test_control_characters_in_paths_are_404(live_mini, path):
    with live_mini.client() as c:
        r = c.get(path)
    assert r.status_code == 404, r.text


def test_a_chunked_body_over_the_limit_is_413(editor_client, mini_server):
    limit = mini_server.settings.max_body_bytes

    def chunks():
        piece = b'{"text": "' + b"a" * 65536
        yield piece
        sent = len(piece)
        while sent <= limit + 65536:
            yield b"a" * 65536
            sent += 65536
        yield b'"}'
    r = editor_client.post("/api/match-places", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413, r.text
    assert str(limit) in r.json()["message"]


def test_a_connection_killed_mid_request_is_a_503_with_the_usual_message(editor_client, mini_server):
    """A write waits on a lock; its database backend is terminated under it: 503, nothing stored."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logging.getLogger("uvicorn.error").addHandler(handler)
    url = pg_url(mini_server)
    before = counts(mini_server)
    result = {}
    try:
        with psycopg.connect(url) as locker:
            locker.execute("LOCK TABLE reports IN ACCESS EXCLUSIVE MODE")
            t = threading.Thread(target=lambda: result.update(r=editor_client.post("/api/reports", json={
                "title": "t", "publisher": "p", "published_at": "2024-01-02T09:00:00+03:00"})))
            t.start()
            with psycopg.connect(url, autocommit=True) as admin:
                for _ in range(100):
                    pids = [r[0] for r in admin.execute(
                        "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name = 'frontline'")]
                    if pids:
                        break
                    time.sleep(0.1)
                assert pids, "the write never waited on the lock"
                for pid in pids:
                    admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            t.join(30)
    finally:
        logging.getLogger("uvicorn.error").removeHandler(handler)
    r = result["r"]
    assert r.status_code == 503, r.text
    assert r.json()["message"].startswith("The database is not answering right now") and r.headers["retry-after"]
    assert counts(mini_server) == before
    assert not [x for x in records if "Exception in ASGI application" in x.getMessage()]
