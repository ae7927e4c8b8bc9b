"""Absolute links and the Host header (issue 29, item 10).

The feeds and the corrections log carry absolute links. Built from the request's Host header, which any client
can forge, they must say `Vary: Host`, or a shared cache would hand one forged Host's links to every reader.
With FRONTLINE_PUBLIC_URL configured, links start with it whatever the Host, and the response does not vary on
Host. Real HTTP to live servers on the mini data set.
"""
from __future__ import annotations

import time

import pytest
from pydantic import ValidationError

from app.platform.config import Settings
from tests.api.test_editor_api import T_MID, change, rect, revision
from tests.conftest import LiveServer

FORGED = "attacker.invalid"
PUBLIC = "https://frontline.example.org/maps"
LINKED = ["/api/changes.atom", "/api/changes.json", "/api/corrections", "/corrections"]


def _vary(r) -> set[str]:
    return {v.strip().lower() for v in r.headers.get("vary", "").split(",") if v.strip()}


@pytest.fixture
def correction(mini_server, editor_client):
    """An edit at an instant the map already showed, so the corrections log has an entry (and links)."""
    with mini_server.client() as c:
        rev0 = revision(c)
    r = editor_client.post("/api/changes", json=change(rev0, at=T_MID, geometry=rect(36.85, 35.95, 36.95, 36.05)))
    assert r.status_code in (200, 201), r.text
    return r.json()["revision"]


def _wait_for(server, rev: int) -> None:
    with server.client() as c:
        deadline = time.monotonic() + 10
        while revision(c) != rev and time.monotonic() < deadline:
            time.sleep(0.1)
        assert revision(c) == rev


def test_links_from_the_host_header_vary_on_host(mini_server, correction):
    with mini_server.client() as c:
        for path in LINKED:
            own = c.get(path)
            forged = c.get(path, headers={"Host": FORGED})
            assert own.status_code == forged.status_code == 200, path
            for r in (own, forged):
                assert "host" in _vary(r), (path, r.headers.get("vary"))
                assert "public" in r.headers["cache-control"]
            assert FORGED in forged.text and FORGED not in own.text, path
            # A 304 says it too.
            again = c.get(path, headers={"Host": FORGED, "If-None-Match": forged.headers.get("etag", "-")})
            if again.status_code == 304:
                assert "host" in _vary(again), path


def test_the_seed_responses_without_links_keep_their_headers(live_mini):
    with live_mini.client() as c:
        for path in ("/api/timeline", "/api/factions", "/api/reports"):
            assert _vary(c.get(path, headers={"Accept-Encoding": "gzip"})) == {"accept-encoding"}, path


@pytest.fixture(scope="module")
def public_server(live_mini):
    """A second server on the mini database, with FRONTLINE_PUBLIC_URL set (trailing slash: it is dropped)."""
    s = live_mini.settings.model_copy(update={"public_url": Settings.model_validate(
        {"secret_key": "x" * 16, "public_url": PUBLIC + "/"}).public_url})
    srv = LiveServer(s)
    yield srv
    srv.stop()


def test_a_configured_public_url_makes_the_links_whatever_the_host(public_server, correction):
    _wait_for(public_server, correction)
    with public_server.client() as c:
        for path in LINKED:
            own = c.get(path)
            forged = c.get(path, headers={"Host": FORGED})
            assert own.status_code == forged.status_code == 200, path
            assert own.content == forged.content, path
            assert FORGED not in forged.text and "127.0.0.1" not in own.text, path
            assert "host" not in _vary(own) and "host" not in _vary(forged), path
            assert PUBLIC + "/" in own.text, path


def test_public_url_must_be_an_http_address():
    ok = Settings.model_validate({"secret_key": "x" * 16, "public_url": "https://example.org:8443/war/"})
    assert ok.public_url == "https://example.org:8443/war"
    assert Settings.model_validate({"secret_key": "x" * 16, "public_url": ""}).public_url is None
    for bad in ("example.org", "ftp://example.org", "https://example.org/?x=1", "https://u:p@example.org",
                "https://example.org/#top", "https:///path"):
        with pytest.raises(ValidationError, match="FRONTLINE_PUBLIC_URL"):
            Settings.model_validate({"secret_key": "x" * 16, "public_url": bad})


OGC = ["/ogc/", "/ogc/collections", "/ogc/collections/control_zones", "/ogc/collections/control_zones/items?limit=2",
       "/ogc/?f=html"]


def test_ogc_links_vary_on_host_or_use_the_public_url(mini_server, public_server):
    """OGC API documents are all links: from the Host header they vary on it; with the setting they do not."""
    with mini_server.client() as c:
        for path in OGC:
            forged = c.get(path, headers={"Host": FORGED})
            assert forged.status_code == 200, (path, forged.text[:200])
            assert FORGED in forged.text and "host" in _vary(forged), path
    with public_server.client() as c:
        for path in OGC:
            forged = c.get(path, headers={"Host": FORGED})
            assert forged.status_code == 200, path
            assert FORGED not in forged.text and PUBLIC + "/ogc" in forged.text, path
            assert "host" not in _vary(forged), path
