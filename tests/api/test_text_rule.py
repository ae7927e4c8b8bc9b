"""One text rule for every stored text (issue 29, item 1), over real HTTP and the real CLI on real PostGIS.

A text an editor or admin stores may hold only characters XML 1.0 can carry, and no Unicode noncharacters:
the API, the CLI and the imports refuse anything else with a 422 (or exit status 1) naming the field, the
character and its position, and store nothing. And text already in a database from before the rule (written
here with SQL, around the API) never makes a feed, a page or a picture fail."""
from __future__ import annotations

import io
import json
import os
import re
import shutil
from datetime import timedelta
from pathlib import Path

import feedparser
import psycopg
import pytest
from lxml import etree
from sqlalchemy import create_engine, text

from app import cli

from app.usecases import load as loader
from tests.api.test_editor_api import T_LATER, T_MID, change, pg_url, revision
from tests.api.test_upload_api import SNAP
from tests.conftest import ADMIN, FIXTURES, _create_database, login

RULE = "which cannot be stored: remove it"
SUMMARY = "Green takes\ufffe the test area"  # U+FFFE at position 12
# Independent of app/domain/text.py: what XML 1.0 cannot carry, and noncharacters.
REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff\U0001fffe\U0001ffff\U0010fffe\U0010ffff]")


def refusal(field: str, value: str, ch: str = "\ufffe") -> str:
    return f"{field} contains U+{ord(ch):04X} at position {value.index(ch) + 1}, {RULE}"


def stored(server) -> tuple[int, ...]:
    with psycopg.connect(pg_url(server)) as c:
        return tuple(c.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                     for t in ("control_changes", "revisions", "reports", "users", "change_reports", "control_zones"))


def _upload(client, **kw) -> dict:
    body = {"content": json.dumps(SNAP), "filename": "red.geojson", "at": "2024-01-03T12:00:00+03:00", "remainder": "blue",
            "faction_field": "side", "assign": {"R": "red", "X": ""}, "report_ids": [1], "base_revision": revision(client)}
    body.update(kw)
    return body


def _preview(client, **kw) -> dict:
    return {k: v for k, v in change(0, **kw).items() if k != "base_revision"}


# (path, body given the client and the text, field holding the text)
FIELDS = {
    "change-summary_en": ("/api/changes", lambda c, v: change(revision(c), summary_en=v), "summary_en"),
    "change-summary_ar": ("/api/changes", lambda c, v: change(revision(c), summary_ar=v), "summary_ar"),
    "change-note": ("/api/changes", lambda c, v: change(revision(c), note=v), "note"),
    "preview-summary_en": ("/api/changes/preview", lambda c, v: _preview(c, summary_en=v), "summary_en"),
    "report-title": ("/api/reports", lambda c, v: {"title": v, "publisher": "Test Wire", "published_at": T_MID}, "title"),
    "report-publisher": ("/api/reports", lambda c, v: {"title": "A report", "publisher": v, "published_at": T_MID}, "publisher"),
    "report-summary": ("/api/reports", lambda c, v: {"title": "A report", "publisher": "Test Wire", "published_at": T_MID,
                                                     "summary": v}, "summary"),
    "upload-note": ("/api/snapshot-upload", lambda c, v: _upload(c, note=v), "note"),
    "upload-filename": ("/api/snapshot-upload", lambda c, v: _upload(c, filename=v + ".geojson"), "filename"),
}


@pytest.mark.parametrize("case", sorted(FIELDS))
def test_every_editor_text_field_refuses_what_xml_cannot_carry(mini_server, editor_client, case):
    path, body, field = FIELDS[case]
    before = stored(mini_server)
    r = editor_client.post(path, json=body(editor_client, SUMMARY))
    assert r.status_code == 422, r.text
    assert refusal(field, SUMMARY) in r.json()["message"]
    assert r.json()["error"] == "bad_input"
    assert stored(mini_server) == before
    with mini_server.client() as c:
        assert c.get("/api/changes.atom").status_code == 200


@pytest.mark.parametrize("ch", ["\ufffe", "\uffff", "\ufdd0", "\U0001fffe", "\U0010ffff", "\x0b", "\x00", "\ud800"],
                         ids=lambda ch: f"U+{ord(ch):04X}")
def test_each_kind_of_refused_character_is_named(mini_server, editor_client, ch):
    """Sent as JSON escapes (as a browser's JSON.stringify would): an unpaired surrogate arrives as "\\ud800"."""
    value = "Green takes" + ch + " the test area"
    before = stored(mini_server)
    raw = json.dumps(change(revision(editor_client), summary_en=value), ensure_ascii=True).encode()
    r = editor_client.post("/api/changes", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert refusal("summary_en", value, ch) in r.json()["message"]
    assert stored(mini_server) == before


def test_a_revert_reason_follows_the_rule(mini_server, editor_client):
    r = editor_client.post("/api/changes", json=change(revision(editor_client)))
    assert r.status_code == 201, r.text
    rev = r.json()["revision"]
    before = stored(mini_server)
    reason = "duplicate of\uffff revision 3"
    r = editor_client.post(f"/api/revisions/{rev}/revert", json={"base_revision": rev, "reason": reason})
    assert r.status_code == 422, r.text
    assert refusal("reason", reason, "\uffff") in r.json()["message"]
    assert stored(mini_server) == before
    # Text XML can carry goes through: Arabic, an emoji, lines and tabs.
    r = editor_client.post(f"/api/revisions/{rev}/revert", json={"base_revision": rev, "reason": "مكرر 😀\n\tduplicate"})
    assert r.status_code == 200, r.text


def test_an_admins_account_fields_follow_the_rule(mini_server):
    with mini_server.client() as c:
        c.headers["X-CSRF-Token"] = login(c, ADMIN)
        before = stored(mini_server)
        r = c.post("/api/admin/users", json={"username": "new\ufffeeditor", "role": "editor"})
        assert r.status_code == 422, r.text
        assert refusal("username", "new\ufffeeditor") in r.json()["message"]
        raw = json.dumps({"username": "neweditor", "password": "long enough\ud800"}, ensure_ascii=True).encode()
        r = c.post("/api/admin/users", content=raw, headers={"Content-Type": "application/json"})
        assert r.status_code == 422, r.text
        assert refusal("password", "long enough\ud800", "\ud800") in r.json()["message"]
        assert stored(mini_server) == before


# --- text stored before the rule: every feed, page and picture still answers -----------------------------

BAD_EN = "Green\ufffe takes\uffff the\x01 area\ufdd0 \U0001fffe(after the rule, not storable)"
BAD_AR = "الأخضر\uffff يسيطر\x02"


def _clean(body: str) -> bool:
    return REFUSED.search(body) is None


def test_feeds_pages_and_pictures_never_fail_on_stored_text(mini_server, editor_client):
    # A correction (2 January lies before the latest instant shown), then its revert: pinned copies of both.
    r = editor_client.post("/api/changes", json=change(revision(editor_client), summary_en="Green takes the test area"))
    assert r.status_code == 201, r.text
    rev_a, cid = r.json()["revision"], r.json()["change_id"]
    r = editor_client.post(f"/api/revisions/{rev_a}/revert", json={"base_revision": rev_a})
    assert r.status_code == 200, r.text
    rev_b = r.json()["revision"]
    # Around the API: what an old database (or a hand edit) may hold. PostgreSQL stores all of it.
    with psycopg.connect(pg_url(mini_server)) as conn:
        conn.execute("UPDATE control_changes SET summary_en = %s, summary_ar = %s WHERE id = %s", (BAD_EN, BAD_AR, cid))
        conn.execute("UPDATE control_changes SET summary_en = %s, summary_ar = %s WHERE key = 'd4-red-more'", (BAD_EN, BAD_AR))
        conn.execute("UPDATE reports SET title = title || %s, publisher = publisher || %s", ("\ufffe\x03", "\uffff"))
        # U+0378 is unassigned: the rule lets it through (XML can carry it), but it has no bidirectional class.
        conn.execute("UPDATE factions SET name_en = name_en || %s, name_ar = name_ar || %s", ("\ufffe", "\uffff\u0378"))
        conn.execute("UPDATE places SET name_en = name_en || %s, name_ar = name_ar || %s", ("\uffff", "\x04"))
        conn.execute("UPDATE dataset SET title_en = title_en || %s, title_ar = title_ar || %s", ("\x05\ufffe", "\uffff"))
        t_a, t_b = (conn.execute("SELECT created_at FROM revisions WHERE id = %s", (r,)).fetchone()[0] for r in (rev_a, rev_b))
    mini_server.readmodel.clear()
    as_of = (t_a + (t_b - t_a) / 2).isoformat()
    assert t_b - t_a > timedelta(0)

    with mini_server.client() as c:
        for params in ({}, {"faction": "red"}, {"rev": rev_a}, {"rev": rev_b}, {"rev": 1}, {"as_of": as_of}):
            r = c.get("/api/changes.atom", params=params)
            assert r.status_code == 200, (params, r.text)
            etree.fromstring(r.content)  # well-formed XML
            parsed = feedparser.parse(r.content)
            assert not parsed.bozo, (params, parsed.get("bozo_exception"))
            assert _clean(r.content.decode()), params
            j = c.get("/api/changes.json", params=params)
            assert j.status_code == 200, (params, j.text)
            assert _clean(json.dumps(j.json(), ensure_ascii=False)), params
        pinned = c.get("/api/changes.atom", params={"rev": rev_a}).text
        assert "Green\ufffd takes\ufffd the\ufffd area" in pinned  # the text is kept; what XML refuses is marked
        assert "Green\ufffd takes" in c.get("/api/changes.json").text  # d4-red-more, live

        r = c.get("/api/corrections", params={"rev": rev_b})
        assert r.status_code == 200 and _clean(json.dumps(r.json(), ensure_ascii=False))
        assert any("Green\ufffd takes" in s for x in r.json()["corrections"] for s in x["summaries_en"])
        for path, params in (("/corrections", {"rev": rev_b}), ("/corrections", {"rev": rev_a, "lang": "ar"}),
                             ("/", {}), ("/", {"lang": "ar"}), ("/embed", {"rev": rev_a}), ("/api/timeline", {}),
                             ("/api/factions", {}), ("/api/reports", {}), ("/api/point", {"lat": 35.6, "lon": 37.15, "at": T_LATER}),
                             ("/api/snapshot.kml", {"at": T_LATER})):
            r = c.get(path, params=params)
            assert r.status_code == 200, (path, params, r.text[:300])
        etree.fromstring(c.get("/api/snapshot.kml", params={"at": T_LATER}).content)  # KML is XML too
        for lang in ("en", "ar"):
            r = c.get("/api/render.png", params={"at": T_LATER, "width": 480, "height": 360, "lang": lang})
            assert r.status_code == 200, r.text[:300]
            assert r.content.startswith(b"\x89PNG\r\n\x1a\n")


# --- the CLI and the imports --------------------------------------------------------------------------------

@pytest.fixture
def cli_db(base_settings, monkeypatch):
    """An empty database of its own for the real `frontline` commands."""
    url = _create_database(base_settings.database_url, f"{os.environ.get('FRONTLINE_TEST_DB', 'frontline_test')}_text_rule")
    monkeypatch.setenv("DATABASE_URL", url)
    engine = create_engine(url)
    yield engine
    engine.dispose()


def _rows(engine) -> tuple[int, ...]:
    with engine.connect() as c:
        if not c.execute(text("SELECT to_regclass('public.dataset') IS NOT NULL")).scalar_one():
            return ()
        return tuple(c.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                     for t in ("dataset", "factions", "reports", "places", "control_changes", "revisions", "users",
                               "webhook_endpoints"))


def _edit(folder: Path, name: str, edit) -> None:
    p = folder / name
    doc = json.loads(p.read_text(encoding="utf-8"))
    edit(doc)
    p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


# (file, how to put "\ufffe" in a text, what the problem line names)
DATASET_TEXTS = {
    "dataset-title": ("dataset.json", lambda d: d.update(title_en="Mini\ufffe war"), "dataset.json: dataset: title_en"),
    "faction-name": ("factions.json", lambda d: d[2].update(name_ar="الأخضر\ufffe"), "factions.json: faction 2 (green): name_ar"),
    "report-title": ("reports.json", lambda d: d[1].update(title="Report\ufffe two"), "reports.json: report 1 (r2): title"),
    "change-summary": ("geojson/changes.geojson", lambda d: d["features"][3]["properties"].update(summary_en="red\ufffe takes"),
                       "geojson/changes.geojson: feature 3 (d2-red-middle): summary_en"),
    "place-variant": ("geojson/places.geojson", lambda d: d["features"][0]["properties"].update(variants=["Mid\ufffeville"]),
                      "geojson/places.geojson: feature 0"),
}


@pytest.mark.parametrize("case", sorted(DATASET_TEXTS))
def test_loading_a_data_set_follows_the_rule(cli_db, tmp_path, capsys, case):
    name, edit, where = DATASET_TEXTS[case]
    folder = tmp_path / "war"
    shutil.copytree(FIXTURES / "mini", folder)
    _edit(folder, name, edit)
    with pytest.raises(loader.LoadError) as exc:
        loader.validate(folder)
    assert where in exc.value.message and f"contains U+FFFE at position" in exc.value.message
    assert cli.main(["load", str(folder)]) == 1
    err = capsys.readouterr().err
    assert where in err and RULE in err
    assert _rows(cli_db)[:1] == (0,)  # nothing loaded


def test_cli_commands_follow_the_rule(cli_db, tmp_path, capsys, monkeypatch):
    assert cli.main(["load", str(FIXTURES / "mini")]) == 0
    capsys.readouterr()
    before = _rows(cli_db)

    monkeypatch.setattr("sys.stdin", io.StringIO("long enough password\n"))
    assert cli.main(["user", "add", "new\ufffeeditor"]) == 1
    assert refusal("username", "new\ufffeeditor") in capsys.readouterr().err

    secret = "0123456789abcdef\uffff"
    assert cli.main(["webhook", "add", "http://127.0.0.1:9/hook", "--secret", secret, "--allow-private"]) == 1
    assert refusal("secret", secret, "\uffff") in capsys.readouterr().err

    # A snapshot's file name becomes the imported changes' note: a name the rule refuses is refused, naming the file.
    series = tmp_path / "series"
    series.mkdir()
    red = {"type": "FeatureCollection", "features": SNAP["features"][:1]}
    (series / "2024-01-03\ufffe.geojson").write_text(json.dumps(red), encoding="utf-8")
    assert cli.main(["import-snapshots", str(series), "--faction", "red", "--remainder", "blue", "--report", "r1",
                     "--quiet"]) == 1
    err = capsys.readouterr().err
    assert refusal("the file name", "2024-01-03\ufffe.geojson") in err
    assert _rows(cli_db) == before
