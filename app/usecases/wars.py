"""The wars of an instance as people see them: the list (`/api/wars`, `/`, `frontline war list`), ending and
reopening a war, and which wars an editor may pick in the editor.

A war's status is `ongoing` (no end: it takes changes up to now, its timeline grows) or `ended` (a period
[start, end)). Ending takes effect at once for editors (a change after the end is refused) and for readers (the
timeline stops at the end): it is a new revision of the war, so its caches move on.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy.orm import Session

from app.domain.errors import BadInput, Conflict, NotFound
from app.domain.times import iso
from app.store import datasets, wars as store
from app.store.changes import new_revision


def describe(session: Session, war: dict) -> dict:
    """One war as `/api/wars` lists it."""
    st = store.status(session, war["schema"]) or {}
    ongoing = bool(st) and st.get("end_at") is None
    return {
        "slug": war["slug"], "default": war["is_default"],
        "title_en": st.get("title_en", war["slug"]), "title_ar": st.get("title_ar", ""),
        "status": ("ongoing" if ongoing else "ended") if st else "empty",
        "start": iso(st.get("start_at")), "end": iso(st.get("end_at")),
        "time_zone": st.get("time_zone") or st.get("tz_label"),
        "last_updated": iso(st.get("updated_at")), "latest_change": iso(st.get("latest_change")),
        "revision": st.get("revision", 0),
        "extent": [st["x0"], st["y0"], st["x1"], st["y1"]] if st else None,
        "viewer": "/" if war["is_default"] else f"/w/{war['slug']}/",
        "embed": "/embed" if war["is_default"] else f"/w/{war['slug']}/embed",
    }


def listing(session: Session) -> list[dict]:
    return [describe(session, w) for w in store.all_wars(session)]


def public_list(registry) -> list[dict]:
    """The list of wars of a running app (its registry, app.read.wars), read on the primary."""
    with registry.default().Session() as s:
        return listing(s)


def editable_by(session: Session, user: dict, registry) -> list[dict]:
    """The wars `user` may edit (every war for an admin): slug, title and the editor's address."""
    mine = None if user["role"] == "admin" else set(store.editor_wars(session).get(user["id"], []))
    out = []
    for w in listing(session):
        if mine is None or w["slug"] in mine:
            out.append({"slug": w["slug"], "title_en": w["title_en"], "title_ar": w["title_ar"], "status": w["status"],
                        "editor": "/editor" if w["default"] else f"/w/{w['slug']}/editor"})
    return out


def end(session: Session, *, at: datetime | None = None, by: int | None = None) -> datetime:
    """End the war the session works in at `at` (default: now). Refused when a published change lies at or after
    it. A new revision; the caller commits."""
    ds = datasets.row(session)
    if ds is None:
        raise NotFound("this war has no data set yet")
    if ds["ended_at"] is not None:
        raise Conflict(f"the war ended already ({iso(ds['ended_at'])}); `frontline war reopen` first")
    at = at or datetime.now(timezone.utc)
    if at <= ds["start_at"]:
        raise BadInput(f"the end must be after the war's start ({iso(ds['start_at'])})")
    last = store.latest_change(session)
    if last is not None and last >= at:
        raise BadInput(f"a change is recorded at {iso(last)}, at or after the end {iso(at)}: end the war later")
    store.set_end(session, at)
    new_revision(session, kind="period", reason=f"war ended at {iso(at)}", author_id=by, details={"end": iso(at)})
    return at


def reopen(session: Session, *, by: int | None = None) -> None:
    """The war goes on again (no end). A new revision; the caller commits."""
    ds = datasets.row(session)
    if ds is None:
        raise NotFound("this war has no data set yet")
    if ds["ended_at"] is None:
        raise Conflict("the war is going on already")
    store.set_end(session, None)
    new_revision(session, kind="period", reason="war reopened", author_id=by, details={"end": None})
