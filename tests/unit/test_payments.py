"""Payments, claims and four-eyes: the state machines, exact money, and the ledger
moving only when a payment is approved (issue 22)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from sponsorship import extensions
from sponsorship.core.errors import DomainError, NotAllowed
from sponsorship.core.workflow import transition
from sponsorship.funding import balances, reconciliation
from sponsorship.funding.books import check_books, check_spend_approvals
from sponsorship.models import (
    Allocation,
    AllocationStatus,
    ApprovalStatus,
    AuditEvent,
    AwardStatus,
    ClaimCategory,
    ClaimStatus,
    ContributionStatus,
    CostStage,
    OutboxMessage,
    PaymentStatus,
)
from sponsorship.payments import approvals, claims, services
from sponsorship.payments.receipts import StoredReceipt
from sponsorship.review import decisions
from tests.factories import ContributionFactory, MeetingFactory, UserFactory
from tests.payment_data import approved_payment, details, second_admin
from tests.unit.test_decisions import priced

COST = D("1612.00")
RECEIPT = StoredReceipt("receipts/0123.pdf", "ab" * 32, "application/pdf", "r.pdf", 10)


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


def spent_on(award) -> D:
    rows = extensions.db.session.scalars(
        select(Allocation).where(
            Allocation.award_id == award.id, Allocation.status == AllocationStatus.SPENT
        )
    )
    return sum((a.amount for a in rows), D(0))


def test_entered_payment_moves_no_money(award, admin):
    payment = services.enter_payment(admin, award.id, details("300"), RECEIPT)
    assert payment.status == PaymentStatus.ENTERED
    assert spent_on(award) == 0
    assert award.total(CostStage.ACTUAL) == 0
    assert balances.award_committed(award.id) == COST


def test_approved_payment_spends_and_writes_its_actual_cost(award, admin, other):
    payment = approved_payment(admin, other, award, "300.55")
    assert payment.status == PaymentStatus.APPROVED
    assert spent_on(award) == D("300.55")
    assert balances.award_committed(award.id) == COST - D("300.55")
    assert award.total(CostStage.ACTUAL) == D("300.55")
    assert all(line.ok for line in check_books()) and check_spend_approvals() == []


def test_rejected_payment_moves_nothing_and_cannot_be_approved(award, admin, other):
    payment = services.enter_payment(admin, award.id, details("300"))
    services.reject_payment(other, payment.id, "Paid twice")
    with pytest.raises(DomainError, match="already decided"):
        services.approve_payment(other, payment.id)
    assert spent_on(award) == 0 and payment.decision_reason == "Paid twice"


def test_reject_without_reason_is_refused(award, admin):
    payment = services.enter_payment(admin, award.id, details("300"))
    with pytest.raises(DomainError):
        services.reject_payment(admin, payment.id, " ")


def test_payment_is_approved_once(award, admin, other):
    payment = approved_payment(admin, other, award, "100")
    with pytest.raises(DomainError, match="already decided"):
        services.approve_payment(admin, payment.id)
    assert spent_on(award) == D("100")


def test_same_person_approval_above_threshold_is_refused(app, monkeypatch, award, admin):
    monkeypatch.setitem(app.config, "FOUR_EYES_THRESHOLD", "1000")
    payment = services.enter_payment(admin, award.id, details("1000.01"))
    assert payment.four_eyes
    with pytest.raises(NotAllowed):
        services.approve_payment(admin, payment.id)
    assert payment.status == PaymentStatus.ENTERED and spent_on(award) == 0


def test_same_person_approval_at_threshold_is_allowed(app, monkeypatch, award, admin):
    monkeypatch.setitem(app.config, "FOUR_EYES_THRESHOLD", "1000")
    payment = services.enter_payment(admin, award.id, details("1000"))
    assert not payment.four_eyes
    services.approve_payment(admin, payment.id)
    assert spent_on(award) == D("1000")


def test_database_refuses_four_eyes_payment_approved_by_its_enterer(app, monkeypatch, award, admin):
    payment = services.enter_payment(admin, award.id, details("1500"))
    admin_id = admin.id
    payment.decided_by_id = admin_id
    payment.status = PaymentStatus.APPROVED
    with pytest.raises(Exception, match="four_eyes"):
        extensions.db.session.commit()
    extensions.db.session.rollback()


def test_other_currency_is_converted_at_the_days_rate_exactly(award, admin, other):
    payment = services.enter_payment(
        admin,
        award.id,
        details("100000", currency="XAF", exchange_rate=D("0.00146"), rate_date=date(2026, 11, 19)),
    )
    assert payment.base_amount == D("146.00")
    assert (payment.exchange_rate, payment.rate_date) == (D("0.00146"), date(2026, 11, 19))
    services.approve_payment(other, payment.id)
    assert spent_on(award) == D("146.00")


def test_base_currency_at_another_rate_is_refused(award, admin):
    with pytest.raises(DomainError):
        services.enter_payment(admin, award.id, details("10", exchange_rate=D("1.1")))


def test_dsa_cash_without_signed_receipt_is_refused(award, admin):
    with pytest.raises(DomainError, match="signed receipt"):
        services.enter_payment(admin, award.id, details("300", kind="dsa_cash"))


def test_ticket_needs_supplier_and_number(award, admin):
    with pytest.raises(DomainError):
        services.enter_payment(admin, award.id, details("10", kind="ticket", supplier=None))


def test_payment_above_committed_money_needs_a_decision(award, admin, other):
    first = approved_payment(admin, other, award, "1600")
    assert first.outside_fund == 0
    payment = services.enter_payment(admin, award.id, details("100"))
    with pytest.raises(DomainError, match="exceed"):
        services.approve_payment(other, payment.id)
    services.approve_payment(other, payment.id, overspend=reconciliation.Overspend.ABSORB)
    assert payment.outside_fund == D("88.00")
    assert spent_on(award) == COST
    assert check_spend_approvals() == []


def test_reconciliation_uses_approved_payments_and_releases_the_rest(award, admin, other):
    transition(award, AwardStatus.ATTENDED, None)
    extensions.db.session.commit()
    approved_payment(admin, other, award, "900", kind="ticket")
    services.enter_payment(admin, award.id, details("50"))  # never approved: not a cost
    result = reconciliation.reconcile(award, admin)
    assert (result.actual, result.spent, result.released) == (D("900"), 0, COST - D("900"))
    assert spent_on(award) == D("900")
    assert all(line.ok for line in check_books()) and check_spend_approvals() == []


def test_funds_check_reports_spend_without_approval(award, admin, other):
    payment = approved_payment(admin, other, award, "400")
    payment.status = PaymentStatus.REJECTED  # as if someone undid the approval by hand
    extensions.db.session.commit()
    problems = check_spend_approvals()
    assert any("spent 400" in p for p in problems)
    assert any(f"payment {payment.id} is rejected" in p for p in problems)


def test_every_payment_step_is_audited(award, admin, other):
    payment = approved_payment(admin, other, award, "10")
    actions = set(
        extensions.db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_id == payment.id)
        )
    )
    assert {"payment.enter", "payment.approve"} <= actions


# --- Claims -------------------------------------------------------------------------


def _claim(admin, award, amount="80", currency="EUR"):
    return claims.file_claim(
        admin,
        award.id,
        claims.ClaimDetails(ClaimCategory.TERMINAL, currency, D(amount), "Taxi"),
        [RECEIPT],
    )


def test_claim_without_receipt_is_refused(award, admin):
    with pytest.raises(DomainError):
        claims.file_claim(
            admin, award.id, claims.ClaimDetails(ClaimCategory.VISA, "EUR", D("60")), []
        )


def test_claim_approved_then_paid_by_its_reimbursement(award, admin, other):
    claim = _claim(admin, award)
    claims.decide_claim(other, claim.id, "approve")
    assert (claim.status, claim.approved_amount) == (ClaimStatus.APPROVED, D("80"))
    payment = claims.reimburse(
        admin,
        claim.id,
        paid_on=date(2026, 11, 25),
        exchange_rate=D("0.94"),
        rate_date=None,
        paid_by="Finance",
    )
    assert payment.base_amount == D("75.20")
    services.approve_payment(other, payment.id)
    assert claim.status == ClaimStatus.PAID
    assert award.total(CostStage.ACTUAL) == D("75.20")


def test_claim_partly_approved_needs_a_reason_and_a_smaller_amount(award, admin):
    claim = _claim(admin, award)
    with pytest.raises(DomainError):
        claims.decide_claim(admin, claim.id, "partly", approved_amount=D("50"))
    with pytest.raises(DomainError):
        claims.decide_claim(admin, claim.id, "partly", approved_amount=D("80"), reason="x")
    claims.decide_claim(admin, claim.id, "partly", approved_amount=D("50"), reason="No receipt")
    assert (claim.status, claim.approved_amount) == (ClaimStatus.PARTLY_APPROVED, D("50"))


def test_rejected_claim_cannot_be_reimbursed_or_decided_again(award, admin):
    claim = _claim(admin, award)
    claims.decide_claim(admin, claim.id, "reject", reason="Personal expense")
    with pytest.raises(DomainError):
        claims.reimburse(
            admin,
            claim.id,
            paid_on=date(2026, 11, 25),
            exchange_rate=D(1),
            rate_date=None,
            paid_by=None,
        )
    with pytest.raises(DomainError):
        claims.decide_claim(admin, claim.id, "approve")


def test_claim_decision_is_mailed_in_the_applications_language(award, admin):
    from tests.factories import UserFactory as Users

    application = award.delegate.application
    application.language = "fr"
    Users(role="applicant", state=application.state, email="chad@example.org")
    extensions.db.session.commit()
    claim = _claim(admin, award)
    claims.decide_claim(admin, claim.id, "reject", reason="Hors programme")
    mail = extensions.db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == f"claim_decided_{claim.id}")
    ).one()
    assert "refusée" in mail.subject.lower() or "rejet" in mail.subject.lower()


# --- Four-eyes requests --------------------------------------------------------------


def test_reconciliation_above_threshold_waits_for_a_second_admin(
    app, monkeypatch, award, admin, other
):
    monkeypatch.setitem(app.config, "FOUR_EYES_THRESHOLD", "1000")
    transition(award, AwardStatus.ATTENDED, None)
    extensions.db.session.commit()
    request = approvals.reconcile_or_request(admin, award.id, None)
    assert request.status == ApprovalStatus.PENDING and award.reconciled_at is None
    assert [i.kind for i in approvals.pending()] == ["reconciliation"]
    with pytest.raises(NotAllowed):
        approvals.approve_request(admin, request.id)
    approvals.approve_request(other, request.id)
    assert award.reconciled_at is not None and request.status == ApprovalStatus.APPROVED
    with pytest.raises(DomainError):
        approvals.approve_request(other, request.id)


def test_reconciliation_at_or_below_threshold_runs_at_once(app, monkeypatch, award, admin, other):
    monkeypatch.setitem(app.config, "FOUR_EYES_THRESHOLD", "2000")
    transition(award, AwardStatus.ATTENDED, None)
    extensions.db.session.commit()
    result = approvals.reconcile_or_request(admin, award.id, None)
    assert isinstance(result, reconciliation.Reconciliation) and result.released == COST


def test_write_off_above_threshold_waits_and_is_refusable(app, monkeypatch, admin, other):
    pledge = ContributionFactory(
        status=ContributionStatus.PLEDGED,
        received_on=None,
        exchange_rate=None,
        rate_date=None,
        base_amount=None,
        currency="CHF",
        amount=D("5000"),
    )
    extensions.db.session.commit()
    request = approvals.write_off_or_request(admin, pledge.id, "Budget cut")
    assert pledge.status == ContributionStatus.PLEDGED
    approvals.reject_request(admin, request.id)
    assert request.status == ApprovalStatus.REJECTED
    request = approvals.write_off_or_request(admin, pledge.id, "Budget cut")
    approvals.approve_request(other, request.id)
    assert pledge.status == ContributionStatus.CANCELLED


def test_small_write_off_in_base_currency_runs_at_once(app, monkeypatch, admin):
    pledge = ContributionFactory(
        status=ContributionStatus.PLEDGED,
        received_on=None,
        exchange_rate=None,
        rate_date=None,
        base_amount=None,
        currency="CHF",
        amount=D("500"),
    )
    extensions.db.session.commit()
    assert approvals.write_off_or_request(admin, pledge.id, None) is None
    assert pledge.status == ContributionStatus.CANCELLED


def test_reconciliation_request_over_committed_money_asks_the_decision_first(
    app, monkeypatch, award, admin, other
):
    monkeypatch.setitem(app.config, "FOUR_EYES_THRESHOLD", "100")
    transition(award, AwardStatus.ATTENDED, None)
    extensions.db.session.commit()
    # Typed (imported) actual costs above the committed money, not yet spent.
    from tests.factories import AwardCostLineFactory

    AwardCostLineFactory(award=award, stage=CostStage.ACTUAL, unit_amount=D("2000"))
    extensions.db.session.commit()
    with pytest.raises(DomainError, match="exceed"):
        approvals.reconcile_or_request(admin, award.id, None)
    request = approvals.reconcile_or_request(admin, award.id, reconciliation.Overspend.ABSORB)
    approvals.approve_request(other, request.id)
    assert award.reconciled_at is not None and spent_on(award) == COST
