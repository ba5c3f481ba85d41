"""Two administrators offering at the same instant: each award offered once, funded once.

Uses the ledger's race set-up (its own app on the test database, threads started on a
barrier, everything deleted afterwards); here the threads go through `decisions.offer`,
which adds the transition, the deadline and the mail to the ledger's transaction.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import func, select

from sponsorship.extensions import db
from sponsorship.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    Award,
    AwardStatus,
    CostStage,
    Delegate,
)
from sponsorship.review import decisions
from tests.unit import test_ledger_concurrency as ledger_race
from tests.unit.test_ledger_concurrency import THREADS, TODAY, _assert_books, _attempt, _run

#: The ledger's fixture: its own app on the test database, cleaned up afterwards.
race = ledger_race.race


def _submit(race_, award_ids: list[int]) -> None:
    with race_.app.app_context():
        applications = select(Delegate.application_id).join(Award).where(Award.id.in_(award_ids))
        db.session.execute(
            sa.update(Application)
            .where(Application.id.in_(applications))
            .values(status=ApplicationStatus.SUBMITTED)
        )
        db.session.commit()
        db.session.remove()


def test_offer_same_awards_concurrently_offers_and_funds_each_once(race):
    same = race.award_ids[:10]
    _submit(race, same)

    def offer(award_id: int) -> None:
        award = db.session.get(Award, award_id)
        decisions.offer(None, award.delegate, today=TODAY)

    def work(_n: int) -> None:
        for award_id in same:
            _attempt(race, offer, award_id)
            db.session.rollback()

    _run(race, work)
    books = _assert_books(race)
    assert race.outcomes["ok"] == 10
    assert race.outcomes["refused"] == 10 * (THREADS - 1)
    assert race.outcomes["conflict"] == 0
    assert books["funded"] == 10
    with race.app.app_context():
        statuses = set(db.session.scalars(select(Award.status).where(Award.id.in_(same))))
        offers = db.session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.action == "award.offer", AuditEvent.object_id.in_(same)
            )
        )
        db.session.remove()
    assert statuses == {AwardStatus.OFFERED}
    assert offers == 10


def test_offer_concurrently_never_overcommits_and_leaves_no_half_offer(race):
    """Every award offered by some thread: those the money covers, whole; others untouched."""
    ids = race.award_ids
    _submit(race, ids)
    per_thread = [ids[n::THREADS] for n in range(THREADS)]

    def offer(award_id: int) -> None:
        award = db.session.get(Award, award_id)
        decisions.offer(None, award.delegate, today=TODAY)

    def work(n: int) -> None:
        for award_id in per_thread[n]:
            _attempt(race, offer, award_id)
            db.session.rollback()

    _run(race, work)
    books = _assert_books(race)
    assert race.outcomes["conflict"] == 0
    assert race.outcomes["ok"] == books["funded"]
    assert race.outcomes["insufficient"] > 0, "the race must run the money out"
    with race.app.app_context():
        by_status = dict(
            db.session.execute(
                select(Award.status, func.count()).where(Award.id.in_(ids)).group_by(Award.status)
            ).all()
        )
        db.session.remove()
    assert by_status.get(AwardStatus.OFFERED, 0) == books["funded"]
    assert by_status.get(AwardStatus.PENDING, 0) == len(ids) - books["funded"]


def _unpriced_delegates(race_, count: int) -> list[int]:
    """Delegates of the race's submitted application, without an award yet."""
    with race_.app.app_context():
        application = db.session.scalar(
            select(Application).where(Application.state.has(iso3="QZY"))
        )
        application.status = ApplicationStatus.SUBMITTED
        delegates = [
            Delegate(
                application=application,
                position=1000 + n,
                name=f"Unpriced {n}",
                gender=application.delegates[0].gender,
                function="Director",
                organisation="MAC",
                email=f"unpriced{n}@example.org",
                nationality="QZY",
                departure_city="Capital",
            )
            for n in range(count)
        ]
        db.session.add_all(delegates)
        db.session.commit()
        ids = [d.id for d in delegates]
        db.session.remove()
    return ids


def test_price_and_offer_same_delegates_concurrently_one_award_each_offered_as_priced(race):
    """Administrators pricing then offering the same delegates, from opposite ends of the
    list, like two people working one queue: the second to price a delegate finds the
    first's award (no duplicate), and no price lands on an award already offered."""
    from sponsorship.review import pricing

    delegate_ids = _unpriced_delegates(race, 12)

    def price(delegate_id: int, airfare: Decimal) -> None:
        pricing.price(None, db.session.get(Delegate, delegate_id), airfare=airfare)

    def offer(delegate_id: int) -> None:
        decisions.offer(None, db.session.get(Delegate, delegate_id), today=TODAY)

    def work(n: int) -> None:
        order = delegate_ids if n % 2 == 0 else delegate_ids[::-1]
        for delegate_id in order:
            _attempt(race, price, delegate_id, Decimal(1000 + 10 * n))
            db.session.rollback()
            _attempt(race, offer, delegate_id)
            db.session.rollback()

    try:
        _run(race, work)
    finally:
        with race.app.app_context():
            awards = db.session.scalars(
                select(Award).where(Award.delegate_id.in_(delegate_ids))
            ).all()
            # The fixture deletes what it knows of: these awards too, and checks them.
            race.award_ids.extend(a.id for a in awards)
            race.estimates.update({a.id: a.total(CostStage.ESTIMATE) for a in awards})
            by_delegate = Counter(a.delegate_id for a in awards)
            statuses = {a.status for a in awards}
            db.session.remove()
    assert race.outcomes["conflict"] == 0
    assert by_delegate == Counter(delegate_ids), "one award per delegate"
    assert statuses == {AwardStatus.OFFERED}
    books = _assert_books(race)  # committed == the estimate each award ends with
    assert books["funded"] == len(delegate_ids)
