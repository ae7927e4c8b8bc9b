"""Issue 25's property: wars on one instance never see each other. Random saves, reverts and snapshot imports are
spread over two wars of one database (the mini data set twice: one war in public, one in its own schema); each
step is also made in a database holding that war alone. After every step, every public response of each war is
byte for byte what the database holding it alone answers (same revisions, same ETags)."""
from __future__ import annotations

import json
import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from app import cli
from app.cli.common import session_scope
from app.usecases import accounts as auth
from app.usecases import archive
from app.usecases import load as loader
from tests.conftest import EDITOR, FIXTURES, LiveServer, _create_database, drop_database, login

PREFIX = os.environ.get("FRONTLINE_TEST_DB", "frontline_test")
START = datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=3)))
AT = ["2024-01-01T12:00:00%2B03:00", "2024-01-02T18:00:00%2B03:00", "2024-01-04T20:00:00%2B03:00"]
PUBLIC = ["/api/timeline", "/api/factions", "/api/reports", "/api/areas.csv", *(f"/api/snapshot?at={t}" for t in AT),
          f"/api/diff?from={AT[0]}&to={AT[2]}", f"/api/snapshot.kml?at={AT[1]}"]


def _db(base_settings, name: str, wars: list[str]) -> str:
    url = _create_database(base_settings.database_url, f"{PREFIX}_prop_{name}")
    s = base_settings.model_copy(update={"database_url": url})
    cli.migrate(s)
    for i, war in enumerate(wars):
        if i:
            from app.store import wars as war_store

            with session_scope(s) as ses:
                war_store.create(ses, war)
                ses.commit()
        with session_scope(s, war if i else None) as ses:
            loader.load(ses, FIXTURES / "mini")
            ses.commit()
    with session_scope(s) as ses:
        auth.add_user(ses, *EDITOR, "editor", [w if i else "mini" for i, w in enumerate(wars)])
    return url


@pytest.fixture(scope="module")
def servers(base_settings):
    urls = {"both": _db(base_settings, "both", ["mini", "second"]), "mini": _db(base_settings, "mini_alone", ["mini"]),
            "second": _db(base_settings, "second_alone", ["mini"])}
    live = {k: LiveServer(base_settings.model_copy(update={"database_url": u, "revision_poll_seconds": 0.2, "tile_url": "",
                                                             "render_rate_per_minute": 0}))
            for k, u in urls.items()}
    yield live
    for srv in live.values():
        srv.stop()
    for u in urls.values():
        drop_database(base_settings.database_url, u)


def _targets(servers, war):
    """(server, war= value) pairs where a step on `war` is made: the shared database and the one holding it alone."""
    return [(servers["both"], None if war == "mini" else "second"), (servers[war], None)]


def _params(war):
    return {"war": war} if war else {}


def _save(srv, war, spec):
    x, y, faction, hours = spec
    with srv.client() as c:
        c.headers["X-CSRF-Token"] = login(c, EDITOR)
        base = c.get("/api/timeline", params=_params(war)).json()["revision"]
        at = (START + timedelta(hours=hours)).isoformat()
        r = c.post("/api/changes", params=_params(war), json={
            "faction": faction, "at": at, "confidence": "claimed", "report_ids": [1], "base_revision": base,
            "confirm_large": True, "confirm_adds_source": True,  # random squares: some large, some changing nothing
            "summary_en": "property test", "geometry": {"type": "Polygon", "coordinates": [[
                [x, y], [x + 0.2, y], [x + 0.2, y + 0.2], [x, y + 0.2], [x, y]]]}})
        return r.status_code, r.json().get("message") if r.status_code >= 400 else None


def _revert(srv, war):
    with srv.client() as c:
        c.headers["X-CSRF-Token"] = login(c, EDITOR)
        base = c.get("/api/timeline", params=_params(war)).json()["revision"]
        revs = c.get("/api/revisions", params={**_params(war), "limit": 5}).json()
        target = next((r["id"] for r in revs if r.get("kind") in ("change", "import")), None)
        if target is None:
            return None, None
        r = c.post(f"/api/revisions/{target}/revert", params=_params(war), json={"base_revision": base, "reason": "property"})
        return r.status_code, r.json().get("message") if r.status_code >= 400 else None


def _import(srv, war, spec, tmp: Path):
    x, y, faction, days = spec
    folder = tmp / f"snap-{time.monotonic_ns()}"
    folder.mkdir()
    day = (START + timedelta(days=days)).date()
    (folder / f"{day.isoformat()}.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[
            [x, y], [x + 0.3, y], [x + 0.3, y + 0.3], [x, y + 0.3], [x, y]]]}}]}))
    opts = archive.ImportOptions(faction=faction, remainder="contested", report="r1")
    try:
        with session_scope(srv.settings, war) as ses:
            s = archive.import_snapshots(ses, folder, opts, readers=None)
        return "ok", s.changes
    except Exception as e:  # the same refusal must happen on both sides
        return "refused", getattr(e, "message", str(e))


def _settled(srv, war):
    """The server's answer once it has heard of the database's latest revision."""
    with srv.client() as c:
        deadline = time.monotonic() + 10
        want = c.get("/api/health", params=_params(war)).json()["revision"]
        while c.get("/api/timeline", params=_params(war)).json()["revision"] < want and time.monotonic() < deadline:
            time.sleep(0.05)


def _responses(srv, war):
    _settled(srv, war)
    with srv.client() as c:
        out = {}
        for p in PUBLIC:
            r = c.get(p, params=_params(war), headers={"Accept-Encoding": "identity"})
            out[p] = (r.status_code, r.headers.get("etag"), r.content)
        return out


point = st.tuples(st.floats(36.05, 37.7).map(lambda v: round(v, 2)), st.floats(35.05, 36.7).map(lambda v: round(v, 2)),
                  st.sampled_from(["red", "blue", "green", "contested"]))
step = st.one_of(
    st.tuples(st.just("save"), st.sampled_from(["mini", "second"]), point.flatmap(lambda p: st.integers(0, 95).map(lambda h: (*p, h)))),
    st.tuples(st.just("revert"), st.sampled_from(["mini", "second"]), st.none()),
    st.tuples(st.just("import"), st.sampled_from(["mini", "second"]), point.flatmap(lambda p: st.integers(0, 3).map(lambda d: (*p, d)))),
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=4))
def test_each_war_answers_as_if_it_were_alone(servers, tmp_path, steps):
    for kind, war, spec in steps:
        outcomes = []
        for srv, w in _targets(servers, war):
            if kind == "save":
                outcomes.append(_save(srv, w, spec))
            elif kind == "revert":
                outcomes.append(_revert(srv, w))
            else:
                outcomes.append(_import(srv, w, spec, tmp_path))
        assert outcomes[0] == outcomes[1], (kind, war, outcomes)
        for w in ("mini", "second"):
            shared = _responses(servers["both"], None if w == "mini" else "second")
            alone = _responses(servers[w], None)
            diff = [p for p in PUBLIC if shared[p] != alone[p]]
            assert not diff, f"after {kind} in {war}, the war {w} answers differently at {diff}"
