"""The row locks of the ledger and of pricing, on PostgreSQL: each must make a second
transaction wait.

On SQLite every unit of work holds the database's one write lock from its first read,
so there is nothing per row to test; on PostgreSQL the code takes `SELECT ... FOR
UPDATE` on exactly the rows it decides on. Each test lets another connection hold one
row (`FOR KEY SHARE`, the lock an insert referencing that row takes: it blocks `FOR
UPDATE` but not a plain `UPDATE`), then runs the step with a short `lock_timeout`: the
step must give up on that row (a lock conflict), and must not wait for a row it does
not decide on. Dropping any of these `FOR UPDATE`s, or locking the wrong row, fails a
test here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import func, select

from sponsorship import create_app
from sponsorship.core.transaction import ConcurrentChange, unit_of_work
from sponsorship.extensions import db
from sponsorship.funding import ledger
from sponsorship.models import (
    Application,
    AuditEvent,
    Award,
    Contribution,
    ContributionStatus,
    Delegate,
    Donor,
)
from sponsorship.review import pricing
from tests.conftest import make_config
from tests.ledger_data import TODAY, D, airfare_award, ledger_meeting, party_and_outsider
from tests.unit.test_ledger_concurrency import _cleanup


@dataclass
class World:
    app: Flask
    awards: list[int]
    contributions: list[int]
    applications: list[int]


def _build() -> tuple[list[int], list[int], dict]:
    meeting = ledger_meeting("Lock meeting")
    states = party_and_outsider(("QLA", "Lock Party"), ("QLB", "Lock Outsider"))
    applications = [Application(meeting=meeting, state=s) for s in states]
    donor = Donor(name="Lock donor")
    contributions = [
        Contribution(
            donor=donor,
            reference=f"LOCK-{n}",
            status=ContributionStatus.RECEIVED,
            currency="CHF",
            amount=D(amount),
            exchange_rate=D(1),
            rate_date=TODAY,
            base_amount=D(amount),
            committed=D(0),
            spent=D(0),
            pledged_on=TODAY,
            received_on=TODAY,
            **earmark,
        )
        # The first is the only money for the outsider's award; the second pays the
        # party's award (more restricted money goes first).
        for n, (amount, earmark) in enumerate(
            [("1000.00", {}), ("1000.00", {"earmark_region": states[0].regional_group})]
        )
    ]
    awards = [
        airfare_award(
            f"LOCK-{n}",
            D("500.00"),
            name=f"Locker {n}",
            email=f"locker{n}@example.org",
            nationality=states[n].iso3,
            application=applications[n],
        )
        for n in range(2)
    ]
    db.session.add_all([meeting, *applications, donor, *contributions, *awards])
    db.session.commit()
    ids = {
        "meeting": meeting.id,
        "states": [s.id for s in states],
        "applications": [a.id for a in applications],
        "donor": donor.id,
    }
    return [a.id for a in awards], [c.id for c in contributions], ids


@pytest.fixture
def world(database_url) -> Iterator[World]:
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks are PostgreSQL's; SQLite serialises whole transactions")
    app = create_app(make_config(database_url))
    with app.app_context():
        first_event = db.session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))
        awards, contributions, ids = _build()
        db.session.remove()
        try:
            yield World(app, awards, contributions, ids["applications"])
        finally:
            db.session.remove()
            _cleanup(ids, awards, contributions, first_event)
            db.engine.dispose()


@contextmanager
def held(table: str, row_id: int) -> Iterator[None]:
    """Another transaction holds the row (as one inserting a row that references it)."""
    with db.engine.connect() as other:
        other.begin()
        other.execute(
            sa.text(f"SELECT id FROM {table} WHERE id = :id FOR KEY SHARE"),  # noqa: S608
            {"id": row_id},
        )
        try:
            yield
        finally:
            other.rollback()


@contextmanager
def impatient() -> Iterator[None]:
    """A unit of work that gives up on a row lock after 200 ms."""
    with unit_of_work():
        db.session.execute(sa.text("SET LOCAL lock_timeout = '200ms'"))
        yield


def _committed(contribution_id: int):
    db.session.expire_all()
    return db.session.get(Contribution, contribution_id).committed


def test_allocate_waits_for_a_transaction_holding_the_award(world):
    """Rule: committing money to an award starts by locking the award, so two
    commitments to one award take turns; other awards do not wait."""
    with world.app.app_context(), held("awards", world.awards[0]):
        with pytest.raises(ConcurrentChange), impatient():
            ledger.allocate(world.awards[0], None, on=TODAY)
        with impatient():
            ledger.allocate(world.awards[1], None, on=TODAY)
        assert _committed(world.contributions[0]) == D("500.00")
        db.session.remove()


def test_allocate_waits_for_a_transaction_holding_the_money_it_takes(world):
    """Rule: the contributions an allocation takes from are locked before their
    balances are read, so it decides on balances no one else is changing."""
    with world.app.app_context():
        with held("contributions", world.contributions[1]):
            with pytest.raises(ConcurrentChange), impatient():
                ledger.allocate(world.awards[0], None, on=TODAY)
            # The outsider's award cannot use that money and does not wait for it.
            with impatient():
                ledger.allocate(world.awards[1], None, on=TODAY)
        assert _committed(world.contributions[1]) == 0
        db.session.remove()


def test_release_waits_for_a_transaction_holding_the_committed_money(world):
    """Rule: releasing locks the contributions of the award's committed rows first."""
    with world.app.app_context():
        ledger.allocate(world.awards[0], None, on=TODAY)
        held_money = held("contributions", world.contributions[1])
        with held_money, pytest.raises(ConcurrentChange), impatient():
            ledger.release(world.awards[0], None)
        assert _committed(world.contributions[1]) == D("500.00")
        with impatient():
            assert ledger.release(world.awards[0], None) == D("500.00")
        db.session.remove()


def test_pricing_takes_turns_on_the_application_only(world):
    """Rule: a decision on a delegate first holds the delegate's application, so two
    administrators pricing one delegate take turns; other applications do not wait."""
    with world.app.app_context():
        delegates = {
            d.application_id: d
            for d in db.session.scalars(
                select(Delegate).where(Delegate.application_id.in_(world.applications))
            )
        }
        first, second = (delegates[a] for a in world.applications)
        with held("applications", world.applications[0]):
            with pytest.raises(ConcurrentChange), impatient():
                pricing.hold_application(first)
            with impatient():
                pricing.hold_application(second)
        db.session.remove()


def test_award_rows_are_not_locked_by_reading_them_elsewhere(world):
    """The set-up itself: a held award does not stop a plain read of it."""
    with world.app.app_context(), held("awards", world.awards[0]):
        assert db.session.get(Award, world.awards[0]) is not None
        db.session.remove()


def test_release_does_not_wait_for_money_of_other_awards(world):
    """Rule: releasing an award locks only the money committed to that award."""
    with world.app.app_context():
        ledger.allocate(world.awards[0], None, on=TODAY)  # from the party's money
        ledger.allocate(world.awards[1], None, on=TODAY)  # from the free money
        with held("contributions", world.contributions[0]), impatient():
            assert ledger.release(world.awards[0], None) == D("500.00")
        db.session.remove()


def test_cancel_waits_for_a_transaction_holding_the_award(world):
    """Rule: a decision re-reads the award under its row lock before acting, so an
    answer given at the same moment is seen, not overwritten."""
    from sponsorship.models import AwardStatus
    from sponsorship.review import decisions

    with world.app.app_context():
        db.session.execute(
            sa.update(Award).where(Award.id == world.awards[0]).values(status="accepted")
        )
        db.session.commit()
        award = db.session.get(Award, world.awards[0])
        held_award = held("awards", award.id)
        with held_award, pytest.raises(ConcurrentChange), impatient():
            decisions.cancel(None, award, reason="Meeting moved online")
        db.session.expire_all()
        assert db.session.get(Award, award.id).status == AwardStatus.ACCEPTED
        db.session.remove()
