"""The data version: every committed write changes the stamp, nothing else does."""

from __future__ import annotations

import sqlalchemy as sa

from sponsorship.models import State, data_version
from tests.factories import DonorFactory, StateFactory


def stamp(db) -> str:
    return data_version.current(db.session)


def test_commit_after_flushed_insert_changes_stamp(db):
    before = stamp(db)
    DonorFactory()  # flushed by the factory
    db.session.commit()
    assert stamp(db) != before


def test_commit_with_pending_change_changes_stamp(db):
    state = StateFactory()
    db.session.commit()
    before = stamp(db)
    state.name = "Renamed"  # not flushed yet: commit flushes it
    db.session.commit()
    assert stamp(db) != before


def test_commit_after_reads_only_keeps_stamp(db):
    StateFactory()
    db.session.commit()
    before = stamp(db)
    db.session.scalars(sa.select(State)).all()
    db.session.commit()
    assert stamp(db) == before


def test_rollback_of_write_keeps_stamp(db):
    before = stamp(db)
    DonorFactory()
    db.session.rollback()
    db.session.commit()
    assert stamp(db) == before


def test_commit_after_bulk_statement_changes_stamp(db):
    state = StateFactory()
    db.session.commit()
    before = stamp(db)
    db.session.execute(sa.update(State).where(State.id == state.id).values(name="Bulk"))
    db.session.commit()
    assert stamp(db) != before


def test_commit_after_text_write_changes_stamp(db):
    state = StateFactory()
    db.session.commit()
    before = stamp(db)
    db.session.execute(sa.text("UPDATE states SET name = 'Text' WHERE id = :id"), {"id": state.id})
    db.session.commit()
    assert stamp(db) != before


def test_rolled_back_savepoint_keeps_earlier_write_stamped(db):
    before = stamp(db)
    DonorFactory()
    with db.session.begin_nested() as nested:
        DonorFactory()
        nested.rollback()
    db.session.commit()
    assert stamp(db) != before


def test_each_writing_commit_gets_new_stamp(db):
    seen = {stamp(db)}
    for _ in range(5):
        DonorFactory()
        db.session.commit()
        seen.add(stamp(db))
    assert len(seen) == 6


def test_stamp_for_keeping_is_none_once_the_transaction_writes(db):
    state = StateFactory()
    db.session.commit()
    committed = data_version.current_if_unwritten(db.session)
    assert committed == stamp(db)
    state.name = "Pending"  # not flushed yet
    assert data_version.current_if_unwritten(db.session) is None
    db.session.flush()
    assert data_version.current_if_unwritten(db.session) is None
    db.session.rollback()
    assert data_version.current_if_unwritten(db.session) == committed
    state.name = "Committed"
    db.session.commit()
    assert data_version.current_if_unwritten(db.session) not in (None, committed)
