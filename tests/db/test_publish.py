"""A use case that makes a revision tells the readers itself, after its commit (app/usecases/publish.py): the
revision and its publication are there for the next reader without the route doing anything."""
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from app.read.model import ReadModel
from app.usecases import changes as services

SQUARE = {"type": "Polygon", "coordinates": [[[36.8, 35.9], [37.0, 35.9], [37.0, 36.1], [36.8, 36.1], [36.8, 35.9]]]}


def test_recording_and_reverting_through_the_use_case_advance_the_read_model(mini_db):
    # The read model reads through the test's own connection: it sees what the rolled-back transaction wrote.
    rm = ReadModel(sessionmaker(bind=mini_db.connection(), join_transaction_mode="create_savepoint"))
    base = rm.revision
    rm.publication(base)
    start = mini_db.execute(text("SELECT start_at FROM dataset")).scalar_one()
    report = mini_db.execute(text("SELECT min(id) FROM reports")).scalar_one()
    data = services.ChangeInput(faction="green", at=start + timedelta(hours=30), geometry=SQUARE, confidence="claimed",
                                report_ids=[report], summary_en="readers test")

    saved = services.record_change(mini_db, data, base_revision=base, author_id=None, max_vertices=1000, readers=rm)
    assert saved["revision"] > base and rm.revision == saved["revision"]
    assert ("publication", saved["revision"]) in rm.cache  # built as part of publishing, not by the first reader
    assert saved["change_id"] in rm.publication(saved["revision"]).change_by_id

    reverted = services.revert_revision(mini_db, saved["revision"], base_revision=saved["revision"], author_id=None,
                                        readers=rm)
    assert rm.revision == reverted["revision"] > saved["revision"]
    assert saved["change_id"] not in rm.publication(reverted["revision"]).change_by_id


class _Deaf:
    def note_write(self, rev):
        raise RuntimeError("a reader that fails")


def test_a_failing_reader_does_not_undo_the_publish(mini_db):
    start = mini_db.execute(text("SELECT start_at FROM dataset")).scalar_one()
    report = mini_db.execute(text("SELECT min(id) FROM reports")).scalar_one()
    base = mini_db.execute(text("SELECT max(id) FROM revisions")).scalar_one()
    data = services.ChangeInput(faction="red", at=start + timedelta(hours=30), geometry=SQUARE, confidence="claimed",
                                report_ids=[report], summary_en="readers test")
    out = services.record_change(mini_db, data, base_revision=base, author_id=None, max_vertices=1000, readers=_Deaf())
    assert mini_db.execute(text("SELECT max(id) FROM revisions")).scalar_one() == out["revision"]
