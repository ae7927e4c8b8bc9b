"""Backups hold every table: the tables of an export are the schema's (read from the migrated database, not from
the models) less the ones app/store/backup.py documents as skipped; export, then import into an empty database,
and the public responses are byte for byte the same, and so are the webhooks (endpoints, filters, secrets and
the delivery queue)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import httpx
import psycopg
import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from app.store import backup
from app.usecases import webhooks
from tests.conftest import LiveServer, _create_database, drop_database, login, plain_url

PREFIX = os.environ.get("FRONTLINE_TEST_DB", "frontline_test")
SECRETS = ("a-webhook-secret-of-some-length", "another-secret-0123456789abcdef")
# Sent to both servers, so the absolute links of the feeds and of OGC API pages are the same.
HOST = "frontline.test"
PUBLIC = [
    "/api/timeline",
    "/api/snapshot?at=2024-11-27T12:00:00%2B03:00",
    "/api/snapshot?at=2024-11-29T12:00:00%2B03:00",
    "/api/snapshot?at=2024-12-02T23:00:00%2B03:00",
    "/api/snapshot?at=2024-11-29T12:00:00%2B03:00&rev=1",  # revision-pinned: the rows the change replaced
    "/api/changes.atom",
    "/ogc/collections/control_zones/items",
    "/ogc/collections/control_zones/items?datetime=2024-11-30T12:00:00%2B03:00",
    "/api/reports",
]


# OGC API - Features stamps an items page with the time it was answered (two requests to one server differ);
# everything else in a response comes from the data.
TIMESTAMP = re.compile(rb'"timeStamp":"[^"]*"')


def _settled(body: bytes) -> bytes:
    return TIMESTAMP.sub(b'"timeStamp":"..."', body, count=1)


def _cli(args, url):
    return subprocess.run([sys.executable, "-m", "app.cli", *args], env={**os.environ, "DATABASE_URL": url},
                          capture_output=True, text=True, timeout=300)


def _schema_tables(url: str) -> set[str]:
    with psycopg.connect(plain_url(url)) as c:
        return {r[0] for r in c.execute("""SELECT table_name FROM information_schema.tables
                                           WHERE table_schema = 'public' AND table_type = 'BASE TABLE'""")}


def _rows(url: str, table: str) -> list[str]:
    with psycopg.connect(plain_url(url)) as c:
        return [r[0] for r in c.execute(f'SELECT row_to_json(t)::text FROM "{table}" t ORDER BY id')]


def test_an_export_holds_every_table_of_the_schema_but_the_documented_skips(seed_url, tmp_path):
    out = tmp_path / "export.jsonl"
    run = _cli(["export", str(out)], seed_url)
    assert run.returncode == 0, run.stderr
    exported = backup.read(out)["tables"]
    schema = _schema_tables(seed_url)
    # every skip is documented with its reason, and names a table that exists
    assert set(backup.SKIPPED) <= schema, set(backup.SKIPPED) - schema
    assert all(backup.SKIPPED.values())
    assert sorted(exported) == sorted(schema - set(backup.SKIPPED)), (
        f"missing from the export: {sorted(schema - set(backup.SKIPPED) - set(exported))}; "
        f"exported but not in the schema: {sorted(set(exported) - schema)}")
    assert {"webhook_endpoints", "webhook_deliveries"} <= set(exported)
    # and every table's rows are there, once
    seen = [name for name, _, _ in backup.batches(out)]
    assert set(seen) <= set(exported)


@pytest.fixture
def restored_server(base_settings):
    """A live server (real HTTP) on an empty database, for the test to import into before starting it."""
    url = _create_database(base_settings.database_url, f"{PREFIX}_restore_tables")
    servers = []

    def start():
        s = base_settings.model_copy(update={"database_url": url, "revision_poll_seconds": 0.5, "tile_url": "",
                                             "render_rate_per_minute": 0})
        servers.append(LiveServer(s))
        return servers[-1]
    start.url = url
    yield start
    for srv in servers:
        srv.stop()
    drop_database(base_settings.database_url, url)


def test_export_then_import_into_an_empty_database_serves_the_same_bytes_and_webhooks(seed_server, restored_server,
                                                                                      tmp_path):
    src = seed_server.settings.database_url
    engine = create_engine(src)
    try:
        with Session(engine) as s:
            # Closed loopback ports: the source's worker may try them; nothing leaves the machine.
            webhooks.add_endpoint(s, "http://127.0.0.1:9/hook?x=1", SECRETS[0], allow_private=True)
            webhooks.add_endpoint(s, "http://127.0.0.1:9/other", SECRETS[1], factions=["sdf", "hts"],
                                  place="aleppo", km=25.0, allow_private=True)
            s.commit()
    finally:
        engine.dispose()
    # History: a change after the load, so revision-pinned rows exist and a delivery is queued.
    with seed_server.client() as c:
        c.headers["X-CSRF-Token"] = login(c)
        rev = c.get("/api/timeline").json()["revision"]
        rid = c.get("/api/reports").json()[0]["id"]
        r = c.post("/api/changes", json={"confirm_large": True, "faction": "sdf", "at": "2024-11-29T10:00:00+03:00", "confidence": "claimed",
                                         "geometry": {"type": "Polygon", "coordinates": [[[37.30, 36.30], [37.35, 36.30], [37.35, 36.35], [37.30, 36.35], [37.30, 36.30]]]},
                                         "report_ids": [rid], "note": "backup tables", "summary_en": "Backup tables",
                                         "base_revision": rev})
        assert r.status_code == 201, r.text

    out = tmp_path / "export.jsonl.gz"
    run = _cli(["export", str(out)], src)
    assert run.returncode == 0, run.stderr
    run = _cli(["import", str(out)], restored_server.url)
    assert run.returncode == 0, run.stderr
    assert "webhook_endpoints" in run.stdout and "webhook_deliveries" in run.stdout

    # The same webhooks: every column of every endpoint (URL, filters, secret, flags, created_at) ...
    endpoints = _rows(src, "webhook_endpoints")
    assert len(endpoints) == 2 and {json.loads(e)["secret"] for e in endpoints} == set(SECRETS)
    assert _rows(restored_server.url, "webhook_endpoints") == endpoints
    # ... and the delivery queue as the file holds it (the source's worker may have tried a delivery since).
    in_file = [row for name, _, rows in backup.batches(out) if name == "webhook_deliveries" for row in rows]
    assert in_file, "the change should have queued a delivery"
    restored = _rows(restored_server.url, "webhook_deliveries")
    assert [json.loads(r) for r in restored] == [json.loads(r) for r in in_file]
    ident = lambda rows: [(d["id"], d["endpoint_id"], d["revision_id"], d["created_at"]) for d in map(json.loads, rows)]
    assert ident(restored) == ident(_rows(src, "webhook_deliveries"))

    # Byte-identical public responses, over HTTP, from the source's server and one on the restored database.
    target = restored_server()
    with httpx.Client(base_url=seed_server.url, timeout=60, headers={"Host": HOST}) as a, \
            httpx.Client(base_url=target.url, timeout=60, headers={"Host": HOST}) as b:
        for path in PUBLIC:
            ra, rb = a.get(path), b.get(path)
            assert ra.status_code == 200, (path, ra.status_code, ra.text[:300])
            assert (rb.status_code, rb.headers.get("content-type"), rb.headers.get("etag")) == \
                (ra.status_code, ra.headers.get("content-type"), ra.headers.get("etag")), path
            assert _settled(rb.content) == _settled(ra.content), f"{path} differs after export and import"

    # The restored sequences go on after the imported ids: a new endpoint does not collide.
    engine = create_engine(restored_server.url)
    try:
        with Session(engine) as s:
            eid = webhooks.add_endpoint(s, "http://127.0.0.1:9/new", SECRETS[0], allow_private=True)
            s.rollback()
    finally:
        engine.dispose()
    assert eid == max(json.loads(e)["id"] for e in endpoints) + 1


def test_an_import_into_a_database_holding_a_webhook_endpoint_is_refused(base_settings, seed_url, tmp_path):
    out = tmp_path / "export.jsonl"
    assert _cli(["export", str(out)], seed_url).returncode == 0
    url = _create_database(base_settings.database_url, f"{PREFIX}_restore_not_empty")
    assert _cli(["migrate"], url).returncode == 0
    with psycopg.connect(plain_url(url)) as c:
        c.execute("INSERT INTO webhook_endpoints (url, secret) VALUES ('http://127.0.0.1:9/x', %s)", (SECRETS[0],))
    run = _cli(["import", str(out)], url)
    assert run.returncode == 1 and "already holds rows in webhook_endpoints" in run.stderr, run.stderr
    with psycopg.connect(plain_url(url)) as c:
        assert c.execute("SELECT count(*) FROM dataset").fetchone()[0] == 0
    drop_database(base_settings.database_url, url)
