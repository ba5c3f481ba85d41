"""Two administrators approving at once: a payment is approved once, and approvals that
need more money than the fund holds never over-commit it (issue 22).

Real, separate connections (as tests/unit/test_ledger_concurrency.py): the test builds
its own app on the test database, starts its threads on a barrier, and deletes what it
wrote afterwards.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from sponsorship import create_app
from sponsorship.core.errors import DomainError
from sponsorship.core.transaction import ConcurrentChange
from sponsorship.extensions import db
from sponsorship.funding import ledger, reconciliation
from sponsorship.funding.books import check_books, check_spend_approvals
from sponsorship.funding.ledger import InsufficientFunds
from sponsorship.models import (
    Allocation,
    Application,
    AuditEvent,
    Award,
    AwardCostLine,
    AwardStatus,
    Contribution,
    ContributionStatus,
    Delegate,
    Donor,
    Meeting,
    MeetingSession,
    Payment,
    PaymentStatus,
    Role,
    State,
    User,
    application_sessions,
)
from sponsorship.payments import services
from tests.conftest import make_config
from tests.factories import PASSWORD_HASH
from tests.ledger_data import TODAY, D, airfare_award, ledger_meeting, party_and_outsider
from tests.payment_data import details

THREADS = 8
#: 1,000 in the fund, 900 committed to the award: payments of 140 each, approved with
#: "commit the difference", can spend at most 1,000: six from the committed money, the
#: seventh commits 80 more, the eighth would need 140 of the 20 left.
FUND, ESTIMATE, EACH = D("1000.00"), D("900.00"), D("140.00")


def _build() -> dict:
    meeting = ledger_meeting("Pay race")
    state = party_and_outsider(("QPY", "Pay Party"), ("QPZ", "Pay Outsider"))
    application = Application(meeting=meeting, state=state[0])
    award = airfare_award(
        "PAY-RACE-1",
        ESTIMATE,
        name="Payee",
        email="payee@example.org",
        nationality="QPY",
        application=application,
    )
    donor = Donor(name="Pay race donor")
    contribution = Contribution(
        donor=donor,
        reference="PAY-RACE",
        status=ContributionStatus.RECEIVED,
        currency="CHF",
        amount=FUND,
        exchange_rate=D(1),
        rate_date=TODAY,
        base_amount=FUND,
        committed=D(0),
        spent=D(0),
        pledged_on=TODAY,
        received_on=TODAY,
    )
    admins = [
        User(
            email=f"payrace{n}@example.org",
            name=f"Admin {n}",
            role=Role.ADMINISTRATOR,
            password_hash=PASSWORD_HASH,
        )
        for n in range(2)
    ]
    db.session.add_all([meeting, application, award, donor, contribution, *admins])
    db.session.commit()
    ledger.allocate(award.id, admins[0], on=TODAY)
    award.status = AwardStatus.ATTENDED
    db.session.commit()
    payments = [
        services.enter_payment(admins[0], award.id, details(EACH)).id for _ in range(THREADS)
    ]
    return {
        "award": award.id,
        "contribution": contribution.id,
        "donor": donor.id,
        "meeting": meeting.id,
        "states": [s.id for s in state],
        "application": application.id,
        "admins": [a.id for a in admins],
        "payments": payments,
    }


def _cleanup(ids: dict, first_event: int) -> None:
    with db.engine.begin() as conn:
        conn.execute(sa.delete(AuditEvent).where(AuditEvent.id > first_event))
        conn.execute(sa.delete(Payment).where(Payment.award_id == ids["award"]))
        conn.execute(sa.delete(Allocation).where(Allocation.award_id == ids["award"]))
        conn.execute(sa.delete(AwardCostLine).where(AwardCostLine.award_id == ids["award"]))
        conn.execute(sa.delete(Award).where(Award.id == ids["award"]))
        conn.execute(sa.delete(Delegate).where(Delegate.application_id == ids["application"]))
        conn.execute(
            sa.delete(application_sessions).where(
                application_sessions.c.application_id == ids["application"]
            )
        )
        conn.execute(sa.delete(Application).where(Application.id == ids["application"]))
        conn.execute(sa.delete(MeetingSession).where(MeetingSession.meeting_id == ids["meeting"]))
        conn.execute(sa.delete(Meeting).where(Meeting.id == ids["meeting"]))
        conn.execute(sa.delete(Contribution).where(Contribution.id == ids["contribution"]))
        conn.execute(sa.delete(Donor).where(Donor.id == ids["donor"]))
        conn.execute(sa.delete(State).where(State.id.in_(ids["states"])))
        conn.execute(sa.delete(User).where(User.id.in_(ids["admins"])))


@pytest.fixture
def race(app, database_url) -> Iterator[tuple]:
    if database_url.startswith("sqlite") and ":memory:" in database_url:
        pytest.skip("needs a database shared between connections")
    race_app = create_app(make_config(database_url))
    with race_app.app_context():
        first_event = db.session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))
        ids = _build()
        db.session.remove()
        try:
            yield race_app, ids
        finally:
            db.session.remove()
            _cleanup(ids, first_event)
            db.engine.dispose()


def _run(app, work, threads: int) -> Counter:
    outcomes: Counter = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def thread(n: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                try:
                    work(n)
                    outcome = "approved"
                except (InsufficientFunds, ConcurrentChange):
                    outcome = "short"
                except DomainError:
                    outcome = "refused"
                with lock:
                    outcomes[outcome] += 1
            except BaseException as error:
                with lock:
                    errors.append(error)
            finally:
                db.session.remove()

    pool = [threading.Thread(target=thread, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=120)
    assert errors == []
    return outcomes


def _admin(ids, n):
    return db.session.get(User, ids["admins"][n])


def test_two_admins_approving_the_same_payment_approve_it_once(race):
    app, ids = race
    payment_id = ids["payments"][0]

    def approve(n):
        services.approve_payment(_admin(ids, 1), payment_id)

    outcomes = _run(app, approve, 2)
    assert outcomes == Counter(approved=1, refused=1)
    with app.app_context():
        assert db.session.get(Payment, payment_id).status == PaymentStatus.APPROVED
        assert db.session.get(Contribution, ids["contribution"]).spent == EACH


def test_concurrent_approvals_never_overcommit_the_fund(race):
    app, ids = race

    def approve(n):
        services.approve_payment(
            _admin(ids, 1), ids["payments"][n], overspend=reconciliation.Overspend.ALLOCATE
        )

    outcomes = _run(app, approve, THREADS)
    assert outcomes == Counter(approved=7, short=1)
    with app.app_context():
        c = db.session.get(Contribution, ids["contribution"])
        assert (c.committed, c.spent) == (D(0), D("980.00"))
        assert all(line.ok for line in check_books())
        assert check_spend_approvals() == []
        approved = db.session.scalar(
            select(func.count(Payment.id)).where(
                Payment.award_id == ids["award"], Payment.status == PaymentStatus.APPROVED
            )
        )
        assert approved == 7
