"""`unit_of_work`: the one transaction rule the ledger and every write run in.

All or nothing (a refused rule rolls back too), nested units join the outer one, and
the database's own refusals (the over-commit CHECK, a lock conflict) reach the user
as `ConcurrentChange`.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from sponsorship.core.errors import DomainError
from sponsorship.core.transaction import ConcurrentChange, unit_of_work
from sponsorship.models import Contribution, Donor, State
from tests.factories import ContributionFactory, DonorFactory

D = Decimal


def _donors(db, name: str) -> int:
    return db.session.scalar(select(func.count(Donor.id)).where(Donor.name == name))


def test_commits_what_the_block_wrote(db):
    with unit_of_work() as session:
        session.add(Donor(name="Kept"))
    db.session.rollback()  # nothing left to roll back: the unit committed
    assert _donors(db, "Kept") == 1


@pytest.mark.parametrize("error", [DomainError("refused"), RuntimeError("boom")])
def test_an_exception_rolls_back_and_is_raised_again(db, error):
    """A rule that refuses (a DomainError) undoes what came before it, as a bug does."""
    with pytest.raises(type(error), match=str(error)), unit_of_work() as session:
        session.add(Donor(name="Written, then refused"))
        session.flush()
        raise error
    assert _donors(db, "Written, then refused") == 0


def test_a_nested_unit_joins_the_outer_one(db):
    # The inner unit does not commit: the outer one's failure takes its write too.
    with pytest.raises(RuntimeError, match="later"), unit_of_work():
        with unit_of_work() as inner:
            inner.add(Donor(name="Inner"))
        assert _donors(db, "Inner") == 1  # flushed, in the same transaction
        raise RuntimeError("later")
    assert _donors(db, "Inner") == 0
    # A failure inside the inner unit rolls back the whole, the outer's writes too.
    with pytest.raises(DomainError), unit_of_work() as outer:
        outer.add(Donor(name="Outer"))
        with unit_of_work():
            raise DomainError("inner refused")
    assert _donors(db, "Outer") == 0
    with unit_of_work() as outer:
        outer.add(Donor(name="Both, outer"))
        with unit_of_work() as inner:
            inner.add(Donor(name="Both, inner"))
    db.session.rollback()
    assert _donors(db, "Both, outer") == _donors(db, "Both, inner") == 1


def test_unsaved_changes_are_refused(db):
    donor = DonorFactory()
    db.session.commit()
    donor.name = "changed, not saved"
    with pytest.raises(RuntimeError, match="unsaved changes"), unit_of_work():
        pass
    db.session.rollback()


def test_the_over_commit_check_becomes_concurrent_change(db):
    c = ContributionFactory(amount=D("1000.00"))
    db.session.commit()
    with pytest.raises(ConcurrentChange, match="try again"), unit_of_work() as session:
        session.add(Donor(name="Alongside the over-commitment"))
        session.execute(
            sa.update(Contribution).where(Contribution.id == c.id).values(committed=D("1000.01"))
        )
    assert _donors(db, "Alongside the over-commitment") == 0
    assert db.session.scalar(select(Contribution.committed).where(Contribution.id == c.id)) == 0


def test_other_integrity_errors_pass_through(db):
    DonorFactory(name="Taken")
    db.session.commit()
    with pytest.raises(IntegrityError), unit_of_work() as session:
        session.add(Donor(name="Taken"))
    assert _donors(db, "Taken") == 1


def test_a_lock_conflict_becomes_concurrent_change(app, db):
    """Another connection holds the lock we need: the database gives up on us (at once,
    with the timeouts set here) and the user is asked to try again."""
    state_id = db.session.scalar(select(State.id).order_by(State.id).limit(1))
    db.session.commit()
    other = db.engine.connect()
    postgres = db.engine.dialect.name == "postgresql"
    try:
        if postgres:
            other.begin()
            other.execute(select(State.id).where(State.id == state_id).with_for_update())
        else:
            # The write lock itself; ours then finds the database locked.
            other.execution_options(sqlite_begin="BEGIN IMMEDIATE").begin()
        with pytest.raises(ConcurrentChange), unit_of_work() as session:
            if postgres:
                session.execute(sa.text("SET LOCAL lock_timeout = '50ms'"))
                session.execute(select(State.id).where(State.id == state_id).with_for_update())
            else:
                session.execute(sa.text("PRAGMA busy_timeout = 0"))
                session.add(Donor(name="Blocked"))
                session.flush()
    finally:
        if not postgres:
            db.session.execute(sa.text("PRAGMA busy_timeout = 30000"))
        other.rollback()
        other.close()
    assert _donors(db, "Blocked") == 0
