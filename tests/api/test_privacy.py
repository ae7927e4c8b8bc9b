"""Nothing public identifies an editor: an editors' note and the editors' user names appear in no public
response. Every public GET route is found from the app's own OpenAPI description (so a route added later,
such as a windowed sibling of /api/timeline, is checked without editing this file), asked live and pinned
to the revision, plus the public pages and the static site written by `frontline bake`."""
from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import PROJECT_ROOT
from tests.conftest import ADMIN, EDITOR, login

NOTE = "NOTE-a7c19 the source is a cousin in Hreitan"   # what an editor tells other editors only
REVERT_REASON = "REASON-5be02 wrong village, my mistake"
SUMMARY = "Green takes the hill south of the river"
SECRETS = [NOTE, "NOTE-a7c19", EDITOR[0], ADMIN[0]]
# Keys that would carry who did it, or the private text, in a JSON response.
PRIVATE_KEYS = {"note", "notes", "author", "author_id", "user", "username", "user_id", "created_by", "editor"}
# Editor-only and account routes: signed in, never public.
PRIVATE_PREFIXES = ("/api/editor", "/api/admin", "/api/me")
PAGES = ["/", "/?lang=ar", "/embed", "/embed?lang=ar", "/embed?controls=0&legend=1", "/robots.txt", "/login"]
T = "2024-01-02T00:00:00+03:00"
T2 = "2024-01-04T12:00:00+03:00"
VALUES = {"i": 0, "at": T, "from": "2024-01-01T00:00:00+03:00", "to": T2, "t": T, "lat": 36.1, "lon": 36.75,
          "datetime": T, "q": "a", "layer": None, "collection_id": "control_zones", "item_id": None,
          "width": 320, "height": 240, "step": "P1D", "fps": 2, "limit": 500}


def rect(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


@pytest.fixture(scope="module")
def published(live_mini):
    """Two editors' work on the mini data set: a change with a private note (by editor1) and a revert of
    another change (by admin1) with a reason of its own."""
    live_mini.reset()
    with live_mini.client() as ed, live_mini.client() as adm:
        ed.headers["X-CSRF-Token"] = login(ed, EDITOR)
        adm.headers["X-CSRF-Token"] = login(adm, ADMIN)
        rev = ed.get("/api/timeline").json()["revision"]
        r = ed.post("/api/changes", json={"faction": "green", "at": T, "geometry": rect(36.7, 36.0, 36.9, 36.2),
                                          "confidence": "claimed", "report_ids": [1], "note": NOTE,
                                          "summary_en": SUMMARY, "base_revision": rev, "confirm_large": True})
        assert r.status_code == 201, r.text
        r2 = adm.post("/api/changes", json={"faction": "blue", "at": T, "geometry": rect(36.55, 35.6, 36.65, 35.7),
                                            "report_ids": [1], "note": NOTE, "summary_en": "Blue pushes west",
                                            "base_revision": r.json()["revision"], "confirm_large": True})
        assert r2.status_code == 201, r2.text
        r3 = adm.post(f"/api/revisions/{r2.json()['revision']}/revert",
                      json={"base_revision": r2.json()["revision"], "reason": REVERT_REASON})
        assert r3.status_code == 200, r3.text
        last = r3.json()["revision"]
    live_mini.readmodel.refresh()
    yield {"revision": last, "change_revision": r.json()["revision"]}
    live_mini.reset()


def _public_gets(server) -> list[str]:
    """Every public GET URL of the API, with its required parameters filled in."""
    with server.client() as c:
        spec = c.get("/openapi.json").json()
        layers = ["borders", "rivers", "places"]
        items = c.get("/ogc/collections/control_zones/items", params={"limit": 5, "f": "json"}).json()
        item_ids = [f["id"] for f in items.get("features", [])][:2]
    urls = []
    for path, ops in spec["paths"].items():
        if "get" not in ops or path.startswith(PRIVATE_PREFIXES):
            continue
        params = ops["get"].get("parameters", [])
        missing = [p["name"] for p in params if p.get("required") and p["name"] not in VALUES]
        assert not missing, f"{path}: give the privacy test a value for {missing}"
        expansions = [{}]
        if "{layer}" in path:
            expansions = [{"layer": x} for x in layers]
        if "{item_id}" in path:
            expansions = [{"item_id": i} for i in item_ids]
        for exp in expansions:
            p = path
            for k, v in {**VALUES, **exp}.items():
                if v is not None:
                    p = p.replace("{" + k + "}", str(v))
            query = {p_["name"]: VALUES[p_["name"]] for p_ in params
                     if p_["in"] == "query" and (p_.get("required") or p_["name"] in ("limit", "lat", "lon"))}
            urls.append((p, query))
            names = {p_["name"] for p_ in params}
            if "f" in names:  # the OGC pages come as JSON and as HTML
                urls.append((p, {**query, "f": "html"}))
            if "download" in names:
                urls.append((p, {**query, "download": 1}))
    return urls


def _scan(where: str, body: bytes, problems: list[str]):
    text = body.decode("utf-8", "replace")
    for s in SECRETS:
        if s in text:
            i = text.index(s)
            problems.append(f"{where}: contains {s!r} … {text[max(0, i - 80):i + 80]!r}")
    try:
        doc = json.loads(text)
    except ValueError:
        return

    def walk(o, trail):
        if isinstance(o, dict):
            for k, v in o.items():
                if k in PRIVATE_KEYS and v not in (None, "", [], {}):
                    problems.append(f"{where}: private key {'.'.join(trail + [k])} = {str(v)[:60]!r}")
                walk(v, trail + [k])
        elif isinstance(o, list):
            for v in o[:5000]:
                walk(v, trail)
    walk(doc, [])


def test_no_public_response_carries_a_note_or_a_user_name(live_mini, published):
    urls = _public_gets(live_mini)
    assert any(u.startswith("/api/revisions") for u, _ in urls) and any(u.startswith("/ogc/") for u, _ in urls)
    problems: list[str] = []
    asked = 0
    with live_mini.client() as anon:  # signed out: what the public sees
        for path, query in urls:
            for q in (query, {**query, "rev": published["revision"]}, {**query, "rev": published["change_revision"]}):
                r = anon.get(path, params=q)
                assert r.status_code < 500, f"{path} {q}: {r.status_code}"
                if r.status_code == 422 and "rev" in q:
                    continue  # a route that takes no rev
                asked += 1
                _scan(f"GET {path} {q}", r.content, problems)
        for page in PAGES:
            r = anon.get(page)
            assert r.status_code == 200, page
            _scan(f"GET {page}", r.content, problems)
    assert asked > 40
    routes = sorted({p.split(" ")[1] for p in problems})
    assert not problems, (f"private data in the public responses of {routes}:\n" + "\n".join(problems[:40]))


def test_revert_reasons_are_not_published_either(live_mini, published):
    """A revert's reason is an editor's words about their own work, like a note."""
    problems: list[str] = []
    with live_mini.client() as anon:
        for path, query in _public_gets(live_mini):
            r = anon.get(path, params=query)
            if REVERT_REASON in r.text:
                problems.append(f"GET {path} {query}")
    assert not problems, "the revert reason is public in:\n" + "\n".join(problems)


def test_the_baked_site_carries_no_note_or_user_name(live_mini, published, tmp_path):
    exe = Path(sys.executable).with_name("frontline")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "app.cli"]
    env = {**os.environ, "DATABASE_URL": live_mini.settings.database_url, "TILE_URL": ""}
    out = tmp_path / "site"
    r = subprocess.run([*cmd, "bake", str(out)], capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    files = [f for f in out.rglob("*") if f.is_file()]
    assert len(files) > 10
    problems: list[str] = []
    for f in files:
        data = f.read_bytes()
        if f.suffix == ".gz":
            data = gzip.decompress(data)
        elif f.suffix == ".br":
            try:
                import brotli
            except ImportError:
                continue  # the same bytes are written uncompressed and as .gz beside it
            data = brotli.decompress(data)
        _scan(str(f.relative_to(out)), data, problems)
    assert not problems, "private data in the baked site:\n" + "\n".join(problems[:50])
