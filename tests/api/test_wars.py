"""Several wars on one instance (issue 25): a one-war database (the mini data set, in `public`) plus an ongoing
war in its own schema, made as `frontline war add` makes it, served by one app over real HTTP."""
from __future__ import annotations

import hashlib
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from app import cli
from app.cli.common import session_scope
from app.store import wars as war_store
from app.usecases import accounts as auth
from app.usecases import dataset_init as di
from app.usecases import load as loader
from tests.conftest import ADMIN, EDITOR, FIXTURES, LiveServer, _create_database, drop_database, login

EAST = "east-front"
EAST_EDITOR = ("easteditor", "east-password-1")


def _east_folder(tmp, start: datetime):
    spec = di.Spec(title="East front", start=start, end=None, extent=(30.0, 50.0, 31.0, 51.0),
                   factions=[di.parse_faction("ua:Ukraine:#0057B7"), di.parse_faction("ru:Russia:#D52B1E")],
                   baseline="ua", time_zone="Europe/Kyiv", slug=EAST)
    di.write(tmp / "east", spec)
    return tmp / "east"


@pytest.fixture(scope="module")
def two_wars(base_settings, tmp_path_factory):
    import os

    url = _create_database(base_settings.database_url, f"{os.environ.get('FRONTLINE_TEST_DB', 'frontline_test')}_wars")
    s = base_settings.model_copy(update={"database_url": url, "revision_poll_seconds": 0.5, "tile_url": "",
                                         "render_rate_per_minute": 0})
    cli.migrate(s)
    with session_scope(s) as ses:
        loader.load(ses, FIXTURES / "mini")
        ses.commit()
    with session_scope(s) as ses:
        war_store.create(ses, EAST)
        ses.commit()
    start = (datetime.now(timezone.utc) - timedelta(days=30)).replace(microsecond=0)
    with session_scope(s, EAST) as ses:
        loader.load(ses, _east_folder(tmp_path_factory.mktemp("east"), start))
        ses.commit()
    with session_scope(s) as ses:
        auth.add_user(ses, *EDITOR, "editor")            # the default war's editor
        auth.add_user(ses, *ADMIN, "admin")
        auth.add_user(ses, *EAST_EDITOR, "editor", [EAST])
    srv = LiveServer(s)
    yield srv
    srv.stop()
    drop_database(base_settings.database_url, url)


@contextmanager
def _editor(srv, user):
    with srv.client() as c:
        c.headers["X-CSRF-Token"] = login(c, user)
        yield c


def _east_change(c: httpx.Client, at: datetime, base: int) -> httpx.Response:
    reports = c.get("/api/reports", params={"war": EAST}).json()  # the baseline cites the scaffold's report
    rid = (reports if isinstance(reports, list) else reports["reports"])[0]["id"]
    return c.post("/api/changes", params={"war": EAST}, json={
        "faction": "ru", "at": at.isoformat(), "confidence": "claimed", "report_ids": [rid], "base_revision": base,
        # The same square each time: a repeat changes nothing, and says it only adds a source.
        "summary_en": "A village east of the river taken.", "confirm_large": True, "confirm_adds_source": True,
        "geometry": {"type": "Polygon", "coordinates": [[[30.4, 50.4], [30.5, 50.4], [30.5, 50.5], [30.4, 50.5], [30.4, 50.4]]]}})


def test_api_wars_lists_both_with_status(two_wars):
    with two_wars.client() as c:
        wars = {w["slug"]: w for w in c.get("/api/wars").json()}
    assert set(wars) == {"mini", EAST}
    assert wars["mini"]["status"] == "ended" and wars["mini"]["default"] is True
    assert wars[EAST]["status"] == "ongoing" and wars[EAST]["time_zone"] == "Europe/Kyiv"
    assert wars[EAST]["viewer"] == f"/w/{EAST}/" and wars[EAST]["revision"] == 1


def test_each_war_has_its_own_addresses(two_wars):
    with two_wars.client() as c:
        default = c.get("/api/timeline").json()
        east = c.get("/api/timeline", params={"war": EAST}).json()
        assert default["dataset"]["slug"] == "mini"
        assert east["dataset"]["slug"] == EAST and east["dataset"]["ongoing"] is True
        assert east["dataset"]["time_zone"] == "Europe/Kyiv"
        # The same API under the war's path prefix, and its pages.
        assert c.get(f"/w/{EAST}/api/timeline").json() == east
        page = c.get(f"/w/{EAST}/")
        assert page.status_code == 200 and f"/w/{EAST}/api/timeline" in page.text
        assert c.get(f"/w/{EAST}/embed").status_code == 200
        assert c.get(f"/w/{EAST}", follow_redirects=False).headers["location"] == f"/w/{EAST}/"
        # Several wars: / lists them (each war's viewer stays at /w/SLUG/).
        home = c.get("/")
        assert "East front" in home.text and "Mini test war" in home.text
        r = c.get("/api/timeline", params={"war": "no-such-war"})
        assert r.status_code == 404 and "/api/wars" in r.json()["message"]


def test_an_editor_of_one_war_gets_403_on_the_other(two_wars):
    with _editor(two_wars, EDITOR) as c:
        base = c.get("/api/timeline", params={"war": EAST}).json()["revision"]
        r = _east_change(c, datetime.now(timezone.utc) - timedelta(hours=1), base)
        assert r.status_code == 403 and EAST in r.json()["message"]
    with _editor(two_wars, EAST_EDITOR) as c:
        assert c.get("/api/editor/reports").status_code == 403  # the default war is not theirs


def test_ongoing_war_takes_one_hour_ago_refuses_tomorrow_and_leaves_the_other_war_alone(two_wars):
    with two_wars.client() as anon:
        before = anon.get("/api/timeline")
        before_feed = anon.get("/api/changes.atom")
    with _editor(two_wars, EAST_EDITOR) as c:
        base = c.get("/api/timeline", params={"war": EAST}).json()["revision"]
        r = _east_change(c, datetime.now(timezone.utc) + timedelta(days=1), base)
        assert r.status_code == 422 and "future" in r.json()["message"]
        r = _east_change(c, datetime.now(timezone.utc) - timedelta(hours=1), base)
        assert r.status_code == 201, r.text
    with two_wars.client() as anon:
        east = anon.get("/api/timeline", params={"war": EAST}).json()
        assert east["revision"] == base + 1
        # The timeline grows to the latest change (an hour after it) and no further.
        latest = max(datetime.fromisoformat(t.replace("Z", "+00:00")) for t in east["instants"])
        assert datetime.fromisoformat(east["dataset"]["end"].replace("Z", "+00:00")) == latest + timedelta(hours=1)
        # The other war: same revision, same bytes, same ETag; its feed unchanged.
        after = anon.get("/api/timeline")
        assert after.headers["etag"] == before.headers["etag"]
        assert hashlib.sha256(after.content).digest() == hashlib.sha256(before.content).digest()
        assert anon.get("/api/changes.atom").content == before_feed.content
        # The war's own feed speaks its local time (Kyiv, UTC+2 in winter / UTC+3 in summer).
        atom = anon.get("/api/changes.atom", params={"war": EAST}).text
        assert "UTC+2" in atom or "UTC+3" in atom


def test_ending_and_reopening_a_war(two_wars):
    with session_scope(two_wars.settings, EAST) as ses:
        from app.usecases import wars as usecase
        with pytest.raises(Exception):
            usecase.end(ses, at=datetime(2000, 1, 1, tzinfo=timezone.utc))  # before its start
    with two_wars.client() as c:
        assert {w["slug"]: w for w in c.get("/api/wars").json()}[EAST]["status"] == "ongoing"


def _count(srv, sql: str) -> int:
    import psycopg

    with psycopg.connect(srv.settings.database_url.replace("postgresql+psycopg://", "postgresql://")) as c:
        return c.execute(sql).fetchone()[0]


def test_a_save_fires_only_its_own_wars_webhooks(two_wars):
    import psycopg

    schema = war_store.schema_for(EAST)
    url = two_wars.settings.database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as c:
        for s in ("public", schema):  # loopback receivers that refuse: only the queue is looked at
            c.execute(f"INSERT INTO {s}.webhook_endpoints (url, secret, allow_private) "
                      "VALUES ('http://127.0.0.1:9/hook', 'a-secret-of-16-chars-or-more', true)")
    before_default = _count(two_wars, "SELECT count(*) FROM public.webhook_deliveries")
    before_east = _count(two_wars, f"SELECT count(*) FROM {schema}.webhook_deliveries")
    with _editor(two_wars, EAST_EDITOR) as c:
        base = c.get("/api/timeline", params={"war": EAST}).json()["revision"]
        assert _east_change(c, datetime.now(timezone.utc) - timedelta(hours=2), base).status_code == 201
    assert _count(two_wars, f"SELECT count(*) FROM {schema}.webhook_deliveries") == before_east + 1
    assert _count(two_wars, "SELECT count(*) FROM public.webhook_deliveries") == before_default


def test_an_admin_gives_and_takes_a_war(two_wars):
    with _editor(two_wars, ADMIN) as admin:
        users = {u["username"]: u for u in admin.get("/api/admin/users").json()}
        uid = users[EAST_EDITOR[0]]["id"]
        assert users[EAST_EDITOR[0]]["wars"] == [EAST]
        r = admin.patch(f"/api/admin/users/{uid}", json={"wars": ["nowhere"]})
        assert r.status_code == 422 and "nowhere" in r.json()["message"]
        assert admin.patch(f"/api/admin/users/{uid}", json={"wars": [EAST, "mini"]}).status_code == 200
        with _editor(two_wars, EAST_EDITOR) as c:
            assert c.get("/api/editor/reports").status_code == 200
        assert admin.patch(f"/api/admin/users/{uid}", json={"wars": [EAST]}).status_code == 200
        with _editor(two_wars, EAST_EDITOR) as c:
            assert c.get("/api/editor/reports").status_code == 403
            assert c.get("/api/editor/reports", params={"war": EAST}).status_code == 200


def test_export_then_import_restores_every_war(two_wars, base_settings, tmp_path):
    """`frontline export` holds the accounts and every war; `import` into an empty database brings each war back
    with the same public responses, byte for byte."""
    import os
    import subprocess
    import sys

    src = two_wars.settings.database_url
    out = tmp_path / "all.jsonl.gz"
    run = subprocess.run([sys.executable, "-m", "app.cli", "export", str(out), "--with-password-hashes"],
                         env={**os.environ, "DATABASE_URL": src}, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert f"{EAST}/control_zones" in run.stdout
    url = _create_database(base_settings.database_url, f"{os.environ.get('FRONTLINE_TEST_DB', 'frontline_test')}_wars_restored")
    try:
        run = subprocess.run([sys.executable, "-m", "app.cli", "import", str(out)],
                             env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        restored = LiveServer(two_wars.settings.model_copy(update={"database_url": url}))
        try:
            paths = ["/api/wars", "/api/timeline", f"/api/timeline?war={EAST}", "/api/reports", f"/api/reports?war={EAST}",
                     f"/api/changes.json?war={EAST}", f"/w/{EAST}/api/snapshot?at=" + datetime.now(timezone.utc).isoformat().replace("+", "%2B")]
            with two_wars.client() as a, restored.client() as b:
                for p in paths:
                    ra, rb = a.get(p, headers={"Host": "frontline.test"}), b.get(p, headers={"Host": "frontline.test"})
                    assert (ra.status_code, ra.content) == (rb.status_code, rb.content), p
            with _editor(restored, EAST_EDITOR) as c:  # accounts and their wars came back
                assert c.get("/api/editor/reports", params={"war": EAST}).status_code == 200
                assert c.get("/api/editor/reports").status_code == 403
        finally:
            restored.stop()
    finally:
        drop_database(base_settings.database_url, url)


def test_ogc_api_has_one_collection_per_war(two_wars):
    with two_wars.client() as c:
        listed = {col["id"]: col for col in c.get("/ogc/collections").json()["collections"]}
        assert set(listed) == {"control_zones", f"control_zones-{EAST}"}
        assert listed[f"control_zones-{EAST}"]["title"].endswith("East front")
        east = c.get(f"/ogc/collections/control_zones-{EAST}/items", params={"limit": 5}).json()
        assert east["features"] and all(f["properties"]["faction"] in ("ua", "ru") for f in east["features"])
        assert all(f"/ogc/collections/control_zones-{EAST}/items" in link["href"] for link in east["links"]
                   if link["rel"] in ("self", "next"))
        # The war's own OGC endpoint names it as its one collection.
        own = c.get(f"/w/{EAST}/ogc/collections").json()["collections"]
        assert [col["id"] for col in own] == ["control_zones"]
        default = c.get("/ogc/collections/control_zones/items", params={"limit": 5}).json()
        assert default["features"] and all(f["properties"]["faction"] not in ("ua", "ru") for f in default["features"])


def test_the_last_24_hours_of_a_war_going_on_as_json_and_in_its_feeds(two_wars):
    with _editor(two_wars, EAST_EDITOR) as c:
        base = c.get("/api/timeline", params={"war": EAST}).json()["revision"]
        assert _east_change(c, datetime.now(timezone.utc) - timedelta(minutes=30), base).status_code == 201
    with two_wars.client() as c:
        doc = c.get("/api/summary", params={"war": EAST, "hours": 24}).json()
        assert doc["changes"] >= 1 and doc["hours"] == 24  # (the same square again may gain nothing new)
        feed = c.get("/api/changes.json", params={"war": EAST}).json()
        assert feed["_frontline"]["last_24_hours"]["changes"] == doc["changes"]
        assert "Last 24 hours" in c.get("/api/changes.atom", params={"war": EAST}).text
        # An ended war's feed is as before.
        assert "last_24_hours" not in c.get("/api/changes.json").json()["_frontline"]
        assert c.get("/api/summary", params={"hours": 5}).status_code == 422


def test_a_war_ends_and_reopens_and_its_folder_round_trips(two_wars, tmp_path):
    """`frontline war end` and `reopen` on a war of its own (the other tests' wars stay as they are), and
    `export-dataset --war` writes a folder that loads back as the same kind of war (time zone, no end)."""
    import json
    import os
    import subprocess
    import sys

    url = two_wars.settings.database_url
    run = lambda *a: subprocess.run([sys.executable, "-m", "app.cli", *a], env={**os.environ, "DATABASE_URL": url},
                                    capture_output=True, text=True, timeout=300)
    start = (datetime.now(timezone.utc) - timedelta(days=5)).date().isoformat()
    r = run("war", "add", "brief", "--title", "Brief", "--time-zone", "Asia/Damascus", "--start", start,
            "--extent", "36,35,37,36", "--faction", "x:X:#112233", "--faction", "y:Y:#445566", "--baseline", "x")
    assert r.returncode == 0, r.stderr
    try:
        out = tmp_path / "brief"
        assert run("export-dataset", str(out), "--war", "brief").returncode == 0
        ds = json.loads((out / "dataset.json").read_text())
        assert ds["time_zone"] == "Asia/Damascus" and "end" not in ds
        r = run("war", "end", "brief", "--at", "2000-01-01T00:00:00+00:00")
        assert r.returncode == 1 and "start" in r.stderr  # before its start: refused
        end = (datetime.now(timezone.utc) - timedelta(hours=1)).replace(microsecond=0)
        assert run("war", "end", "brief", "--at", end.isoformat()).returncode == 0
        with two_wars.client() as c:
            deadline = time.monotonic() + 10
            while {w["slug"]: w for w in c.get("/api/wars").json()}["brief"]["status"] != "ended":
                assert time.monotonic() < deadline
                time.sleep(0.1)
            assert c.get("/api/timeline", params={"war": "brief"}).json()["dataset"]["end"].startswith(end.strftime("%Y-%m-%dT%H"))
        assert run("war", "end", "brief").returncode == 1  # ended already
        assert run("war", "reopen", "brief").returncode == 0
        with two_wars.client() as c:
            assert {w["slug"]: w for w in c.get("/api/wars").json()}["brief"]["status"] == "ongoing"
    finally:
        with session_scope(two_wars.settings) as ses:
            war_store.drop(ses, "brief")
            ses.commit()
