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

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import func, select

from sponsorship import create_app
from sponsorship.core.transaction import ConcurrentChange, unit_of_work
from sponsorship.extensions import db
from sponsorship.funding import ledger
from sponsorship.models import (
    Allocation,
    Application,
    AuditEvent,
    Award,
    Contribution,
    ContributionStatus,
    Delegate,
    Donor,
    RegionalGroup,
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
def world(app, database_url) -> Iterator[World]:
    # `app` builds the schema: this file may run alone, on an empty database.
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


def test_release_does_not_wait_for_money_the_award_already_gave_back(world):
    """Rule: releasing locks the money still committed to the award, not the
    contributions of its rows already released."""
    restricted, free = world.contributions[1], world.contributions[0]
    with world.app.app_context():
        ledger.allocate(world.awards[0], None, on=TODAY)  # from the restricted money
        ledger.release(world.awards[0], None)
        # Re-earmarked away from the award, so its next commitment takes the free money.
        db.session.execute(
            sa.update(Contribution)
            .where(Contribution.id == restricted)
            .values(earmark_region=RegionalGroup.EASTERN_EUROPEAN)
        )
        db.session.commit()
        ledger.allocate(world.awards[0], None, on=TODAY)
        assert _committed(free) == D("500.00")
        with held("contributions", restricted), impatient():
            assert ledger.release(world.awards[0], None) == D("500.00")
        db.session.remove()


def test_allocate_decides_on_the_award_as_it_is_once_locked(world):
    """Rule: an award read earlier in the transaction (as a decision does) is read again
    once locked: cancelled meanwhile by the transaction that held it, it gets no money."""
    errors: list[BaseException] = []

    def offer_money() -> None:
        with world.app.app_context():
            try:
                with unit_of_work():
                    award = db.session.get(Award, world.awards[0])
                    assert award.status == "pending"  # read before the lock
                    ledger.allocate(award, None, on=TODAY)
            except BaseException as error:  # reported below, not lost in the thread
                errors.append(error)
            finally:
                db.session.remove()

    with world.app.app_context():
        with db.engine.connect() as other:
            other.begin()
            other.execute(
                sa.text("SELECT id FROM awards WHERE id = :id FOR UPDATE"),
                {"id": world.awards[0]},
            )
            thread = threading.Thread(target=offer_money)
            thread.start()
            try:
                _waiting_for_a_lock(thread, errors)
                other.execute(
                    sa.update(Award).where(Award.id == world.awards[0]).values(status="cancelled")
                )
            finally:
                other.commit()
                thread.join(timeout=30)
        assert [type(e).__name__ for e in errors] == ["DomainError"]
        assert _committed(world.contributions[1]) == _committed(world.contributions[0]) == 0
        db.session.remove()


def _add_money(world: World, name: str, amounts: list[str], **fields) -> None:
    """Received contributions of `amounts` francs (deleted with the world); `fields`
    set earmarks and balances, and a spend-by `days` after TODAY (the n-th one later)."""
    with world.app.app_context():
        donor = db.session.get(Contribution, world.contributions[0]).donor
        days = fields.pop("days", None)
        committed = fields.pop("committed", D(0))
        added = [
            Contribution(
                donor=donor,
                reference=f"LOCK-{name}-{n}",
                status=ContributionStatus.RECEIVED,
                currency="CHF",
                amount=D(amount),
                exchange_rate=D(1),
                rate_date=TODAY,
                base_amount=D(amount),
                committed=committed,
                spent=D(0),
                pledged_on=TODAY,
                received_on=TODAY,
                spend_by=None if days is None else TODAY + timedelta(days=days + n),
                **fields,
            )
            for n, amount in enumerate(amounts)
        ]
        db.session.add_all(added)
        db.session.commit()
        world.contributions.extend(c.id for c in added)
        db.session.remove()


#: Seven contributions in the priority order before the award's money, which it cannot
#: take: earmarked for another region, or used up.
AHEAD = {
    "nothing": None,
    "other-region": {"earmark_region": RegionalGroup.EASTERN_EUROPEAN},
    "used-up": {"earmark_region": RegionalGroup.AFRICAN, "committed": D("100.00")},
}


@pytest.mark.parametrize("ahead", AHEAD)
def test_allocate_covered_by_its_first_batch_does_not_wait_for_later_money(world, ahead):
    """Rule: an allocation locks the money it may take a batch at a time (the first
    eight contributions, in priority order, that allow the award and hold money) and
    stops once covered: it does not wait for allowed money further down the order,
    whatever unusable money comes before."""
    if AHEAD[ahead]:
        _add_money(world, "AHEAD", ["100.00"] * 7, days=10, **AHEAD[ahead])
    # Eight small contributions for the award's region (the party's, African), each
    # with a spend-by date: they come before the money without one and cover 500.
    _add_money(world, "SOON", ["100.00"] * 8, days=30, earmark_region=RegionalGroup.AFRICAN)
    restricted = world.contributions[1]
    with world.app.app_context():
        with held("contributions", restricted), impatient():
            funding = ledger.allocate(world.awards[0], None, on=TODAY)
        assert funding.amount == D("500.00")
        assert _committed(restricted) == 0
        db.session.remove()


def test_allocate_covered_by_its_second_batch_does_not_wait_for_later_money(world):
    """Rule: past the first eight, each further batch of money locked is four times the
    last (the next 32), so an allocation covered there does not wait for the money
    after them."""
    african = {"earmark_region": RegionalGroup.AFRICAN}
    _add_money(world, "FIRST", ["10.00"] * 8, days=10, **african)  # 80
    _add_money(world, "SECOND", ["20.00"] * 32, days=40, **african)  # 640: covers the rest
    restricted = world.contributions[1]
    with world.app.app_context():
        with held("contributions", restricted), impatient():
            funding = ledger.allocate(world.awards[0], None, on=TODAY)
        assert funding.amount == D("500.00")
        assert _committed(restricted) == 0
        db.session.remove()


def test_allocate_refused_after_its_first_batch_does_not_wait_for_later_money(world):
    """Rule: when the first batch falls short, one sum of the rest of the allowed money
    decides; short by even a few centimes, the allocation is refused without locking
    (and so waiting for) the rest. Money the award may not use is not in that sum."""
    # 499.75 francs in the first batch; 0.10 left on the restricted money after it; and
    # money for another region, which must not count.
    _add_money(
        world,
        "SOON",
        ["62.50"] * 7 + ["62.25"],
        days=30,
        earmark_region=RegionalGroup.AFRICAN,
    )
    _add_money(world, "ELSEWHERE", ["1000.00"], earmark_region=RegionalGroup.EASTERN_EUROPEAN)
    restricted, free = world.contributions[1], world.contributions[0]
    with world.app.app_context():
        for contribution_id, committed in ((restricted, "999.90"), (free, "1000.00")):
            db.session.execute(
                sa.update(Contribution)
                .where(Contribution.id == contribution_id)
                .values(committed=D(committed))
            )
        db.session.commit()
        short = pytest.raises(ledger.InsufficientFunds)
        with held("contributions", restricted), short as refused, impatient():
            ledger.allocate(world.awards[0], None, on=TODAY)
        assert refused.value.shortfall == D("0.15")
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


def _waiting_for_a_lock(thread: threading.Thread, errors: list, seconds: float = 30.0) -> None:
    """Until some transaction on this database waits for a row lock (the thread's)."""
    deadline = time.monotonic() + seconds
    with db.engine.connect() as watcher:
        while time.monotonic() < deadline:
            assert thread.is_alive(), f"the thread ended without waiting: {errors!r}"
            waiting = watcher.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock'"
                )
            )
            if waiting:
                return
            # pg_stat_activity is read once per transaction: end it to look again.
            watcher.rollback()
            time.sleep(0.02)
    raise AssertionError("no transaction ever waited for the row")


@pytest.mark.parametrize(
    "change",
    [{"committed": D("1000.00")}, {"earmark_region": RegionalGroup.EASTERN_EUROPEAN}],
    ids=["used-up", "re-earmarked"],
)
def test_allocate_skips_money_changed_while_it_waited_for_the_lock(world, change):
    """Rule: the money an allocation takes is decided on its locked, current row: a
    contribution used up, or re-earmarked away from the award, by a transaction that
    held it while the allocation waited is passed over (no empty row, no money the
    earmarks no longer allow); the next allowed money pays."""
    restricted, free = world.contributions[1], world.contributions[0]
    errors: list[BaseException] = []

    def allocate() -> None:
        with world.app.app_context():
            try:
                ledger.allocate(world.awards[0], None, on=TODAY)
            except BaseException as error:  # reported below, not lost in the thread
                errors.append(error)
            finally:
                db.session.remove()

    with world.app.app_context():
        with db.engine.connect() as other:
            other.begin()
            other.execute(
                sa.text("SELECT id FROM contributions WHERE id = :id FOR UPDATE"),
                {"id": restricted},
            )
            thread = threading.Thread(target=allocate)
            thread.start()
            try:
                _waiting_for_a_lock(thread, errors)
                other.execute(
                    sa.update(Contribution).where(Contribution.id == restricted).values(**change)
                )
            finally:
                other.commit()
                thread.join(timeout=30)
        assert errors == []
        rows = db.session.execute(
            select(Allocation.contribution_id, Allocation.amount).where(
                Allocation.award_id == world.awards[0]
            )
        ).all()
        assert [tuple(row) for row in rows] == [(free, D("500.00"))]
        db.session.remove()
