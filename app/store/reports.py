"""Statements on reports (the sources changes cite): added by an editor or a load, looked up, exported.

What the public sees of them (only reports cited by a published change) is the read side's query.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

INSERT = text("""
    INSERT INTO reports (key, title, publisher, published_at, url, language, summary, created_by)
    VALUES (:key, :title, :publisher, :published_at, :url, :language, :summary, :created_by)
    RETURNING id, title, publisher, published_at, url, language, summary""")
EXISTING_IDS = text("SELECT id FROM reports WHERE id = ANY(:ids)")
ID_BY_KEY = text("SELECT id FROM reports WHERE key = :key")
FOR_EXPORT = text("SELECT id, key, title, publisher, published_at, url, language, summary FROM reports ORDER BY published_at, id")


def add(session: Session, *, title: str, publisher: str, published_at: datetime, url: str | None, language: str,
           summary: str, key: str | None = None, created_by: int | None = None) -> RowMapping:
    """Store a report; returns its public columns (id, title, publisher, published_at, url, language, summary)."""
    return session.execute(INSERT, {"key": key, "title": title, "publisher": publisher, "published_at": published_at,
                                    "url": url, "language": language, "summary": summary,
                                    "created_by": created_by}).mappings().one()


def existing_ids(session: Session, ids: list[int]) -> set[int]:
    """Those of `ids` that are stored reports."""
    return set(session.execute(EXISTING_IDS, {"ids": list(ids)}).scalars())


def id_by_key(session: Session, key: str) -> int | None:
    return session.execute(ID_BY_KEY, {"key": key}).scalar_one_or_none()


def for_export(session: Session) -> list[RowMapping]:
    return list(session.execute(FOR_EXPORT).mappings())
