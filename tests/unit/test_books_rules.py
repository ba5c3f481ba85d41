"""Rules of `funds check`'s spend-approval check (`books.check_spend_approvals`) that a
mutation run found unguarded (tests/mutation): each kind of spend without its
approvals is reported, in words naming what is wrong, and correct books pass."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal as D

import pytest
import sqlalchemy as sa

from sponsorship import extensions
from sponsorship.core.workflow import transition
from sponsorship.funding import reconciliation
from sponsorship.funding.books import check_spend_approvals
from sponsorship.models import (
    ApprovalKind,
    ApprovalRequest,
    ApprovalStatus,
    AwardCostLine,
    AwardStatus,
    CostKind,
    CostStage,
    PaymentStatus,
)
from sponsorship.payments import services
from sponsorship.review import decisions
from tests.factories import ContributionFactory, MeetingFactory, UserFactory
from tests.payment_data import approved_payment, details, second_admin
from tests.unit.test_decisions import priced


@contextmanager
def _checks_off(db) -> Iterator[None]:
    """Let the test write rows the CHECKs would refuse (as a bad restore or a hand edit
    could): what `funds check` exists to find. Undone with the test's transaction."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(sa.text("PRAGMA ignore_check_constraints = 1"))
        try:
            yield
        finally:
            db.session.execute(sa.text("PRAGMA ignore_check_constraints = 0"))
        return
    checks = db.session.execute(
        sa.text(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE contype = 'c'"
            " AND conrelid::regclass::text IN ('payments', 'approval_requests')"
        )
    ).all()
    for table, name in checks:
        db.session.execute(sa.text(f"ALTER TABLE {table} DROP CONSTRAINT {name}"))
    yield


@pytest.fixture
def admin(db):
    return UserFactory()


@pytest.fixture
def other(db):
    return second_admin()


@pytest.fixture
def award(db, admin):
    ContributionFactory()
    award = decisions.offer(admin, priced(admin, MeetingFactory()))
    transition(award, AwardStatus.ACCEPTED, None)
    extensions.db.session.commit()
    return award


def test_spend_approvals_pass_books_where_every_franc_spent_is_approved(award, admin, other):
    """Rule: spend is covered by the approved payments less their part paid outside the
    fund, plus actual costs typed without a payment; a payment above the threshold
    approved by a second administrator is in order. Covered to the centime is fine."""
    approved_payment(admin, other, award, "1200")  # above the threshold: four eyes
    approved_payment(admin, other, award, "100")
    absorbed = services.enter_payment(admin, award.id, details("400"))
    services.approve_payment(other, absorbed.id, overspend=reconciliation.Overspend.ABSORB)
    extensions.db.session.commit()
    assert absorbed.outside_fund == D("88.00")
    assert check_spend_approvals() == []


def test_spend_approvals_report_each_kind_of_spend_without_its_approvals(award, admin, other):
    """Rule: `funds check` names each payment or request whose approvals are missing
    (approved without its cost line, a four-eyes payment approved by whoever entered
    it, a payment not approved that wrote a cost, a request approved by whoever asked)
    and each award whose spend exceeds its approved costs, with both amounts."""
    db = extensions.db
    four_eyes = approved_payment(admin, other, award, "1200")
    unlinked = approved_payment(admin, other, award, "100")
    undone = approved_payment(admin, other, award, "300")
    db.session.add(
        AwardCostLine(
            award_id=award.id,
            kind=CostKind.AIRFARE,
            stage=CostStage.ACTUAL,
            quantity=D(1),
            unit_amount=D("50.00"),
            amount=D("50.00"),
        )
    )
    request = ApprovalRequest(
        kind=ApprovalKind.WRITE_OFF,
        status=ApprovalStatus.APPROVED,
        award_id=award.id,
        amount=D("10.00"),
        currency="CHF",
        requested_by_id=admin.id,
        decided_by_id=admin.id,
    )
    unsigned = ApprovalRequest(
        kind=ApprovalKind.RECONCILIATION,
        status=ApprovalStatus.APPROVED,
        award_id=award.id,
        amount=D("10.00"),
        currency="CHF",
        requested_by_id=admin.id,
    )
    signed = ApprovalRequest(
        kind=ApprovalKind.RECONCILIATION,
        status=ApprovalStatus.APPROVED,
        award_id=award.id,
        amount=D("10.00"),
        currency="CHF",
        requested_by_id=admin.id,
        decided_by_id=other.id,
    )
    with _checks_off(db):
        db.session.add_all([request, unsigned, signed])
        four_eyes.decided_by_id = four_eyes.entered_by_id
        unlinked.cost_line_id = None
        undone.status = PaymentStatus.REJECTED
        db.session.commit()
        problems = check_spend_approvals()
    # Spent 1600; approved: 1200 + 100 paid, 50 typed and the unlinked payment's cost
    # line, now a typed one (100); the undone payment's 300 not.
    assert problems == [
        f"payment {four_eyes.id} above the threshold lacks a second approval",
        f"payment {unlinked.id} is approved without its actual cost line",
        f"payment {undone.id} is rejected but wrote an actual cost",
        f"write_off request {request.id} approved by whoever asked for it",
        f"reconciliation request {unsigned.id} approved by whoever asked for it",
        f"award {award.reference} spent 1600.0000 but its approved costs are 1450.0000",
    ]


def test_spend_approvals_do_not_count_money_paid_outside_the_fund(award, admin, other):
    """Rule: the part of an approved payment paid outside the fund approves no spend
    from it: spend left without its payment is reported against the rest."""
    undone = approved_payment(admin, other, award, "1200")
    approved_payment(admin, other, award, "100")
    absorbed = services.enter_payment(admin, award.id, details("400"))
    services.approve_payment(other, absorbed.id, overspend=reconciliation.Overspend.ABSORB)
    undone.status = PaymentStatus.REJECTED
    extensions.db.session.commit()
    assert check_spend_approvals() == [
        f"payment {undone.id} is rejected but wrote an actual cost",
        f"award {award.reference} spent 1612.0000 but its approved costs are 412.0000",
    ]


def test_spend_approvals_check_each_award_and_only_what_needs_a_second_approval(
    award, admin, other
):
    """Rule: each award's spend is held against its own approved costs; a payment below
    the threshold needs no second administrator, a four-eyes one approved by no one is
    reported, and a request still pending is no approval."""
    db = extensions.db
    second = decisions.offer(admin, priced(admin, MeetingFactory()))
    transition(second, AwardStatus.ACCEPTED, None)
    db.session.commit()
    unapproved = approved_payment(admin, other, award, "1200")
    approved_payment(admin, other, second, "300")
    small = approved_payment(admin, other, second, "100")
    undone = approved_payment(admin, other, second, "200")
    # Both awards also have money paid outside the fund and an actual cost typed without
    # a payment, each its own amount.
    for each, amount in ((award, "500"), (second, "1100")):
        absorbed = services.enter_payment(admin, each.id, details(amount))
        services.approve_payment(other, absorbed.id, overspend=reconciliation.Overspend.ABSORB)
    for each, amount in ((award, "50.00"), (second, "20.00")):
        db.session.add(
            AwardCostLine(
                award_id=each.id,
                kind=CostKind.AIRFARE,
                stage=CostStage.ACTUAL,
                quantity=D(1),
                unit_amount=D(amount),
                amount=D(amount),
            )
        )
    pending = ApprovalRequest(
        kind=ApprovalKind.WRITE_OFF,
        award_id=award.id,
        amount=D("10.00"),
        currency="CHF",
        requested_by_id=admin.id,
    )
    with _checks_off(db):
        db.session.add(pending)
        unapproved.decided_by_id = None
        small.decided_by_id = small.entered_by_id  # below the threshold: allowed
        undone.status = PaymentStatus.REJECTED
        db.session.commit()
        problems = check_spend_approvals()
    assert problems == [
        f"payment {unapproved.id} above the threshold lacks a second approval",
        f"payment {undone.id} is rejected but wrote an actual cost",
        # 1500 paid less 88 outside the fund, plus 20 typed; the undone 200 not.
        f"award {second.reference} spent 1612.0000 but its approved costs are 1432.0000",
    ]
