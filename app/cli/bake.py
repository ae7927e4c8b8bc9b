"""`frontline bake OUT/`: the public side of the current revision as static files for a CDN or object store.

Layout (revision-pinned paths can be cached forever; only `latest.json` and `index.html` expire):

    OUT/latest.json                  {"revision": N, "viewer": "r/N/index.html", "embed": "r/N/embed/index.html"}
    OUT/index.html                   points at the latest revision's viewer
    OUT/shared/static/..., shared/vendor/...   the front end (content checked, rewritten only when changed)
    OUT/shared/api/basemap/*.json    base geography
    OUT/r/N/index.html, r/N/embed/index.html   the pages, configured for static files
    OUT/r/N/api/timeline.json        the timeline index (instants, areas, windows; no geometry), as /api/timeline
    OUT/r/N/api/window/<i>.json      each window (keyframe + deltas), as /api/timeline/window?i=<i>
    OUT/r/N/api/factions.json, reports.json, areas.csv
    OUT/r/N/manifest.json            revision, files and their SHA-256

Several wars: the default war is baked into OUT/ as above and every other war into OUT/w/SLUG/ (the same layout,
its own revisions); OUT/wars.json lists them. `--war SLUG` bakes one war.

Every JSON/CSV/HTML/JS/CSS file gets precompressed `.gz` and `.br` siblings. The responses are produced by the
app itself (in-process), so the baked files are byte for byte what the server would answer.
"""
from __future__ import annotations

import brotli
import gzip
import hashlib
import html
import json
import re
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from app import PROJECT_ROOT
from app.cli.common import check_database
from app.platform.config import load_settings

COMPRESS = {".json", ".csv", ".html", ".js", ".css", ".svg", ".geojson"}


class Writer:
    def __init__(self, out: Path):
        self.out = out
        self.written = 0
        self.skipped = 0
        self.files: dict[str, str] = {}

    def put(self, rel: str, data: bytes) -> None:
        path = self.out / rel
        digest = hashlib.sha256(data).hexdigest()
        self.files[rel] = digest
        if path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == digest:
            self.skipped += 1
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if path.suffix in COMPRESS:
            Path(str(path) + ".gz").write_bytes(gzip.compress(data, 9, mtime=0))
            Path(str(path) + ".br").write_bytes(brotli.compress(data, quality=11))
        self.written += 1


def _rewrite_page(page: str, depth: int, urls: dict) -> str:
    """Point the page's assets at shared/ and its config at the static files, relative to where it lives."""
    up = "../" * depth
    page = page.replace('"/vendor/', f'"{up}../../shared/vendor/').replace('"/static/', f'"{up}../../shared/static/')
    page = page.replace('href="/"', f'href="{up}index.html"')
    m = re.search(r"data-config='([^']*)'", page)
    if m:
        cfg = json.loads(html.unescape(m.group(1)))
        cfg["static"] = True
        cfg["urls"] = {k: up + v for k, v in urls.items()}
        page = page[:m.start(1)] + html.escape(json.dumps(cfg, ensure_ascii=False), quote=True) + page[m.end(1):]
    return page


class _WarClient:
    """A test client whose every request names the war (`war=SLUG`; pages under /w/SLUG/)."""

    def __init__(self, client, war: str):
        self.client, self.war = client, war

    def get(self, path: str, params: dict | None = None):
        if path == "/" or path == "/embed":
            return self.client.get(f"/w/{self.war}{path}", params=params)
        return self.client.get(path, params={**(params or {}), "war": self.war})


def _ok(resp):
    resp.raise_for_status()
    return resp


def bake(app, out: Path, progress: Callable[[int, int, str], None] | None = None, *, war: str | None = None,
         client=None) -> dict:
    """Bake one war (`war`: its slug; None: the default war) into `out`."""
    from contextlib import nullcontext

    from fastapi.testclient import TestClient

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    w = Writer(out)
    with (nullcontext(client) if client is not None else TestClient(app)) as client:
        if war:
            client = _WarClient(client, war)
        tl_resp = client.get("/api/timeline")
        tl_resp.raise_for_status()
        tl = tl_resp.json()
        rev = tl["revision"]
        base = f"r/{rev}/"
        instants = tl["instants"]
        jobs: list[tuple[str, Callable[[], bytes]]] = [
            (base + "api/timeline.json", lambda: tl_resp.content),
            (base + "api/factions.json", lambda: client.get("/api/factions", params={"rev": rev}).content),
            (base + "api/reports.json", lambda: client.get("/api/reports", params={"rev": rev}).content),
            (base + "api/areas.csv", lambda: client.get("/api/areas.csv", params={"rev": rev}).content),
        ]
        # The windows the pages load (the same bytes as the API's); a window inlined in the index is written too,
        # so every window has its file whatever the index carries.
        for win in tl.get("windows", []):
            jobs.append((base + f"api/window/{win['i']}.json",
                         lambda i=win["i"]: _ok(client.get("/api/timeline/window", params={"i": i, "rev": rev})).content))
        for layer in ("countries", "governorates", "rivers", "places"):
            jobs.append((f"shared/api/basemap/{layer}.json", lambda layer=layer: client.get(f"/api/basemap/{layer}").content))
        urls = {"timeline": "api/timeline.json", "factions": "api/factions.json", "reports": "api/reports.json",
                "csv": "api/areas.csv", "window": "api/window/{i}.json", "basemap": "../../shared/api/basemap/{layer}.json",
                "viewer": "index.html", "embed": "embed/index.html", "embedScript": "../../shared/static/js/embed-loader.js"}
        jobs.append((base + "index.html", lambda: _rewrite_page(client.get("/").text, 0, urls).encode()))
        jobs.append((base + "embed/index.html", lambda: _rewrite_page(client.get("/embed").text, 1, urls).encode()))
        for src, dst in ((PROJECT_ROOT / "static", "shared/static"),
                         (PROJECT_ROOT / "node_modules" / "leaflet" / "dist", "shared/vendor/leaflet")):
            # The public side only: the editor's modules and styles stay on the app server.
            for f in sorted(p for p in src.rglob("*") if p.is_file() and not p.name.endswith((".map", ".gz", ".br"))
                            and not p.name.startswith("editor")):
                jobs.append((f"{dst}/{f.relative_to(src).as_posix()}", lambda f=f: f.read_bytes()))
        for n, (rel, make) in enumerate(jobs, 1):
            w.put(rel, make())
            if progress:
                progress(n, len(jobs), rel)
    manifest = {"revision": rev, "instants": instants, "files": dict(sorted(w.files.items()))}
    w.put(base + "manifest.json", json.dumps(manifest, indent=1).encode())
    latest = {"revision": rev, "baked_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "viewer": base + "index.html", "embed": base + "embed/index.html", "manifest": base + "manifest.json"}
    (out / "latest.json").write_text(json.dumps(latest))
    (out / "index.html").write_text(f'<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0; url={base}index.html">'
                                    f'<title>Frontline</title><a href="{base}index.html">Frontline, revision {rev}</a>\n')
    return {"revision": rev, "written": w.written, "unchanged": w.skipped, "files": len(w.files)}


def cmd_bake(args) -> int:
    from app.main import create_app

    s = load_settings()
    check_database(s)

    def bar(done, total, name):
        n = int(30 * done / total)
        print(f"\r[{'#' * n}{'.' * (30 - n)}] {done}/{total} {name[-40:]:<40}", end="" if done < total else "\n",
              file=sys.stderr, flush=True)
    from fastapi.testclient import TestClient

    # The bake builds every window itself, in order: no background builder beside it.
    app = create_app(s.model_copy(update={"tile_url": s.tile_url, "prebuild_windows": False}))
    root = Path(args.out)
    with TestClient(app) as client:
        wars = client.get("/api/wars").json()
        if args.war and args.war not in {w["slug"] for w in wars}:
            print(f"frontline bake: there is no war {args.war!r} (wars: {', '.join(w['slug'] for w in wars)})", file=sys.stderr)
            return 1
        chosen = [w for w in wars if not args.war or w["slug"] == args.war] or [None]
        baked = []
        for w in chosen:
            default = w is None or w["default"]
            where = root if default else root / "w" / w["slug"]
            out = bake(app, where, bar, war=None if default else w["slug"], client=client)
            print(f"baked {'the default war' if default else 'the war ' + w['slug']} (revision {out['revision']}) into "
                  f"{where}: {out['written']} files written, {out['unchanged']} unchanged")
            if w is not None:
                baked.append({"slug": w["slug"], "title_en": w["title_en"], "title_ar": w["title_ar"], "status": w["status"],
                              "revision": out["revision"], "path": "" if default else f"w/{w['slug']}/"})
    if len(baked) > 1:
        (root / "wars.json").write_text(json.dumps(baked, ensure_ascii=False, indent=1))
    return 0


def add_bake(sub) -> None:
    bk = sub.add_parser("bake", help="write the public site of the current revision as static files")
    bk.add_argument("out")
    bk.add_argument("--war", metavar="SLUG", help="bake this war only (default: every war; others than the default under OUT/w/SLUG/)")
    bk.set_defaults(func=cmd_bake)


PARSERS = {"bake": add_bake}
