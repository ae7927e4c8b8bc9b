"""Publishing a revision: the commit, then telling this process's readers that the revision exists.

Every use case that makes a revision (record, revert, upload, import) ends with `publish()`, and takes the
readers as a required keyword argument: a route cannot call it and forget them. `readers` is the app's read
model (anything with `note_write(rev)`), or None where no reader lives in this process (the CLI, a test's
bare session): other processes learn of the revision from the database's NOTIFY and their poll.
"""
from __future__ import annotations

import logging
from typing import Protocol

from sqlalchemy.orm import Session

log = logging.getLogger("frontline")


class Readers(Protocol):
    def note_write(self, rev: int) -> None:
        """Revision `rev` was just committed on the primary."""


def publish(session: Session, rev: int, readers: Readers | None) -> None:
    """Commit the unit of work that made revision `rev`, then tell `readers` (never raises once committed:
    the readers also find the revision on their own)."""
    session.commit()
    if readers is None:
        return
    try:
        readers.note_write(rev)
    except Exception as e:  # the revision is published; a reader's next poll picks it up
        log.warning("telling the readers of revision %s failed: %s", rev, e.__class__.__name__)
