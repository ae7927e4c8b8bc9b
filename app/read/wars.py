"""The wars an app process serves: for each, its sessions and its read model (its own revisions and caches).

The list is read from the database at start-up and again when a request names a war this process does not know
yet (at most once a second), so `frontline war add` on a running instance needs no restart. A war's read model
is built when it is first asked for. Requests say which war with `war=SLUG` (app/api/deps.py) or the page path
`/w/SLUG/`; without either they get the default war, so every URL of a one-war instance keeps working.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import parse_qs

from sqlalchemy.orm import sessionmaker

from app.domain.errors import NotFound
from app.read.model import ReadModel
from app.store import wars as store
from app.store.db import Database


@dataclass
class War:
    schema: str
    id: int | None
    slug: str | None
    is_default: bool
    Session: sessionmaker
    ReadSession: sessionmaker
    readmodel: ReadModel
    extra: dict = field(default_factory=dict)  # what other parts keep per war (the webhook worker)


class Wars:
    def __init__(self, db: Database, make_readmodel: Callable[[sessionmaker], ReadModel], *, reload_seconds: float = 1.0):
        self.db, self.make_readmodel, self.reload_seconds = db, make_readmodel, reload_seconds
        self._by_schema: dict[str, War] = {}
        self._by_slug: dict[str, War] = {}
        self._default: War | None = None
        self._loaded_at = 0.0
        self._lock = threading.Lock()
        self._started = False
        self.on_new: list[Callable[[War], None]] = []

    def _handle(self, schema: str) -> War:
        war = self._by_schema.get(schema)
        if war is None:
            Session, ReadSession = self.db.war_sessions(schema)
            war = War(schema, None, None, False, Session, ReadSession, self.make_readmodel(ReadSession))
            self._by_schema[schema] = war
            if self._started:
                war.readmodel.refresh()
                war.readmodel.start()
                for f in self.on_new:
                    f(war)
        return war

    def reload(self) -> None:
        """Read the list of wars again (a database that is down keeps the list known)."""
        try:
            with self.db.Session() as s:
                rows = store.all_wars(s)
        except Exception:
            rows = None
        with self._lock:
            self._loaded_at = time.monotonic()
            if rows is None:
                return
            by_slug = {}
            for r in rows:
                war = self._handle(r["schema"])
                war.id, war.slug, war.is_default = r["id"], r["slug"], r["is_default"]
                by_slug[r["slug"]] = war
            self._by_slug = by_slug
            default = next((w for w in by_slug.values() if w.is_default), next(iter(by_slug.values()), None))
            # No war yet: the tables of `public` (where the first load goes) stand for it.
            self._default = default or self._handle(store.PUBLIC)

    def start(self) -> None:
        self.reload()
        self._started = True
        for war in list(self._by_schema.values()):
            war.readmodel.refresh()
            war.readmodel.start()
            for f in self.on_new:
                f(war)

    def stop(self) -> None:
        for war in list(self._by_schema.values()):
            war.readmodel.stop()

    def default(self) -> War:
        if self._default is None:
            self.reload()
        return self._default

    def get(self, slug: str | None) -> War:
        """The war of `slug` (None: the default war); NotFound for a slug no war has."""
        if not slug:
            return self.default()
        war = self._by_slug.get(slug)
        if war is None and time.monotonic() - self._loaded_at >= self.reload_seconds:
            self.reload()
            war = self._by_slug.get(slug)
        if war is None:
            raise NotFound(f"there is no war {slug[:64]!r} here (GET /api/wars lists them)")
        if self._default is not None and self._default.slug is None:
            self.reload()  # the first war just registered in public: the default handle learns its slug
        return war

    def all(self) -> list[War]:
        """Every registered war, in the order of the list."""
        if self._default is None:
            self.reload()
        return list(self._by_slug.values())

    def readmodel_for(self, scope) -> ReadModel | None:
        """The read model a request is for, from its path (`/w/SLUG/...`) or its `war=` parameter, without
        reloading the list (the micro-cache asks this on every request): None when the war is not known yet."""
        path = scope.get("path", "")
        slug = None
        if path.startswith("/w/"):
            slug = path[3:].split("/", 1)[0]
        elif b"war=" in scope.get("query_string", b""):
            values = parse_qs(scope["query_string"].decode("latin-1")).get("war")
            slug = values[-1] if values else None
        if not slug:
            return self._default.readmodel if self._default is not None else None
        war = self._by_slug.get(slug)
        return war.readmodel if war is not None else None
