"""The fund cannot be over-committed, even by many writers at the same instant.

These tests need real, separate connections, so they cannot use the rolled-back `db`
fixture: they build their own app on the test database (a file on SQLite), start the
threads together on a barrier, and delete what they wrote afterwards.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import func, select

from sponsorship import create_app
from sponsorship.core.errors import DomainError
from sponsorship.core.transaction import ConcurrentChange
from sponsorship.extensions import db
from sponsorship.funding import ledger
from sponsorship.funding.ledger import InsufficientFunds
from sponsorship.models import (
    Allocation,
    AllocationStatus,
    Application,
    AuditEvent,
    Award,
    AwardCostLine,
    Contribution,
    ContributionStatus,
    Delegate,
    Donor,
    Meeting,
    MeetingKind,
    MeetingSession,
    RegionalGroup,
    State,
    Theme,
    application_sessions,
)
from tests.conftest import make_config
from tests.ledger_data import TODAY, D, airfare_award, ledger_meeting, party_and_outsider

THREADS, PER_THREAD = 8, 40

#: (reference, amount, earmarks): 135,000.55 for awards costing 432,000 in all.
FUNDS = [
    (
        "RACE-AFR",
        "20000.00",
        {"earmark_region": RegionalGroup.AFRICAN, "spend_by": date(2026, 9, 1)},
    ),
    ("RACE-KIND", "40000.00", {"earmark_meeting_kind": MeetingKind.INTERSESSIONAL}),
    ("RACE-FREE", "60000.55", {}),
    ("RACE-VA", "15000.00", {"earmark_theme": Theme.VICTIM_ASSISTANCE}),
]


@dataclass
class Race:
    app: Flask
    award_ids: list[int]
    estimates: dict[int, Decimal]
    contribution_ids: list[int]
    outcomes: Counter = field(default_factory=Counter)
    errors: list[BaseException] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _build(app: Flask) -> tuple[list[int], dict[int, Decimal], list[int], dict]:
    meeting = ledger_meeting("Race meeting", ("VA", Theme.VICTIM_ASSISTANCE))
    states = party_and_outsider(("QZY", "Race Party"), ("QZZ", "Race Outsider"))
    applications = [
        Application(meeting=meeting, state=states[0], sessions=list(meeting.sessions)),
        Application(meeting=meeting, state=states[1]),
    ]
    donor = Donor(name="Race donor")
    contributions = [
        Contribution(
            donor=donor,
            reference=ref,
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
            **earmarks,
        )
        for ref, amount, earmarks in FUNDS
    ]
    awards = [
        airfare_award(
            f"RACE-{n:04d}",
            D("900.00") + (n % 7) * D("150.25"),
            name=f"Racer {n}",
            email=f"racer{n}@example.org",
            nationality="QZY",
            application=applications[n % 2],
            position=n,
        )
        for n in range(THREADS * PER_THREAD)
    ]
    db.session.add_all([meeting, *applications, donor, *contributions, *awards])
    db.session.commit()
    cleanup = {
        "meeting": meeting.id,
        "states": [s.id for s in states],
        "applications": [a.id for a in applications],
        "donor": donor.id,
    }
    return (
        [a.id for a in awards],
        {a.id: a.total() for a in awards},
        [c.id for c in contributions],
        cleanup,
    )


def _cleanup(ids: dict, award_ids: list[int], contribution_ids: list[int], first_event: int):
    with db.engine.begin() as conn:
        conn.execute(sa.delete(AuditEvent).where(AuditEvent.id > first_event))
        conn.execute(sa.delete(Allocation).where(Allocation.award_id.in_(award_ids)))
        conn.execute(sa.delete(AwardCostLine).where(AwardCostLine.award_id.in_(award_ids)))
        conn.execute(sa.delete(Award).where(Award.id.in_(award_ids)))
        conn.execute(sa.delete(Delegate).where(Delegate.application_id.in_(ids["applications"])))
        conn.execute(
            sa.delete(application_sessions).where(
                application_sessions.c.application_id.in_(ids["applications"])
            )
        )
        conn.execute(sa.delete(Application).where(Application.id.in_(ids["applications"])))
        conn.execute(sa.delete(MeetingSession).where(MeetingSession.meeting_id == ids["meeting"]))
        conn.execute(sa.delete(Meeting).where(Meeting.id == ids["meeting"]))
        conn.execute(sa.delete(Contribution).where(Contribution.id.in_(contribution_ids)))
        conn.execute(sa.delete(Donor).where(Donor.id == ids["donor"]))
        conn.execute(sa.delete(State).where(State.id.in_(ids["states"])))


@pytest.fixture
def race(app, database_url) -> Iterator[Race]:
    """Its own app and engine on the test database; everything it writes is deleted."""
    if database_url.startswith("sqlite") and ":memory:" in database_url:
        pytest.skip("needs a database shared between connections")
    race_app = create_app(make_config(database_url))
    with race_app.app_context():
        first_event = db.session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))
        award_ids, estimates, contribution_ids, ids = _build(race_app)
        db.session.remove()
        try:
            yield Race(race_app, award_ids, estimates, contribution_ids)
        finally:
            db.session.remove()
            _cleanup(ids, award_ids, contribution_ids, first_event)
            db.engine.dispose()


def _run(race: Race, work) -> None:
    """Run `work(thread_number)` in THREADS threads, each with its own app context."""
    barrier = threading.Barrier(THREADS)

    def thread(n: int) -> None:
        with race.app.app_context():
            try:
                barrier.wait()
                work(n)
            except BaseException as error:  # reported by the test, not lost in the thread
                with race.lock:
                    race.errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=thread, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert race.errors == []


def _attempt(race: Race, action, *args, **kwargs) -> str:
    try:
        action(*args, **kwargs)
    except InsufficientFunds:
        outcome = "insufficient"
    except ConcurrentChange:
        outcome = "conflict"
    except DomainError:
        outcome = "refused"
    else:
        outcome = "ok"
    with race.lock:
        race.outcomes[outcome] += 1
    return outcome


def _assert_books(race: Race) -> dict:
    """committed <= received exactly, rows = balances, every award whole or nothing."""
    with race.app.app_context():
        db.session.remove()
        funds = db.session.scalars(
            select(Contribution).where(Contribution.id.in_(race.contribution_ids))
        ).all()
        rows = dict(
            db.session.execute(
                select(Allocation.contribution_id, func.sum(Allocation.amount))
                .where(
                    Allocation.contribution_id.in_(race.contribution_ids),
                    Allocation.status == AllocationStatus.COMMITTED,
                )
                .group_by(Allocation.contribution_id)
            ).all()
        )
        for c in funds:
            assert c.committed + c.spent <= c.base_amount
            assert c.committed == rows.get(c.id, 0)
        per_award = dict(
            db.session.execute(
                select(Allocation.award_id, func.sum(Allocation.amount))
                .where(
                    Allocation.award_id.in_(race.award_ids),
                    Allocation.status == AllocationStatus.COMMITTED,
                )
                .group_by(Allocation.award_id)
            ).all()
        )
        for award_id, committed in per_award.items():
            assert committed == race.estimates[award_id], f"award {award_id} partly funded"
        received = sum((c.base_amount for c in funds), D(0))
        committed = sum((c.committed for c in funds), D(0))
        assert sum(per_award.values(), D(0)) == committed
        db.session.remove()
        return {"received": received, "committed": committed, "funded": len(per_award)}


def test_allocate_concurrently_never_overcommits(race, database_url, capsys):
    """8 threads x 40 allocations (every fifth success released again, to interleave)."""
    per_thread = [race.award_ids[n * PER_THREAD : (n + 1) * PER_THREAD] for n in range(THREADS)]
    released = Counter()

    def work(n: int) -> None:
        successes = 0
        for award_id in per_thread[n]:
            if _attempt(race, ledger.allocate, award_id, None, on=TODAY) == "ok":
                successes += 1
                if successes % 5 == 0:
                    ledger.release(award_id, None, reason="race")
                    with race.lock:
                        released["n"] += 1

    _run(race, work)
    books = _assert_books(race)
    attempts = sum(race.outcomes.values())
    assert attempts == THREADS * PER_THREAD
    assert race.outcomes["conflict"] == 0, "the locks, not the CHECK, must stop the race"
    assert race.outcomes["refused"] == 0
    assert race.outcomes["ok"] > 0 and race.outcomes["insufficient"] > 0
    assert books["funded"] == race.outcomes["ok"] - released["n"]
    # Once the race is over the money left is less than the cheapest award needs, or
    # only in earmarked money the remaining awards cannot use.
    with capsys.disabled():
        print(
            f"\n[race {database_url.split(':')[0]}] attempts={attempts}"
            f" successes={race.outcomes['ok']} insufficient={race.outcomes['insufficient']}"
            f" released_again={released['n']} funded_at_end={books['funded']}"
            f" committed={books['committed']} received={books['received']}"
        )


def test_allocate_same_awards_concurrently_funds_each_once(race):
    """Eight administrators approve the same ten awards at the same instant."""
    same = race.award_ids[:10]

    def work(n: int) -> None:
        for award_id in same:
            _attempt(race, ledger.allocate, award_id, None, on=TODAY)

    _run(race, work)
    _assert_books(race)
    assert race.outcomes["ok"] == 10
    assert race.outcomes["refused"] == 70  # "already fully funded"
    assert race.outcomes["conflict"] == 0
