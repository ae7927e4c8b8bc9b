"""Adding a report (a source changes cite) from the editor: one transaction, one commit.

Nothing public changes when a report is added: public responses list only the reports a published change
cites (app/read/model.py), so no reader needs telling.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.domain.times import iso
from app.store import reports as store


@dataclass
class ReportInput:
    title: str
    publisher: str
    published_at: datetime
    url: str | None
    language: str
    summary: str


def add_report(session: Session, data: ReportInput, *, author_id: int) -> dict:
    """Store an editor's report and commit; returns it as the API shows it."""
    row = store.add(session, title=data.title.strip(), publisher=data.publisher.strip(),
                    published_at=data.published_at, url=data.url, language=data.language, summary=data.summary,
                    created_by=author_id)
    session.commit()
    return {**dict(row), "published_at": iso(row["published_at"])}
