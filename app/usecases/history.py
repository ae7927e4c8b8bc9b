"""The edit history for editors: who changed what, when and why, and what each revert took back or restored.

Never public: it names authors and shows editors' notes. Reads only; the statements are app/store/history.py.
"""
from __future__ import annotations

import json

from sqlalchemy.orm import Session

from app.domain.errors import NotFound
from app.domain.times import iso
from app.store import history as store


def _change(c) -> dict:
    return {"id": c["id"], "faction": c["faction"], "at": iso(c["at"]), "confidence": c["confidence"],
            "area_km2": round(float(c["area_km2"]), 3), "summary_en": c["summary_en"], "summary_ar": c["summary_ar"],
            "note": c["note"], "reports": c["reports"], "bbox": [c["minx"], c["miny"], c["maxx"], c["maxy"]],
            "retracted_in": c["retracted_in"], "created_in": c["created_in"]}


def revisions(session: Session, *, limit: int = 100, before: int | None = None) -> list[dict]:
    """The latest revisions, newest first, each with its author, reason, the changes it made (an edit) or took back
    or restored (a revert), whether it is still in effect and which revert undid it."""
    revs = store.revisions(session, limit=limit, before=before)
    # Changes of edit revisions, and those a revert took back or restored; never the (possibly thousands of)
    # changes of the initial load, which the history does not list one by one.
    ids = [r["id"] for r in revs if r["kind"] == "change"]
    extra: list[int] = []
    for r in revs:
        d = r["details"] or {}
        extra += [i for i in (d.get("retracted") or []) + (d.get("restored") or []) if isinstance(i, int)]
    changes = {c["id"]: c for c in store.changes(session, created_in=ids, ids=extra)}
    by_rev: dict[int, list] = {}
    for c in sorted(changes.values(), key=lambda c: (c["at"], c["id"])):
        by_rev.setdefault(c["created_in"], []).append(c)
    targets = {r["id"]: r for r in revs}
    out = []
    for r in revs:
        d = r["details"] or {}
        item = {"id": r["id"], "kind": r["kind"], "created_at": iso(r["created_at"]), "author": r["author"],
                "reason": r["reason"], "reverts_id": r["reverts_id"], "changes": [], "active": False,
                "reverted_by": None}
        if r["kind"] == "change":
            mine = by_rev.get(r["id"], [])
            item["changes"] = [_change(c) for c in mine]
            item["active"] = any(c["retracted_in"] is None for c in mine)
            if mine and not item["active"]:
                item["reverted_by"] = max(c["retracted_in"] for c in mine)
        elif r["kind"] == "revert":
            retracted = [changes[i] for i in d.get("retracted") or [] if i in changes]
            restored = [changes[i] for i in d.get("restored") or [] if i in changes]
            # What the revert reverted: the changes it took back (or gave back, when it undid a revert).
            item["changes"] = [_change(c) for c in retracted or restored]
            item["effect"] = "retracted" if retracted else "restored"
            item["active"] = (any(c["retracted_in"] == r["id"] for c in retracted) if retracted
                              else any(c["retracted_in"] is None for c in restored))
            t = targets.get(r["reverts_id"])
            item["reverts"] = {"id": r["reverts_id"], "kind": t["kind"] if t else None,
                               "summary": (item["changes"][0]["summary_en"] if item["changes"] else "")}
        elif r["kind"] in ("load", "import"):
            item["changes_count"] = d.get("changes")
        out.append(item)
    return out


def change_area(session: Session, change_id: int) -> dict:
    """One change's faction, instant and area (GeoJSON), to show it on the editor's map."""
    row = store.change_geometry(session, change_id)
    if row is None:
        raise NotFound(f"change {change_id} does not exist")
    return {"id": row["id"], "faction": row["faction"], "at": iso(row["at"]), "geometry": json.loads(row["geometry"])}
